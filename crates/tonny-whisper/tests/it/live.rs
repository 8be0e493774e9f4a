//! Live text while a recording is made ([`LiveEngine`]'s session), fed in real time as the
//! microphone feeds it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tonny_core::stt::{PartialTranscript, Stt, TranscribeOptions};
use tonny_testkit::speech;
use tonny_whisper::LiveEngine;

use crate::engine;

#[test]
fn partial_text_arrives_while_speaking_grows_and_the_final_text_is_the_non_live_one() {
    let audio = speech::two_sentences_with_a_pause();
    let live = LiveEngine::new(engine(), 700);
    let opts = TranscribeOptions {
        language: Some("en".into()),
        beam_size: 5,
        vocabulary: Vec::new(),
    };
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

#[test]
fn with_live_text_off_the_recording_is_transcribed_after_it_ends() {
    let live = LiveEngine::new(engine(), 0);
    assert!(
        live.start_session(
            &TranscribeOptions::default(),
            Box::new(|_: &PartialTranscript| {})
        )
        .is_none()
    );
}
