//! A real Secret Service for keychain tests: a private `dbus-daemon` session bus with
//! `gnome-keyring-daemon` unlocked on it. Nothing is shared with the developer's own session.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::dbus::{SessionBus, require};

/// A running bus and keyring; both are killed on drop.
pub struct SecretService {
    /// Private HOME/XDG_RUNTIME_DIR for the keyring's files.
    dir: tempfile::TempDir,
    /// The session bus address to hand to processes under test.
    address: String,
    /// The private session bus.
    bus: SessionBus,
    /// `gnome-keyring-daemon`.
    keyring: Child,
}

impl SecretService {
    /// Starts the bus and the keyring and waits until `org.freedesktop.secrets` answers.
    pub fn start() -> Self {
        require(
            "gnome-keyring-daemon",
            "gnome-keyring",
            "the keychain tests",
        );
        let dir = tempfile::Builder::new()
            .prefix("tonny-keyring-")
            .tempdir()
            .expect("temp dir for the keyring");
        let home = dir.path().join("home");
        let run = dir.path().join("run");
        for d in [&home, &run] {
            std::fs::create_dir_all(d).unwrap();
            std::fs::set_permissions(d, std::os::unix::fs::PermissionsExt::from_mode(0o700))
                .unwrap();
        }
        let bus = SessionBus::start(&run);
        let address = bus.address().to_owned();

        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .arg(format!(
                "--control-directory={}",
                run.join("keyring").display()
            ))
            .env("HOME", &home)
            .env("XDG_RUNTIME_DIR", &run)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting gnome-keyring-daemon");
        // The login keyring's password, read from stdin because of --unlock.
        let mut stdin = keyring.stdin.take().unwrap();
        stdin.write_all(b"test-keyring-password").unwrap();
        drop(stdin);

        let me = Self {
            dir,
            address,
            bus,
            keyring,
        };
        me.wait_ready(Duration::from_secs(15));
        me
    }

    fn wait_ready(&self, timeout: Duration) {
        self.bus.wait_for_name("org.freedesktop.secrets", timeout);
    }

    /// `DBUS_SESSION_BUS_ADDRESS` for processes that should use this keychain.
    pub fn bus_address(&self) -> &str {
        &self.address
    }

    /// The keyring's private home (its files live under `.local/share/keyrings`).
    pub fn keyring_home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// Looks an entry up with `secret-tool`, independently of our code.
    pub fn lookup(&self, service: &str, user: &str) -> Option<String> {
        let out = Command::new("secret-tool")
            .args(["lookup", "service", service, "username", user])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .ok()?;
        (out.status.success() && !out.stdout.is_empty())
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The directory holding everything this service wrote.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        // The keyring first, then the bus (dropped with `self`).
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
    }
}
