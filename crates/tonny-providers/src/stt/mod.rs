//! Speech-to-text engines implementing [`tonny_core::stt::Stt`].

pub mod models;
pub mod whisper;
