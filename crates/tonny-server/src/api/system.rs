//! Supervised services (`/api/v1/services`: list, start, stop, restart — their output is in
//! `/api/v1/logs?component=NAME`), database figures (`/api/v1/stats`), the household's usage
//! per profile (`/api/v1/usage`) and a backup download (`/api/v1/backup`).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tonny_supervisor::SupervisorError;
use utoipa::{IntoParams, ToSchema};

use super::talk::{ServiceStatus, service_list};
use super::{ApiError, ApiState, ErrorBody};

#[utoipa::path(get, path = "/api/v1/services", tag = "services",
    responses((status = 200, body = Vec<ServiceStatus>), (status = 401, body = ErrorBody)))]
pub(super) async fn services(State(s): State<ApiState>) -> Json<Vec<ServiceStatus>> {
    Json(service_list(&s))
}

#[utoipa::path(post, path = "/api/v1/services/{name}/{action}", tag = "services",
    params(("name" = String, Path, description = "the service"),
           ("action" = String, Path, description = "start, stop or restart")),
    responses((status = 200, body = Vec<ServiceStatus>), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn service_action(
    State(s): State<ApiState>,
    Path((name, action)): Path<(String, String)>,
) -> Result<Json<Vec<ServiceStatus>>, ApiError> {
    let Some(sup) = s.core.services.supervisor() else {
        return Err(ApiError::not_found(
            "no services are supervised: set stt.backend whisperlivekit or services.extra",
        ));
    };
    let result = match action.as_str() {
        "start" => sup.start(&name),
        "stop" => sup.stop(&name).await,
        "restart" => sup.restart(&name),
        other => {
            return Err(ApiError::not_found(format!(
                "{other:?} is not an action; use start, stop or restart"
            )));
        }
    };
    match result {
        Ok(()) => Ok(Json(service_list(&s))),
        Err(e @ SupervisorError::Unknown { .. }) => Err(ApiError::not_found(e.to_string())),
        Err(e) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "service",
            e.to_string(),
        )),
    }
}

#[utoipa::path(get, path = "/api/v1/stats", tag = "services",
    responses((status = 200, description = "database size, row counts, schema version"),
              (status = 401, body = ErrorBody)))]
pub(super) async fn stats(State(s): State<ApiState>) -> Result<Json<serde_json::Value>, ApiError> {
    let stats = s.assistant.store().stats().await?;
    Ok(Json(
        serde_json::to_value(stats).map_err(ApiError::internal)?,
    ))
}

/// Which days of usage to return.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsageParams {
    /// Days back from today, today included (default 7, at most 366).
    days: Option<u32>,
}

/// One profile's use of TonnyTray over the days asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileUsage {
    /// The profile.
    pub profile: String,
    /// Requests served in the period.
    pub requests: u32,
    /// Requests refused by the family rules in the period.
    pub blocked: u32,
    /// Speech heard in the period, in seconds.
    pub speech_s: u64,
    /// Requests served today, against `daily_limit`.
    pub today: u32,
    /// The profile's daily limit, if it has one.
    pub daily_limit: Option<u32>,
    /// Requests served per day (`YYYY-MM-DD` → count), days without any left out.
    #[schema(value_type = Object)]
    pub per_day: std::collections::BTreeMap<String, u32>,
}

/// Usage per profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageView {
    /// The first day counted (`YYYY-MM-DD`, local).
    pub since: String,
    /// Every profile, used or not, by name.
    pub profiles: Vec<ProfileUsage>,
}

#[utoipa::path(get, path = "/api/v1/usage", tag = "services", params(UsageParams),
    responses((status = 200, body = UsageView), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub(super) async fn usage(
    State(s): State<ApiState>,
    params: Result<Query<UsageParams>, QueryRejection>,
) -> Result<Json<UsageView>, ApiError> {
    let Query(p) = params?;
    let days = match p.days.unwrap_or(7) {
        d @ 1..=366 => d,
        d => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("days must be between 1 and 366, not {d}"),
            ));
        }
    };
    // Days are the household's local dates, as the kid limits count them.
    let today = chrono::Local::now().date_naive();
    let since = today - chrono::Days::new(u64::from(days - 1));
    let store = s.assistant.store();
    let rows = store.usage_since(since).await?;
    let profiles = store.list_profiles().await?;
    let mut out: Vec<ProfileUsage> = profiles
        .into_iter()
        .map(|p| ProfileUsage {
            profile: p.name,
            requests: 0,
            blocked: 0,
            speech_s: 0,
            today: 0,
            daily_limit: p.daily_limit,
            per_day: Default::default(),
        })
        .collect();
    for row in rows {
        let Some(u) = out.iter_mut().find(|u| u.profile == row.profile) else {
            continue;
        };
        u.requests += row.usage.requests;
        u.blocked += row.usage.blocked;
        u.speech_s += row.usage.audio_ms / 1000;
        if row.day == today {
            u.today = row.usage.requests;
        }
        if row.usage.requests > 0 {
            u.per_day.insert(row.day.to_string(), row.usage.requests);
        }
    }
    Ok(Json(UsageView {
        since: since.to_string(),
        profiles: out,
    }))
}

#[utoipa::path(get, path = "/api/v1/backup", tag = "services",
    responses((status = 200, content_type = "application/vnd.sqlite3",
               description = "a consistent copy of the whole database (history, profiles, settings; never secrets)"),
              (status = 401, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub(super) async fn backup(State(s): State<ApiState>) -> Result<Response, ApiError> {
    let dir = s.core.paths.backups_dir();
    tonny_core::paths::create_private_dir(&dir).map_err(ApiError::internal)?;
    let now = chrono::Utc::now();
    let dest = dir.join(format!("download-{}.db", uuid::Uuid::new_v4()));
    // The online backup API gives a consistent copy while requests keep writing.
    let result = s.assistant.store().backup(&dest).await;
    // Opened, then unlinked at once: the open file streams to the client and its space is
    // returned when the download ends, however it ends (a client that goes away included).
    let opened = match result {
        Ok(_) => tokio::fs::File::open(&dest)
            .await
            .map_err(ApiError::internal),
        Err(e) => Err(e.into()),
    };
    let _ = tokio::fs::remove_file(&dest).await;
    let file = opened?;
    let length = file.metadata().await.map_err(ApiError::internal)?.len();
    let name = format!("tonnytray-{}.db", now.format("%Y%m%d-%H%M%S"));
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.sqlite3".to_owned()),
            (header::CONTENT_LENGTH, length.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file)),
    )
        .into_response())
}

/// The audio devices a person can pick.
#[derive(Debug, Serialize, ToSchema)]
pub struct Devices {
    /// Microphones (values for `audio.input_device`).
    pub inputs: Vec<String>,
    /// Speakers (values for `audio.output_device`).
    pub outputs: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/devices", tag = "system",
    responses((status = 200, body = Devices), (status = 401, body = ErrorBody)))]
pub(super) async fn devices() -> Result<Json<Devices>, ApiError> {
    let (inputs, outputs) = tokio::task::spawn_blocking(tonny_audio::devices::available)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(Devices { inputs, outputs }))
}
