//! `tonny ask`, `tonny actions`, `tonny profiles use` and `tonny run`: the family rules, quick
//! actions, PIN-checked switching and timers that survive a crash, through the real binary.

use std::time::Duration;

use chrono::Timelike;
use tonny_testkit::{TempHome, of_type};

use crate::tonny;

fn ask(home: &TempHome, text: &str) -> tonny_testkit::Output {
    tonny(home).args(["--json", "ask", "--silent", text]).run()
}

fn add_family(home: &TempHome, kid_flags: &[&str]) {
    tonny(home)
        .args(["profiles", "add", "Mom", "--permission", "admin", "--pin"])
        .stdin("2468\n")
        .run()
        .ok();
    tonny(home)
        .args(["profiles", "add", "Mia", "--permission", "kid"])
        .args(kid_flags)
        .run()
        .ok();
    tonny(home)
        .args(["profiles", "use", "Mia"])
        .stdin("2468\n")
        .run()
        .ok();
}

#[test]
fn a_kid_is_refused_blocked_commands_after_the_limit_and_in_quiet_hours() {
    let home = TempHome::new();
    add_family(&home, &["--block", "buy *", "--daily-limit", "2"]);
    let refused = ask(&home, "please buy me a game");
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    let j = refused.json();
    assert_eq!(
        j["reply"],
        "Sorry Mia, that is not something I can do for you."
    );
    assert!(j["refused"].as_str().unwrap().contains("buy *"), "{j}");
    ask(&home, "what time is it").ok();
    ask(&home, "what's the date").ok();
    let over = ask(&home, "what time is it");
    assert_eq!(over.code, 3);
    assert!(
        over.json()["reply"]
            .as_str()
            .unwrap()
            .contains("all 2 requests for today"),
        "{}",
        over.stdout
    );

    // The refusals are in the activity history with their reasons.
    let db = rusqlite::Connection::open(home.database()).unwrap();
    let blocked: Vec<String> = db
        .prepare("SELECT error FROM activity WHERE status = 'blocked' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(blocked.len(), 2, "{blocked:?}");
    assert!(
        blocked[0].contains("buy *") && blocked[1].contains("daily limit"),
        "{blocked:?}"
    );

    // Quiet hours around now.
    let now = chrono::Local::now();
    let from = now - chrono::Duration::minutes(5);
    let to = now + chrono::Duration::minutes(5);
    let window = format!(
        "{:02}:{:02}-{:02}:{:02}",
        from.hour(),
        from.minute(),
        to.hour(),
        to.minute()
    );
    tonny(&home)
        .args([
            "profiles",
            "edit",
            "Mia",
            "--no-limit",
            "--quiet-hours",
            &window,
        ])
        .run()
        .ok();
    let quiet = ask(&home, "what time is it");
    assert_eq!(quiet.code, 3);
    assert!(
        quiet.json()["refused"]
            .as_str()
            .unwrap()
            .contains("quiet hours"),
        "{}",
        quiet.stdout
    );
}

#[test]
fn leaving_a_kid_profile_needs_the_admin_pin_and_wrong_pins_slow_down() {
    let home = TempHome::new();
    add_family(&home, &[]);
    let active = tonny(&home).args(["profiles", "active"]).run().ok();
    assert!(active.stdout.starts_with("Mia"), "{}", active.stdout);
    let no_pin = tonny(&home).args(["profiles", "use", "Mom"]).run().failed();
    assert!(
        no_pin.stderr.contains("needs an admin's PIN"),
        "{}",
        no_pin.stderr
    );
    for _ in 0..2 {
        let wrong = tonny(&home)
            .args(["profiles", "use", "Mom"])
            .stdin("1111\n")
            .run()
            .failed();
        assert!(wrong.stderr.contains("wrong PIN"), "{}", wrong.stderr);
    }
    let third = tonny(&home)
        .args(["profiles", "use", "Mom"])
        .stdin("1111\n")
        .run()
        .failed();
    assert!(third.stderr.contains("wait 30 s"), "{}", third.stderr);
    // Even the right PIN waits now.
    let locked = tonny(&home)
        .args(["profiles", "use", "Mom"])
        .stdin("2468\n")
        .run()
        .failed();
    assert!(
        locked.stderr.contains("too many wrong PINs"),
        "{}",
        locked.stderr
    );
    let still = tonny(&home).args(["profiles", "active"]).run().ok();
    assert!(still.stdout.starts_with("Mia"), "{}", still.stdout);
    // Once the wait is over (moved back in the database), the right PIN works.
    let db = rusqlite::Connection::open(home.database()).unwrap();
    db.execute("UPDATE pin_failures SET at = at - 120000", [])
        .unwrap();
    tonny(&home)
        .args(["profiles", "use", "Mom"])
        .stdin("2468\n")
        .run()
        .ok();
    let now = tonny(&home).args(["profiles", "active"]).run().ok();
    assert!(now.stdout.starts_with("Mom"), "{}", now.stdout);
}

#[test]
fn switching_to_a_kid_without_any_admin_pin_is_refused() {
    let home = TempHome::new();
    tonny(&home)
        .args(["profiles", "add", "Dad", "--permission", "admin"])
        .run()
        .ok();
    tonny(&home)
        .args(["profiles", "add", "Leo", "--permission", "kid"])
        .run()
        .ok();
    let out = tonny(&home).args(["profiles", "use", "Leo"]).run().failed();
    assert!(
        out.stderr.contains("no admin profile has a PIN"),
        "{}",
        out.stderr
    );
}

#[test]
fn quick_actions_run_their_steps_and_unknown_steps_are_refused() {
    let home = TempHome::new();
    tonny(&home)
        .args(["actions", "add", "night", "--phrase", "Good night"])
        .args([
            "--step",
            "ask:set a timer for eight hours",
            "--step",
            "speak:Sleep well",
        ])
        .run()
        .ok();
    let bad = tonny(&home)
        .args([
            "actions",
            "add",
            "dance",
            "--phrase",
            "dance",
            "--step",
            "wiggle:now",
        ])
        .run()
        .failed();
    assert!(
        bad.stderr.contains("unknown step kind 'wiggle'"),
        "{}",
        bad.stderr
    );
    assert!(
        bad.stderr.contains("open_url"),
        "names the kinds that exist: {}",
        bad.stderr
    );
    let out = tonny(&home)
        .args(["ask", "--silent", "hey Tonny, good night!"])
        .run()
        .ok();
    assert!(
        out.stdout.contains("Timer set for 8 hours."),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Sleep well"), "{}", out.stdout);
    let listed = tonny(&home)
        .args(["ask", "--silent", "list quick actions"])
        .run()
        .ok();
    assert!(
        listed.stdout.contains("\"Good night\""),
        "{}",
        listed.stdout
    );
}

#[test]
fn overlong_and_empty_requests_are_refused_with_the_limit() {
    let home = TempHome::new();
    let long = "please ".repeat(900);
    let out = tonny(&home).args(["ask", "--silent", &long]).run().failed();
    assert!(out.stderr.contains("limited to 5000"), "{}", out.stderr);
    let empty = tonny(&home).args(["ask", "--silent", "   "]).run().failed();
    assert!(empty.stderr.contains("empty"), "{}", empty.stderr);
}

#[test]
fn a_reminder_still_fires_after_tonny_is_killed_and_restarted() {
    let home = TempHome::new();
    let mut first = tonny(&home)
        .args(["run", "--silent", "--no-hotkeys", "--events"])
        .spawn();
    first
        .events()
        .wait_for(Duration::from_secs(30), of_type("ready"));
    first.send_line("remind me in 4 seconds to feed the cat");
    std::thread::sleep(Duration::from_millis(800));
    first.kill(); // SIGKILL: no chance to do anything on the way out
    let second = tonny(&home)
        .args(["run", "--silent", "--no-hotkeys", "--events"])
        .spawn();
    second.events().wait_for(Duration::from_secs(30), |e| {
        e["type"] == "notification" && e["body"].as_str().unwrap_or("").contains("feed the cat")
    });
    let db = rusqlite::Connection::open(home.database()).unwrap();
    let fired: i64 = db
        .query_row(
            "SELECT count(*) FROM timers WHERE fired_at IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(fired, 1);
}
