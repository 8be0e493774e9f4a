//! `tonny profiles`.

use tonny_testkit::TempHome;

use crate::tonny;

#[test]
fn kid_profile_with_patterns_limit_quiet_hours_and_pin() {
    let home = TempHome::new();
    tonny(&home)
        .args(["profiles", "add", "Sam", "--permission", "admin"])
        .run()
        .ok();
    tonny(&home)
        .args([
            "profiles",
            "add",
            "Mia",
            "-p",
            "kid",
            "--allow",
            "timer *",
            "--allow",
            "what time*",
            "--block",
            "buy *",
            "--daily-limit",
            "40",
            "--quiet-hours",
            "20:30-07:00",
            "--pin",
        ])
        .stdin("4821\n")
        .run()
        .ok();
    let mia = tonny(&home)
        .args(["profiles", "show", "mia", "--json"])
        .run()
        .ok()
        .json();
    assert_eq!(mia["permission"], "kid");
    assert_eq!(
        mia["allowed_commands"],
        serde_json::json!(["timer *", "what time*"])
    );
    assert_eq!(mia["daily_limit"], 40);
    assert_eq!(mia["quiet_hours"], "20:30-07:00");
    assert_eq!(mia["pin_set"], true);
    assert!(mia.get("pin_hash").is_none(), "the hash is not shown");

    // Stored as an argon2 hash, never the PIN.
    let c = rusqlite::Connection::open(home.database()).unwrap();
    let hash: String = c
        .query_row(
            "SELECT pin_hash FROM profiles WHERE name = 'Mia'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$") && !hash.contains("4821"),
        "{hash}"
    );

    tonny(&home)
        .args([
            "profiles",
            "edit",
            "Mia",
            "--remove-allow",
            "what time*",
            "--no-limit",
            "--clear-pin",
            "--rename",
            "Mia B",
        ])
        .run()
        .ok();
    let mia = tonny(&home)
        .args(["profiles", "show", "Mia B", "--json"])
        .run()
        .ok()
        .json();
    assert_eq!(mia["allowed_commands"], serde_json::json!(["timer *"]));
    assert_eq!(mia["daily_limit"], serde_json::Value::Null);
    assert_eq!(mia["pin_set"], false);
}

#[test]
fn bad_profile_input_is_explained() {
    let home = TempHome::new();
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["profiles", "add", "Leo", "-p", "root"],
            "",
            "use one of admin, user, kid, guest",
        ),
        (
            &["profiles", "add", "Leo", "-p", "kid", "--block", "buy ["],
            "",
            "not a valid glob",
        ),
        (
            &[
                "profiles",
                "add",
                "Leo",
                "-p",
                "kid",
                "--quiet-hours",
                "late",
            ],
            "",
            "HH:MM-HH:MM",
        ),
        (
            &["profiles", "add", "Leo", "-p", "kid", "--pin"],
            "12ab\n",
            "4 to 8 digits",
        ),
        (
            &["profiles", "add", "Leo", "-p", "kid", "--daily-limit", "0"],
            "",
            "at least 1",
        ),
    ];
    for (args, stdin, expected) in cases {
        let out = tonny(&home).args(args).stdin(stdin).run().failed();
        assert!(out.stderr.contains(expected), "{args:?}: {}", out.stderr);
    }
    assert_eq!(
        tonny(&home)
            .args(["profiles", "list", "--json"])
            .run()
            .ok()
            .json(),
        serde_json::json!([])
    );
    tonny(&home)
        .args(["profiles", "add", "Leo", "-p", "admin"])
        .run()
        .ok();
    let dup = tonny(&home)
        .args(["profiles", "add", "LEO", "-p", "user"])
        .run()
        .failed();
    assert!(dup.stderr.contains("already exists"), "{}", dup.stderr);
    tonny(&home)
        .args(["profiles", "add", "Zoe", "-p", "kid"])
        .run()
        .ok();
    let last = tonny(&home)
        .args(["profiles", "remove", "Leo", "--yes"])
        .run()
        .failed();
    assert!(last.stderr.contains("last admin"), "{}", last.stderr);
    let missing = tonny(&home)
        .args(["profiles", "show", "Nobody"])
        .run()
        .failed();
    assert!(
        missing.stderr.contains("tonny profiles list"),
        "{}",
        missing.stderr
    );
}
