//! A private X server (Xvfb) per test, and an xterm in it running `cat > FILE`, so typed text
//! can be read back from the file (TESTING.md's recipe: no window manager, so the window is
//! focused with `xdotool windowfocus`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// A running Xvfb on its own display.
pub struct XServer {
    child: Child,
    display: String,
}

/// Polls `ready` every 25 ms; panics naming `what` after `timeout`.
pub(crate) fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < timeout,
            "{what} did not happen within {timeout:?}"
        );
        thread::sleep(Duration::from_millis(25));
    }
}

impl XServer {
    /// Starts Xvfb on a display it picks itself.
    ///
    /// `-displayfd` makes the server claim the first free display and write its number back
    /// once it listens, so tests starting servers in parallel cannot pick the same display
    /// (choosing one from lock files raced: two tests took :90 and one lost its server).
    pub fn start() -> Self {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("running Xvfb (apt package xvfb)");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep the pipe open (and drained) for the server's lifetime.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        let number = line.trim();
        if number.is_empty() || number.parse::<u32>().is_err() {
            let _ = child.kill();
            panic!("Xvfb did not report a display within 20 s (got {line:?})");
        }
        Self {
            child,
            display: format!(":{number}"),
        }
    }

    /// The `DISPLAY` value.
    pub fn display(&self) -> &str {
        &self.display
    }

    fn tool(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("DISPLAY", &self.display);
        c
    }

    /// Starts an xterm running `cat > out`, waits for its window and focuses it. An xterm
    /// that exits before its window shows (it could not reach the server in a busy moment) is
    /// started again, twice at most; its own message is in the panic if it never shows.
    pub fn xterm_cat(&self, out: &Path) -> Child {
        self.xterm_cat_as(out, "XTerm")
    }

    /// [`XServer::xterm_cat`] with the window's `WM_CLASS` set to `class` (its instance name
    /// is `class` in lowercase), so it passes for another application.
    pub fn xterm_cat_as(&self, out: &Path, class: &str) -> Child {
        let log = out.with_extension("xterm.log");
        let instance = class.to_lowercase();
        let spawn = || {
            self.tool("xterm")
                .args(["-name", &instance, "-class", class])
                .args(["-u8", "-e", "sh", "-c"])
                .arg(format!("cat > '{}'", out.display()))
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).expect("the xterm log"))
                .spawn()
                .expect("running xterm (apt package xterm)")
        };
        let mut child = spawn();
        let mut restarts = 0;
        let start = Instant::now();
        let window = loop {
            let o = self
                .tool("xdotool")
                .args(["search", "--onlyvisible", "--class", class])
                .output()
                .expect("running xdotool (apt package xdotool)");
            let found = String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned();
            if !found.is_empty() {
                break found;
            }
            if let Ok(Some(status)) = child.try_wait()
                && restarts < 2
            {
                restarts += 1;
                eprintln!(
                    "xterm exited before its window showed ({status}): {}; starting it again",
                    std::fs::read_to_string(&log).unwrap_or_default().trim()
                );
                child = spawn();
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the xterm window did not show within 60 s (xterm {}; it said: {})",
                match child.try_wait() {
                    Ok(Some(status)) => format!("exited: {status}"),
                    _ => "still running".to_owned(),
                },
                std::fs::read_to_string(&log).unwrap_or_default().trim()
            );
            thread::sleep(Duration::from_millis(25));
        };
        let focused = self
            .tool("xdotool")
            .args(["windowfocus", "--sync", &window])
            .status()
            .unwrap();
        assert!(focused.success(), "could not focus the xterm");
        wait_until("the output file", Duration::from_secs(10), || out.exists());
        child
    }

    /// Presses keys in the focused window (`ctrl+d`).
    pub fn key(&self, keys: &str) {
        let ok = self.tool("xdotool").args(["key", keys]).status().unwrap();
        assert!(ok.success(), "xdotool key {keys} failed");
    }

    /// Holds keys down (`ctrl+shift+space`) until [`XServer::key_up`].
    pub fn key_down(&self, keys: &str) {
        let ok = self
            .tool("xdotool")
            .args(["keydown", keys])
            .status()
            .unwrap();
        assert!(ok.success(), "xdotool keydown {keys} failed");
    }

    /// Releases keys held with [`XServer::key_down`].
    pub fn key_up(&self, keys: &str) {
        let ok = self.tool("xdotool").args(["keyup", keys]).status().unwrap();
        assert!(ok.success(), "xdotool keyup {keys} failed");
    }

    /// The clipboard's text.
    pub fn clipboard(&self) -> String {
        let o = self
            .tool("xclip")
            .args(["-o", "-selection", "clipboard"])
            .output()
            .expect("running xclip (apt package xclip)");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
}

impl Drop for XServer {
    fn drop(&mut self) {
        // SIGTERM lets Xvfb remove its lock file and socket; SIGKILL would leak the display.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
