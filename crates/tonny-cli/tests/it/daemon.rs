//! The `tonny` command as a client of a running daemon: requests, profile switches and settings
//! go through its API (so its activity and event stream show them, and they apply at once);
//! with no daemon the same commands run in-process. And what only a running daemon does:
//! hotkeys registered again when changed, a microphone found again after it is replugged, a
//! model installed from the hub with progress on the event stream.

use std::time::Duration;

use serde_json::json;
use tonny_testkit::cli::Running;
use tonny_testkit::{DaemonApi, FakeHub, PulseServer, TempHome, XServer, of_type, speech, text_of};

use crate::tonny;

fn serve(home: &TempHome) -> (Running, DaemonApi) {
    let run = tonny(home)
        .args(["serve", "--port", "0", "--no-hotkeys", "--silent"])
        .spawn();
    let api = DaemonApi::wait(home.path(), Duration::from_secs(60));
    (run, api)
}

#[test]
fn ask_goes_through_a_running_daemon_and_in_process_when_none_runs() {
    let home = TempHome::new();
    let (run, api) = serve(&home);
    let events = api.events();
    let out = tonny(&home)
        .args(["--json", "ask", "--silent", "what day is it"])
        .run()
        .ok()
        .json();
    assert!(out["reply"].as_str().unwrap().contains("Today is"), "{out}");
    assert_eq!(out["status"], "success");
    let finished = events.wait_for(Duration::from_secs(10), |e| e["type"] == "request_finished");
    assert_eq!(finished["status"], "success");
    let newest = api.get("/api/v1/activity?limit=1");
    assert_eq!(newest[0]["request"], "what day is it", "{newest}");
    // Printed as text when no --json, with the same exit code as in-process.
    let text = tonny(&home)
        .args(["ask", "--silent", "what day is it"])
        .run()
        .ok();
    assert!(text.stdout.starts_with("Today is"), "{}", text.stdout);
    let out = run.finish_after_kill();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !home.data_dir().join("daemon.json").exists(),
        "forgotten at stop"
    );

    // No daemon: the same command, in this process, the same answer and record.
    let alone = tonny(&home)
        .args(["--json", "ask", "--silent", "what day is it"])
        .run()
        .ok()
        .json();
    assert!(
        alone["reply"].as_str().unwrap().contains("Today is"),
        "{alone}"
    );
    let db = rusqlite::Connection::open(home.database()).unwrap();
    let n: i64 = db
        .query_row("SELECT count(*) FROM activity", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 3);
}

#[test]
fn tonny_run_is_reached_by_the_tonny_command_too() {
    let home = TempHome::new();
    let run = tonny(&home)
        .args(["run", "--no-hotkeys", "--silent", "--events"])
        .spawn();
    let events = run.events();
    events.wait_for(Duration::from_secs(60), of_type("ready"));
    let out = tonny(&home)
        .args(["--json", "ask", "--silent", "what day is it"])
        .run()
        .ok()
        .json();
    assert_eq!(out["status"], "success", "{out}");
    // Handled by the running daemon: its own event stream shows the request.
    events.wait_for(Duration::from_secs(10), of_type("request_finished"));
    // Its API is the one the runtime file names.
    let api = DaemonApi::wait(home.path(), Duration::from_secs(10));
    assert_eq!(
        api.get("/api/v1/activity?limit=1")[0]["request"],
        "what day is it"
    );
    let out = run.finish_after_kill();
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_daemon_that_does_not_answer_is_reported_and_the_command_still_works() {
    let home = TempHome::new();
    // A live process that is no daemon, at an address where nothing listens.
    let mut stand_in = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .unwrap();
    let port = tonny_testkit::free_port();
    std::fs::create_dir_all(home.data_dir()).unwrap();
    std::fs::write(
        home.data_dir().join("daemon.json"),
        json!({"url": format!("http://127.0.0.1:{port}/"), "pid": stand_in.id(), "version": "0"})
            .to_string(),
    )
    .unwrap();
    let out = tonny(&home)
        .args(["--json", "ask", "--silent", "what day is it"])
        .run();
    let _ = stand_in.kill();
    let _ = stand_in.wait();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["status"], "success");
    // The person is told which process did not answer and which file names it.
    assert!(
        out.stderr.contains(&stand_in.id().to_string()) && out.stderr.contains("daemon.json"),
        "{}",
        out.stderr
    );
}

#[test]
fn sighup_applies_a_change_stored_without_the_daemon_and_the_daemon_keeps_running() {
    let home = TempHome::new();
    let (run, api) = serve(&home);
    let events = api.events();
    // Stored straight into the database, as a program that does not ask the daemon would.
    tonny(&home)
        .env("TONNY_NO_DAEMON", "1")
        .args(["config", "set", "response.mode", "text_only"])
        .run()
        .ok();
    assert_ne!(api.get("/api/v1/status")["response_mode"], "text_only");
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &run.pid().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let changed = events.wait_for(Duration::from_secs(10), |e| e["type"] == "settings_changed");
    assert_eq!(changed["keys"], json!(["response.mode"]));
    assert_eq!(api.get("/api/v1/status")["response_mode"], "text_only");
    // Still running: it stops cleanly when asked to.
    let out = run.finish_after_kill();
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn profiles_use_and_config_set_go_through_the_daemon_and_are_announced_once() {
    let home = TempHome::new();
    for name in ["Mia", "Leo"] {
        tonny(&home)
            .args(["profiles", "add", name, "--permission", "user"])
            .run()
            .ok();
    }
    let (run, api) = serve(&home);
    let events = api.events();
    let before = api.get("/api/v1/status")["profile"]
        .as_str()
        .unwrap()
        .to_owned();
    let target = if before == "Mia" { "Leo" } else { "Mia" };
    tonny(&home).args(["profiles", "use", target]).run().ok();
    let changed = events.wait_for(Duration::from_secs(10), |e| e["type"] == "profile_changed");
    assert_eq!(
        (changed["profile"].as_str(), changed["previous"].as_str()),
        (Some(target), Some(before.as_str()))
    );
    assert_eq!(api.get("/api/v1/status")["profile"], target);
    tonny(&home)
        .args(["config", "set", "response.mode", "text_only"])
        .run()
        .ok();
    let changed = events.wait_for(Duration::from_secs(10), |e| e["type"] == "settings_changed");
    assert_eq!(changed["keys"], json!(["response.mode"]));
    assert_eq!(
        api.get("/api/v1/status")["response_mode"],
        "text_only",
        "applied at once"
    );
    // A refused value is refused by the daemon, each field named.
    let bad = tonny(&home)
        .args(["config", "set", "audio.vad_silence_ms", "5"])
        .run()
        .failed();
    assert!(
        bad.stderr.contains("audio.vad_silence_ms"),
        "{}",
        bad.stderr
    );
    let port = tonny(&home)
        .args(["config", "set", "server.port", "9321"])
        .run()
        .ok();
    assert!(
        port.stderr.contains("after TonnyTray restarts"),
        "{}",
        port.stderr
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(events.of("profile_changed").len(), 1, "{:?}", events.all());
    let _ = run.finish_after_kill();
}

/// `tonny run` with hotkeys and a microphone, in a private X server and sound server.
fn run_with_hotkeys(home: &TempHome, pulse: &PulseServer, x: &XServer) -> (Running, DaemonApi) {
    let run = tonny(home)
        .pulse(pulse)
        .x11(x)
        .env("TONNY_STT_MODEL", speech::model_dir())
        .args(["serve", "--port", "0", "--silent"])
        .spawn();
    let api = DaemonApi::wait(home.path(), Duration::from_secs(120));
    (run, api)
}

#[test]
fn a_hotkey_changed_in_the_api_is_registered_again_without_a_restart() {
    let home = TempHome::new();
    let (pulse, x) = (PulseServer::start(), XServer::start());
    let (run, api) = run_with_hotkeys(&home, &pulse, &x);
    let events = api.events();
    api.patch_settings(json!({"hotkeys.toggle_listening": "Ctrl+Alt+T"}));
    std::thread::sleep(Duration::from_millis(500));
    // The old combination does nothing now; the new one listens.
    x.key("ctrl+shift+l");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        events.of("listening").is_empty(),
        "the old key still listens:\n{}\n{:#?}",
        run.stderr_text(),
        events.all()
    );
    x.key("ctrl+alt+t");
    events.wait_for(Duration::from_secs(30), |e| e["type"] == "listening");
    pulse.speak_wav(&speech::shared_audio_dir().join("timer.wav"));
    let heard = events.wait_for(Duration::from_secs(60), |e| e["type"] == "transcript");
    assert!(text_of(&heard).contains("timer"), "{heard}");
    let _ = run.finish_after_kill();
}

/// One press heard to the end (lights.wav), so the daemon holds the device.
fn heard_once(pulse: &PulseServer, x: &XServer, events: &tonny_testkit::daemon::Events) {
    x.key("ctrl+shift+l");
    events.wait_for(Duration::from_secs(30), |e| e["type"] == "listening");
    pulse.speak_wav(&speech::shared_audio_dir().join("lights.wav"));
    events.wait_for(Duration::from_secs(60), |e| e["type"] == "transcript");
    events.wait_for(Duration::from_secs(30), |e| {
        e["type"] == "state_changed" && e["to"]["state"] == "idle"
    });
}

#[test]
fn a_muted_microphone_is_closed_and_not_listened_to_until_it_is_unmuted() {
    let home = TempHome::new();
    let (pulse, x) = (PulseServer::start(), XServer::start());
    let (run, api) = run_with_hotkeys(&home, &pulse, &x);
    let events = api.events();
    // Heard once, so the daemon holds the device (paused between utterances).
    heard_once(&pulse, &x, &events);
    assert!(
        pulse.mic_streams() > 0,
        "the device is held between presses"
    );

    api.patch_settings(json!({"audio.muted": true}));
    let started = std::time::Instant::now();
    while pulse.mic_streams() > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the microphone stayed open while muted"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // A press is refused with a notice, and nothing opens the device.
    let mark = events.len();
    x.key("ctrl+shift+l");
    events.wait_for_after(mark, Duration::from_secs(10), |e| {
        e["type"] == "notification"
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        events.all()[mark..]
            .iter()
            .all(|e| e["type"] != "listening"),
        "a muted microphone listened: {:?}",
        &events.all()[mark..]
    );
    assert_eq!(pulse.mic_streams(), 0);

    api.patch_settings(json!({"audio.muted": false}));
    let mark = events.len();
    x.key("ctrl+shift+l");
    events.wait_for_after(mark, Duration::from_secs(30), |e| e["type"] == "listening");
    pulse.speak_wav(&speech::shared_audio_dir().join("timer.wav"));
    let heard = events.wait_for_after(mark, Duration::from_secs(60), |e| e["type"] == "transcript");
    assert!(text_of(&heard).contains("timer"), "{heard}");
    let _ = run.finish_after_kill();
}

#[test]
fn a_microphone_unplugged_and_plugged_in_again_is_heard_on_the_next_press() {
    let home = TempHome::new();
    let (pulse, x) = (PulseServer::start(), XServer::start());
    let (run, api) = run_with_hotkeys(&home, &pulse, &x);
    let events = api.events();
    // Heard once, so the daemon holds the device.
    heard_once(&pulse, &x, &events);

    pulse.unplug_mic();
    events.wait_for(Duration::from_secs(20), |e| {
        e["type"] == "device_changed" && e["available"] == false
    });
    pulse.plug_mic();
    // Without waiting for the watcher: the next press finds the device again itself.
    x.key("ctrl+shift+l");
    let listening = events.wait_for(Duration::from_secs(30), |e| {
        e["type"] == "listening" && events_after_unplug(e)
    });
    assert!(listening["device"].is_string());
    pulse.speak_wav(&speech::shared_audio_dir().join("timer.wav"));
    events.wait_for(Duration::from_secs(60), |e| {
        e["type"] == "transcript" && text_of(e).contains("timer")
    });
    assert!(
        events
            .of("device_changed")
            .iter()
            .any(|e| e["available"] == true),
        "the return is announced: {:?}",
        events.of("device_changed")
    );
    let _ = run.finish_after_kill();
}

/// The second utterance's events (numbered after the first).
fn events_after_unplug(e: &serde_json::Value) -> bool {
    e["utterance"].as_u64().unwrap_or(0) >= 2
}

#[test]
fn a_model_installed_through_the_api_comes_from_the_hub_with_progress_events() {
    let home = TempHome::new();
    let hub = FakeHub::start();
    hub.add_repo_from_dir("Systran/faster-whisper-tiny.en", &speech::model_dir());
    let run = tonny(&home)
        .env("HF_ENDPOINT", hub.url())
        .env("HF_HUB_CACHE", home.path().join("hf-cache"))
        .args(["serve", "--port", "0", "--no-hotkeys", "--silent"])
        .spawn();
    let api = DaemonApi::wait(home.path(), Duration::from_secs(60));
    let events = api.events();
    let started = api.post("/api/v1/models/tiny.en/install", json!({}));
    assert_eq!(started["model"], "tiny.en");
    let done = events.wait_for(Duration::from_secs(120), |e| {
        e["type"] == "model_install" && (e["phase"] == "done" || e["phase"] == "failed")
    });
    assert_eq!(done["phase"], "done", "{done}");
    let progress = events.of("model_install");
    assert!(
        progress
            .iter()
            .any(|e| e["phase"] == "downloading" && e["done_bytes"].as_u64() > Some(0)),
        "{progress:?}"
    );
    let models = api.get("/api/v1/models");
    let tiny = models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "tiny.en")
        .cloned()
        .unwrap();
    assert_eq!(tiny["source"], "installed", "{models}");
    let _ = run.finish_after_kill();
}
