//! The ElevenLabs voice against the fake ElevenLabs (real espeak-ng audio as PCM or MP3), its
//! errors, and the fallback to the local voice.

use std::sync::Arc;

use tonny_core::settings::{ElevenLabsFormat, TtsSettings};
use tonny_core::tts::{Tts, TtsError};
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
