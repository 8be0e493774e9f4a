//! Settings and secrets that apply while the daemon runs. Every change — from the API, the tray
//! menu, the CLI (through the API), or a voice command — goes through one path: validate, store,
//! apply to every part that depends on it, then broadcast ([`Event::SettingsChanged`],
//! [`Event::SecretChanged`]). Parts that read a setting per request (history, response mode)
//! read [`LiveSettings::current`]; parts built from settings (agents, voices, the speech engine,
//! hotkeys, the microphone) are rebuilt by the daemon's applier before the change is announced,
//! so the next request after a change returns already sees it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::sync::watch;
use tonny_core::pipeline::{Event, EventBus};
use tonny_core::settings::{
    AgentBackend, FieldError, LoadedSettings, Settings, SettingsError, SttBackend, TtsEngine,
};
use tonny_providers::wiring::{BackendSecrets, WiringError};
use tonny_store::secrets::{SecretError, SecretName, SecretStore};
use tonny_store::{Store, StoreError};

/// Keys whose new value takes effect only after a restart: the API's listening address is
/// bound once, and re-binding under a connected browser would cut it off mid-request; the
/// log's level is fixed when logging is set up, before anything else runs.
pub const RESTART_KEYS: [&str; 3] = ["server.host", "server.port", "log.level"];

/// Why a settings change was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// Nothing to change.
    #[error("nothing to change")]
    Empty,
    /// Some values cannot be used; each is named with what would be accepted.
    #[error("{} of the values cannot be used; nothing was changed", .0.len())]
    Invalid(Vec<FieldError>),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored settings, with the environment's overrides, no longer load.
    #[error(transparent)]
    Load(#[from] SettingsError),
}

/// What a change changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changed {
    /// The keys given.
    pub keys: Vec<String>,
    /// Those among them that need a restart ([`RESTART_KEYS`]).
    pub restart_required: Vec<String>,
}

/// Applies changed settings (old, new) to the running parts. Set once by the daemon.
pub type Applier =
    Arc<dyn Fn(Arc<Settings>, Arc<Settings>) -> BoxFuture<'static, ()> + Send + Sync>;

/// The effective settings of a running daemon, and the one way to change them.
#[derive(Clone)]
pub struct LiveSettings {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    // `.env` overrides; the environment's are read from the process.
    env_file: Option<PathBuf>,
    current: watch::Sender<Arc<Settings>>,
    bus: EventBus,
    applier: OnceLock<Applier>,
    // One change at a time: two patches must not interleave their store writes and applies.
    changing: tokio::sync::Mutex<()>,
}

/// `field problems` for one refused key.
fn problems(key: &str, e: SettingsError) -> Vec<FieldError> {
    match e {
        SettingsError::Invalid(fields) => fields,
        other => vec![FieldError {
            key: key.to_owned(),
            value: String::new(),
            reason: other.to_string(),
            accepted: "a key listed by GET /api/v1/settings (`tonny config show`)".into(),
        }],
    }
}

/// `base` with every value of `patch` (dotted key → value) applied; text values are parsed as
/// `tonny config set` parses them. All or nothing: every refused value is named.
pub fn patched(
    base: &Settings,
    patch: &serde_json::Map<String, Value>,
) -> Result<Settings, Vec<FieldError>> {
    let mut fields = Vec::new();
    let mut next = base.clone();
    for (key, value) in patch {
        let value = match value {
            Value::String(text) => match Settings::parse_text(key, text) {
                Ok(v) => v,
                Err(e) => {
                    fields.extend(problems(key, e));
                    continue;
                }
            },
            other => other.clone(),
        };
        // Checked alone first, so each bad value is reported against what is stored.
        match base
            .with_value(key, value.clone())
            .and_then(|_| next.with_value(key, value))
        {
            Ok(n) => next = n,
            Err(e) => fields.extend(problems(key, e)),
        }
    }
    if fields.is_empty() {
        Ok(next)
    } else {
        Err(fields)
    }
}

impl LiveSettings {
    /// Loads the effective settings from `store`, `env_file` and the environment.
    pub async fn load(
        store: Arc<dyn Store>,
        env_file: Option<PathBuf>,
        bus: EventBus,
    ) -> Result<Self, ChangeError> {
        let loaded = effective(store.as_ref(), env_file.as_ref()).await?;
        for w in &loaded.warnings {
            tracing::warn!(component = "config", "{w}");
        }
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                env_file,
                current: watch::channel(Arc::new(loaded.settings)).0,
                bus,
                applier: OnceLock::new(),
                changing: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Settings fixed for a test or an embedding that stores nothing in `.env`.
    pub fn fixed(store: Arc<dyn Store>, settings: Settings, bus: EventBus) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                env_file: None,
                current: watch::channel(Arc::new(settings)).0,
                bus,
                applier: OnceLock::new(),
                changing: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Sets how changes reach the running parts (once; the daemon calls it as it starts).
    pub fn set_applier(&self, applier: Applier) {
        let _ = self.inner.applier.set(applier);
    }

    /// The bus changes are announced on.
    pub fn bus(&self) -> EventBus {
        self.inner.bus.clone()
    }

    /// The settings in effect now.
    pub fn current(&self) -> Arc<Settings> {
        Arc::clone(&self.inner.current.borrow())
    }

    /// Notified after each applied change.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Settings>> {
        self.inner.current.subscribe()
    }

    /// Every key's effective value and where it comes from.
    pub async fn view(&self) -> Result<LoadedSettings, ChangeError> {
        effective(self.inner.store.as_ref(), self.inner.env_file.as_ref()).await
    }

    /// Validates `patch` against what is stored (the environment's overrides stay on top),
    /// stores it, applies it and announces it. All or nothing.
    pub async fn patch(
        &self,
        patch: &serde_json::Map<String, Value>,
    ) -> Result<Changed, ChangeError> {
        if patch.is_empty() {
            return Err(ChangeError::Empty);
        }
        let _turn = self.inner.changing.lock().await;
        let stored = self.inner.store.stored_settings().await?;
        let base = Settings::load(&stored, None, Vec::<(String, String)>::new())?.settings;
        let next = patched(&base, patch).map_err(ChangeError::Invalid)?;
        for key in patch.keys() {
            let canonical = next.get(key)?;
            self.inner.store.put_setting(key, &canonical).await?;
            tracing::info!(component = "config", key = key.as_str(), "setting changed");
        }
        self.publish(patch.keys().cloned().collect()).await
    }

    /// Puts `keys` back to their defaults, then applies and announces that.
    pub async fn reset(&self, keys: &[String]) -> Result<Changed, ChangeError> {
        if keys.is_empty() {
            return Err(ChangeError::Empty);
        }
        let _turn = self.inner.changing.lock().await;
        let mut fields = Vec::new();
        for key in keys {
            if let Err(e) = Settings::default().get(key) {
                fields.extend(problems(key, e));
            }
        }
        if !fields.is_empty() {
            return Err(ChangeError::Invalid(fields));
        }
        for key in keys {
            self.inner.store.delete_setting(key).await?;
        }
        self.publish(keys.to_vec()).await
    }

    /// Reads the stored settings again (after a restore, or a change made by a process that
    /// has no daemon to ask) and applies what differs.
    pub async fn reload(&self) -> Result<Changed, ChangeError> {
        let _turn = self.inner.changing.lock().await;
        let before = self.current().to_flat();
        let loaded = effective(self.inner.store.as_ref(), self.inner.env_file.as_ref()).await?;
        let keys = loaded
            .settings
            .to_flat()
            .into_iter()
            .filter(|(k, v)| before.get(k) != Some(v))
            .map(|(k, _)| k)
            .collect::<Vec<_>>();
        if keys.is_empty() {
            return Ok(Changed::default());
        }
        self.publish(keys).await
    }

    // Loads the effective settings again, applies them, then tells everyone.
    async fn publish(&self, keys: Vec<String>) -> Result<Changed, ChangeError> {
        let loaded = effective(self.inner.store.as_ref(), self.inner.env_file.as_ref()).await?;
        let old = self.current();
        let new = Arc::new(loaded.settings);
        if let Some(apply) = self.inner.applier.get() {
            apply(Arc::clone(&old), Arc::clone(&new)).await;
        }
        self.inner.current.send_replace(new);
        let restart_required: Vec<String> = keys
            .iter()
            .filter(|k| RESTART_KEYS.contains(&k.as_str()))
            .cloned()
            .collect();
        self.inner.bus.publish(Event::SettingsChanged {
            keys: keys.clone(),
            restart_required: restart_required.clone(),
        });
        Ok(Changed {
            keys,
            restart_required,
        })
    }
}

async fn effective(
    store: &dyn Store,
    env_file: Option<&PathBuf>,
) -> Result<LoadedSettings, ChangeError> {
    let stored: BTreeMap<String, Value> = store.stored_settings().await?;
    Ok(Settings::load(
        &stored,
        env_file.map(PathBuf::as_path),
        std::env::vars(),
    )?)
}

/// True when a configured backend needs a secret (only local parts need none, and then the
/// keychain is never asked: it may be slow, or prompt).
pub fn needs_secrets(settings: &Settings) -> bool {
    settings.tts.engine == TtsEngine::ElevenLabs
        || settings.stt.backend != SttBackend::Embedded
        || settings
            .agent
            .fallback_order
            .iter()
            .any(|b| *b != AgentBackend::Local)
        || settings.whisperlivekit.manage && settings.stt.backend == SttBackend::WhisperLiveKit
}

/// Why a secret could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum SecretChangeError {
    /// No secret store could be opened (`tonny doctor` says why).
    #[error("the secret store could not be opened; `tonny doctor` says why")]
    Unavailable,
    /// The store refused the name or value, or failed.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The blocking keychain call did not finish.
    #[error("the keychain call stopped unexpectedly")]
    Interrupted,
}

/// The secrets the running parts use, and the one way to change them. Values are read from
/// the keychain once (and again after each change), never per request.
#[derive(Clone)]
pub struct LiveSecrets {
    inner: Arc<SecretsInner>,
}

struct SecretsInner {
    store: Option<Arc<SecretStore>>,
    // `None` until a configured backend first needs them.
    values: Mutex<Option<Arc<BackendSecrets>>>,
    bus: EventBus,
    applier: OnceLock<Arc<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>>,
}

impl LiveSecrets {
    /// Secrets from `store` (`None`: no secret store could be opened).
    pub fn new(store: Option<Arc<SecretStore>>, bus: EventBus) -> Self {
        Self {
            inner: Arc::new(SecretsInner {
                store,
                values: Mutex::new(None),
                bus,
                applier: OnceLock::new(),
            }),
        }
    }

    /// Fixed values (tests, embedding).
    pub fn fixed(values: BackendSecrets, bus: EventBus) -> Self {
        let s = Self::new(None, bus);
        *s.inner.values.lock().expect("secrets lock") = Some(Arc::new(values));
        s
    }

    /// Sets how a change reaches the running parts (once).
    pub fn set_applier(&self, applier: Arc<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>) {
        let _ = self.inner.applier.set(applier);
    }

    /// The secret store, for the status list.
    pub fn store(&self) -> Option<&Arc<SecretStore>> {
        self.inner.store.as_ref()
    }

    /// The values `settings` need: none when only local parts are used; else read once from
    /// the keychain (off the async threads) and kept. Problems reading are returned as warnings.
    pub async fn for_settings(
        &self,
        settings: &Settings,
    ) -> (Arc<BackendSecrets>, Vec<WiringError>) {
        if let Some(v) = self.inner.values.lock().expect("secrets lock").clone() {
            return (v, Vec::new());
        }
        if !needs_secrets(settings) {
            return (Arc::new(BackendSecrets::default()), Vec::new());
        }
        self.read().await
    }

    // Reads every secret from the store and keeps them.
    async fn read(&self) -> (Arc<BackendSecrets>, Vec<WiringError>) {
        let Some(store) = self.inner.store.clone() else {
            let kept = self.inner.values.lock().expect("secrets lock").clone();
            return (kept.unwrap_or_default(), Vec::new());
        };
        let (values, warnings) = tokio::task::spawn_blocking(move || BackendSecrets::load(&store))
            .await
            .unwrap_or_else(|_| (BackendSecrets::default(), Vec::new()));
        let values = Arc::new(values);
        *self.inner.values.lock().expect("secrets lock") = Some(Arc::clone(&values));
        (values, warnings)
    }

    /// Stores `value` for `name`, applies it to the running parts, and announces it.
    pub async fn set(
        &self,
        name: SecretName,
        value: secrecy::SecretString,
    ) -> Result<(), SecretChangeError> {
        let store = self
            .inner
            .store
            .clone()
            .ok_or(SecretChangeError::Unavailable)?;
        tokio::task::spawn_blocking(move || store.set(name, &value))
            .await
            .map_err(|_| SecretChangeError::Interrupted)??;
        tracing::info!(component = "secrets", name = name.as_str(), "secret set");
        self.changed(name, true).await;
        Ok(())
    }

    /// Removes `name`; false when it was not stored.
    pub async fn delete(&self, name: SecretName) -> Result<bool, SecretChangeError> {
        let store = self
            .inner
            .store
            .clone()
            .ok_or(SecretChangeError::Unavailable)?;
        let removed = tokio::task::spawn_blocking(move || store.delete(name))
            .await
            .map_err(|_| SecretChangeError::Interrupted)??;
        if removed {
            tracing::info!(
                component = "secrets",
                name = name.as_str(),
                "secret deleted"
            );
            self.changed(name, false).await;
        }
        Ok(removed)
    }

    // Reads the values again, rebuilds what uses them, then tells everyone.
    async fn changed(&self, name: SecretName, configured: bool) {
        self.read().await;
        if let Some(apply) = self.inner.applier.get() {
            apply().await;
        }
        self.inner.bus.publish(Event::SecretChanged {
            name: name.as_str().to_owned(),
            configured,
        });
    }
}
