//! The OS keychain through the `keyring` crate (Secret Service over D-Bus on Linux).

use std::sync::mpsc;
use std::time::Duration;

use keyring::{Entry, Error as KeyringError};
use secrecy::SecretString;

use super::{SecretError, SecretName};

/// Service name every TonnyTray entry is filed under.
const SERVICE: &str = "tonnytray";

/// How long the reachability probe waits; a locked keyring can otherwise prompt forever.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Shown to the user as the backend in use.
pub(super) const DESCRIPTION: &str = if cfg!(target_os = "macos") {
    "macOS Keychain"
} else if cfg!(windows) {
    "Windows Credential Manager"
} else {
    "Secret Service keychain (D-Bus)"
};

/// Keychain access; constructed only after a successful [`probe`].
pub(super) struct KeychainBackend;

/// Describes a keyring error without ever formatting a stored value (`BadEncoding` carries the
/// raw bytes of one, so it gets a fixed text).
fn describe(e: &KeyringError) -> String {
    match e {
        KeyringError::BadEncoding(_) => "the stored value is not valid text".into(),
        KeyringError::NoStorageAccess(inner) => format!("no access to the keychain ({inner})"),
        KeyringError::PlatformFailure(inner) => format!("keychain failure ({inner})"),
        KeyringError::NoDefaultStore => "no keychain is available".into(),
        other => other.to_string(),
    }
}

/// Checks that a keychain answers: reading a probe entry must succeed or report "no entry".
pub(super) fn probe() -> Result<KeychainBackend, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let res = Entry::new(SERVICE, "__probe__").and_then(|e| e.get_password().map(drop));
        let _ = tx.send(match res {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(describe(&e)),
        });
    });
    match rx.recv_timeout(PROBE_TIMEOUT) {
        Ok(Ok(())) => Ok(KeychainBackend),
        Ok(Err(reason))
            if cfg!(target_os = "linux")
                && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() =>
        {
            Err(format!(
                "no D-Bus session bus was found (DBUS_SESSION_BUS_ADDRESS is not set): {reason}"
            ))
        }
        Ok(Err(reason)) => Err(reason),
        Err(_) => Err(format!(
            "the keychain did not answer within {} s (is it locked?)",
            PROBE_TIMEOUT.as_secs()
        )),
    }
}

fn entry(action: &'static str, name: SecretName) -> Result<Entry, SecretError> {
    Entry::new(SERVICE, name.as_str()).map_err(|e| SecretError::Keychain {
        action,
        name,
        detail: describe(&e),
    })
}

impl KeychainBackend {
    pub(super) fn set(&self, name: SecretName, value: &str) -> Result<(), SecretError> {
        entry("store", name)?
            .set_password(value)
            .map_err(|e| SecretError::Keychain {
                action: "store",
                name,
                detail: describe(&e),
            })
    }

    pub(super) fn get(&self, name: SecretName) -> Result<Option<SecretString>, SecretError> {
        match entry("read", name)?.get_password() {
            Ok(v) => Ok(Some(SecretString::from(v))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(SecretError::Keychain {
                action: "read",
                name,
                detail: describe(&e),
            }),
        }
    }

    pub(super) fn delete(&self, name: SecretName) -> Result<bool, SecretError> {
        match entry("delete", name)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(e) => Err(SecretError::Keychain {
                action: "delete",
                name,
                detail: describe(&e),
            }),
        }
    }
}
