//! Integration tests for tonny-whisper: the embedded engine against the real `tiny.en` model,
//! our features against faster-whisper's, and the fallback from a dead speech server to it.

mod engine;
mod fallback;
mod features;
mod live;

use std::sync::{Arc, OnceLock};

use tonny_testkit::speech;
use tonny_whisper::{ComputeChoice, EngineOptions, WhisperEngine};

/// One engine shared by every test in this binary (loading takes about a second).
pub fn engine() -> Arc<WhisperEngine> {
    static ENGINE: OnceLock<Arc<WhisperEngine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let opts = EngineOptions {
                threads: 2,
                compute: ComputeChoice::Int8,
            };
            Arc::new(WhisperEngine::load(&speech::model_dir(), opts).expect("loading tiny.en"))
        })
        .clone()
}

/// 16 kHz mono samples of a file.
pub fn load(path: &std::path::Path) -> Vec<f32> {
    tonny_audio::decode_file(path)
        .expect("decoding a test recording")
        .samples
}
