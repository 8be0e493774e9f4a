//! Downloading a model from the Hugging Face hub: resumable, and every file verified.
//!
//! The file list comes from the hub's tree API (`/api/models/{repo}/tree/main`), which gives each
//! file's size and digest: SHA-256 for large (LFS) files, the git blob SHA-1 for small ones. Each
//! file downloads to `<name>.part` in a staging folder; an interrupted transfer resumes with an
//! HTTP `Range` request, within this run (a few retries) or the next one. Only when every file
//! is complete and verified is the folder renamed into place, so a half-downloaded model is
//! never mistaken for a usable one.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{
    ModelSource, ModelStore, ModelsError, Progress, ResolvedModel, catalog, check_name, io_err,
    write_manifest,
};

/// Attempts per file before giving up (each resumes where the last stopped).
const ATTEMPTS: usize = 3;

/// One entry of the hub's tree listing.
#[derive(Debug, Clone, Deserialize)]
struct TreeEntry {
    path: String,
    #[serde(rename = "type")]
    kind: String,
    size: u64,
    oid: String,
    lfs: Option<LfsInfo>,
}

#[derive(Debug, Clone, Deserialize)]
struct LfsInfo {
    oid: String,
}

/// What `install` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallAction {
    /// It was already installed.
    AlreadyInstalled,
    /// Found in the Hugging Face cache and used from there, without copying.
    ReusedCache,
    /// Downloaded from the hub.
    Downloaded,
}

/// Result of `install`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Installed {
    /// What was done.
    pub action: InstallAction,
    /// The usable model.
    pub model: ResolvedModel,
}

pub(crate) fn download_err(what: &str, url: &str, reason: impl Into<String>) -> ModelsError {
    ModelsError::Download {
        what: what.to_owned(),
        url: url.to_owned(),
        reason: reason.into(),
    }
}

/// Explains a transport error without internals.
pub(crate) fn explain(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "the hub is unreachable (connection failed); check the network, set HF_ENDPOINT for a mirror, or `tonny models import` a model you already have".into()
    } else if e.is_timeout() {
        "the hub did not answer in time; try again later".into()
    } else {
        // The innermost cause says what actually happened ("connection reset", …).
        let mut cause: &dyn std::error::Error = e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        format!("the transfer failed ({cause})")
    }
}

fn git_blob_sha1(path: &Path) -> Result<String, ModelsError> {
    use sha1::Digest as _;
    let bytes = fs::read(path).map_err(io_err("read", path))?;
    let mut h = sha1::Sha1::new();
    h.update(format!("blob {}\0", bytes.len()).as_bytes());
    h.update(&bytes);
    Ok(hex::encode(h.finalize()))
}

impl ModelStore {
    pub(crate) fn client(&self) -> Result<reqwest::Client, ModelsError> {
        reqwest::Client::builder()
            .user_agent(concat!("tonnytray/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(15))
            .read_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| download_err("the model", &self.endpoint, e.to_string()))
    }

    pub(crate) fn authorized(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match std::env::var("HF_TOKEN") {
            Ok(t) if !t.is_empty() => req.bearer_auth(t),
            _ => req,
        }
    }

    /// Makes `name` available: already installed, reused from the Hugging Face cache, or
    /// downloaded from the hub.
    pub async fn install(
        &self,
        name: &str,
        progress: &dyn Progress,
    ) -> Result<Installed, ModelsError> {
        check_name(name)?;
        let repo = catalog::repo_for(name).ok_or_else(|| ModelsError::Unknown(name.to_owned()))?;
        if let Ok(model) = self.resolve(name) {
            let action = match model.source {
                ModelSource::HuggingFaceCache => InstallAction::ReusedCache,
                _ => InstallAction::AlreadyInstalled,
            };
            return Ok(Installed { action, model });
        }
        let client = self.client()?;
        let tree_url = format!("{}/api/models/{repo}/tree/main", self.endpoint);
        let resp = self
            .authorized(client.get(&tree_url))
            .send()
            .await
            .map_err(|e| download_err(name, &tree_url, explain(&e)))?;
        let status = resp.status();
        if !status.is_success() {
            let reason = match status.as_u16() {
                401 | 403 => "the hub refused access (a private or gated repository; set HF_TOKEN)"
                    .to_owned(),
                404 => format!("the hub has no repository {repo}"),
                code => format!("the hub answered HTTP {code}"),
            };
            return Err(download_err(name, &tree_url, reason));
        }
        let tree: Vec<TreeEntry> = resp.json().await.map_err(|e| {
            download_err(
                name,
                &tree_url,
                format!("the file list is not what the hub sends ({e})"),
            )
        })?;
        let wanted: Vec<TreeEntry> = tree
            .into_iter()
            .filter(|e| e.kind == "file" && super::MODEL_FILES.contains(&e.path.as_str()))
            .collect();
        let has = |f: &str| wanted.iter().any(|e| e.path == f);
        if !has("model.bin")
            || !has("config.json")
            || !(has("vocabulary.txt") || has("vocabulary.json") || has("tokenizer.json"))
        {
            return Err(download_err(
                name,
                &tree_url,
                format!("{repo} does not hold a CTranslate2 Whisper model"),
            ));
        }
        let staging = self.staging(name)?;
        for entry in &wanted {
            self.fetch_file(&client, repo, entry, &staging, progress)
                .await?;
        }
        write_manifest(&staging, name, "hub", repo)?;
        let dir = self.commit(&staging, name)?;
        super::inspect(&dir)?;
        Ok(Installed {
            action: InstallAction::Downloaded,
            model: ResolvedModel {
                name: name.to_owned(),
                dir,
                source: ModelSource::Installed,
            },
        })
    }

    async fn fetch_file(
        &self,
        client: &reqwest::Client,
        repo: &str,
        entry: &TreeEntry,
        staging: &Path,
        progress: &dyn Progress,
    ) -> Result<(), ModelsError> {
        let final_path = staging.join(&entry.path);
        let part = staging.join(format!("{}.part", entry.path));
        let url = format!("{}/{repo}/resolve/main/{}", self.endpoint, entry.path);
        if !final_path.is_file() {
            let mut last_error = None;
            for _ in 0..ATTEMPTS {
                match self
                    .transfer(client, &url, &part, &entry.path, entry.size, progress)
                    .await
                {
                    Ok(()) => {
                        last_error = None;
                        break;
                    }
                    Err(e) => last_error = Some(e),
                }
            }
            if let Some(e) = last_error {
                return Err(e);
            }
            let (expected, actual) = match &entry.lfs {
                Some(lfs) => (lfs.oid.clone(), super::sha256_file(&part)?),
                None => (entry.oid.clone(), git_blob_sha1(&part)?),
            };
            if expected != actual {
                let _ = fs::remove_file(&part);
                return Err(ModelsError::Checksum {
                    name: repo.to_owned(),
                    file: entry.path.clone(),
                    expected,
                    actual,
                    hint: "the download was corrupted and has been discarded; run the same command again",
                });
            }
            fs::rename(&part, &final_path).map_err(io_err("finish", &final_path))?;
        }
        Ok(())
    }

    /// Downloads `url` (`size` bytes, called `label` in messages) into `part`, continuing from
    /// its current length. Piper voices come from the same hub and download the same way.
    pub(crate) async fn transfer(
        &self,
        client: &reqwest::Client,
        url: &str,
        part: &Path,
        label: &str,
        size: u64,
        progress: &dyn Progress,
    ) -> Result<(), ModelsError> {
        let mut have = fs::metadata(part).map(|m| m.len()).unwrap_or(0);
        if have > size {
            fs::remove_file(part).map_err(io_err("restart", part))?;
            have = 0;
        }
        if have == size {
            return Ok(());
        }
        let mut req = self.authorized(client.get(url));
        if have > 0 {
            req = req.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        let mut resp = req
            .send()
            .await
            .map_err(|e| download_err(label, url, explain(&e)))?;
        let status = resp.status();
        let resumed = status == reqwest::StatusCode::PARTIAL_CONTENT;
        if !status.is_success() {
            return Err(download_err(
                label,
                url,
                format!("the hub answered HTTP {}", status.as_u16()),
            ));
        }
        if !resumed {
            have = 0; // the server sent the whole file
        }
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .append(resumed)
            .truncate(!resumed)
            .open(part)
            .map_err(io_err("write", part))?;
        progress.start(label, size, have);
        let mut got = have;
        loop {
            match resp.chunk().await {
                Ok(Some(bytes)) => {
                    file.write_all(&bytes).map_err(io_err("write", part))?;
                    got += bytes.len() as u64;
                    progress.advance(bytes.len() as u64);
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = file.sync_all();
                    return Err(download_err(
                        label,
                        url,
                        format!(
                            "the connection was lost after {got} of {} bytes; run the same command again to resume ({})",
                            size,
                            explain(&e)
                        ),
                    ));
                }
            }
        }
        file.sync_all().map_err(io_err("write", part))?;
        progress.finish();
        if got != size {
            return Err(download_err(
                label,
                url,
                format!(
                    "the transfer ended after {got} of {} bytes; run the same command again to resume",
                    size
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_blob_digest_matches_git() {
        // `printf 'hello\n' | git hash-object --stdin`
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        fs::write(&p, b"hello\n").unwrap();
        assert_eq!(
            git_blob_sha1(&p).unwrap(),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }
}
