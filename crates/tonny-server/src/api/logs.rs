//! The log (`GET /api/v1/logs`: level and component filters, paging by id) and the live log
//! (`GET /api/v1/logs/stream`, a WebSocket): the newest lines first, then each new line as it is
//! written, pushed when the log writer commits instead of polled.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tonny_core::settings::LogLevel;
use tonny_store::{LogEntry, LogQuery};
use utoipa::{IntoParams, ToSchema};

use super::history::limit_of;
use super::{ApiError, ApiState, ErrorBody, wire_name};

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
    let q = query(&p)?;
    let rows = s.core.store.query_logs(&q).await?;
    Ok(Json(rows.into_iter().map(line).collect()))
}

/// The store's query for `p`.
fn query(p: &LogParams) -> Result<LogQuery, ApiError> {
    let level = p.level.as_deref().unwrap_or("info");
    let min_level: LogLevel =
        serde_json::from_value(serde_json::Value::from(level)).map_err(|_| {
            ApiError::bad_request(
                "invalid_query",
                format!("level {level:?} is not one of trace, debug, info, warn, error"),
            )
        })?;
    Ok(LogQuery {
        min_level,
        component: p.component.clone(),
        after_id: p.after_id,
        limit: limit_of(p.limit, 100)?,
    })
}

fn line(e: LogEntry) -> LogLine {
    LogLine {
        id: e.id,
        ts: e.record.ts.to_rfc3339(),
        level: wire_name(e.record.level),
        component: e.record.component,
        message: e.record.message,
        metadata: e.record.metadata,
    }
}

/// `GET /api/v1/logs/stream`: the newest lines (oldest first), then each new one as it is
/// written, as JSON text messages (`LogLine`), with the same filters as `/api/v1/logs`.
pub(super) async fn stream(
    State(s): State<ApiState>,
    RawQuery(raw): RawQuery,
    upgrade: WebSocketUpgrade,
) -> Response {
    // A browser's socket carries the token in the query too; it is not a filter.
    let filters: Vec<&str> = raw
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("token="))
        .collect();
    let Ok(uri) = format!("/?{}", filters.join("&")).parse::<axum::http::Uri>() else {
        return ApiError::bad_request("invalid_query", "the query is not valid").into_response();
    };
    let q = match Query::<LogParams>::try_from_uri(&uri)
        .map_err(ApiError::from)
        .and_then(|Query(p)| query(&p))
    {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    upgrade.on_upgrade(move |ws| follow(ws, s, q))
}

async fn follow(mut ws: WebSocket, s: ApiState, mut q: LogQuery) {
    let mut written = tonny_store::log_sink::written();
    let mut first = match s.core.store.query_logs(&q).await {
        Ok(rows) => rows,
        Err(_) => return,
    };
    // Without `after_id` the newest page comes newest first; with it, oldest first.
    if q.after_id.is_none() {
        first.reverse();
    }
    q.after_id = Some(first.last().map_or(q.after_id.unwrap_or(0), |e| e.id));
    for e in first {
        if send(&mut ws, line(e)).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            changed = written.changed() => if changed.is_err() { return },
            incoming = ws.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            },
        }
        let Ok(rows) = s.core.store.query_logs(&q).await else {
            return;
        };
        for e in rows {
            q.after_id = Some(e.id);
            if send(&mut ws, line(e)).await.is_err() {
                return;
            }
        }
    }
}

async fn send(ws: &mut WebSocket, line: LogLine) -> Result<(), ()> {
    let text = serde_json::to_string(&line).map_err(|_| ())?;
    match tokio::time::timeout(
        std::time::Duration::from_secs(10),
        ws.send(Message::Text(text.into())),
    )
    .await
    {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}
