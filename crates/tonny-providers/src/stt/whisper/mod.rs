//! Embedded Whisper: a CTranslate2 model directory transcribed in-process, with no server.
//!
//! # Layout
//! - [`features`]: log-mel spectrogram, numerically matching faster-whisper.
//! - [`vocab`]: token ids ↔ text.
//! - [`model`]: what a model directory must contain.
//! - [`decode`]: the windowed decoding loop with temperature fallback.
//! - [`engine`]: [`WhisperEngine`], the loaded model behind the `Stt` trait.
//! - [`live`]: partial transcripts while audio is still arriving.

pub mod decode;
pub mod engine;
pub mod features;
pub mod live;
pub mod model;
pub mod vocab;

pub use decode::DecodeOptions;
pub use engine::{ComputeChoice, EngineError, EngineOptions, WhisperEngine};
pub use live::LiveTranscriber;
pub use model::{ModelError, ModelFiles, inspect};
