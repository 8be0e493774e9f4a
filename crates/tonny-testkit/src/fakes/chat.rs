//! A protocol-faithful fake OpenAI-compatible chat server (Open WebUI and OpenAI dialects).
//!
//! `POST /api/chat/completions` and `/v1/chat/completions`; `GET /api/models` and `/v1/models`.
//! Streams `data: {chunk}` server-sent events ending `data: [DONE]` (with a role chunk first
//! and a usage chunk without `choices` last, as Open WebUI sends), at a scripted first-token
//! delay and token rate. Errors use each dialect's shape: OpenAI `{"error":{…}}`, Open WebUI
//! `{"detail":"…"}`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::serve::Served;

/// A fault to inject into answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatFault {
    /// Close the stream after this many tokens, without `[DONE]`.
    TruncateAfter(usize),
    /// Accept and never answer.
    Hang,
    /// A proxy's HTML error page (502).
    ProxyHtml,
    /// A streamed chunk that is not JSON.
    MalformedChunk,
    /// 200 with a 50 MB JSON body.
    Huge,
    /// 503 Service Unavailable with the dialect's error body.
    Overloaded,
    /// 500 Internal Server Error with the dialect's error body (the model crashed).
    ServerError,
}

#[derive(Debug)]
struct Chat {
    answer: String,
    first_token: Duration,
    tokens_per_second: f64,
    api_key: Option<String>,
    models: Vec<String>,
    fault: Option<ChatFault>,
    requests: Vec<Value>,
    // When each request arrived, and when each streamed answer's last token was sent.
    received: Vec<Instant>,
    finished: Vec<Instant>,
}

/// The running fake; stops when dropped.
pub struct FakeChat {
    served: Served,
    state: Arc<Mutex<Chat>>,
}

fn openai_dialect(uri: &Uri) -> bool {
    uri.path().starts_with("/v1/")
}

fn error(uri: &Uri, status: StatusCode, message: &str, code: &str) -> Response {
    let body = if openai_dialect(uri) {
        json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": code}})
    } else {
        json!({"detail": message})
    };
    (status, axum::Json(body)).into_response()
}

/// The answer cut into tokens the way a model streams them: words with their leading space.
pub fn tokens(answer: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in answer.chars() {
        if c == ' ' && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn chunk(model: &str, delta: Value, finish: Option<&str>) -> String {
    let c = json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
    });
    format!("data: {c}\n\n")
}

async fn models(State(state): State<Arc<Mutex<Chat>>>, headers: HeaderMap, uri: Uri) -> Response {
    let s = state.lock().unwrap();
    if !authorized(&s, &headers) {
        return unauthorized(&uri);
    }
    let data: Vec<Value> = s
        .models
        .iter()
        .map(|m| json!({"id": m, "object": "model", "owned_by": "fake"}))
        .collect();
    axum::Json(json!({"object": "list", "data": data})).into_response()
}

fn authorized(s: &Chat, headers: &HeaderMap) -> bool {
    match &s.api_key {
        None => true,
        Some(key) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == format!("Bearer {key}")),
    }
}

fn unauthorized(uri: &Uri) -> Response {
    if openai_dialect(uri) {
        error(
            uri,
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided: sk-...xxxx. You can find your API key at https://platform.openai.com/account/api-keys.",
            "invalid_api_key",
        )
    } else {
        error(uri, StatusCode::UNAUTHORIZED, "Not authenticated", "")
    }
}

async fn completions(
    State(state): State<Arc<Mutex<Chat>>>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(
            &uri,
            StatusCode::BAD_REQUEST,
            "We could not parse the JSON body of your request.",
            "",
        );
    };
    let (answer, first_token, rate, fault, known) = {
        let mut s = state.lock().unwrap();
        if !authorized(&s, &headers) {
            return unauthorized(&uri);
        }
        s.requests.push(request.clone());
        s.received.push(Instant::now());
        let model = request.get("model").and_then(Value::as_str).unwrap_or("");
        (
            s.answer.clone(),
            s.first_token,
            s.tokens_per_second,
            s.fault.clone(),
            s.models.iter().any(|m| m == model),
        )
    };
    let model = request["model"].as_str().unwrap_or("").to_owned();
    if !known {
        return if openai_dialect(&uri) {
            error(
                &uri,
                StatusCode::NOT_FOUND,
                &format!("The model `{model}` does not exist or you do not have access to it."),
                "model_not_found",
            )
        } else {
            error(&uri, StatusCode::NOT_FOUND, "Model not found", "")
        };
    }
    match fault {
        Some(ChatFault::Hang) => return std::future::pending::<Response>().await,
        Some(ChatFault::ProxyHtml) => {
            return (
                StatusCode::BAD_GATEWAY,
                [(header::CONTENT_TYPE, "text/html")],
                "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
            )
                .into_response();
        }
        Some(ChatFault::Overloaded) => {
            return error(
                &uri,
                StatusCode::SERVICE_UNAVAILABLE,
                "The server is overloaded or not ready yet.",
                "",
            );
        }
        Some(ChatFault::ServerError) => {
            return error(
                &uri,
                StatusCode::INTERNAL_SERVER_ERROR,
                "The model failed to generate a response.",
                "server_error",
            );
        }
        Some(ChatFault::Huge) => {
            let chunk = Bytes::from(vec![b' '; 1024 * 1024]);
            let stream = futures_util::stream::iter(
                std::iter::repeat_n(chunk, 50).map(Ok::<_, std::io::Error>),
            );
            return (
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(stream),
            )
                .into_response();
        }
        _ => {}
    }
    let stream = request
        .get("stream")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !stream {
        tokio::time::sleep(
            first_token + Duration::from_secs_f64(tokens(&answer).len() as f64 / rate),
        )
        .await;
        return axum::Json(json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": tokens(&answer).len(), "total_tokens": 10 + tokens(&answer).len()}
        }))
        .into_response();
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(16);
    let finished = Arc::clone(&state);
    tokio::spawn(async move {
        let _ = tx
            .send(Ok(chunk(
                &model,
                json!({"role": "assistant", "content": ""}),
                None,
            )))
            .await;
        tokio::time::sleep(first_token).await;
        let gap = Duration::from_secs_f64(1.0 / rate);
        for (i, t) in tokens(&answer).into_iter().enumerate() {
            if i > 0 {
                tokio::time::sleep(gap).await;
            }
            match &fault {
                Some(ChatFault::TruncateAfter(n)) if i == *n => return,
                Some(ChatFault::MalformedChunk) if i == 1 => {
                    let _ = tx
                        .send(Ok("data: {\"choices\": [{\"delta\": \n\n".into()))
                        .await;
                    return;
                }
                _ => {}
            }
            if tx
                .send(Ok(chunk(&model, json!({"content": t}), None)))
                .await
                .is_err()
            {
                return;
            }
        }
        finished.lock().unwrap().finished.push(Instant::now());
        let _ = tx.send(Ok(chunk(&model, json!({}), Some("stop")))).await;
        let usage = json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model, "usage": {"prompt_tokens": 10, "completion_tokens": 5}});
        let _ = tx.send(Ok(format!("data: {usage}\n\n"))).await;
        let _ = tx.send(Ok("data: [DONE]\n\n".into())).await;
    });
    let body = Body::from_stream(tokio_stream_from(rx));
    (
        [
            (header::CONTENT_TYPE, "text/event-stream; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<String, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<String, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

impl FakeChat {
    /// Starts with model `llama3.2`, no key, and an instant three-sentence answer.
    pub fn start() -> Self {
        let state = Arc::new(Mutex::new(Chat {
            answer: "The sun is a star. It is very hot. It gives us light.".into(),
            first_token: Duration::ZERO,
            tokens_per_second: 1000.0,
            api_key: None,
            models: vec!["llama3.2".into()],
            fault: None,
            requests: Vec::new(),
            received: Vec::new(),
            finished: Vec::new(),
        }));
        let app = Router::new()
            .route("/api/chat/completions", post(completions))
            .route("/v1/chat/completions", post(completions))
            .route("/api/models", get(models))
            .route("/v1/models", get(models))
            .with_state(Arc::clone(&state));
        Self {
            served: Served::start(app, 0),
            state,
        }
    }

    /// The base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        self.served.url()
    }

    /// What it answers.
    pub fn set_answer(&self, answer: &str) {
        self.state.lock().unwrap().answer = answer.to_owned();
    }

    /// Delay before the first token, and tokens per second after it.
    pub fn set_pace(&self, first_token: Duration, tokens_per_second: f64) {
        let mut s = self.state.lock().unwrap();
        s.first_token = first_token;
        s.tokens_per_second = tokens_per_second;
    }

    /// When each streamed answer had been sent whole (its last token written), in order: what a
    /// reply spoken while it streams must beat.
    pub fn answers_finished(&self) -> Vec<Instant> {
        self.state.lock().unwrap().finished.clone()
    }

    /// When each request (that got past the key check) arrived, in order: a bound on when the
    /// caller started asking.
    pub fn requests_received(&self) -> Vec<Instant> {
        self.state.lock().unwrap().received.clone()
    }

    /// Requires `Authorization: Bearer KEY`.
    pub fn require_key(&self, key: &str) {
        self.state.lock().unwrap().api_key = Some(key.to_owned());
    }

    /// Injects a fault (or clears it with `None`).
    pub fn set_fault(&self, fault: Option<ChatFault>) {
        self.state.lock().unwrap().fault = fault;
    }

    /// Request bodies received, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.state.lock().unwrap().requests.clone()
    }
}
