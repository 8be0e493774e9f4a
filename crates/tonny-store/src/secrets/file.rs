//! The encrypted-file fallback, used only when no keychain answers.
//!
//! All secrets are one JSON map, sealed with XChaCha20-Poly1305 under a random 256-bit key. The
//! sealed file lives in the config directory and the key in the data directory, both 0600, so
//! copying or syncing the config folder alone does not expose anything. This protects against
//! casual disclosure (backups, dotfile repositories), not against someone who can read every
//! file of the account — which is why the keychain is always preferred and the user is told.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{SecretError, SecretName};

/// Authenticated with every seal, so a file from another program is rejected.
const AAD: &[u8] = b"tonnytray-secrets-v1";

#[derive(Serialize, Deserialize)]
struct Sealed {
    version: u32,
    cipher: String,
    nonce: String,
    ciphertext: String,
}

/// The key file, held locked, and the key read from it.
type LockedKey = (File, Zeroizing<[u8; 32]>);

pub(super) struct FileBackend {
    /// The sealed secrets.
    path: PathBuf,
    /// The 32-byte key; also locked during read-modify-write so concurrent `tonny` processes
    /// do not lose each other's changes.
    key_path: PathBuf,
}

fn file_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> SecretError {
    let path = path.to_path_buf();
    move |source| SecretError::File {
        action,
        path,
        source,
    }
}

impl FileBackend {
    pub(super) fn new(path: PathBuf, key_path: PathBuf) -> Self {
        Self { path, key_path }
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Opens (creating if needed, when `create`) the key file and locks it exclusively.
    fn lock_key(&self, create: bool) -> Result<Option<LockedKey>, SecretError> {
        if let Some(dir) = self.key_path.parent() {
            tonny_core::paths::create_private_dir(dir)
                .map_err(file_err("create the folder for", &self.key_path))?;
        }
        let mut f = match OpenOptions::new()
            .read(true)
            .write(true)
            .create(create)
            .mode(0o600)
            .open(&self.key_path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(file_err("open the secrets key", &self.key_path)(e)),
        };
        f.lock()
            .map_err(file_err("lock the secrets key", &self.key_path))?;
        let mut key = Zeroizing::new([0u8; 32]);
        let mut existing = Zeroizing::new(Vec::new());
        f.read_to_end(&mut existing)
            .map_err(file_err("read the secrets key", &self.key_path))?;
        if existing.is_empty() {
            let fresh = XChaCha20Poly1305::generate_key(&mut OsRng);
            key.copy_from_slice(&fresh);
            f.write_all(&key[..])
                .and_then(|_| f.sync_all())
                .map_err(file_err("write the secrets key", &self.key_path))?;
        } else if existing.len() == 32 {
            key.copy_from_slice(&existing);
        } else {
            return Err(SecretError::FileCorrupt {
                path: self.path.clone(),
                reason: format!("its key file {} is damaged", self.key_path.display()),
            });
        }
        Ok(Some((f, key)))
    }

    fn load(&self, key: &[u8; 32]) -> Result<BTreeMap<String, String>, SecretError> {
        let raw = match fs::read(&self.path) {
            Ok(r) => r,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(file_err("read", &self.path)(e)),
        };
        let corrupt = |reason: &str| SecretError::FileCorrupt {
            path: self.path.clone(),
            reason: reason.to_owned(),
        };
        let sealed: Sealed =
            serde_json::from_slice(&raw).map_err(|_| corrupt("it is not a sealed secrets file"))?;
        if sealed.version != 1 || sealed.cipher != "xchacha20poly1305" {
            return Err(corrupt("it was written by an unknown version"));
        }
        let nonce = B64
            .decode(&sealed.nonce)
            .ok()
            .filter(|n| n.len() == 24)
            .ok_or_else(|| corrupt("its nonce is damaged"))?;
        let ct = B64
            .decode(&sealed.ciphertext)
            .map_err(|_| corrupt("its ciphertext is damaged"))?;
        let cipher = XChaCha20Poly1305::new(Key::from_slice(key));
        let plain = Zeroizing::new(
            cipher
                .decrypt(XNonce::from_slice(&nonce), Payload { msg: &ct, aad: AAD })
                .map_err(|_| corrupt("it does not decrypt with the key on this machine"))?,
        );
        serde_json::from_slice(&plain).map_err(|_| corrupt("its content is damaged"))
    }

    fn save(&self, key: &[u8; 32], map: &BTreeMap<String, String>) -> Result<(), SecretError> {
        let plain = Zeroizing::new(serde_json::to_vec(map).expect("a string map serializes"));
        let cipher = XChaCha20Poly1305::new(Key::from_slice(key));
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ct = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: &plain,
                    aad: AAD,
                },
            )
            .expect("encryption with a valid key cannot fail");
        let sealed = Sealed {
            version: 1,
            cipher: "xchacha20poly1305".into(),
            nonce: B64.encode(nonce),
            ciphertext: B64.encode(ct),
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        tonny_core::paths::create_private_dir(dir)
            .map_err(file_err("create the folder for", &self.path))?;
        // tempfile creates 0600; the rename makes the update atomic.
        let mut tmp =
            tempfile::NamedTempFile::new_in(dir).map_err(file_err("write", &self.path))?;
        tmp.write_all(&serde_json::to_vec_pretty(&sealed).expect("serializes"))
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(file_err("write", &self.path))?;
        tmp.persist(&self.path)
            .map_err(|e| file_err("replace", &self.path)(e.error))?;
        Ok(())
    }

    pub(super) fn set(&self, name: SecretName, value: &str) -> Result<(), SecretError> {
        let (_lock, key) = self.lock_key(true)?.expect("created above");
        let mut map = self.load(&key)?;
        map.insert(name.as_str().to_owned(), value.to_owned());
        let res = self.save(&key, &map);
        // Overwrite the plaintext copies before the map is freed.
        for v in map.values_mut() {
            zeroize::Zeroize::zeroize(v);
        }
        res
    }

    pub(super) fn get(&self, name: SecretName) -> Result<Option<SecretString>, SecretError> {
        let Some((_lock, key)) = self.lock_key(false)? else {
            if self.path.exists() {
                return Err(SecretError::FileCorrupt {
                    path: self.path.clone(),
                    reason: format!("its key file {} is missing", self.key_path.display()),
                });
            }
            return Ok(None);
        };
        let mut map = self.load(&key)?;
        let out = map.remove(name.as_str()).map(SecretString::from);
        for v in map.values_mut() {
            zeroize::Zeroize::zeroize(v);
        }
        Ok(out)
    }

    pub(super) fn delete(&self, name: SecretName) -> Result<bool, SecretError> {
        let Some((_lock, key)) = self.lock_key(false)? else {
            return Ok(false);
        };
        let mut map = self.load(&key)?;
        let removed = map.remove(name.as_str()).is_some();
        if removed {
            self.save(&key, &map)?;
        }
        for v in map.values_mut() {
            zeroize::Zeroize::zeroize(v);
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::os::unix::fs::PermissionsExt;

    fn backend(dir: &Path) -> FileBackend {
        FileBackend::new(dir.join("config/secrets.enc"), dir.join("data/secrets.key"))
    }

    #[test]
    fn round_trip_is_encrypted_at_rest_with_owner_only_files() {
        let tmp = tempfile::tempdir().unwrap();
        let b = backend(tmp.path());
        b.set(SecretName::ChatApiKey, "sk-plaintext-canary-123")
            .unwrap();
        b.set(SecretName::OpenaiApiKey, "sk-other-canary-456")
            .unwrap();
        assert_eq!(
            b.get(SecretName::ChatApiKey)
                .unwrap()
                .unwrap()
                .expose_secret(),
            "sk-plaintext-canary-123"
        );
        let on_disk = fs::read(b.path()).unwrap();
        assert!(!String::from_utf8_lossy(&on_disk).contains("canary"));
        assert!(!String::from_utf8_lossy(&on_disk).contains("chat_api_key"));
        for p in [b.path(), b.key_path.as_path()] {
            assert_eq!(fs::metadata(p).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(b.delete(SecretName::ChatApiKey).unwrap());
        assert!(!b.delete(SecretName::ChatApiKey).unwrap());
        assert!(b.get(SecretName::ChatApiKey).unwrap().is_none());
        assert!(b.get(SecretName::OpenaiApiKey).unwrap().is_some());
    }

    #[test]
    fn tampered_file_or_lost_key_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        let b = backend(tmp.path());
        b.set(SecretName::ChatApiKey, "sk-abcdefgh").unwrap();
        let mut sealed: serde_json::Value =
            serde_json::from_slice(&fs::read(b.path()).unwrap()).unwrap();
        sealed["ciphertext"] = B64.encode(b"garbage-garbage-garbage").into();
        fs::write(b.path(), serde_json::to_vec(&sealed).unwrap()).unwrap();
        let err = b.get(SecretName::ChatApiKey).unwrap_err().to_string();
        assert!(err.contains("does not decrypt"), "{err}");
        fs::remove_file(&b.key_path).unwrap();
        let err = b.get(SecretName::ChatApiKey).unwrap_err().to_string();
        assert!(err.contains("key file"), "{err}");
    }
}
