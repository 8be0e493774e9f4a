//! Store errors, each phrased for the person who has to act on it.

use std::io;
use std::path::PathBuf;

use rusqlite::ErrorCode;

/// Everything that can go wrong reading or writing the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file exists but is not an SQLite database (or its header is damaged).
    #[error(
        "{} is not a TonnyTray database (the file is not SQLite, or its header is damaged); nothing was changed. Restore a backup with `tonny db restore FILE`, or move the file aside to start with an empty database",
        path.display()
    )]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// A valid SQLite file that some other program made.
    #[error(
        "{} is an SQLite database, but not one TonnyTray made (application id {found:#x}); nothing was changed",
        path.display()
    )]
    ForeignDatabase {
        /// The file.
        path: PathBuf,
        /// The `application_id` found.
        found: i64,
    },
    /// SQLite found damaged pages.
    #[error(
        "the database {} is damaged ({detail}); nothing was changed. Run `tonny db check` for details and `tonny db restore FILE` to recover from a backup",
        path.display()
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// SQLite's description.
        detail: String,
    },
    /// The file was written by a newer TonnyTray.
    #[error(
        "{} uses schema version {found}, but this TonnyTray only knows versions up to {supported}; upgrade TonnyTray to open it (nothing was changed)",
        path.display()
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The disk (or quota) is full.
    #[error(
        "the disk holding {} is full; free some space and try again (the last change was not saved, earlier data is intact)",
        path.display()
    )]
    DiskFull {
        /// The file being written.
        path: PathBuf,
    },
    /// Another process held a lock longer than the busy timeout.
    #[error(
        "the database {} stayed locked by another process for more than {timeout_ms} ms; try again, or stop the other TonnyTray process",
        path.display()
    )]
    Busy {
        /// The file.
        path: PathBuf,
        /// How long we waited.
        timeout_ms: u64,
    },
    /// A filesystem operation failed.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        /// What we were doing ("create the data directory").
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// An SQLite call failed for a reason not listed above.
    #[error("database error while trying to {action}: {source}")]
    Sqlite {
        /// What we were doing.
        action: &'static str,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// Applying the embedded migrations failed.
    #[error("could not upgrade the database schema: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// A named record does not exist.
    #[error("no {kind} named {name:?}; `{hint}` lists them")]
    NotFound {
        /// What kind of record ("profile").
        kind: &'static str,
        /// The name asked for.
        name: String,
        /// The command that lists them.
        hint: &'static str,
    },
    /// A record with that name already exists.
    #[error("a {kind} named {name:?} already exists")]
    AlreadyExists {
        /// What kind of record.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// A profile change would leave nobody able to manage profiles.
    #[error(
        "{name:?} is the last admin profile; make another profile admin first, or nobody could manage profiles"
    )]
    LastAdmin {
        /// The profile.
        name: String,
    },
    /// A value failed domain validation.
    #[error(transparent)]
    Profile(#[from] tonny_core::profile::ProfileError),
    /// A quick action is invalid.
    #[error(transparent)]
    QuickAction(#[from] tonny_core::quick_action::QuickActionError),
    /// A file offered for restore is unusable.
    #[error("cannot restore from {}: {reason}; the current database was not changed", path.display())]
    BadBackup {
        /// The file offered.
        path: PathBuf,
        /// Why it was refused.
        reason: String,
    },
    /// A search query had nothing to search for.
    #[error("the search query has no words to look for")]
    EmptySearch,
    /// The blocking worker thread died (a bug).
    #[error("internal error: the database worker stopped unexpectedly")]
    WorkerGone,
}

/// Below this much free space an I/O error is reported as a full disk.
const NEARLY_FULL: u64 = 1024 * 1024;

/// True when the filesystem holding `path` has less than [`NEARLY_FULL`] bytes available.
// statvfs field types differ between platforms (u32 on some, u64 on Linux x86_64).
#[allow(clippy::unnecessary_cast)]
fn disk_nearly_full(path: &std::path::Path) -> bool {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(path);
    nix::sys::statvfs::statvfs(dir)
        .map(|s| (s.blocks_available() as u64) * (s.fragment_size() as u64) < NEARLY_FULL)
        .unwrap_or(false)
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<rusqlite::Error> for StoreError {
    /// Wraps an SQLite error; [`crate::sqlite::SqliteDb`] reclassifies it with the path and the
    /// action once the closure that raised it returns.
    fn from(source: rusqlite::Error) -> Self {
        StoreError::Sqlite {
            action: "access the database",
            source,
        }
    }
}

impl StoreError {
    /// Turns a generic SQLite error into the specific kind (disk full, corrupt, busy, …) for the
    /// database at `path`; other errors pass through.
    pub(crate) fn classify(self, path: &std::path::Path, action: &'static str) -> Self {
        match self {
            StoreError::Sqlite { source, .. } => StoreError::sqlite(path, action, source),
            other => other,
        }
    }

    /// Classifies an SQLite error for the database at `path`, naming what we were doing.
    pub(crate) fn sqlite(path: &std::path::Path, action: &'static str, e: rusqlite::Error) -> Self {
        let path = path.to_path_buf();
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => StoreError::NotADatabase { path },
            Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                path,
                detail: e.to_string(),
            },
            Some(ErrorCode::DiskFull) => StoreError::DiskFull { path },
            // A full disk often surfaces as a generic I/O error (growing the shared-memory
            // index, extending the WAL); the free space tells the two apart.
            Some(ErrorCode::SystemIoFailure) if disk_nearly_full(&path) => {
                StoreError::DiskFull { path }
            }
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => StoreError::Busy {
                path,
                timeout_ms: crate::sqlite::BUSY_TIMEOUT.as_millis() as u64,
            },
            _ => StoreError::Sqlite { action, source: e },
        }
    }
}
