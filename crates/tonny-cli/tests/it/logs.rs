//! `tonny logs`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tonny_testkit::TempHome;

use crate::tonny;

#[test]
fn changes_are_recorded_and_filtered_by_level_and_component() {
    let home = TempHome::new();
    tonny(&home)
        .args(["config", "set", "ui.theme", "dark"])
        .run()
        .ok();
    tonny(&home)
        .args(["profiles", "add", "Sam", "-p", "admin"])
        .run()
        .ok();
    let all = tonny(&home).args(["logs", "--json"]).run().ok();
    let lines: Vec<serde_json::Value> = all
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", all.stdout);
    assert_eq!(lines[0]["component"], "config");
    assert_eq!(lines[0]["metadata"]["key"], "ui.theme");
    assert_eq!(lines[1]["component"], "profiles");

    let only = tonny(&home)
        .args(["logs", "--component", "profiles"])
        .run()
        .ok();
    assert_eq!(only.stdout.lines().count(), 1);
    assert!(only.stdout.contains("profile added"));
    let warn = tonny(&home).args(["logs", "--level", "warn"]).run().ok();
    assert_eq!(warn.stdout, "");
    let bad = tonny(&home)
        .args(["logs", "--level", "loud"])
        .run()
        .failed();
    assert!(
        bad.stderr.contains("use trace, debug, info, warn or error"),
        "{}",
        bad.stderr
    );
}

#[test]
fn follow_prints_lines_recorded_after_it_started() {
    let home = TempHome::new();
    tonny(&home)
        .args(["config", "set", "ui.theme", "dark"])
        .run()
        .ok();
    let mut follower = Command::new(env!("CARGO_BIN_EXE_tonny"))
        .args(["logs", "--follow", "-n", "1"])
        .env("TONNY_HOME", home.path())
        .env("TONNY_SECRETS_BACKEND", "file")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(follower.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("setting changed"), "{first}");
    let started = Instant::now();
    tonny(&home)
        .args(["config", "set", "ui.theme", "light"])
        .run()
        .ok();
    tonny(&home)
        .args(["profiles", "add", "Mia", "-p", "admin"])
        .run()
        .ok();
    let second = lines.next().unwrap().unwrap();
    let third = lines.next().unwrap().unwrap();
    follower.kill().unwrap();
    follower.wait().unwrap();
    assert!(second.contains("setting changed"), "{second}");
    assert!(third.contains("profile added"), "{third}");
    assert!(started.elapsed() < Duration::from_secs(20));
}
