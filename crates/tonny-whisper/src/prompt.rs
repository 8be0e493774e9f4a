//! The vocabulary prompt: names and terms the household uses ("TonnyTray", "Saoirse"), given to
//! the decoder before every window as faster-whisper gives its `hotwords`
//! (`<|startofprev|>` + the terms + the previous text), so Whisper spells them the household's
//! way instead of guessing from the sound.
//!
//! Decoding never encodes text ([`crate::vocab`]), but a prompt must be: the model's own BPE
//! tokenizer (`tokenizer.json`, which faster-whisper's models ship beside `model.bin`) does it
//! through the `tokenizers` crate, loaded the first time a vocabulary is asked for. A model
//! without the file transcribes as before; the vocabulary is skipped, and the log says why once.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tokenizers::Tokenizer;

/// Encodes prompt text with the model's tokenizer, once loaded.
pub(crate) struct PromptEncoder {
    path: PathBuf,
    loaded: OnceLock<Result<Tokenizer, String>>,
}

impl PromptEncoder {
    /// For the model in `dir` (nothing is read yet).
    pub(crate) fn new(dir: &Path) -> Self {
        Self {
            path: dir.join("tokenizer.json"),
            loaded: OnceLock::new(),
        }
    }

    /// The token strings of `terms` written as one phrase ("TonnyTray, Saoirse"), with the
    /// leading space Whisper's text tokens carry, at most `limit` of them; empty when there is
    /// nothing to say or no tokenizer.
    pub(crate) fn tokens(&self, terms: &[String], limit: usize) -> Vec<String> {
        let phrase = terms
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        if phrase.is_empty() || limit == 0 {
            return Vec::new();
        }
        let tokenizer = self.loaded.get_or_init(|| {
            Tokenizer::from_file(&self.path).map_err(|e| {
                let why = format!(
                    "the model has no usable {} ({e}); the vocabulary is not used with it",
                    self.path.display()
                );
                tracing::warn!(component = "stt", "{why}");
                why
            })
        });
        let Ok(tokenizer) = tokenizer else {
            return Vec::new();
        };
        match tokenizer.encode(format!(" {phrase}"), false) {
            Ok(encoding) => {
                let mut tokens = encoding.get_tokens().to_vec();
                tokens.truncate(limit);
                tokens
            }
            Err(e) => {
                tracing::warn!(
                    component = "stt",
                    "the vocabulary could not be encoded: {e}"
                );
                Vec::new()
            }
        }
    }
}
