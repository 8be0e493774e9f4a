//! The local voices a person can pick (the web UI's voice picker, a profile's own voice):
//! the Piper voices installed here, and which one `tts.voice` speaks with now.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use tonny_providers::tts::piper::voice_in_use;
use tonny_providers::tts::voices::VoiceStore;
use utoipa::ToSchema;

use super::{ApiError, ApiState, ErrorBody};

/// One installed Piper voice.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocalVoiceView {
    /// The value for `tts.voice` (or a profile's voice).
    pub name: String,
    /// Its language (`en_US`), when the voice says.
    pub language: Option<String>,
    /// `low`, `medium`, `high`, when the voice says.
    pub quality: Option<String>,
    /// Speakers; more than one: `tts.speaker` picks.
    pub speakers: u32,
    /// Named speakers, if the voice names them.
    pub speaker_names: Vec<String>,
    /// True for the voice replies are spoken in now (`tts.voice`, directly or by language).
    pub in_use: bool,
}

#[utoipa::path(get, path = "/api/v1/voices/local", tag = "settings",
    responses((status = 200, body = Vec<LocalVoiceView>), (status = 401, body = ErrorBody)))]
pub(super) async fn local(
    State(s): State<ApiState>,
) -> Result<Json<Vec<LocalVoiceView>>, ApiError> {
    let settings = s.core.settings.current();
    let store = VoiceStore::from_env(s.core.paths.voices_dir());
    let listed = tokio::task::spawn_blocking(move || {
        let in_use = voice_in_use(&settings.tts, &store).map(|v| v.name);
        store
            .list()
            .into_iter()
            .map(|v| LocalVoiceView {
                in_use: in_use.as_deref() == Some(v.name.as_str()),
                name: v.name,
                language: v.language,
                quality: v.quality,
                speakers: v.speakers,
                speaker_names: v.speaker_names,
            })
            .collect()
    })
    .await
    .map_err(ApiError::internal)?;
    Ok(Json(listed))
}
