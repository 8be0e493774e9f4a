//! Endpointing on real speech pushed in 20 ms frames, as a microphone or the web UI delivers it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use tonny_audio::capture::{CaptureEvent, Ending, Endpointer, RecordOptions, Stopper};
use tonny_testkit::speech;

fn timer_request() -> Vec<f32> {
    let path = speech::shared_audio_dir().join("timer.wav");
    let mut r = hound::WavReader::open(path).unwrap();
    r.samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0)
        .collect()
}

fn options(silence_ms: u64, max_s: u64, muted: Arc<AtomicBool>) -> RecordOptions {
    RecordOptions {
        silence: Some(Duration::from_millis(silence_ms)),
        max_len: Duration::from_secs(max_s),
        pre_roll: Duration::ZERO,
        threshold: 0.5,
        muted: Arc::new(move || muted.load(Ordering::SeqCst)),
        stream_audio: false,
        onset_frames: RecordOptions::DEFAULT_ONSET_FRAMES,
        min_dbfs: -100.0,
        wait_for_speech: false,
    }
}

// Pushes `audio` then silence in 20 ms frames until the endpointer ends; returns the recording
// and how many silent frames it took.
fn run(ep: &mut Endpointer, audio: &[f32], silence_frames: usize) -> (bool, usize) {
    for f in audio.chunks(320) {
        if ep.push(f) {
            return (true, 0);
        }
    }
    for n in 1..=silence_frames {
        if ep.push(&[0.0; 320]) {
            return (true, n);
        }
    }
    (false, silence_frames)
}

#[test]
fn speech_then_silence_ends_at_the_silence_setting() {
    let (tx, rx) = mpsc::channel();
    let mut ep = Endpointer::new(options(300, 30, Arc::default()), Stopper::default(), tx);
    let (ended, _) = run(&mut ep, &timer_request(), 200);
    assert!(ended, "300 ms of silence ends the utterance");
    let rec = ep.finish();
    assert_eq!(rec.ending, Ending::Silence);
    assert!(rec.heard_speech);
    let endpoint = rec.endpoint_ms.unwrap();
    assert!(
        (300..=350).contains(&endpoint),
        "endpointing took {endpoint} ms"
    );
    let events: Vec<CaptureEvent> = rx.try_iter().collect();
    assert!(events.contains(&CaptureEvent::SpeechStarted));
    let loudest = events
        .iter()
        .filter_map(|e| match e {
            CaptureEvent::Level(db) => Some(*db),
            _ => None,
        })
        .fold(f32::MIN, f32::max);
    assert!(
        loudest > -30.0,
        "speech shows on the level meter: {loudest} dBFS"
    );
    assert!(
        !events.iter().any(|e| matches!(e, CaptureEvent::Audio(_))),
        "no audio copies unless asked"
    );
}

#[test]
fn recorded_audio_is_handed_on_as_it_arrives_when_asked() {
    let (tx, rx) = mpsc::channel();
    let opts = RecordOptions {
        stream_audio: true,
        ..options(300, 30, Arc::default())
    };
    let mut ep = Endpointer::new(opts, Stopper::default(), tx);
    run(&mut ep, &timer_request(), 200);
    let rec = ep.finish();
    let streamed: Vec<f32> = rx
        .try_iter()
        .filter_map(|e| match e {
            CaptureEvent::Audio(a) => Some(a),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(
        streamed, rec.samples,
        "every recorded sample, in order, once"
    );
}

#[test]
fn pauses_inside_a_sentence_do_not_end_it_with_a_longer_setting() {
    let (tx, _rx) = mpsc::channel();
    // The recording has its own trailing and leading silence (about half a second in all).
    let mut ep = Endpointer::new(options(1500, 30, Arc::default()), Stopper::default(), tx);
    let mut audio = timer_request();
    audio.extend(std::iter::repeat_n(0.0, 16_000 / 4)); // a further 250 ms pause
    audio.extend(timer_request());
    let (ended, after) = run(&mut ep, &audio, 200);
    // The pause did not end it; the trailing silence did.
    assert!(ended && after > 0, "ended only in the trailing silence");
    let rec = ep.finish();
    assert!(
        rec.samples.len() > 2 * timer_request().len(),
        "both sentences kept"
    );
}

#[test]
fn muted_input_is_never_heard_and_silence_runs_to_the_maximum() {
    let muted = Arc::new(AtomicBool::new(true));
    let (tx, _rx) = mpsc::channel();
    let mut ep = Endpointer::new(options(300, 2, Arc::clone(&muted)), Stopper::default(), tx);
    let (ended, _) = run(&mut ep, &timer_request(), 0);
    assert!(!ended);
    muted.store(false, Ordering::SeqCst);
    let (ended, _) = run(&mut ep, &[], 200);
    assert!(ended);
    let rec = ep.finish();
    assert!(!rec.heard_speech, "TonnyTray's own voice was dropped");
    assert_eq!(rec.ending, Ending::MaxLength);
    assert_eq!(rec.samples.len(), 32_000, "exactly the 2 s maximum");
}

#[test]
fn stopping_ends_at_once_and_a_stream_that_runs_out_is_finished_as_stopped() {
    let (tx, _rx) = mpsc::channel();
    let stop = Stopper::default();
    let mut ep = Endpointer::new(options(300, 30, Arc::default()), stop.clone(), tx.clone());
    assert!(!ep.push(&[0.0; 320]));
    stop.stop();
    assert!(ep.push(&[0.0; 320]));
    assert_eq!(ep.finish().ending, Ending::Stopped);

    let mut ep = Endpointer::new(options(300, 30, Arc::default()), Stopper::default(), tx);
    let speech = timer_request();
    let (ended, _) = run(&mut ep, &speech[..speech.len() / 2], 0);
    assert!(!ended);
    let rec = ep.finish();
    assert_eq!(rec.ending, Ending::Stopped);
    assert!(rec.heard_speech);
}

#[test]
fn speech_below_the_level_floor_is_not_heard_and_the_same_speech_louder_is() {
    let speech = timer_request();
    // -60 dB: the residue an echo canceller leaves of TonnyTray's own voice.
    let residue: Vec<f32> = speech.iter().map(|s| s * 0.001).collect();
    let floor = |audio: &[f32]| {
        let (tx, _rx) = mpsc::channel();
        let opts = RecordOptions {
            min_dbfs: -50.0,
            onset_frames: 8,
            ..options(300, 30, Arc::default())
        };
        let mut ep = Endpointer::new(opts, Stopper::default(), tx);
        run(&mut ep, audio, 40);
        ep.finish().heard_speech
    };
    assert!(!floor(&residue), "a residue under the floor is not speech");
    assert!(floor(&speech), "the person at full level is heard");
}

#[test]
fn waiting_for_speech_keeps_only_the_pre_roll_before_it() {
    let (tx, _rx) = mpsc::channel();
    let opts = RecordOptions {
        wait_for_speech: true,
        pre_roll: Duration::from_millis(500),
        // Shorter than the wait: it counts from the speech.
        max_len: Duration::from_secs(8),
        ..options(300, 30, Arc::default())
    };
    let mut ep = Endpointer::new(opts, Stopper::default(), tx);
    let mut audio = vec![0.0f32; 16_000 * 10];
    let speech = timer_request();
    audio.extend_from_slice(&speech);
    let (ended, _) = run(&mut ep, &audio, 200);
    assert!(ended);
    let rec = ep.finish();
    assert_eq!(rec.ending, Ending::Silence, "the wait does not count");
    let kept = rec.samples.len();
    assert!(
        kept < speech.len() + 16_000 * 2,
        "{kept} samples kept for {} of speech",
        speech.len()
    );
}

#[test]
fn speech_tracked_as_it_arrives_has_the_regions_of_the_whole_recording() {
    use tonny_audio::vad::{FRAME, SpeechTracker, VadOptions, speech_regions};
    let mut audio = speech::two_sentences_with_a_pause();
    audio.extend(std::iter::repeat_n(0.0, 16_000));
    let opts = VadOptions::default();
    let mut tracker = SpeechTracker::default();
    // Odd-sized pieces, as a sound card hands them over.
    for piece in audio.chunks(1_001) {
        tracker.push(piece);
    }
    let whole = audio.len() / FRAME * FRAME;
    assert_eq!(tracker.scored(), whole);
    let regions = tracker.regions(&opts);
    assert_eq!(regions, speech_regions(&audio[..whole], &opts));
    // Two sentences, half a second apart; then the second's own trailing quiet and the second
    // of silence added here.
    assert_eq!(regions.len(), 2, "{regions:?}");
    let quiet = tracker.quiet_for(&opts);
    assert!((16_000..24_000).contains(&quiet), "{quiet}");
}
