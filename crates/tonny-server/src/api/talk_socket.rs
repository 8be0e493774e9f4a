//! `GET /api/v1/talk`, the hold-to-talk WebSocket: `start` says what the audio is, binary
//! messages carry it while the button is held (counted against [`MAX_AUDIO_BYTES`] as they
//! arrive), `stop` ends it; the answer comes back as a `result` message and the spoken reply as
//! one WAV binary message. A cancelled, dropped or silent socket leaves nothing behind.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::Response;
use tonny_core::stt::SAMPLE_RATE;

use super::talk::session_error;
use super::talk_audio::{
    Answered, AudioFormat, IDLE_TIMEOUT, MAX_AUDIO_BYTES, MAX_MESSAGE_BYTES, Start, answered,
    decode, pcm_rate, recorded, too_large,
};
use super::{ApiError, ApiState};
use crate::assistant::ReplyTo;

/// `GET /api/v1/talk`: the hold-to-talk socket.
pub(super) async fn socket(State(s): State<ApiState>, upgrade: WebSocketUpgrade) -> Response {
    upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |ws| talk(ws, s))
}

fn json_message(value: serde_json::Value) -> Message {
    Message::Text(value.to_string().into())
}

/// Tells the client what went wrong and closes with `code`.
async fn refuse(ws: &mut WebSocket, e: &ApiError, close: u16) {
    let _ = ws
        .send(json_message(serde_json::json!({
            "type": "error", "code": e.code(), "message": e.message()
        })))
        .await;
    let _ = ws
        .send(Message::Close(Some(CloseFrame {
            code: close,
            reason: e.code().into(),
        })))
        .await;
    await_client_close(ws).await;
}

/// After our Close, reads (and drops) what the client still sends until its Close answers
/// ours (RFC 6455 §5.5.1), for a few seconds at most. Dropping the connection at once resets it
/// while audio is still in flight, and the client reads the reset instead of why it was refused.
async fn await_client_close(ws: &mut WebSocket) {
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(m)) = ws.recv().await {
            if matches!(m, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}

/// WebSocket close codes used here (RFC 6455 §7.4.1).
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;
const CLOSE_ERROR: u16 = 1011;

/// The `start` message and the rate of the audio it announces; `Ok(None)` when the client
/// went away (or said nothing) before sending it.
async fn read_start(ws: &mut WebSocket) -> Result<Option<(Start, u32)>, ApiError> {
    let start = match tokio::time::timeout(IDLE_TIMEOUT, ws.recv()).await {
        Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str::<Start>(&t).map_err(|e| {
            ApiError::bad_request(
                "invalid_start",
                format!(
                    "the first message must be {{\"type\":\"start\",\"format\":\"pcm_s16le\"|\"pcm_f32le\"|\"encoded\",\"sample_rate\":N,\"purpose\":\"command\"|\"dictation\"}}: {e}"
                ),
            )
        })?,
        Ok(Some(Ok(_))) => {
            return Err(ApiError::bad_request(
                "invalid_start",
                "the first message must be the JSON start message, not audio",
            ));
        }
        _ => return Ok(None),
    };
    if start.kind != "start" {
        return Err(ApiError::bad_request(
            "invalid_start",
            "the first message's type must be \"start\"",
        ));
    }
    let rate = match start.format {
        AudioFormat::Encoded => SAMPLE_RATE,
        _ => pcm_rate(start.sample_rate)?,
    };
    Ok(Some((start, rate)))
}

async fn talk(mut ws: WebSocket, s: ApiState) {
    let (start, rate) = match read_start(&mut ws).await {
        Ok(Some(started)) => started,
        Ok(None) => return,
        Err(e) => return refuse(&mut ws, &e, CLOSE_POLICY).await,
    };
    // Set up before listening is announced, so the first words are not lost to it; a model
    // freed while idle starts loading now, while the person speaks.
    let engine = match s.core.speech.engine().await {
        Ok(engine) => {
            engine.prepare();
            engine
        }
        Err(e) => {
            let e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "speech_unavailable", e);
            return refuse(&mut ws, &e, CLOSE_ERROR).await;
        }
    };
    let session = &s.core.session;
    let started = match session.begin_recording().await {
        Ok(started) => started,
        Err(e) => return refuse(&mut ws, &session_error(e), CLOSE_ERROR).await,
    };
    let began = Instant::now();
    if ws
        .send(json_message(
            serde_json::json!({"type": "listening", "utterance": started.utterance}),
        ))
        .await
        .is_err()
    {
        session.cancel().await;
        return;
    }
    let audio = match receive(&mut ws, &s).await {
        Some(audio) => audio,
        None => return,
    };
    let capture_ms = began.elapsed().as_millis().min(u128::from(u32::MAX)) as u32;
    if started.cancel.is_cancelled() {
        // Cancelled meanwhile (the stop hotkey, another utterance).
        let e = ApiError::new(
            StatusCode::CONFLICT,
            "cancelled",
            "the recording was cancelled",
        );
        return refuse(&mut ws, &e, CLOSE_POLICY).await;
    }
    if audio.is_empty() {
        session.drop_recording(&started, None).await;
        let e = ApiError::bad_request(
            "empty_audio",
            "no audio arrived before stop; check the microphone",
        );
        return refuse(&mut ws, &e, CLOSE_POLICY).await;
    }
    let purpose = start.purpose.unwrap_or_default().into();
    let samples = match decode(start.format, rate, audio).await {
        Ok(samples) => samples,
        Err(e) => {
            session
                .drop_recording(&started, Some(e.message().to_owned()))
                .await;
            return refuse(&mut ws, &e, CLOSE_POLICY).await;
        }
    };
    let heard = session
        .end_recording(
            &started,
            engine,
            recorded(samples, purpose, capture_ms, ReplyTo::CALLER),
        )
        .await
        .map_err(session_error);
    let answered = match heard {
        Ok(h) => answered(&s, h).await,
        Err(e) => Err(e),
    };
    send_answer(&mut ws, answered).await;
}

/// The `result` message and the reply's audio, then a close; or the error and a close.
async fn send_answer(ws: &mut WebSocket, answered: Result<Answered, ApiError>) {
    match answered {
        Ok(answered) => {
            let result = serde_json::to_value(&answered.result).unwrap_or_default();
            let mut message = serde_json::json!({"type": "result"});
            if let (Some(m), Some(r)) = (message.as_object_mut(), result.as_object()) {
                m.extend(r.clone());
            }
            if ws.send(json_message(message)).await.is_err() {
                return;
            }
            if let Some(wav) = answered.audio {
                let _ = ws.send(Message::Binary(wav.into())).await;
            }
            let _ = ws.send(Message::Close(None)).await;
        }
        Err(e) => refuse(ws, &e, CLOSE_ERROR).await,
    }
}

/// Audio messages until `stop`; `None` when the recording was dropped (cancel, a close, a
/// silence too long, too much audio, a message out of place), the client told why.
async fn receive(ws: &mut WebSocket, s: &ApiState) -> Option<Vec<u8>> {
    let session = &s.core.session;
    let mut audio: Vec<u8> = Vec::new();
    loop {
        match tokio::time::timeout(IDLE_TIMEOUT, ws.recv()).await {
            Ok(Some(Ok(Message::Binary(chunk)))) => {
                if audio.len() + chunk.len() > MAX_AUDIO_BYTES {
                    session.cancel().await;
                    let e = too_large(audio.len() + chunk.len());
                    refuse(ws, &e, CLOSE_TOO_BIG).await;
                    return None;
                }
                audio.extend_from_slice(&chunk);
            }
            Ok(Some(Ok(Message::Text(t)))) => {
                let kind = serde_json::from_str::<serde_json::Value>(&t)
                    .ok()
                    .and_then(|v| v["type"].as_str().map(str::to_owned));
                match kind.as_deref() {
                    Some("stop") => return Some(audio),
                    Some("cancel") => {
                        session.cancel().await;
                        let _ = ws.send(Message::Close(None)).await;
                        await_client_close(ws).await;
                        return None;
                    }
                    _ => {
                        session.cancel().await;
                        let e = ApiError::bad_request(
                            "invalid_message",
                            "after start, send audio as binary messages, then {\"type\":\"stop\"} (or {\"type\":\"cancel\"})",
                        );
                        refuse(ws, &e, CLOSE_POLICY).await;
                        return None;
                    }
                }
            }
            Ok(Some(Ok(_))) => {}
            // Closed, broken, or silent too long: the recording is dropped, nothing is sent.
            Ok(None | Some(Err(_))) | Err(_) => {
                session.cancel().await;
                return None;
            }
        }
    }
}
