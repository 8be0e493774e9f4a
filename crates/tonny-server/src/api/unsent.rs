//! `GET /api/v1/dictations/unsent` (dictations whose text has not arrived: a failed
//! transcription, a window that could not be typed into, TonnyTray stopped meanwhile) and
//! `POST /api/v1/dictations/unsent/{id}/retry` (hear it again and type it into this machine's
//! focused window; it is let go once delivered).

use axum::Json;
use axum::extract::{Path, State};

use super::talk::session_error;
use super::talk_audio::TalkResult;
use super::{ApiError, ApiState, ErrorBody};
use crate::session::SessionError;
use crate::unsent::{UnsentDictation, UnsentError};

#[utoipa::path(get, path = "/api/v1/dictations/unsent", tag = "talk",
    responses((status = 200, body = Vec<UnsentDictation>, description = "oldest first"),
              (status = 401, body = ErrorBody)))]
pub(super) async fn list(State(s): State<ApiState>) -> Json<Vec<UnsentDictation>> {
    let session = std::sync::Arc::clone(&s.core.session);
    Json(
        tokio::task::spawn_blocking(move || session.unsent_dictations())
            .await
            .unwrap_or_default(),
    )
}

#[utoipa::path(post, path = "/api/v1/dictations/unsent/{id}/retry", tag = "talk",
    params(("id" = String, Path, description = "the unsent dictation's id")),
    responses((status = 200, body = TalkResult,
               description = "what was heard and how it was typed"),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(super) async fn retry(
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<TalkResult>, ApiError> {
    match s.core.session.retry_unsent(&id).await {
        Ok(heard) => Ok(Json(TalkResult::of(&heard))),
        Err(SessionError::Unsent(e @ UnsentError::NotFound(_))) => {
            Err(ApiError::not_found(e.to_string()))
        }
        Err(e) => Err(session_error(e)),
    }
}
