//! `tonny dictate` in a real X server: typed into an xterm, or left on the clipboard with a
//! notification when no typing tool exists; and in a real Wayland compositor (headless sway),
//! typed into foot.

use std::time::Duration;

use tonny_testkit::{PulseServer, Sway, TempHome, XServer, of_type, speech, text_of};

use crate::{newest_notification_title, tonny};

fn dictate(
    home: &TempHome,
    pulse: &PulseServer,
    x: &XServer,
    path: Option<&str>,
) -> tonny_testkit::Output {
    let mut t = tonny(home)
        .pulse(pulse)
        .x11(x)
        .env("TONNY_STT_MODEL", speech::model_dir())
        .args(["--json", "dictate"]);
    if let Some(p) = path {
        t = t.env("PATH", p);
    }
    let run = t.spawn();
    pulse.wait_for_recording(Duration::from_secs(120));
    pulse.speak_wav(&speech::shared_audio_dir().join("lights.wav"));
    run.finish()
}

#[test]
fn dictation_is_typed_into_the_focused_window() {
    let home = TempHome::new();
    let (pulse, x) = (PulseServer::start(), XServer::start());
    let typed_file = home.path().join("typed.txt");
    let mut xterm = x.xterm_cat(&typed_file);
    let out = dictate(&home, &pulse, &x, None).ok().json();
    assert_eq!(out["intent"], "dictation", "{out}");
    assert_eq!(out["delivery"]["how"], "typed", "{out}");
    assert_eq!(out["delivery"]["tool"], "xdotool", "{out}");
    // A terminal gets the words as recognised (`dictation.apps` default: xterm => verbatim).
    assert_eq!(out["dictated"]["mode"], "verbatim", "{out}");
    assert_eq!(out["dictated"]["chosen_by"], "app", "{out}");
    assert_eq!(out["dictated"]["app"], "XTerm", "{out}");
    // End the line so `cat` writes it, then end `cat`.
    x.key("ctrl+d");
    x.key("ctrl+d");
    let _ = xterm.wait();
    let typed = std::fs::read_to_string(&typed_file).unwrap();
    let transcript = out["transcript"].as_str().unwrap();
    assert_eq!(
        typed,
        format!("{transcript} "),
        "typed text plus the trailing space"
    );
    let lights = speech::shared_audio_dir().join("lights.wav");
    speech::assert_near_reference("Turn on the living room lights.", &typed, &lights, 5, 0.2);
}

#[test]
fn dictation_under_wayland_arrives_complete_with_non_ascii_words() {
    let home = TempHome::new();
    let pulse = PulseServer::start();
    let sway = Sway::start();
    let foot = sway.foot_cat();
    // A replacement makes the dictation carry a non-ASCII word.
    tonny(&home)
        .args(["vocab", "replace", "lights", "lumières"])
        .run()
        .ok();
    let run = tonny(&home)
        .pulse(&pulse)
        .wayland(&sway)
        .env("TONNY_STT_MODEL", speech::model_dir())
        .args(["--json", "dictate"])
        .spawn();
    pulse.wait_for_recording(Duration::from_secs(120));
    pulse.speak_wav(&speech::shared_audio_dir().join("lights.wav"));
    let out = run.finish().ok().json();
    assert_eq!(out["delivery"]["how"], "typed", "{out}");
    assert_eq!(out["delivery"]["tool"], "wayland virtual keyboard", "{out}");
    // sway says which application is focused: foot is a terminal, so verbatim.
    assert_eq!(out["dictated"]["app"], "foot", "{out}");
    assert_eq!(out["dictated"]["mode"], "verbatim", "{out}");
    let transcript = out["dictated"]["text"].as_str().unwrap();
    assert!(transcript.contains("lumières"), "{out}");
    // Every character, the first one and the non-ASCII word included, plus the trailing space.
    let typed = foot.typed_settled(Duration::from_secs(10));
    assert_eq!(typed, format!("{transcript} "));
}

#[test]
fn without_a_typing_tool_the_text_lands_on_the_clipboard_and_the_person_is_told() {
    let home = TempHome::new();
    let (pulse, x) = (PulseServer::start(), XServer::start());
    // A PATH with the clipboard tool but no typing tool.
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink("/usr/bin/xclip", bin.join("xclip")).unwrap();
    let out = dictate(&home, &pulse, &x, Some(bin.to_str().unwrap())).ok();
    let j = out.json();
    assert_eq!(j["delivery"]["how"], "clipboard", "{j}");
    assert!(
        j["delivery"]["reason"]
            .as_str()
            .unwrap()
            .contains("xdotool is not installed"),
        "{j}"
    );
    assert!(
        out.stderr.contains("Text is on the clipboard"),
        "{}",
        out.stderr
    );
    // No window is focused: the default mode (clean) wrote the text that was copied.
    assert_eq!(j["dictated"]["chosen_by"], "default", "{j}");
    let written = j["dictated"]["text"].as_str().unwrap();
    assert_eq!(x.clipboard(), format!("{written} "));
    assert_eq!(newest_notification_title(&home), "Text is on the clipboard");
}

#[test]
fn tonny_run_listens_on_the_global_hotkey_and_types_the_reply() {
    let home = TempHome::new();
    let (pulse, x) = (PulseServer::start(), XServer::start());
    let typed_file = home.path().join("reply.txt");
    let mut xterm = x.xterm_cat(&typed_file);
    let run = tonny(&home)
        .pulse(&pulse)
        .x11(&x)
        .env("TONNY_STT_MODEL", speech::model_dir())
        .env("TONNY_TYPING_TRAILING", "newline")
        .args(["run", "--silent", "--events"])
        .spawn();
    let events = run.events();
    events.wait_for(Duration::from_secs(120), of_type("ready"));
    assert!(
        !run.stderr_text().contains("is not available"),
        "every default hotkey registered: {}",
        run.stderr_text()
    );
    x.key("ctrl+shift+l");
    events.wait_for(Duration::from_secs(30), of_type("listening"));
    pulse.speak_wav(&speech::shared_audio_dir().join("timer.wav"));
    events.wait_for(Duration::from_secs(60), of_type("transcript"));
    // The reply is typed into the focused xterm, ending its line.
    let start = std::time::Instant::now();
    while !std::fs::read_to_string(&typed_file)
        .unwrap_or_default()
        .contains('\n')
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no reply typed: {}",
            run.stderr_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    x.key("ctrl+d");
    let _ = xterm.wait();
    assert_eq!(
        std::fs::read_to_string(&typed_file).unwrap(),
        "Timer set for 10 minutes.\n"
    );
}

#[test]
fn tonny_never_hears_itself_speak() {
    let home = TempHome::new();
    let (pulse, x) = (PulseServer::start(), XServer::start());
    let speaker = pulse.record_speaker(&home.path().join("speaker.wav"));
    // The microphone is the speaker's monitor: everything TonnyTray says reaches it.
    let mut run = tonny(&home)
        .pulse(&pulse)
        .x11(&x)
        .env("TONNY_STT_MODEL", speech::model_dir())
        .env("TONNY_AUDIO_INPUT_DEVICE", "vsink.monitor")
        .env("TONNY_AUDIO_MAX_UTTERANCE_S", "9")
        .args(["run", "--events"])
        .spawn();
    let events = run.events();
    events.wait_for(Duration::from_secs(120), of_type("ready"));
    run.send_line("remind me in 4 seconds to feed the cat");
    std::thread::sleep(Duration::from_millis(300));
    // Listening while the reply plays and while the reminder is announced.
    x.key("ctrl+shift+l");
    events.wait_for(Duration::from_secs(30), of_type("listening"));
    events.wait_for(Duration::from_secs(30), |e| {
        e["type"] == "notification" && e["body"].as_str().unwrap_or("").contains("feed the cat")
    });
    events.wait_for(Duration::from_secs(30), of_type("nothing_heard"));
    assert!(
        events.of("transcript").is_empty(),
        "it heard itself: {:?}",
        events.of("transcript")
    );
    // The announcement really was played where the microphone listens.
    let trimmed = home.path().join("announcement.wav");
    speech::trim_leading_silence(&speaker.stop(), &trimmed);
    let back = tonny(&home)
        .env("TONNY_STT_MODEL", speech::model_dir())
        .args(["--json", "transcribe", "--no-store"])
        .arg_path(&trimmed)
        .run()
        .ok()
        .json();
    let text = back[0]["text"].as_str().unwrap().to_lowercase();
    assert!(text.contains("feed the cat"), "the speaker said {text:?}");
}

#[test]
fn hotkeys_held_by_another_program_are_reported_with_the_setting_to_change() {
    let home = TempHome::new();
    let x = XServer::start();
    let start = |home: &TempHome| {
        let run = tonny(home)
            .x11(&x)
            .args(["run", "--silent", "--events"])
            .spawn();
        run.events()
            .wait_for(Duration::from_secs(60), of_type("ready"));
        run
    };
    let first = start(&home);
    assert!(
        first
            .stderr_text()
            .contains("hotkey Ctrl+Shift+L: toggle_listening")
    );
    // A second program asking for the same keys.
    let other = TempHome::new();
    let second = start(&other);
    let err = second.stderr_text();
    assert!(
        err.contains("hotkey Ctrl+Shift+L is not available")
            && err.contains("tonny config set hotkeys.toggle_listening"),
        "{err}"
    );
    assert!(err.contains("tonny config set hotkeys.cancel"), "{err}");
    drop(first);
}

#[test]
fn push_to_talk_records_while_the_key_is_held_through_auto_repeat() {
    let home = TempHome::new();
    let (pulse, x) = (PulseServer::start(), XServer::start());
    let run = tonny(&home)
        .pulse(&pulse)
        .x11(&x)
        .env("TONNY_STT_MODEL", speech::model_dir())
        .args(["run", "--silent", "--events"])
        .spawn();
    let events = run.events();
    events.wait_for(Duration::from_secs(120), of_type("ready"));
    x.key_down("ctrl+shift+space");
    events.wait_for(Duration::from_secs(30), of_type("listening"));
    pulse.speak_wav(&speech::shared_audio_dir().join("timer.wav"));
    // Held well past the auto-repeat delay, and past the pause after the words.
    std::thread::sleep(Duration::from_millis(3500));
    assert!(
        events.of("transcript").is_empty(),
        "still recording while held"
    );
    x.key_up("ctrl+shift+space");
    let heard = events.wait_for(Duration::from_secs(60), of_type("transcript"));
    assert!(text_of(&heard).contains("timer"), "{heard}");
    let db = rusqlite::Connection::open(home.database()).unwrap();
    let start = std::time::Instant::now();
    loop {
        let n: i64 = db
            .query_row("SELECT count(*) FROM timers", [], |r| r.get(0))
            .unwrap();
        if n == 1 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timer not stored"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn without_a_speech_model_tonny_run_keeps_running_and_hears_once_one_is_installed() {
    let home = TempHome::new();
    let (pulse, x) = (PulseServer::start(), XServer::start());
    let model = home.path().join("models-to-come").join("tiny.en");
    let run = tonny(&home)
        .pulse(&pulse)
        .x11(&x)
        .env("TONNY_STT_MODEL", &model)
        .args(["run", "--silent", "--events"])
        .spawn();
    let events = run.events();
    events.wait_for(Duration::from_secs(60), of_type("ready"));
    assert!(
        run.stderr_text()
            .contains("listening waits until a speech model is installed"),
        "{}",
        run.stderr_text()
    );
    // Talk without a model: told why, and still running.
    x.key("ctrl+shift+l");
    let told = events.wait_for(Duration::from_secs(30), of_type("notification"));
    assert!(
        told["body"]
            .as_str()
            .unwrap()
            .contains(&model.display().to_string()),
        "the message names the missing model: {told}"
    );
    // The model arrives (the dashboard's setup, `tonny models install`): the next Talk hears.
    std::fs::create_dir_all(model.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(speech::model_dir(), &model).unwrap();
    let mark = events.len();
    x.key("ctrl+shift+l");
    events.wait_for_after(mark, Duration::from_secs(30), of_type("listening"));
    pulse.speak_wav(&speech::shared_audio_dir().join("timer.wav"));
    let heard = events.wait_for_after(mark, Duration::from_secs(60), of_type("transcript"));
    assert!(text_of(&heard).contains("timer"), "{heard}");
}
