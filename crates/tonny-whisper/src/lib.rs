//! The embedded Whisper engine: a CTranslate2 model directory transcribed in-process, with no
//! server.
//!
//! It is a crate of its own because CTranslate2 and oneDNN are large C++ libraries: a program
//! that links them pays for their code at start even if it never loads a model. The `tonny`
//! command links this crate; the tray does not, and runs the engine in `tonny stt-worker`
//! instead (see `tonny_providers::stt::worker`).
//!
//! # Layout
//! - [`features`]: log-mel spectrogram, numerically matching faster-whisper.
//! - [`vocab`]: token ids ↔ text.
//! - [`decode`]: the windowed decoding loop with temperature fallback.
//! - `prompt`: the household's vocabulary encoded as a decoder prompt (hotwords).
//! - [`engine`]: [`WhisperEngine`], the loaded model behind the `Stt` trait.
//! - [`live`]: partial transcripts while audio is still arriving ([`LiveEngine`]: the engine
//!   with live text while a recording is made, and the final pass started as soon as the speech
//!   has settled, before the endpointer ends the recording).
//!
//! What a model directory must contain is checked by `tonny_providers::stt::models::inspect`,
//! shared with model management.

pub mod decode;
pub mod engine;
pub mod features;
pub mod live;
mod prompt;
pub mod vocab;

pub use decode::DecodeOptions;
pub use engine::{ComputeChoice, EngineError, EngineOptions, WhisperEngine};
pub use live::{LiveEngine, LiveTranscriber};
pub use tonny_providers::stt::models::{ModelError, ModelFiles};
