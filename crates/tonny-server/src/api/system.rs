//! Supervised services (`/api/v1/services`: list, start, stop, restart — their output is in
//! `/api/v1/logs?component=NAME`), database figures (`/api/v1/stats`) and a backup download
//! (`/api/v1/backup`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tonny_supervisor::SupervisorError;
use utoipa::ToSchema;

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
    let Some(sup) = &s.supervisor else {
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

#[utoipa::path(get, path = "/api/v1/backup", tag = "services",
    responses((status = 200, content_type = "application/vnd.sqlite3",
               description = "a consistent copy of the whole database (history, profiles, settings; never secrets)"),
              (status = 401, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub(super) async fn backup(State(s): State<ApiState>) -> Result<Response, ApiError> {
    let dir = s.paths.backups_dir();
    tonny_core::paths::create_private_dir(&dir).map_err(ApiError::internal)?;
    let now = chrono::Utc::now();
    let dest = dir.join(format!("download-{}.db", uuid::Uuid::new_v4()));
    // The online backup API gives a consistent copy while requests keep writing.
    let result = s.assistant.store().backup(&dest).await;
    let bytes = match result {
        Ok(_) => tokio::fs::read(&dest).await.map_err(ApiError::internal),
        Err(e) => Err(e.into()),
    };
    let _ = tokio::fs::remove_file(&dest).await;
    let bytes = bytes?;
    let name = format!("tonnytray-{}.db", now.format("%Y%m%d-%H%M%S"));
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.sqlite3".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
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
