//! The speech worker the tray hears through: the real `tonny stt-worker` with `tiny.en`,
//! against the engine in this process, and what happens when the worker cannot start, dies or
//! keeps dying; and a model that a daemon frees while idle and loads again when a recording
//! starts.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tonny_core::settings::{ComputeType, SttSettings};
use tonny_core::stt::{Stt, SttError, TranscribeOptions};
use tonny_providers::stt::worker::{MAX_SAMPLES, WorkerCommand, WorkerStt};
use tonny_server::parts::{worker_command, worker_loader};
use tonny_testkit::{TempHome, speech};
use tonny_whisper::{EngineOptions, WhisperEngine};

fn program() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tonny"))
}

fn settings() -> SttSettings {
    SttSettings {
        threads: 2,
        compute_type: ComputeType::Int8,
        ..SttSettings::default()
    }
}

fn samples(name: &str) -> Vec<f32> {
    tonny_audio::decode_file(&speech::shared_audio_dir().join(name))
        .unwrap()
        .samples
}

fn greedy() -> TranscribeOptions {
    TranscribeOptions {
        language: Some("en".into()),
        beam_size: 1,
        ..TranscribeOptions::default()
    }
}

#[test]
fn the_worker_hears_exactly_what_the_engine_in_process_hears() {
    let stt = settings();
    let here = WhisperEngine::load(&speech::model_dir(), EngineOptions::from_settings(&stt))
        .expect("loading tiny.en");
    let worker = worker_loader(program())(&speech::model_dir(), &stt).expect("starting");
    assert!(
        worker.name().ends_with("in a worker process") && worker.name().contains("int8"),
        "{}",
        worker.name()
    );
    for (file, opts) in [
        ("lights.wav", greedy()),
        ("timer.wav", TranscribeOptions::default()),
    ] {
        let audio = samples(file);
        let a = here.transcribe(&audio, &opts).unwrap();
        let b = worker.transcribe(&audio, &opts).unwrap();
        assert!(!a.text.is_empty(), "{file}");
        assert_eq!(a.text, b.text, "{file}");
        assert_eq!(
            a.segments, b.segments,
            "{file}: same times and probabilities"
        );
        assert_eq!((a.language, a.audio_ms), (b.language, b.audio_ms));
    }
    // Nothing said is nothing heard, as in-process.
    let silence = worker.transcribe(&vec![0.0; 16_000], &greedy()).unwrap();
    assert_eq!(silence.text, "");
    // An empty recording is answered too (not a hang on a zero-length read).
    let empty = worker.transcribe(&[], &greedy()).unwrap();
    assert_eq!(empty.text, "");
}

fn is_running(pid: u32) -> bool {
    // A killed child stays a zombie until it is reaped: only a live one counts.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| !stat.contains(") Z "))
}

#[test]
fn a_killed_worker_is_replaced_without_losing_the_request() {
    let worker = WorkerStt::start(worker_command(
        &program(),
        &speech::model_dir(),
        &settings(),
    ))
    .unwrap();
    let first = worker.worker_pid().unwrap();
    let audio = samples("lights.wav");
    let heard = worker.transcribe(&audio, &greedy()).unwrap().text;

    // Killed while idle (the out-of-memory killer, a person with `kill -9`).
    let killed = std::process::Command::new("kill")
        .args(["-9", &first.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let again = worker
        .transcribe(&audio, &greedy())
        .expect("retried on a new worker");
    assert_eq!(again.text, heard);
    let second = worker.worker_pid().unwrap();
    assert_ne!(first, second, "a new worker");
    assert!(!is_running(first));

    // The worker ends with its owner.
    drop(worker);
    assert!(!is_running(second), "the worker outlived the tray");
}

fn failing(program: &str, args: &[&str]) -> SttError {
    let command = WorkerCommand {
        program: program.into(),
        args: args.iter().map(Into::into).collect(),
    };
    match WorkerStt::start(command) {
        Ok(w) => w.transcribe(&samples("lights.wav"), &greedy()).unwrap_err(),
        Err(e) => e,
    }
}

#[test]
fn a_worker_that_cannot_start_or_keeps_dying_is_reported_clearly() {
    // A missing model: the engine's own message, naming the directory and what to do.
    let missing = Path::new("/nonexistent/tiny.en");
    let err = worker_loader(program())(missing, &settings())
        .err()
        .expect("no model there");
    assert!(matches!(err, SttError::Model(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("/nonexistent/tiny.en") && text.contains("tonny models install"),
        "{text}"
    );

    // No such program: where the engine is expected to be.
    let err = failing("/nonexistent/tonny", &[]);
    assert!(matches!(err, SttError::Unavailable(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("/nonexistent/tonny could not be started")
            && err.to_string().contains("next to this one or on PATH"),
        "{err}"
    );

    // A program that ends without saying it is ready (an old `tonny` without the worker).
    let err = failing("/bin/sh", &["-c", "echo 'unknown command' >&2; exit 2"]);
    assert!(
        err.to_string()
            .contains("ended before it was ready (exit status: 2)"),
        "{err}"
    );

    // A worker that says it is ready, then dies on every request: retried once, then reported.
    let crashing = r#"echo '{"ready":{"name":"crashing"}}'; read -r header; kill -9 $$"#;
    let err = failing("/bin/sh", &["-c", crashing]);
    assert!(matches!(err, SttError::Engine(_)), "{err:?}");
    assert!(
        err.to_string().contains("stopped twice in a row") && err.to_string().contains("signal: 9"),
        "{err}"
    );
}

#[test]
fn a_recording_over_an_hour_is_refused_before_it_is_sent() {
    let worker = WorkerStt::start(worker_command(
        &program(),
        &speech::model_dir(),
        &settings(),
    ))
    .unwrap();
    let pid = worker.worker_pid();
    // Zeroed memory the kernel has not handed out yet: the refusal must come before a copy.
    let long = vec![0.0f32; MAX_SAMPLES + 1];
    let err = worker.transcribe(&long, &greedy()).unwrap_err();
    assert!(matches!(err, SttError::Audio(_)), "{err:?}");
    assert!(err.to_string().contains("longer than an hour"), "{err}");
    assert_eq!(worker.worker_pid(), pid, "the worker was not disturbed");
    let heard = worker
        .transcribe(&samples("lights.wav"), &greedy())
        .unwrap();
    assert!(!heard.text.is_empty());
}

/// Worker processes whose command line names `dir`.
fn workers_for(dir: &Path) -> Vec<u32> {
    let needle = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| is_running(*pid))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
                let c = String::from_utf8_lossy(&c);
                c.contains("stt-worker") && c.contains(&needle)
            })
        })
        .collect()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done() {
        assert!(std::time::Instant::now() < end, "{what} did not happen");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn an_idle_model_is_freed_and_loads_again_when_a_recording_starts() {
    use std::time::Duration;
    use tonny_providers::stt::on_demand::OnDemandStt;

    // A path of its own for the model, so this test's workers can be told from the others'.
    let home = TempHome::new();
    let dir = home.path().join("tiny.en");
    std::os::unix::fs::symlink(speech::model_dir(), &dir).unwrap();
    let (load_dir, stt) = (dir.clone(), settings());
    let loader = worker_loader(program());
    let engine = OnDemandStt::new(
        Arc::new(move || loader(&load_dir, &stt)),
        Duration::from_millis(300),
    );
    assert!(!engine.is_loaded());
    assert!(
        workers_for(&dir).is_empty(),
        "nothing runs before it is needed"
    );
    assert!(engine.name().contains("loads when first needed"));

    let heard = engine
        .transcribe(&samples("lights.wav"), &greedy())
        .unwrap();
    assert!(!heard.text.is_empty());
    assert_eq!(workers_for(&dir).len(), 1);
    assert!(engine.name().contains("tiny.en"), "{}", engine.name());

    // Idle: the model's process ends, and with it the model's memory.
    wait_until("the idle model being freed", || {
        workers_for(&dir).is_empty()
    });
    assert!(!engine.is_loaded());

    // A recording starts: the load begins at once, before any audio is handed over.
    engine.prepare();
    wait_until("the load a recording starts", || engine.is_loaded());
    assert_eq!(workers_for(&dir).len(), 1);
    let again = engine
        .transcribe(&samples("lights.wav"), &greedy())
        .unwrap();
    assert_eq!(again.text, heard.text);

    // Kept while in use: a second transcription right after finds the same worker.
    let pid = workers_for(&dir);
    engine
        .transcribe(&samples("lights.wav"), &greedy())
        .unwrap();
    assert_eq!(workers_for(&dir), pid);
    drop(engine);
    wait_until("the worker ending with its owner", || {
        workers_for(&dir).is_empty()
    });
}

#[test]
fn a_recording_that_starts_while_the_model_loads_still_gets_live_text() {
    use tonny_providers::stt::on_demand::OnDemandStt;

    let (dir, stt) = (speech::model_dir(), settings());
    let loader = worker_loader(program());
    let engine = OnDemandStt::new(
        Arc::new(move || loader(&dir, &stt)),
        std::time::Duration::ZERO,
    );
    // As a recording does: the load starts, and the live session is asked for at once.
    engine.prepare();
    let audio = speech::two_sentences_with_a_pause();
    let (partials, text) = stream(&engine, &audio, || {});
    assert!(engine.is_loaded());
    assert!(
        partials.iter().any(|p| !p.stable.is_empty()),
        "{partials:?}"
    );
    assert_eq!(engine.transcribe(&audio, &greedy()).unwrap().text, text);
}

/// Streams `audio` into a live session of `worker` at a microphone's pace (100 ms chunks), with
/// `midway` called halfway; returns the partial texts seen and the final transcript.
fn stream(
    worker: &dyn Stt,
    audio: &[f32],
    midway: impl FnOnce(),
) -> (Vec<tonny_core::stt::PartialTranscript>, String) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let mut session = worker
        .start_session(
            &greedy(),
            Box::new(move |p: &tonny_core::stt::PartialTranscript| {
                sink.lock().unwrap().push(p.clone())
            }),
        )
        .expect("the engine takes a live session");
    let chunks: Vec<&[f32]> = audio.chunks(1_600).collect();
    let mut midway = Some(midway);
    for (i, chunk) in chunks.iter().enumerate() {
        session.push(chunk);
        if i == chunks.len() / 2 {
            midway.take().unwrap()();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let text = session.finish(audio).expect("the final transcript").text;
    let seen = seen.lock().unwrap().clone();
    (seen, text)
}

#[test]
fn live_text_comes_through_the_worker_and_the_final_text_is_the_whole_recordings() {
    let worker = WorkerStt::start(worker_command(
        &program(),
        &speech::model_dir(),
        &settings(),
    ))
    .unwrap();
    let audio = speech::two_sentences_with_a_pause();
    let (partials, text) = stream(&worker, &audio, || {});
    assert!(partials.len() >= 3, "{partials:?}");
    assert!(
        partials.iter().any(|p| !p.stable.is_empty()),
        "{partials:?}"
    );
    for pair in partials.windows(2) {
        assert!(
            pair[1].stable.starts_with(&pair[0].stable),
            "stable words taken back: {pair:?}"
        );
    }
    // The same worker answers a plain request afterwards, with the session's final text.
    assert_eq!(worker.transcribe(&audio, &greedy()).unwrap().text, text);
}

#[test]
fn a_worker_killed_during_a_live_recording_loses_the_live_text_not_the_recording() {
    let worker = WorkerStt::start(worker_command(
        &program(),
        &speech::model_dir(),
        &settings(),
    ))
    .unwrap();
    let audio = speech::two_sentences_with_a_pause();
    let expected = worker.transcribe(&audio, &greedy()).unwrap().text;
    let first = worker.worker_pid().unwrap();
    let (_, text) = stream(&worker, &audio, || {
        let killed = std::process::Command::new("kill")
            .args(["-9", &first.to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
    });
    assert_eq!(text, expected, "transcribed by a new worker");
    let second = worker.worker_pid().unwrap();
    assert_ne!(first, second);
    assert!(!is_running(first));
}
