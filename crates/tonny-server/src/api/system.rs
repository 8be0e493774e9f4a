//! Supervised services (`/api/v1/services`: list, start, stop, restart — their output is in
//! `/api/v1/logs?component=NAME`) and database figures (`/api/v1/stats`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use tonny_supervisor::SupervisorError;

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
