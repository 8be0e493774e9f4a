//! Voices implementing [`tonny_core::tts::Tts`].

pub mod elevenlabs;
mod elevenlabs_stream;
pub mod espeak;
pub mod fallback;
pub mod piper;
pub mod voices;
