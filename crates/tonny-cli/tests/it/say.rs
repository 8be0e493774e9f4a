//! `tonny say`: the local voice, checked by listening to it with our own speech engine.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use tonny_testkit::{TempHome, speech};

use crate::tonny;

#[test]
fn spoken_words_come_back_through_speech_recognition() {
    let home = TempHome::new();
    let wav = home.path().join("reply.wav");
    let said = "Set a timer for ten minutes.";
    let out = tonny(&home)
        .args(["--json", "say", said, "--out"])
        .arg_path(&wav)
        .run()
        .ok()
        .json();
    assert!(out["duration_ms"].as_u64().unwrap() > 1000, "{out}");
    assert_eq!(out["voice"], "espeak-ng en-us");
    let mode = fs::metadata(&wav).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "speech is the user's data");

    let heard = tonny(&home)
        .args(["--json", "transcribe", "--no-store", "--model"])
        .arg_path(&speech::model_dir())
        .arg_path(&wav)
        .run()
        .ok()
        .json();
    let text = heard[0]["text"].as_str().unwrap();
    speech::assert_near_reference(said, text, &wav, 5, 0.2);
}

#[test]
fn speed_and_pitch_settings_change_the_voice() {
    let home = TempHome::new();
    let say = |speed: &str, pitch: &str| {
        let wav = home.path().join(format!("s{speed}p{pitch}.wav"));
        let out = tonny(&home)
            .env("TONNY_TTS_SPEED", speed)
            .env("TONNY_TTS_PITCH", pitch)
            .args(["--json", "say", "Dinner is ready in five minutes.", "--out"])
            .arg_path(&wav)
            .run()
            .ok()
            .json();
        (
            out["duration_ms"].as_u64().unwrap(),
            fs::read(&wav).unwrap(),
        )
    };
    let (slow, _) = say("0.7", "50");
    let (fast, normal_pitch) = say("1.2", "50");
    assert!(
        fast * 100 < slow * 75,
        "speed 1.2 took {fast} ms, speed 0.7 {slow} ms"
    );
    let (_, high_pitch) = say("1.2", "90");
    assert_ne!(normal_pitch, high_pitch, "pitch changed nothing");

    let bad = tonny(&home)
        .env("TONNY_TTS_PITCH", "120")
        .args(["say", "hello", "--out"])
        .arg_path(&home.path().join("x.wav"))
        .run()
        .failed();
    assert!(
        bad.stderr.contains("tts.pitch") && bad.stderr.contains("0 to 99"),
        "{}",
        bad.stderr
    );
}

#[test]
fn bad_voice_missing_folder_empty_text_and_no_espeak_are_explained_and_leave_no_file() {
    let home = TempHome::new();
    let dir = home.path();
    let wav = dir.join("out.wav");
    let unknown = tonny(&home)
        .args(["say", "hello", "--voice", "xx-nope", "--out"])
        .arg_path(&wav)
        .run()
        .failed();
    assert!(
        unknown.stderr.contains("espeak-ng has no voice 'xx-nope'")
            && unknown.stderr.contains("espeak-ng --voices"),
        "{}",
        unknown.stderr
    );

    let missing_dir = dir.join("no/such/folder/out.wav");
    let nowhere = tonny(&home)
        .args(["say", "hello", "--out"])
        .arg_path(&missing_dir)
        .run()
        .failed();
    assert!(
        nowhere.stderr.contains("cannot write") && nowhere.stderr.contains("no/such/folder"),
        "{}",
        nowhere.stderr
    );

    let empty = tonny(&home)
        .args(["say", "   ", "--out"])
        .arg_path(&wav)
        .run()
        .failed();
    assert!(
        empty.stderr.contains("there is no text to speak"),
        "{}",
        empty.stderr
    );

    let no_espeak = tonny(&home)
        .env("PATH", dir)
        .args(["say", "hello", "--out"])
        .arg_path(&wav)
        .run()
        .failed();
    assert!(
        no_espeak
            .stderr
            .contains("needs espeak-ng, which is not installed"),
        "{}",
        no_espeak.stderr
    );

    let left: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wav") || n.ends_with(".partial"))
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}
