//! Implementations of TonnyTray's pipeline traits.
//!
//! # Layout
//! - [`agent`]: agents; today the built-in offline local agent.
//! - [`stt`]: speech-to-text engines; today the embedded Whisper engine (CTranslate2 in-process)
//!   and the management of its model files.
//! - [`tts`]: voices; today the local espeak-ng voice.

pub mod agent;
pub mod stt;
pub mod tts;
