//! A real Wayland compositor per test: headless sway (TESTING.md's recipe), and a foot terminal
//! in it writing what is typed to a file.
//!
//! sway refuses to run as root, so under root the compositor and its clients run as the
//! system user `tonny-wl` (created once); the tests themselves, as root, can still reach its
//! socket. `WAYLAND_DISPLAY` is handed out as an absolute path, so a test can keep its own
//! `XDG_RUNTIME_DIR` for PulseAudio.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use crate::xserver::wait_until;

/// The account sway runs as when the tests run as root.
const SWAY_USER: &str = "tonny-wl";

/// A running headless sway; stopped (by PID) when dropped.
pub struct Sway {
    child: Child,
    runtime: tempfile::TempDir,
    socket: PathBuf,
    owner: Option<(u32, u32)>,
}

/// A foot terminal in [`Sway`] running `cat` without line buffering, so each typed character
/// lands in its file at once; stopped (by PID) when dropped.
pub struct FootCat {
    child: Child,
    file: PathBuf,
}

fn id_of(user: &str, flag: &str) -> Option<u32> {
    let out = Command::new("id").args([flag, user]).output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// The uid and gid to run sway with: `None` when the tests are not root.
fn sway_owner() -> Option<(u32, u32)> {
    static OWNER: OnceLock<Option<(u32, u32)>> = OnceLock::new();
    *OWNER.get_or_init(|| {
        let me = Command::new("id").arg("-u").output().expect("running id");
        if String::from_utf8_lossy(&me.stdout).trim() != "0" {
            return None;
        }
        if id_of(SWAY_USER, "-u").is_none() {
            // Exit 9 is "already exists": another test binary made it first.
            let status = Command::new("useradd")
                .args(["--system", "--no-create-home", SWAY_USER])
                .status()
                .expect("running useradd");
            assert!(
                status.success() || status.code() == Some(9),
                "useradd {SWAY_USER} failed: {status}"
            );
        }
        Some((
            id_of(SWAY_USER, "-u").expect("the sway user's uid"),
            id_of(SWAY_USER, "-g").expect("the sway user's gid"),
        ))
    })
}

impl Sway {
    /// Starts headless sway (Debian package `sway`) with one 800×600 output and no Xwayland.
    pub fn start() -> Self {
        let owner = sway_owner();
        let runtime = tempfile::Builder::new()
            .prefix("tonny-sway-")
            .tempdir()
            .expect("a runtime dir");
        std::fs::set_permissions(runtime.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(runtime.path(), Some(uid), Some(gid)).unwrap();
        }
        let config = runtime.path().join("sway.cfg");
        std::fs::write(
            &config,
            "output HEADLESS-1 resolution 800x600\nxwayland disable\n",
        )
        .unwrap();
        let log = std::fs::File::create(runtime.path().join("sway.log")).unwrap();
        let mut cmd = Command::new("sway");
        cmd.arg("-c")
            .arg(&config)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", runtime.path())
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env("WLR_BACKENDS", "headless")
            .env("WLR_RENDERER", "pixman")
            .env("WLR_LIBINPUT_NO_DEVICES", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        if let Some((uid, gid)) = owner {
            cmd.uid(uid).gid(gid);
        }
        let mut child = cmd.spawn().expect("running sway (apt package sway)");
        let dir = runtime.path().to_owned();
        let mut socket = None;
        wait_until("sway's Wayland socket", Duration::from_secs(20), || {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(dir.join("sway.log")).unwrap_or_default();
                panic!("sway exited ({status}) before listening:\n{log}");
            }
            socket = std::fs::read_dir(&dir).ok().and_then(|entries| {
                entries.flatten().map(|e| e.path()).find(|p| {
                    let name = p.file_name().unwrap_or_default().to_string_lossy();
                    name.starts_with("wayland-") && !name.ends_with(".lock")
                })
            });
            socket.is_some() && swaysock_in(&dir).is_some()
        });
        Self {
            child,
            socket: socket.expect("found above"),
            runtime,
            owner,
        }
    }

    /// `WAYLAND_DISPLAY`, as an absolute path to the socket.
    pub fn wayland_display(&self) -> &Path {
        &self.socket
    }

    /// `SWAYSOCK`, sway's IPC socket (`swaymsg`, the focused app id).
    pub fn swaysock(&self) -> PathBuf {
        swaysock_in(self.runtime.path()).expect("sway is running")
    }

    fn client(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.runtime.path())
            .env("XDG_RUNTIME_DIR", self.runtime.path())
            .env("WAYLAND_DISPLAY", &self.socket)
            .env("SWAYSOCK", self.swaysock());
        if let Some((uid, gid)) = self.owner {
            cmd.uid(uid).gid(gid);
        }
        cmd
    }

    /// The focused window's app id, from sway's tree.
    pub fn focused_app_id(&self) -> Option<String> {
        let out = self
            .client("swaymsg")
            .args(["-t", "get_tree", "-r"])
            .output()
            .ok()?;
        let tree: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        fn focused(node: &serde_json::Value) -> Option<String> {
            if node["focused"] == true {
                return node["app_id"].as_str().map(str::to_owned);
            }
            ["nodes", "floating_nodes"]
                .iter()
                .filter_map(|k| node[k].as_array())
                .flatten()
                .find_map(focused)
        }
        focused(&tree)
    }

    /// Opens foot (Debian package `foot`) running `cat` into `typed.txt` in the runtime dir,
    /// waits until its window has the focus and `cat` runs, and returns it.
    pub fn foot_cat(&self) -> FootCat {
        let file = self.runtime.path().join("typed.txt");
        let child = self
            .client("foot")
            .args(["-e", "sh", "-c"])
            // No echo and no line discipline: each key reaches the file as it is typed.
            .arg(format!(
                "stty -icanon -echo; exec cat > '{}'",
                file.display()
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("running foot (apt package foot)");
        wait_until(
            "foot's window to take the focus",
            Duration::from_secs(20),
            || file.exists() && self.focused_app_id().as_deref() == Some("foot"),
        );
        FootCat { child, file }
    }
}

fn swaysock_in(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with("sway-ipc.") && name.ends_with(".sock")
        })
}

impl FootCat {
    /// What has been typed so far.
    pub fn typed(&self) -> String {
        std::fs::read_to_string(&self.file).unwrap_or_default()
    }

    /// Waits until the typed text stops changing (nothing new for half a second) and returns it.
    pub fn typed_settled(&self, timeout: Duration) -> String {
        let start = Instant::now();
        let mut last = (self.typed(), Instant::now());
        while start.elapsed() < timeout {
            thread::sleep(Duration::from_millis(50));
            let now = self.typed();
            if now != last.0 {
                last = (now, Instant::now());
            } else if last.1.elapsed() > Duration::from_millis(500) && !now.is_empty() {
                break;
            }
        }
        last.0
    }
}

impl FootCat {
    /// Stops foot now and lets it go on after `pause` (SIGSTOP/SIGCONT by PID): a window that
    /// is busy at the moment a keyboard appears, as a loaded desktop has them.
    pub fn busy_for(&self, pause: Duration) -> thread::JoinHandle<()> {
        let pid = self.child.id().to_string();
        let signal = |sig: &str, pid: &str| {
            let ok = Command::new("kill")
                .args([sig, pid])
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "kill {sig} {pid} failed");
        };
        signal("-STOP", &pid);
        thread::spawn(move || {
            thread::sleep(pause);
            signal("-CONT", &pid);
        })
    }
}

impl Drop for FootCat {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
