//! Records are true: a request queued for a backend that is down is `queued`, a chat server
//! that fails is `failed`, one that does not answer in time is `timeout` — in the activity
//! history, on the event stream and in the API's answer alike.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tonny_core::activity::ActivityStatus;
use tonny_core::pipeline::Event;
use tonny_testkit::fakes::FakeChat;
use tonny_testkit::fakes::chat::ChatFault;

use crate::api::{Daemon, TestParts};

async fn real_agents() -> Daemon {
    Daemon::with(TestParts {
        real_agents: true,
        ..TestParts::default()
    })
    .await
}

async fn patch(d: &Daemon, patch: Value) {
    let (status, body) = d.call(Method::PATCH, "/api/v1/settings", Some(patch)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Asks `text`; returns the answer's status, the event's and the activity row's.
async fn statuses(d: &Daemon, text: &str) -> (Value, ActivityStatus, Value) {
    let mut events = d.handle.subscribe();
    let (code, answer) = d
        .call(Method::POST, "/api/v1/ask", Some(json!({ "text": text })))
        .await;
    assert_eq!(code, StatusCode::OK, "{answer}");
    let event = Daemon::wait_event(&mut events, |e| match e {
        Event::RequestFinished { status, .. } => Some(*status),
        _ => None,
    })
    .await;
    let (_, rows) = d.call(Method::GET, "/api/v1/activity?limit=1", None).await;
    (answer["status"].clone(), event, rows[0]["status"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_queued_for_a_down_n8n_is_recorded_queued() {
    let d = real_agents().await;
    let closed = tonny_testkit::free_port();
    let (status, _) = d
        .call(
            Method::PUT,
            "/api/v1/secrets/n8n_webhook_url",
            Some(json!({"value": format!("http://127.0.0.1:{closed}/webhook/tonny")})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    patch(
        &d,
        json!({"agent.fallback_order": "n8n,local", "n8n.timeout_ms": 1000}),
    )
    .await;
    let (answer, event, row) = statuses(&d, "turn on the porch light").await;
    assert_eq!(answer, "queued");
    assert_eq!(event, ActivityStatus::Queued);
    assert_eq!(row, "queued", "the row is stored, not lost to the CHECK");
    let (_, stats) = d.call(Method::GET, "/api/v1/stats", None).await;
    assert!(stats.to_string().contains("outbox"), "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_from_the_chat_server_is_recorded_failed() {
    let chat = FakeChat::start();
    chat.set_fault(Some(ChatFault::ServerError));
    let d = real_agents().await;
    patch(
        &d,
        json!({"chat.base_url": chat.url(), "chat.stream": false, "agent.fallback_order": "chat"}),
    )
    .await;
    let (answer, event, row) = statuses(&d, "tell me a joke").await;
    assert_eq!(
        (answer.as_str(), event),
        (Some("failed"), ActivityStatus::Failed)
    );
    assert_eq!(row, "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_server_that_does_not_answer_in_time_is_recorded_timeout() {
    let chat = FakeChat::start();
    chat.set_pace(std::time::Duration::from_secs(5), 20.0);
    let d = real_agents().await;
    patch(
        &d,
        json!({"chat.base_url": chat.url(), "chat.stream": false, "chat.timeout_ms": 500,
               "agent.fallback_order": "chat"}),
    )
    .await;
    let (answer, event, row) = statuses(&d, "tell me a joke").await;
    assert_eq!(
        (answer.as_str(), event),
        (Some("timeout"), ActivityStatus::Timeout)
    );
    assert_eq!(row, "timeout");
}
