//! A throw-away TonnyTray home.

use std::path::{Path, PathBuf};

/// A temporary directory used as `TONNY_HOME`; removed on drop.
pub struct TempHome {
    /// Owns the directory.
    dir: tempfile::TempDir,
}

impl TempHome {
    /// Creates an empty home.
    pub fn new() -> Self {
        Self {
            dir: tempfile::Builder::new()
                .prefix("tonny-test-")
                .tempdir()
                .expect("creating a temporary TONNY_HOME"),
        }
    }

    /// The home directory itself.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `home/config`.
    pub fn config_dir(&self) -> PathBuf {
        self.path().join("config")
    }

    /// `home/data`.
    pub fn data_dir(&self) -> PathBuf {
        self.path().join("data")
    }

    /// The database file TonnyTray uses in this home.
    pub fn database(&self) -> PathBuf {
        self.data_dir().join("tonny.db")
    }
}

impl Default for TempHome {
    fn default() -> Self {
        Self::new()
    }
}
