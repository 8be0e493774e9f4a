//! Speech-to-text engines implementing [`tonny_core::stt::Stt`]: the embedded Whisper engine
//! and its models, the WhisperLiveKit and OpenAI-compatible clients, and the fallback from a
//! server to the embedded engine.

pub mod fallback;
pub mod models;
pub mod openai;
pub mod whisper;
pub mod whisperlivekit;
