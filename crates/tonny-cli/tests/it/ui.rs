//! The web UI in real headless Chromium against a real `tonny serve` (ui/e2e/*.mjs, driven by
//! playwright-core); screenshots of each view are kept under the test target directory.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use tonny_testkit::TempHome;

use crate::tonny;

fn ui_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui")
}

#[test]
fn typed_and_held_speech_are_answered_in_the_browser() {
    let home = TempHome::new();
    // The fake microphone's recording: a shared one, with a pause after it (Chromium loops it).
    let mic = home.path().join("timer-padded.wav");
    let status = Command::new("sox")
        .arg(tonny_testkit::speech::shared_audio_dir().join("timer.wav"))
        .arg(&mic)
        .args(["pad", "0.2", "3"])
        .status()
        .expect("sox (the test command installs it)");
    assert!(status.success());
    let mut serve = tonny(&home)
        .args(["serve", "--port", "0", "--no-hotkeys", "--silent"])
        .env("TONNY_STT_MODEL", tonny_testkit::speech::model_dir())
        .spawn();
    serve.wait_for_stderr("TonnyTray API and web UI on", Duration::from_secs(60));
    let url = tonny(&home)
        .arg("ui-url")
        .run()
        .ok()
        .stdout
        .trim()
        .to_owned();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ui-screenshots");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .current_dir(ui_dir())
        .args(["e2e/talk.mjs", &url])
        .env("FAKE_MIC_WAV", &mic)
        .arg(&shots)
        .output()
        .expect("running node (the test command installs Node.js and the UI's packages)");
    assert!(
        out.status.success(),
        "{}\n{}\ndaemon: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        serve.stderr_text()
    );
    for name in [
        "talk.png",
        "talk-holding.png",
        "history.png",
        "talk-360.png",
    ] {
        let size = std::fs::metadata(shots.join(name))
            .map(|m| m.len())
            .unwrap_or(0);
        assert!(
            size > 5_000,
            "{name} is {size} bytes: not a real screenshot"
        );
    }
    drop(serve);
}
