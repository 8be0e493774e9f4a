//! Voices implementing [`tonny_core::tts::Tts`].

pub mod espeak;
