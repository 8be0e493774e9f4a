//! The event stream over a real socket: events arrive as JSON, the token may ride in the
//! query, 100 clients at once, and a client that stops reading holds nobody up.

use std::time::Duration;

use axum::http::Method;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::api::{Daemon, Socket, connect};

/// Reads events until one of `kind` arrives.
async fn until(ws: &mut Socket, kind: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap_or_else(|_| panic!("no {kind} event; saw {seen:?}"))
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            let done = v["type"] == kind;
            seen.push(v);
            if done {
                return seen;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_stream_to_every_client_and_a_stuck_one_holds_nobody_up() {
    let d = Daemon::start().await;
    let (base, _stop) = d.serve().await;
    let url = format!("{base}/api/v1/events");

    // Without the token the upgrade is refused.
    let refused = tokio_tungstenite::connect_async(url.as_str()).await;
    assert!(refused.is_err(), "connected without a token");

    let mut clients = Vec::new();
    for _ in 0..100 {
        clients.push(connect(&url).await);
    }
    // Connected, never read: its socket buffers fill while the others go on.
    let _stuck = connect(&url).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    for i in 0..30 {
        let (status, body) = d
            .call(
                Method::POST,
                "/api/v1/ask",
                Some(json!({"text": format!("what time is it {i}")})),
            )
            .await;
        assert!(status.is_success(), "{body}");
    }
    for ws in &mut clients {
        let mut replies = 0;
        while replies < 30 {
            let seen = until(ws, "agent_reply").await;
            replies += 1;
            if replies == 1 {
                assert!(
                    seen.iter()
                        .any(|e| e["type"] == "state_changed" && e["to"]["state"] == "thinking"),
                    "{seen:?}"
                );
            }
        }
    }
}

fn log_line(component: &str, message: &str) -> tonny_store::LogRecord {
    tonny_store::LogRecord {
        ts: chrono::Utc::now(),
        level: tonny_core::settings::LogLevel::Info,
        component: component.into(),
        message: message.into(),
        metadata: None,
    }
}

/// The next log line on the stream.
async fn next_line(ws: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a log line within 10 s")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_stream_sends_the_newest_lines_then_each_new_one_as_it_is_written() {
    let d = Daemon::start().await;
    let store = &d.handle.core().store;
    store
        .insert_logs(&[log_line("tts", "older"), log_line("stt", "not this one")])
        .await
        .unwrap();
    let (base, _stop) = d.serve().await;
    // Filtered by component; the token rides in the query as a browser sends it.
    let mut ws = connect(&format!("{base}/api/v1/logs/stream?component=tts&limit=10")).await;
    assert_eq!(next_line(&mut ws).await["message"], "older");
    // Written after the stream opened: pushed as it lands, no polling.
    store
        .insert_logs(&[log_line("stt", "skipped"), log_line("tts", "newer")])
        .await
        .unwrap();
    let line = next_line(&mut ws).await;
    assert_eq!(
        (line["message"].as_str(), line["component"].as_str()),
        (Some("newer"), Some("tts"))
    );
    // A bad filter is refused before the upgrade.
    let refused = tokio_tungstenite::connect_async(format!(
        "{base}/api/v1/logs/stream?level=loud&token={}",
        crate::api::TOKEN
    ))
    .await;
    assert!(refused.is_err(), "a bad level is refused");
}
