//! OpenAI-compatible transcription: `POST {base}/audio/transcriptions` (OpenAI, speaches,
//! WhisperLiveKit's own endpoint), multipart `file` (WAV), `model`, `language`,
//! `response_format=json` → `{"text"}`. Uploads are limited to 25 MB by the API.

use std::io::Cursor;
use std::time::{Duration, Instant};

use serde_json::Value;
use tonny_core::stt::{SAMPLE_RATE, Segment, Stt, SttError, TranscribeOptions, Transcript};

use crate::remote::{self, RemoteError, block_on};

const SERVICE: &str = "the transcription API";

/// The largest upload the API accepts.
pub const MAX_UPLOAD_BYTES: usize = 25 * 1024 * 1024;

/// How to reach the API.
#[derive(Clone)]
pub struct OpenAiSttConfig {
    /// Base URL up to the version (`https://api.openai.com/v1`).
    pub base_url: String,
    /// Bearer key (a secret), if the server needs one.
    pub api_key: Option<String>,
    /// Model name (`whisper-1`, `Systran/faster-whisper-small`, …).
    pub model: String,
    /// Longest wait for one transcription.
    pub timeout_ms: u64,
}

impl std::fmt::Debug for OpenAiSttConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiSttConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

/// Why a transcription failed, for [`SttError`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OpenAiSttError(pub String);

/// The OpenAI-compatible transcription client.
pub struct OpenAiStt {
    config: OpenAiSttConfig,
    http: reqwest::Client,
}

/// 16-bit PCM WAV bytes of 16 kHz mono samples.
pub fn wav_bytes(audio: &[f32]) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Cursor::new(Vec::with_capacity(44 + audio.len() * 2));
    {
        let mut w = hound::WavWriter::new(&mut out, spec).expect("an in-memory WAV writer");
        for s in audio {
            w.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16)
                .expect("writing to memory");
        }
        w.finalize().expect("finishing an in-memory WAV");
    }
    out.into_inner()
}

impl OpenAiStt {
    /// A client for `config`.
    pub fn new(config: OpenAiSttConfig) -> Self {
        let http = remote::client(Duration::from_millis(config.timeout_ms));
        Self { config, http }
    }

    async fn call(
        &self,
        audio: &[f32],
        language: Option<&str>,
        vocabulary: &[String],
    ) -> Result<Transcript, SttError> {
        let started = Instant::now();
        let wav = wav_bytes(audio);
        if wav.len() > MAX_UPLOAD_BYTES {
            return Err(SttError::Audio(Box::new(OpenAiSttError(format!(
                "the recording is {:.1} MB; the transcription API takes at most 25 MB (about 13 minutes)",
                wav.len() as f64 / 1_048_576.0
            )))));
        }
        let mut form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(wav)
                    .file_name("speech.wav")
                    .mime_str("audio/wav")
                    .expect("a valid MIME type"),
            )
            .text("model", self.config.model.clone())
            .text("response_format", "json");
        if let Some(lang) = language {
            form = form.text("language", lang.to_owned());
        }
        // The API's own way to bias spelling: a prompt in the speech's style.
        if !vocabulary.is_empty() {
            form = form.text("prompt", vocabulary.join(", "));
        }
        let url = format!(
            "{}/audio/transcriptions",
            self.config.base_url.trim_end_matches('/')
        );
        let mut call = self.http.post(url).multipart(form);
        if let Some(key) = &self.config.api_key {
            call = call.bearer_auth(key);
        }
        let (_, _, body) = remote::call(SERVICE, self.config.timeout_ms, call)
            .await
            .map_err(|e| match &e {
                RemoteError::Status { status: 401 | 403, .. } => SttError::Engine(Box::new(OpenAiSttError(
                    "the transcription API rejected the key; set it with `tonny secrets set openai_api_key`".into(),
                ))),
                _ if e.is_transient() => SttError::Unavailable(Box::new(OpenAiSttError(e.to_string()))),
                _ => SttError::Engine(Box::new(OpenAiSttError(e.to_string()))),
            })?;
        let v: Value = serde_json::from_slice(&body).map_err(|e| {
            SttError::Engine(Box::new(OpenAiSttError(format!(
                "{SERVICE} answered with something that is not JSON ({e})"
            ))))
        })?;
        let text = v.get("text").and_then(Value::as_str).ok_or_else(|| {
            SttError::Engine(Box::new(OpenAiSttError(format!(
                "{SERVICE} answered without a `text` field"
            ))))
        })?;
        let audio_ms = audio.len() as u64 * 1000 / u64::from(SAMPLE_RATE);
        let segments = if text.trim().is_empty() {
            Vec::new()
        } else {
            vec![Segment {
                start_ms: 0,
                end_ms: audio_ms,
                text: text.trim().to_owned(),
                avg_logprob: 0.0,
                no_speech_prob: 0.0,
            }]
        };
        Ok(Transcript::from_segments(
            segments,
            language.unwrap_or("en").to_owned(),
            audio_ms,
            started.elapsed().as_millis() as u64,
        ))
    }
}

impl Stt for OpenAiStt {
    fn name(&self) -> String {
        format!("OpenAI-compatible transcription ({})", self.config.model)
    }

    fn transcribe(&self, audio: &[f32], opts: &TranscribeOptions) -> Result<Transcript, SttError> {
        block_on(self.call(audio, opts.language.as_deref(), &opts.vocabulary))
    }
}
