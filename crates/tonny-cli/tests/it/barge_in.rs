//! Barge-in on PulseAudio virtual devices: the speaker is looped into the microphone, so the
//! assistant hears its own voice; through the echo canceller a long reply triggers nothing,
//! and a person speaking over it stops it and is heard as the next request.

use std::time::{Duration, Instant};

use serde_json::Value;
use tonny_testkit::daemon::{Events, of_type};
use tonny_testkit::{PulseServer, TempHome, speech};

use crate::tonny;

fn left_speaking(e: &Value) -> bool {
    e["type"] == "state_changed" && e["from"]["state"] == "speaking"
}

/// Asks for the (long) help reply out loud and waits until it plays; returns the mark after it.
fn ask_for_help(pulse: &PulseServer, events: &Events, request: &std::path::Path) -> usize {
    let mark = events.len();
    events.wait_for_after(
        mark.saturating_sub(1),
        Duration::from_secs(60),
        of_type("listening"),
    );
    pulse.speak_wav(request);
    events.wait_for_after(mark, Duration::from_secs(90), |e| {
        e["type"] == "state_changed" && e["to"]["state"] == "speaking"
    });
    events.len()
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
        // Hands-free listens over its replies by default (`audio.barge_in = auto`).
        .args(["run", "--hands-free", "--events"])
        .spawn();
    let events = run.events();
    events.wait_for(Duration::from_secs(120), of_type("ready"));

    // A long reply, heard by the microphone the whole time, plays to its end.
    let first = ask_for_help(&pulse, &events, &request);
    let began = Instant::now();
    let ended = events.wait_for_after(first, Duration::from_secs(90), left_speaking);
    let whole_reply = began.elapsed();
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

    // The same reply again; two seconds in, the person asks for a timer over it. Timed from
    // the person's words coming out of the echo canceller (what TonnyTray records; the virtual
    // microphone's loopback into the room adds its own ~150 ms before that) to the last sound
    // of the reply on the speaker.
    let cancelled = format!("tonny_echo_cancel_source_{}", run.pid());
    let (mic, speaker) = (
        pulse.watch_levels(&cancelled),
        pulse.watch_levels("vsink.monitor"),
    );
    let second = ask_for_help(&pulse, &events, &request);
    let replying = Instant::now();
    std::thread::sleep(Duration::from_secs(2));
    let asked = Instant::now();
    pulse.speak_wav(&speech::shared_audio_dir().join("timer.wav"));
    let cut = events.wait_for_after(second, Duration::from_secs(30), left_speaking);
    let cut_seen = Instant::now();
    assert_eq!(
        cut["to"]["state"], "listening",
        "speech stopped the reply: {cut}"
    );
    let spoke = mic
        .first_above(asked, -40.0, Duration::from_millis(60))
        .unwrap_or_else(|| {
            // Seen once in a full run (the reply was cut, so the daemon heard the words): say
            // what this watch read, to tell a watch that read nothing from quiet words.
            let blocks = mic.loud_since(asked, -200.0);
            let loudest = blocks.iter().map(|b| b.1).fold(f32::MIN, f32::max);
            panic!(
                "the person's words did not reach the echo-cancelled microphone as this test \
                 reads it: {} blocks of 10 ms since they began, the loudest {loudest} dBFS; \
                 those at -50 dBFS or more: {:?}",
                blocks.len(),
                mic.loud_since(asked, -50.0)
            )
        });
    assert!(
        cut_seen > spoke,
        "the reply stopped before the person spoke: it interrupted itself; the cancelled \
         microphone since the reply began: {:?}",
        mic.loud_since(replying, -45.0)
    );
    // The reply may have been between two sentences when the person spoke: its last sound is
    // the last one after the words began.
    let deadline = Instant::now() + Duration::from_secs(5);
    let stopped = loop {
        if let Some(at) = speaker.silent_from(spoke, -60.0, Duration::from_secs(1)) {
            break at;
        }
        assert!(Instant::now() < deadline, "the reply never fell silent");
        std::thread::sleep(Duration::from_millis(50));
    };
    let reaction = stopped - spoke;
    eprintln!("barge-in reaction: {} ms", reaction.as_millis());
    // Stopped by the words, not at the reply's own end; scripts/bench-barge-in.sh reports the
    // reaction time over several runs.
    assert!(reaction < whole_reply / 4, "stopped after {reaction:?}");
    let heard = events.wait_for_after(second, Duration::from_secs(60), of_type("transcript"));
    let text = speech::normalize(heard["text"].as_str().unwrap_or_default()).join(" ");
    assert!(
        text.contains("timer") && text.contains("minutes"),
        "the request spoken over the reply was heard: {text:?}"
    );
}
