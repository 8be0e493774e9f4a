//! The runtime file: where a running daemon tells other programs of the same home (the `tonny`
//! command, `tonny ui-url`) that it runs and where its API listens. It sits beside the API token
//! in the data folder (`daemon.json`, 0600), is written once the API answers and removed when
//! the daemon stops; a file left by a daemon that was killed is recognised by its process id.
//!
//! One daemon serves a home: before it writes the file it takes an exclusive lock on
//! `daemon.lock` beside it, held until the process ends (the kernel lets go of a killed
//! process's lock, so nothing stale is left). A second `tonny serve`, the tray started at login
//! while the systemd service runs, or the service started while the tray runs, is refused with
//! the first one's address and how to stop it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file's name in the data folder.
pub const RUNTIME_FILE: &str = "daemon.json";

/// The lock file's name in the data folder.
pub const LOCK_FILE: &str = "daemon.lock";

/// Proof that this process is the one daemon of its home; dropping it lets go.
#[derive(Debug)]
pub struct HomeClaim {
    _lock: std::fs::File,
}

/// Why a daemon could not claim its home.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// Another daemon of this home runs.
    #[error(
        "TonnyTray already runs for this home{}: use it (the tonny command and the web UI find \
         it), or stop it first (`systemctl --user stop tonnytray` when it runs as the service, \
         Quit in the tray's menu, or Ctrl+C where `tonny serve` or `tonny run` was started)",
        running.as_ref().map(|i| format!(" (process {}, {})", i.pid, i.url)).unwrap_or_default()
    )]
    Running {
        /// The running daemon, once its runtime file is written.
        running: Option<RuntimeInfo>,
    },
    /// The lock file could not be opened or locked.
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Claims `data_dir`'s home for this process (see the module's documentation).
pub fn claim(data_dir: &Path) -> Result<HomeClaim, ClaimError> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = data_dir.join(LOCK_FILE);
    let io = |source| ClaimError::Io {
        path: path.clone(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => Ok(HomeClaim { _lock: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(ClaimError::Running {
            running: read(data_dir),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
    }
}

/// What a running daemon writes about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeInfo {
    /// The API's base address (`http://127.0.0.1:8787/`), without the token.
    pub url: String,
    /// The daemon's process id.
    pub pid: u32,
    /// Its version.
    pub version: String,
}

/// The runtime file of the home whose data folder is `data_dir`.
pub fn runtime_path(data_dir: &Path) -> PathBuf {
    data_dir.join(RUNTIME_FILE)
}

/// Writes `info` (0600, replaced atomically).
pub fn write(data_dir: &Path, info: &RuntimeInfo) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = runtime_path(data_dir);
    let tmp = path.with_extension("json.partial");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(&serde_json::to_vec(info).map_err(std::io::Error::other)?)?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)
}

/// The daemon described in `data_dir`, if its file is there and its process is alive.
pub fn read(data_dir: &Path) -> Option<RuntimeInfo> {
    let info: RuntimeInfo =
        serde_json::from_slice(&std::fs::read(runtime_path(data_dir)).ok()?).ok()?;
    alive(info.pid).then_some(info)
}

/// Removes the file if it is this process's.
pub fn remove(data_dir: &Path) {
    let path = runtime_path(data_dir);
    let mine = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<RuntimeInfo>(&b).ok())
        .is_some_and(|i| i.pid == std::process::id());
    if mine {
        let _ = std::fs::remove_file(path);
    }
}

/// Running, and not a zombie waiting for its parent to collect it.
pub fn alive(pid: u32) -> bool {
    let stat = match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => s,
        Err(_) => return false,
    };
    !stat
        .rsplit_once(')')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
}
