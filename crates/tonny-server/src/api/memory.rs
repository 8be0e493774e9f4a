//! What the assistant remembers, as the web UI manages it: the conversation context
//! (`/api/v1/context`: read, clear), timers and reminders (`/api/v1/timers`: list, cancel
//! one), notifications (`/api/v1/notifications`: list, mark read) and history clearing
//! (`DELETE /api/v1/history`: all, one profile, before a date).

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tonny_core::pipeline::Turn;
use tonny_store::ClearHistory;
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, ApiState, ErrorBody, wire_name};

/// The conversation context follow-up questions are asked with (memory only, never stored).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContextView {
    /// The exchanges, oldest first.
    pub turns: Vec<Turn>,
}

#[utoipa::path(get, path = "/api/v1/context", tag = "memory",
    responses((status = 200, body = ContextView), (status = 401, body = ErrorBody)))]
pub(super) async fn context(State(s): State<ApiState>) -> Result<Json<ContextView>, ApiError> {
    let turns = s
        .assistant
        .coordinator()
        .context()
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(ContextView { turns }))
}

/// What clearing found.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContextCleared {
    /// False when there was nothing to forget.
    pub cleared: bool,
}

#[utoipa::path(delete, path = "/api/v1/context", tag = "memory",
    responses((status = 200, body = ContextCleared,
               description = "forgotten; a `context_cleared` event says so"),
              (status = 401, body = ErrorBody)))]
pub(super) async fn clear_context(
    State(s): State<ApiState>,
) -> Result<Json<ContextCleared>, ApiError> {
    let cleared = s
        .assistant
        .coordinator()
        .clear_context()
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(ContextCleared { cleared }))
}

/// A pending timer or reminder.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimerView {
    /// Its id (to cancel it).
    pub id: i64,
    /// Whose it is.
    pub profile: String,
    /// `timer` or `reminder`.
    pub kind: String,
    /// The spoken duration, or the reminder's message.
    pub label: String,
    /// When it fires (RFC 3339).
    pub due_at: String,
}

/// Which timers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TimersQuery {
    /// Only this profile's.
    profile: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/timers", tag = "memory", params(TimersQuery),
    responses((status = 200, body = Vec<TimerView>, description = "pending ones, soonest first"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(super) async fn timers(
    State(s): State<ApiState>,
    query: Result<Query<TimersQuery>, QueryRejection>,
) -> Result<Json<Vec<TimerView>>, ApiError> {
    let Query(q) = query?;
    let pending = s.core.store.pending_timers(q.profile.as_deref()).await?;
    Ok(Json(
        pending
            .into_iter()
            .map(|t| TimerView {
                id: t.id,
                profile: t.profile,
                kind: wire_name(t.kind),
                label: t.label,
                due_at: t.due_at.to_rfc3339(),
            })
            .collect(),
    ))
}

#[utoipa::path(delete, path = "/api/v1/timers/{id}", tag = "memory",
    params(("id" = i64, Path, description = "the timer's id")),
    responses((status = 204, description = "cancelled"), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub(super) async fn cancel_timer(
    State(s): State<ApiState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    if s.core.store.cancel_timers(&[id]).await? == 0 {
        return Err(ApiError::not_found(format!(
            "there is no pending timer {id}; it may have fired or been cancelled already"
        )));
    }
    s.assistant.wake_timers();
    Ok(StatusCode::NO_CONTENT)
}

/// A notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    /// Its id.
    pub id: i64,
    /// When it was raised (RFC 3339).
    pub created_at: String,
    /// `info`, `warn` or `error`.
    pub level: String,
    /// Headline.
    pub title: String,
    /// Details.
    pub body: Option<String>,
    /// Whether it was marked read.
    pub read: bool,
}

/// Which notifications.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NotificationsQuery {
    /// Only unread ones.
    #[serde(default)]
    unread: bool,
    /// How many, newest first (default 50, at most 500).
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "memory", params(NotificationsQuery),
    responses((status = 200, body = Vec<NotificationView>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub(super) async fn notifications(
    State(s): State<ApiState>,
    query: Result<Query<NotificationsQuery>, QueryRejection>,
) -> Result<Json<Vec<NotificationView>>, ApiError> {
    let Query(q) = query?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "limit must be 1–500",
        ));
    }
    let rows = s.core.store.notifications(q.unread, limit).await?;
    Ok(Json(
        rows.into_iter()
            .map(|n| NotificationView {
                id: n.id,
                created_at: n.created_at.to_rfc3339(),
                level: n.level,
                title: n.title,
                body: n.body,
                read: n.read_at.is_some(),
            })
            .collect(),
    ))
}

/// Which notifications to mark read.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// These ones; absent: every unread one.
    pub ids: Option<Vec<i64>>,
}

/// How many changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    /// Notifications marked read now.
    pub marked: u64,
}

#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "memory", request_body = MarkRead,
    responses((status = 200, body = Marked), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub(super) async fn mark_read(
    State(s): State<ApiState>,
    body: Result<Json<MarkRead>, JsonRejection>,
) -> Result<Json<Marked>, ApiError> {
    let Json(m) = body?;
    let marked = s.core.store.mark_notifications_read(m.ids).await?;
    Ok(Json(Marked { marked }))
}

/// Which history to delete.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ClearQuery {
    /// Only this profile's rows.
    profile: Option<String>,
    /// Only rows stored before this instant (RFC 3339).
    before: Option<String>,
}

/// What was deleted.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClearedView {
    /// Transcriptions deleted.
    pub transcriptions: u64,
    /// Activity rows deleted.
    pub activity: u64,
}

#[utoipa::path(delete, path = "/api/v1/history", tag = "history", params(ClearQuery),
    responses((status = 200, body = ClearedView), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn clear_history(
    State(s): State<ApiState>,
    query: Result<Query<ClearQuery>, QueryRejection>,
) -> Result<Json<ClearedView>, ApiError> {
    let Query(q) = query?;
    let before = match q.before.as_deref() {
        Some(b) => Some(
            chrono::DateTime::parse_from_rfc3339(b)
                .map_err(|e| {
                    ApiError::bad_request(
                        "invalid_query",
                        format!("before {b:?} is not an RFC 3339 instant ({e})"),
                    )
                })?
                .to_utc(),
        ),
        None => None,
    };
    if let Some(p) = &q.profile
        && s.core.store.get_profile(p).await?.is_none()
    {
        return Err(ApiError::not_found(format!("there is no profile {p:?}")));
    }
    let cleared = s
        .core
        .store
        .clear_history(&ClearHistory {
            profile: q.profile,
            before,
        })
        .await?;
    tracing::info!(
        component = "history",
        transcriptions = cleared.transcriptions,
        activity = cleared.activity,
        "history cleared"
    );
    Ok(Json(ClearedView {
        transcriptions: cleared.transcriptions,
        activity: cleared.activity,
    }))
}
