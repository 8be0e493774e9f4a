//! Integration tests for tonny-providers: the embedded Whisper engine against the real `tiny.en`
//! model, the local agent, and the remote agents and voices against protocol-faithful fakes.

mod chat;
mod elevenlabs;
mod engine;
mod features;
mod local_agent;
mod n8n;
mod rabbitmq;
mod stt_remote;

use std::sync::{Arc, OnceLock};

use tonny_providers::stt::whisper::{ComputeChoice, EngineOptions, WhisperEngine};
use tonny_testkit::speech;

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
