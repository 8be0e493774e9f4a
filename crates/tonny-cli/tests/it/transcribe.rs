//! `tonny transcribe` with the real `tiny.en` model.

use std::fs;
use std::path::{Path, PathBuf};

use tonny_testkit::{TempHome, Tonny, speech};

use crate::tonny;

fn transcribe(home: &TempHome, model: &Path) -> Tonny {
    tonny(home).args(["transcribe", "--model"]).arg_path(model)
}

#[test]
fn shared_recordings_meet_the_word_error_bound_at_beam_1_and_5() {
    let home = TempHome::new();
    let model = speech::model_dir();
    let recordings = speech::shared_recordings();
    let wavs: Vec<&Path> = recordings.iter().map(|(w, _)| w.as_path()).collect();
    for beam in [1usize, 5] {
        let mut cmd = transcribe(&home, &model).args(["--json", "--beam", &beam.to_string()]);
        for (wav, _) in &recordings {
            cmd = cmd.arg_path(wav);
        }
        let out = cmd.run().ok().json();
        let theirs = speech::reference_texts(&wavs, beam);
        let (mut errors, mut theirs_errors, mut words) = (0, 0, 0);
        for (((wav, reference), result), fw) in
            recordings.iter().zip(out.as_array().unwrap()).zip(&theirs)
        {
            assert_eq!(result["file"], wav.display().to_string());
            let text = result["text"].as_str().unwrap();
            let (e, n) = speech::word_errors(reference, text);
            eprintln!(
                "beam {beam} {}: {text:?} ({e}/{n}), faster-whisper {fw:?}",
                wav.display()
            );
            errors += e;
            words += n;
            theirs_errors += speech::word_errors(reference, fw).0;
            assert!(result["confidence"].as_f64().unwrap() > 0.0);
            assert!(result["id"].as_i64().is_some(), "stored in the history");
        }
        let (wer, theirs_wer) = (
            errors as f64 / words as f64,
            theirs_errors as f64 / words as f64,
        );
        eprintln!("beam {beam}: WER {wer:.3} ({errors}/{words}), faster-whisper {theirs_wer:.3}");
        assert!(
            wer <= theirs_wer + 0.05,
            "beam {beam}: WER {wer:.3} is more than 0.05 above faster-whisper's {theirs_wer:.3}"
        );
    }
    let hits = tonny(&home)
        .args(["history", "search", "weather", "tomorrow", "--json"])
        .run()
        .ok()
        .json();
    assert_eq!(hits.as_array().unwrap().len(), 2, "one row per beam run");
    assert!(
        hits[0]["transcription"]["source"]
            .as_str()
            .unwrap()
            .ends_with("weather.wav")
    );
}

/// Word errors of `tonny transcribe` and of faster-whisper over `set` at `beam`, and its words.
fn set_errors(home: &TempHome, set: &[(PathBuf, String)], beam: usize) -> (usize, usize, usize) {
    let wavs: Vec<&Path> = set.iter().map(|(w, _)| w.as_path()).collect();
    let out = transcribe(home, &speech::model_dir())
        .args(["--json", "--no-store", "--beam", &beam.to_string()])
        .args(&wavs)
        .run()
        .ok()
        .json();
    let theirs = speech::reference_texts(&wavs, beam);
    let (mut ours_e, mut theirs_e, mut words) = (0, 0, 0);
    for (((wav, said), result), fw) in set.iter().zip(out.as_array().unwrap()).zip(&theirs) {
        assert_eq!(result["file"], wav.display().to_string());
        let (e, n) = speech::word_errors(said, result["text"].as_str().unwrap());
        ours_e += e;
        words += n;
        let fw_e = speech::word_errors(said, fw).0;
        if fw_e != e {
            eprintln!(
                "  beam {beam} {}: ours {e} {:?}, faster-whisper {fw_e} {fw:?}",
                wav.display(),
                result["text"]
            );
        }
        theirs_e += fw_e;
    }
    (ours_e, theirs_e, words)
}

#[test]
fn made_up_short_and_long_sets_are_as_accurate_as_faster_whisper_at_beam_1_and_5() {
    let home = TempHome::new();
    // The Piper voice is installed only if the recordings have to be made (once per machine).
    let voice = std::sync::Once::new();
    let sets = tonny_testkit::accuracy::sets(|text, out| {
        voice.call_once(|| {
            tonny(&home)
                .args(["voices", "import"])
                .arg_path(&speech::piper_voice().0)
                .run()
                .ok();
        });
        tonny(&home)
            .args(["say", text, "--out"])
            .arg_path(out)
            .run()
            .ok();
    });
    assert!(sets.short.len() >= 30 && sets.long.len() >= 3);
    for (wav, _) in &sets.long {
        let seconds = speech::read_wav(wav).len() / 16_000;
        assert!(seconds >= 40, "{} lasts {seconds} s", wav.display());
    }
    for beam in [1usize, 5] {
        for (name, set) in [("short", &sets.short), ("long", &sets.long)] {
            let (ours, theirs, words) = set_errors(&home, set, beam);
            eprintln!("beam {beam} {name}: {ours}/{words} word errors, faster-whisper {theirs}");
            assert!(
                ours <= theirs,
                "beam {beam}, {name} set: {ours} word errors against faster-whisper's {theirs} \
                 (of {words} words)"
            );
        }
    }
}

fn shared(name: &str) -> PathBuf {
    speech::shared_audio_dir().join(name)
}

#[test]
fn bad_inputs_get_clear_errors_and_good_ones_in_the_same_run_still_work() {
    let home = TempHome::new();
    let model = speech::model_dir();
    let dir = home.path();
    let empty = dir.join("empty.wav");
    fs::write(&empty, b"").unwrap();
    let text = dir.join("notes.wav");
    fs::write(
        &text,
        "These are meeting notes, not a recording.\n".repeat(50),
    )
    .unwrap();
    let header_only = dir.join("header.wav");
    fs::write(&header_only, &fs::read(shared("lights.wav")).unwrap()[..20]).unwrap();
    let zero = dir.join("zero.wav");
    speech::write_wav(&zero, &[], 16_000, 1);
    let huge = dir.join("huge.wav");
    fs::File::create(&huge).unwrap().set_len(2 << 30).unwrap(); // sparse: no disk used

    let cases: [(&Path, &str); 5] = [
        (&empty, "is empty (0 bytes)"),
        (&text, "is not audio TonnyTray can read"),
        (
            &header_only,
            "is damaged and could not be decoded (the file ends before its header does; it is truncated)",
        ),
        (&zero, "contains no audio samples"),
        (&huge, "larger than the 1024 MiB limit"),
    ];
    for (file, expected) in cases {
        let out = transcribe(&home, &model)
            .arg_path(file)
            .arg_path(&shared("timer.wav"))
            .run()
            .failed();
        assert!(
            out.stderr.contains(expected),
            "{}: {}",
            file.display(),
            out.stderr
        );
        // The good file after the bad one is still transcribed.
        assert!(
            out.stdout.to_lowercase().contains("timer"),
            "{}",
            out.stdout
        );
    }
    let missing_model = dir.join("broken-model");
    fs::create_dir(&missing_model).unwrap();
    for f in ["config.json", "vocabulary.txt", "tokenizer.json"] {
        fs::copy(model.join(f), missing_model.join(f)).unwrap();
    }
    let out = transcribe(&home, &missing_model)
        .arg_path(&shared("timer.wav"))
        .run()
        .failed();
    assert!(
        out.stderr.contains("model.bin is missing"),
        "{}",
        out.stderr
    );
}

#[test]
fn truncated_silent_stereo_8khz_and_piped_audio_are_handled() {
    let home = TempHome::new();
    let model = speech::model_dir();
    let dir = home.path();
    // Truncated: the header promises more data than the file has.
    let full = fs::read(shared("weather.wav")).unwrap();
    let truncated = dir.join("truncated.wav");
    fs::write(&truncated, &full[..full.len() * 2 / 3]).unwrap();
    let out = transcribe(&home, &model).arg_path(&truncated).run().ok();
    assert!(out.stderr.contains("ended early"), "{}", out.stderr);
    // What is left is heard, as the reference engine hears it (the last word is cut off, so
    // the wording is borderline: how close depends on the CPU's int8 kernels).
    let theirs = speech::reference_text(&truncated, 5);
    let heard = out.stdout.trim();
    assert!(
        !heard.is_empty(),
        "nothing was heard in the part that is there"
    );
    assert!(
        speech::wer(&theirs, heard) <= 0.5,
        "we heard {heard:?}, faster-whisper {theirs:?}"
    );

    let silence = dir.join("silence.wav");
    speech::write_wav(&silence, &vec![0.0; 16_000 * 4], 16_000, 1);
    let out = transcribe(&home, &model)
        .args(["--json"])
        .arg_path(&silence)
        .run()
        .ok()
        .json();
    assert_eq!(out[0]["text"], "", "silence must not produce words");

    // 8 kHz stereo (telephone quality), made from the 16 kHz mono original.
    let mono = tonny_audio::decode_file(&shared("weather.wav"))
        .unwrap()
        .samples;
    let stereo_8k: Vec<f32> = tonny_audio::resample::resample(&mono, 16_000, 8_000)
        .into_iter()
        .flat_map(|s| [s, s])
        .collect();
    let low = dir.join("weather-8k-stereo.wav");
    speech::write_wav(&low, &stereo_8k, 8_000, 2);
    let out = transcribe(&home, &model)
        .args(["--json", "--no-store"])
        .arg_path(&low)
        .run()
        .ok()
        .json();
    let text = out[0]["text"].as_str().unwrap();
    speech::assert_near_reference(
        "What is the weather going to be like tomorrow?",
        text,
        &low,
        5,
        0.2,
    );
    assert!(
        out[0].get("id").is_none(),
        "--no-store keeps it out of the history"
    );

    let out = transcribe(&home, &model)
        .arg("-")
        .stdin(fs::read(shared("lights.wav")).unwrap())
        .run()
        .ok();
    assert!(
        out.stdout.to_lowercase().contains("living room"),
        "{}",
        out.stdout
    );
}

#[test]
fn flac_ogg_mp3_and_opus_are_decoded() {
    let home = TempHome::new();
    let model = speech::model_dir();
    let mut cmd = transcribe(&home, &model).args(["--json", "--no-store"]);
    let mut files = Vec::new();
    for ext in ["flac", "ogg", "mp3"] {
        let out = home.path().join(format!("timer.{ext}"));
        let status = std::process::Command::new("sox")
            .arg(shared("timer.wav"))
            .arg(&out)
            .status()
            .expect("sox (apt-get install sox libsox-fmt-all; scripts/test.sh does this)");
        assert!(status.success());
        cmd = cmd.arg_path(&out);
        files.push(out);
    }
    // Opus (what browsers record): symphonia demuxes it, libopus decodes it.
    let opus = home.path().join("timer.opus");
    let status = std::process::Command::new("opusenc")
        .args(["--quiet", "--bitrate", "24"])
        .arg(shared("timer.wav"))
        .arg(&opus)
        .status()
        .expect("opusenc (apt-get install opus-tools; scripts/test.sh does this)");
    assert!(status.success());
    cmd = cmd.arg_path(&opus);
    files.push(opus);
    let results = cmd.run().ok().json();
    assert_eq!(results.as_array().unwrap().len(), 4, "{results}");
    for (result, file) in results.as_array().unwrap().iter().zip(&files) {
        let text = result["text"].as_str().unwrap();
        speech::assert_near_reference("Set a timer for ten minutes.", text, file, 5, 0.2);
    }
}

#[test]
fn a_truncated_model_file_is_named_with_the_way_out() {
    let home = TempHome::new();
    let broken = home.path().join("half-downloaded");
    fs::create_dir(&broken).unwrap();
    for f in ["config.json", "vocabulary.txt", "tokenizer.json"] {
        fs::copy(speech::model_dir().join(f), broken.join(f)).unwrap();
    }
    let bin = fs::read(speech::model_dir().join("model.bin")).unwrap();
    fs::write(broken.join("model.bin"), &bin[..bin.len() / 3]).unwrap();
    let out = transcribe(&home, &broken)
        .arg_path(&shared("timer.wav"))
        .run()
        .failed();
    assert!(out.stderr.contains("model.bin"), "{}", out.stderr);
    assert!(
        out.stderr.contains("truncated or damaged"),
        "{}",
        out.stderr
    );
}
