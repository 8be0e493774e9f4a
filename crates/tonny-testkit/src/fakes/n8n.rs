//! A protocol-faithful fake n8n: `POST /webhook/{path}` and `GET /healthz`, answering the way
//! n8n's Webhook node does in each response mode, with n8n's own error bodies; and the CORS
//! preflight (`OPTIONS` with an `Origin`) that n8n answers from its webhook registry: 204 with
//! `Access-Control-Allow-Methods: OPTIONS, <the webhook's methods>`, or 404 when no webhook is
//! registered (the workflow is inactive). A preflight never runs the workflow.
//!
//! Every request is recorded; [`FakeN8n::deliveries`] applies the idempotency key the way a
//! careful workflow would (the first request with a key runs the workflow, repeats do not), so
//! tests can check "delivered exactly once, in order".

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::serve::Served;

/// How the webhook answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum N8nMode {
    /// "Respond: When last node finishes" / "Using Respond to Webhook node": the workflow's
    /// JSON, here `{"text": "n8n did: <text>"}`.
    LastNode,
    /// Like [`N8nMode::LastNode`] but the workflow returns an array of items.
    LastNodeItems,
    /// "Respond: Immediately": `{"message":"Workflow was started"}`.
    OnReceived,
    /// A Respond to Webhook node returning plain text.
    Text,
    /// The workflow is not active: 404 with n8n's "not registered" body.
    Inactive,
    /// The workflow fails: 500 `{"message":"Error in workflow"}`.
    WorkflowError,
    /// A proxy in front of n8n returns its HTML error page (502).
    ProxyHtml,
    /// 200 with a body that is not JSON but claims to be.
    MalformedJson,
    /// 200 with an endless body (bounded by the client, we hope): 50 MB of JSON.
    Huge,
    /// Accepts the request and never answers.
    Hang,
}

#[derive(Debug)]
struct N8n {
    mode: N8nMode,
    latency: Duration,
    header_auth: Option<(String, String)>,
    /// The HTTP methods the Webhook node listens for.
    methods: Vec<String>,
    received: Vec<Value>,
    preflights: usize,
}

/// One request as received.
pub type Received = Value;

/// The running fake; stops when dropped (then its port refuses connections: "n8n is down").
pub struct FakeN8n {
    served: Served,
    state: Arc<Mutex<N8n>>,
}

fn not_registered() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({
            "code": 404,
            "message": "The requested webhook \"POST tonny\" is not registered.",
            "hint": "The workflow must be active for a production URL to run successfully. You can activate the workflow using the toggle in the top-right of the editor. Note that unlike test URL calls, production URL calls aren't shown on the canvas (only in the executions list)"
        })),
    )
        .into_response()
}

async fn preflight(State(state): State<Arc<Mutex<N8n>>>, headers: HeaderMap) -> Response {
    let (mode, methods) = {
        let mut s = state.lock().unwrap();
        s.preflights += 1;
        (s.mode.clone(), s.methods.clone())
    };
    if mode == N8nMode::Inactive {
        return not_registered();
    }
    let Some(origin) = headers.get(header::ORIGIN).cloned() else {
        // n8n sets CORS headers only for requests with an Origin.
        return StatusCode::NO_CONTENT.into_response();
    };
    let mut allowed = vec!["OPTIONS".to_owned()];
    allowed.extend(methods);
    let mut response = StatusCode::NO_CONTENT.into_response();
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        allowed.join(", ").parse().unwrap(),
    );
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(header::ACCESS_CONTROL_MAX_AGE, "300".parse().unwrap());
    response
}

async fn webhook(
    State(state): State<Arc<Mutex<N8n>>>,
    Path(_path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (mode, latency, auth, methods) = {
        let s = state.lock().unwrap();
        (
            s.mode.clone(),
            s.latency,
            s.header_auth.clone(),
            s.methods.clone(),
        )
    };
    if mode != N8nMode::Inactive && !methods.iter().any(|m| m == "POST") {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({
                "code": 404,
                "message": format!(
                    "This webhook is not registered for POST requests. Did you mean to make a {} request?",
                    methods.first().map(String::as_str).unwrap_or("GET")
                ),
            })),
        )
            .into_response();
    }
    if let Some((name, value)) = auth {
        let ok = headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == value);
        if !ok {
            return (StatusCode::FORBIDDEN, "Authorization data is wrong!").into_response();
        }
    }
    if mode == N8nMode::Inactive {
        return not_registered();
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({"message": "the body is not JSON"})),
        )
            .into_response();
    };
    state.lock().unwrap().received.push(request.clone());
    tokio::time::sleep(latency).await;
    let text = request.get("text").and_then(Value::as_str).unwrap_or("");
    match mode {
        N8nMode::LastNode => axum::Json(json!({"text": format!("n8n did: {text}")})).into_response(),
        N8nMode::LastNodeItems => axum::Json(json!([
            {"response": format!("n8n did: {text}")},
            {"response": "second item"}
        ]))
        .into_response(),
        N8nMode::OnReceived => {
            axum::Json(json!({"message": "Workflow was started"})).into_response()
        }
        N8nMode::Text => format!("n8n did: {text}").into_response(),
        N8nMode::WorkflowError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({"message": "Error in workflow"})),
        )
            .into_response(),
        N8nMode::ProxyHtml => (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, "text/html")],
            "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
        )
            .into_response(),
        N8nMode::MalformedJson => (
            [(header::CONTENT_TYPE, "application/json")],
            "{\"text\": \"unterminated",
        )
            .into_response(),
        N8nMode::Huge => {
            let chunk = Bytes::from(vec![b' '; 1024 * 1024]);
            let stream = futures_util::stream::iter(
                std::iter::repeat_n(chunk, 50).map(Ok::<_, std::io::Error>),
            );
            (
                [(header::CONTENT_TYPE, "application/json")],
                axum::body::Body::from_stream(stream),
            )
                .into_response()
        }
        N8nMode::Hang => {
            std::future::pending::<()>().await;
            unreachable!()
        }
        N8nMode::Inactive => not_registered(),
    }
}

impl FakeN8n {
    /// Starts on a free port, answering in [`N8nMode::LastNode`] mode.
    pub fn start() -> Self {
        Self::start_on(0)
    }

    /// Starts on `port` (0 = free), e.g. to bring n8n back where it was.
    pub fn start_on(port: u16) -> Self {
        let state = Arc::new(Mutex::new(N8n {
            mode: N8nMode::LastNode,
            latency: Duration::ZERO,
            header_auth: None,
            methods: vec!["POST".to_owned()],
            received: Vec::new(),
            preflights: 0,
        }));
        let app = Router::new()
            .route("/webhook/{*path}", post(webhook).options(preflight))
            .route(
                "/healthz",
                get(|| async { axum::Json(json!({"status": "ok"})) }),
            )
            .with_state(Arc::clone(&state));
        Self {
            served: Served::start(app, port),
            state,
        }
    }

    /// The production webhook URL for path `tonny`.
    pub fn webhook_url(&self) -> String {
        format!("{}/webhook/tonny", self.served.url())
    }

    /// The port, to start a new fake at the same address later.
    pub fn port(&self) -> u16 {
        self.served.addr().port()
    }

    /// Changes how it answers.
    pub fn set_mode(&self, mode: N8nMode) {
        self.state.lock().unwrap().mode = mode;
    }

    /// Waits this long before answering each request.
    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().unwrap().latency = latency;
    }

    /// Requires header auth with this header.
    pub fn require_header(&self, name: &str, value: &str) {
        self.state.lock().unwrap().header_auth = Some((name.to_owned(), value.to_owned()));
    }

    /// The HTTP methods the Webhook node listens for (POST unless changed).
    pub fn set_methods(&self, methods: &[&str]) {
        self.state.lock().unwrap().methods = methods.iter().map(|m| m.to_string()).collect();
    }

    /// How many CORS preflights were answered.
    pub fn preflights(&self) -> usize {
        self.state.lock().unwrap().preflights
    }

    /// Every request body received, in order (repeats included).
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// The requests that ran the workflow: the first with each idempotency key, in order.
    pub fn deliveries(&self) -> Vec<Received> {
        let mut seen = HashSet::new();
        self.received()
            .into_iter()
            .filter(|r| {
                seen.insert(
                    r.get("idempotency_key")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                )
            })
            .collect()
    }
}
