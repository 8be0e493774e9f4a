//! Transcription behaviour: silence, long recordings, languages, concurrency.

use std::sync::Arc;

use tonny_core::stt::{Stt, TranscribeOptions};
use tonny_testkit::speech;
use tonny_whisper::{DecodeOptions, EngineError};

use crate::{engine, load};

#[test]
fn silence_and_noise_free_quiet_give_empty_text_not_hallucinations() {
    let e = engine();
    for seconds in [1usize, 5, 31] {
        let t = e
            .transcribe_with(&vec![0.0; 16_000 * seconds], None, DecodeOptions::default())
            .unwrap();
        assert_eq!(t.text, "", "{seconds} s of silence");
        assert!(t.segments.is_empty());
    }
    // Very quiet hiss.
    let mut seed = 7u32;
    let hiss: Vec<f32> = (0..16_000 * 3)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * 0.002
        })
        .collect();
    assert_eq!(
        e.transcribe_with(&hiss, None, DecodeOptions::default())
            .unwrap()
            .text,
        ""
    );
    assert_eq!(
        e.transcribe_with(&[], None, DecodeOptions::default())
            .unwrap()
            .text,
        ""
    );
}

#[test]
fn a_minute_long_recording_is_transcribed_completely_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("long.wav");
    // Sentences separated by pauses, as a person reading a list would leave.
    let sentences = speech::household_sentences();
    speech::espeak_sentences(&sentences, 900, &wav);
    let audio = load(&wav);
    assert!(
        audio.len() > 60 * 16_000,
        "the recording is only {} s",
        audio.len() / 16_000
    );
    let t = engine()
        .transcribe_with(&audio, Some("en"), DecodeOptions::default())
        .unwrap();
    // Accuracy: bounded by the reference engine's on the same recording and CPU.
    speech::assert_near_reference(&sentences.join(" "), &t.text, &wav, 5, 0.05);
    // Completeness and order: every sentence is found (not dropped, not garbled beyond
    // recognition) after the one before it.
    let hyp = speech::normalize(&t.text).join(" ");
    let hyp_words: Vec<&str> = hyp.split(' ').collect();
    let mut cursor = 0;
    for sentence in &sentences {
        let words = speech::normalize(sentence);
        let best = (cursor..hyp_words.len().max(cursor + 1))
            .map(|start| {
                let end = (start + words.len()).min(hyp_words.len());
                let got = hyp_words[start.min(end)..end].join(" ");
                (speech::wer(&words.join(" "), &got), start)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap();
        assert!(
            best.0 <= 0.5,
            "sentence {sentence:?} missing or out of order (WER {:.2}) in:\n{}",
            best.0,
            t.text
        );
        cursor = best.1 + words.len() / 2;
    }
    assert!(
        t.segments
            .windows(2)
            .all(|w| w[0].start_ms <= w[1].start_ms),
        "segments out of order"
    );
    assert!(
        t.segments.last().unwrap().end_ms as usize > 50_000,
        "timestamps do not reach the end"
    );
}

#[test]
fn english_only_model_refuses_other_languages_clearly() {
    let err = engine()
        .transcribe_with(&vec![0.1; 16_000], Some("de"), DecodeOptions::default())
        .unwrap_err();
    assert!(matches!(err, EngineError::Language { .. }), "{err}");
    assert!(err.to_string().contains("English-only"), "{err}");
}

#[test]
fn concurrent_transcriptions_are_safe_and_give_the_same_text() {
    let (wav, _) = speech::shared_recordings()
        .into_iter()
        .find(|(p, _)| p.ends_with("weather.wav"))
        .unwrap();
    let audio = Arc::new(load(&wav));
    let e = engine();
    let alone = e
        .transcribe(
            &audio,
            &TranscribeOptions {
                language: Some("en".into()),
                beam_size: 1,
                ..TranscribeOptions::default()
            },
        )
        .unwrap();
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let (e, a) = (Arc::clone(&e), Arc::clone(&audio));
            std::thread::spawn(move || {
                e.transcribe(
                    &a,
                    &TranscribeOptions {
                        language: Some("en".into()),
                        beam_size: 1,
                        ..TranscribeOptions::default()
                    },
                )
                .unwrap()
                .text
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), alone.text);
    }
    assert!(
        alone.confidence > 0.3 && alone.confidence <= 1.0,
        "{}",
        alone.confidence
    );
}

#[test]
fn partial_results_grow_and_stable_words_are_never_taken_back() {
    use tonny_whisper::LiveTranscriber;
    let (wav, reference) = speech::shared_recordings()
        .into_iter()
        .find(|(p, _)| p.ends_with("neural_dinner.wav"))
        .unwrap();
    let audio = load(&wav);
    let e = engine();
    let mut live = LiveTranscriber::new(Arc::clone(&e), Some("en".into()), 700);
    let mut partials = Vec::new();
    for chunk in audio.chunks(16_000 / 4) {
        if let Some(p) = live.push(chunk).unwrap() {
            partials.push(p);
        }
    }
    // Trailing silence, as a speaker pausing, lets the last words settle.
    for _ in 0..8 {
        if let Some(p) = live.push(&[0.0; 4_000]).unwrap() {
            partials.push(p);
        }
    }
    assert!(partials.len() >= 4, "{partials:?}");
    for pair in partials.windows(2) {
        assert!(
            pair[1].stable.starts_with(&pair[0].stable),
            "stable text changed: {pair:?}"
        );
    }
    let last = partials.last().unwrap();
    // Partial text is decoded greedily (beam 1); the final pass uses the default beam 5.
    speech::assert_near_reference(&reference, &last.stable, &wav, 1, 0.2);
    let final_t = live.finish(DecodeOptions::default()).unwrap();
    speech::assert_near_reference(&reference, &final_t.text, &wav, 5, 0.2);
}
