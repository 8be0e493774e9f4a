//! A speech server that is down: the fallback to the embedded engine (the real `tiny.en`).

use std::sync::Arc;

use tonny_core::breaker::BreakerPolicy;
use tonny_core::stt::{Stt, TranscribeOptions};
use tonny_providers::stt::fallback::FallbackStt;
use tonny_providers::stt::whisperlivekit::{WhisperLiveKitConfig, WhisperLiveKitStt};
use tonny_testkit::fakes::{FakeWhisperLiveKit, WlkScript};
use tonny_testkit::speech;

fn speech_16k() -> Vec<f32> {
    crate::load(&speech::shared_audio_dir().join("lights.wav"))
}

fn client(url: &str) -> WhisperLiveKitStt {
    WhisperLiveKitStt::new(WhisperLiveKitConfig {
        url: url.to_owned(),
        token: None,
        timeout_ms: 5_000,
    })
}

#[test]
fn a_dead_server_falls_back_to_the_embedded_engine_and_says_so_once() {
    let wlk = FakeWhisperLiveKit::start(WlkScript::default());
    let url = wlk.asr_url();
    drop(wlk);
    let stt = FallbackStt::new(
        Arc::new(client(&url)),
        Box::new(|| Ok(crate::engine() as Arc<dyn Stt>)),
        BreakerPolicy::default(),
    );
    let opts = TranscribeOptions {
        beam_size: 1,
        ..TranscribeOptions::default()
    };
    let t = stt.transcribe(&speech_16k(), &opts).unwrap();
    assert_eq!(
        t.text.to_lowercase().trim_end_matches('.'),
        "turn on the living room lights",
        "the embedded engine heard it"
    );
    let notice = stt.take_notice().expect("the fallback is announced");
    assert!(
        notice.contains("WhisperLiveKit is not available"),
        "{notice}"
    );
    for _ in 0..3 {
        stt.transcribe(&speech_16k(), &opts).unwrap();
    }
    assert_eq!(stt.take_notice(), None, "announced once, not per utterance");
}
