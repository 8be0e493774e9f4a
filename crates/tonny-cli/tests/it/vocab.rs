//! The household's vocabulary and replacements, and each profile's: `tonny vocab`, and what
//! they do to what the real `tiny.en` model writes.

use tonny_testkit::{TempHome, Tonny, speech};

use crate::tonny;

#[test]
fn the_household_vocabulary_spells_its_names_its_way() {
    let home = TempHome::new();
    let wav = home.path().join("settings.wav");
    // What a person says: "tony tray", the name of the app, which Whisper has never seen.
    speech::espeak_16k("Open tony tray settings.", &wav);
    let model = speech::model_dir();
    let json = || {
        tonny(&home)
            .args(["--json", "transcribe", "--no-store", "--model"])
            .arg_path(&model)
    };
    let heard = |t: Tonny, beam: &str| -> String {
        t.args(["--beam", beam]).arg_path(&wav).run().ok().json()[0]["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for beam in ["1", "5"] {
        let without = heard(json(), beam);
        assert!(!without.contains("TonnyTray"), "beam {beam}: {without}");
        let with = heard(json().args(["--vocab", "TonnyTray"]), beam);
        assert!(with.contains("TonnyTray"), "beam {beam}: {with}");
    }
    // The household's list in the settings is used by default.
    let set = heard(json().env("TONNY_STT_VOCABULARY", "Saoirse,TonnyTray"), "1");
    assert!(set.contains("TonnyTray"), "{set}");
    // Without the vocabulary, a replacement writes it the household's way.
    let replaced = heard(
        json().env("TONNY_STT_REPLACEMENTS", "open => Please open"),
        "1",
    );
    assert!(replaced.starts_with("Please open"), "{replaced}");
    // A malformed one is refused before anything is transcribed, naming the setting.
    let bad = json()
        .env("TONNY_STT_REPLACEMENTS", "no arrow")
        .arg_path(&wav)
        .run()
        .failed();
    assert!(bad.stderr.contains("stt.replacements"), "{}", bad.stderr);
}

#[test]
fn tonny_vocab_edits_the_households_terms_and_replacements() {
    let home = TempHome::new();
    let vocab = |args: &[&str]| tonny(&home).arg("--json").arg("vocab").args(args).run();
    vocab(&["add", "TonnyTray", "Saoirse", "TonnyTray"]).ok();
    vocab(&["replace", "tony tray", "TonnyTray"]).ok();
    vocab(&["replace", "e mail", "email"]).ok();
    // Replacing the same words again changes the entry, not adds one.
    vocab(&["replace", "Tony Tray", "TonnyTray!"]).ok();
    vocab(&["remove", "saoirse"]).ok();
    let list = vocab(&["list"]).ok().json();
    assert_eq!(list["terms"], serde_json::json!(["TonnyTray"]), "{list}");
    assert_eq!(
        list["replacements"],
        serde_json::json!(["e mail => email", "Tony Tray => TonnyTray!"]),
        "{list}"
    );
    // Used by transcription: the setting is what `tonny vocab` wrote.
    let wav = home.path().join("settings.wav");
    speech::espeak_16k("Open tony tray settings.", &wav);
    let text = tonny(&home)
        .args([
            "--json",
            "transcribe",
            "--no-store",
            "--beam",
            "1",
            "--model",
        ])
        .arg_path(&speech::model_dir())
        .arg_path(&wav)
        .run()
        .ok()
        .json()[0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains("TonnyTray"), "{text}");
    // Mistakes are explained and change nothing.
    let missing = vocab(&["unreplace", "nothing like it"]).failed();
    assert!(
        missing.stderr.contains("tonny vocab list"),
        "{}",
        missing.stderr
    );
    let bad = vocab(&["replace", "*", "x"]).failed();
    assert!(bad.stderr.contains("heard => written"), "{}", bad.stderr);
    vocab(&["unreplace", "e mail"]).ok();
    let after = vocab(&["list"]).ok().json();
    assert_eq!(
        after["replacements"].as_array().map(Vec::len),
        Some(1),
        "{after}"
    );
}

#[test]
fn tonny_vocab_keeps_each_profiles_lists_apart_from_the_households() {
    let home = TempHome::new();
    let vocab = |args: &[&str]| tonny(&home).arg("--json").arg("vocab").args(args).run();
    tonny(&home)
        .args(["profiles", "add", "Mum", "--permission", "admin"])
        .run()
        .ok();
    tonny(&home)
        .args(["profiles", "add", "Ava", "--permission", "user"])
        .run()
        .ok();
    vocab(&["add", "TonnyTray"]).ok();
    vocab(&["--profile", "Mum", "add", "Niamh"]).ok();
    vocab(&["--profile", "ava", "add", "Saoirse"]).ok();
    vocab(&["--profile", "Ava", "replace", "sears ha", "Saoirse"]).ok();
    let list = |profile: Option<&str>| {
        let mut args = vec!["list"];
        if let Some(p) = profile {
            args.extend(["--profile", p]);
        }
        vocab(&args).ok().json()
    };
    assert_eq!(list(None)["terms"], serde_json::json!(["TonnyTray"]));
    assert_eq!(list(None)["replacements"], serde_json::json!([]));
    assert_eq!(list(Some("Mum"))["terms"], serde_json::json!(["Niamh"]));
    assert_eq!(list(Some("Ava"))["terms"], serde_json::json!(["Saoirse"]));
    assert_eq!(
        list(Some("Ava"))["replacements"],
        serde_json::json!(["sears ha => Saoirse"])
    );
    let nobody = vocab(&["--profile", "Nobody", "add", "x"]).failed();
    assert!(
        nobody.stderr.contains("tonny profiles list"),
        "{}",
        nobody.stderr
    );

    // With a daemon running, the edit goes through it and leaves the rest of the profile be.
    tonny(&home)
        .args(["profiles", "edit", "Ava", "--block", "buy *"])
        .run()
        .ok();
    let _daemon = tonny(&home)
        .args(["serve", "--port", "0", "--no-hotkeys", "--silent"])
        .spawn();
    let api = tonny_testkit::DaemonApi::wait(home.path(), std::time::Duration::from_secs(60));
    vocab(&["--profile", "Ava", "add", "Caoimhe"]).ok();
    let profiles = api.get("/api/v1/profiles");
    let ava = profiles
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Ava")
        .unwrap()
        .clone();
    assert_eq!(
        ava["vocabulary"],
        serde_json::json!(["Saoirse", "Caoimhe"]),
        "{ava}"
    );
    assert_eq!(
        ava["blocked_commands"],
        serde_json::json!(["buy *"]),
        "{ava}"
    );
    assert_eq!(
        ava["replacements"].as_array().map(Vec::len),
        Some(1),
        "{ava}"
    );
}
