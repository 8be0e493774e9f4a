//! Secrets: API keys, webhook and broker URLs.
//!
//! Looked up in this order: a `TONNY_*` environment variable (headless use, e.g.
//! `TONNY_ELEVENLABS_API_KEY`), then the store in use — the OS keychain (Secret Service on
//! Linux) when one answers, otherwise an encrypted file, and the user is told which — then the
//! variable other tools use for the same key (`OPENAI_API_KEY`, `ELEVENLABS_API_KEY`). Values
//! never reach the database, config files, logs or error messages: every error here is built
//! without the value, and [`SecretString`] redacts itself in `Debug`.

mod file;
mod keychain;
mod names;

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

pub use names::SecretName;
pub use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use tonny_core::Paths;

use file::FileBackend;
use keychain::KeychainBackend;

/// Environment variable that forces a backend: `keychain`, `file` or `auto` (default).
pub const BACKEND_ENV: &str = "TONNY_SECRETS_BACKEND";

/// Why a secret could not be stored, read or removed. Never contains a secret value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// Not one of [`SecretName::ALL`].
    #[error("unknown secret {0:?}; known secrets: {known}", known = SecretName::ALL.map(|n| n.as_str()).join(", "))]
    UnknownName(String),
    /// An empty or blank value.
    #[error("{name}: the value is empty; nothing was stored")]
    Empty {
        /// Which secret.
        name: SecretName,
    },
    /// A value of the wrong shape.
    #[error("{name} {reason}; nothing was stored")]
    Invalid {
        /// Which secret.
        name: SecretName,
        /// What is wrong (never the value).
        reason: String,
    },
    /// The keychain answered with an error.
    #[error("the keychain could not {action} {name}: {detail}")]
    Keychain {
        /// What we asked for.
        action: &'static str,
        /// Which secret.
        name: SecretName,
        /// The keychain's reason.
        detail: String,
    },
    /// The keychain was required (`TONNY_SECRETS_BACKEND=keychain`) but does not answer.
    #[error(
        "no keychain is reachable ({reason}); start a Secret Service (e.g. gnome-keyring) or unset {BACKEND_ENV} to use the encrypted-file fallback"
    )]
    KeychainUnavailable {
        /// Why the probe failed.
        reason: String,
    },
    /// `TONNY_SECRETS_BACKEND` has an unknown value.
    #[error("{BACKEND_ENV}={0:?} is not a backend; use keychain, file or auto")]
    BadBackendChoice(String),
    /// Reading or writing the encrypted file failed.
    #[error("could not {action} {}: {source}", path.display())]
    File {
        /// What we were doing.
        action: &'static str,
        /// Which file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The encrypted file cannot be decrypted or parsed.
    #[error(
        "the encrypted secrets file {} cannot be read ({reason}); if its key file was lost, delete {} and set the secrets again",
        path.display(), path.display()
    )]
    FileCorrupt {
        /// Which file.
        path: PathBuf,
        /// What failed (never plaintext).
        reason: String,
    },
}

/// Which store holds secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager).
    Keychain,
    /// An encrypted file in the config directory (no keychain reachable).
    EncryptedFile,
}

/// Where a configured secret's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// A `TONNY_*` environment variable (takes precedence).
    Environment,
    /// The OS keychain.
    Keychain,
    /// The encrypted file.
    EncryptedFile,
    /// Another tool's variable for the same key (`OPENAI_API_KEY`), used when nothing else
    /// supplies it.
    ConventionalEnvironment,
}

/// The backend in use and, for the fallback, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackendInfo {
    /// Which backend.
    pub kind: BackendKind,
    /// Human description ("Secret Service keychain", "encrypted file at …").
    pub detail: String,
    /// Why the keychain was not used, when it was not.
    pub fallback_reason: Option<String>,
}

/// One line of `tonny secrets status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretStatus {
    /// Which secret.
    pub name: SecretName,
    /// What it is for.
    pub description: &'static str,
    /// Whether a value is available.
    pub configured: bool,
    /// Where the value comes from.
    pub source: Option<SecretSource>,
    /// The environment variable that supplies it, when one does.
    pub env_var: Option<String>,
    /// A problem with the configured value or with reading it (never the value).
    pub problem: Option<String>,
}

/// Which backend the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    /// Keychain if reachable, else the encrypted file.
    Auto,
    /// Keychain or fail.
    Keychain,
    /// Always the encrypted file.
    File,
}

impl BackendChoice {
    /// Reads [`BACKEND_ENV`] (unset or empty means auto).
    pub fn from_env_value(v: Option<&str>) -> Result<Self, SecretError> {
        match v.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") | Some("auto") => Ok(BackendChoice::Auto),
            Some("keychain") => Ok(BackendChoice::Keychain),
            Some("file") => Ok(BackendChoice::File),
            Some(_) => Err(SecretError::BadBackendChoice(
                v.unwrap_or_default().to_owned(),
            )),
        }
    }
}

enum Backend {
    Keychain(KeychainBackend),
    File(FileBackend),
}

/// Secrets access for one process.
pub struct SecretStore {
    /// The store that `set` and `delete` change.
    backend: Backend,
    /// Why the keychain was not used, when it was not.
    fallback_reason: Option<String>,
    /// `TONNY_*` secret variables present at start, by secret.
    env: BTreeMap<SecretName, SecretString>,
    /// Other tools' variables present at start ([`SecretName::conventional_env_var`]).
    conventional: BTreeMap<SecretName, SecretString>,
}

impl SecretStore {
    /// Picks the backend (probing the keychain unless told otherwise) and snapshots the
    /// environment's `TONNY_*` secret variables.
    pub fn open(
        paths: &Paths,
        choice: BackendChoice,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, SecretError> {
        let env_map: BTreeMap<String, String> = env.into_iter().collect();
        let env = SecretName::ALL
            .into_iter()
            .filter_map(|n| {
                env_map
                    .get(&n.env_var())
                    .filter(|v| !v.is_empty())
                    .map(|v| (n, SecretString::from(v.clone())))
            })
            .collect();
        let conventional = SecretName::ALL
            .into_iter()
            .filter_map(|n| {
                env_map
                    .get(n.conventional_env_var()?)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (n, SecretString::from(v.clone())))
            })
            .collect();
        let file = || FileBackend::new(paths.secrets_file(), paths.secrets_key_file());
        let (backend, fallback_reason) = match choice {
            BackendChoice::File => (Backend::File(file()), Some(format!("{BACKEND_ENV}=file"))),
            BackendChoice::Keychain => match keychain::probe() {
                Ok(k) => (Backend::Keychain(k), None),
                Err(reason) => return Err(SecretError::KeychainUnavailable { reason }),
            },
            BackendChoice::Auto => match keychain::probe() {
                Ok(k) => (Backend::Keychain(k), None),
                Err(reason) => (Backend::File(file()), Some(reason)),
            },
        };
        Ok(Self {
            backend,
            fallback_reason,
            env,
            conventional,
        })
    }

    /// Which backend is in use and why.
    pub fn backend(&self) -> BackendInfo {
        match &self.backend {
            Backend::Keychain(_) => BackendInfo {
                kind: BackendKind::Keychain,
                detail: keychain::DESCRIPTION.to_owned(),
                fallback_reason: None,
            },
            Backend::File(f) => BackendInfo {
                kind: BackendKind::EncryptedFile,
                detail: format!("encrypted file at {}", f.path().display()),
                fallback_reason: self.fallback_reason.clone(),
            },
        }
    }

    fn stored_source(&self) -> SecretSource {
        match self.backend {
            Backend::Keychain(_) => SecretSource::Keychain,
            Backend::File(_) => SecretSource::EncryptedFile,
        }
    }

    /// Validates and stores a value. Nothing is stored if validation fails.
    pub fn set(&self, name: SecretName, value: &SecretString) -> Result<(), SecretError> {
        let trimmed = value.expose_secret().trim();
        name.validate(trimmed)?;
        match &self.backend {
            Backend::Keychain(k) => k.set(name, trimmed),
            Backend::File(f) => f.set(name, trimmed),
        }
    }

    /// The value and where it came from: our variable, then the stored value, then another
    /// tool's variable.
    pub fn get(
        &self,
        name: SecretName,
    ) -> Result<Option<(SecretString, SecretSource)>, SecretError> {
        if let Some(v) = self.env.get(&name) {
            return Ok(Some((v.clone(), SecretSource::Environment)));
        }
        let stored = match &self.backend {
            Backend::Keychain(k) => k.get(name)?,
            Backend::File(f) => f.get(name)?,
        };
        if let Some(v) = stored {
            return Ok(Some((v, self.stored_source())));
        }
        Ok(self
            .conventional
            .get(&name)
            .map(|v| (v.clone(), SecretSource::ConventionalEnvironment)))
    }

    /// The variable a value from `source` came from.
    fn env_var_of(name: SecretName, source: Option<SecretSource>) -> Option<String> {
        match source? {
            SecretSource::Environment => Some(name.env_var()),
            SecretSource::ConventionalEnvironment => name.conventional_env_var().map(str::to_owned),
            SecretSource::Keychain | SecretSource::EncryptedFile => None,
        }
    }

    /// Removes the stored value. True if there was one. Environment variables are not touched.
    pub fn delete(&self, name: SecretName) -> Result<bool, SecretError> {
        match &self.backend {
            Backend::Keychain(k) => k.delete(name),
            Backend::File(f) => f.delete(name),
        }
    }

    /// True when the environment supplies `name` (and so overrides the stored value).
    pub fn overridden_by_env(&self, name: SecretName) -> bool {
        self.env.contains_key(&name)
    }

    /// Configured or not, and from where, for every secret.
    pub fn status(&self) -> Vec<SecretStatus> {
        SecretName::ALL
            .into_iter()
            .map(|name| {
                let (configured, source, problem) = match self.get(name) {
                    Ok(Some((v, src))) => {
                        let problem = name.validate(v.expose_secret()).err().map(|e| {
                            let why = match e {
                                SecretError::Invalid { reason, .. } => reason,
                                SecretError::Empty { .. } => "is empty".to_owned(),
                                other => other.to_string(),
                            };
                            match Self::env_var_of(name, Some(src)) {
                                Some(var) => format!("{var} is set but {why}"),
                                None => format!("the stored value {why}"),
                            }
                        });
                        (true, Some(src), problem)
                    }
                    Ok(None) => (false, None, None),
                    Err(e) => (false, None, Some(e.to_string())),
                };
                SecretStatus {
                    name,
                    description: name.description(),
                    configured,
                    source,
                    env_var: Self::env_var_of(name, source),
                    problem,
                }
            })
            .collect()
    }
}
