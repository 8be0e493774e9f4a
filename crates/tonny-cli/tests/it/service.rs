//! The systemd user unit (`packaging/systemd/tonnytray.service`): `systemd-analyze verify`
//! accepts it, and the daemon started as its `ExecStart=` says tells a notify socket that it is
//! ready (once its API answers), pings the watchdog, says when it reloads on SIGHUP and when it
//! stops. A second daemon for the same home is refused while it runs.

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use tonny_testkit::{TempHome, Tonny};

use crate::tonny;

fn unit_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../packaging/systemd/tonnytray.service")
}

/// The unit's `ExecStart=` words: the program, then its arguments.
fn exec_start() -> Vec<String> {
    let unit = std::fs::read_to_string(unit_path()).unwrap();
    let line = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("the unit has ExecStart=");
    line.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn systemd_accepts_the_user_unit() {
    let dir = tempfile::tempdir().unwrap();
    // `verify` checks that the program exists: ours, where the package puts /usr/bin/tonny.
    let unit = std::fs::read_to_string(unit_path())
        .unwrap()
        .replace("/usr/bin/tonny", env!("CARGO_BIN_EXE_tonny"));
    let path = dir.path().join("tonnytray.service");
    std::fs::write(&path, unit).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze (Debian's systemd package) runs");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.trim().is_empty(), "no warnings: {said}");
}

/// A notify socket as systemd has one: datagrams of `KEY=value` lines.
struct NotifySocket {
    socket: UnixDatagram,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl NotifySocket {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let socket = UnixDatagram::bind(&path).unwrap();
        Self {
            socket,
            path,
            _dir: dir,
        }
    }

    /// The next message that `matches`, skipping others; fails after `within`.
    fn wait_for(&self, within: Duration, matches: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        let mut buf = [0u8; 4096];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no matching notification within {within:?}"
            );
            self.socket.set_read_timeout(Some(left)).unwrap();
            let n = self.socket.recv(&mut buf).expect("a notification");
            let message = String::from_utf8_lossy(&buf[..n]).into_owned();
            if matches(&message) {
                return message;
            }
        }
    }
}

fn has_line(message: &str, line: &str) -> bool {
    message.lines().any(|l| l == line)
}

#[test]
fn the_daemon_started_as_the_unit_says_tells_systemd_ready_reload_and_stop_and_pings_the_watchdog()
{
    let home = TempHome::new();
    let notify = NotifySocket::new();
    let port = tonny_testkit::free_port();
    let words = exec_start();
    assert_eq!(words[0], "/usr/bin/tonny", "the package's program");
    // As systemd starts it: WATCHDOG_PID names the service's own process, so the program is
    // exec'd by a shell that sets it to its own pid first.
    let run = Tonny::new("/bin/sh", &home)
        .args([
            "-c",
            "export WATCHDOG_PID=$$; exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_tonny"),
        ])
        .args(&words[1..])
        .env("NOTIFY_SOCKET", &notify.path)
        .env("WATCHDOG_USEC", "400000")
        .env("TONNY_SERVER_PORT", port.to_string())
        .spawn();

    let ready = notify.wait_for(Duration::from_secs(120), |m| has_line(m, "READY=1"));
    // Ready means served: the API answers and the runtime file names it.
    let status = ready
        .lines()
        .find_map(|l| l.strip_prefix("STATUS="))
        .unwrap_or_default();
    assert!(status.contains(&format!("127.0.0.1:{port}")), "{ready}");
    let token = std::fs::read_to_string(home.data_dir().join("api-token")).unwrap();
    assert!(!token.trim().is_empty(), "the daemon has a token");
    assert!(
        !ready.contains(token.trim()),
        "the token is not in the status"
    );
    let runtime = std::fs::read_to_string(home.data_dir().join("daemon.json")).unwrap();
    assert!(runtime.contains(&format!(":{port}/")), "{runtime}");
    reqwest::blocking::get(format!("http://127.0.0.1:{port}/healthz"))
        .expect("the API answers once ready");

    // The watchdog is pinged at half the interval asked for, again and again.
    for _ in 0..2 {
        notify.wait_for(Duration::from_secs(5), |m| has_line(m, "WATCHDOG=1"));
    }

    // A second daemon for this home is refused, naming the one that runs.
    let second = tonny(&home)
        .args(["serve", "--port", "0", "--no-hotkeys", "--silent"])
        .run();
    assert_ne!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stderr.contains(&run.pid().to_string()),
        "{}",
        second.stderr
    );

    // SIGHUP (ExecReload=): reloading, then ready again.
    let hup = Command::new("kill")
        .args(["-HUP", &run.pid().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    notify.wait_for(Duration::from_secs(10), |m| has_line(m, "RELOADING=1"));
    notify.wait_for(Duration::from_secs(10), |m| has_line(m, "READY=1"));

    // SIGTERM (systemctl stop): stopping, and a clean exit.
    let _ = Command::new("kill")
        .args(["-TERM", &run.pid().to_string()])
        .status();
    notify.wait_for(Duration::from_secs(10), |m| has_line(m, "STOPPING=1"));
    let out = run.finish();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!home.data_dir().join("daemon.json").exists());
}
