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
    let d = Daemon::start();
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
