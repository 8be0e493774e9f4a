//! Speech from the browser: what the hold-to-talk socket ([`super::talk_socket`]) and
//! `POST /api/v1/talk/upload` (a whole recording: curl, scripts) share. Both take raw PCM (16-bit or float, any rate, mono) or an encoded recording (WAV,
//! WebM/Opus from `MediaRecorder`, Ogg, FLAC, MP3), and both refuse more than
//! [`MAX_AUDIO_BYTES`] before holding it: the upload by its declared length (and a body that
//! lies stops at the limit), the socket by counting what arrives.
//!
//! The reply is played by the page: the host's speakers stay quiet for these requests.

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use tonny_core::dictation::DictationMode;
use tonny_core::router::Purpose;
use tonny_core::stt::SAMPLE_RATE;
use utoipa::{IntoParams, ToSchema};

use super::talk::{AskResponse, session_error};
use super::{ApiError, ApiState, ErrorBody};
use crate::assistant::{HeardOutcome, ReplyTo, TextTarget, VoiceTarget};
use crate::session::mic::MicEnding;
use crate::session::recording::Recorded;

/// The most audio one request takes: 25 MiB (over four minutes of 48 kHz 16-bit PCM, far more
/// of Opus). Hold-to-talk requests are seconds long; more is a stuck button or a wrong file.
pub const MAX_AUDIO_BYTES: usize = 25 * 1024 * 1024;

/// The largest single WebSocket message (the browser sends ~100 ms per message).
pub(super) const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// How long the socket waits for `start`, and for more audio while the button is held.
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// What the audio is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AudioFormat {
    /// Raw little-endian signed 16-bit mono samples at `sample_rate`.
    PcmS16le,
    /// Raw little-endian 32-bit float mono samples at `sample_rate`.
    PcmF32le,
    /// A recording with a header (WAV, WebM/Opus, Ogg, FLAC, MP3): its own header says the rest.
    Encoded,
}

/// The first message on `/api/v1/talk`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Start {
    #[serde(rename = "type")]
    pub(super) kind: String,
    pub(super) format: AudioFormat,
    #[serde(default)]
    pub(super) sample_rate: Option<u32>,
    #[serde(default)]
    pub(super) purpose: Option<TalkPurpose>,
}

/// What the speech is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TalkPurpose {
    /// A request for an agent (the Talk button).
    #[default]
    Command,
    /// Text to type into the focused window.
    Dictation,
}

impl From<TalkPurpose> for Purpose {
    fn from(p: TalkPurpose) -> Self {
        match p {
            TalkPurpose::Command => Purpose::Command,
            TalkPurpose::Dictation => Purpose::Dictation,
        }
    }
}

/// What was heard and what was done.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TalkResult {
    /// The transcript (empty when no words were recognised).
    pub transcript: String,
    /// 0–1, how sure the engine was.
    pub confidence: f32,
    /// The stored transcription, when history is kept.
    pub transcription_id: Option<i64>,
    /// What happened to the request; absent when nothing was recognised.
    pub outcome: Option<AskResponse>,
    /// Why nothing was sent, when nothing was (no speech, or no words in it).
    pub nothing_sent: Option<String>,
    /// Bytes of reply audio (WAV) that follow on the socket; 0 when nothing is spoken.
    pub audio_bytes: usize,
}

/// Checks a rate for raw PCM.
pub(super) fn pcm_rate(rate: Option<u32>) -> Result<u32, ApiError> {
    match rate {
        Some(r) if (8_000..=192_000).contains(&r) => Ok(r),
        Some(r) => Err(ApiError::bad_request(
            "invalid_sample_rate",
            format!(
                "sample_rate {r} is not usable; give the rate the audio was recorded at, 8000–192000"
            ),
        )),
        None => Err(ApiError::bad_request(
            "missing_sample_rate",
            "raw PCM needs sample_rate (the AudioContext's sampleRate, e.g. 48000)",
        )),
    }
}

/// `bytes` as `width`-byte samples, or why they are not a whole number of them.
fn whole_samples<'a>(
    bytes: &'a [u8],
    width: usize,
    kind: &str,
) -> Result<std::slice::ChunksExact<'a, u8>, String> {
    if bytes.len().is_multiple_of(width) {
        Ok(bytes.chunks_exact(width))
    } else {
        Err(format!(
            "{} bytes is not a whole number of {kind} samples",
            bytes.len()
        ))
    }
}

/// Turns received bytes into 16 kHz mono samples.
fn to_samples(format: AudioFormat, rate: u32, bytes: Vec<u8>) -> Result<Vec<f32>, ApiError> {
    let invalid = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_audio", m);
    let mono: Vec<f32> = match format {
        AudioFormat::Encoded => {
            return tonny_audio::decode_bytes(bytes, "the recording")
                .map(|d| d.samples)
                .map_err(|e| invalid(e.to_string()));
        }
        AudioFormat::PcmS16le => whole_samples(&bytes, 2, "16-bit")
            .map_err(invalid)?
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
            .collect(),
        AudioFormat::PcmF32le => whole_samples(&bytes, 4, "32-bit float")
            .map_err(invalid)?
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .map(|v| {
                if v.is_finite() {
                    v.clamp(-1.0, 1.0)
                } else {
                    0.0
                }
            })
            .collect(),
    };
    Ok(tonny_audio::resample::resample(&mono, rate, SAMPLE_RATE))
}

/// A heard request's result and the reply audio for the caller.
pub(super) struct Answered {
    pub(super) result: TalkResult,
    pub(super) audio: Option<Vec<u8>>,
}

/// A recording sent as a request body (`format`: the file's own header by default), as 16 kHz
/// mono samples; too large, empty or undecodable bodies are refused with the reason.
pub(super) async fn read_recording(
    format: Option<AudioFormat>,
    sample_rate: Option<u32>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Vec<f32>, ApiError> {
    // Refused by its declared length, before a byte of it is read.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(n) = declared
        && n > MAX_AUDIO_BYTES
    {
        return Err(too_large(n));
    }
    let format = format.unwrap_or(AudioFormat::Encoded);
    let rate = match format {
        AudioFormat::Encoded => SAMPLE_RATE,
        _ => pcm_rate(sample_rate)?,
    };
    // A body without a length (or with a false one) stops being read at the limit.
    let bytes = axum::body::to_bytes(body, MAX_AUDIO_BYTES)
        .await
        .map_err(|_| too_large(MAX_AUDIO_BYTES + 1))?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "empty_audio",
            "the request body is empty; send the recording",
        ));
    }
    decode(format, rate, bytes.to_vec()).await
}

/// Decodes received audio off the async threads.
pub(super) async fn decode(
    format: AudioFormat,
    rate: u32,
    bytes: Vec<u8>,
) -> Result<Vec<f32>, ApiError> {
    let samples = tokio::task::spawn_blocking(move || to_samples(format, rate, bytes))
        .await
        .map_err(ApiError::internal)??;
    if samples.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_audio",
            "the recording holds no audio",
        ));
    }
    Ok(samples)
}

impl TalkResult {
    /// The API's view of what was heard and done (the `tonny` command prints the same); no
    /// reply audio.
    pub fn of(heard: &HeardOutcome) -> Self {
        match heard {
            HeardOutcome::NothingRecognised { why } => TalkResult {
                transcript: String::new(),
                confidence: 0.0,
                transcription_id: None,
                outcome: None,
                nothing_sent: Some(why.clone()),
                audio_bytes: 0,
            },
            HeardOutcome::Handled {
                text,
                confidence,
                transcription_id,
                outcome,
            } => TalkResult {
                transcript: text.clone(),
                confidence: *confidence,
                transcription_id: *transcription_id,
                outcome: Some(AskResponse::of(outcome)),
                nothing_sent: None,
                audio_bytes: 0,
            },
        }
    }
}

/// What the session made of a recording, with the spoken reply rendered for the caller (the
/// talk socket sends it; the page plays it and the host's speakers stay quiet).
pub(super) async fn answered(s: &ApiState, heard: HeardOutcome) -> Result<Answered, ApiError> {
    let mut result = TalkResult::of(&heard);
    let said = match &heard {
        HeardOutcome::Handled { outcome, .. } => outcome.said_for_caller.join(" "),
        HeardOutcome::NothingRecognised { .. } => String::new(),
    };
    if said.trim().is_empty() {
        return Ok(Answered {
            result,
            audio: None,
        });
    }
    let voice = s.core.speech.voice();
    let audio = match tokio::task::spawn_blocking(move || voice.synthesize(&said)).await {
        Ok(Ok(sp)) => Some(crate::speech::wav_bytes(&sp)),
        Ok(Err(e)) => {
            // The text is on the page; the person is told why there is no sound.
            s.assistant
                .notify(
                    "warn",
                    "Reply not spoken",
                    &format!("I couldn't speak the reply: {e}."),
                )
                .await;
            None
        }
        Err(e) => return Err(ApiError::internal(e)),
    };
    result.audio_bytes = audio.as_ref().map_or(0, Vec::len);
    Ok(Answered { result, audio })
}

/// A recording from the browser (or the `tonny` command), ready for the session.
pub(super) fn recorded(
    samples: Vec<f32>,
    purpose: Purpose,
    capture_ms: u32,
    reply_to: ReplyTo,
) -> Recorded {
    Recorded {
        samples,
        capture_ms,
        endpoint_ms: None,
        source: "browser".into(),
        purpose,
        reply_to,
        live: None,
        unsent: None,
    }
}

pub(super) fn too_large(got: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!(
            "the recording is {} MiB or more; at most {} MiB is taken per request. Keep requests \
             short, or transcribe long recordings with `tonny transcribe`",
            got.div_ceil(1024 * 1024),
            MAX_AUDIO_BYTES / (1024 * 1024)
        ),
    )
}

/// Where a request's reply is spoken; its text always comes back in the answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Speak {
    /// The caller plays it: the talk socket sends the reply's audio (the web UI); an
    /// upload's answer holds the reply's text, and nothing is played here.
    #[default]
    Caller,
    /// This machine's speakers (the `tonny` command).
    Host,
    /// Not spoken.
    None,
}

impl Speak {
    /// Where the reply goes, and how dictation is written (`mode`, else the focused
    /// application's).
    pub(super) fn reply_to(self, mode: Option<DictationMode>) -> ReplyTo {
        ReplyTo {
            dictation_mode: mode,
            voice: match self {
                Speak::Caller => VoiceTarget::Caller,
                Speak::Host => VoiceTarget::Host,
                Speak::None => VoiceTarget::Silent,
            },
            text: TextTarget::Caller,
        }
    }
}

/// Query of `POST /api/v1/talk/upload`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// `pcm_s16le`, `pcm_f32le` or `encoded` (the default: the file's header says).
    #[param(inline)]
    format: Option<AudioFormat>,
    /// For raw PCM: samples per second.
    sample_rate: Option<u32>,
    /// `command` (default) or `dictation`.
    #[param(inline)]
    purpose: Option<TalkPurpose>,
    /// Where the reply is spoken: `caller` (default: returned as audio on the socket),
    /// `host` or `none`.
    #[param(inline)]
    speak: Option<Speak>,
    /// For dictation: `verbatim`, `clean` or `mail` (default: the focused application's
    /// mode, else `dictation.mode`).
    #[param(inline)]
    mode: Option<DictationMode>,
}

#[utoipa::path(post, path = "/api/v1/talk/upload", tag = "talk", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
                 description = "The recording: up to 25 MiB."),
    responses((status = 200, body = TalkResult), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(super) async fn upload(
    State(s): State<ApiState>,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<TalkResult>, ApiError> {
    let Query(q) = query?;
    // Bad audio is refused before the pipeline moves: nothing was heard.
    let samples = read_recording(q.format, q.sample_rate, &headers, body).await?;
    let capture_ms = (samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE)) as u32;
    let purpose = q.purpose.unwrap_or_default().into();
    let heard = s
        .core
        .session
        .hear(recorded(
            samples,
            purpose,
            capture_ms,
            q.speak.unwrap_or_default().reply_to(q.mode),
        ))
        .await
        .map_err(session_error)?;
    // Nothing is rendered for an upload: its answer is JSON, and a caller that plays the
    // reply itself gets the text.
    Ok(Json(TalkResult::of(&heard)))
}

/// What to hear on this machine's microphone.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListenRequest {
    /// `command` (default) or `dictation` (typed into this machine's focused window).
    #[serde(default)]
    purpose: TalkPurpose,
    /// Where the reply is spoken: `host` (default) or `none`.
    #[serde(default)]
    speak: Option<Speak>,
    /// For dictation: `verbatim`, `clean` or `mail` (default: the focused application's
    /// mode, else `dictation.mode`).
    #[serde(default)]
    mode: Option<DictationMode>,
}

#[utoipa::path(post, path = "/api/v1/listen", tag = "talk", request_body = ListenRequest,
    responses((status = 200, body = TalkResult,
               description = "what was heard on this machine's microphone and what was done"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(super) async fn listen(
    State(s): State<ApiState>,
    body: Result<Json<ListenRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<TalkResult>, ApiError> {
    let Json(request) = body?;
    let speak = match request.speak.unwrap_or(Speak::Host) {
        Speak::Caller => Speak::Host,
        other => other,
    };
    let heard = s
        .core
        .session
        .listen_once(
            request.purpose.into(),
            MicEnding::Silence,
            speak.reply_to(request.mode),
        )
        .await
        .map_err(session_error)?;
    Ok(Json(TalkResult::of(&heard)))
}
