//! `POST /api/v1/transcribe`: what the speech engine hears in a recording, and nothing more —
//! not routed, not typed, not stored. The first-run wizard's microphone test uses it, so a
//! test recording ("set a timer") never sets a timer.

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::talk_audio::{AudioFormat, read_recording};
use super::{ApiError, ApiState, ErrorBody};

/// Query of `POST /api/v1/transcribe`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TranscribeQuery {
    /// `pcm_s16le`, `pcm_f32le` or `encoded` (the default: the file's header says).
    #[param(inline)]
    format: Option<AudioFormat>,
    /// For raw PCM: samples per second.
    sample_rate: Option<u32>,
}

/// What the engine heard.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Transcribed {
    /// The words (empty when none were heard).
    pub text: String,
    /// Language spoken (given or detected).
    pub language: String,
    /// 0–1, from the engine's token probabilities.
    pub confidence: f32,
    /// Length of the recording.
    pub audio_ms: u64,
    /// Time the engine took.
    pub stt_ms: u64,
    /// The engine ("embedded whisper tiny.en (int8, 2 threads)").
    pub engine: String,
}

#[utoipa::path(post, path = "/api/v1/transcribe", tag = "talk", params(TranscribeQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
                 description = "The recording: up to 25 MiB."),
    responses((status = 200, body = Transcribed), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(super) async fn transcribe(
    State(s): State<ApiState>,
    query: Result<Query<TranscribeQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Transcribed>, ApiError> {
    let Query(q) = query?;
    let samples = read_recording(q.format, q.sample_rate, &headers, body).await?;
    let speech = s.core.session.speech();
    let engine = speech
        .engine()
        .await
        .map_err(|why| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "speech_unavailable", why))?;
    let opts = speech.options();
    let name = engine.name();
    let t = tokio::task::spawn_blocking(move || engine.transcribe(&samples, &opts))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "speech_failed",
                format!("speech recognition failed: {e}"),
            )
        })?;
    Ok(Json(Transcribed {
        text: t.text.trim().to_owned(),
        language: t.language,
        confidence: t.confidence,
        audio_ms: t.audio_ms,
        stt_ms: t.elapsed_ms,
        engine: name,
    }))
}
