//! The WhisperLiveKit client: streams PCM to a WhisperLiveKit server over `WS /asr`.
//!
//! Protocol (WhisperLiveKit with `--pcm-input`): the server first sends
//! `{"type":"config","useAudioWorklet":true,…}`; the client sends raw s16le 16 kHz mono binary
//! frames and an empty frame to finish; the server sends full-state updates
//! `{"status","lines":[{"speaker","text","start","end"}],"buffer_transcription",…}` (speaker −2
//! is silence; errors as `{"status":"error","error"}`) and finally `{"type":"ready_to_stop"}`.
//! The final text is the `lines` plus whatever is still in `buffer_transcription`.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tonny_core::stt::{
    PartialSink, PartialTranscript, SAMPLE_RATE, Segment, Stt, SttError, SttSession,
    TranscribeOptions, Transcript,
};

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

    /// The finished lines (the server will not change them) and the buffer (it may).
    fn partial(&self) -> PartialTranscript {
        let stable: Vec<&str> = self
            .lines
            .iter()
            .filter(|l| l.get("speaker").and_then(Value::as_i64) != Some(-2))
            .filter_map(|l| l.get("text")?.as_str())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        PartialTranscript {
            stable: stable.join(" "),
            tentative: self.buffer.trim().to_owned(),
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
        on_partial: impl FnMut(&PartialTranscript) + Send,
    ) -> Result<Transcript, SttError> {
        let (tx, rx) = mpsc::unbounded_channel();
        for chunk in audio.chunks(FRAME) {
            let _ = tx.send(chunk.to_vec());
        }
        drop(tx);
        session(
            self.config.clone(),
            language.map(str::to_owned),
            rx,
            on_partial,
        )
        .await
    }
}

fn closed(e: impl std::fmt::Display) -> SttError {
    unavailable(format!(
        "WhisperLiveKit closed the connection mid-utterance ({e})"
    ))
}

/// One `/asr` session: audio from `audio` is sent as it arrives (an empty frame when the
/// channel closes), server updates are read meanwhile, and the transcript is returned after
/// `ready_to_stop`. `elapsed_ms` counts from the end of the audio.
async fn session(
    config: WhisperLiveKitConfig,
    language: Option<String>,
    mut audio: mpsc::UnboundedReceiver<Vec<f32>>,
    mut on_partial: impl FnMut(&PartialTranscript) + Send,
) -> Result<Transcript, SttError> {
    let limit = Duration::from_millis(config.timeout_ms);
    let mut url = config.url.clone();
    if let Some(lang) = &language {
        url.push_str(if url.contains('?') { "&" } else { "?" });
        url.push_str(&format!("language={lang}"));
    }
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| engine(format!("stt.whisperlivekit_url is not usable ({e})")))?;
    if let Some(token) = &config.token {
        let value = format!("Bearer {token}").parse().map_err(|_| {
            engine("whisperlivekit_api_token has characters a header cannot carry".into())
        })?;
        request.headers_mut().insert("authorization", value);
    }
    let (mut ws, _) = tokio::time::timeout(limit, tokio_tungstenite::connect_async(request))
        .await
        .map_err(|_| {
            unavailable(format!(
                "WhisperLiveKit did not accept a connection within {} ms",
                config.timeout_ms
            ))
        })?
        .map_err(|e| {
            let why = match &e {
                tokio_tungstenite::tungstenite::Error::Http(r) if r.status().as_u16() == 401 => {
                    "it rejected the API token; set it with `tonny secrets set \
                     whisperlivekit_api_token`"
                        .to_owned()
                }
                other => other.to_string(),
            };
            unavailable(format!("WhisperLiveKit is not reachable ({why})"))
        })?;
    // The config message says whether the server takes raw PCM.
    match tokio::time::timeout(limit, ws.next()).await {
        Ok(Some(Ok(Message::Text(text)))) => {
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if v.get("type").and_then(Value::as_str) == Some("config")
                && v.get("useAudioWorklet").and_then(Value::as_bool) == Some(false)
            {
                return Err(engine(
                    "the WhisperLiveKit server expects compressed audio; start it with \
                     --pcm-input (TonnyTray's supervisor does)"
                        .into(),
                ));
            }
        }
        Ok(Some(Err(e))) => return Err(closed(e)),
        Ok(None) => return Err(closed("no greeting")),
        _ => {}
    }
    let mut heard = Heard::default();
    let mut samples = 0usize;
    let mut audio_ended: Option<Instant> = None;
    loop {
        let deadline = audio_ended.map(|at| at + limit);
        tokio::select! {
            chunk = audio.recv(), if audio_ended.is_none() => {
                let bytes: Vec<u8> = match chunk {
                    Some(chunk) => {
                        samples += chunk.len();
                        chunk
                            .iter()
                            .flat_map(|s| ((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes())
                            .collect()
                    }
                    None => {
                        audio_ended = Some(Instant::now());
                        Vec::new()
                    }
                };
                // An empty frame ends the stream.
                ws.send(Message::Binary(bytes.into())).await.map_err(closed)?;
            }
            msg = ws.next() => {
                let Some(msg) = msg else {
                    return Err(closed("before its final answer"));
                };
                let Message::Text(text) = msg.map_err(closed)? else { continue };
                let v: Value = serde_json::from_str(&text).map_err(|e| {
                    engine(format!("WhisperLiveKit sent something that is not JSON ({e})"))
                })?;
                if v.get("type").and_then(Value::as_str) == Some("ready_to_stop") {
                    let _ = ws.close(None).await;
                    break;
                }
                if v.get("status").and_then(Value::as_str) == Some("error") {
                    let said = v.get("error").and_then(Value::as_str).unwrap_or("no details");
                    return Err(engine(format!("WhisperLiveKit failed: {said}")));
                }
                let before = heard.partial();
                heard.update(&v);
                let now = heard.partial();
                if now != before && !(now.stable.is_empty() && now.tentative.is_empty()) {
                    on_partial(&now);
                }
            }
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                return Err(unavailable(format!(
                    "WhisperLiveKit did not finish within {} ms (stt.timeout_ms)",
                    config.timeout_ms
                )));
            }
        }
    }
    let audio_ms = samples as u64 * 1000 / u64::from(SAMPLE_RATE);
    let elapsed = audio_ended.map_or(0, |at| at.elapsed().as_millis() as u64);
    Ok(heard.transcript(language.unwrap_or_else(|| "en".into()), audio_ms, elapsed))
}

/// A session fed while recording.
struct LiveSession {
    audio: Option<mpsc::UnboundedSender<Vec<f32>>>,
    result: oneshot::Receiver<Result<Transcript, SttError>>,
}

impl SttSession for LiveSession {
    fn push(&mut self, audio: &[f32]) {
        if let Some(tx) = &self.audio {
            let _ = tx.send(audio.to_vec());
        }
    }

    fn finish(mut self: Box<Self>, _recorded: &[f32]) -> Result<Transcript, SttError> {
        drop(self.audio.take());
        self.result.blocking_recv().unwrap_or_else(|_| {
            Err(engine(
                "the WhisperLiveKit session stopped unexpectedly".into(),
            ))
        })
    }
}

impl Stt for WhisperLiveKitStt {
    fn name(&self) -> String {
        "WhisperLiveKit".into()
    }

    fn transcribe(&self, audio: &[f32], opts: &TranscribeOptions) -> Result<Transcript, SttError> {
        block_on(self.stream(audio, opts.language.as_deref(), |_| {}))
    }

    fn start_session(
        &self,
        opts: &TranscribeOptions,
        partial: PartialSink,
    ) -> Option<Box<dyn SttSession>> {
        let handle = tokio::runtime::Handle::try_current().ok()?;
        let (audio, rx) = mpsc::unbounded_channel();
        let (done, result) = oneshot::channel();
        let (config, language) = (self.config.clone(), opts.language.clone());
        handle.spawn(async move {
            let _ = done.send(session(config, language, rx, move |p| partial(p)).await);
        });
        Some(Box::new(LiveSession {
            audio: Some(audio),
            result,
        }))
    }
}
