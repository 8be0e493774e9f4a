//! The daemon's HTTP API (`tonny serve`, the tray): REST under `/api/v1`, the event stream as
//! a WebSocket, `/healthz`, and the OpenAPI document built from the same handlers, so the
//! document cannot drift from the routes. Binds where it is told (127.0.0.1 by default, chosen
//! by the caller); every route but `/healthz` needs the token ([`auth`]). No CORS headers are
//! sent, so other origins' pages cannot read answers.

pub mod auth;
mod backends;
mod config;
mod error;
mod events;
mod history;
mod household;
mod logs;
mod memory;
mod models;
mod system;
mod talk;
mod talk_audio;
mod talk_socket;
mod transcribe;
mod ui;
mod unsent;
mod voices;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use auth::ApiToken;
pub use error::{ApiError, ErrorBody, FieldProblem};
pub use talk::AskResponse;
pub use talk_audio::{MAX_AUDIO_BYTES, TalkResult};

use tonny_core::pipeline::{Event, State};

use crate::assistant::Assistant;
use crate::daemon::{Core, DaemonHandle};

/// Everything the handlers reach: cheap to clone (all shared).
#[derive(Clone)]
pub struct ApiState {
    /// The daemon's shared parts: store, settings, secrets, session, speech, services.
    pub core: Arc<Core>,
    /// Requests go through its session; its bus feeds the event stream.
    pub assistant: Arc<Assistant>,
    /// The daemon, for what front ends share with the API (the web UI's address).
    pub daemon: DaemonHandle,
    /// The bearer token.
    pub token: ApiToken,
}

impl ApiState {
    /// The API over `core`, answering `token`.
    pub fn new(core: Arc<Core>, token: ApiToken, daemon: DaemonHandle) -> Self {
        Self {
            assistant: Arc::clone(&core.assistant),
            core,
            daemon,
            token,
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TonnyTray daemon API",
        description = "Talk to TonnyTray, read its history and change its settings. Every route \
                       but /healthz needs `Authorization: Bearer TOKEN` (`tonny ui-url`).",
    ),
    components(schemas(ErrorBody, Event, State))
)]
struct ApiDoc;

fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(talk::status))
        .routes(routes!(talk::ask))
        .routes(routes!(talk::stop))
        .routes(routes!(talk_audio::upload))
        .routes(routes!(transcribe::transcribe))
        .routes(routes!(talk_audio::listen))
        .routes(routes!(unsent::list))
        .routes(routes!(unsent::retry))
        .routes(routes!(history::history))
        .routes(routes!(history::export))
        .routes(routes!(history::activity))
        .routes(routes!(logs::logs))
        .routes(routes!(config::get_settings, config::patch_settings))
        .routes(routes!(config::reset_setting))
        .routes(routes!(config::get_settings_schema))
        .routes(routes!(config::secrets))
        .routes(routes!(config::set_secret, config::delete_secret))
        .routes(routes!(backends::test))
        .routes(routes!(household::profiles))
        .routes(routes!(household::put_profile, household::delete_profile))
        .routes(routes!(household::put_pin))
        .routes(routes!(household::switch))
        .routes(routes!(household::actions))
        .routes(routes!(household::put_action, household::delete_action))
        .routes(routes!(system::services))
        .routes(routes!(system::service_action))
        .routes(routes!(system::stats))
        .routes(routes!(system::usage))
        .routes(routes!(system::devices))
        .routes(routes!(system::backup))
        .routes(routes!(memory::context, memory::clear_context))
        .routes(routes!(memory::timers))
        .routes(routes!(memory::cancel_timer))
        .routes(routes!(memory::notifications))
        .routes(routes!(memory::mark_read))
        .routes(routes!(memory::clear_history))
        .routes(routes!(models::list))
        .routes(routes!(models::install))
        .routes(routes!(models::import))
        .routes(routes!(models::verify))
        .routes(routes!(models::remove))
        .routes(routes!(models::voices))
        .routes(routes!(voices::local))
}

/// The name a unit enum has on the wire (`"text_only"`, `"warn"`, `"keychain"`), for the API's
/// plain-string fields.
fn wire_name<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The OpenAPI document of every `/api/v1` route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = routes().split_for_parts().1;
    // Served beside the documented routes (not JSON handlers); documented here by hand.
    for (path, summary, status, what) in [
        (
            "/api/v1/talk",
            "WebSocket for hold-to-talk (the token may be given as ?token=). Send \
             {\"type\":\"start\",\"format\":\"pcm_s16le\"|\"pcm_f32le\"|\"encoded\",\
             \"sample_rate\":N,\"purpose\":\"command\"|\"dictation\"}, then the audio as \
             binary messages (at most 25 MiB in all), then {\"type\":\"stop\"} or \
             {\"type\":\"cancel\"}. Answers {\"type\":\"listening\"}, then \
             {\"type\":\"result\",…TalkResult} and the spoken reply as one binary WAV message, \
             or {\"type\":\"error\",\"code\",\"message\"} and a close.",
            "101",
            "switching protocols",
        ),
        (
            "/api/v1/events",
            "WebSocket: every daemon event as a JSON text message, each an `Event` \
             (#/components/schemas/Event, tagged by `type`); a client that falls behind gets \
             {\"type\":\"lagged\",\"missed\":N}. The token may be given as ?token=",
            "101",
            "switching protocols",
        ),
        (
            "/api/v1/logs/stream",
            "WebSocket: the newest log lines (oldest first), then each new line as it is \
             written, as JSON `LogLine` messages; takes the filters of /api/v1/logs. The token \
             may be given as ?token=",
            "101",
            "switching protocols",
        ),
        (
            "/api/v1/openapi.json",
            "This document.",
            "200",
            "the OpenAPI document",
        ),
        (
            "/metrics",
            "Prometheus text exposition: requests, stage latencies, backend errors, breaker \
             states, outbox depth.",
            "200",
            "metrics",
        ),
        (
            "/healthz",
            "Liveness; needs no token.",
            "200",
            "{\"status\":\"ok\"}",
        ),
    ] {
        doc.paths.paths.insert(
            path.into(),
            utoipa::openapi::PathItem::new(
                utoipa::openapi::HttpMethod::Get,
                utoipa::openapi::path::OperationBuilder::new()
                    .summary(Some(summary))
                    .response(status, utoipa::openapi::Response::new(what)),
            ),
        );
    }
    doc
}

/// The whole API as one router.
pub fn app(state: ApiState) -> Router {
    let (api, _) = routes().split_for_parts();
    let doc = Arc::new(openapi());
    let protected = api
        .route("/api/v1/events", get(events::events))
        .route("/api/v1/logs/stream", get(logs::stream))
        .route("/api/v1/talk", get(talk_socket::socket))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = Arc::clone(&doc);
                async move { axum::Json((*doc).clone()) }
            }),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.token.clone(),
            auth::require_token,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/metrics",
            get(metrics).route_layer(axum::middleware::from_fn_with_state(
                state.token.clone(),
                auth::require_token,
            )),
        )
        .merge(protected)
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async {
                ApiError::not_found("no such route; see /api/v1/openapi.json")
            }),
        )
        .fallback(ui::serve)
        .with_state(state)
}

/// Prometheus text exposition (`Authorization: Bearer` like every route; scrapers send it
/// with `authorization.credentials`).
async fn metrics(
    axum::extract::State(s): axum::extract::State<ApiState>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let depth = s.assistant.store().pending_outbox(None).await?.len();
    let body = s
        .assistant
        .metrics()
        .render(&s.assistant.breaker_states(), depth);
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    ))
}

async fn healthz() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// Serves `app` on `listener` until `shutdown` resolves; requests in flight are finished first.
pub async fn run(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
