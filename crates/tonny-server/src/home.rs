//! A TonnyTray home opened for a program: its folders, its database (an open failure is kept
//! and reported where the database is needed, so `tonny doctor` can still run), the secret
//! store, and the layer that records log lines in the database. The `tonny` command and the
//! tray open one each; the daemon is built from it.

use std::path::PathBuf;
use std::sync::Arc;

use tonny_core::Paths;
use tonny_core::settings::{LoadedSettings, LogLevel, Settings, SettingsError};
use tonny_store::log_sink::{LogSinkGuard, StoreLogLayer, store_log_layer};
use tonny_store::secrets::{BACKEND_ENV, BackendChoice, SecretError, SecretStore};
use tonny_store::{SqliteStore, Store, StoreError};

/// Why a home could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    /// No home folder could be found or created.
    #[error("{what} {}: {source}", path.display())]
    Folder {
        /// What failed.
        what: &'static str,
        /// The folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The XDG folders could not be worked out (no `HOME`).
    #[error(transparent)]
    Paths(#[from] tonny_core::paths::NoHomeDir),
    /// The database did not open; the message says why and what to do.
    #[error("{0}")]
    Database(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored settings, `.env` or the environment hold something unusable.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The secret store could not be opened.
    #[error(transparent)]
    Secrets(#[from] SecretError),
    /// A blocking call did not finish.
    #[error("a background task stopped unexpectedly")]
    Interrupted,
}

/// An opened home.
pub struct Home {
    /// Where everything lives.
    pub paths: Paths,
    store: Option<SqliteStore>,
    // Why the database did not open (kept so `doctor` can report it instead of failing).
    open_error: Option<String>,
    // The layer recording log events in the database; taken by logging set-up.
    log_layer: Option<StoreLogLayer>,
    // Flushes recorded log events when the home is dropped.
    _log_guard: Option<LogSinkGuard>,
}

impl Home {
    /// Opens the home at `dir` (or the XDG folders), creating its folders and opening the
    /// database; a database that does not open is kept as an error, not raised.
    pub async fn open(dir: Option<PathBuf>) -> Result<Self, HomeError> {
        let paths = match dir.filter(|h| !h.as_os_str().is_empty()) {
            Some(h) => Paths::under(&h),
            None => Paths::xdg()?,
        };
        paths.ensure_dirs().map_err(|source| HomeError::Folder {
            what: "creating",
            path: paths.data_dir.clone(),
            source,
        })?;
        let db_path = paths.database();
        let opened = tokio::task::spawn_blocking(move || SqliteStore::open(&db_path))
            .await
            .map_err(|_| HomeError::Interrupted)?;
        let (store, open_error) = match opened {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let mut home = Self {
            paths,
            store,
            open_error,
            log_layer: None,
            _log_guard: None,
        };
        if let Some(store) = &home.store {
            let level = match home.settings().await {
                Ok(s) => s.settings.log.level,
                Err(_) => LogLevel::Info,
            };
            let (layer, guard) = store_log_layer(Arc::clone(store.db()), level);
            home.log_layer = Some(layer);
            home._log_guard = Some(guard);
        }
        Ok(home)
    }

    /// The database, or why it could not be opened.
    pub fn store(&self) -> Result<&SqliteStore, HomeError> {
        self.store.as_ref().ok_or_else(|| {
            HomeError::Database(
                self.open_error
                    .clone()
                    .unwrap_or_else(|| "the database is not open".into()),
            )
        })
    }

    /// The database as the daemon shares it.
    pub fn shared_store(&self) -> Result<Arc<dyn Store>, HomeError> {
        Ok(Arc::new(self.store()?.clone()))
    }

    /// Effective settings: defaults, then the database, then `.env`, then the environment.
    pub async fn settings(&self) -> Result<LoadedSettings, HomeError> {
        let stored = self.store()?.stored_settings().await?;
        Ok(Settings::load(
            &stored,
            Some(&self.paths.env_file()),
            std::env::vars(),
        )?)
    }

    /// The secret store, with the backend chosen by `TONNY_SECRETS_BACKEND` (probing the
    /// keychain on a blocking thread: its client must not run on the async executor).
    pub async fn secrets(&self) -> Result<Arc<SecretStore>, HomeError> {
        let choice = BackendChoice::from_env_value(std::env::var(BACKEND_ENV).ok().as_deref())?;
        let paths = self.paths.clone();
        let store = tokio::task::spawn_blocking(move || {
            SecretStore::open(&paths, choice, std::env::vars())
        })
        .await
        .map_err(|_| HomeError::Interrupted)??;
        Ok(Arc::new(store))
    }

    /// A copy for a spawned task: the same paths and database, without the log set-up.
    pub fn clone_for_task(&self) -> Self {
        Self {
            paths: self.paths.clone(),
            store: self.store.clone(),
            open_error: self.open_error.clone(),
            log_layer: None,
            _log_guard: None,
        }
    }

    /// The database log layer, once, for logging set-up.
    pub fn take_log_layer(&mut self) -> Option<StoreLogLayer> {
        self.log_layer.take()
    }
}
