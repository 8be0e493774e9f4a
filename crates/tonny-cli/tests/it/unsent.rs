//! Nothing dictated is lost: a dictation whose text never arrived (TonnyTray killed while
//! transcribing, or no way to type) keeps its recording, and `tonny history retry` types it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use tonny_testkit::{TempHome, XServer, speech};

use crate::{newest_notification_title, tonny};

fn unsent_dir(home: &TempHome) -> PathBuf {
    home.data_dir().join("recordings/unsent")
}

fn kept_files(home: &TempHome) -> Vec<PathBuf> {
    std::fs::read_dir(unsent_dir(home))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

fn unsent(home: &TempHome) -> Vec<Value> {
    tonny(home)
        .args(["--json", "history", "unsent"])
        .run()
        .ok()
        .json()
        .as_array()
        .cloned()
        .unwrap()
}

/// The shared recordings one after another: long enough that transcribing it takes a while.
fn long_recording(dir: &Path) -> PathBuf {
    let out = dir.join("long.wav");
    let shared = speech::shared_audio_dir();
    let mut sox = Command::new("sox");
    for name in [
        "family",
        "fox",
        "lights",
        "neural_dinner",
        "weather",
        "timer",
    ] {
        sox.arg(shared.join(format!("{name}.wav")));
    }
    assert!(sox.arg(&out).status().expect("running sox").success());
    out
}

#[test]
fn a_dictation_cut_off_by_a_crash_is_kept_and_history_retry_types_it() {
    let home = TempHome::new();
    let x = XServer::start();
    let wav = long_recording(home.path());
    let run = tonny(&home)
        .x11(&x)
        .env("TONNY_STT_MODEL", speech::model_dir())
        .args(["--json", "dictate", "--file"])
        .arg_path(&wav)
        .spawn();
    // The recording is kept before it is transcribed: TonnyTray dies right then.
    let start = Instant::now();
    while !kept_files(&home)
        .iter()
        .any(|p| p.extension().is_some_and(|e| e == "json"))
    {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the dictation was never kept: {}",
            run.stderr_text()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    run.kill();

    let left = unsent(&home);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0]["last_error"].is_null(), "{left:?}");
    for f in kept_files(&home) {
        let mode = std::fs::metadata(&f).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", f.display());
    }

    let typed_file = home.path().join("typed.txt");
    let mut xterm = x.xterm_cat(&typed_file);
    let retried = tonny(&home)
        .x11(&x)
        .env("TONNY_STT_MODEL", speech::model_dir())
        .args(["--json", "history", "retry"])
        .run()
        .ok()
        .json();
    let result = &retried[0]["result"];
    assert_eq!(result["outcome"]["delivery"]["how"], "typed", "{retried}");
    x.key("ctrl+d");
    x.key("ctrl+d");
    let _ = xterm.wait();
    let typed = std::fs::read_to_string(&typed_file).unwrap();
    let transcript = result["transcript"].as_str().unwrap();
    assert_eq!(typed, format!("{transcript} "));
    assert!(
        speech::normalize(transcript).len() > 30,
        "the whole recording: {transcript}"
    );
    assert!(unsent(&home).is_empty());
    assert!(kept_files(&home).is_empty(), "{:?}", kept_files(&home));
}

#[test]
fn a_dictation_that_could_not_be_delivered_is_kept_with_why_until_a_retry_delivers_it() {
    let home = TempHome::new();
    let lights = speech::shared_audio_dir().join("lights.wav");
    // No display at all: neither typing nor the clipboard can take the text.
    let out = tonny(&home)
        .env("TONNY_STT_MODEL", speech::model_dir())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .args(["--json", "dictate", "--file"])
        .arg_path(&lights)
        .run()
        .json();
    assert!(out["delivery"].is_null(), "{out}");
    let left = unsent(&home);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0]["last_error"].is_string(), "{left:?}");
    // The person was told where it is.
    assert_eq!(newest_notification_title(&home), "Dictation kept for later");

    let x = XServer::start();
    let id = left[0]["id"].as_str().unwrap();
    let retried = tonny(&home)
        .x11(&x)
        .env("TONNY_STT_MODEL", speech::model_dir())
        .env("TONNY_TYPING_METHOD", "clipboard")
        .args(["--json", "history", "retry", id])
        .run()
        .ok()
        .json();
    assert_eq!(
        retried[0]["result"]["outcome"]["delivery"]["how"], "clipboard",
        "{retried}"
    );
    let written = &retried[0]["result"]["outcome"]["dictated"]["text"];
    assert_eq!(x.clipboard(), format!("{} ", written.as_str().unwrap()));
    assert!(unsent(&home).is_empty());
    // An id that is not one (here a path) is refused, and nothing is read or typed.
    tonny(&home)
        .x11(&x)
        .args(["history", "retry", "../../etc/passwd"])
        .run()
        .failed();
    assert_eq!(x.clipboard(), format!("{} ", written.as_str().unwrap()));
}
