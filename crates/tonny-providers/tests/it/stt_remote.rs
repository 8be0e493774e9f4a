//! The WhisperLiveKit and OpenAI-compatible transcription clients against the fake server. (The
//! fallback to the embedded engine is tested in tonny-whisper, next to the engine.)

use std::sync::{Arc, Mutex};

use tonny_core::stt::{Stt, SttError, TranscribeOptions};
use tonny_providers::stt::openai::{OpenAiStt, OpenAiSttConfig};
use tonny_providers::stt::whisperlivekit::{WhisperLiveKitConfig, WhisperLiveKitStt};
use tonny_testkit::fakes::{FakeWhisperLiveKit, WlkScript};
use tonny_testkit::speech;

fn speech_16k() -> Vec<f32> {
    crate::load(&speech::shared_audio_dir().join("lights.wav"))
}

fn client(url: &str, token: Option<&str>) -> WhisperLiveKitStt {
    WhisperLiveKitStt::new(WhisperLiveKitConfig {
        url: url.to_owned(),
        token: token.map(str::to_owned),
        timeout_ms: 5_000,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whisperlivekit_streams_pcm_and_returns_lines_partials_and_the_speaker() {
    let wlk = FakeWhisperLiveKit::start(WlkScript::default());
    let audio = speech_16k();
    let partials = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&partials);
    let t = client(&wlk.asr_url(), None)
        .stream(&audio, Some("en"), move |p| {
            let heard = format!("{} {}", p.stable, p.tentative);
            seen.lock().unwrap().push(heard.trim().to_owned())
        })
        .await
        .unwrap();
    assert_eq!(t.text, "Turn on the porch light.");
    assert_eq!(t.speaker.as_deref(), Some("1"));
    assert_eq!(t.segments[0].start_ms, 0);
    let partials = partials.lock().unwrap().clone();
    assert!(!partials.is_empty(), "partial text arrived while streaming");
    assert!(
        partials
            .iter()
            .all(|p| "Turn on the porch light.".starts_with(p.as_str())),
        "{partials:?}"
    );
    // Every sample went over the wire as s16le.
    assert_eq!(wlk.seen().1, audio.len() * 2);

    // Silence: the server hears nothing, and so do we.
    let silent = client(&wlk.asr_url(), None)
        .stream(&vec![0.0; 16_000], None, |_| {})
        .await
        .unwrap();
    assert_eq!(silent.text, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whisperlivekit_failures_are_clear() {
    let wlk = FakeWhisperLiveKit::start(WlkScript {
        close_after_frames: Some(3),
        ..WlkScript::default()
    });
    let err = client(&wlk.asr_url(), None)
        .stream(&speech_16k(), None, |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, SttError::Unavailable(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("closed the connection mid-utterance"),
        "{err}"
    );

    wlk.set_script(WlkScript {
        pcm_input: false,
        ..WlkScript::default()
    });
    let err = client(&wlk.asr_url(), None)
        .stream(&speech_16k(), None, |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("--pcm-input"), "{err}");

    wlk.set_script(WlkScript {
        token: Some("wlk-token-123".into()),
        ..WlkScript::default()
    });
    let err = client(&wlk.asr_url(), Some("wrong-token-9"))
        .stream(&speech_16k(), None, |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("rejected the API token"), "{err}");
    assert!(!err.to_string().contains("wrong-token-9"));
    let ok = client(&wlk.asr_url(), Some("wlk-token-123"))
        .stream(&speech_16k(), None, |_| {})
        .await;
    assert!(ok.is_ok(), "{ok:?}");

    let url = wlk.asr_url();
    drop(wlk);
    let err = client(&url, None)
        .stream(&speech_16k(), None, |_| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("WhisperLiveKit is not reachable"),
        "{err}"
    );
}

#[test]
fn openai_compatible_transcription_uploads_wav_and_refuses_oversize_audio() {
    let wlk = FakeWhisperLiveKit::start(WlkScript::default());
    let stt = OpenAiStt::new(OpenAiSttConfig {
        base_url: format!("{}/v1", wlk.url()),
        api_key: Some("sk-test-123".into()),
        model: "whisper-1".into(),
        timeout_ms: 5_000,
    });
    let t = stt
        .transcribe(&speech_16k(), &TranscribeOptions::default())
        .unwrap();
    assert_eq!(t.text, "Turn on the porch light.");
    // 14 minutes is over the API's 25 MB: refused before uploading.
    let err = stt
        .transcribe(&vec![0.0; 16_000 * 60 * 14], &TranscribeOptions::default())
        .unwrap_err();
    assert!(matches!(err, SttError::Audio(_)));
    assert!(err.to_string().contains("at most 25 MB"), "{err}");
}
