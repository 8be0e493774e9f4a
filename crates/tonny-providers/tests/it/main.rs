//! Integration tests for tonny-providers: the local agent, and the remote agents, speech
//! clients and voices against protocol-faithful fakes. (The embedded engine's tests are in
//! tonny-whisper; its worker is tested through the real `tonny stt-worker` in tonny-cli.)

mod chat;
mod elevenlabs;
mod local_agent;
mod n8n;
mod rabbitmq;
mod stt_remote;

/// 16 kHz mono samples of a file.
pub fn load(path: &std::path::Path) -> Vec<f32> {
    tonny_audio::decode_file(path)
        .expect("decoding a test recording")
        .samples
}
