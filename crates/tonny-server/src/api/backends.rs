//! "Test connection" for the Settings page (`POST /api/v1/backends/{name}/test`): checks one
//! backend with the saved settings, or with the page's unsaved changes laid over them, so a
//! person can try an address before saving it. The check itself is
//! [`tonny_providers::check`]; a backend that fails is still a 200 answer (the test ran).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::config::{apply, effective};
use super::{ApiError, ApiState, ErrorBody};
use tonny_providers::check::{self, Backend, CheckResult};
use tonny_providers::wiring::BackendSecrets;

/// What to test with.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackendTest {
    /// Unsaved settings (dotted key → value) laid over the saved ones for this test only;
    /// checked like `PATCH /api/v1/settings`, and nothing is stored.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub settings: serde_json::Map<String, Value>,
}

#[utoipa::path(post, path = "/api/v1/backends/{name}/test", tag = "settings",
    params(("name" = String, Path,
            description = "chat, n8n, rabbitmq, elevenlabs, whisperlivekit or openai_stt")),
    request_body(content = Option<BackendTest>, description = "optional; `{}` tests the saved settings"),
    responses((status = 200, body = CheckResult, description = "the test ran; `status` says how it went"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn test(
    State(s): State<ApiState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Json<CheckResult>, ApiError> {
    let backend: Backend = name.parse().map_err(ApiError::not_found)?;
    let request = if body.iter().all(u8::is_ascii_whitespace) {
        BackendTest::default()
    } else {
        Json::<BackendTest>::from_bytes(&body)?.0
    };
    let settings = apply(&effective(&s), &request.settings)?;
    let secrets = match s.core.secrets.store().cloned() {
        // The keychain blocks; it must not run on the async executor.
        Some(store) => tokio::task::spawn_blocking(move || BackendSecrets::load(&store).0)
            .await
            .map_err(ApiError::internal)?,
        None => BackendSecrets::default(),
    };
    let result = check::check(backend, &settings, &secrets).await;
    tracing::info!(
        component = "config",
        backend = backend.as_str(),
        status = ?result.status,
        elapsed_ms = result.elapsed_ms,
        "backend tested"
    );
    Ok(Json(result))
}
