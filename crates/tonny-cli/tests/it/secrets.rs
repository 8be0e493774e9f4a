//! `tonny secrets`, against a real Secret Service and the encrypted-file fallback, and the
//! promise that a secret value never lands in the database, config, logs or any message.

use tonny_testkit::cli::files_containing;
use tonny_testkit::{Output, SecretService, TempHome};

use crate::tonny;

const CANARY: &str = "sk-canary-7f3a9c1e5b";

fn status(out: &Output, name: &str) -> serde_json::Value {
    out.json()["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()
        .clone()
}

#[test]
fn keychain_stores_reads_and_deletes_through_the_real_secret_service() {
    let service = SecretService::start();
    let home = TempHome::new();
    let bus = service.bus_address();
    let out = tonny(&home)
        .keychain(bus)
        .args(["-vv", "secrets", "set", "chat_api_key"])
        .stdin(format!("{CANARY}\n"))
        .run()
        .ok();
    assert!(!out.stdout.contains(CANARY) && !out.stderr.contains(CANARY));
    assert!(
        out.stdout.contains("Secret Service keychain"),
        "{}",
        out.stdout
    );
    // Read back independently of our code, with the service's own client.
    assert_eq!(
        service.lookup("tonnytray", "chat_api_key").as_deref(),
        Some(CANARY)
    );

    let st = tonny(&home)
        .keychain(bus)
        .args(["secrets", "status", "--json"])
        .run()
        .ok();
    assert_eq!(st.json()["backend"]["kind"], "keychain");
    assert_eq!(status(&st, "chat_api_key")["source"], "keychain");
    assert_eq!(status(&st, "elevenlabs_api_key")["configured"], false);

    tonny(&home)
        .keychain(bus)
        .args(["secrets", "delete", "chat_api_key"])
        .run()
        .ok();
    assert_eq!(service.lookup("tonnytray", "chat_api_key"), None);
    let again = tonny(&home)
        .keychain(bus)
        .args(["secrets", "delete", "chat_api_key"])
        .run()
        .failed();
    assert!(again.stderr.contains("not stored"), "{}", again.stderr);
    assert!(files_containing(&[home.path().to_path_buf()], CANARY).is_empty());
}

#[test]
fn without_a_session_bus_secrets_fall_back_to_the_encrypted_file_and_say_so() {
    let home = TempHome::new();
    let out = tonny(&home)
        .env("TONNY_SECRETS_BACKEND", "auto")
        .args(["secrets", "set", "openai_api_key"])
        .stdin(CANARY)
        .run()
        .ok();
    assert!(out.stdout.contains("encrypted file"), "{}", out.stdout);
    assert!(
        out.stderr.contains("no keychain was used"),
        "{}",
        out.stderr
    );
    let st = tonny(&home)
        .env("TONNY_SECRETS_BACKEND", "auto")
        .args(["secrets", "status", "--json"])
        .run()
        .ok();
    assert_eq!(st.json()["backend"]["kind"], "encrypted_file");
    assert!(
        st.json()["backend"]["fallback_reason"]
            .as_str()
            .unwrap()
            .contains("D-Bus")
    );
    assert_eq!(status(&st, "openai_api_key")["source"], "encrypted_file");
    assert!(files_containing(&[home.path().to_path_buf()], CANARY).is_empty());

    // Requiring the keychain where there is none is a clear error, not a silent fallback.
    let forced = tonny(&home)
        .env("TONNY_SECRETS_BACKEND", "keychain")
        .args(["secrets", "status"])
        .run()
        .failed();
    assert!(
        forced.stderr.contains("no keychain is reachable"),
        "{}",
        forced.stderr
    );
}

#[test]
fn environment_variables_supply_secrets_and_take_precedence() {
    let home = TempHome::new();
    tonny(&home)
        .args(["secrets", "set", "rabbitmq_url"])
        .stdin("amqp://guest:guest@127.0.0.1:5672/%2f")
        .run()
        .ok();
    let st = tonny(&home)
        .env("TONNY_RABBITMQ_URL", "amqps://u:p@rabbit.example.com/home")
        .env("TONNY_ELEVENLABS_API_KEY", "sk_from_env_123456")
        .args(["secrets", "status", "--json"])
        .run()
        .ok();
    assert_eq!(status(&st, "rabbitmq_url")["source"], "environment");
    assert_eq!(status(&st, "elevenlabs_api_key")["source"], "environment");
}

#[test]
fn other_tools_variables_are_used_when_nothing_else_supplies_the_key() {
    let home = TempHome::new();
    let theirs = "sk-openai-from-their-shell-123456";
    let with_theirs = || {
        tonny(&home)
            .env("OPENAI_API_KEY", theirs)
            .env("ELEVENLABS_API_KEY", "sk_eleven_from_their_shell_1234")
    };
    let st = with_theirs()
        .args(["secrets", "status", "--json"])
        .run()
        .ok();
    let openai = status(&st, "openai_api_key");
    assert_eq!(openai["source"], "conventional_environment", "{openai}");
    assert_eq!(openai["env_var"], "OPENAI_API_KEY");
    assert_eq!(
        status(&st, "elevenlabs_api_key")["env_var"],
        "ELEVENLABS_API_KEY"
    );
    // Not for the chat server: an OpenAI key must not go to another server.
    assert_eq!(status(&st, "chat_api_key")["configured"], false);
    // `tonny config show` names the variable, never the value.
    let shown = with_theirs().args(["config", "show"]).run().ok();
    assert!(shown.stdout.contains("OPENAI_API_KEY"), "{}", shown.stdout);
    assert!(!shown.stdout.contains(theirs) && !shown.stderr.contains(theirs));

    // Ours win: a stored value, then our variable.
    tonny(&home)
        .args(["secrets", "set", "openai_api_key"])
        .stdin("sk-stored-in-tonny-1234567")
        .run()
        .ok();
    let st = with_theirs()
        .args(["secrets", "status", "--json"])
        .run()
        .ok();
    assert_ne!(
        status(&st, "openai_api_key")["source"],
        "conventional_environment"
    );
    let st = with_theirs()
        .env("TONNY_OPENAI_API_KEY", "sk-ours-in-the-env-1234567")
        .args(["secrets", "status", "--json"])
        .run()
        .ok();
    assert_eq!(
        status(&st, "openai_api_key")["env_var"],
        "TONNY_OPENAI_API_KEY"
    );
}

#[test]
fn bad_values_are_refused_without_echoing_them_and_nothing_is_stored() {
    let home = TempHome::new();
    let cases = [
        ("chat_api_key", String::new(), "the value is empty"),
        ("chat_api_key", "   \n".to_owned(), "the value is empty"),
        (
            "n8n_webhook_url",
            format!("http://n8n.example.com/webhook/{CANARY}"),
            "use https://",
        ),
        (
            "n8n_webhook_url",
            format!("not a url {CANARY}"),
            "is not a valid URL",
        ),
        (
            "rabbitmq_url",
            format!("amqp://user:{CANARY}@rabbit.example.com"),
            "use amqps://",
        ),
        (
            "n8n_header_credential",
            CANARY.to_string(),
            "Header-Name: value",
        ),
        ("openai_api_key", format!("sk {CANARY}"), "contains spaces"),
    ];
    for (name, value, expected) in cases {
        let out = tonny(&home)
            .args(["secrets", "set", name])
            .stdin(&value)
            .run()
            .failed();
        assert!(out.stderr.contains(expected), "{name}: {}", out.stderr);
        assert!(
            out.stderr.contains("nothing was stored"),
            "{name}: {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains(CANARY) && !out.stdout.contains(CANARY),
            "{name} echoed"
        );
    }
    let unknown = tonny(&home)
        .args(["secrets", "set", "github_token"])
        .stdin("x")
        .run()
        .failed();
    assert!(
        unknown.stderr.contains("known secrets: elevenlabs_api_key"),
        "{}",
        unknown.stderr
    );
    let st = tonny(&home)
        .args(["secrets", "status", "--json"])
        .run()
        .ok();
    assert!(
        st.json()["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["configured"] == false)
    );
}

#[test]
fn secret_values_never_reach_the_database_config_logs_or_output() {
    let home = TempHome::new();
    let mut outputs = Vec::new();
    let mut run = |args: &[&str], stdin: &str| {
        let out = tonny(&home).args(["-vv"]).args(args).stdin(stdin).run();
        outputs.push(format!("{}\n{}", out.stdout, out.stderr));
        out
    };
    run(
        &["secrets", "set", "elevenlabs_api_key"],
        &format!("{CANARY}-eleven"),
    )
    .ok();
    run(
        &["secrets", "set", "n8n_webhook_url"],
        &format!("https://n8n.example.com/webhook/{CANARY}"),
    )
    .ok();
    run(
        &["secrets", "set", "rabbitmq_url"],
        &format!("amqps://tonny:{CANARY}@rabbit.example.com/home"),
    )
    .ok();
    run(
        &["secrets", "set", "n8n_header_credential"],
        &format!("X-Api-Key: {CANARY}"),
    )
    .ok();
    run(
        &["secrets", "set", "chat_api_key"],
        &format!("bad value {CANARY}"),
    )
    .failed();
    run(
        &[
            "config",
            "set",
            "agent.fallback_order",
            "local,n8n,rabbitmq",
        ],
        "",
    )
    .ok();
    run(&["config", "set", "tts.engine", "elevenlabs"], "").ok();
    run(&["secrets", "status"], "").ok();
    run(&["secrets", "status", "--json"], "").ok();
    run(&["doctor"], "");
    run(&["doctor", "--json"], "");
    run(&["logs", "--level", "trace", "--json"], "").ok();
    run(&["config", "show"], "").ok();
    run(&["db", "backup", "backup.db"], "").ok();
    run(&["db", "vacuum"], "").ok();
    run(&["secrets", "delete", "n8n_webhook_url"], "").ok();

    for (i, text) in outputs.iter().enumerate() {
        assert!(
            !text.contains(CANARY),
            "command #{i} printed the secret:\n{text}"
        );
    }
    let leaks = files_containing(&[home.path().to_path_buf()], CANARY);
    assert!(leaks.is_empty(), "secret found in {leaks:?}");
    // The doctor saw the configured secrets (so the check above was not vacuous).
    let doctor = tonny(&home).args(["doctor", "--json"]).run();
    let checks = doctor.json();
    assert!(
        checks.as_array().unwrap().iter().any(|c| c["message"]
            .as_str()
            .unwrap()
            .contains("elevenlabs_api_key is configured")),
        "{checks}"
    );
}
