//! The n8n agent against the fake n8n: every response mode, every error n8n (or a proxy in
//! front of it) sends, and a dead or silent server.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::DateTime;
use tonny_core::agent::{Agent, AgentError, AgentRequest};
use tonny_core::breaker::BreakerPolicy;
use tonny_providers::agent::guarded::Guarded;
use tonny_providers::agent::n8n::{N8nAgent, N8nConfig};
use tonny_testkit::fakes::{FakeN8n, N8nMode};

fn request(text: &str) -> AgentRequest {
    AgentRequest {
        speaker: Some("1".into()),
        source: "voice".into(),
        conversation_id: "conv-1".into(),
        ..AgentRequest::new(
            text,
            "Mia",
            DateTime::parse_from_rfc3339("2026-11-22T15:05:00-05:00").unwrap(),
        )
    }
}

fn agent(url: &str, timeout_ms: u64) -> N8nAgent {
    N8nAgent::new(N8nConfig {
        url: url.to_owned(),
        header: None,
        timeout_ms,
    })
}

#[tokio::test]
async fn every_response_mode_gives_the_workflows_answer() {
    let n8n = FakeN8n::start();
    let a = agent(&n8n.webhook_url(), 5_000);
    let cases = [
        (N8nMode::LastNode, "n8n did: turn on the porch light"),
        (N8nMode::LastNodeItems, "n8n did: turn on the porch light"),
        (N8nMode::Text, "n8n did: turn on the porch light"),
        (N8nMode::OnReceived, "OK, I've passed that on."),
    ];
    for (mode, want) in cases {
        n8n.set_mode(mode.clone());
        let reply = a.ask(&request("turn on the porch light")).await.unwrap();
        assert_eq!(
            (reply.agent.as_str(), reply.text.as_str()),
            ("n8n", want),
            "{mode:?}"
        );
    }
    let sent = &n8n.received()[0];
    assert_eq!(sent["text"], "turn on the porch light");
    assert_eq!(sent["profile"], "Mia");
    assert_eq!(sent["speaker"], "1");
    assert_eq!(sent["source"], "voice");
    assert_eq!(sent["conversation_id"], "conv-1");
    assert_eq!(sent["timestamp"], "2026-11-22T15:05:00-05:00");
    assert_eq!(sent["idempotency_key"].as_str().unwrap().len(), 36);
}

#[tokio::test]
async fn header_auth_is_sent_and_a_wrong_one_is_explained() {
    let n8n = FakeN8n::start();
    n8n.require_header("X-Tonny-Key", "s3cret-value");
    let with = |value: &str| {
        N8nAgent::new(N8nConfig {
            url: n8n.webhook_url(),
            header: Some(("X-Tonny-Key".into(), value.into())),
            timeout_ms: 5_000,
        })
    };
    assert!(with("s3cret-value").ask(&request("hi")).await.is_ok());
    let err = with("wrong-value").ask(&request("hi")).await.unwrap_err();
    assert!(matches!(err, AgentError::Rejected(_)), "{err:?}");
    assert!(err.to_string().contains("header auth"), "{err}");
    assert!(!err.to_string().contains("wrong-value"));
}

#[tokio::test]
async fn each_n8n_error_becomes_a_message_a_person_understands() {
    let n8n = FakeN8n::start();
    let url = n8n.webhook_url();
    let a = agent(&url, 5_000);
    let cases: [(N8nMode, bool, &str); 5] = [
        (N8nMode::Inactive, false, "workflow is not active"),
        (
            N8nMode::WorkflowError,
            false,
            "failed while running (n8n says: Error in workflow)",
        ),
        (N8nMode::ProxyHtml, true, "an HTML page"),
        (N8nMode::MalformedJson, false, "labelled JSON but is not"),
        (N8nMode::Huge, false, "larger than 1048576 bytes"),
    ];
    for (mode, transient, says) in cases {
        n8n.set_mode(mode.clone());
        let err = a.ask(&request("hi")).await.unwrap_err();
        assert_eq!(err.is_transient(), transient, "{mode:?}: {err}");
        assert!(err.to_string().contains(says), "{mode:?}: {err}");
        assert!(
            !err.to_string().contains(&url),
            "the webhook URL is a secret: {err}"
        );
    }
}

#[tokio::test]
async fn a_silent_or_dead_n8n_is_unavailable_not_an_endless_wait() {
    let n8n = FakeN8n::start();
    n8n.set_mode(N8nMode::Hang);
    let a = agent(&n8n.webhook_url(), 300);
    let started = Instant::now();
    let err = a.ask(&request("hi")).await.unwrap_err();
    assert!(err.is_transient());
    assert!(
        err.to_string().contains("did not answer within 300 ms"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));

    let url = n8n.webhook_url();
    drop(n8n);
    let err = agent(&url, 2_000).ask(&request("hi")).await.unwrap_err();
    assert!(err.is_transient());
    assert!(err.to_string().contains("n8n is not reachable"), "{err}");
    assert!(!err.to_string().contains(&url), "{err}");
}

#[tokio::test]
async fn the_breaker_stops_calling_a_dead_backend_and_lets_a_trial_through_later() {
    let n8n = FakeN8n::start();
    n8n.set_mode(N8nMode::ProxyHtml);
    let policy = BreakerPolicy {
        open_for: Duration::from_millis(300),
        ..BreakerPolicy::default()
    };
    let guarded = Guarded::new(Arc::new(agent(&n8n.webhook_url(), 2_000)), policy);
    for _ in 0..3 {
        guarded.ask(&request("hi")).await.unwrap_err();
    }
    let err = guarded.ask(&request("hi")).await.unwrap_err();
    assert!(err.to_string().contains("paused"), "{err}");
    assert_eq!(n8n.received().len(), 3, "the open breaker did not call n8n");

    n8n.set_mode(N8nMode::LastNode);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(guarded.ask(&request("hi")).await.is_ok(), "half-open trial");
    assert!(guarded.ask(&request("hi")).await.is_ok());
    assert_eq!(
        guarded.breaker_state(),
        tonny_core::breaker::BreakerState::Closed
    );
}
