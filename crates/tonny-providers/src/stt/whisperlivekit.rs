//! The WhisperLiveKit client: streams PCM to a WhisperLiveKit server over `WS /asr`.
//!
//! Protocol (WhisperLiveKit with `--pcm-input`): the server first sends
//! `{"type":"config","useAudioWorklet":true,…}`; the client sends raw s16le 16 kHz mono binary
//! frames and an empty frame to finish; the server sends full-state updates
//! `{"status","lines":[{"speaker","text","start","end"}],"buffer_transcription",…}` (speaker −2
//! is silence; errors as `{"status":"error","error"}`) and finally `{"type":"ready_to_stop"}`.
//! The final text is the `lines` plus whatever is still in `buffer_transcription`.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tonny_core::stt::{SAMPLE_RATE, Segment, Stt, SttError, TranscribeOptions, Transcript};

use crate::remote::block_on;

/// Samples per frame sent (100 ms), the size a live microphone would send.
const FRAME: usize = SAMPLE_RATE as usize / 10;

/// Why the server could not be used; becomes [`SttError::Unavailable`] or
/// [`SttError::Engine`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WlkError(pub String);

fn unavailable(msg: String) -> SttError {
    SttError::Unavailable(Box::new(WlkError(msg)))
}

fn engine(msg: String) -> SttError {
    SttError::Engine(Box::new(WlkError(msg)))
}

/// How to reach the server.
#[derive(Clone)]
pub struct WhisperLiveKitConfig {
    /// `ws://127.0.0.1:8000/asr` (or `wss://` for a remote server).
    pub url: String,
    /// Bearer token, if the server is protected (a secret).
    pub token: Option<String>,
    /// Longest wait for the whole transcription.
    pub timeout_ms: u64,
}

impl std::fmt::Debug for WhisperLiveKitConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhisperLiveKitConfig")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "set"))
            .finish_non_exhaustive()
    }
}

/// The WhisperLiveKit speech-to-text client.
pub struct WhisperLiveKitStt {
    config: WhisperLiveKitConfig,
}

// "0:00:01.52" → milliseconds.
fn parse_time(t: &str) -> u64 {
    let mut ms = 0.0;
    for part in t.split(':') {
        ms = ms * 60.0 + part.parse::<f64>().unwrap_or(0.0);
    }
    (ms * 1000.0) as u64
}

/// What the server had said when it finished: its lines and unfinished buffer.
#[derive(Debug, Default)]
struct Heard {
    lines: Vec<Value>,
    buffer: String,
}

impl Heard {
    fn update(&mut self, v: &Value) {
        if let Some(lines) = v.get("lines").and_then(Value::as_array) {
            self.lines = lines.clone();
        }
        if let Some(b) = v.get("buffer_transcription").and_then(Value::as_str) {
            self.buffer = b.to_owned();
        }
    }

    fn transcript(self, language: String, audio_ms: u64, elapsed_ms: u64) -> Transcript {
        let mut speaker = None;
        let mut segments: Vec<Segment> = self
            .lines
            .iter()
            .filter(|l| l.get("speaker").and_then(Value::as_i64) != Some(-2))
            .filter_map(|l| {
                let text = l.get("text")?.as_str()?.trim().to_owned();
                if text.is_empty() {
                    return None;
                }
                if speaker.is_none() {
                    speaker = l
                        .get("speaker")
                        .and_then(Value::as_i64)
                        .filter(|s| *s > 0)
                        .map(|s| s.to_string());
                }
                let time = |k: &str| l.get(k).and_then(Value::as_str).map_or(0, parse_time);
                Some(Segment {
                    start_ms: time("start"),
                    end_ms: time("end"),
                    text,
                    // The server does not report probabilities; a finished line is its answer.
                    avg_logprob: 0.0,
                    no_speech_prob: 0.0,
                })
            })
            .collect();
        if !self.buffer.trim().is_empty() {
            let start = segments.last().map_or(0, |s| s.end_ms);
            segments.push(Segment {
                start_ms: start,
                end_ms: audio_ms.max(start),
                text: self.buffer.trim().to_owned(),
                avg_logprob: 0.0,
                no_speech_prob: 0.0,
            });
        }
        let mut t = Transcript::from_segments(segments, language, audio_ms, elapsed_ms);
        t.speaker = speaker;
        t
    }
}

impl WhisperLiveKitStt {
    /// A client for the server in `config`.
    pub fn new(config: WhisperLiveKitConfig) -> Self {
        Self { config }
    }

    /// Streams `audio` and returns the server's transcript; `on_partial` gets the running
    /// `buffer_transcription` as it changes.
    pub async fn stream(
        &self,
        audio: &[f32],
        language: Option<&str>,
        mut on_partial: impl FnMut(&str) + Send,
    ) -> Result<Transcript, SttError> {
        let started = Instant::now();
        let deadline = Duration::from_millis(self.config.timeout_ms);
        let mut url = self.config.url.clone();
        if let Some(lang) = language {
            url.push_str(if url.contains('?') { "&" } else { "?" });
            url.push_str(&format!("language={lang}"));
        }
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| engine(format!("stt.whisperlivekit_url is not usable ({e})")))?;
        if let Some(token) = &self.config.token {
            let value = format!("Bearer {token}").parse().map_err(|_| {
                engine("whisperlivekit_api_token has characters a header cannot carry".into())
            })?;
            request.headers_mut().insert("authorization", value);
        }
        let (mut ws, _) = tokio::time::timeout(deadline, tokio_tungstenite::connect_async(request))
            .await
            .map_err(|_| unavailable(format!("WhisperLiveKit did not accept a connection within {} ms", self.config.timeout_ms)))?
            .map_err(|e| {
                let why = match &e {
                    tokio_tungstenite::tungstenite::Error::Http(r) if r.status().as_u16() == 401 => {
                        "it rejected the API token; set it with `tonny secrets set whisperlivekit_api_token`".to_owned()
                    }
                    other => other.to_string(),
                };
                unavailable(format!("WhisperLiveKit is not reachable ({why})"))
            })?;
        let session = async {
            let mut heard = Heard::default();
            // The config message says whether the server takes raw PCM.
            let first = ws.next().await;
            if let Some(Ok(Message::Text(text))) = &first {
                let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                if v.get("type").and_then(Value::as_str) == Some("config")
                    && v.get("useAudioWorklet").and_then(Value::as_bool) == Some(false)
                {
                    return Err(engine(
                        "the WhisperLiveKit server expects compressed audio; start it with --pcm-input (TonnyTray's supervisor does)".into(),
                    ));
                }
            }
            for chunk in audio.chunks(FRAME) {
                let bytes: Vec<u8> = chunk
                    .iter()
                    .flat_map(|s| ((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes())
                    .collect();
                ws.send(Message::Binary(bytes.into())).await.map_err(|e| {
                    unavailable(format!(
                        "WhisperLiveKit closed the connection mid-utterance ({e})"
                    ))
                })?;
            }
            ws.send(Message::Binary(Vec::new().into()))
                .await
                .map_err(|e| {
                    unavailable(format!(
                        "WhisperLiveKit closed the connection mid-utterance ({e})"
                    ))
                })?;
            while let Some(msg) = ws.next().await {
                let msg = msg.map_err(|e| {
                    unavailable(format!(
                        "WhisperLiveKit closed the connection mid-utterance ({e})"
                    ))
                })?;
                let Message::Text(text) = msg else { continue };
                let v: Value = serde_json::from_str(&text).map_err(|e| {
                    engine(format!(
                        "WhisperLiveKit sent something that is not JSON ({e})"
                    ))
                })?;
                if v.get("type").and_then(Value::as_str) == Some("ready_to_stop") {
                    let _ = ws.close(None).await;
                    return Ok(heard);
                }
                if v.get("status").and_then(Value::as_str) == Some("error") {
                    let said = v
                        .get("error")
                        .and_then(Value::as_str)
                        .unwrap_or("no details");
                    return Err(engine(format!("WhisperLiveKit failed: {said}")));
                }
                let before = heard.buffer.clone();
                heard.update(&v);
                if heard.buffer != before && !heard.buffer.is_empty() {
                    on_partial(&heard.buffer);
                }
            }
            Err(unavailable(
                "WhisperLiveKit closed the connection mid-utterance, before its final answer"
                    .into(),
            ))
        };
        let heard = tokio::time::timeout(deadline, session)
            .await
            .map_err(|_| {
                unavailable(format!(
                    "WhisperLiveKit did not finish within {} ms (stt.timeout_ms)",
                    self.config.timeout_ms
                ))
            })??;
        let audio_ms = audio.len() as u64 * 1000 / u64::from(SAMPLE_RATE);
        Ok(heard.transcript(
            language.unwrap_or("en").to_owned(),
            audio_ms,
            started.elapsed().as_millis() as u64,
        ))
    }
}

impl Stt for WhisperLiveKitStt {
    fn name(&self) -> String {
        "WhisperLiveKit".into()
    }

    fn transcribe(&self, audio: &[f32], opts: &TranscribeOptions) -> Result<Transcript, SttError> {
        block_on(self.stream(audio, opts.language.as_deref(), |_| {}))
    }
}
