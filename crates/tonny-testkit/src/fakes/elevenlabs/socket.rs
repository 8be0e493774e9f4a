//! The fake's `stream-input` WebSocket, as ElevenLabs runs it: the first message
//! `{"text":" ",…}` opens the session; text is buffered until a `"flush":true`, the end
//! (`{"text":""}`), or 120 buffered characters (the default `chunk_length_schedule`'s first
//! step); each generation is answered with `{"audio":base64,"isFinal":false,"alignment":{…}}`
//! messages no sooner than the scripted first-byte delay after the text that triggered it
//! arrived, then `{"isFinal":true}` and a normal close after the end. Failures are
//! `{"message","error","code":1008}` followed by a 1008 close: `invalid_api_key`,
//! `quota_exceeded`, `invalid_input_message`, `input_timeout_exceeded`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{Eleven, VOICE_ID, render};

/// Characters buffered before the server generates without a flush.
const FIRST_SCHEDULE_STEP: usize = 120;

/// `GET /v1/text-to-speech/{voice}/stream-input`.
pub(super) async fn entry(
    State(state): State<Arc<Mutex<Eleven>>>,
    Path(rest): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(voice) = rest.strip_suffix("/stream-input") else {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    };
    if voice != VOICE_ID {
        return super::detail(
            StatusCode::NOT_FOUND,
            "voice_not_found",
            &format!("A voice with the voice_id {voice} was not found."),
        );
    }
    let format = query
        .get("output_format")
        .cloned()
        .unwrap_or_else(|| "mp3_44100_128".into());
    let inactivity = query
        .get("inactivity_timeout")
        .and_then(|s| s.parse().ok())
        .unwrap_or(20u64);
    let key = headers
        .get("xi-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    upgrade.on_upgrade(move |ws| session(ws, state, format, inactivity, key))
}

type Sink = futures_util::stream::SplitSink<WebSocket, Message>;

async fn fail(ws: &mut Sink, error: &str, message: &str) {
    let body = json!({"message": message, "error": error, "code": 1008});
    let _ = ws.send(Message::Text(body.to_string().into())).await;
    let reason: String = message.chars().take(100).collect();
    let _ = ws
        .send(Message::Close(Some(CloseFrame {
            code: 1008,
            reason: reason.into(),
        })))
        .await;
}

async fn session(
    ws: WebSocket,
    state: Arc<Mutex<Eleven>>,
    format: String,
    inactivity: u64,
    header_key: Option<String>,
) {
    let (mut sink, mut stream) = ws.split();
    // Arrival times are kept, so a generation waits from when its text arrived, not from
    // when the previous generation finished.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        while let Some(Ok(msg)) = stream.next().await {
            if tx.send((Instant::now(), msg)).is_err() {
                break;
            }
        }
    });
    // The connection closes only once both halves are gone: the reader goes with the session.
    struct AbortOnDrop(tokio::task::JoinHandle<()>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let _reader = AbortOnDrop(reader);
    let mut buffer = String::new();
    let mut opened = false;
    let mut sent_audio = 0usize;
    let error = loop {
        let next = tokio::time::timeout(Duration::from_secs(inactivity), rx.recv()).await;
        let (arrived, msg) = match next {
            Ok(Some(m)) => m,
            Ok(None) => return, // the client went away
            Err(_) => {
                break Some((
                    "input_timeout_exceeded",
                    format!(
                        "Have not received a new text input within the timeout of {inactivity} \
                         seconds. Streaming input terminated. Please make sure to either feed \
                         the input in the timely manner, or to send the end of input text \
                         (empty string \"\") when done."
                    ),
                ));
            }
        };
        let text = match msg {
            Message::Text(t) => t.to_string(),
            Message::Close(_) => return,
            _ => continue,
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            break Some((
                "invalid_input_message",
                "Could not parse input message, make sure it is a json and follows the schema \
                 outlined in protocol."
                    .into(),
            ));
        };
        let Some(piece) = v.get("text").and_then(Value::as_str) else {
            break Some((
                "invalid_input_message",
                "Could not parse input message, make sure it is a json and follows the schema \
                 outlined in protocol."
                    .into(),
            ));
        };
        if !opened {
            opened = true;
            let key = header_key.clone().or_else(|| {
                v.get("xi_api_key")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
            let mut s = state.lock().unwrap();
            if key.as_deref() != Some(s.api_key.as_str()) {
                drop(s);
                break Some(("invalid_api_key", "Invalid API key".into()));
            }
            s.requests
                .push(json!({"socket": true, "format": format, "begin": v}));
            if piece == " " {
                continue;
            }
        }
        let end = piece.is_empty();
        buffer.push_str(piece);
        let flush = end || v.get("flush").and_then(Value::as_bool) == Some(true);
        let cut = if flush {
            Some(buffer.len())
        } else if buffer.chars().count() >= FIRST_SCHEDULE_STEP {
            buffer.rfind(' ').map(|i| i + 1)
        } else {
            None
        };
        if let Some(cut) = cut {
            let segment: String = buffer.drain(..cut).collect();
            if !segment.trim().is_empty() {
                match generate(&state, &segment, &format, arrived).await {
                    Ok(messages) => {
                        for m in messages {
                            let drop_after = state.lock().unwrap().socket_drop_after;
                            if drop_after.is_some_and(|n| sent_audio >= n) {
                                return; // the connection is lost without a close
                            }
                            if sink
                                .send(Message::Text(m.to_string().into()))
                                .await
                                .is_err()
                            {
                                return;
                            }
                            sent_audio += 1;
                        }
                    }
                    Err((code, message)) => break Some((code, message)),
                }
            }
        }
        if end {
            let _ = sink
                .send(Message::Text(json!({"isFinal": true}).to_string().into()))
                .await;
            let _ = sink.send(Message::Close(None)).await;
            break None;
        }
    };
    if let Some((code, message)) = error {
        fail(&mut sink, code, &message).await;
    }
}

/// Speaks `segment` and returns its audio messages, sent no sooner than the first-byte delay
/// after `arrived`; or the error that ends the session (quota).
async fn generate(
    state: &Arc<Mutex<Eleven>>,
    segment: &str,
    format: &str,
    arrived: Instant,
) -> Result<Vec<Value>, (&'static str, String)> {
    let chars: Vec<String> = segment.chars().map(String::from).collect();
    let first_byte = {
        let mut s = state.lock().unwrap();
        let n = chars.len() as u64;
        if s.character_count + n > s.character_limit {
            let left = s.character_limit - s.character_count;
            return Err((
                "quota_exceeded",
                format!(
                    "This request exceeds your quota of {}. You have {left} credits remaining, \
                     while {n} credits are required for this request.",
                    s.character_limit
                ),
            ));
        }
        s.character_count += n;
        s.segments.push(segment.to_owned());
        s.first_byte
    };
    let (text, format_owned) = (segment.to_owned(), format.to_owned());
    let audio = tokio::task::spawn_blocking(move || render(&text, &format_owned))
        .await
        .map_err(|e| ("internal_error", e.to_string()))?
        .map_err(|e| ("internal_error", e))?;
    tokio::time::sleep_until(arrived + first_byte).await;
    // Two chunks, each with the characters it speaks (as ElevenLabs' alignment does).
    let half = (audio.len() / 4) * 2;
    let split = chars.len() / 2;
    let message = |bytes: &[u8], chars: &[String], offset_ms: u64| {
        let starts: Vec<u64> = (0..chars.len() as u64)
            .map(|i| offset_ms + i * 60)
            .collect();
        json!({
            "audio": base64::engine::general_purpose::STANDARD.encode(bytes),
            "isFinal": false,
            "normalizedAlignment": null,
            "alignment": {
                "chars": chars,
                "charStartTimesMs": starts,
                "charDurationsMs": vec![60; chars.len()],
            }
        })
    };
    Ok(vec![
        message(&audio[..half], &chars[..split], 0),
        message(&audio[half..], &chars[split..], split as u64 * 60),
    ])
}
