//! `GET /api/v1/talk`, the hold-to-talk WebSocket: `start` says what the audio is, binary
//! messages carry it while the button is held (counted against [`MAX_AUDIO_BYTES`] as they
//! arrive), `stop` ends it; the answer comes back as a `result` message and the spoken reply as
//! one WAV binary message. A cancelled, dropped or silent socket leaves nothing behind.

use std::time::Instant;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::Response;
use tonny_core::pipeline::Step;
use tonny_core::stt::SAMPLE_RATE;

use super::talk_audio::{
    AudioFormat, IDLE_TIMEOUT, MAX_AUDIO_BYTES, MAX_MESSAGE_BYTES, Start, answer, decode,
    no_speech, pcm_rate, too_large,
};
use super::{ApiError, ApiState};

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
}

/// WebSocket close codes used here (RFC 6455 §7.4.1).
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;
const CLOSE_ERROR: u16 = 1011;

async fn talk(mut ws: WebSocket, s: ApiState) {
    let start = match tokio::time::timeout(IDLE_TIMEOUT, ws.recv()).await {
        Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str::<Start>(&t).map_err(|e| {
            ApiError::bad_request(
                "invalid_start",
                format!(
                    "the first message must be {{\"type\":\"start\",\"format\":\"pcm_s16le\"|\"pcm_f32le\"|\"encoded\",\"sample_rate\":N,\"purpose\":\"command\"|\"dictation\"}}: {e}"
                ),
            )
        }),
        Ok(Some(Ok(_))) => Err(ApiError::bad_request(
            "invalid_start",
            "the first message must be the JSON start message, not audio",
        )),
        _ => return,
    };
    let start = match start.and_then(|st| {
        if st.kind != "start" {
            return Err(ApiError::bad_request(
                "invalid_start",
                "the first message's type must be \"start\"",
            ));
        }
        Ok(st)
    }) {
        Ok(st) => st,
        Err(e) => return refuse(&mut ws, &e, CLOSE_POLICY).await,
    };
    let rate = match start.format {
        AudioFormat::Encoded => SAMPLE_RATE,
        _ => match pcm_rate(start.sample_rate) {
            Ok(r) => r,
            Err(e) => return refuse(&mut ws, &e, CLOSE_POLICY).await,
        },
    };
    let Some(speech) = s.speech.clone() else {
        return refuse(&mut ws, &no_speech(), CLOSE_ERROR).await;
    };
    // Set up before listening is announced, so the first words are not lost to it; a model
    // freed while idle starts loading now, while the person speaks.
    match speech.engine().await {
        Ok(engine) => engine.prepare(),
        Err(e) => {
            let e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "speech_unavailable", e);
            return refuse(&mut ws, &e, CLOSE_ERROR).await;
        }
    }
    let coordinator = s.assistant.coordinator().clone();
    let utterance = match coordinator.listen().await {
        Ok(u) => u,
        Err(e) => return refuse(&mut ws, &ApiError::internal(e), CLOSE_ERROR).await,
    };
    let began = Instant::now();
    if ws
        .send(json_message(
            serde_json::json!({"type": "listening", "utterance": utterance}),
        ))
        .await
        .is_err()
    {
        let _ = coordinator.cancel().await;
        return;
    }
    let mut audio: Vec<u8> = Vec::new();
    loop {
        match tokio::time::timeout(IDLE_TIMEOUT, ws.recv()).await {
            Ok(Some(Ok(Message::Binary(chunk)))) => {
                if audio.len() + chunk.len() > MAX_AUDIO_BYTES {
                    let _ = coordinator.cancel().await;
                    let e = too_large(audio.len() + chunk.len());
                    return refuse(&mut ws, &e, CLOSE_TOO_BIG).await;
                }
                audio.extend_from_slice(&chunk);
            }
            Ok(Some(Ok(Message::Text(t)))) => {
                let kind = serde_json::from_str::<serde_json::Value>(&t)
                    .ok()
                    .and_then(|v| v["type"].as_str().map(str::to_owned));
                match kind.as_deref() {
                    Some("stop") => break,
                    Some("cancel") => {
                        let _ = coordinator.cancel().await;
                        let _ = ws.send(Message::Close(None)).await;
                        return;
                    }
                    _ => {
                        let _ = coordinator.cancel().await;
                        let e = ApiError::bad_request(
                            "invalid_message",
                            "after start, send audio as binary messages, then {\"type\":\"stop\"} (or {\"type\":\"cancel\"})",
                        );
                        return refuse(&mut ws, &e, CLOSE_POLICY).await;
                    }
                }
            }
            Ok(Some(Ok(_))) => {}
            // Closed, broken, or silent too long: the recording is dropped, nothing is sent.
            Ok(None | Some(Err(_))) | Err(_) => {
                let _ = coordinator.cancel().await;
                return;
            }
        }
    }
    let capture_ms = began.elapsed().as_millis().min(u128::from(u32::MAX)) as u32;
    if coordinator
        .step(utterance, Step::RecordingEnded)
        .await
        .is_err()
    {
        // Cancelled meanwhile (the stop hotkey, another utterance).
        let e = ApiError::new(
            StatusCode::CONFLICT,
            "cancelled",
            "the recording was cancelled",
        );
        return refuse(&mut ws, &e, CLOSE_POLICY).await;
    }
    if audio.is_empty() {
        let _ = coordinator.step(utterance, Step::NothingHeard).await;
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
            let _ = coordinator
                .step(utterance, Step::Failed(e.message().to_owned()))
                .await;
            return refuse(&mut ws, &e, CLOSE_POLICY).await;
        }
    };
    match answer(&s, utterance, samples, purpose, capture_ms).await {
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
        Err(e) => refuse(&mut ws, &e, CLOSE_ERROR).await,
    }
}
