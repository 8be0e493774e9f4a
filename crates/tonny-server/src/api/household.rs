//! Family profiles (`/api/v1/profiles`: list, create or replace, PIN, remove, switch) and
//! quick actions (`/api/v1/actions`). A PIN is write-only: the API says whether one is set.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tonny_core::profile::{Permission, Profile, QuietHours};
use tonny_core::quick_action::QuickAction;
use utoipa::ToSchema;

use super::{ApiError, ApiState, ErrorBody, wire_name};
use crate::assistant::switch::SwitchError;

/// A profile as the UI shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    /// Unique name.
    pub name: String,
    /// `admin`, `user`, `kid` or `guest`.
    pub permission: String,
    /// Glob patterns it may run (empty: anything not blocked).
    pub allowed_commands: Vec<String>,
    /// Glob patterns it may never run.
    pub blocked_commands: Vec<String>,
    /// Requests per day, if limited.
    pub daily_limit: Option<u32>,
    /// `HH:MM-HH:MM` when it is not served.
    pub quiet_hours: Option<String>,
    /// Speaker id that selects it.
    pub speaker_id: Option<String>,
    /// Voice for its replies.
    pub tts_voice: Option<String>,
    /// Names and terms to expect while it is active, besides the household's.
    pub vocabulary: Vec<String>,
    /// Its `heard => written` replacements, after the household's.
    pub replacements: Vec<String>,
    /// The language it speaks (ISO 639-1), fixed for recognition while it is active.
    pub language: Option<String>,
    /// Whether a PIN is set (never the PIN or its hash).
    pub has_pin: bool,
    /// Whether it is the active profile.
    pub active: bool,
}

fn view(p: Profile, active: &str) -> ProfileView {
    ProfileView {
        active: p.name.eq_ignore_ascii_case(active),
        permission: wire_name(p.permission),
        quiet_hours: p.quiet_hours.map(|q| q.to_string()),
        has_pin: p.pin_hash.is_some(),
        name: p.name,
        allowed_commands: p.allowed_commands,
        blocked_commands: p.blocked_commands,
        daily_limit: p.daily_limit,
        speaker_id: p.speaker_id,
        tts_voice: p.tts_voice,
        vocabulary: p.vocabulary,
        replacements: p.replacements,
        language: p.language,
    }
}

#[utoipa::path(get, path = "/api/v1/profiles", tag = "profiles",
    responses((status = 200, body = Vec<ProfileView>), (status = 401, body = ErrorBody)))]
pub(super) async fn profiles(
    State(s): State<ApiState>,
) -> Result<Json<Vec<ProfileView>>, ApiError> {
    let store = s.assistant.store();
    let active = store.active_profile().await?.name;
    Ok(Json(
        store
            .list_profiles()
            .await?
            .into_iter()
            .map(|p| view(p, &active))
            .collect(),
    ))
}

/// A profile's rules, to create it or replace them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    /// `admin`, `user`, `kid` or `guest`.
    pub permission: String,
    /// Glob patterns it may run (empty: anything not blocked).
    #[serde(default)]
    pub allowed_commands: Vec<String>,
    /// Glob patterns it may never run.
    #[serde(default)]
    pub blocked_commands: Vec<String>,
    /// Requests per day (absent: no limit).
    pub daily_limit: Option<u32>,
    /// `HH:MM-HH:MM` (absent: none).
    pub quiet_hours: Option<String>,
    /// Speaker id that selects it.
    pub speaker_id: Option<String>,
    /// Voice for its replies.
    pub tts_voice: Option<String>,
    /// Names and terms to expect while it is active (absent: unchanged).
    pub vocabulary: Option<Vec<String>>,
    /// Its `heard => written` replacements (absent: unchanged).
    pub replacements: Option<Vec<String>>,
    /// The language it speaks (ISO 639-1); absent or empty: the household's `stt.language`.
    pub language: Option<String>,
}

fn invalid(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.to_string())
}

#[utoipa::path(put, path = "/api/v1/profiles/{name}", tag = "profiles",
    params(("name" = String, Path, description = "the profile's name")),
    request_body = ProfileInput,
    responses((status = 200, body = ProfileView), (status = 401, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn put_profile(
    State(s): State<ApiState>,
    Path(name): Path<String>,
    body: Result<Json<ProfileInput>, JsonRejection>,
) -> Result<Json<ProfileView>, ApiError> {
    let Json(input) = body?;
    let permission: Permission = input.permission.parse().map_err(invalid)?;
    let store = s.assistant.store();
    let existing = store.get_profile(&name).await?;
    let mut p = Profile::new(&name, permission).map_err(invalid)?;
    p.allowed_commands = input.allowed_commands;
    p.blocked_commands = input.blocked_commands;
    p.daily_limit = input.daily_limit;
    p.quiet_hours = input
        .quiet_hours
        .filter(|q| !q.trim().is_empty())
        .map(|q| q.parse::<QuietHours>())
        .transpose()
        .map_err(invalid)?;
    p.speaker_id = input.speaker_id.filter(|v| !v.trim().is_empty());
    p.tts_voice = input.tts_voice.filter(|v| !v.trim().is_empty());
    // Lists a form does not show are kept as they were.
    let kept = |new: Option<Vec<String>>, old: fn(&Profile) -> &Vec<String>| {
        new.or_else(|| existing.as_ref().map(|e| old(e).clone()))
            .unwrap_or_default()
            .into_iter()
            .filter(|t| !t.trim().is_empty())
            .collect()
    };
    p.vocabulary = kept(input.vocabulary, |e| &e.vocabulary);
    p.replacements = kept(input.replacements, |e| &e.replacements);
    p.language = input
        .language
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty());
    p.validate().map_err(invalid)?;
    match existing {
        Some(old) => {
            p.name = old.name.clone();
            p.pin_hash = old.pin_hash;
            store.update_profile(&old.name, &p).await?;
        }
        None => store.add_profile(&p).await?,
    }
    tracing::info!(component = "profiles", "profile saved");
    let active = store.active_profile().await?.name;
    if active == p.name {
        s.core.use_profile_voice().await;
    }
    Ok(Json(view(p, &active)))
}

/// A new PIN, or none to clear it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinInput {
    /// 4 to 8 digits; `null` removes the PIN.
    pub pin: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/profiles/{name}/pin", tag = "profiles",
    params(("name" = String, Path, description = "the profile's name")),
    request_body = PinInput,
    responses((status = 204, description = "changed"), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn put_pin(
    State(s): State<ApiState>,
    Path(name): Path<String>,
    body: Result<Json<PinInput>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(input) = body?;
    let store = s.assistant.store();
    let mut p = store
        .get_profile(&name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no profile {name:?}")))?;
    match input.pin {
        Some(pin) => p.set_pin(&pin).map_err(invalid)?,
        None => p.pin_hash = None,
    }
    store.update_profile(&p.name.clone(), &p).await?;
    tracing::info!(component = "profiles", "PIN changed");
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/profiles/{name}", tag = "profiles",
    params(("name" = String, Path, description = "the profile's name")),
    responses((status = 204, description = "removed"), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn delete_profile(
    State(s): State<ApiState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.assistant.store().remove_profile(&name).await?;
    // The active profile may have been the one removed: the next one's voice speaks.
    s.core.use_profile_voice().await;
    Ok(StatusCode::NO_CONTENT)
}

/// Which profile to switch to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchInput {
    /// The profile.
    pub name: String,
    /// An admin's PIN, needed when a kid profile is involved.
    pub pin: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/active-profile", tag = "profiles",
    request_body = SwitchInput,
    responses((status = 200, body = ProfileView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
pub(super) async fn switch(
    State(s): State<ApiState>,
    body: Result<Json<SwitchInput>, JsonRejection>,
) -> Result<Json<ProfileView>, ApiError> {
    let Json(input) = body?;
    match s
        .core
        .switch_profile(&input.name, input.pin.as_deref())
        .await
    {
        Ok(p) => {
            let name = p.name.clone();
            Ok(Json(view(p, &name)))
        }
        Err(e @ (SwitchError::PinRequired { .. } | SwitchError::WrongPin { .. })) => Err(
            ApiError::new(StatusCode::FORBIDDEN, "pin_required", e.to_string()),
        ),
        Err(e @ SwitchError::LockedOut { .. }) => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "locked_out",
            e.to_string(),
        )),
        Err(e @ SwitchError::NoAdminPin { .. }) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_admin_pin",
            e.to_string(),
        )),
        Err(SwitchError::Store(e)) => Err(e.into()),
    }
}

/// The quick actions, and stored ones that no longer load (with why).
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionsView {
    /// `{name, phrase, steps, profile, enabled}` each.
    #[schema(value_type = Vec<Object>)]
    pub actions: Vec<QuickAction>,
    /// What is wrong with each stored action that cannot be used.
    pub broken: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/actions", tag = "profiles",
    responses((status = 200, body = ActionsView), (status = 401, body = ErrorBody)))]
pub(super) async fn actions(State(s): State<ApiState>) -> Result<Json<ActionsView>, ApiError> {
    let mut view = ActionsView {
        actions: Vec::new(),
        broken: Vec::new(),
    };
    for a in s.assistant.store().list_quick_actions().await? {
        match a {
            Ok(a) => view.actions.push(a),
            Err(e) => view.broken.push(e.to_string()),
        }
    }
    Ok(Json(view))
}

#[utoipa::path(put, path = "/api/v1/actions/{name}", tag = "profiles",
    params(("name" = String, Path, description = "the action's name")),
    request_body(content = Object, description = "{phrase, steps:[{type:type|speak|ask|open_url,…}], profile?, enabled}"),
    responses((status = 200, description = "the saved action"), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub(super) async fn put_action(
    State(s): State<ApiState>,
    Path(name): Path<String>,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<QuickAction>, ApiError> {
    let Json(mut v) = body?;
    if let Some(o) = v.as_object_mut() {
        o.insert("name".into(), serde_json::Value::from(name));
    }
    let action: QuickAction = serde_json::from_value(v).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("not a quick action: {e}"),
        )
    })?;
    action.validate().map_err(invalid)?;
    s.assistant.store().put_quick_action(&action).await?;
    Ok(Json(action))
}

#[utoipa::path(delete, path = "/api/v1/actions/{name}", tag = "profiles",
    params(("name" = String, Path, description = "the action's name")),
    responses((status = 204, description = "removed"), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub(super) async fn delete_action(
    State(s): State<ApiState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.assistant.store().remove_quick_action(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}
