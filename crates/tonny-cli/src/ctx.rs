//! What every command gets: the home (paths, the database, settings and secrets, opened on
//! demand), the output mode, and how this program runs the speech engine.

use std::path::PathBuf;
use std::sync::Arc;

use tonny_core::Paths;
use tonny_core::settings::LoadedSettings;
use tonny_server::home::Home;
use tonny_server::parts::EmbeddedLoader;
use tonny_store::SqliteStore;
use tonny_store::secrets::SecretStore;

/// Shared state for one `tonny` invocation.
pub struct Ctx {
    /// Where everything lives.
    pub paths: Paths,
    /// `--json` was given.
    pub json: bool,
    /// How this program runs the embedded speech engine (in-process).
    pub embedded: EmbeddedLoader,
    /// The opened home.
    pub home: Home,
}

impl Ctx {
    /// Resolves paths and opens the database (an open failure is kept, not raised).
    pub async fn new(
        home: Option<PathBuf>,
        json: bool,
        embedded: EmbeddedLoader,
    ) -> anyhow::Result<Self> {
        let home = Home::open(home).await?;
        Ok(Self {
            paths: home.paths.clone(),
            json,
            embedded,
            home,
        })
    }

    /// The database, or the reason it could not be opened.
    pub fn store(&self) -> anyhow::Result<&SqliteStore> {
        Ok(self.home.store()?)
    }

    /// Effective settings: defaults, then the database, then `.env`, then the environment.
    pub async fn settings(&self) -> anyhow::Result<LoadedSettings> {
        // A settings problem stays a `SettingsError` (`config validate` lists its fields).
        self.home.settings().await.map_err(|e| match e {
            tonny_server::home::HomeError::Settings(s) => anyhow::Error::new(s),
            other => anyhow::Error::new(other),
        })
    }

    /// Secrets, with the backend chosen by `TONNY_SECRETS_BACKEND`.
    pub async fn secrets(&self) -> anyhow::Result<Arc<SecretStore>> {
        Ok(self.home.secrets().await?)
    }
}

/// Runs a blocking call off the async executor.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    Ok(tokio::task::spawn_blocking(f).await?)
}
