//! The Piper voices hub: `rhasspy/piper-voices` on Hugging Face. Its `voices.json` lists every
//! voice with its language, quality, speakers and files (path, size, MD5); files download from
//! `resolve/<revision>/<path>` like any hub file (resumable, shared with speech models), and each
//! is checked against its size and MD5 before the voice is moved into place.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use md5::{Digest as _, Md5};
use serde::{Deserialize, Serialize};

use super::{InstalledVoice, VoiceStore, VoicesError, check_name, io_err};
use crate::stt::models::Progress;
use crate::stt::models::hub::{download_err, explain};

/// The hub repository of Piper voices.
pub const REPO: &str = "rhasspy/piper-voices";
/// The revision voices are taken from (Piper's own downloader pins it).
pub const REVISION: &str = "v1.0.0";

/// One voice in the hub's index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubVoice {
    /// `en_US-joe-medium`.
    pub key: String,
    /// `joe`.
    #[serde(default)]
    pub name: String,
    /// Its language.
    pub language: HubLanguage,
    /// `x_low`, `low`, `medium`, `high`.
    #[serde(default)]
    pub quality: String,
    /// Speakers.
    #[serde(default = "one")]
    pub num_speakers: u32,
    /// Its files by path in the repository.
    pub files: BTreeMap<String, HubFile>,
}

fn one() -> u32 {
    1
}

/// A voice's language in the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubLanguage {
    /// `en_US`.
    pub code: String,
    /// `English`.
    #[serde(default)]
    pub name_english: String,
    /// `United States`.
    #[serde(default)]
    pub country_english: String,
}

/// A file in the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubFile {
    /// Bytes.
    pub size_bytes: u64,
    /// MD5, lowercase hex.
    pub md5_digest: String,
}

impl VoiceStore {
    fn file_url(&self, path: &str) -> String {
        format!("{}/{REPO}/resolve/{REVISION}/{path}", self.hub.endpoint())
    }

    /// The hub's voices, by key.
    pub async fn available(&self) -> Result<BTreeMap<String, HubVoice>, VoicesError> {
        let client = self.hub.client()?;
        let url = self.file_url("voices.json");
        let resp = self
            .hub
            .authorized(client.get(&url))
            .send()
            .await
            .map_err(|e| download_err("the voices index", &url, explain(&e)))?;
        if !resp.status().is_success() {
            let reason = format!("the hub answered HTTP {}", resp.status().as_u16());
            return Err(download_err("the voices index", &url, reason).into());
        }
        resp.json().await.map_err(|e| {
            download_err(
                "the voices index",
                &url,
                format!("it is not the Piper voices index ({e})"),
            )
            .into()
        })
    }

    /// Downloads voice `key` from the hub and installs it (nothing to do when it is installed).
    pub async fn install(
        &self,
        key: &str,
        progress: &dyn Progress,
    ) -> Result<InstalledVoice, VoicesError> {
        check_name(key)?;
        if let Ok(voice) = self.resolve(key) {
            return Ok(voice);
        }
        let index = self.available().await?;
        let voice = index
            .get(key)
            .ok_or_else(|| VoicesError::Unknown(key.to_owned()))?;
        let wanted: Vec<(&String, &HubFile)> = voice
            .files
            .iter()
            .filter(|(path, _)| path.ends_with(".onnx") || path.ends_with(".onnx.json"))
            .collect();
        if wanted.len() != 2 {
            return Err(VoicesError::Unknown(key.to_owned()));
        }
        let staging = self.staging(key)?;
        let client = self.hub.client()?;
        for (path, file) in wanted {
            let local = if path.ends_with(".onnx.json") {
                format!("{key}.onnx.json")
            } else {
                format!("{key}.onnx")
            };
            let dest = staging.join(&local);
            if dest.is_file() {
                continue; // complete and checked in an earlier, interrupted install
            }
            let part = staging.join(format!("{local}.part"));
            self.hub
                .transfer(
                    &client,
                    &self.file_url(path),
                    &part,
                    &local,
                    file.size_bytes,
                    progress,
                )
                .await?;
            if md5_file(&part)? != file.md5_digest {
                let _ = fs::remove_file(&part);
                return Err(VoicesError::Checksum {
                    name: key.to_owned(),
                    file: local,
                    hint: "the download was corrupted and has been discarded; run the same \
                           command again",
                });
            }
            fs::rename(&part, &dest).map_err(io_err("finish", &dest))?;
        }
        let origin = self.file_url(&format!("…/{key}"));
        self.commit(&staging, key, "hub", &origin)
    }
}

fn md5_file(path: &Path) -> Result<String, VoicesError> {
    use std::io::Read as _;
    let mut file = fs::File::open(path).map_err(io_err("read", path))?;
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(io_err("read", path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
