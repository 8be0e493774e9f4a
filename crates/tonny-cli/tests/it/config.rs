//! `tonny config`.

use std::fs;

use serde_json::Value;
use tonny_testkit::TempHome;

use crate::tonny;

fn source_of(rows: &Value, key: &str) -> (Value, String) {
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("{key} missing"));
    (
        row["value"].clone(),
        row["source"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn set_get_reset_round_trip_through_the_database() {
    let home = TempHome::new();
    tonny(&home)
        .args(["config", "set", "agent.fallback_order", "n8n,local"])
        .run()
        .ok();
    let out = tonny(&home)
        .args(["config", "get", "agent.fallback_order", "--json"])
        .run()
        .ok();
    assert_eq!(out.json()["value"], serde_json::json!(["n8n", "local"]));
    assert_eq!(out.json()["source"], "database");
    let out = tonny(&home)
        .args(["config", "reset", "agent.fallback_order"])
        .run()
        .ok();
    assert_eq!(out.stdout.trim(), "agent.fallback_order = local (default)");
    let out = tonny(&home)
        .args(["config", "get", "agent.fallback_order"])
        .run()
        .ok();
    assert_eq!(out.stdout.trim(), "local");
}

#[test]
fn show_reports_every_key_and_which_layer_won() {
    let home = TempHome::new();
    tonny(&home)
        .args(["config", "set", "ui.theme", "dark"])
        .run()
        .ok();
    fs::create_dir_all(home.config_dir()).unwrap();
    fs::write(
        home.config_dir().join(".env"),
        "TONNY_AUDIO_VAD_SILENCE_MS=950\n",
    )
    .unwrap();
    let out = tonny(&home)
        .env("TONNY_TTS_SPEED", "1.1")
        .args(["config", "show", "--json"])
        .run()
        .ok();
    let rows = out.json();
    assert!(rows.as_array().unwrap().len() > 40);
    assert_eq!(
        source_of(&rows, "ui.theme"),
        ("dark".into(), "database".into())
    );
    assert_eq!(
        source_of(&rows, "audio.vad_silence_ms"),
        (950.into(), "dotenv".into())
    );
    assert_eq!(
        source_of(&rows, "tts.speed"),
        (1.1.into(), "environment".into())
    );
    assert_eq!(
        source_of(&rows, "stt.backend"),
        ("embedded".into(), "default".into())
    );
}

#[test]
fn invalid_values_name_the_field_the_reason_and_the_accepted_range_and_change_nothing() {
    let home = TempHome::new();
    let cases = [
        (
            ["audio.vad_silence_ms", "20"],
            "audio.vad_silence_ms = \"20\": is too small (accepted: 100 to 5000 ms)",
        ),
        (
            ["tts.stability", "abc"],
            "tts.stability = \"abc\": is not a number (accepted: a number)",
        ),
        (
            ["stt.backend", "whisper"],
            "accepted: one of `embedded`, `whisperlivekit`, `openai`",
        ),
        (
            ["chat.base_url", "http://webui.example.org"],
            "use https://",
        ),
        (["hotkeys.push_to_talk", "Space"], "has no modifier"),
        (["agent.fallback_order", "local,local"], "lists local twice"),
    ];
    for (args, expected) in cases {
        let out = tonny(&home)
            .args(["config", "set"])
            .args(args)
            .run()
            .failed();
        assert!(out.stderr.contains(expected), "{args:?}: {}", out.stderr);
    }
    let out = tonny(&home)
        .args(["config", "set", "audio.vad_silense_ms", "900"])
        .run()
        .failed();
    assert!(
        out.stderr.contains(
            "unknown setting `audio.vad_silense_ms` (did you mean `audio.vad_silence_ms`?)"
        ),
        "{}",
        out.stderr
    );
    let stats = tonny(&home)
        .args(["db", "stats", "--json"])
        .run()
        .ok()
        .json();
    assert_eq!(stats["tables"][0]["table"], "settings");
    assert_eq!(
        stats["tables"][0]["rows"], 0,
        "nothing may be stored after refused changes"
    );
}

#[test]
fn validate_fails_on_a_bad_environment_override_with_field_details() {
    let home = TempHome::new();
    let out = tonny(&home)
        .env("TONNY_CONVERSATION_HISTORY_LENGTH", "500")
        .args(["config", "validate", "--json"])
        .run()
        .failed();
    let v = out.json();
    assert_eq!(v["valid"], false);
    assert_eq!(v["fields"][0]["key"], "conversation.history_length");
    assert_eq!(v["fields"][0]["accepted"], "0 to 100 exchanges");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("TONNY_CONVERSATION_HISTORY_LENGTH")
    );
    tonny(&home).args(["config", "validate"]).run().ok();
}

#[test]
fn tonny_home_relocates_every_file() {
    let home = TempHome::new();
    let out = tonny(&home)
        .args(["config", "paths", "--json"])
        .run()
        .ok()
        .json();
    assert_eq!(out["database"], home.database().display().to_string());
    assert!(home.database().exists());
}
