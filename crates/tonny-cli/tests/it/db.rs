//! `tonny db`: corrupt files, backup and restore from the command line.

use std::fs;

use tonny_testkit::TempHome;

use crate::tonny;

#[test]
fn corrupt_database_is_reported_by_every_command_and_left_untouched() {
    let home = TempHome::new();
    fs::create_dir_all(home.data_dir()).unwrap();
    let junk = b"PK\x03\x04 this is a zip file, not a database".repeat(300);
    fs::write(home.database(), &junk).unwrap();
    for args in [
        &["db", "stats"][..],
        &["history", "list"],
        &["config", "show"],
    ] {
        let out = tonny(&home).args(args).run().failed();
        assert!(
            out.stderr.contains("is not a TonnyTray database"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("tonny db restore"), "{}", out.stderr);
    }
    let doctor = tonny(&home).args(["doctor"]).run().failed();
    assert!(
        doctor.stdout.contains("FAIL  database"),
        "{}",
        doctor.stdout
    );
    assert_eq!(fs::read(home.database()).unwrap(), junk);
}

#[test]
fn backup_and_restore_round_trip_with_safety_copy() {
    let home = TempHome::new();
    tonny(&home)
        .args(["config", "set", "ui.theme", "dark"])
        .run()
        .ok();
    tonny(&home).args(["db", "backup", "snap.db"]).run().ok();
    let again = tonny(&home)
        .args(["db", "backup", "snap.db"])
        .run()
        .failed();
    assert!(again.stderr.contains("--force"), "{}", again.stderr);

    tonny(&home)
        .args(["config", "set", "ui.theme", "light"])
        .run()
        .ok();
    // Without a terminal, a restore needs --yes.
    let refused = tonny(&home)
        .args(["db", "restore", "snap.db"])
        .run()
        .failed();
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.stderr);
    assert_eq!(
        tonny(&home)
            .args(["config", "get", "ui.theme"])
            .run()
            .ok()
            .stdout
            .trim(),
        "light"
    );

    let out = tonny(&home)
        .args(["db", "restore", "snap.db", "--yes", "--json"])
        .run()
        .ok();
    let safety = out.json()["safety_copy"].as_str().unwrap().to_owned();
    assert!(safety.starts_with(&home.data_dir().join("backups").display().to_string()));
    assert_eq!(
        tonny(&home)
            .args(["config", "get", "ui.theme"])
            .run()
            .ok()
            .stdout
            .trim(),
        "dark"
    );
    tonny(&home).args(["db", "check"]).run().ok();
}

#[test]
fn restore_from_a_non_database_changes_nothing() {
    let home = TempHome::new();
    tonny(&home)
        .args(["config", "set", "ui.theme", "dark"])
        .run()
        .ok();
    fs::write(
        home.path().join("photo.jpg"),
        b"\xFF\xD8\xFF\xE0 not sqlite",
    )
    .unwrap();
    let out = tonny(&home)
        .args(["db", "restore", "photo.jpg", "--yes"])
        .run()
        .failed();
    assert!(
        out.stderr.contains("not an SQLite database"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("the current database was not changed"),
        "{}",
        out.stderr
    );
    assert_eq!(
        tonny(&home)
            .args(["config", "get", "ui.theme"])
            .run()
            .ok()
            .stdout
            .trim(),
        "dark"
    );
}

#[test]
fn prune_uses_the_retention_setting_or_an_explicit_age() {
    let home = TempHome::new();
    let out = tonny(&home)
        .args(["db", "prune", "--older-than", "30d", "--json"])
        .run()
        .ok();
    assert_eq!(out.json()["transcriptions"], 0);
    tonny(&home)
        .args(["config", "set", "history.retention_days", "0"])
        .run()
        .ok();
    let out = tonny(&home).args(["db", "prune"]).run().ok();
    assert!(out.stdout.contains("keep forever"), "{}", out.stdout);
    let bad = tonny(&home)
        .args(["db", "prune", "--older-than", "thirty days"])
        .run()
        .failed();
    assert!(bad.stderr.contains("--older-than"), "{}", bad.stderr);
}
