//! Every REST route in-process: answers, auth failures, validation errors, the error shape,
//! and that every route is in the OpenAPI document.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use futures_util::future::BoxFuture;
use serde_json::{Value, json};
use tonny_core::Paths;
use tonny_core::agent::Agent;
use tonny_core::output::{Delivery, OutputError, TextOutput, VoiceOutput};
use tonny_core::settings::Settings;
use tonny_core::stt::Stt;
use tonny_core::tts::Tts;
use tonny_providers::agent::local::LocalAgent;
use tonny_providers::tts::espeak::EspeakTts;
use tonny_providers::wiring::{BackendSecrets, WiringError};
use tonny_server::api::{ApiState, ApiToken, app, openapi};
use tonny_server::daemon::{CoreConfig, DaemonHandle, DaemonOptions};
use tonny_server::parts::{Build, BuiltVoice};
use tonny_store::secrets::{BackendChoice, SecretStore};
use tonny_store::{SqliteStore, Store};
use tonny_supervisor::ServiceSpec;
use tower::ServiceExt;

pub const TOKEN: &str = "test-token-0123456789";

/// Replies are only shown (no display, no sound).
struct Shown;

#[async_trait::async_trait]
impl TextOutput for Shown {
    async fn deliver(&self, _text: &str) -> Result<Delivery, OutputError> {
        Ok(Delivery::Shown)
    }
}

/// The parts a test daemon is built with: the real local agent by default (or the given
/// agents), no voice on this machine, the given speech engine and browser voice.
#[derive(Default, Clone)]
pub struct TestParts {
    /// Agents in fallback order (default: the real local agent).
    pub agents: Option<Vec<Arc<dyn Agent>>>,
    /// This machine's voice (default: none).
    pub voice: Option<Arc<dyn VoiceOutput>>,
    /// Where typed text goes (default: shown, not typed).
    pub text: Option<Arc<dyn TextOutput>>,
    /// The speech engine (default: none; audio routes answer 503).
    pub stt: Option<Arc<dyn Stt>>,
    /// The browser's voice (default: espeak-ng).
    pub tts: Option<Arc<dyn Tts>>,
    /// Build the real agents from settings and secrets instead (order, secrets, backends).
    pub real_agents: bool,
    /// Services to supervise (with `options.supervise`).
    pub services: Vec<ServiceSpec>,
    /// What the daemon does besides its API.
    pub options: DaemonOptions,
    /// The local voice (`tts.voice`) of every voice built, as `host:VOICE` (this machine's)
    /// or `browser:VOICE` (the web UI's), in order.
    pub voices_built: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Build for TestParts {
    fn agents(
        &self,
        settings: &Settings,
        secrets: &BackendSecrets,
    ) -> (Vec<Arc<dyn Agent>>, Vec<WiringError>) {
        if self.real_agents {
            return tonny_providers::wiring::agents(settings, secrets);
        }
        let agents = self
            .agents
            .clone()
            .unwrap_or_else(|| vec![Arc::new(LocalAgent::new()) as Arc<dyn Agent>]);
        (agents, Vec::new())
    }

    fn voice(&self, settings: &Settings, _secrets: &BackendSecrets) -> Option<BuiltVoice> {
        let voice = self.voice.clone()?;
        let built = format!("host:{}", settings.tts.voice);
        self.voices_built.lock().unwrap().push(built);
        Some(Ok((voice, None)))
    }

    fn tts(&self, settings: &Settings, _secrets: &BackendSecrets) -> Arc<dyn Tts> {
        let built = format!("browser:{}", settings.tts.voice);
        self.voices_built.lock().unwrap().push(built);
        self.tts
            .clone()
            .unwrap_or_else(|| Arc::new(EspeakTts::from_settings(&settings.tts)))
    }

    fn text_output(&self, _settings: &Settings) -> Arc<dyn TextOutput> {
        self.text.clone().unwrap_or_else(|| Arc::new(Shown))
    }

    fn stt(
        &self,
        _settings: Arc<Settings>,
        _secrets: Arc<BackendSecrets>,
    ) -> BoxFuture<'static, Result<Arc<dyn Stt>, String>> {
        let stt = self.stt.clone();
        Box::pin(async move {
            stt.ok_or_else(|| "no speech model is installed here; type the request instead".into())
        })
    }

    fn services(&self, _settings: &Settings, _secrets: &BackendSecrets) -> Vec<ServiceSpec> {
        self.services.clone()
    }
}

/// A daemon over a fresh home: its router, state and the folder.
pub struct Daemon {
    pub app: Router,
    pub state: ApiState,
    pub handle: DaemonHandle,
    /// Kept so the folder lives as long as the daemon.
    pub _home: tempfile::TempDir,
}

impl Daemon {
    /// A daemon with the default test parts.
    pub async fn start() -> Self {
        Self::with(TestParts::default()).await
    }

    /// A daemon built with `parts`, its secrets in the encrypted file.
    pub async fn with(parts: TestParts) -> Self {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::under(home.path());
        paths.ensure_dirs().unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&paths.database()).unwrap());
        let secrets = SecretStore::open(&paths, BackendChoice::File, Vec::new()).unwrap();
        let options = parts.options;
        let config = CoreConfig {
            paths,
            store,
            secrets: Some(Arc::new(secrets)),
            build: Arc::new(parts),
        };
        let daemon = tonny_server::daemon::Daemon::new(config, options, ApiToken::new(TOKEN))
            .await
            .unwrap();
        let handle = daemon.handle();
        // Timers, the outbox and housekeeping run as in the product; no API socket.
        tokio::spawn(daemon.run(None, std::future::pending()));
        let core = Arc::clone(handle.core());
        let state = ApiState::new(core, ApiToken::new(TOKEN), handle.clone());
        Self {
            app: app(state.clone()),
            state,
            handle,
            _home: home,
        }
    }

    /// Serves this daemon on a real socket on 127.0.0.1 (WebSocket routes need one); returns
    /// `ws://ADDR` and the sender whose drop (or send) stops it.
    pub async fn serve(&self) -> (String, tokio::sync::oneshot::Sender<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(tonny_server::api::run(listener, self.app.clone(), async {
            let _ = stopped.await;
        }));
        (format!("ws://{addr}"), stop)
    }

    /// Waits (up to 10 s) for an event `pick` accepts from `events`; panics naming what came.
    pub async fn wait_event<T>(
        events: &mut tokio::sync::broadcast::Receiver<tonny_core::pipeline::Event>,
        mut pick: impl FnMut(&tonny_core::pipeline::Event) -> Option<T>,
    ) -> T {
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let e = match tokio::time::timeout_at(deadline, events.recv()).await {
                Ok(Ok(e)) => e,
                Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => continue,
                Ok(Err(e)) => panic!("the event bus closed: {e}"),
                Err(_) => panic!("the awaited event never came; saw {seen:#?}"),
            };
            if let Some(t) = pick(&e) {
                return t;
            }
            seen.push(e);
        }
    }

    /// Sends a request with the token (`body` as JSON when given); returns status and JSON.
    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        self.send(req).await
    }

    pub async fn send(&self, req: Request<Body>) -> (StatusCode, Value) {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 64 << 20)
            .await
            .unwrap();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, json)
    }
}

/// A WebSocket client connection to the daemon.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the WebSocket at `url`, with the token in the query as browsers send it.
pub async fn connect(url: &str) -> Socket {
    let sep = if url.contains('?') { '&' } else { '?' };
    tokio_tungstenite::connect_async(format!("{url}{sep}token={TOKEN}"))
        .await
        .unwrap()
        .0
}

fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn healthz_is_open_and_everything_else_needs_the_token() {
    let d = Daemon::start().await;
    let (status, body) = d
        .send(Request::get("/healthz").body(Body::empty()).unwrap())
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));

    for (auth, why) in [
        (None, "send the API token"),
        (Some("Bearer wrong-token"), "token is wrong"),
        (Some(TOKEN), "send the API token"), // not a Bearer header
    ] {
        let mut req = Request::get("/api/v1/status");
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        let (status, body) = d.send(req.body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_error(&body, "unauthorized");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(why),
            "{body}"
        );
        assert!(!body.to_string().contains(TOKEN));
    }
    // A token in the query string is only for WebSockets.
    let (status, _) = d
        .send(
            Request::get(format!("/api/v1/status?token={TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Unknown routes answer in the same shape.
    let (status, body) = d.call(Method::GET, "/api/v1/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
}

#[tokio::test]
async fn status_and_ask_run_a_request_through_the_local_agent() {
    let d = Daemon::start().await;
    let (status, body) = d.call(Method::GET, "/api/v1/status", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "idle");
    assert_eq!(body["profile"], "Default");
    assert_eq!(body["response_mode"], "both");
    assert_eq!(body["services"], json!([]));

    let (status, body) = d
        .call(
            Method::POST,
            "/api/v1/ask",
            Some(json!({"text": "what time is it"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["agent"], "local", "{body}");
    assert!(body["reply"].as_str().unwrap().contains("It's"), "{body}");
    assert!(body["timings"]["total_ms"].is_number(), "{body}");

    // The device pickers' lists (empty on a machine without a sound system).
    let (status, devices) = d.call(Method::GET, "/api/v1/devices", None).await;
    assert_eq!(status, StatusCode::OK, "{devices}");
    assert!(
        devices["inputs"].is_array() && devices["outputs"].is_array(),
        "{devices}"
    );

    // The typed request is in the activity, with its outcome and timings.
    let (status, rows) = d.call(Method::GET, "/api/v1/activity?limit=5", None).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    assert_eq!(rows[0]["request"], "what time is it", "{rows}");
    assert_eq!(rows[0]["backend"], "local", "{rows}");
    assert_eq!(rows[0]["status"], "success", "{rows}");
    assert!(rows[0]["timings"]["total_ms"].is_number(), "{rows}");
}

/// Stores a transcription as the speech pipeline does.
#[tokio::test]
async fn bad_bodies_and_queries_get_one_error_shape() {
    let d = Daemon::start().await;
    let cases: Vec<(axum::http::Result<Request<Body>>, StatusCode, &str)> = vec![
        (
            Request::post("/api/v1/ask")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"text\": ")),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            Request::post("/api/v1/ask")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"text":"hi","extra":1}"#)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            Request::post("/api/v1/ask").body(Body::from(r#"{"text":"hi"}"#)),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            Request::post("/api/v1/ask")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"text":"   "}"#)),
            StatusCode::BAD_REQUEST,
            "empty_text",
        ),
        (
            Request::get("/api/v1/history?limit=0").body(Body::empty()),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            Request::get("/api/v1/history?colour=red").body(Body::empty()),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            Request::get("/api/v1/logs?level=loud").body(Body::empty()),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
    ];
    for (req, want, code) in cases {
        let mut req = req.unwrap();
        req.headers_mut().insert(
            header::AUTHORIZATION,
            format!("Bearer {TOKEN}").parse().unwrap(),
        );
        let uri = req.uri().clone();
        let (status, body) = d.send(req).await;
        assert_eq!(status, want, "{uri}: {body}");
        assert_error(&body, code);
    }
    // A body over the limit is refused without being read whole.
    let big = format!(r#"{{"text":"{}"}}"#, "a".repeat(3 << 20));
    let (status, body) = d
        .call(
            Method::POST,
            "/api/v1/ask",
            Some(serde_json::from_str(&big).unwrap()),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_error(&body, "too_large");
}

#[tokio::test]
async fn a_settings_patch_is_all_or_nothing_with_each_bad_field_named() {
    let d = Daemon::start().await;
    let (status, before) = d.call(Method::GET, "/api/v1/settings", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(before["values"]["tts.speed"], 1.0);
    assert_eq!(before["sources"]["tts.speed"], "default");

    let (status, body) = d
        .call(
            Method::PATCH,
            "/api/v1/settings",
            Some(json!({"tts.speed": 1.1, "tts.pitch": 400, "tts.nope": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_error(&body, "invalid_settings");
    let keys: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["tts.nope", "tts.pitch"], "{body}");
    let (_, after) = d.call(Method::GET, "/api/v1/settings", None).await;
    assert_eq!(after["values"]["tts.speed"], 1.0, "nothing changed");

    // Text from a form is parsed like the CLI's; the new values are stored.
    let (status, body) = d
        .call(
            Method::PATCH,
            "/api/v1/settings",
            Some(json!({"tts.speed": "1.1", "ui.theme": "dark"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["values"]["tts.speed"], 1.1);
    assert_eq!(body["sources"]["tts.speed"], "database");
    let stored = d.state.assistant.store().stored_settings().await.unwrap();
    assert_eq!(stored["ui.theme"], "dark");

    let (status, body) = d
        .call(Method::PATCH, "/api/v1/settings", Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "empty_patch");
}

#[tokio::test]
async fn the_settings_schema_gives_every_key_its_control_and_every_value_fits_it() {
    let d = Daemon::start().await;
    let (status, schema) = d.call(Method::GET, "/api/v1/settings/schema", None).await;
    assert_eq!(status, StatusCode::OK, "{schema}");
    let (_, settings) = d.call(Method::GET, "/api/v1/settings", None).await;
    let fields = schema["fields"].as_array().unwrap();
    let mut keys: Vec<&str> = fields.iter().map(|f| f["key"].as_str().unwrap()).collect();
    keys.sort();
    let mut expected: Vec<&str> = settings["values"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    expected.sort();
    assert_eq!(keys, expected, "one field per setting");
    let groups = schema["groups"].as_array().unwrap();
    for field in fields {
        let key = field["key"].as_str().unwrap();
        let value = &settings["values"][key];
        assert!(groups.contains(&field["group"]), "{field}");
        let choices: Vec<&Value> = field["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["value"])
            .collect();
        match field["kind"].as_str().unwrap() {
            "choice" if !value.is_null() => assert!(choices.contains(&value), "{field} {value}"),
            "choices" => {
                for v in value.as_array().unwrap() {
                    assert!(choices.contains(&v), "{field} {v}");
                }
            }
            "switch" => assert!(value.is_boolean(), "{field} {value}"),
            "integer" | "number" => {
                let n = value.as_f64().expect("a number");
                if let Some(range) = field["range"].as_object() {
                    let (min, max) = (
                        range["min"].as_f64().unwrap(),
                        range["max"].as_f64().unwrap(),
                    );
                    assert!(
                        (min..=max).contains(&n) || (n == 0.0 && !range["zero_means"].is_null()),
                        "{field} {value}"
                    );
                }
            }
            _ => {}
        }
    }
    // Enums are choices, never free text: the typing method's values come from its type.
    let method = fields.iter().find(|f| f["key"] == "typing.method").unwrap();
    assert_eq!(method["kind"], "choice");
    assert!(method["choices"].as_array().unwrap().len() >= 7, "{method}");
}

#[tokio::test]
async fn secrets_are_written_and_deleted_but_never_read_back() {
    let d = Daemon::start().await;
    let value = "xi-api-key-shh-123456";
    let (status, body) = d
        .call(
            Method::PUT,
            "/api/v1/secrets/elevenlabs_api_key",
            Some(json!({ "value": value })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, list) = d.call(Method::GET, "/api/v1/secrets", None).await;
    assert_eq!(status, StatusCode::OK);
    let xi = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "elevenlabs_api_key")
        .unwrap();
    assert_eq!(xi["configured"], true);
    assert_eq!(xi["source"], "encrypted_file");
    assert!(!list.to_string().contains(value));

    // Bad values and names are refused without echoing the value.
    let (status, body) = d
        .call(
            Method::PUT,
            "/api/v1/secrets/n8n_webhook_url",
            Some(json!({"value": "not a url"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(!body.to_string().contains("not a url"), "{body}");
    let (status, body) = d
        .call(
            Method::PUT,
            "/api/v1/secrets/password",
            Some(json!({"value": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");

    let (status, _) = d
        .call(Method::DELETE, "/api/v1/secrets/elevenlabs_api_key", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = d
        .call(Method::DELETE, "/api/v1/secrets/elevenlabs_api_key", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    // The value never reached the database or the logs.
    let db = std::fs::read(d.state.core.paths.database()).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains(value));
}

#[tokio::test]
async fn logs_are_filtered_by_level_and_component() {
    let d = Daemon::start().await;
    let store = d.state.assistant.store();
    let record = |level, component: &str, message: &str| tonny_store::LogRecord {
        ts: chrono::Utc::now(),
        level,
        component: component.into(),
        message: message.into(),
        metadata: None,
    };
    use tonny_core::settings::LogLevel;
    store
        .insert_logs(&[
            record(LogLevel::Debug, "tts", "quiet detail"),
            record(LogLevel::Warn, "tts", "voice fell back"),
            record(LogLevel::Error, "supervisor", "crashed"),
        ])
        .await
        .unwrap();
    let (_, lines) = d.call(Method::GET, "/api/v1/logs?level=warn", None).await;
    let messages: Vec<&str> = lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{lines}");
    assert!(!messages.contains(&"quiet detail"));
    let (_, tts) = d
        .call(Method::GET, "/api/v1/logs?level=debug&component=tts", None)
        .await;
    assert_eq!(tts.as_array().unwrap().len(), 2, "{tts}");
}

#[tokio::test]
async fn every_route_is_in_the_openapi_document() {
    let d = Daemon::start().await;
    let (status, doc) = d.call(Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc, serde_json::to_value(openapi()).unwrap());
    // The routes these tests call, by method: each must be documented.
    let routes = [
        ("get", "/api/v1/status"),
        ("post", "/api/v1/ask"),
        ("post", "/api/v1/talk/upload"),
        ("post", "/api/v1/transcribe"),
        ("post", "/api/v1/models/{name}/verify"),
        ("delete", "/api/v1/models/{name}"),
        ("post", "/api/v1/stop"),
        ("get", "/api/v1/talk"),
        ("get", "/api/v1/history"),
        ("get", "/api/v1/history/export"),
        ("get", "/api/v1/activity"),
        ("get", "/api/v1/logs"),
        ("get", "/api/v1/settings"),
        ("patch", "/api/v1/settings"),
        ("get", "/api/v1/settings/schema"),
        ("get", "/api/v1/secrets"),
        ("put", "/api/v1/secrets/{name}"),
        ("delete", "/api/v1/secrets/{name}"),
        ("post", "/api/v1/backends/{name}/test"),
        ("get", "/api/v1/events"),
        ("get", "/api/v1/profiles"),
        ("put", "/api/v1/profiles/{name}"),
        ("delete", "/api/v1/profiles/{name}"),
        ("put", "/api/v1/profiles/{name}/pin"),
        ("post", "/api/v1/active-profile"),
        ("get", "/api/v1/actions"),
        ("put", "/api/v1/actions/{name}"),
        ("delete", "/api/v1/actions/{name}"),
        ("get", "/api/v1/services"),
        ("post", "/api/v1/services/{name}/{action}"),
        ("get", "/api/v1/stats"),
        ("get", "/api/v1/usage"),
        ("get", "/api/v1/devices"),
        ("get", "/api/v1/backup"),
        ("post", "/api/v1/listen"),
        ("get", "/api/v1/dictations/unsent"),
        ("post", "/api/v1/dictations/unsent/{id}/retry"),
        ("delete", "/api/v1/settings/{key}"),
        ("get", "/api/v1/context"),
        ("delete", "/api/v1/context"),
        ("get", "/api/v1/timers"),
        ("delete", "/api/v1/timers/{id}"),
        ("get", "/api/v1/notifications"),
        ("post", "/api/v1/notifications/read"),
        ("delete", "/api/v1/history"),
        ("get", "/api/v1/models"),
        ("post", "/api/v1/models/{name}/install"),
        ("post", "/api/v1/models/import"),
        ("get", "/api/v1/voices"),
        ("get", "/api/v1/voices/local"),
        ("get", "/api/v1/logs/stream"),
        ("get", "/api/v1/openapi.json"),
        ("get", "/metrics"),
        ("get", "/healthz"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in routes {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
    assert_eq!(
        paths
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum::<usize>(),
        routes.len(),
        "a documented route is not tested here: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    // Errors are documented with the one shape; events and states are typed, so the web UI's
    // event types are generated from this document too.
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let event = &doc["components"]["schemas"]["Event"];
    let kinds = event.to_string();
    for kind in [
        "state_changed",
        "request_finished",
        "profile_changed",
        "settings_changed",
        "service_health",
        "backend_health",
        "model_install",
        "device_changed",
    ] {
        assert!(kinds.contains(kind), "Event lacks {kind}: {event}");
    }
    assert!(doc["components"]["schemas"]["State"].is_object());

    // The web UI's types are generated from this document (ui/openapi.json): it must be the
    // current one. TONNY_UPDATE_OPENAPI=1 rewrites it after an API change.
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/openapi.json");
    let current = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    if std::env::var_os("TONNY_UPDATE_OPENAPI").is_some() {
        std::fs::write(&committed, &current).unwrap();
    }
    let on_disk = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        on_disk == current,
        "ui/openapi.json is not the API's document; run \
         `TONNY_UPDATE_OPENAPI=1 cargo test -p tonny-server --test it -- openapi`"
    );
}

#[tokio::test]
async fn metrics_count_requests_and_stage_latencies() {
    let d = Daemon::start().await;
    let (status, _) = d
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for _ in 0..2 {
        d.call(
            Method::POST,
            "/api/v1/ask",
            Some(json!({"text": "what time is it"})),
        )
        .await;
    }
    let (status, body) = d.call(Method::GET, "/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    let text = body.as_str().unwrap();
    assert!(
        text.contains("tonny_requests_total{intent=\"local\",status=\"success\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("tonny_stage_duration_seconds_count{stage=\"total\"} 2"),
        "{text}"
    );
    assert!(text.contains("tonny_outbox_depth 0"), "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
}

#[tokio::test]
async fn the_web_ui_is_served_from_the_binary_with_a_strict_policy() {
    let d = Daemon::start().await;
    for path in ["/", "/history"] {
        let res = d
            .app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{path}: build the UI first (npm run build in ui/)"
        );
        let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("default-src 'self'"), "{csp}");
        let html = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let html = String::from_utf8_lossy(&html);
        assert!(html.contains("<div id=\"root\">"), "{html}");
    }
    // Unknown API paths stay JSON errors, not the page.
    let (status, body) = d.call(Method::GET, "/api/v2/anything", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
}

#[tokio::test]
async fn the_installed_local_voices_are_listed_with_the_one_in_use() {
    let d = Daemon::start().await;
    let (status, none) = d.call(Method::GET, "/api/v1/voices/local", None).await;
    assert_eq!(status, StatusCode::OK, "{none}");
    assert_eq!(none, json!([]), "nothing installed yet");

    // Installed as `tonny voices install` leaves a voice: its model and configuration in a
    // folder named after it.
    let (_, data) = tonny_testkit::speech::piper_voice();
    let dir = Paths::under(d._home.path())
        .voices_dir()
        .join("en_US-joe-medium");
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["en_US-joe-medium.onnx", "en_US-joe-medium.onnx.json"] {
        std::os::unix::fs::symlink(data.join(file), dir.join(file)).unwrap();
    }
    let (status, listed) = d.call(Method::GET, "/api/v1/voices/local", None).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let voices = listed.as_array().unwrap();
    assert_eq!(voices.len(), 1, "{listed}");
    assert_eq!(voices[0]["name"], "en_US-joe-medium");
    assert_eq!(voices[0]["language"], "en_US");
    assert_eq!(voices[0]["in_use"], true, "tts.voice en-us speaks with it");

    let (status, _) = d
        .call(
            Method::PATCH,
            "/api/v1/settings",
            Some(json!({"tts.voice": "de"})),
        )
        .await;
    assert!(status.is_success());
    let (_, listed) = d.call(Method::GET, "/api/v1/voices/local", None).await;
    assert_eq!(listed[0]["in_use"], false, "German has no Piper voice here");
}
