//! `GET /api/v1/history` (what was said: newest first, paged by id, or full-text search;
//! filtered by profile, date and outcome; each row with its stage timings),
//! `GET /api/v1/history/export` (the same selection as a CSV or JSON download, streamed),
//! `GET /api/v1/activity` (every handled request, typed ones too, with outcome and stage
//! timings) and `GET /api/v1/logs` (filtered by level and component; `after_id` follows).

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tonny_core::activity::ActivityStatus;
use tonny_core::router::Intent;
use tonny_store::export::{ExportFormat, HistoryEncoder, HistoryPages};
use tonny_store::{HistoryQuery, StageTimings, Store, Transcription};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, ApiState, ErrorBody};

/// The most rows one page returns.
const MAX_LIMIT: u32 = 500;

/// The outcomes a history row can have: its request's, or `transcribed` for a transcription
/// no request followed (`tonny transcribe`).
fn statuses() -> Vec<&'static str> {
    ActivityStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .chain(["transcribed"])
        .collect()
}

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
    /// Only rows stored at or after this instant (RFC 3339, e.g. `2026-11-22T00:00:00Z`).
    since: Option<String>,
    /// Only rows stored before this instant (RFC 3339).
    until: Option<String>,
    /// Only rows whose request ended so: `success`, `failed`, `timeout`, `blocked`,
    /// `pending`, `processing`, or `transcribed` (heard but not handled as a request).
    status: Option<String>,
}

fn instant(name: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            DateTime::parse_from_rfc3339(v.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| {
                    ApiError::bad_request(
                        "invalid_query",
                        format!("{name} {v:?} is not an RFC 3339 instant ({e}); e.g. 2026-11-22T00:00:00Z"),
                    )
                })
        })
        .transpose()
}

impl HistoryParams {
    /// The store query these parameters ask for, with `limit` rows, and the search words.
    fn query(&self, limit: u32) -> Result<(HistoryQuery, Option<String>), ApiError> {
        let status = self.status.clone().filter(|s| !s.is_empty());
        if let Some(s) = &status
            && !statuses().contains(&s.as_str())
        {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("status {s:?} is not one of {}", statuses().join(", ")),
            ));
        }
        let query = HistoryQuery {
            limit,
            before_id: self.before_id,
            profile: self.profile.clone().filter(|p| !p.is_empty()),
            since: instant("since", self.since.as_deref())?,
            until: instant("until", self.until.as_deref())?,
            status,
        };
        let search = self
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_owned);
        Ok((query, search))
    }
}

/// How long each stage of a request took, in milliseconds (absent: the stage did not run).
#[derive(Debug, Serialize, ToSchema)]
pub struct Timings {
    /// Recording, up to the end of speech.
    pub capture_ms: Option<u32>,
    /// End of speech to the moment voice-activity detection ended the recording.
    pub endpoint_ms: Option<u32>,
    /// Speech to text.
    pub stt_ms: Option<u32>,
    /// Family rules and routing.
    pub route_ms: Option<u32>,
    /// The agent's answer.
    pub agent_ms: Option<u32>,
    /// The voice, up to the first audio.
    pub tts_ms: Option<u32>,
    /// End of speech (or the typed request) to the reply delivered.
    pub total_ms: Option<u32>,
}

impl From<StageTimings> for Timings {
    fn from(t: StageTimings) -> Self {
        Self {
            capture_ms: t.capture_ms,
            endpoint_ms: t.endpoint_ms,
            stt_ms: t.stt_ms,
            route_ms: t.route_ms,
            agent_ms: t.agent_ms,
            tts_ms: t.tts_ms,
            total_ms: t.total_ms,
        }
    }
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
    /// How its request ended (`success`, `failed`, `blocked`, …), or `transcribed`.
    pub status: String,
    /// How long each stage took.
    pub timings: Timings,
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
            timings: Timings {
                stt_ms: t.timings.stt_ms.or(t.stt_ms),
                ..t.timings.into()
            },
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

pub(super) fn limit_of(limit: Option<u32>, default: u32) -> Result<u32, ApiError> {
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
    let (query, search) = p.query(limit_of(p.limit, 50)?)?;
    let store = s.assistant.store();
    let (items, last_id): (Vec<HistoryItem>, _) = match search {
        Some(q) => {
            let hits = store.search_transcriptions(&q, &query).await?;
            let last = hits.last().map(|h| h.transcription.id);
            let items = hits
                .into_iter()
                .map(|h| HistoryItem::of(h.transcription, Some(h.snippet)))
                .collect();
            (items, last)
        }
        None => {
            let rows = store.list_transcriptions(&query).await?;
            let last = rows.last().map(|t| t.id);
            (
                rows.into_iter().map(|t| HistoryItem::of(t, None)).collect(),
                last,
            )
        }
    };
    let next_before_id = (items.len() as u32 == query.limit)
        .then_some(last_id)
        .flatten();
    Ok(Json(HistoryPage {
        items,
        next_before_id,
    }))
}

/// Which rows to export, and how.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// `csv` (default: a header row, one column per stage timing) or `json` (an array).
    format: Option<String>,
    /// Full-text search, as for the history.
    q: Option<String>,
    /// Only this profile's rows.
    profile: Option<String>,
    /// Only rows stored at or after this instant (RFC 3339).
    since: Option<String>,
    /// Only rows stored before this instant (RFC 3339).
    until: Option<String>,
    /// Only rows whose request ended so.
    status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/history/export", tag = "history", params(ExportParams),
    responses((status = 200, description = "every selected row, newest first, as a download \
                                            (text/csv or application/json), streamed"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(super) async fn export(
    State(s): State<ApiState>,
    params: Result<Query<ExportParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params?;
    let format = match p.format.as_deref().unwrap_or("csv") {
        "csv" => ExportFormat::Csv,
        "json" => ExportFormat::Json,
        other => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("format {other:?} is not csv or json"),
            ));
        }
    };
    let (query, search) = HistoryParams {
        q: p.q,
        limit: None,
        before_id: None,
        profile: p.profile,
        since: p.since,
        until: p.until,
        status: p.status,
    }
    .query(1)?;
    let store = std::sync::Arc::clone(s.assistant.store());
    let mut pages = HistoryPages::new(query, search);
    // The first page is read before answering, so a failing store is a clean error; the rest
    // is streamed page by page and never held whole.
    let first = pages.next(store.as_ref()).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    tokio::spawn(stream_export(format, first, pages, store, tx));
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let filename = format!(
        "tonny-history-{}.{}",
        Utc::now().format("%Y-%m-%d"),
        format.extension()
    );
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Encodes the export page by page into `tx` (the download's body): `first`, then the rest as
/// the store gives them. A store failing midway ends the download broken rather than looking
/// complete; a client gone away ends it quietly.
async fn stream_export(
    format: ExportFormat,
    first: Option<Vec<Transcription>>,
    mut pages: HistoryPages,
    store: std::sync::Arc<dyn Store>,
    tx: tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
) {
    let mut encoder = HistoryEncoder::new(format);
    let mut chunk = encoder.start();
    if let Some(page) = first {
        chunk.extend(encoder.page(&page));
    }
    if tx.send(Ok(chunk)).await.is_err() {
        return;
    }
    loop {
        match pages.next(store.as_ref()).await {
            Ok(Some(page)) => {
                if tx.send(Ok(encoder.page(&page))).await.is_err() {
                    return;
                }
            }
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(component = "history", "export stopped: {e}");
                let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                return;
            }
        }
    }
    let _ = tx.send(Ok(encoder.finish())).await;
    tracing::info!(
        component = "history",
        rows = encoder.rows(),
        "history exported"
    );
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
    /// What ran.
    pub intent: Intent,
    /// Which agent or output handled it.
    pub backend: Option<String>,
    /// The request, when `history.enabled` keeps text.
    pub request: Option<String>,
    /// The reply, when kept.
    pub response: Option<String>,
    /// How it ended.
    pub status: ActivityStatus,
    /// Why it failed or was refused.
    pub error: Option<String>,
    /// How long each stage took.
    pub timings: Timings,
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
                timings: a.timings.into(),
            })
            .collect(),
    ))
}
