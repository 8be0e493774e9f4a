//! `GET /api/v1/status` (what the pipeline and services are doing) and `POST /api/v1/ask`
//! (a typed request, the Talk view's fallback and the quickest way to try the rules).

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use tonny_core::activity::ActivityStatus;
use tonny_core::router::Intent;

use super::{ApiError, ApiState, ErrorBody, wire_name};
use crate::assistant::{AssistantError, VoiceTarget};
use crate::session::SessionError;

/// One supervised service.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceStatus {
    /// Its name in settings.
    pub name: String,
    /// `running`, `starting`, `failing`, `stopped`, … in words.
    pub state: String,
    /// True when it answers.
    pub running: bool,
}

/// What TonnyTray is doing.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `idle`, `listening`, `transcribing`, `thinking`, `speaking` or `error`.
    pub state: String,
    /// Set in the error state: what went wrong.
    pub error: Option<String>,
    /// The active family profile.
    pub profile: String,
    /// `text_only`, `voice_only` or `both`.
    pub response_mode: String,
    /// Supervised services.
    pub services: Vec<ServiceStatus>,
    /// Seconds since the daemon started.
    pub uptime_s: u64,
    /// TonnyTray's version.
    pub version: String,
}

/// Every supervised service's state.
pub(super) fn service_list(s: &ApiState) -> Vec<ServiceStatus> {
    s.core
        .services
        .states()
        .into_iter()
        .map(|(name, st)| ServiceStatus {
            name,
            state: st.describe(),
            running: st.is_running(),
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/status", tag = "talk",
    responses((status = 200, body = Status), (status = 401, body = ErrorBody)))]
pub(super) async fn status(State(s): State<ApiState>) -> Result<Json<Status>, ApiError> {
    let (_, state) = s
        .assistant
        .coordinator()
        .state()
        .await
        .map_err(ApiError::internal)?;
    let state_name = state.name().to_owned();
    let profile = s.assistant.store().active_profile().await?;
    let services = service_list(&s);
    Ok(Json(Status {
        state: state_name,
        error: match state {
            tonny_core::pipeline::State::Error(e) => Some(e),
            _ => None,
        },
        profile: profile.name,
        response_mode: wire_name(s.assistant.mode()),
        services,
        uptime_s: s.core.started.elapsed().as_secs(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }))
}

/// A typed request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    /// What the person typed.
    pub text: String,
    /// Do not speak the reply (it is returned as text either way).
    #[serde(default)]
    pub silent: bool,
}

/// What happened to a request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AskResponse {
    /// What ran.
    pub intent: Intent,
    /// How it ended, as recorded in the activity history.
    pub status: ActivityStatus,
    /// Which agent answered.
    pub agent: Option<String>,
    /// The reply (the refusal, when refused).
    pub reply: Option<String>,
    /// How its text was delivered: `{"how":"shown"}` when the caller is to show it
    /// (`response.mode` is text or both, or it could not be spoken), how it was typed for
    /// dictation; absent when nothing was delivered as text.
    #[schema(value_type = Option<Object>)]
    pub delivery: Option<serde_json::Value>,
    /// Every text to show, in order: a quick action's steps' texts, then the reply when it is
    /// shown as text.
    pub shown: Vec<String>,
    /// Why the family rules refused it.
    pub refused: Option<String>,
    /// Outbox id when it was queued for a backend that is down.
    pub queued: Option<i64>,
    /// Transcript → first reply audio queued, when spoken.
    pub first_audio_ms: Option<u32>,
    /// The voice that spoke the reply on the daemon's machine ("Piper en_US-joe-medium").
    pub voice: Option<String>,
    /// Per-stage durations in milliseconds.
    #[schema(value_type = Object)]
    pub timings: serde_json::Value,
    /// For dictation, how the text was written: `mode` (verbatim, clean, mail), `chosen_by`
    /// (asked, app, default), `app` (the focused application), `rewrite` (`outcome`: off,
    /// not_for_this_profile, used, timed_out, failed), `cleanup_us` and the `text` typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub dictated: Option<serde_json::Value>,
}

/// The longest typed request taken.
const MAX_TEXT_CHARS: usize = 4_000;

#[utoipa::path(post, path = "/api/v1/ask", tag = "talk", request_body = AskRequest,
    responses((status = 200, body = AskResponse), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub(super) async fn ask(
    State(s): State<ApiState>,
    body: Result<Json<AskRequest>, JsonRejection>,
) -> Result<Json<AskResponse>, ApiError> {
    let Json(body) = body?;
    let text = body.text.trim();
    if text.is_empty() {
        return Err(ApiError::bad_request(
            "empty_text",
            "there is no text to ask",
        ));
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(ApiError::bad_request(
            "text_too_long",
            format!("the text is {chars} characters long; at most {MAX_TEXT_CHARS} are taken"),
        ));
    }
    let voice = if body.silent {
        VoiceTarget::Silent
    } else {
        VoiceTarget::Host
    };
    let outcome = s
        .core
        .session
        .ask(text, voice)
        .await
        .map_err(session_error)?;
    Ok(Json(AskResponse::of(&outcome)))
}

impl AskResponse {
    /// The API's view of what happened to a request (the `tonny` command prints the same).
    pub fn of(outcome: &crate::assistant::Outcome) -> Self {
        Self {
            intent: outcome.intent,
            status: outcome.status,
            agent: outcome.agent.clone(),
            reply: outcome.reply.clone(),
            delivery: outcome
                .delivery
                .as_ref()
                .and_then(|d| serde_json::to_value(d).ok()),
            shown: outcome.shown_for_caller.clone(),
            refused: outcome.refusal.as_ref().map(|r| r.reason()),
            queued: outcome.queued,
            first_audio_ms: outcome.first_audio_ms,
            voice: outcome.voice.clone(),
            timings: serde_json::to_value(outcome.timings).unwrap_or_default(),
            dictated: outcome
                .dictated
                .as_ref()
                .and_then(|d| serde_json::to_value(d).ok()),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/stop", tag = "talk",
    responses((status = 204, description = "stopped"), (status = 401, body = ErrorBody)))]
pub(super) async fn stop(State(s): State<ApiState>) -> Result<axum::http::StatusCode, ApiError> {
    s.core.session.cancel().await;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The API's answer for a request the session could not handle.
pub(super) fn session_error(e: SessionError) -> ApiError {
    use axum::http::StatusCode;
    match e {
        SessionError::Busy => ApiError::new(StatusCode::CONFLICT, "busy", e.to_string()),
        SessionError::Cancelled => ApiError::new(StatusCode::CONFLICT, "cancelled", e.to_string()),
        SessionError::SpeechUnavailable(_) | SessionError::NoMicrophone(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "speech_unavailable",
            e.to_string(),
        ),
        SessionError::Muted => ApiError::new(StatusCode::CONFLICT, "muted", e.to_string()),
        SessionError::SpeechFailed(_) | SessionError::Capture(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "speech_failed",
            e.to_string(),
        ),
        SessionError::Assistant(AssistantError::Empty | AssistantError::TooLong { .. }) => {
            ApiError::bad_request("invalid_text", e.to_string())
        }
        other => ApiError::internal(other),
    }
}
