//! Piper neural voices, in-process: the natural local voice.
//!
//! Piper (rhasspy/piper, OHF-Voice/piper1-gpl) speaks with VITS models exported to ONNX, one per
//! voice, each with a `.onnx.json` that says how its phonemes are made and numbered. Text
//! becomes phonemes through the `espeak-ng` program (run, never linked: it is GPL), phonemes
//! become ids with the voice's map, and ONNX Runtime runs the model. ONNX Runtime is loaded from
//! a shared library at run time, so building needs nothing native and a machine without it
//! still runs everything but these voices.
//!
//! # Layout
//! - [`config`]: a voice's `.onnx.json`.
//! - [`phonemize`]: text to Piper's phonemes with the espeak-ng program.
//! - [`ids`]: phonemes to the model's ids.
//! - [`runtime`]: finding and loading ONNX Runtime once per process.
//! - [`voice`]: a loaded voice that speaks.

pub mod config;
pub mod ids;
pub mod phonemize;
pub mod runtime;
pub mod voice;

use std::path::PathBuf;

pub use config::VoiceConfig;
pub use phonemize::Phonemizer;
pub use runtime::Runtime;
pub use voice::{Audio, PiperVoice, SpeakOptions};

/// Why a Piper voice could not load or speak. Messages say what to do and never hold the text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PiperError {
    /// ONNX Runtime is missing or did not start.
    #[error("{0}")]
    Runtime(String),
    /// The voice's files are not a usable Piper voice.
    #[error("{} is not a usable Piper voice: {reason}", path.display())]
    BadVoice {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// espeak-ng could not make the phonemes.
    #[error("{0}")]
    Phonemizer(String),
    /// The speaker asked for does not exist.
    #[error("{0}")]
    Speaker(String),
    /// The model failed while running.
    #[error("the Piper voice failed while speaking: {0}")]
    Engine(String),
    /// A file could not be read.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}
