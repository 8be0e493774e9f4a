//! "Test connection" (`POST /api/v1/backends/{name}/test`) against protocol-faithful fakes of
//! the cloud services and a real RabbitMQ broker: what each says when it works, when a key is
//! wrong, when it is down; unsaved settings are tested without being stored, and no secret is
//! ever in an answer.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tonny_testkit::RabbitServer;
use tonny_testkit::fakes::{
    FakeChat, FakeElevenLabs, FakeN8n, FakeWhisperLiveKit, N8nMode, WlkScript,
};

use crate::api::Daemon;

const XI_KEY: &str = "xi-test-key-0123456789";

impl Daemon {
    async fn set_secret(&self, name: &str, value: &str) {
        let (status, body) = self
            .call(
                Method::PUT,
                &format!("/api/v1/secrets/{name}"),
                Some(json!({ "value": value })),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }

    /// Tests `backend` with `settings` laid over the saved ones; the answer must be a 200.
    async fn test_backend(&self, backend: &str, settings: Value) -> Value {
        let (status, body) = self
            .call(
                Method::POST,
                &format!("/api/v1/backends/{backend}/test"),
                Some(json!({ "settings": settings })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["backend"], backend, "{body}");
        body
    }
}

fn said(body: &Value) -> &str {
    body["message"].as_str().unwrap_or_default()
}

/// An address on 127.0.0.1 where nothing listens.
fn nothing_listening() -> String {
    format!("http://127.0.0.1:{}", tonny_testkit::free_port())
}

#[tokio::test]
async fn chat_is_tested_with_unsaved_settings_which_stay_unsaved() {
    let d = Daemon::start().await;
    let chat = FakeChat::start();
    chat.require_key("sk-right");
    let settings =
        json!({"chat.base_url": chat.url(), "chat.model": "llama3.2", "chat.api": "openai"});

    let no_key = d.test_backend("chat", settings.clone()).await;
    assert_eq!(no_key["status"], "fail", "{no_key}");
    assert!(said(&no_key).contains("rejected the API key"), "{no_key}");

    d.set_secret("chat_api_key", "sk-right").await;
    let ok = d.test_backend("chat", settings.clone()).await;
    assert_eq!(ok["status"], "ok", "{ok}");
    assert!(said(&ok).contains("has model \"llama3.2\""), "{ok}");
    assert!(ok["elapsed_ms"].is_u64(), "{ok}");
    assert!(!ok.to_string().contains("sk-right"), "{ok}");

    let mut other_model = settings.clone();
    other_model["chat.model"] = json!("gpt-9");
    let missing = d.test_backend("chat", other_model).await;
    assert_eq!(missing["status"], "fail");
    assert!(said(&missing).contains("it offers: llama3.2"), "{missing}");

    let down = d
        .test_backend("chat", json!({"chat.base_url": nothing_listening()}))
        .await;
    assert_eq!(down["status"], "fail");
    assert!(said(&down).contains("not reachable"), "{down}");

    // The overlay was only for the test: the saved chat address is still the default.
    let (_, view) = d.call(Method::GET, "/api/v1/settings", None).await;
    assert_ne!(view["values"]["chat.base_url"], json!(chat.url()), "{view}");
}

#[tokio::test]
async fn n8n_is_asked_by_preflight_and_the_workflow_never_runs() {
    let d = Daemon::start().await;
    let none = d.test_backend("n8n", json!({})).await;
    assert_eq!(none["status"], "fail");
    assert!(said(&none).contains("n8n_webhook_url"), "{none}");

    let n8n = FakeN8n::start();
    let url = n8n.webhook_url();
    d.set_secret("n8n_webhook_url", &url).await;
    let ok = d.test_backend("n8n", json!({})).await;
    assert_eq!(ok["status"], "ok", "{ok}");
    assert!(said(&ok).contains("active webhook"), "{ok}");

    n8n.set_methods(&["GET"]);
    let get_only = d.test_backend("n8n", json!({})).await;
    assert_eq!(get_only["status"], "fail");
    assert!(said(&get_only).contains("takes only GET"), "{get_only}");

    n8n.set_mode(N8nMode::Inactive);
    let inactive = d.test_backend("n8n", json!({})).await;
    assert_eq!(inactive["status"], "fail");
    assert!(said(&inactive).contains("not active"), "{inactive}");
    // The webhook's path works like a password: not in any answer.
    for body in [&ok, &get_only, &inactive] {
        assert!(!body.to_string().contains("/webhook/tonny"), "{body}");
    }
    assert_eq!(n8n.preflights(), 3);
    assert!(
        n8n.received().is_empty(),
        "a test must not run the workflow"
    );

    let port = n8n.port();
    drop(n8n);
    let down = d.test_backend("n8n", json!({})).await;
    assert_eq!(down["status"], "fail");
    assert!(said(&down).contains("not reachable"), "{down}");
    assert!(!down.to_string().contains(&port.to_string()), "{down}");
}

#[tokio::test]
async fn elevenlabs_reports_the_quota_and_a_wrong_key() {
    let d = Daemon::start().await;
    let xi = FakeElevenLabs::start(XI_KEY);
    let at = json!({"tts.elevenlabs_url": xi.url()});
    d.set_secret("elevenlabs_api_key", "xi-wrong-key-000000")
        .await;
    let wrong = d.test_backend("elevenlabs", at.clone()).await;
    assert_eq!(wrong["status"], "fail");
    assert!(!wrong.to_string().contains("xi-wrong-key"), "{wrong}");

    d.set_secret("elevenlabs_api_key", XI_KEY).await;
    xi.set_quota(1_000, 10_000);
    let ok = d.test_backend("elevenlabs", at.clone()).await;
    assert_eq!(ok["status"], "ok", "{ok}");
    assert!(said(&ok).contains("1000 of 10000 characters"), "{ok}");

    xi.set_quota(9_800, 10_000);
    let nearly = d.test_backend("elevenlabs", at).await;
    assert_eq!(nearly["status"], "warn", "{nearly}");
}

#[tokio::test]
async fn speech_servers_are_tested_with_their_token() {
    let d = Daemon::start().await;
    let wlk = FakeWhisperLiveKit::start(WlkScript {
        token: Some("wlk-token-123456".into()),
        ..WlkScript::default()
    });
    let at = json!({"whisperlivekit.manage": false, "stt.whisperlivekit_url": wlk.asr_url()});
    let refused = d.test_backend("whisperlivekit", at.clone()).await;
    assert_eq!(refused["status"], "fail");
    assert!(
        said(&refused).contains("whisperlivekit_api_token"),
        "{refused}"
    );

    d.set_secret("whisperlivekit_api_token", "wlk-token-123456")
        .await;
    let ok = d.test_backend("whisperlivekit", at).await;
    assert_eq!(ok["status"], "ok", "{ok}");

    let down_url = nothing_listening().replace("http://", "ws://") + "/asr";
    let down = d
        .test_backend(
            "whisperlivekit",
            json!({"whisperlivekit.manage": false, "stt.whisperlivekit_url": down_url}),
        )
        .await;
    assert_eq!(down["status"], "fail");
    assert!(said(&down).contains("not answering"), "{down}");

    let openai = d
        .test_backend(
            "openai_stt",
            json!({"stt.openai_url": format!("{}/v1", wlk.url())}),
        )
        .await;
    assert_eq!(openai["status"], "ok", "{openai}");
    let openai_down = d
        .test_backend("openai_stt", json!({"stt.openai_url": nothing_listening()}))
        .await;
    assert_eq!(openai_down["status"], "fail", "{openai_down}");
}

#[tokio::test]
async fn rabbitmq_login_and_exchange_are_checked_on_a_real_broker() {
    let broker = RabbitServer::start();
    let d = Daemon::start().await;
    d.set_secret("rabbitmq_url", &broker.amqp_url()).await;
    let ok = d.test_backend("rabbitmq", json!({})).await;
    assert_eq!(ok["status"], "ok", "{ok}");
    assert!(said(&ok).contains("amq.topic"), "{ok}");

    let missing = d
        .test_backend("rabbitmq", json!({"rabbitmq.exchange": "tonny.nowhere"}))
        .await;
    assert_eq!(missing["status"], "fail");
    assert!(
        said(&missing).contains("no exchange \"tonny.nowhere\""),
        "{missing}"
    );

    let wrong = broker
        .amqp_url()
        .replace("guest:guest", "guest:wrong-password");
    assert_ne!(
        wrong,
        broker.amqp_url(),
        "the broker URL carries guest's password"
    );
    d.set_secret("rabbitmq_url", &wrong).await;
    let refused = d.test_backend("rabbitmq", json!({})).await;
    assert_eq!(refused["status"], "fail", "{refused}");
    assert!(!refused.to_string().contains("wrong-password"), "{refused}");
}

#[tokio::test]
async fn bad_test_requests_are_refused_with_the_error_shape() {
    let d = Daemon::start().await;
    let (status, body) = d
        .call(Method::POST, "/api/v1/backends/telepathy/test", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("chat, n8n"),
        "{body}"
    );

    let (status, body) = d
        .call(
            Method::POST,
            "/api/v1/backends/chat/test",
            Some(json!({"settings": {"chat.timeout_ms": "soon", "chat.model": "x"}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"]["fields"][0]["key"], "chat.timeout_ms",
        "{body}"
    );

    let (status, body) = d
        .call(
            Method::POST,
            "/api/v1/backends/chat/test",
            Some(json!({"settings": {}, "extra": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // With no body at all the saved settings are tested (the default chat address: nothing
    // answers there in the test).
    let (status, body) = d
        .call(Method::POST, "/api/v1/backends/chat/test", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "fail", "{body}");
}
