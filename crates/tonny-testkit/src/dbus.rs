//! A private D-Bus session bus (`dbus-daemon --session`) for tests that need one: the keychain
//! and the desktop portals. Nothing is shared with the developer's own session.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `dbus-daemon`, killed (by PID) on drop.
pub struct SessionBus {
    address: String,
    daemon: Child,
}

/// Panics with the package to install when `bin` is not on `PATH`.
pub fn require(bin: &str, package: &str, for_what: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "`{bin}` is not installed; {for_what} need it (apt-get install {package}; scripts/test.sh does this)"
    );
}

impl SessionBus {
    /// Starts a bus listening on the socket `dir/bus` (`dir` must exist).
    pub fn start(dir: &Path) -> Self {
        require("dbus-daemon", "dbus", "the D-Bus tests");
        require("dbus-send", "dbus-bin", "the D-Bus tests");
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!("--address=unix:path={}", dir.join("bus").display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting dbus-daemon");
        let mut line = String::new();
        BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("reading the bus address");
        let address = line.trim().to_owned();
        assert!(!address.is_empty(), "dbus-daemon printed no address");
        Self { address, daemon }
    }

    /// `DBUS_SESSION_BUS_ADDRESS` for processes that should use this bus.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Waits until `name` has an owner on the bus (asked with `dbus-send`, not our code).
    pub fn wait_for_name(&self, name: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let out = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                ])
                .arg(format!("string:{name}"))
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .output()
                .expect("running dbus-send");
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{name} did not appear on the test bus within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
