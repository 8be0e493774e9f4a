//! A protocol-faithful fake ElevenLabs: text-to-speech (plain and `/stream`) returning real
//! speech (espeak-ng, converted by sox to the `output_format` asked: raw PCM or MP3), the voice
//! list, the subscription quota, and ElevenLabs' error bodies (`quota_exceeded` as 401,
//! `invalid_api_key`, 429 `too_many_concurrent_requests`, 400 `max_character_limit_exceeded`,
//! 422 validation), and the `stream-input` WebSocket ([`socket`]).

mod socket;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::serve::Served;

/// The voice id the fake knows.
pub const VOICE_ID: &str = "21m00Tcm4TlvDq8ikWAM";

#[derive(Debug)]
pub(crate) struct Eleven {
    api_key: String,
    first_byte: Duration,
    character_limit: u64,
    character_count: u64,
    max_request_chars: usize,
    busy: bool,
    requests: Vec<Value>,
    // Text of each socket generation, in order.
    segments: Vec<String>,
    // Sockets drop the connection after this many audio messages.
    socket_drop_after: Option<usize>,
}

/// The running fake; stops when dropped.
pub struct FakeElevenLabs {
    served: Served,
    state: Arc<Mutex<Eleven>>,
}

fn detail(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"detail": {"status": code, "message": message}})),
    )
        .into_response()
}

/// Speaks `text` with espeak-ng and converts it with sox to `format` (`pcm_RATE` → raw s16le
/// mono, `mp3_…` → MP3 at 44.1 kHz).
pub fn render(text: &str, format: &str) -> Result<Vec<u8>, String> {
    let wav = Command::new("espeak-ng")
        .args(["--stdout", "-v", "en-us"])
        .arg(text)
        .output()
        .map_err(|e| format!("espeak-ng: {e}"))?
        .stdout;
    let mut args: Vec<String> = vec!["-q".into(), "-t".into(), "wav".into(), "-".into()];
    if let Some(rate) = format.strip_prefix("pcm_") {
        args.extend(
            [
                "-t", "raw", "-r", rate, "-e", "signed", "-b", "16", "-c", "1", "-",
            ]
            .map(String::from),
        );
    } else if format.starts_with("mp3_") {
        args.extend(["-t", "mp3", "-r", "44100", "-c", "1", "-"].map(String::from));
    } else {
        return Err(format!("unknown output_format {format}"));
    }
    let mut sox = Command::new("sox")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("sox: {e}"))?;
    let mut stdin = sox.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&wav));
    let out = sox.wait_with_output().map_err(|e| format!("sox: {e}"))?;
    let _ = writer.join();
    if !out.status.success() || out.stdout.is_empty() {
        return Err("sox produced no audio".into());
    }
    Ok(out.stdout)
}

async fn tts(
    State(state): State<Arc<Mutex<Eleven>>>,
    Path(path): Path<Vec<String>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // The first byte is due `first_byte` after the request arrived, however long rendering took.
    let arrived = tokio::time::Instant::now();
    let voice = path.first().cloned().unwrap_or_default();
    let format = query
        .get("output_format")
        .cloned()
        .unwrap_or_else(|| "mp3_44100_128".into());
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(json!({"detail": [{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}]})),
            )
                .into_response();
        }
    };
    let Some(text) = request
        .get("text")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({"detail": [{"loc": ["body", "text"], "msg": "Field required", "type": "missing"}]})),
        )
            .into_response();
    };
    let first_byte = {
        let mut s = state.lock().unwrap();
        let key = headers.get("xi-api-key").and_then(|v| v.to_str().ok());
        if key != Some(s.api_key.as_str()) {
            return detail(
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
                "Invalid API key",
            );
        }
        if voice != VOICE_ID {
            return detail(
                StatusCode::NOT_FOUND,
                "voice_not_found",
                &format!("A voice with the voice_id {voice} was not found."),
            );
        }
        if s.busy {
            return detail(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_concurrent_requests",
                "Too many concurrent requests for your subscription.",
            );
        }
        let chars = text.chars().count();
        if chars > s.max_request_chars {
            return detail(
                StatusCode::BAD_REQUEST,
                "max_character_limit_exceeded",
                &format!(
                    "You are sending {chars} characters, the maximum is {}.",
                    s.max_request_chars
                ),
            );
        }
        if s.character_count + chars as u64 > s.character_limit {
            let left = s.character_limit - s.character_count;
            return detail(
                StatusCode::UNAUTHORIZED,
                "quota_exceeded",
                &format!(
                    "This request exceeds your quota of {}. You have {left} credits remaining, while {chars} credits are required for this request.",
                    s.character_limit
                ),
            );
        }
        s.character_count += chars as u64;
        s.requests
            .push(json!({"voice": voice, "format": format, "body": request}));
        s.first_byte
    };
    let audio = match tokio::task::spawn_blocking(move || render(&text, &format)).await {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => return detail(StatusCode::INTERNAL_SERVER_ERROR, "internal", &e),
        Err(e) => {
            return detail(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                &e.to_string(),
            );
        }
    };
    // The first bytes after the scripted delay, the rest right behind them.
    let half = audio.len() / 2;
    let (a, b) = (
        Bytes::from(audio[..half].to_vec()),
        Bytes::from(audio[half..].to_vec()),
    );
    let stream = futures_util::stream::unfold(0u8, move |step| {
        let (a, b) = (a.clone(), b.clone());
        async move {
            match step {
                0 => {
                    tokio::time::sleep_until(arrived + first_byte).await;
                    Some((Ok::<_, std::io::Error>(a), 1))
                }
                1 => Some((Ok(b), 2)),
                _ => None,
            }
        }
    });
    (
        [(header::CONTENT_TYPE, "audio/mpeg")],
        Body::from_stream(stream),
    )
        .into_response()
}

impl FakeElevenLabs {
    /// Starts, accepting `api_key`, with a 10 000-character quota and no delay.
    pub fn start(api_key: &str) -> Self {
        let state = Arc::new(Mutex::new(Eleven {
            api_key: api_key.to_owned(),
            first_byte: Duration::ZERO,
            character_limit: 10_000,
            character_count: 0,
            max_request_chars: 5_000,
            busy: false,
            requests: Vec::new(),
            segments: Vec::new(),
            socket_drop_after: None,
        }));
        let voices = |State(s): State<Arc<Mutex<Eleven>>>, headers: HeaderMap| async move {
            let ok = headers.get("xi-api-key").and_then(|v| v.to_str().ok())
                == Some(s.lock().unwrap().api_key.as_str());
            if !ok {
                return detail(
                    StatusCode::UNAUTHORIZED,
                    "invalid_api_key",
                    "Invalid API key",
                );
            }
            axum::Json(json!({"voices": [
                {"voice_id": VOICE_ID, "name": "Rachel", "category": "premade", "labels": {"accent": "american"}},
                {"voice_id": "AZnzlk1XvdvUeBnXmlld", "name": "Domi", "category": "premade", "labels": {}}
            ]}))
            .into_response()
        };
        let subscription = |State(s): State<Arc<Mutex<Eleven>>>, headers: HeaderMap| async move {
            let s = s.lock().unwrap();
            if headers.get("xi-api-key").and_then(|v| v.to_str().ok()) != Some(s.api_key.as_str()) {
                return detail(
                    StatusCode::UNAUTHORIZED,
                    "invalid_api_key",
                    "Invalid API key",
                );
            }
            axum::Json(json!({
                "tier": "starter",
                "character_count": s.character_count,
                "character_limit": s.character_limit,
                "status": "active"
            }))
            .into_response()
        };
        let app = Router::new()
            .route(
                "/v1/text-to-speech/{*path}",
                post(tts_entry).get(socket::entry),
            )
            .route("/v1/voices", get(voices))
            .route("/v1/user/subscription", get(subscription))
            .with_state(Arc::clone(&state));
        Self {
            served: Served::start(app, 0),
            state,
        }
    }

    /// The API base URL.
    pub fn url(&self) -> String {
        self.served.url()
    }

    /// Delay before the first audio byte.
    pub fn set_first_byte(&self, delay: Duration) {
        self.state.lock().unwrap().first_byte = delay;
    }

    /// Sets the quota and the characters already used.
    pub fn set_quota(&self, used: u64, limit: u64) {
        let mut s = self.state.lock().unwrap();
        s.character_count = used;
        s.character_limit = limit;
    }

    /// The most characters one request may carry.
    pub fn set_max_request_chars(&self, n: usize) {
        self.state.lock().unwrap().max_request_chars = n;
    }

    /// Answers every synthesis with 429 while `busy`.
    pub fn set_busy(&self, busy: bool) {
        self.state.lock().unwrap().busy = busy;
    }

    /// The text each `stream-input` generation spoke, in order (a flush, the end, or the
    /// buffer reaching 120 characters starts one).
    pub fn socket_segments(&self) -> Vec<String> {
        self.state.lock().unwrap().segments.clone()
    }

    /// Sockets lose their connection (no close frame) after sending `n` audio messages.
    pub fn drop_sockets_after(&self, n: Option<usize>) {
        self.state.lock().unwrap().socket_drop_after = n;
    }

    /// Syntheses accepted, in order: `{"voice","format","body"}` for requests,
    /// `{"socket":true,"format","begin"}` for sockets.
    pub fn requests(&self) -> Vec<Value> {
        self.state.lock().unwrap().requests.clone()
    }
}

// `/v1/text-to-speech/{voice}` and `/v1/text-to-speech/{voice}/stream` share one handler.
async fn tts_entry(
    state: State<Arc<Mutex<Eleven>>>,
    Path(rest): Path<String>,
    query: Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parts: Vec<String> = rest.split('/').map(str::to_owned).collect();
    match parts.as_slice() {
        [_voice] | [_voice, _] if parts.get(1).is_none_or(|p| p == "stream") => {
            tts(state, Path(parts), query, headers, body).await
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
