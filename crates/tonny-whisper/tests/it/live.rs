//! Live text while a recording is made ([`LiveEngine`]'s session), fed in real time as the
//! microphone feeds it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tonny_core::stt::{PartialTranscript, Stt, TranscribeOptions};
use tonny_testkit::speech;
use tonny_whisper::{ComputeChoice, EngineOptions, LiveEngine, WhisperEngine};

use crate::engine;

#[test]
fn partial_text_arrives_while_speaking_grows_and_the_final_text_is_the_non_live_one() {
    let audio = speech::two_sentences_with_a_pause();
    let live = LiveEngine::new(engine(), 700);
    let opts = english();
    let seen: Arc<Mutex<Vec<(Instant, PartialTranscript)>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let mut session = live
        .start_session(
            &opts,
            Box::new(move |p: &PartialTranscript| {
                sink.lock().unwrap().push((Instant::now(), p.clone()));
            }),
        )
        .expect("live text is on");
    // 100 ms chunks at the pace a microphone delivers them.
    let started = Instant::now();
    for (i, chunk) in audio.chunks(1_600).enumerate() {
        session.push(chunk);
        let due = started + Duration::from_millis(100 * (i as u64 + 1));
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
    let speech_ended = Instant::now();
    let final_t = session.finish(&audio).expect("the final pass");
    let partials = seen.lock().unwrap().clone();

    let early: Vec<_> = partials
        .iter()
        .filter(|(at, _)| *at < speech_ended)
        .collect();
    assert!(
        early.len() >= 3,
        "partial text while the person speaks: {partials:?}"
    );
    // Words became stable while the person still spoke (the first sentence ends at 3.7 s of
    // 7.3 s). Not bounded by the clock: with other tests decoding on both cores a decode can
    // take seconds, and the 5 s bound this had failed for that alone.
    assert!(
        early.iter().any(|(_, p)| !p.stable.is_empty()),
        "{partials:?}"
    );
    for pair in partials.windows(2) {
        let (a, b) = (&pair[0].1, &pair[1].1);
        assert!(
            b.stable.starts_with(&a.stable),
            "stable words taken back: {a:?} → {b:?}"
        );
    }
    let whole = engine().transcribe(&audio, &opts).unwrap();
    assert_eq!(
        final_t.text, whole.text,
        "the final text is the non-live one"
    );
    assert!(
        whole.text.contains("family") && whole.text.contains("lazy dog"),
        "{}",
        whole.text
    );
}

/// Feeds `audio` to a new session of `live` (live text off: any partial is recorded) and waits
/// until `engine` has decoded `passes` times in all.
fn fed_until_decoded(
    live: &LiveEngine,
    engine: &WhisperEngine,
    audio: &[f32],
    passes: usize,
    partials: &Arc<Mutex<Vec<PartialTranscript>>>,
) -> Box<dyn tonny_core::stt::SttSession> {
    let sink = Arc::clone(partials);
    let mut session = live
        .start_session(
            &english(),
            Box::new(move |p: &PartialTranscript| sink.lock().unwrap().push(p.clone())),
        )
        .expect("a session, for the early final pass");
    for chunk in audio.chunks(1_600) {
        session.push(chunk);
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    while engine.passes() < passes {
        assert!(
            Instant::now() < deadline,
            "no early final pass ({} decodes)",
            engine.passes()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    session
}

fn english() -> TranscribeOptions {
    TranscribeOptions {
        language: Some("en".into()),
        beam_size: 5,
        vocabulary: Vec::new(),
    }
}

#[test]
fn the_final_pass_runs_while_the_endpointer_waits_and_gives_the_non_live_text() {
    // An engine of its own, so its decode count is this test's alone.
    let opts = EngineOptions {
        threads: 2,
        compute: ComputeChoice::Int8,
    };
    let engine = Arc::new(WhisperEngine::load(&speech::model_dir(), opts).unwrap());
    let live = LiveEngine::new(Arc::clone(&engine), 0);
    let dir = speech::shared_audio_dir();
    let mut spoken = speech::read_wav(&dir.join("family.wav"));
    // The endpointer's wait: a second of silence after the words.
    spoken.extend(std::iter::repeat_n(0.0, 16_000));
    let partials: Arc<Mutex<Vec<PartialTranscript>>> = Arc::default();

    // With live text off the only decode is the final pass, run before the recording ends.
    let session = fed_until_decoded(&live, &engine, &spoken, 1, &partials);
    let early = session.finish(&spoken).expect("the final text");
    assert_eq!(
        engine.passes(),
        1,
        "the finished recording was decoded again"
    );
    assert!(partials.lock().unwrap().is_empty(), "live text was off");
    let whole = engine.transcribe(&spoken, &english()).unwrap();
    assert_eq!(early.text, whole.text, "the final text is the non-live one");
    assert_eq!(early.audio_ms, whole.audio_ms);
    assert!(whole.text.contains("family"), "{}", whole.text);

    // The person went on speaking after the pause: the early pass no longer counts.
    let session = fed_until_decoded(&live, &engine, &spoken, 3, &partials);
    let mut longer = spoken.clone();
    longer.extend(speech::read_wav(&dir.join("fox.wav")));
    let t = session.finish(&longer).expect("the final text");
    let whole = engine.transcribe(&longer, &english()).unwrap();
    assert_eq!(t.text, whole.text);
    assert!(t.text.contains("lazy dog"), "{}", t.text);
}
