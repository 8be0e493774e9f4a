//! ElevenLabs' `stream-input` WebSocket: the reply's text goes in while the agent is still
//! writing it, and audio comes back as soon as the voice has something to say, so speech can
//! start a few words into the first sentence.
//!
//! Wire format: `GET /v1/text-to-speech/{voice_id}/stream-input?model_id=…&output_format=
//! pcm_…&inactivity_timeout=…` upgraded to a WebSocket, header `xi-api-key`. The first message
//! is `{"text":" ","voice_settings":{…}}`; then text pieces `{"text":"…"}`; `"flush":true` on
//! a piece makes the voice speak what it holds now (so the client holds each piece until it knows
//! whether a flush follows); `{"text":""}` ends the text. The server
//! answers `{"audio":base64,"isFinal":false,"alignment":{"chars":[…],…}}` per chunk of audio,
//! `{"isFinal":true}` after the last, and on failure
//! `{"message":…,"error":"quota_exceeded"|…,"code":1008}` followed by a close with that code.

use std::time::Duration;

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tonny_core::tts::{Speech, SpeechStream, StreamAudio, StreamText, TtsError};

use super::elevenlabs::{ElevenLabsConfig, map_status};

/// Seconds the server waits for more text before closing. The agent may think for a while
/// before its first word, so this is longer than ElevenLabs' 20 s default.
const INACTIVITY_TIMEOUT_S: u64 = 60;

/// Starts a session for `config`, whose format must be PCM; runs on the current runtime.
pub fn open(config: &ElevenLabsConfig) -> SpeechStream {
    let (input, input_rx) = mpsc::unbounded_channel();
    let (audio_tx, audio) = mpsc::unbounded_channel();
    let config = config.clone();
    tokio::spawn(async move {
        if let Err(e) = session(&config, input_rx, &audio_tx).await {
            let _ = audio_tx.send(Err(e));
        }
    });
    SpeechStream { input, audio }
}

fn socket_url(config: &ElevenLabsConfig) -> String {
    let base = if let Some(rest) = config.base_url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = config.base_url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        config.base_url.clone()
    };
    format!(
        "{base}/v1/text-to-speech/{}/stream-input?model_id={}&output_format={}&inactivity_timeout={INACTIVITY_TIMEOUT_S}",
        config.voice_id,
        config.model_id,
        config.format.as_str()
    )
}

fn closed(e: impl std::fmt::Display) -> TtsError {
    TtsError::Unavailable(format!("ElevenLabs closed the voice stream ({e})"))
}

/// The error for ElevenLabs' in-band `{"error","message"}` (the status names match the HTTP
/// API's, so they get the same advice).
fn in_band_error(v: &Value) -> TtsError {
    let code = v.get("error").and_then(Value::as_str);
    let message = v.get("message").and_then(Value::as_str).unwrap_or("");
    let body = json!({ "detail": { "message": message } }).to_string();
    match code {
        Some("invalid_api_key" | "quota_exceeded") => map_status(401, code, body.as_bytes()),
        Some("max_character_limit_exceeded") => map_status(400, code, body.as_bytes()),
        _ => TtsError::Unavailable(format!(
            "ElevenLabs stopped the voice stream ({}: {message})",
            code.unwrap_or("error")
        )),
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Why the server closed the socket a send failed on: its error message or close reason if
/// it sent one (a wrong key is told right after the first message), else the send's error.
async fn why_closed(ws: &mut Socket, send_error: impl std::fmt::Display) -> TtsError {
    let read = async {
        while let Some(Ok(msg)) = ws.next().await {
            match msg {
                Message::Text(text) => {
                    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    if v.get("error").is_some() {
                        return Some(in_band_error(&v));
                    }
                }
                Message::Close(Some(f)) if f.code != CloseCode::Normal => {
                    return Some(closed(format!("{}: {}", u16::from(f.code), f.reason)));
                }
                _ => {}
            }
        }
        None
    };
    tokio::time::timeout(Duration::from_secs(1), read)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| closed(send_error))
}

async fn session(
    config: &ElevenLabsConfig,
    mut input: mpsc::UnboundedReceiver<StreamText>,
    audio: &mpsc::UnboundedSender<Result<StreamAudio, TtsError>>,
) -> Result<(), TtsError> {
    let limit = Duration::from_millis(config.timeout_ms);
    let rate = config
        .format
        .pcm_rate()
        .ok_or_else(|| TtsError::Engine("the ElevenLabs voice stream needs a PCM format".into()))?;
    let mut request = socket_url(config)
        .into_client_request()
        .map_err(|e| TtsError::Engine(format!("tts.elevenlabs_url is not usable ({e})")))?;
    let key = config.api_key.parse().map_err(|_| {
        TtsError::Unavailable(
            "the ElevenLabs API key has characters a header cannot carry; set it again with \
             `tonny secrets set elevenlabs_api_key`"
                .into(),
        )
    })?;
    request.headers_mut().insert("xi-api-key", key);
    let (mut ws, _) = tokio::time::timeout(limit, tokio_tungstenite::connect_async(request))
        .await
        .map_err(|_| TtsError::Timeout {
            timeout_ms: config.timeout_ms,
        })?
        .map_err(|e| match e {
            tokio_tungstenite::tungstenite::Error::Http(response) => {
                let body = response.body().clone().unwrap_or_default();
                let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                map_status(
                    response.status().as_u16(),
                    json.pointer("/detail/status").and_then(Value::as_str),
                    &body,
                )
            }
            other => TtsError::Unavailable(format!("ElevenLabs is not reachable ({other})")),
        })?;
    let begin = json!({"text": " ", "voice_settings": config.voice_settings});
    if let Err(e) = ws.send(Message::text(begin.to_string())).await {
        return Err(why_closed(&mut ws, e).await);
    }

    let mut text_open = true;
    // The latest text is held until the next input, so a flush can ride on it: a flush
    // message of its own would have to carry text, and any text changes what is said.
    let mut held: Option<String> = None;
    // Set while audio is owed (a flush or the end was sent and nothing has come since).
    let mut owed_since: Option<Instant> = None;
    loop {
        let deadline = owed_since.map(|at| at + limit);
        tokio::select! {
            piece = input.recv(), if text_open => {
                let mut messages = Vec::new();
                match piece {
                    Some(StreamText::Text(text)) if text.is_empty() => {}
                    Some(StreamText::Text(text)) => {
                        if let Some(before) = held.replace(text) {
                            messages.push(json!({ "text": before }));
                        }
                    }
                    Some(StreamText::Flush) => {
                        owed_since.get_or_insert_with(Instant::now);
                        let text = held.take().unwrap_or_else(|| " ".into());
                        messages.push(json!({ "text": text, "flush": true }));
                    }
                    None => {
                        text_open = false;
                        owed_since.get_or_insert_with(Instant::now);
                        if let Some(before) = held.take() {
                            messages.push(json!({ "text": before }));
                        }
                        messages.push(json!({ "text": "" }));
                    }
                }
                for message in messages {
                    if let Err(e) = ws.send(Message::text(message.to_string())).await {
                        return Err(why_closed(&mut ws, e).await);
                    }
                }
            }
            msg = ws.next() => {
                let msg = match msg {
                    None => return Err(closed("before its last audio")),
                    Some(m) => m.map_err(closed)?,
                };
                let text = match msg {
                    Message::Text(text) => text,
                    Message::Close(frame) => {
                        return match frame {
                            Some(f) if f.code != CloseCode::Normal => Err(closed(format!(
                                "{}: {}",
                                u16::from(f.code),
                                f.reason
                            ))),
                            _ if !text_open => Ok(()),
                            _ => Err(closed("before its last audio")),
                        };
                    }
                    _ => continue,
                };
                let v: Value = serde_json::from_str(&text).map_err(|e| {
                    TtsError::Engine(format!("ElevenLabs sent something that is not JSON ({e})"))
                })?;
                if v.get("error").is_some() {
                    return Err(in_band_error(&v));
                }
                if let Some(b64) = v.get("audio").and_then(Value::as_str) {
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .map_err(|e| TtsError::Engine(format!(
                            "ElevenLabs sent audio that is not base64 ({e})"
                        )))?;
                    if !bytes.is_empty() {
                        // Once the text has ended, the rest must keep coming.
                        owed_since = (!text_open).then(Instant::now);
                        let chars = v
                            .pointer("/alignment/chars")
                            .and_then(Value::as_array)
                            .map_or(0, Vec::len);
                        let samples = bytes
                            .chunks_exact(2)
                            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
                            .collect();
                        let speech = Speech { samples, sample_rate: rate };
                        if audio.send(Ok(StreamAudio { speech, chars })).is_err() {
                            // Nobody listens any more (the reply was stopped).
                            let _ = ws.close(None).await;
                            return Ok(());
                        }
                    }
                }
                if v.get("isFinal").and_then(Value::as_bool) == Some(true) {
                    let _ = ws.close(None).await;
                    return Ok(());
                }
            }
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                return Err(TtsError::Timeout { timeout_ms: config.timeout_ms });
            }
        }
    }
}
