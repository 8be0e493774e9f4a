//! ElevenLabs cloud voices.
//!
//! Wire format: header `xi-api-key`; `POST /v1/text-to-speech/{voice_id}/stream
//! ?output_format=pcm_24000|mp3_44100_128|…` with `{"text","model_id","voice_settings":{…}}`;
//! PCM comes back as raw 16-bit little-endian mono, MP3 is decoded with symphonia.
//! `GET /v1/voices` lists voices, `GET /v1/user/subscription` the character quota. Errors are
//! `{"detail":{"status","message"}}`; note that a used-up quota is `401 quota_exceeded`, not 429.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};
use tonny_core::settings::{ElevenLabsFormat, TtsSettings};
use tonny_core::tts::{Speech, SpeechStream, Tts, TtsError, check_text};

use crate::remote::{self, MAX_AUDIO_BYTES, RemoteError, block_on};

const SERVICE: &str = "ElevenLabs";

/// Text sent in one request; longer text is split at sentence ends (the API's own limit is
/// higher for most models, but shorter requests start playing sooner).
pub const CHUNK_CHARS: usize = 2_500;

/// How to reach ElevenLabs and which voice to use.
#[derive(Clone)]
pub struct ElevenLabsConfig {
    /// API base URL.
    pub base_url: String,
    /// The API key (a secret).
    pub api_key: String,
    /// Voice id.
    pub voice_id: String,
    /// Model id.
    pub model_id: String,
    /// Audio format asked for.
    pub format: ElevenLabsFormat,
    /// `voice_settings` sent with each request.
    pub voice_settings: Value,
    /// Give up on one request after this long.
    pub timeout_ms: u64,
    /// Take streamed text over the `stream-input` socket (PCM formats only).
    pub stream_input: bool,
}

impl std::fmt::Debug for ElevenLabsConfig {
    // The key is a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElevenLabsConfig")
            .field("base_url", &self.base_url)
            .field("voice_id", &self.voice_id)
            .field("model_id", &self.model_id)
            .finish_non_exhaustive()
    }
}

impl ElevenLabsConfig {
    /// The configuration `settings` describe, with `api_key`.
    pub fn from_settings(tts: &TtsSettings, api_key: String) -> Self {
        Self {
            base_url: tts.elevenlabs_url.trim_end_matches('/').to_owned(),
            api_key,
            voice_id: tts.elevenlabs_voice_id.clone(),
            model_id: tts.elevenlabs_model_id.clone(),
            format: tts.elevenlabs_output_format,
            voice_settings: json!({
                "stability": tts.stability,
                "similarity_boost": tts.similarity_boost,
                "style": tts.style,
                "use_speaker_boost": tts.use_speaker_boost,
                "speed": tts.speed,
            }),
            timeout_ms: tts.timeout_ms,
            stream_input: tts.elevenlabs_stream_input,
        }
    }
}

/// One voice from `GET /v1/voices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Voice {
    /// Id to put in `tts.elevenlabs_voice_id`.
    pub voice_id: String,
    /// Display name.
    pub name: String,
    /// `premade`, `cloned`, `generated`, …
    pub category: String,
}

/// The character quota from `GET /v1/user/subscription`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quota {
    /// Characters used this period.
    pub used: u64,
    /// Characters allowed this period.
    pub limit: u64,
}

/// The ElevenLabs voice.
pub struct ElevenLabsTts {
    config: ElevenLabsConfig,
    http: reqwest::Client,
}

fn status_of(body: &Value) -> Option<&str> {
    body.pointer("/detail/status").and_then(Value::as_str)
}

impl ElevenLabsTts {
    /// A voice for `config`.
    pub fn new(config: ElevenLabsConfig) -> Self {
        let http = remote::client(Duration::from_millis(config.timeout_ms));
        Self { config, http }
    }

    // Sends one request and returns its body, or the error as the person should hear it.
    async fn request(
        &self,
        call: reqwest::RequestBuilder,
        limit: usize,
    ) -> Result<Vec<u8>, TtsError> {
        let ms = self.config.timeout_ms;
        let response = call
            .header("xi-api-key", &self.config.api_key)
            .send()
            .await
            .map_err(|e| map_remote(RemoteError::from_reqwest(SERVICE, ms, e)))?;
        let status = response.status();
        let body = remote::read_body(SERVICE, ms, response, limit)
            .await
            .map_err(map_remote)?;
        if status.is_success() {
            return Ok(body);
        }
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        Err(map_status(status.as_u16(), status_of(&json), &body))
    }

    async fn synthesize_chunk(&self, text: &str, depth: u32) -> Result<Vec<f32>, TtsError> {
        let url = format!(
            "{}/v1/text-to-speech/{}/stream",
            self.config.base_url, self.config.voice_id
        );
        let call = self
            .http
            .post(url)
            .query(&[("output_format", self.config.format.as_str())])
            .json(&json!({
                "text": text,
                "model_id": self.config.model_id,
                "voice_settings": self.config.voice_settings,
            }));
        match self.request(call, MAX_AUDIO_BYTES).await {
            Ok(audio) => self.decode(audio),
            Err(TtsError::TextTooLong { .. }) if depth < 4 && text.chars().count() > 1 => {
                // The model's limit is lower than ours: halve at a sentence end and go on.
                let (a, b) = split_in_two(text);
                let mut samples = Box::pin(self.synthesize_chunk(a, depth + 1)).await?;
                samples.extend(Box::pin(self.synthesize_chunk(b, depth + 1)).await?);
                Ok(samples)
            }
            Err(e) => Err(e),
        }
    }

    fn decode(&self, audio: Vec<u8>) -> Result<Vec<f32>, TtsError> {
        if audio.is_empty() {
            return Err(TtsError::Engine("ElevenLabs sent no audio".into()));
        }
        match self.config.format.pcm_rate() {
            Some(_) => Ok(audio
                .chunks_exact(2)
                .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
                .collect()),
            None => tonny_audio::decode::decode_bytes(audio, "ElevenLabs audio")
                .map(|d| d.samples)
                .map_err(|e| {
                    TtsError::Engine(format!(
                        "ElevenLabs sent audio that could not be decoded: {e}"
                    ))
                }),
        }
    }

    fn rate(&self) -> u32 {
        // MP3 is decoded to 16 kHz.
        self.config.format.pcm_rate().unwrap_or(16_000)
    }

    /// The voices this key can use.
    pub fn voices(&self) -> Result<Vec<Voice>, TtsError> {
        block_on(async {
            let call = self.http.get(format!("{}/v1/voices", self.config.base_url));
            let body = self.request(call, remote::MAX_BODY_BYTES).await?;
            let v: Value = serde_json::from_slice(&body).map_err(|e| {
                TtsError::Engine(format!("ElevenLabs' voice list is not JSON ({e})"))
            })?;
            let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            Ok(v.get("voices")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .map(|item| Voice {
                            voice_id: s(item, "voice_id"),
                            name: s(item, "name"),
                            category: s(item, "category"),
                        })
                        .collect()
                })
                .unwrap_or_default())
        })
    }

    /// Characters used and allowed this period.
    pub fn quota(&self) -> Result<Quota, TtsError> {
        block_on(async {
            let call = self
                .http
                .get(format!("{}/v1/user/subscription", self.config.base_url));
            let body = self.request(call, remote::MAX_BODY_BYTES).await?;
            let v: Value = serde_json::from_slice(&body).map_err(|e| {
                TtsError::Engine(format!("ElevenLabs' subscription answer is not JSON ({e})"))
            })?;
            let n = |k: &str| v.get(k).and_then(Value::as_u64);
            match (n("character_count"), n("character_limit")) {
                (Some(used), Some(limit)) => Ok(Quota { used, limit }),
                _ => Err(TtsError::Engine(
                    "ElevenLabs' subscription answer has no character_count/character_limit".into(),
                )),
            }
        })
    }
}

/// Splits `text` near its middle, at a sentence end if there is one, else at a space.
fn split_in_two(text: &str) -> (&str, &str) {
    let mid = text.len() / 2;
    let candidates = |pred: &dyn Fn(char) -> bool| {
        text.char_indices()
            .filter(|&(i, c)| pred(c) && i > 0 && i + c.len_utf8() < text.len())
            .map(|(i, c)| i + c.len_utf8())
            .min_by_key(|&i| i.abs_diff(mid))
    };
    let at = candidates(&|c| matches!(c, '.' | '!' | '?'))
        .or_else(|| candidates(&char::is_whitespace))
        .unwrap_or_else(|| {
            text.char_indices()
                .map(|(i, _)| i)
                .find(|&i| i >= mid)
                .unwrap_or(mid)
        });
    (text[..at].trim(), text[at..].trim())
}

/// Groups sentences into chunks of at most [`CHUNK_CHARS`].
fn chunks(text: &str) -> Vec<String> {
    let mut splitter = tonny_core::sentences::SentenceSplitter::new();
    let mut sentences = splitter.push(text);
    sentences.extend(splitter.finish());
    let mut out: Vec<String> = Vec::new();
    for s in sentences {
        match out.last_mut() {
            Some(last) if last.chars().count() + 1 + s.chars().count() <= CHUNK_CHARS => {
                last.push(' ');
                last.push_str(&s);
            }
            _ => out.push(s),
        }
    }
    out
}

fn map_remote(e: RemoteError) -> TtsError {
    match e {
        RemoteError::Timeout { ms, .. } => TtsError::Timeout { timeout_ms: ms },
        other => TtsError::Unavailable(other.to_string()),
    }
}

/// The error for an HTTP error status with ElevenLabs' `detail.status`.
pub(super) fn map_status(status: u16, detail: Option<&str>, body: &[u8]) -> TtsError {
    let said = remote::error_message(body);
    match (status, detail) {
        (_, Some("quota_exceeded")) => TtsError::Unavailable(format!(
            "the ElevenLabs character quota is used up ({said}); it renews with your plan, or \
             switch to the local voice with `tonny config set tts.engine espeak`"
        )),
        (401, _) | (_, Some("invalid_api_key")) => TtsError::Unavailable(
            "ElevenLabs rejected the API key; set the right one with `tonny secrets set \
             elevenlabs_api_key`"
                .into(),
        ),
        (429, _) => TtsError::Unavailable(format!(
            "ElevenLabs is busy ({said}); try again in a moment"
        )),
        (_, Some("max_character_limit_exceeded")) => TtsError::TextTooLong {
            chars: 0,
            limit: CHUNK_CHARS,
        },
        (_, Some("voice_not_found")) | (404, _) => TtsError::UnknownVoice(format!(
            "ElevenLabs has no voice with the configured id ({said}); `tonny say --voices` lists \
             yours, set one with `tonny config set tts.elevenlabs_voice_id ID`"
        )),
        (500..=599, _) => TtsError::Unavailable(format!("ElevenLabs failed ({said})")),
        _ => TtsError::Engine(format!(
            "ElevenLabs refused the request (HTTP {status}: {said})"
        )),
    }
}

impl Tts for ElevenLabsTts {
    fn name(&self) -> String {
        format!("ElevenLabs {}", self.config.voice_id)
    }

    fn synthesize(&self, text: &str) -> Result<Speech, TtsError> {
        check_text(text)?;
        block_on(async {
            let mut samples = Vec::new();
            for chunk in chunks(text) {
                samples.extend(self.synthesize_chunk(&chunk, 0).await?);
            }
            Ok(Speech {
                samples,
                sample_rate: self.rate(),
            })
        })
    }

    fn open_stream(&self) -> Option<SpeechStream> {
        // MP3 arrives in pieces that do not decode on their own; it is spoken per sentence.
        (self.config.stream_input && self.config.format.pcm_rate().is_some())
            .then(|| super::elevenlabs_stream::open(&self.config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_grouped_into_sentence_chunks() {
        let sentence = "This is one sentence of about fifty characters. ";
        let text = sentence.repeat(120);
        let out = chunks(&text);
        assert!(out.len() >= 3, "{}", out.len());
        assert!(out.iter().all(|c| c.chars().count() <= CHUNK_CHARS));
        assert_eq!(out.join(" "), text.trim());
        let (a, b) = split_in_two("One two. Three four. Five six.");
        assert_eq!((a, b), ("One two. Three four.", "Five six."));
    }

    #[test]
    fn each_elevenlabs_error_says_what_to_do() {
        let quota = map_status(
            401,
            Some("quota_exceeded"),
            br#"{"detail":{"status":"quota_exceeded","message":"This request exceeds your quota."}}"#,
        );
        assert!(quota.to_string().contains("quota is used up"), "{quota}");
        let key = map_status(401, Some("invalid_api_key"), b"{}");
        assert!(key.to_string().contains("elevenlabs_api_key"), "{key}");
        assert!(matches!(
            map_status(400, Some("max_character_limit_exceeded"), b"{}"),
            TtsError::TextTooLong { .. }
        ));
        assert!(
            map_status(429, Some("too_many_concurrent_requests"), b"{}")
                .to_string()
                .contains("busy")
        );
    }
}
