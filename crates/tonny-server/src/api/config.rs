//! Settings (`GET`/`PATCH /api/v1/settings`: all-or-nothing, field errors named; `GET
//! /api/v1/settings/schema`: how a form draws each one) and secrets (`/api/v1/secrets`: status,
//! write, delete — a value is never returned).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tonny_core::settings::{FieldSchema, Settings, SettingsGroup, Source, settings_schema};
use tonny_store::secrets::{SecretError, SecretName, SecretStore};
use utoipa::ToSchema;

use super::{ApiError, ApiState, ErrorBody, FieldProblem, wire_name};
use crate::settings::{ChangeError, SecretChangeError};

/// Every setting's effective value and where it comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsView {
    /// Dotted key → value.
    #[schema(value_type = Object)]
    pub values: BTreeMap<String, Value>,
    /// Dotted key → `default`, `database`, `dotenv` or `environment`. A key set in the
    /// environment or `.env` overrides what the API stores.
    #[schema(value_type = Object)]
    pub sources: BTreeMap<String, Source>,
    /// After a change: the keys changed that take effect only after a restart (the listening
    /// address); everything else is already in effect.
    pub restart_required: Vec<String>,
}

async fn view(s: &ApiState) -> Result<SettingsView, ApiError> {
    let loaded = s.core.settings.view().await.map_err(change_error)?;
    Ok(SettingsView {
        values: loaded.settings.to_flat(),
        sources: loaded.sources,
        restart_required: Vec::new(),
    })
}

#[utoipa::path(get, path = "/api/v1/settings", tag = "settings",
    responses((status = 200, body = SettingsView), (status = 401, body = ErrorBody)))]
pub(super) async fn get_settings(
    State(s): State<ApiState>,
) -> Result<Json<SettingsView>, ApiError> {
    Ok(Json(view(&s).await?))
}

/// Every setting as a form draws it, generated from the settings' types and validator: the UI
/// copies no option list or range.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsSchema {
    /// The groups that have settings, in the order they are shown.
    pub groups: Vec<SettingsGroup>,
    /// Every setting, in group order and then by key.
    pub fields: Vec<FieldSchema>,
}

#[utoipa::path(get, path = "/api/v1/settings/schema", tag = "settings",
    responses((status = 200, body = SettingsSchema), (status = 401, body = ErrorBody)))]
pub(super) async fn get_settings_schema() -> Json<SettingsSchema> {
    let fields = settings_schema();
    let mut groups: Vec<SettingsGroup> = fields.iter().map(|f| f.group).collect();
    groups.dedup();
    Json(SettingsSchema { groups, fields })
}

/// The API's answer for a refused change.
pub(super) fn change_error(e: ChangeError) -> ApiError {
    match e {
        ChangeError::Empty => ApiError::bad_request("empty_patch", "nothing to change"),
        ChangeError::Invalid(fields) => ApiError::invalid_fields(
            format!(
                "{} of the values cannot be used; nothing was changed",
                fields.len()
            ),
            fields
                .into_iter()
                .map(|f| FieldProblem {
                    key: f.key,
                    reason: f.reason,
                    accepted: f.accepted,
                })
                .collect(),
        ),
        ChangeError::Store(e) => e.into(),
        ChangeError::Load(e) => ApiError::internal(e),
    }
}

/// The effective settings, as the daemon reads them.
pub(super) fn effective(s: &ApiState) -> Arc<Settings> {
    s.core.settings.current()
}

/// `base` with every value of `patch` applied, refused as the settings route refuses it.
pub(super) fn apply(
    base: &Settings,
    patch: &serde_json::Map<String, Value>,
) -> Result<Settings, ApiError> {
    crate::settings::patched(base, patch)
        .map_err(|fields| change_error(ChangeError::Invalid(fields)))
}

#[utoipa::path(patch, path = "/api/v1/settings", tag = "settings",
    request_body(content = Object, description = "dotted key → new value; all are applied or none"),
    responses((status = 200, body = SettingsView), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn patch_settings(
    State(s): State<ApiState>,
    body: Result<Json<serde_json::Map<String, Value>>, JsonRejection>,
) -> Result<Json<SettingsView>, ApiError> {
    let Json(patch) = body?;
    let changed = s.core.settings.patch(&patch).await.map_err(change_error)?;
    let mut view = view(&s).await?;
    view.restart_required = changed.restart_required;
    Ok(Json(view))
}

#[utoipa::path(delete, path = "/api/v1/settings/{key}", tag = "settings",
    params(("key" = String, Path, description = "the dotted key, e.g. audio.vad_silence_ms")),
    responses((status = 200, body = SettingsView, description = "back to its default, in effect now"),
              (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn reset_setting(
    State(s): State<ApiState>,
    Path(key): Path<String>,
) -> Result<Json<SettingsView>, ApiError> {
    let changed = s.core.settings.reset(&[key]).await.map_err(change_error)?;
    let mut view = view(&s).await?;
    view.restart_required = changed.restart_required;
    Ok(Json(view))
}

/// One secret's status; the value itself is never sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecretView {
    /// Its name (`elevenlabs_api_key`, …).
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Whether a value is available.
    pub configured: bool,
    /// `environment`, `keychain` or `encrypted_file`.
    pub source: Option<String>,
    /// A problem with the value or with reading it.
    pub problem: Option<String>,
}

fn secret_store(s: &ApiState) -> Result<Arc<SecretStore>, ApiError> {
    s.core.secrets.store().cloned().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "secrets_unavailable",
            "the secret store could not be opened; `tonny doctor` says why",
        )
    })
}

fn secret_error(e: SecretError) -> ApiError {
    match e {
        SecretError::UnknownName(_) => ApiError::not_found(e.to_string()),
        SecretError::Empty { .. } | SecretError::Invalid { .. } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_secret",
            e.to_string(),
        ),
        other => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "secrets_unavailable",
            other.to_string(),
        ),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    // The keychain client blocks; it must not run on the async executor.
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)
}

#[utoipa::path(get, path = "/api/v1/secrets", tag = "settings",
    responses((status = 200, body = Vec<SecretView>), (status = 401, body = ErrorBody),
              (status = 503, body = ErrorBody)))]
pub(super) async fn secrets(State(s): State<ApiState>) -> Result<Json<Vec<SecretView>>, ApiError> {
    let store = secret_store(&s)?;
    let list = blocking(move || store.status()).await?;
    Ok(Json(
        list.into_iter()
            .map(|st| SecretView {
                name: st.name.as_str().to_owned(),
                description: st.description.to_owned(),
                configured: st.configured,
                source: st.source.map(wire_name),
                problem: st.problem,
            })
            .collect(),
    ))
}

/// A secret's new value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretValue {
    /// The value; stored in the keychain, never returned or logged.
    #[schema(value_type = String)]
    pub value: SecretString,
}

fn secret_name(name: &str) -> Result<SecretName, ApiError> {
    name.parse::<SecretName>().map_err(secret_error)
}

#[utoipa::path(put, path = "/api/v1/secrets/{name}", tag = "settings",
    params(("name" = String, Path, description = "the secret's name")),
    request_body = SecretValue,
    responses((status = 204, description = "stored"), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_secret(
    State(s): State<ApiState>,
    Path(name): Path<String>,
    body: Result<Json<SecretValue>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let name = secret_name(&name)?;
    let Json(body) = body?;
    s.core
        .secrets
        .set(name, body.value)
        .await
        .map_err(secret_change_error)?;
    Ok(StatusCode::NO_CONTENT)
}

fn secret_change_error(e: SecretChangeError) -> ApiError {
    match e {
        SecretChangeError::Secret(e) => secret_error(e),
        other => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "secrets_unavailable",
            other.to_string(),
        ),
    }
}

#[utoipa::path(delete, path = "/api/v1/secrets/{name}", tag = "settings",
    params(("name" = String, Path, description = "the secret's name")),
    responses((status = 204, description = "removed"), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub(super) async fn delete_secret(
    State(s): State<ApiState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    let name = secret_name(&name)?;
    if s.core
        .secrets
        .delete(name)
        .await
        .map_err(secret_change_error)?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "{} is not stored",
            name.as_str()
        )))
    }
}
