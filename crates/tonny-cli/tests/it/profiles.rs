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

#[test]
fn parents_can_try_the_rules_before_a_child_meets_them() {
    let home = TempHome::new();
    tonny(&home)
        .args([
            "profiles",
            "add",
            "Mia",
            "--permission",
            "kid",
            "--allow",
            "timer *",
            "--allow",
            "what time *",
            "--block",
            "buy *",
            "--quiet-hours",
            "20:30-07:00",
        ])
        .run()
        .ok();
    let check = |request: &str, at: &str| {
        tonny(&home)
            .args(["--json", "profiles", "check", "mia", request, "--at", at])
            .run()
            .ok()
            .json()
    };
    let timer = check("Set a timer for ten minutes", "12:00");
    assert_eq!(timer["allowed"], true, "{timer}");
    let buy = check("Please buy me a new game!", "12:00");
    assert_eq!(buy["allowed"], false);
    assert_eq!(buy["reason"], "matched the block list pattern 'buy *'");
    assert!(
        buy["reply"].as_str().unwrap().starts_with("Sorry Mia"),
        "{buy}"
    );
    let late = check("what time is it", "21:15");
    assert_eq!(late["refusal"]["rule"], "quiet_hours", "{late}");
    let other = check("turn off the porch light", "12:00");
    assert_eq!(other["refusal"]["rule"], "not_allowed", "{other}");

    let text = tonny(&home)
        .args(["profiles", "check", "Mia", "buy", "candy", "--at", "12:00"])
        .run()
        .ok();
    assert!(
        text.stdout.contains("Mia would hear: Sorry Mia"),
        "{}",
        text.stdout
    );
    let bad_time = tonny(&home)
        .args(["profiles", "check", "Mia", "hello", "--at", "25:00"])
        .run()
        .failed();
    assert!(
        bad_time.stderr.contains("not a time of day like 21:15"),
        "{}",
        bad_time.stderr
    );
    let nobody = tonny(&home)
        .args(["profiles", "check", "Nobody", "hello"])
        .run()
        .failed();
    assert!(
        nobody.stderr.contains("tonny profiles list"),
        "{}",
        nobody.stderr
    );
}
