//! What every command gets: paths, the store, settings and secrets, opened on demand.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use tonny_core::Paths;
use tonny_core::settings::{LoadedSettings, LogLevel, Settings};
use tonny_store::log_sink::{LogSinkGuard, StoreLogLayer, store_log_layer};
use tonny_store::secrets::{BACKEND_ENV, BackendChoice, SecretStore};
use tonny_store::{SqliteStore, Store};

use crate::cmd::pipeline::EmbeddedLoader;

/// Shared state for one `tonny` invocation.
pub struct Ctx {
    /// Where everything lives.
    pub paths: Paths,
    /// `--json` was given.
    pub json: bool,
    /// How this program runs the embedded speech engine (in-process, or in a worker).
    pub embedded: EmbeddedLoader,
    /// The database, if it opened.
    store: Option<SqliteStore>,
    /// Why the database did not open (kept so `doctor` can report it instead of failing).
    open_error: Option<String>,
    /// The layer recording log events in the database; taken by logging set-up.
    log_layer: Option<StoreLogLayer>,
    /// Flushes recorded log events when the command ends.
    _log_guard: Option<LogSinkGuard>,
}

impl Ctx {
    /// Resolves paths and opens the database (an open failure is kept, not raised).
    /// `embedded` is how the program runs the embedded speech engine.
    pub async fn new(
        home: Option<PathBuf>,
        json: bool,
        embedded: EmbeddedLoader,
    ) -> anyhow::Result<Self> {
        let paths = match home.filter(|h| !h.as_os_str().is_empty()) {
            Some(h) => Paths::under(&h),
            None => Paths::xdg()?,
        };
        paths
            .ensure_dirs()
            .with_context(|| format!("creating {}", paths.data_dir.display()))?;
        let db_path = paths.database();
        let opened = tokio::task::spawn_blocking(move || SqliteStore::open(&db_path)).await?;
        let (store, open_error) = match opened {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let mut ctx = Self {
            paths,
            json,
            embedded,
            store,
            open_error,
            log_layer: None,
            _log_guard: None,
        };
        if let Some(store) = &ctx.store {
            let level = match ctx.settings().await {
                Ok(s) => s.settings.log.level,
                Err(_) => LogLevel::Info,
            };
            let (layer, guard) = store_log_layer(Arc::clone(store.db()), level);
            ctx.log_layer = Some(layer);
            ctx._log_guard = Some(guard);
        }
        Ok(ctx)
    }

    /// The database, or the reason it could not be opened.
    pub fn store(&self) -> anyhow::Result<&SqliteStore> {
        self.store.as_ref().ok_or_else(|| {
            anyhow!(
                "{}",
                self.open_error
                    .as_deref()
                    .unwrap_or("the database is not open")
            )
        })
    }

    /// Effective settings: defaults, then the database, then `.env`, then the environment.
    pub async fn settings(&self) -> anyhow::Result<LoadedSettings> {
        let stored = self.store()?.stored_settings().await?;
        Ok(Settings::load(
            &stored,
            Some(&self.paths.env_file()),
            std::env::vars(),
        )?)
    }

    /// Secrets, with the backend chosen by `TONNY_SECRETS_BACKEND` (probing the keychain on a
    /// blocking thread: the keychain client must not run on the async executor).
    pub async fn secrets(&self) -> anyhow::Result<Arc<SecretStore>> {
        let choice = BackendChoice::from_env_value(std::env::var(BACKEND_ENV).ok().as_deref())?;
        let paths = self.paths.clone();
        let store = tokio::task::spawn_blocking(move || {
            SecretStore::open(&paths, choice, std::env::vars())
        })
        .await??;
        Ok(Arc::new(store))
    }

    /// A copy for a spawned task: the same paths, output mode and database, without the log
    /// set-up (which stays with the command).
    pub fn clone_for_task(&self) -> Self {
        Self {
            paths: self.paths.clone(),
            json: self.json,
            embedded: Arc::clone(&self.embedded),
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

/// Runs a blocking secrets call off the async executor.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    Ok(tokio::task::spawn_blocking(f).await?)
}
