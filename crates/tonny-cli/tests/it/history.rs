//! `tonny history`: list, search, export.

use std::os::unix::fs::PermissionsExt;

use tonny_store::{NewTranscription, SqliteDb};
use tonny_testkit::{TempHome, fixtures};

use crate::tonny;

fn seed(home: &TempHome, n: u64) {
    tonny(home)
        .args(["profiles", "add", "Sam", "-p", "admin"])
        .run()
        .ok();
    let db = SqliteDb::open(&home.database()).unwrap();
    for i in 0..n {
        db.insert_transcription(&NewTranscription {
            text: fixtures::utterance(i),
            profile: (i % 2 == 0).then(|| "Sam".to_owned()),
            confidence: Some(0.87),
            ..Default::default()
        })
        .unwrap();
    }
    // A row whose text needs CSV quoting.
    db.insert_transcription(&NewTranscription {
        text: "Say \"hello, world\"\nthen stop".into(),
        ..Default::default()
    })
    .unwrap();
}

#[test]
fn export_streams_every_row_as_json_and_csv() {
    let home = TempHome::new();
    seed(&home, 2_345);
    let json = tonny(&home)
        .args(["history", "export", "--format", "json"])
        .run()
        .ok()
        .json();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 2_346);
    assert_eq!(rows[0]["text"], "Say \"hello, world\"\nthen stop");
    assert_eq!(rows.last().unwrap()["id"], 1);

    let path = home.path().join("history.csv");
    tonny(&home)
        .args(["history", "export", "--format", "csv", "--output"])
        .arg_path(&path)
        .run()
        .ok();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    assert!(headers.iter().any(|h| h == "text"));
    let records: Vec<_> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 2_346);
    let text_col = headers.iter().position(|h| h == "text").unwrap();
    assert_eq!(&records[0][text_col], "Say \"hello, world\"\nthen stop");

    let sam = tonny(&home)
        .args(["history", "export", "--format", "json", "--profile", "Sam"])
        .run()
        .ok()
        .json();
    assert_eq!(sam.as_array().unwrap().len(), 1_173);
}

#[test]
fn list_and_search_show_recent_and_matching_rows() {
    let home = TempHome::new();
    seed(&home, 40);
    let list = tonny(&home)
        .args(["history", "list", "-n", "5", "--json"])
        .run()
        .ok()
        .json();
    assert_eq!(list.as_array().unwrap().len(), 5);
    let hits = tonny(&home)
        .args(["history", "search", "porch", "light", "--json"])
        .run()
        .ok()
        .json();
    let hits = hits.as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(
        hits.iter()
            .all(|h| h["snippet"].as_str().unwrap().contains("[porch]"))
    );
    let text = tonny(&home).args(["history", "search", "zebra"]).run().ok();
    assert_eq!(text.stdout.trim(), "no matches");
    let bad = tonny(&home)
        .args(["history", "search", "\"*\""])
        .run()
        .failed();
    assert!(
        bad.stderr.contains("no words to look for"),
        "{}",
        bad.stderr
    );
}

#[test]
fn clear_deletes_one_profiles_history_or_all_with_and_without_a_daemon() {
    let home = TempHome::new();
    seed(&home, 10);
    let count = || {
        tonny(&home)
            .args(["--json", "history", "list", "-n", "100"])
            .run()
            .ok()
            .json()
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count(), 11);
    // Without --yes and without a terminal to ask on: refused, nothing deleted.
    let refused = tonny(&home).args(["history", "clear"]).run().failed();
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert_eq!(count(), 11);
    // No daemon: on the database directly.
    let out = tonny(&home)
        .args(["--json", "history", "clear", "--profile", "Sam", "--yes"])
        .run()
        .ok()
        .json();
    assert_eq!(out["transcriptions"], 5);
    assert_eq!(count(), 6);
    let missing = tonny(&home)
        .args(["history", "clear", "--profile", "Nobody", "--yes"])
        .run()
        .failed();
    assert!(missing.stderr.contains("no profile"), "{}", missing.stderr);
    // With a daemon: through its API, the same result.
    let run = tonny(&home)
        .args(["serve", "--port", "0", "--no-hotkeys", "--silent"])
        .spawn();
    tonny_testkit::DaemonApi::wait(home.path(), std::time::Duration::from_secs(60));
    let out = tonny(&home)
        .args(["--json", "history", "clear", "--yes"])
        .run()
        .ok()
        .json();
    assert_eq!(out["transcriptions"], 6);
    let _ = run.finish_after_kill();
    assert_eq!(count(), 0);
}
