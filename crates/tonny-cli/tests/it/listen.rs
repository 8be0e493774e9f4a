//! `tonny listen` and `tonny dictate` from a real (virtual) microphone on a private PulseAudio
//! server, with the reply played on a null sink and recorded from its monitor.

use std::time::Duration;

use tonny_testkit::{PulseServer, TempHome, Tonny, of_type, speech, text_of};

use crate::tonny;

fn shared(name: &str) -> std::path::PathBuf {
    speech::shared_audio_dir().join(name)
}

fn with_model(t: Tonny) -> Tonny {
    t.env("TONNY_STT_MODEL", speech::model_dir())
}

/// Starts `tonny --json <args>` on `pulse`, waits until it listens, then speaks `wav` into the
/// microphone at that instant.
fn speak_to(
    home: &TempHome,
    pulse: &PulseServer,
    args: &[&str],
    wav: &str,
) -> tonny_testkit::Output {
    let run = with_model(tonny(home).pulse(pulse))
        .arg("--json")
        .args(args)
        .spawn();
    pulse.wait_for_recording(Duration::from_secs(120));
    pulse.speak_wav(&shared(wav));
    run.finish()
}

#[test]
fn listen_sets_a_timer_from_speech_and_speaks_a_confirmation_we_can_hear() {
    let home = TempHome::new();
    let pulse = PulseServer::start();
    let speaker = pulse.record_speaker(&home.path().join("speaker.wav"));
    let out = speak_to(&home, &pulse, &["listen"], "timer.wav").ok();
    let reply = out.json();
    assert_eq!(reply["reply"], "Timer set for 10 minutes.", "{reply}");
    assert_eq!(reply["intent"], "local");
    // The first word was not lost: the whole request was transcribed.
    let heard = reply["transcript"].as_str().unwrap();
    assert_eq!(
        speech::word_errors("set a timer for ten minutes", heard).0,
        0,
        "{heard:?}"
    );
    let t = &reply["timings"];
    for stage in [
        "capture_ms",
        "endpoint_ms",
        "stt_ms",
        "route_ms",
        "agent_ms",
        "tts_ms",
    ] {
        assert!(t[stage].is_u64(), "{stage} missing: {t}");
    }

    // The timer is stored.
    let listed = tonny(&home)
        .args(["ask", "--silent", "list timers"])
        .run()
        .ok();
    assert!(
        listed.stdout.contains("a timer for 10 minutes"),
        "{}",
        listed.stdout
    );

    // What was played on the speaker, transcribed back by our own engine.
    let trimmed = home.path().join("reply.wav");
    speech::trim_leading_silence(&speaker.stop(), &trimmed);
    let back = with_model(tonny(&home))
        .args(["--json", "transcribe", "--no-store"])
        .arg_path(&trimmed)
        .run()
        .ok()
        .json();
    let text = back[0]["text"].as_str().unwrap().to_lowercase();
    assert!(
        text.contains("timer") && (text.contains("ten minutes") || text.contains("10 minutes")),
        "the speaker said {text:?}"
    );
}

#[test]
fn speech_arriving_as_listening_starts_is_transcribed_in_full() {
    let home = TempHome::new();
    let pulse = PulseServer::start();
    let out = speak_to(&home, &pulse, &["listen", "--silent"], "lights.wav").ok();
    let heard = out.json()["transcript"].as_str().unwrap().to_owned();
    let words = speech::normalize(&heard);
    assert_eq!(words.first().map(String::as_str), Some("turn"), "{heard:?}");
    let lights = speech::shared_audio_dir().join("lights.wav");
    speech::assert_near_reference("Turn on the living room lights.", &heard, &lights, 5, 0.2);
}

#[test]
fn no_microphone_gives_a_clear_error_and_the_typed_alternative() {
    let home = TempHome::new();
    let out = with_model(tonny(&home)).arg("listen").run().failed();
    assert!(out.stderr.contains("no microphone"), "{}", out.stderr);
    assert!(out.stderr.contains("tonny ask"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("ALSA lib"),
        "no ALSA noise: {}",
        out.stderr
    );
}

#[test]
fn a_microphone_unplugged_mid_utterance_ends_cleanly_with_an_error() {
    let home = TempHome::new();
    let pulse = PulseServer::start();
    let run = with_model(tonny(&home).pulse(&pulse)).arg("listen").spawn();
    pulse.wait_for_recording(Duration::from_secs(120));
    pulse.speak_wav(&shared("family.wav"));
    std::thread::sleep(Duration::from_millis(800));
    pulse.unplug_mic();
    let out = run.finish().failed();
    assert!(
        out.stderr.contains("microphone stopped working"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn silence_ends_at_the_maximum_length_with_nothing_sent() {
    let home = TempHome::new();
    let pulse = PulseServer::start();
    let run = with_model(tonny(&home).pulse(&pulse))
        .env("TONNY_AUDIO_MAX_UTTERANCE_S", "3")
        .arg("listen")
        .spawn();
    pulse.wait_for_recording(Duration::from_secs(120));
    let out = run.finish();
    assert_eq!(out.code, 4, "nothing heard: {}", out.stderr);
    assert!(out.stderr.contains("no speech in 3 s"), "{}", out.stderr);
    let history = tonny(&home).args(["--json", "history", "list"]).run().ok();
    assert_eq!(
        history.json().as_array().map(Vec::len),
        Some(0),
        "nothing stored"
    );
}

#[test]
fn a_pcm_stream_on_stdin_is_endpointed_and_carried_out() {
    let home = TempHome::new();
    let mut r = hound::WavReader::open(shared("timer.wav")).unwrap();
    let mut pcm: Vec<u8> = r
        .samples::<i16>()
        .flat_map(|s| s.unwrap().to_le_bytes())
        .collect();
    pcm.extend(std::iter::repeat_n(0u8, 32_000 * 3)); // 3 s of silence after
    let out = with_model(tonny(&home))
        .args(["--json", "listen", "--pcm-stdin", "--silent"])
        .stdin(pcm)
        .run()
        .ok()
        .json();
    assert_eq!(out["reply"], "Timer set for 10 minutes.", "{out}");
    let endpoint = out["timings"]["endpoint_ms"].as_u64().unwrap();
    assert!(
        (800..900).contains(&endpoint),
        "ended by the 800 ms default: {endpoint}"
    );
    let garbage = with_model(tonny(&home))
        .args(["listen", "--pcm-stdin", "--silent"])
        .stdin(vec![0u8; 32_000])
        .run();
    assert_eq!(garbage.code, 4, "silence only: {}", garbage.stderr);
}

/// `tonny run --hands-free --events`, once it is ready and its microphone records.
fn hands_free(
    home: &TempHome,
    pulse: &PulseServer,
    live_text: bool,
) -> (tonny_testkit::cli::Running, tonny_testkit::daemon::Events) {
    let t = tonny(home).pulse(pulse);
    // With live text, one recording for both of the live-text test's sentences: the half-second
    // pause between them plus the silence the first recording ends with would end it at the
    // default 800 ms, leaving a 3.7 s sentence to show live text on however loaded a machine.
    let t = if live_text {
        t.live_text().env("TONNY_AUDIO_VAD_SILENCE_MS", "1500")
    } else {
        t
    };
    let run = with_model(t)
        .args(["run", "--silent", "--hands-free", "--events"])
        .spawn();
    let events = run.events();
    events.wait_for(Duration::from_secs(120), of_type("ready"));
    // Speak once TonnyTray says it hears and the stream records, not merely once the daemon
    // is ready: on a busy machine the first words were otherwise said before it listened
    // ("10 minutes."), and with echo cancellation on, the canceller's own recording of the
    // microphone runs before TonnyTray's does.
    events.wait_for(Duration::from_secs(120), of_type("listening"));
    pulse.wait_for_recording(Duration::from_secs(60));
    (run, events)
}

#[test]
fn hands_free_takes_one_request_after_another_without_a_hotkey() {
    let home = TempHome::new();
    let pulse = PulseServer::start();
    let (run, events) = hands_free(&home, &pulse, false);
    pulse.speak_wav(&shared("timer.wav"));
    let first = events.wait_for(Duration::from_secs(60), of_type("transcript"));
    let mark = events.len();
    std::thread::sleep(Duration::from_secs(1));
    pulse.speak_wav(&shared("weather.wav"));
    let second = events.wait_for_after(mark, Duration::from_secs(60), of_type("transcript"));
    assert!(text_of(&first).contains("timer"), "{first}");
    assert!(text_of(&second).contains("weather"), "{second}");
    std::thread::sleep(Duration::from_millis(500));
    let out = run.finish_after_kill();
    assert!(
        out.stdout.contains("Timer set for 10 minutes."),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("No other assistant is set up"),
        "{}",
        out.stdout
    );
}

#[test]
fn live_text_is_on_the_event_stream_while_the_person_still_speaks() {
    let home = TempHome::new();
    let pulse = PulseServer::start();
    let (run, events) = hands_free(&home, &pulse, true);
    let speech = speech::two_sentences_with_a_pause();
    let mark = events.len();
    pulse.speak(&speech);
    let final_t = events.wait_for_after(mark, Duration::from_secs(90), of_type("transcript"));
    let all = events.all();
    let recording = &all[mark..];
    // Live text is live when it is shown while the recording still runs: before the pipeline
    // leaves "listening" for the final pass (a wall-clock bound would only measure the load).
    let stopped_listening = recording
        .iter()
        .position(|e| of_type("state_changed")(e) && e["from"]["state"] == "listening")
        .expect("the recording ends");
    let first_live = recording.iter().position(|e| {
        of_type("partial_transcript")(e) && !e["text"].as_str().unwrap_or_default().is_empty()
    });
    assert!(
        first_live.is_some_and(|i| i < stopped_listening),
        "no stable live text while recording: {:?}",
        recording
            .iter()
            .filter(|e| !of_type("audio_level")(e))
            .collect::<Vec<_>>()
    );
    let partials: Vec<&serde_json::Value> = recording
        .iter()
        .take_while(|e| !of_type("transcript")(e))
        .filter(|e| of_type("partial_transcript")(e))
        .collect();
    for pair in partials.windows(2) {
        let (a, b) = (text_of(pair[0]), text_of(pair[1]));
        assert!(b.starts_with(&a), "stable words taken back: {a:?} → {b:?}");
    }
    let heard = text_of(&final_t);
    assert!(
        heard.contains("family") && heard.contains("quick"),
        "{final_t}"
    );
    let _ = run.finish_after_kill();
}
