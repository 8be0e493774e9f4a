//! `GET /api/v1/events`: the pipeline's event bus as a WebSocket, one JSON text message per
//! event (`{"type":"state_changed",…}`). Each client reads its own copy of the bus; a client
//! that stops reading falls behind on its own (told with `{"type":"lagged","missed":N}`) and
//! is dropped if a send stays stuck, so it never holds up the bus or other clients.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use tokio::sync::broadcast::error::RecvError;

use super::ApiState;

/// A send that takes longer than this means the client stopped reading.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) async fn events(State(s): State<ApiState>, upgrade: WebSocketUpgrade) -> Response {
    let bus = s.core.bus.subscribe();
    upgrade.on_upgrade(move |ws| forward(ws, bus))
}

async fn forward(
    mut ws: WebSocket,
    mut bus: tokio::sync::broadcast::Receiver<tonny_core::pipeline::Event>,
) {
    loop {
        let text = tokio::select! {
            event = bus.recv() => match event {
                Ok(e) => match serde_json::to_string(&e) {
                    Ok(t) => t,
                    Err(_) => continue,
                },
                Err(RecvError::Lagged(missed)) => {
                    serde_json::json!({"type": "lagged", "missed": missed}).to_string()
                }
                Err(RecvError::Closed) => break,
            },
            incoming = ws.recv() => match incoming {
                // Pings are answered by the library; anything else from the client is ignored.
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => continue,
            },
        };
        match tokio::time::timeout(SEND_TIMEOUT, ws.send(Message::Text(text.into()))).await {
            Ok(Ok(())) => {}
            _ => break,
        }
    }
}
