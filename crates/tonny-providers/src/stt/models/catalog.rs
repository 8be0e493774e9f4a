//! Model names TonnyTray knows how to download, and their Hugging Face repositories.
//!
//! These are faster-whisper's CTranslate2 conversions (the same files WhisperLiveKit uses).

/// `(name, repository)` pairs, smallest first.
pub const CATALOG: &[(&str, &str)] = &[
    ("tiny.en", "Systran/faster-whisper-tiny.en"),
    ("tiny", "Systran/faster-whisper-tiny"),
    ("base.en", "Systran/faster-whisper-base.en"),
    ("base", "Systran/faster-whisper-base"),
    ("small.en", "Systran/faster-whisper-small.en"),
    ("small", "Systran/faster-whisper-small"),
    ("medium.en", "Systran/faster-whisper-medium.en"),
    ("medium", "Systran/faster-whisper-medium"),
    ("large-v3", "Systran/faster-whisper-large-v3"),
    ("distil-large-v3", "Systran/faster-distil-whisper-large-v3"),
];

/// The repository for a known model name.
pub fn repo_for(name: &str) -> Option<&'static str> {
    CATALOG.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
}

/// Every known name.
pub fn names() -> Vec<&'static str> {
    CATALOG.iter().map(|(n, _)| *n).collect()
}
