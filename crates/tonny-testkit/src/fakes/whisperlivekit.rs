//! A protocol-faithful fake WhisperLiveKit server (and OpenAI-compatible transcription API).
//!
//! - `GET /health` → `{"status":"ok","backend":"faster-whisper","ready":true}`.
//! - `WS /asr`: first `{"type":"config","useAudioWorklet":<pcm>,"mode":"full"}`; binary frames
//!   of s16le 16 kHz mono; every ~0.5 s of audio a full-state update with the words "heard" so
//!   far in `buffer_transcription`; an empty frame ends the stream: the final update with the
//!   text in `lines` (speaker 1), then `{"type":"ready_to_stop"}`. Silence-only audio gives
//!   `"status":"no_audio_detected"`.
//! - `POST /v1/audio/transcriptions` (multipart `file`, `model`, `response_format`) → `{"text"}`
//!   or plain text, with OpenAI's error shape for a missing file or an oversize upload.
//!
//! It cannot recognise speech: it "hears" a scripted sentence, revealed in proportion to the
//! audio received. Recognition itself is tested with the embedded engine, and against the real
//! server by `scripts/whisperlivekit-real.sh`.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::serve::Served;

/// Bytes of PCM per half second (16 kHz × 2 bytes × 0.5 s).
const HALF_SECOND: usize = 16_000;

/// How the fake behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WlkScript {
    /// What it "hears".
    pub say: String,
    /// `--pcm-input`: raw PCM frames (otherwise it claims to expect WebM).
    pub pcm_input: bool,
    /// Close the WebSocket after this many audio frames, mid-utterance.
    pub close_after_frames: Option<usize>,
    /// Required bearer token (from the environment, as the supervisor passes it).
    pub token: Option<String>,
}

impl Default for WlkScript {
    fn default() -> Self {
        Self {
            say: "Turn on the porch light.".into(),
            pcm_input: true,
            close_after_frames: None,
            token: None,
        }
    }
}

#[derive(Debug, Default)]
struct Seen {
    sessions: usize,
    audio_bytes: usize,
    // First audio frame to the end-of-stream frame, of the last finished session.
    span: Option<std::time::Duration>,
}

type Shared = Arc<(Mutex<WlkScript>, Mutex<Seen>)>;

fn words_for(say: &str, bytes: usize, total_hint: usize) -> String {
    let words: Vec<&str> = say.split_whitespace().collect();
    let n = (words.len() * bytes / total_hint.max(1)).min(words.len());
    words[..n].join(" ")
}

fn state(status: &str, lines: Value, buffer: &str) -> Message {
    Message::Text(
        json!({
            "status": status,
            "lines": lines,
            "buffer_transcription": buffer,
            "buffer_diarization": "",
            "remaining_time_transcription": 0.0,
            "remaining_time_diarization": 0.0
        })
        .to_string()
        .into(),
    )
}

fn timestamp(ms: usize) -> String {
    let s = ms / 1000;
    format!(
        "{}:{:02}:{:02}.{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        (ms % 1000) / 10
    )
}

async fn session(mut ws: WebSocket, shared: Shared) {
    let script = shared.0.lock().unwrap().clone();
    shared.1.lock().unwrap().sessions += 1;
    let config = json!({"type": "config", "useAudioWorklet": script.pcm_input, "mode": "full"});
    if ws
        .send(Message::Text(config.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let (mut bytes, mut frames, mut loud, mut next_update) = (0usize, 0usize, false, HALF_SECOND);
    let mut first_frame: Option<std::time::Instant> = None;
    // Words are revealed over ~2 s of audio, like a short request.
    let spread = 4 * HALF_SECOND;
    while let Some(Ok(msg)) = ws.recv().await {
        let Message::Binary(data) = msg else { continue };
        if data.is_empty() {
            shared.1.lock().unwrap().span = first_frame.map(|t| t.elapsed());
            let status = if loud {
                "active_transcription"
            } else {
                "no_audio_detected"
            };
            let lines = if loud {
                json!([{"speaker": 1, "text": script.say, "start": timestamp(0), "end": timestamp(bytes / 32)}])
            } else {
                json!([])
            };
            let _ = ws.send(state(status, lines, "")).await;
            let _ = ws
                .send(Message::Text(
                    json!({"type": "ready_to_stop"}).to_string().into(),
                ))
                .await;
            return;
        }
        frames += 1;
        first_frame.get_or_insert_with(std::time::Instant::now);
        bytes += data.len();
        shared.1.lock().unwrap().audio_bytes += data.len();
        loud |= data
            .chunks_exact(2)
            .any(|b| i16::from_le_bytes([b[0], b[1]]).unsigned_abs() > 1_000);
        if script.close_after_frames.is_some_and(|n| frames >= n) {
            // The connection drops, as when the server dies mid-utterance.
            drop(ws);
            return;
        }
        if bytes >= next_update {
            next_update += HALF_SECOND;
            let heard = if loud {
                words_for(&script.say, bytes, spread)
            } else {
                String::new()
            };
            if ws
                .send(state("active_transcription", json!([]), &heard))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

async fn asr(
    State(shared): State<Shared>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let token = shared.0.lock().unwrap().token.clone();
    if let Some(token) = token {
        let ok = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == format!("Bearer {token}"));
        if !ok {
            return (StatusCode::UNAUTHORIZED, "Invalid or missing API token").into_response();
        }
    }
    upgrade.on_upgrade(move |ws| session(ws, shared))
}

fn openai_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": null}})),
    )
        .into_response()
}

async fn transcriptions(State(shared): State<Shared>, mut form: Multipart) -> Response {
    let mut file: Option<Bytes> = None;
    let mut format = "json".to_owned();
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("file") => file = field.bytes().await.ok(),
            Some("response_format") => format = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        return openai_error(StatusCode::BAD_REQUEST, "you must provide a file");
    };
    if !file.starts_with(b"RIFF") {
        return openai_error(
            StatusCode::BAD_REQUEST,
            "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']",
        );
    }
    let say = shared.0.lock().unwrap().say.clone();
    match format.as_str() {
        "text" => say.into_response(),
        _ => axum::Json(json!({"text": say})).into_response(),
    }
}

/// The fake's routes for `script`.
pub fn app(script: WlkScript) -> Router {
    let shared: Shared = Arc::new((Mutex::new(script), Mutex::new(Seen::default())));
    router(shared)
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route(
            "/health",
            get(|| async {
                axum::Json(json!({"status": "ok", "backend": "faster-whisper", "ready": true}))
            }),
        )
        .route("/asr", get(asr))
        .route(
            "/v1/audio/transcriptions",
            post(transcriptions).layer(DefaultBodyLimit::max(25 * 1024 * 1024)),
        )
        .route(
            "/v1/models",
            get(|| async {
                axum::Json(
                    json!({"object": "list", "data": [{"id": "whisper-1", "object": "model"}]}),
                )
            }),
        )
        .with_state(shared)
}

/// The fake running in this process.
pub struct FakeWhisperLiveKit {
    served: Served,
    shared: Shared,
}

impl FakeWhisperLiveKit {
    /// Starts on a free port with `script`.
    pub fn start(script: WlkScript) -> Self {
        let shared: Shared = Arc::new((Mutex::new(script), Mutex::new(Seen::default())));
        Self {
            served: Served::start(router(Arc::clone(&shared)), 0),
            shared,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.served.url()
    }

    /// `ws://127.0.0.1:PORT/asr`.
    pub fn asr_url(&self) -> String {
        format!("ws://{}/asr", self.served.addr())
    }

    /// Changes the script for the next sessions.
    pub fn set_script(&self, script: WlkScript) {
        *self.shared.0.lock().unwrap() = script;
    }

    /// How long the last finished session's audio took to arrive, first frame to last: about
    /// the utterance's length when a client streams while the person speaks, near zero when
    /// it sends a finished recording.
    pub fn last_span(&self) -> Option<std::time::Duration> {
        self.shared.1.lock().unwrap().span
    }

    /// WebSocket sessions opened and PCM bytes received so far.
    pub fn seen(&self) -> (usize, usize) {
        let s = self.shared.1.lock().unwrap();
        (s.sessions, s.audio_bytes)
    }
}

/// The `fake-wlk` program built beside the test binaries (`target/<profile>/fake-wlk`).
pub fn fake_wlk_exe() -> std::path::PathBuf {
    crate::built_exe("fake-wlk")
}

/// A supervised-service spec that runs `fake-wlk` on `port` the way the product runs the real
/// server (`--host 127.0.0.1 --port P --pcm-input`, then `extra`), ready when `/health` answers
/// and `/asr` accepts a WebSocket: what supervisor tests, daemon tests and the benchmarks start.
pub fn fake_wlk_spec(name: &str, port: u16, extra: &[&str]) -> tonny_supervisor::ServiceSpec {
    let mut args: Vec<String> = [
        "--host",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--pcm-input",
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    tonny_supervisor::ServiceSpec {
        name: name.into(),
        program: fake_wlk_exe().display().to_string(),
        args,
        env: vec![],
        health_url: Some(format!("http://127.0.0.1:{port}/health")),
        ready_websocket: Some(format!("ws://127.0.0.1:{port}/asr")),
        depends_on: vec![],
        probe_token: None,
    }
}
