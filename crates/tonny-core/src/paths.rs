//! Where TonnyTray keeps its files.
//!
//! By default the XDG directories (`~/.config/tonnytray`, `~/.local/share/tonnytray`); with
//! `TONNY_HOME=DIR` everything moves under `DIR/config` and `DIR/data`, which is how tests and
//! portable installs keep a whole TonnyTray in one folder.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The environment variable that relocates every TonnyTray file.
pub const HOME_ENV: &str = "TONNY_HOME";

/// The resolved directories and the well-known files inside them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Configuration: the `.env` file, the encrypted-secrets fallback.
    pub config_dir: PathBuf,
    /// User data: the database, its backups, the secrets-file key.
    pub data_dir: PathBuf,
}

/// Raised when no home directory can be found and `TONNY_HOME` is not set.
#[derive(Debug, thiserror::Error)]
#[error("cannot find your home directory; set TONNY_HOME to the folder TonnyTray should use")]
pub struct NoHomeDir;

impl Paths {
    /// Resolves from `TONNY_HOME` if set, otherwise from the XDG base directories.
    pub fn from_env() -> Result<Self, NoHomeDir> {
        match std::env::var_os(HOME_ENV) {
            Some(home) if !home.is_empty() => Ok(Self::under(Path::new(&home))),
            _ => Self::xdg(),
        }
    }

    /// Every file under one folder: `home/config` and `home/data`.
    pub fn under(home: &Path) -> Self {
        Self {
            config_dir: home.join("config"),
            data_dir: home.join("data"),
        }
    }

    /// The platform's per-user directories for the `tonnytray` application.
    pub fn xdg() -> Result<Self, NoHomeDir> {
        let dirs = directories::ProjectDirs::from("", "", "tonnytray").ok_or(NoHomeDir)?;
        Ok(Self {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
        })
    }

    /// The SQLite database file.
    pub fn database(&self) -> PathBuf {
        self.data_dir.join("tonny.db")
    }

    /// Installed speech models, one folder each.
    pub fn models_dir(&self) -> PathBuf {
        self.data_dir.join("models")
    }

    /// Installed Piper voices, one folder each.
    pub fn voices_dir(&self) -> PathBuf {
        self.data_dir.join("voices")
    }

    /// Recordings kept for the person: dictations not delivered yet (`unsent/`), and with
    /// `history.keep_audio` the delivered ones (`kept/`).
    pub fn recordings_dir(&self) -> PathBuf {
        self.data_dir.join("recordings")
    }

    /// Where safety copies taken before a restore go.
    pub fn backups_dir(&self) -> PathBuf {
        self.data_dir.join("backups")
    }

    /// The optional `.env` file with `TONNY_*` overrides.
    pub fn env_file(&self) -> PathBuf {
        self.config_dir.join(".env")
    }

    /// The encrypted secrets file, used only when no keychain is reachable.
    pub fn secrets_file(&self) -> PathBuf {
        self.config_dir.join("secrets.enc")
    }

    /// The key for [`Paths::secrets_file`]; kept in the data directory so that copying the
    /// config folder alone does not carry both halves.
    pub fn secrets_key_file(&self) -> PathBuf {
        self.data_dir.join("secrets.key")
    }

    /// Creates both directories (mode 0700) if they are missing.
    pub fn ensure_dirs(&self) -> io::Result<()> {
        create_private_dir(&self.config_dir)?;
        create_private_dir(&self.data_dir)
    }
}

/// Creates `dir` and its missing parents with mode 0700, leaving an existing directory as it is:
/// for a file's folder that may be the person's own or a shared one (`/tmp`), which must never
/// be tightened. TonnyTray's own folders use [`create_private_dir`].
pub fn create_missing_private_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Creates `dir` and its missing parents with mode 0700, and tightens it to 0700 if it exists:
/// only for TonnyTray's own folders (data, settings, backups, models).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let meta = fs::metadata(dir)?;
    if meta.permissions().mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Creates `path` empty with mode 0600 if it does not exist (never truncates an existing file).
pub fn touch_private_file(path: &Path) -> io::Result<()> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tonny_home_relocates_config_and_data() {
        let p = Paths::under(Path::new("/tmp/x"));
        assert_eq!(p.database(), PathBuf::from("/tmp/x/data/tonny.db"));
        assert_eq!(p.env_file(), PathBuf::from("/tmp/x/config/.env"));
    }

    #[test]
    fn private_dirs_and_files_are_owner_only() {
        let tmp = tempfile::tempdir().unwrap();
        let p = Paths::under(tmp.path());
        p.ensure_dirs().unwrap();
        let mode = fs::metadata(&p.data_dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        touch_private_file(&p.database()).unwrap();
        let mode = fs::metadata(p.database()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
