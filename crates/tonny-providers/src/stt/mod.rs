//! Speech-to-text engines implementing [`tonny_core::stt::Stt`]: the Whisper models, the
//! client of the speech worker (the embedded engine in a process of its own), the
//! WhisperLiveKit and OpenAI-compatible clients, and the fallback from a server to the embedded
//! engine. The embedded engine itself (CTranslate2) is the `tonny-whisper` crate, so that
//! programs that only talk to the worker do not carry it.

pub mod fallback;
pub mod models;
pub mod on_demand;
pub mod openai;
pub mod whisperlivekit;
pub mod worker;
