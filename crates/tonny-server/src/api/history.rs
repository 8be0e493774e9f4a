//! `GET /api/v1/history` (what was said: newest first, paged by id, or full-text search),
//! `GET /api/v1/activity` (every handled request, typed ones too, with outcome and stage
//! timings) and `GET /api/v1/logs` (filtered by level and component; `after_id` follows).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use tonny_core::settings::LogLevel;
use tonny_store::{HistoryQuery, LogQuery, Transcription};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, ApiState, ErrorBody, wire_name};

/// The most rows one page returns.
const MAX_LIMIT: u32 = 500;

/// Which history rows to return.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    /// Full-text search (words, "phrases", prefix*); without it, the newest rows.
    q: Option<String>,
    /// Rows per page (default 50, at most 500).
    limit: Option<u32>,
    /// Only rows older than this id: pass the previous page's `next_before_id`.
    before_id: Option<i64>,
    /// Only this profile's rows.
    profile: Option<String>,
}

/// One stored transcription.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryItem {
    /// Row id.
    pub id: i64,
    /// When it was stored (RFC 3339, UTC).
    pub created_at: String,
    /// What was said or typed.
    pub text: String,
    /// With search: the text with matches in `[` `]`.
    pub snippet: Option<String>,
    /// 0–1.
    pub confidence: Option<f32>,
    /// Speaker label from the speech server.
    pub speaker: Option<String>,
    /// Profile it ran under.
    pub profile: Option<String>,
    /// `voice`, `typed`, …
    pub source: Option<String>,
    /// Language code.
    pub language: Option<String>,
    /// Length of the audio.
    pub audio_ms: Option<u32>,
    /// Speech-to-text time.
    pub stt_ms: Option<u32>,
    /// Where it was routed.
    pub routed_to: Option<String>,
    /// Pipeline status.
    pub status: String,
}

impl HistoryItem {
    fn of(t: Transcription, snippet: Option<String>) -> Self {
        Self {
            id: t.id,
            created_at: t.created_at.to_rfc3339(),
            text: t.text,
            snippet,
            confidence: t.confidence,
            speaker: t.speaker,
            profile: t.profile,
            source: t.source,
            language: t.language,
            audio_ms: t.audio_ms,
            stt_ms: t.stt_ms,
            routed_to: t.routed_to,
            status: t.status,
        }
    }
}

/// A page of history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    /// Newest first (best match first with `q`).
    pub items: Vec<HistoryItem>,
    /// Pass as `before_id` for the next page; absent on the last page.
    pub next_before_id: Option<i64>,
}

fn limit_of(limit: Option<u32>, default: u32) -> Result<u32, ApiError> {
    match limit.unwrap_or(default) {
        0 => Err(ApiError::bad_request(
            "invalid_query",
            "limit must be at least 1",
        )),
        n if n > MAX_LIMIT => Err(ApiError::bad_request(
            "invalid_query",
            format!("limit may be at most {MAX_LIMIT}"),
        )),
        n => Ok(n),
    }
}

#[utoipa::path(get, path = "/api/v1/history", tag = "history", params(HistoryParams),
    responses((status = 200, body = HistoryPage), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub(super) async fn history(
    State(s): State<ApiState>,
    params: Result<Query<HistoryParams>, QueryRejection>,
) -> Result<Json<HistoryPage>, ApiError> {
    let Query(p) = params?;
    let limit = limit_of(p.limit, 50)?;
    let store = s.assistant.store();
    if let Some(q) = p.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let hits = store.search_transcriptions(q, limit).await?;
        let items = hits
            .into_iter()
            .filter(|h| p.profile.is_none() || h.transcription.profile == p.profile)
            .map(|h| HistoryItem::of(h.transcription, Some(h.snippet)))
            .collect();
        return Ok(Json(HistoryPage {
            items,
            next_before_id: None,
        }));
    }
    let rows = store
        .list_transcriptions(&HistoryQuery {
            limit,
            before_id: p.before_id,
            profile: p.profile,
            since: None,
        })
        .await?;
    let next_before_id = (rows.len() as u32 == limit)
        .then(|| rows.last().map(|t| t.id))
        .flatten();
    Ok(Json(HistoryPage {
        items: rows.into_iter().map(|t| HistoryItem::of(t, None)).collect(),
        next_before_id,
    }))
}

/// Which log lines to return.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LogParams {
    /// Least severe level: `trace`, `debug`, `info`, `warn` or `error` (default `info`).
    level: Option<String>,
    /// Only this component (`supervisor`, `tts`, `whisperlivekit`, …).
    component: Option<String>,
    /// Only lines newer than this id, oldest first (to follow).
    after_id: Option<i64>,
    /// Lines (default 100, at most 500).
    limit: Option<u32>,
}

/// One log line.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogLine {
    /// Row id.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub ts: String,
    /// Severity.
    pub level: String,
    /// Which part of TonnyTray.
    pub component: String,
    /// What happened.
    pub message: String,
    /// Structured fields.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
}

#[utoipa::path(get, path = "/api/v1/logs", tag = "history", params(LogParams),
    responses((status = 200, body = Vec<LogLine>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub(super) async fn logs(
    State(s): State<ApiState>,
    params: Result<Query<LogParams>, QueryRejection>,
) -> Result<Json<Vec<LogLine>>, ApiError> {
    let Query(p) = params?;
    let level = p.level.as_deref().unwrap_or("info");
    let min_level: LogLevel =
        serde_json::from_value(serde_json::Value::from(level)).map_err(|_| {
            ApiError::bad_request(
                "invalid_query",
                format!("level {level:?} is not one of trace, debug, info, warn, error"),
            )
        })?;
    let rows = s
        .assistant
        .store()
        .query_logs(&LogQuery {
            min_level,
            component: p.component,
            after_id: p.after_id,
            limit: limit_of(p.limit, 100)?,
        })
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|e| LogLine {
                id: e.id,
                ts: e.record.ts.to_rfc3339(),
                level: wire_name(e.record.level),
                component: e.record.component,
                message: e.record.message,
                metadata: e.record.metadata,
            })
            .collect(),
    ))
}

/// How many activity rows to return.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActivityParams {
    /// Rows (default 50, at most 500).
    limit: Option<u32>,
}

/// One handled request (spoken or typed) with how it ended and how long each stage took.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityItem {
    /// Row id.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub created_at: String,
    /// Profile it ran under.
    pub profile: Option<String>,
    /// `quick_action`, `local`, `agent`, `dictation`, …
    pub intent: String,
    /// Which agent or output handled it.
    pub backend: Option<String>,
    /// The request, when `history.enabled` keeps text.
    pub request: Option<String>,
    /// The reply, when kept.
    pub response: Option<String>,
    /// `success`, `blocked`, `queued`, …
    pub status: String,
    /// Why it failed or was refused.
    pub error: Option<String>,
    /// Per-stage milliseconds (`stt_ms`, `route_ms`, `agent_ms`, `tts_ms`, `total_ms`, …).
    #[schema(value_type = Object)]
    pub timings: serde_json::Value,
}

#[utoipa::path(get, path = "/api/v1/activity", tag = "history", params(ActivityParams),
    responses((status = 200, body = Vec<ActivityItem>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub(super) async fn activity(
    State(s): State<ApiState>,
    params: Result<Query<ActivityParams>, QueryRejection>,
) -> Result<Json<Vec<ActivityItem>>, ApiError> {
    let Query(p) = params?;
    let rows = s
        .assistant
        .store()
        .recent_activity(limit_of(p.limit, 50)?)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|a| ActivityItem {
                id: a.id,
                created_at: a.created_at.to_rfc3339(),
                profile: a.profile,
                intent: a.intent,
                backend: a.backend,
                request: a.request,
                response: a.response,
                status: a.status,
                error: a.error,
                timings: serde_json::to_value(a.timings).unwrap_or_default(),
            })
            .collect(),
    ))
}
