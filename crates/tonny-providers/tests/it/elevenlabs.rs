//! The ElevenLabs voice against the fake ElevenLabs (real espeak-ng audio as PCM or MP3), its
//! errors, and the fallback to the local voice.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tonny_core::settings::{ElevenLabsFormat, TtsSettings};
use tonny_core::tts::{StreamAudio, StreamText, Tts, TtsError};
use tonny_providers::tts::elevenlabs::{ElevenLabsConfig, ElevenLabsTts};
use tonny_providers::tts::espeak::EspeakTts;
use tonny_providers::tts::fallback::FallbackTts;
use tonny_testkit::fakes::FakeElevenLabs;

const KEY: &str = "xi-test-key-123";

fn voice(fake: &FakeElevenLabs, key: &str, format: ElevenLabsFormat) -> ElevenLabsTts {
    let settings = TtsSettings {
        elevenlabs_url: fake.url(),
        elevenlabs_output_format: format,
        ..TtsSettings::default()
    };
    ElevenLabsTts::new(ElevenLabsConfig::from_settings(&settings, key.to_owned()))
}

fn rms(s: &[f32]) -> f32 {
    (s.iter().map(|x| x * x).sum::<f32>() / s.len().max(1) as f32).sqrt()
}

#[test]
fn pcm_and_mp3_both_come_back_as_speech() {
    let fake = FakeElevenLabs::start(KEY);
    let pcm = voice(&fake, KEY, ElevenLabsFormat::Pcm24000)
        .synthesize("Dinner is ready.")
        .unwrap();
    assert_eq!(pcm.sample_rate, 24_000);
    assert!(
        (600..3_000).contains(&pcm.duration_ms()),
        "{}",
        pcm.duration_ms()
    );
    assert!(rms(&pcm.samples) > 0.02, "it is speech, not silence");

    let mp3 = voice(&fake, KEY, ElevenLabsFormat::Mp3_44100_128)
        .synthesize("Dinner is ready.")
        .unwrap();
    assert_eq!(mp3.sample_rate, 16_000);
    // MP3 adds encoder padding but is the same speech.
    assert!(mp3.duration_ms().abs_diff(pcm.duration_ms()) < 200);

    let sent = &fake.requests()[0];
    assert_eq!(sent["format"], "pcm_24000");
    assert_eq!(sent["body"]["model_id"], "eleven_flash_v2_5");
    assert_eq!(sent["body"]["voice_settings"]["stability"], 0.5);
    assert_eq!(sent["body"]["voice_settings"]["use_speaker_boost"], true);
}

#[test]
fn text_over_the_models_limit_is_split_and_still_spoken() {
    let fake = FakeElevenLabs::start(KEY);
    fake.set_max_request_chars(60);
    let text = "The first sentence is here. The second one follows it. And a third one ends it.";
    let speech = voice(&fake, KEY, ElevenLabsFormat::Pcm16000)
        .synthesize(text)
        .unwrap();
    assert!(fake.requests().len() >= 2, "{}", fake.requests().len());
    assert!(speech.duration_ms() > 3_000);
}

#[test]
fn quota_key_and_busy_errors_say_what_to_do() {
    let fake = FakeElevenLabs::start(KEY);
    fake.set_quota(9_995, 10_000);
    let err = voice(&fake, KEY, ElevenLabsFormat::Pcm24000)
        .synthesize("This is longer than five characters.")
        .unwrap_err();
    assert!(err.to_string().contains("quota is used up"), "{err}");

    let err = voice(&fake, "xi-wrong-key-9", ElevenLabsFormat::Pcm24000)
        .synthesize("Hello.")
        .unwrap_err();
    assert!(err.to_string().contains("rejected the API key"), "{err}");
    assert!(!err.to_string().contains("xi-wrong-key-9"));

    fake.set_quota(0, 10_000);
    fake.set_busy(true);
    let err = voice(&fake, KEY, ElevenLabsFormat::Pcm24000)
        .synthesize("Hello.")
        .unwrap_err();
    assert!(err.to_string().contains("busy"), "{err}");
}

#[test]
fn voices_and_quota_are_listed() {
    let fake = FakeElevenLabs::start(KEY);
    fake.set_quota(1_234, 10_000);
    let v = voice(&fake, KEY, ElevenLabsFormat::Pcm24000);
    let voices = v.voices().unwrap();
    assert_eq!(voices[0].name, "Rachel");
    assert_eq!(voices.len(), 2);
    let q = v.quota().unwrap();
    assert_eq!((q.used, q.limit), (1_234, 10_000));
}

#[test]
fn a_failing_cloud_voice_falls_back_to_the_local_one_and_says_why_once() {
    let fake = FakeElevenLabs::start(KEY);
    fake.set_quota(10_000, 10_000);
    let tts = FallbackTts::new(
        Arc::new(voice(&fake, KEY, ElevenLabsFormat::Pcm24000)),
        Arc::new(EspeakTts::from_settings(&TtsSettings::default())),
    );
    let speech = tts.synthesize("The timer is done.").unwrap();
    assert!(rms(&speech.samples) > 0.02);
    let notice = tts.take_notice().expect("the switch is announced");
    assert!(notice.contains("quota is used up"), "{notice}");
    tts.synthesize("Again.").unwrap();
    assert_eq!(tts.take_notice(), None, "announced once, not per reply");

    // Back under quota: the cloud voice speaks again.
    fake.set_quota(0, 10_000);
    let speech = tts.synthesize("Back again.").unwrap();
    assert_eq!(speech.sample_rate, 24_000);
    // Empty text is the caller's mistake, not a reason to switch voices.
    assert!(matches!(tts.synthesize(" "), Err(TtsError::EmptyText)));
}

/// Runs `f` on a fresh runtime (the voice stream is a task on it).
fn on_runtime<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn text(t: &str) -> StreamText {
    StreamText::Text(t.to_owned())
}

/// Receives audio until the stream closes or fails.
async fn drain(
    audio: &mut tokio::sync::mpsc::UnboundedReceiver<Result<StreamAudio, TtsError>>,
) -> (Vec<StreamAudio>, Option<TtsError>) {
    let mut got = Vec::new();
    while let Some(item) = audio.recv().await {
        match item {
            Ok(a) => got.push(a),
            Err(e) => return (got, Some(e)),
        }
    }
    (got, None)
}

#[test]
fn streamed_text_is_spoken_at_each_flush_before_the_text_ends() {
    let fake = FakeElevenLabs::start(KEY);
    fake.set_first_byte(Duration::from_millis(200));
    let v = voice(&fake, KEY, ElevenLabsFormat::Pcm16000);
    on_runtime(async {
        let mut stream = v.open_stream().expect("PCM voices take streamed text");
        let sent = Instant::now();
        stream.input.send(text("The ")).unwrap();
        stream.input.send(StreamText::Flush).unwrap();
        // Audio for the first word comes while the rest is not even written.
        let first = tokio::time::timeout(Duration::from_secs(10), stream.audio.recv())
            .await
            .expect("audio after a flush")
            .unwrap()
            .unwrap();
        let waited = sent.elapsed();
        assert!(
            waited >= Duration::from_millis(200) && waited < Duration::from_millis(1500),
            "{waited:?}"
        );
        assert_eq!(first.speech.sample_rate, 16_000);
        for t in ["sun ", "is ", "a star."] {
            stream.input.send(text(t)).unwrap();
        }
        stream.input.send(StreamText::Flush).unwrap();
        stream.input.send(text(" It is hot.")).unwrap();
        let StreamAudio { chars, speech } = first;
        drop(stream.input);
        let (rest, err) = drain(&mut stream.audio).await;
        assert!(err.is_none(), "{err:?}");
        let spoken: usize = chars + rest.iter().map(|a| a.chars).sum::<usize>();
        assert_eq!(spoken, "The sun is a star. It is hot.".chars().count());
        let samples: usize =
            speech.samples.len() + rest.iter().map(|a| a.speech.samples.len()).sum::<usize>();
        assert!(samples > 16_000, "seconds of speech, got {samples} samples");
    });
    assert_eq!(
        fake.socket_segments(),
        ["The ", "sun is a star.", " It is hot."],
        "one generation per flush and one at the end"
    );
    let begin = &fake.requests()[0];
    assert_eq!(begin["format"], "pcm_16000");
    assert_eq!(begin["begin"]["text"], " ");
    assert_eq!(begin["begin"]["voice_settings"]["stability"], 0.5);
    assert!(
        begin["begin"].get("xi_api_key").is_none(),
        "the key travels in the header, not in a message"
    );
}

#[test]
fn stream_errors_say_what_to_do_and_never_hold_the_key() {
    let fake = FakeElevenLabs::start(KEY);
    let stream_err = |key: &str, fake: &FakeElevenLabs| {
        let v = voice(fake, key, ElevenLabsFormat::Pcm24000);
        on_runtime(async {
            let mut stream = v.open_stream().unwrap();
            stream.input.send(text("Hello there. ")).unwrap();
            drop(stream.input);
            tokio::time::timeout(Duration::from_secs(10), drain(&mut stream.audio))
                .await
                .expect("an answer, not a hang")
                .1
                .expect("an error")
        })
    };
    let err = stream_err("xi-wrong-key-9", &fake);
    assert!(err.to_string().contains("elevenlabs_api_key"), "{err}");
    assert!(!err.to_string().contains("xi-wrong-key-9"));

    fake.set_quota(9_999, 10_000);
    let err = stream_err(KEY, &fake);
    assert!(err.to_string().contains("quota is used up"), "{err}");

    fake.set_quota(0, 10_000);
    fake.drop_sockets_after(Some(1));
    let err = stream_err(KEY, &fake);
    assert!(err.to_string().contains("closed the voice stream"), "{err}");

    // Nothing listening on the port: unreachable, said plainly.
    let settings = TtsSettings {
        elevenlabs_url: format!("http://127.0.0.1:{}", tonny_testkit::free_port()),
        ..TtsSettings::default()
    };
    let v = ElevenLabsTts::new(ElevenLabsConfig::from_settings(&settings, KEY.into()));
    let err = on_runtime(async {
        let mut stream = v.open_stream().unwrap();
        drain(&mut stream.audio).await.1.expect("an error")
    });
    assert!(err.to_string().contains("not reachable"), "{err}");
}

#[test]
fn mp3_or_switched_off_streaming_speaks_per_sentence() {
    let fake = FakeElevenLabs::start(KEY);
    assert!(
        voice(&fake, KEY, ElevenLabsFormat::Mp3_44100_128)
            .open_stream()
            .is_none()
    );
    let settings = TtsSettings {
        elevenlabs_url: fake.url(),
        elevenlabs_stream_input: false,
        ..TtsSettings::default()
    };
    let off = ElevenLabsTts::new(ElevenLabsConfig::from_settings(&settings, KEY.into()));
    assert!(off.open_stream().is_none());
    // The local voice never streams.
    assert!(
        EspeakTts::from_settings(&TtsSettings::default())
            .open_stream()
            .is_none()
    );
}
