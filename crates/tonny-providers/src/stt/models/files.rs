//! A CTranslate2 Whisper model directory: which files must be there and what they say.

use std::path::{Path, PathBuf};

/// Files every model directory needs.
pub const REQUIRED: &[&str] = &["model.bin", "config.json"];

/// Why a model directory cannot be used. Every message names the file and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The directory does not exist.
    #[error("no model directory at {}; install one with `tonny models install tiny.en` or point stt.model at a CTranslate2 Whisper model directory", .0.display())]
    NoDirectory(PathBuf),
    /// A required file is absent.
    #[error("the model in {} is incomplete: {file} is missing; reinstall it with `tonny models install` or `tonny models import`", dir.display())]
    Missing {
        /// The model directory.
        dir: PathBuf,
        /// The missing file.
        file: String,
    },
    /// A file is present but unusable.
    #[error("the model file {} is damaged: {reason}; reinstall the model", path.display())]
    Bad {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// CTranslate2 refused to load the model.
    #[error("could not load model.bin in {}: it may be truncated or damaged ({detail}); run `tonny models verify` to check the files, and reinstall the model", dir.display())]
    Load {
        /// The model directory.
        dir: PathBuf,
        /// CTranslate2's message.
        detail: String,
    },
}

impl ModelError {
    /// A damaged file, for checks outside this module (the engine's vocabulary reader).
    pub fn bad(path: &Path, reason: String) -> Self {
        ModelError::Bad {
            path: path.to_path_buf(),
            reason,
        }
    }
}

/// What a valid model directory holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFiles {
    /// The directory.
    pub dir: PathBuf,
    /// Mel bands the encoder expects (`preprocessor_config.json`'s `feature_size`, else 80).
    pub n_mels: usize,
    /// Size of `model.bin`.
    pub weights_bytes: u64,
}

/// Checks that `dir` looks like a CTranslate2 Whisper model, naming the first missing or bad file.
pub fn inspect(dir: &Path) -> Result<ModelFiles, ModelError> {
    if !dir.is_dir() {
        return Err(ModelError::NoDirectory(dir.to_path_buf()));
    }
    for f in REQUIRED {
        if !dir.join(f).is_file() {
            return Err(ModelError::Missing {
                dir: dir.to_path_buf(),
                file: (*f).to_owned(),
            });
        }
    }
    if !["vocabulary.txt", "vocabulary.json", "tokenizer.json"]
        .iter()
        .any(|f| dir.join(f).is_file())
    {
        return Err(ModelError::Missing {
            dir: dir.to_path_buf(),
            file: "vocabulary.txt (or vocabulary.json, or tokenizer.json)".into(),
        });
    }
    let bin = dir.join("model.bin");
    let weights_bytes = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    // CTranslate2's model.bin starts with a small binary-format version number.
    let head = std::fs::File::open(&bin).ok().and_then(|mut f| {
        let mut b = [0u8; 4];
        std::io::Read::read_exact(&mut f, &mut b).ok()?;
        (weights_bytes >= 1024).then_some(u32::from_le_bytes(b))
    });
    if !matches!(head, Some(v) if (1..=64).contains(&v)) {
        return Err(ModelError::bad(
            &bin,
            "it is not a CTranslate2 model file (truncated or another format)".into(),
        ));
    }
    let config = dir.join("config.json");
    let text =
        std::fs::read_to_string(&config).map_err(|e| ModelError::bad(&config, e.to_string()))?;
    serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| ModelError::bad(&config, format!("not valid JSON ({e})")))?;
    // Whisper's standard front end when the file is absent (faster-whisper does the same).
    let mut n_mels = 80;
    let pre = dir.join("preprocessor_config.json");
    if pre.is_file() {
        let text =
            std::fs::read_to_string(&pre).map_err(|e| ModelError::bad(&pre, e.to_string()))?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| ModelError::bad(&pre, format!("not valid JSON ({e})")))?;
        if let Some(n) = v.get("feature_size").and_then(|n| n.as_u64()) {
            n_mels = n as usize;
        }
        for (key, expected) in [
            ("sampling_rate", 16_000),
            ("hop_length", 160),
            ("n_fft", 400),
        ] {
            if let Some(found) = v
                .get(key)
                .and_then(|n| n.as_u64())
                .filter(|n| *n != expected)
            {
                return Err(ModelError::bad(
                    &pre,
                    format!("{key} is {found}, but TonnyTray's front end only supports {expected}"),
                ));
            }
        }
    }
    Ok(ModelFiles {
        dir: dir.to_path_buf(),
        n_mels,
        weights_bytes,
    })
}
