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
fn backups_go_to_the_backups_folder_compressed_and_prune_keeps_the_newest() {
    let home = TempHome::new();
    let theme = |t: &str| {
        tonny(&home)
            .args(["config", "set", "ui.theme", t])
            .run()
            .ok();
    };
    let mut written = Vec::new();
    for t in ["dark", "light", "system"] {
        theme(t);
        let out = tonny(&home)
            .args(["--json", "db", "backup"])
            .run()
            .ok()
            .json();
        let path = out["path"].as_str().unwrap().to_owned();
        assert!(path.ends_with(".db.gz"), "{path}");
        assert_eq!(&fs::read(&path).unwrap()[..2], &[0x1f, 0x8b], "gzip");
        written.push(path);
    }
    let listed = tonny(&home)
        .args(["--json", "db", "backups", "list"])
        .run()
        .ok()
        .json();
    let paths: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, written, "oldest first");
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["kind"] == "manual")
    );

    // A file the person put there is neither listed nor pruned.
    let mine = home.data_dir().join("backups/keep-me.db.gz");
    fs::write(&mine, b"mine").unwrap();
    let pruned = tonny(&home)
        .args(["--json", "db", "backups", "prune", "--keep", "2"])
        .run()
        .ok()
        .json();
    assert_eq!(pruned["removed"], serde_json::json!([written[0]]));
    assert!(!std::path::Path::new(&written[0]).exists());
    assert!(
        written[1..]
            .iter()
            .all(|p| std::path::Path::new(p).exists())
    );
    assert!(mine.exists());

    // The newest compressed backup restores what it holds.
    theme("dark");
    tonny(&home)
        .args(["db", "restore", &written[2], "--yes"])
        .run()
        .ok();
    let now = tonny(&home)
        .args(["config", "get", "ui.theme"])
        .run()
        .ok()
        .stdout;
    assert_eq!(now.trim(), "system");
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

/// Runs a shell script in a private mount namespace (so it can mount a tiny tmpfs without
/// touching the machine), returning its exit code.
fn in_mount_namespace(script: &str) -> i32 {
    let status = std::process::Command::new("unshare")
        .args([
            "--mount",
            "--map-root-user",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
        ])
        .status()
        .expect("running unshare (util-linux)");
    status.code().unwrap_or(-1)
}

#[test]
fn full_disk_is_a_clear_error_and_loses_nothing() {
    let home = TempHome::new();
    let out = home.path();
    let small = out.join("small");
    fs::create_dir_all(&small).unwrap();
    let pattern = format!("{}*", "a".repeat(100));
    let script = format!(
        r#"
set -u
mount -t tmpfs -o size=2m tmpfs {small} || exit 90
export TONNY_HOME={small} TONNY_SECRETS_BACKEND=file
T={tonny}
$T config set ui.theme dark >/dev/null || exit 91
$T profiles add Keep -p admin >/dev/null || exit 92
avail=$(df -k --output=avail {small} | tail -1)
# Leave ~120 KiB: enough for the database to open and take some writes, then fill up.
dd if=/dev/zero of={small}/filler bs=1k count=$((avail - 120)) 2>/dev/null
i=0
while [ $i -lt 1000 ]; do
  i=$((i + 1))
  $T profiles add "Extra $i with a long name" -p user --allow "{pattern}" >/dev/null 2>{out}/add-error.txt || break
done
echo $i > {out}/failed-at.txt
$T db backup {small}/snapshot.db 2>{out}/backup-error.txt
ls -a {small} {small}/data > {out}/listing.txt
rm {small}/filler
$T config get ui.theme > {out}/theme.txt
$T profiles list --json > {out}/profiles.json
$T db check > {out}/check.txt
"#,
        small = small.display(),
        out = out.display(),
        tonny = env!("CARGO_BIN_EXE_tonny"),
    );
    let code = in_mount_namespace(&script);
    assert_eq!(
        code, 0,
        "the scenario script failed (exit {code}); 90 means mounting a tmpfs in a user namespace is not allowed here"
    );
    let read = |f: &str| fs::read_to_string(out.join(f)).unwrap();
    let failed_at: usize = read("failed-at.txt").trim().parse().unwrap();
    assert!(failed_at < 1000, "the disk never filled up");
    assert!(
        failed_at > 5,
        "the disk was full before any write ({failed_at})"
    );
    let add_err = read("add-error.txt");
    assert!(add_err.contains("is full; free some space"), "{add_err}");
    let backup_err = read("backup-error.txt");
    assert!(backup_err.contains("is full"), "{backup_err}");
    let listing = read("listing.txt");
    assert!(
        !listing.contains("snapshot.db") && !listing.contains(".tonny-backup"),
        "{listing}"
    );
    // Everything written before the disk filled is intact.
    assert_eq!(read("theme.txt").trim(), "dark");
    let profiles: serde_json::Value = serde_json::from_str(&read("profiles.json")).unwrap();
    assert_eq!(profiles.as_array().unwrap().len(), 1 + failed_at - 1);
    assert!(read("check.txt").starts_with("ok"), "{}", read("check.txt"));
}

#[test]
fn damaged_pages_make_doctor_and_check_fail_with_a_way_out() {
    let home = TempHome::new();
    {
        let db = tonny_store::SqliteDb::open(&home.database()).unwrap();
        for i in 0..3_000 {
            db.insert_transcription(&tonny_store::NewTranscription {
                text: tonny_testkit::fixtures::utterance(i),
                ..Default::default()
            })
            .unwrap();
        }
        db.vacuum().unwrap();
    }
    let mut bytes = fs::read(home.database()).unwrap();
    for b in &mut bytes[4096 * 3..4096 * 6] {
        *b = 0xA5;
    }
    fs::write(home.database(), &bytes).unwrap();
    let doctor = tonny(&home).args(["doctor"]).run().failed();
    assert!(
        doctor.stdout.contains("FAIL  database"),
        "{}",
        doctor.stdout
    );
    assert!(
        doctor.stdout.contains("tonny db restore"),
        "{}",
        doctor.stdout
    );
    let check = tonny(&home).args(["db", "check"]).run().failed();
    let text = format!("{}{}", check.stdout, check.stderr);
    assert!(
        text.contains("PROBLEMS FOUND") || text.contains("is damaged"),
        "{text}"
    );
}
