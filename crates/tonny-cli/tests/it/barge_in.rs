//! Barge-in on PulseAudio virtual devices: the speaker is looped into the microphone, so the
//! assistant hears its own voice; through the echo canceller a long reply triggers nothing,
//! and a person speaking over it stops it and is heard as the next request.

use std::time::{Duration, Instant};

use serde_json::Value;
use tonny_testkit::daemon::{Events, of_type};
use tonny_testkit::{PulseServer, TempHome, speech};

use crate::tonny;

fn state_change(from: &'static str, to: &'static str) -> impl Fn(&Value) -> bool {
    move |e| {
        e["type"] == "state_changed" && e["from"]["state"] == from && e["to"]["state"] == to
    }
}

fn left_speaking(e: &Value) -> bool {
    e["type"] == "state_changed" && e["from"]["state"] == "speaking"
}

/// Asks for the (long) help reply out loud and waits until it plays; returns the mark after it.
fn ask_for_help(pulse: &PulseServer, events: &Events, request: &std::path::Path) -> usize {
    let mark = events.len();
    events.wait_for_after(mark.saturating_sub(1), Duration::from_secs(60), of_type("listening"));
    pulse.speak_wav(request);
    events.wait_for_after(mark, Duration::from_secs(90), |e| {
        e["type"] == "state_changed" && e["to"]["state"] == "speaking"
    });
    events.len()
}

/// Where speech starts in a 16 kHz WAV: the first 16 ms frame above -40 dBFS.
fn speech_onset(wav: &std::path::Path) -> Duration {
    let mut r = hound::WavReader::open(wav).unwrap();
    let samples: Vec<f32> = r
        .samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0)
        .collect();
    let frame = samples
        .chunks(256)
        .position(|f| {
            let rms = (f.iter().map(|s| s * s).sum::<f32>() / f.len() as f32).sqrt();
            20.0 * rms.max(1e-6).log10() > -40.0
        })
        .unwrap_or(0);
    Duration::from_millis(frame as u64 * 16)
}

#[test]
fn talking_over_a_reply_stops_it_and_is_heard_but_its_own_voice_never_is() {
    let home = TempHome::new();
    let (wheel, _) = speech::piper_voice();
    tonny(&home)
        .args(["voices", "import"])
        .arg_path(&wheel)
        .run()
        .ok();
    let request = home.path().join("help.wav");
    speech::espeak_16k("What can you do?", &request);
    let pulse = PulseServer::start();
    pulse.loop_speaker_into_mic();
    let run = tonny(&home)
        .pulse(&pulse)
        .env("TONNY_STT_MODEL", speech::model_dir())
        .env("TONNY_AUDIO_VAD_SILENCE_MS", "500")
        .env("TONNY_AUDIO_BARGE_IN", "true")
        .args(["run", "--hands-free", "--events"])
        .spawn();
    let events = run.events();
    events.wait_for(Duration::from_secs(120), of_type("ready"));

    // A long reply, heard by the microphone the whole time, plays to its end.
    let first = ask_for_help(&pulse, &events, &request);
    let began = Instant::now();
    let ended = events.wait_for_after(first, Duration::from_secs(90), left_speaking);
    let whole_reply = began.elapsed();
    eprintln!("{}", run.stderr_text());
    assert_eq!(
        ended["to"]["state"], "idle",
        "its own voice interrupted the reply: {ended}"
    );
    assert!(
        whole_reply > Duration::from_secs(8),
        "the help reply is long ({whole_reply:?})"
    );
    let transcripts = events.of("transcript");
    assert_eq!(
        transcripts.len(),
        1,
        "only the request was heard: {transcripts:?}"
    );

    // The same reply again; two seconds in, the person asks for a timer over it.
    let second = ask_for_help(&pulse, &events, &request);
    std::thread::sleep(Duration::from_secs(2));
    let timer = speech::shared_audio_dir().join("timer.wav");
    let spoke = Instant::now() + speech_onset(&timer);
    pulse.speak_wav(&timer);
    let cut = events.wait_for_after(second, Duration::from_secs(30), left_speaking);
    let reaction = Instant::now().saturating_duration_since(spoke);
    assert_eq!(cut["to"]["state"], "listening", "speech stopped the reply: {cut}");
    eprintln!("barge-in: the reply stopped {reaction:?} after the person began to speak");
    // The reaction is measured by scripts/bench-tts.sh; here it only has to be a reaction to
    // the speech, not the reply's end.
    assert!(reaction < whole_reply / 2, "stopped after {reaction:?}");
    let heard = events.wait_for_after(second, Duration::from_secs(60), of_type("transcript"));
    let text = speech::normalize(heard["text"].as_str().unwrap_or_default()).join(" ");
    assert!(
        text.contains("timer") && text.contains("minutes"),
        "the request spoken over the reply was heard: {text:?}"
    );
}
