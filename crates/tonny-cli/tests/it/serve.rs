//! `tonny serve` as a person starts it: the API answers with the token from `tonny ui-url`,
//! typed requests go through the same assistant, a setting changed over the API survives a
//! restart, and SIGTERM stops it cleanly.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use serde_json::{Value, json};
use tonny_testkit::TempHome;

use crate::tonny;

fn start(home: &TempHome) -> tonny_testkit::cli::Running {
    let run = tonny(home)
        .args(["serve", "--port", "0", "--no-hotkeys", "--silent"])
        .spawn();
    tonny_testkit::DaemonApi::wait(home.path(), Duration::from_secs(60));
    run
}

/// `tonny ui-url`: the address and the token.
fn ui_url(home: &TempHome) -> (String, String) {
    let out = tonny(home).arg("ui-url").run().ok();
    let line = out.stdout.trim();
    let (url, token) = line.split_once("#token=").expect(line);
    (url.to_owned(), token.to_owned())
}

#[test]
fn serve_answers_with_the_ui_url_token_and_keeps_settings_across_a_restart() {
    let home = TempHome::new();
    let run = start(&home);
    let (url, token) = ui_url(&home);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let token_file = home.path().join("data/api-token");
    let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the token file is private");

    let http = reqwest::blocking::Client::new();
    let health: Value = http
        .get(format!("{url}healthz"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(health["status"], "ok");
    let refused = http.get(format!("{url}api/v1/status")).send().unwrap();
    assert_eq!(refused.status().as_u16(), 401);

    let answer: Value = http
        .post(format!("{url}api/v1/ask"))
        .bearer_auth(&token)
        .json(&json!({"text": "what day is it"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(answer["agent"], "local", "{answer}");
    assert!(
        answer["reply"].as_str().unwrap().contains("Today is"),
        "{answer}"
    );

    let patched = http
        .patch(format!("{url}api/v1/settings"))
        .bearer_auth(&token)
        .json(&json!({"response.mode": "text_only"}))
        .send()
        .unwrap();
    assert_eq!(patched.status().as_u16(), 200);
    let out = run.finish_after_kill();
    assert_eq!(out.code, 0, "SIGTERM is a clean stop: {}", out.stderr);
    assert!(
        !home.path().join("data/daemon.json").exists(),
        "the address is forgotten when the daemon stops"
    );

    // The setting is stored; a new daemon has it, and the same token works.
    let run = start(&home);
    let (url2, token2) = ui_url(&home);
    assert_eq!(token2, token, "the token is kept");
    let settings: Value = http
        .get(format!("{url2}api/v1/settings"))
        .bearer_auth(&token2)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(settings["values"]["response.mode"], "text_only");
    let status: Value = http
        .get(format!("{url2}api/v1/status"))
        .bearer_auth(&token2)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(status["response_mode"], "text_only", "{status}");
    drop(run);
}

#[test]
fn a_port_in_use_is_explained_with_the_setting_to_change() {
    let home = TempHome::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = tonny(&home)
        .args([
            "serve",
            "--no-hotkeys",
            "--silent",
            "--port",
            &port.to_string(),
        ])
        .run();
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("server.port"), "{}", out.stderr);
}

#[test]
fn a_request_in_flight_is_answered_before_the_daemon_stops() {
    let home = TempHome::new();
    let chat = tonny_testkit::fakes::FakeChat::start();
    // Slow enough that the stop arrives while the agent is still thinking.
    chat.set_pace(Duration::from_millis(1500), 50.0);
    let run = tonny(&home)
        .env("TONNY_AGENT_FALLBACK_ORDER", "chat,local")
        .env("TONNY_CHAT_BASE_URL", chat.url())
        .args(["serve", "--port", "0", "--no-hotkeys", "--silent"])
        .spawn();
    // Up once its runtime file names an API that answers.
    tonny_testkit::DaemonApi::wait(home.path(), Duration::from_secs(60));
    let (url, token) = ui_url(&home);
    let asking = std::thread::spawn(move || {
        reqwest::blocking::Client::new()
            .post(format!("{url}api/v1/ask"))
            .bearer_auth(&token)
            .json(&json!({"text": "tell me about the sun"}))
            .send()
            .map(|r| (r.status().as_u16(), r.json::<Value>().unwrap_or_default()))
    });
    // The request has reached the agent when the chat server has it.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while chat.requests().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the request never reached the agent"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = run.finish_after_kill();
    let (status, answer) = asking.join().unwrap().expect("answered, not cut off");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["agent"], "chat", "{answer}");
    assert_eq!(out.code, 0, "{}", out.stderr);
}
