//! `tonny voices` and the Piper voice: imported from PyPI's wheel, installed from a (fake)
//! voices hub, spoken by `tonny say` and heard back by the speech engine, speaking a streamed
//! chat answer while it is written, and what a damaged voice or a missing ONNX Runtime does
//! (espeak-ng speaks, and says why once).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use tonny_testkit::fakes::FakeChat;
use tonny_testkit::{DaemonApi, FakeHub, Fault, PulseServer, TempHome, Tonny, speech};

use crate::tonny;

const JOE: &str = "en_US-joe-medium";

fn import_joe(home: &TempHome) -> serde_json::Value {
    let (wheel, _) = speech::piper_voice();
    tonny(home)
        .args(["--json", "voices", "import"])
        .arg_path(&wheel)
        .run()
        .ok()
        .json()
}

/// `tonny say --out` into `dir/<n>.wav` for each text; returns the files and the voice used.
fn say_all(home: &TempHome, texts: &[&str], extra: &[&str], dir: &Path) -> (Vec<PathBuf>, String) {
    let mut files = Vec::new();
    let mut voice = String::new();
    for (i, text) in texts.iter().enumerate() {
        let wav = dir.join(format!("{i}.wav"));
        let out = tonny(home)
            .args(["--json", "say"])
            .args(extra)
            .arg(text)
            .arg("--out")
            .arg_path(&wav)
            .run()
            .ok()
            .json();
        voice = out["voice"].as_str().unwrap().to_owned();
        files.push(wav);
    }
    (files, voice)
}

fn transcribe(home: &TempHome, files: &[PathBuf]) -> Vec<String> {
    let mut cmd = tonny(home)
        .args(["--json", "transcribe", "--no-store", "--model"])
        .arg_path(&speech::model_dir());
    for f in files {
        cmd = cmd.arg_path(f);
    }
    let out = cmd.run().ok().json();
    out.as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap().to_owned())
        .collect()
}

fn corpus_wer(references: &[&str], heard: &[String]) -> f64 {
    let (mut errors, mut words) = (0, 0);
    for (r, h) in references.iter().zip(heard) {
        let (e, n) = speech::word_errors(r, h);
        errors += e;
        words += n;
    }
    errors as f64 / words as f64
}

#[test]
fn the_piper_voice_round_trips_through_speech_recognition_better_than_espeak() {
    let home = TempHome::new();
    let imported = import_joe(&home);
    assert_eq!(imported["name"], JOE);
    assert_eq!(imported["language"], "en_US");
    let sentences: Vec<&str> = speech::household_sentences().into_iter().take(10).collect();
    let piper_dir = home.path().join("piper");
    let espeak_dir = home.path().join("espeak");
    fs::create_dir_all(&piper_dir).unwrap();
    fs::create_dir_all(&espeak_dir).unwrap();
    let (piper_files, piper_voice) = say_all(&home, &sentences, &[], &piper_dir);
    assert_eq!(
        piper_voice,
        format!("Piper {JOE}"),
        "the installed voice speaks by default"
    );
    let (espeak_files, espeak_voice) = say_all(&home, &sentences, &["--espeak"], &espeak_dir);
    assert_eq!(espeak_voice, "espeak-ng en-us");
    let piper_wer = corpus_wer(&sentences, &transcribe(&home, &piper_files));
    let espeak_wer = corpus_wer(&sentences, &transcribe(&home, &espeak_files));
    eprintln!(
        "round-trip WER on {} household sentences (tiny.en): Piper {JOE} {:.1}%, espeak-ng {:.1}%",
        sentences.len(),
        piper_wer * 100.0,
        espeak_wer * 100.0
    );
    assert!(piper_wer <= 0.05, "Piper round-trip WER {piper_wer}");
}

#[test]
fn voices_are_listed_verified_and_removed() {
    let home = TempHome::new();
    let none = tonny(&home)
        .args(["--json", "voices", "list"])
        .run()
        .ok()
        .json();
    assert_eq!(none, serde_json::json!([]));
    import_joe(&home);
    let list = tonny(&home)
        .args(["--json", "voices", "list"])
        .run()
        .ok()
        .json();
    assert_eq!(list[0]["name"], JOE);
    assert_eq!(list[0]["espeak_voice"], "en-us");
    // `tonny say --voices` offers it, in use: tts.voice (en-us) picks it by language; with
    // espeak-ng chosen, it is offered but not in use.
    let offered = |engine: &str| {
        tonny(&home)
            .env("TONNY_TTS_ENGINE", engine)
            .args(["--json", "say", "--voices"])
            .run()
            .ok()
            .json()
    };
    let piper = offered("piper");
    assert_eq!(piper["local"][0]["name"], JOE, "{piper}");
    assert_eq!(piper["local"][0]["in_use"], true, "{piper}");
    assert_eq!(piper["speaking"], format!("Piper {JOE}"), "{piper}");
    assert!(
        piper["elevenlabs"].is_null(),
        "no key, no cloud voices: {piper}"
    );
    let espeak = offered("espeak");
    assert_eq!(espeak["local"][0]["in_use"], false, "{espeak}");
    tonny(&home).args(["voices", "verify", JOE]).run().ok();
    let again = import_joe_fails(&home);
    assert!(again.contains("already installed"), "{again}");

    // A changed byte is found by verify.
    let model = PathBuf::from(list[0]["model"].as_str().unwrap());
    let mut bytes = fs::read(&model).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    fs::write(&model, &bytes).unwrap();
    tonny(&home).args(["voices", "verify", JOE]).run().failed();

    tonny(&home)
        .args(["voices", "remove", JOE, "--yes"])
        .run()
        .ok();
    let gone = tonny(&home).args(["voices", "verify", JOE]).run().failed();
    assert!(
        gone.stderr.contains("tonny voices install"),
        "{}",
        gone.stderr
    );
}

fn import_joe_fails(home: &TempHome) -> String {
    let (wheel, _) = speech::piper_voice();
    tonny(home)
        .args(["voices", "import"])
        .arg_path(&wheel)
        .run()
        .failed()
        .stderr
}

#[test]
fn a_voice_imports_from_its_files_and_from_a_tarball() {
    let home = TempHome::new();
    let (_, data) = speech::piper_voice();
    let onnx = data.join(format!("{JOE}.onnx"));
    let out = tonny(&home)
        .args(["--json", "voices", "import", "--name", "joe-from-file"])
        .arg_path(&onnx)
        .run()
        .ok()
        .json();
    assert_eq!(out["name"], "joe-from-file");

    let tarball = home.path().join("voice.tar.gz");
    let status = std::process::Command::new("tar")
        .arg("-czf")
        .arg(&tarball)
        .arg("-C")
        .arg(&data)
        .args([format!("{JOE}.onnx"), format!("{JOE}.onnx.json")])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tonny(&home)
        .args(["--json", "voices", "import"])
        .arg_path(&tarball)
        .run()
        .ok()
        .json();
    assert_eq!(out["name"], JOE);

    let empty = home.path().join("empty.tar");
    fs::write(&empty, b"not a tar at all").unwrap();
    let bad = tonny(&home)
        .args(["voices", "import"])
        .arg_path(&empty)
        .run()
        .failed();
    assert!(bad.stderr.contains("empty.tar"), "{}", bad.stderr);
    assert_eq!(
        tonny(&home)
            .args(["--json", "voices", "list"])
            .run()
            .ok()
            .json()
            .as_array()
            .unwrap()
            .len(),
        2,
        "a failed import installs nothing"
    );
}

/// The voices hub's layout: `voices.json` and the files under their language folders.
fn hub_with_joe() -> FakeHub {
    let (_, data) = speech::piper_voice();
    let onnx = fs::read(data.join(format!("{JOE}.onnx"))).unwrap();
    let config = fs::read(data.join(format!("{JOE}.onnx.json"))).unwrap();
    let folder = "en/en_US/joe/medium";
    let md5 = |b: &[u8]| {
        use md5::Digest as _;
        hex::encode(md5::Md5::digest(b))
    };
    let index = serde_json::json!({
        JOE: {
            "key": JOE, "name": "joe", "quality": "medium", "num_speakers": 1,
            "language": {"code": "en_US", "family": "en", "region": "US",
                         "name_native": "English", "name_english": "English",
                         "country_english": "United States"},
            "speaker_id_map": {}, "aliases": [],
            "files": {
                format!("{folder}/{JOE}.onnx"): {"size_bytes": onnx.len(), "md5_digest": md5(&onnx)},
                format!("{folder}/{JOE}.onnx.json"): {"size_bytes": config.len(), "md5_digest": md5(&config)},
                format!("{folder}/MODEL_CARD"): {"size_bytes": 4, "md5_digest": md5(b"card")}
            }
        }
    });
    let hub = FakeHub::start();
    hub.add_repo(
        "rhasspy/piper-voices",
        vec![
            ("voices.json".into(), serde_json::to_vec(&index).unwrap()),
            (format!("{folder}/{JOE}.onnx"), onnx),
            (format!("{folder}/{JOE}.onnx.json"), config),
            (format!("{folder}/MODEL_CARD"), b"card".to_vec()),
        ],
    );
    hub
}

fn with_hub(home: &TempHome, hub: &FakeHub) -> Tonny {
    tonny(home).env("HF_ENDPOINT", hub.url())
}

#[test]
fn a_voice_installs_from_the_voices_hub_resuming_and_checking_every_file() {
    let home = TempHome::new();
    let hub = hub_with_joe();
    let available = with_hub(&home, &hub)
        .args([
            "--json",
            "voices",
            "list",
            "--available",
            "--language",
            "en",
        ])
        .run()
        .ok()
        .json();
    assert_eq!(available[0]["key"], JOE);

    let onnx = format!("en/en_US/joe/medium/{JOE}.onnx");
    hub.fault("rhasspy/piper-voices", &onnx, Fault::Corrupt);
    let corrupt = with_hub(&home, &hub)
        .args(["voices", "install", JOE])
        .run()
        .failed();
    assert!(corrupt.stderr.contains("checksum"), "{}", corrupt.stderr);
    hub.clear_fault("rhasspy/piper-voices", &onnx);
    hub.fault("rhasspy/piper-voices", &onnx, Fault::CutAfter(20 << 20));
    with_hub(&home, &hub)
        .args(["voices", "install", JOE])
        .run()
        .failed();
    hub.clear_fault("rhasspy/piper-voices", &onnx);
    let out = with_hub(&home, &hub)
        .args(["--json", "voices", "install", JOE])
        .run()
        .ok()
        .json();
    assert_eq!(out["name"], JOE);
    let ranged = hub
        .requests()
        .iter()
        .any(|r| r.contains("bytes=") && r.contains(".onnx"));
    assert!(ranged, "the cut download resumed: {:?}", hub.requests());
    tonny(&home).args(["voices", "verify", JOE]).run().ok();

    let unknown = with_hub(&home, &hub)
        .args(["voices", "install", "xx_XX-nobody-low"])
        .run()
        .failed();
    assert!(unknown.stderr.contains("--available"), "{}", unknown.stderr);
}

#[test]
fn a_damaged_voice_or_no_onnx_runtime_falls_back_to_espeak_and_says_so() {
    let home = TempHome::new();
    let imported = import_joe(&home);
    let wav = home.path().join("a.wav");
    let say = |extra_env: Option<(&str, &str)>| {
        let mut cmd = tonny(&home);
        if let Some((k, v)) = extra_env {
            cmd = cmd.env(k, v);
        }
        cmd.args(["--json", "say", "Set a timer for ten minutes.", "--out"])
            .arg_path(&wav)
            .run()
            .ok()
    };
    let missing_runtime = say(Some((
        "TONNY_ONNXRUNTIME",
        "/nonexistent/libonnxruntime.so.1",
    )));
    let spoke = missing_runtime.json()["voice"].as_str().unwrap().to_owned();
    assert!(spoke.starts_with("espeak-ng en-us"), "{spoke}");
    assert!(
        missing_runtime.stderr.contains("espeak-ng"),
        "{}",
        missing_runtime.stderr
    );
    assert!(
        missing_runtime.stderr.contains("ONNX Runtime"),
        "{}",
        missing_runtime.stderr
    );
    let heard = transcribe(&home, std::slice::from_ref(&wav));
    assert!(
        heard[0].to_lowercase().contains("timer"),
        "espeak-ng spoke: {heard:?}"
    );

    let model = PathBuf::from(imported["model"].as_str().unwrap());
    fs::write(&model, b"this is not a model").unwrap();
    let damaged = say(None);
    assert!(
        damaged.stderr.contains("reinstall the voice"),
        "{}",
        damaged.stderr
    );
    let heard = transcribe(&home, std::slice::from_ref(&wav));
    assert!(
        heard[0].to_lowercase().contains("timer"),
        "espeak-ng spoke: {heard:?}"
    );

    let doctor = tonny(&home).args(["--json", "doctor"]).run();
    assert!(
        doctor.stdout.contains(JOE),
        "doctor names the voice: {}",
        doctor.stdout
    );
}

#[test]
fn a_streamed_chat_answer_is_heard_in_the_piper_voice_before_it_has_all_arrived() {
    let home = TempHome::new();
    import_joe(&home);
    let pulse = PulseServer::start();
    let chat = FakeChat::start();
    // 14 tokens: the first sentence is written ~0.5 s in, the whole answer ~1 s in.
    chat.set_pace(Duration::from_millis(300), 20.0);
    let _daemon = tonny(&home)
        .pulse(&pulse)
        .env("TONNY_AGENT_FALLBACK_ORDER", "chat,local")
        .env("TONNY_CHAT_BASE_URL", chat.url())
        .env("TONNY_CHAT_STREAM", "true")
        .env("TONNY_RESPONSE_MODE", "voice_only")
        .args(["serve", "--port", "0", "--no-hotkeys"])
        .spawn();
    let api = DaemonApi::wait(home.path(), Duration::from_secs(60));
    let speaker = pulse.watch_levels("vsink.monitor");
    // The first request also loads the voice (while the agent thinks); the second is how a
    // household's daemon answers from then on. Both are reported, the second is held to it.
    let mut queued_before_the_end = Vec::new();
    for round in 0..2 {
        let asked = Instant::now();
        let answer = api.post("/api/v1/ask", json!({"text": "tell me about the sun"}));
        assert_eq!(answer["agent"], "chat", "{answer}");
        let (received, finished) = (chat.requests_received(), chat.answers_finished());
        assert_eq!((received.len(), finished.len()), (round + 1, round + 1));
        // `first_audio_ms` counts from the daemon taking the request, which was before the chat
        // server had it: the first sample was queued no later than this.
        let first_audio = Duration::from_millis(answer["first_audio_ms"].as_u64().expect("spoken"));
        let queued_by = received[round] + first_audio;
        let deadline = Instant::now() + Duration::from_secs(20);
        let heard = loop {
            if let Some(at) = speaker.first_above(asked, -45.0, Duration::from_millis(20)) {
                break at;
            }
            assert!(Instant::now() < deadline, "the reply was never heard");
            std::thread::sleep(Duration::from_millis(20));
        };
        let after = |t: Instant| t.saturating_duration_since(asked).as_millis();
        eprintln!(
            "round {round}: first sample queued by {} ms, first sound heard {} ms, whole answer \
             sent {} ms after the request",
            after(queued_by),
            after(heard),
            after(finished[round]),
        );
        queued_before_the_end.push(queued_by < finished[round]);
        // The reply plays to its end before the next request.
        while speaker
            .silent_from(heard, -60.0, Duration::from_millis(500))
            .is_none()
        {
            assert!(Instant::now() < deadline, "the reply never ended");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    assert!(
        queued_before_the_end[1],
        "the reply's first sample was queued after the whole answer had arrived"
    );
    // Spoken by the Piper voice: a voice that could not speak says so in a notification.
    let notices = api.get("/api/v1/notifications");
    assert_eq!(notices.as_array().map(Vec::len), Some(0), "{notices}");
}
