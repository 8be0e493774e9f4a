//! Voices implementing [`tonny_core::tts::Tts`].

pub mod elevenlabs;
pub mod espeak;
pub mod fallback;
