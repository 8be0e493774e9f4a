//! Loading and speaking, and what a damaged voice does.

use std::path::{Path, PathBuf};

use tonny_piper::ids::phoneme_ids;
use tonny_piper::{Phonemizer, PiperError, PiperVoice, SpeakOptions, VoiceConfig};
use tonny_testkit::speech::piper_voice;

fn joe() -> (PathBuf, PathBuf) {
    let (_, data) = piper_voice();
    (
        data.join("en_US-joe-medium.onnx"),
        data.join("en_US-joe-medium.onnx.json"),
    )
}

fn load(model: &Path, config: &Path) -> Result<PiperVoice, PiperError> {
    PiperVoice::load(model, config, 2, Phonemizer::default())
}

fn seconds(audio: &tonny_piper::Audio) -> f32 {
    audio.samples.len() as f32 / audio.sample_rate as f32
}

#[test]
fn the_phonemes_and_ids_are_the_ones_pipers_own_phonemizer_makes() {
    // Piper's phonemizer (libespeak-ng 1.52 inside piper-tts 1.8.0) gives, for this text,
    // 'həlˈoʊ' + ',' | 'wˈɜːld' + '.' | 'hˈaʊ ɑːɹ juː' + '?' and these ids for the first sentence.
    let (_, config) = joe();
    let config = VoiceConfig::read(&config).unwrap();
    let sentences = Phonemizer::default()
        .sentences("en-us", "Hello, world. How are you?")
        .unwrap();
    let joined: Vec<String> = sentences.iter().map(|s| s.concat()).collect();
    assert_eq!(joined, vec!["həlˈoʊ, wˈɜːld.", "hˈaʊ ɑːɹ juː?"]);
    let ids = phoneme_ids(&config.phoneme_id_map, &sentences[0]);
    assert_eq!(
        ids.ids,
        vec![
            1, 0, 20, 0, 59, 0, 24, 0, 120, 0, 27, 0, 100, 0, 8, 0, 3, 0, 35, 0, 120, 0, 62, 0,
            122, 0, 24, 0, 17, 0, 10, 0, 2
        ]
    );
    assert!(ids.unknown.is_empty());
}

#[test]
fn a_sentence_becomes_speech_at_the_voices_rate_and_speed_shortens_it() {
    let (model, config) = joe();
    let voice = load(&model, &config).unwrap();
    let text = "The kitchen timer is set for ten minutes.";
    let normal = voice.speak(text, &SpeakOptions::default()).unwrap();
    assert_eq!(normal.sample_rate, 22_050);
    let length = seconds(&normal);
    assert!((1.0..6.0).contains(&length), "{length} s for eight words");
    let peak = normal.samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    assert!(peak > 0.5 && peak <= 1.0, "peak {peak}");
    let fast = voice
        .speak(
            text,
            &SpeakOptions {
                speed: Some(2.0),
                ..SpeakOptions::default()
            },
        )
        .unwrap();
    let ratio = seconds(&fast) / length;
    assert!(
        (0.35..0.75).contains(&ratio),
        "twice as fast took {ratio} of the time"
    );
}

#[test]
fn two_sentences_are_spoken_with_a_pause_between() {
    let (model, config) = joe();
    let voice = load(&model, &config).unwrap();
    let one = voice
        .speak("Good morning.", &SpeakOptions::default())
        .unwrap();
    let two = voice
        .speak("Good morning. Good morning.", &SpeakOptions::default())
        .unwrap();
    assert!(
        seconds(&two) > 2.0 * seconds(&one),
        "a pause between sentences"
    );
    let nothing = voice.speak("... !", &SpeakOptions::default()).unwrap();
    assert!(nothing.samples.is_empty());
}

#[test]
fn a_speaker_that_a_single_speaker_voice_does_not_have_is_refused() {
    let (model, config) = joe();
    let voice = load(&model, &config).unwrap();
    let err = voice
        .speak(
            "Hello.",
            &SpeakOptions {
                speaker: Some("7".into()),
                ..SpeakOptions::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, PiperError::Speaker(_)), "{err:?}");
}

#[test]
fn a_damaged_model_or_configuration_is_reported_as_a_bad_voice() {
    let (model, config) = joe();
    let dir = tempfile::tempdir().unwrap();
    // The first megabyte of the model: what an interrupted copy leaves.
    let cut = dir.path().join("cut.onnx");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&cut, &bytes[..1 << 20]).unwrap();
    let err = load(&cut, &config).unwrap_err();
    assert!(matches!(err, PiperError::BadVoice { .. }), "{err:?}");

    let broken = dir.path().join("broken.onnx.json");
    std::fs::write(&broken, br#"{"audio": {"sample_rate": 22050}}"#).unwrap();
    let err = load(&model, &broken).unwrap_err();
    assert!(matches!(err, PiperError::BadVoice { .. }), "{err:?}");

    let err = load(&dir.path().join("absent.onnx"), &config).unwrap_err();
    assert!(matches!(err, PiperError::Io { .. }), "{err:?}");
}
