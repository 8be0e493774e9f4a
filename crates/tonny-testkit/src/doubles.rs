//! In-memory doubles of TonnyTray's own traits (not of anyone's protocol): a speech engine that
//! hears a given sentence, an agent that answers after a delay, a voice and a text output that
//! keep what they were given. With them the daemon's session, assistant and live settings are
//! tested without a model, a sound server or a display; the real parts have their own tests.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};
use tonny_core::agent::{Agent, AgentError, AgentReply, AgentRequest};
use tonny_core::output::{Delivery, OutputError, Playing, TextOutput, VoiceOutput};
use tonny_core::stt::{Segment, Stt, SttError, TranscribeOptions, Transcript};
use tonny_core::tts::{Speech, Tts, TtsError};

/// A speech engine that hears `text` in any recording with sound (and nothing in silence),
/// after `delay` (a slow engine, to cancel during transcription).
pub struct ScriptedStt {
    text: Mutex<String>,
    delay: Duration,
    /// How many recordings it was given.
    pub calls: AtomicUsize,
    // The vocabulary each recording came with.
    vocabularies: Mutex<Vec<Vec<String>>>,
}

impl ScriptedStt {
    /// Hears `text`, at once.
    pub fn hearing(text: &str) -> Arc<Self> {
        Self::slow(text, Duration::ZERO)
    }

    /// Hears `text` after `delay`.
    pub fn slow(text: &str, delay: Duration) -> Arc<Self> {
        Arc::new(Self {
            text: Mutex::new(text.to_owned()),
            delay,
            calls: AtomicUsize::new(0),
            vocabularies: Mutex::new(Vec::new()),
        })
    }

    /// Hears `text` from now on.
    pub fn set_text(&self, text: &str) {
        *self.text.lock().unwrap() = text.to_owned();
    }

    /// The vocabulary each recording was transcribed with, in order.
    pub fn vocabularies(&self) -> Vec<Vec<String>> {
        self.vocabularies.lock().unwrap().clone()
    }
}

impl Stt for ScriptedStt {
    fn name(&self) -> String {
        "scripted".into()
    }

    fn transcribe(&self, audio: &[f32], opts: &TranscribeOptions) -> Result<Transcript, SttError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.vocabularies
            .lock()
            .unwrap()
            .push(opts.vocabulary.clone());
        std::thread::sleep(self.delay);
        let audio_ms = audio.len() as u64 / 16;
        let loud = audio.iter().any(|s| s.abs() > 0.01);
        let text = if loud {
            self.text.lock().unwrap().clone()
        } else {
            String::new()
        };
        let segments = if text.is_empty() {
            Vec::new()
        } else {
            vec![Segment {
                start_ms: 0,
                end_ms: audio_ms.max(1),
                text,
                avg_logprob: -0.1,
                no_speech_prob: 0.0,
            }]
        };
        Ok(Transcript::from_segments(
            segments,
            "en".into(),
            audio_ms,
            self.delay.as_millis() as u64,
        ))
    }
}

/// An agent that answers `reply` after `delay`, and keeps the requests it was asked.
pub struct ScriptedAgent {
    name: String,
    reply: Mutex<String>,
    delay: Duration,
    asked: Mutex<Vec<String>>,
    /// Set when an answer was given (the delay ran out without the request being dropped).
    pub answered: AtomicUsize,
}

impl ScriptedAgent {
    /// An agent called `name` answering `reply` after `delay`.
    pub fn new(name: &str, reply: &str, delay: Duration) -> Arc<Self> {
        Arc::new(Self {
            name: name.to_owned(),
            reply: Mutex::new(reply.to_owned()),
            delay,
            asked: Mutex::new(Vec::new()),
            answered: AtomicUsize::new(0),
        })
    }

    /// The texts it was asked, in order.
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

#[async_trait]
impl Agent for ScriptedAgent {
    fn name(&self) -> &str {
        &self.name
    }

    async fn ask(&self, request: &AgentRequest) -> Result<AgentReply, AgentError> {
        self.asked.lock().unwrap().push(request.text.clone());
        tokio::time::sleep(self.delay).await;
        self.answered.fetch_add(1, Ordering::SeqCst);
        Ok(AgentReply::say(
            &self.name,
            self.reply.lock().unwrap().clone(),
        ))
    }
}

/// A text output that keeps every text it was given (or, while broken, refuses it).
#[derive(Default)]
pub struct RecordingText {
    delivered: Mutex<Vec<String>>,
    broken: std::sync::atomic::AtomicBool,
}

impl RecordingText {
    /// A new, empty one.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// What was typed, in order.
    pub fn delivered(&self) -> Vec<String> {
        self.delivered.lock().unwrap().clone()
    }

    /// Refuses every text from now on (`true`), like a desktop with no way to type.
    pub fn set_broken(&self, broken: bool) {
        self.broken
            .store(broken, std::sync::atomic::Ordering::SeqCst);
    }
}

#[async_trait]
impl TextOutput for RecordingText {
    async fn deliver(&self, text: &str) -> Result<Delivery, OutputError> {
        if self.broken.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(OutputError("nothing can type here".into()));
        }
        self.delivered.lock().unwrap().push(text.to_owned());
        Ok(Delivery::Typed {
            tool: "recording".into(),
        })
    }
}

/// A voice that keeps what it was asked to say and "plays" each reply for `playing`.
pub struct RecordingVoice {
    said: Mutex<Vec<String>>,
    playing: Duration,
    speaking: Arc<AtomicBool>,
    stops: AtomicUsize,
}

impl RecordingVoice {
    /// A voice whose replies play for `playing`.
    pub fn new(playing: Duration) -> Arc<Self> {
        Arc::new(Self {
            said: Mutex::new(Vec::new()),
            playing,
            speaking: Arc::new(AtomicBool::new(false)),
            stops: AtomicUsize::new(0),
        })
    }

    /// What it was asked to say, in order.
    pub fn said(&self) -> Vec<String> {
        self.said.lock().unwrap().clone()
    }

    /// How many times it was told to stop.
    pub fn stops(&self) -> usize {
        self.stops.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl VoiceOutput for RecordingVoice {
    async fn say_stream(
        &self,
        mut pieces: mpsc::UnboundedReceiver<String>,
    ) -> Result<Playing, OutputError> {
        let mut text = String::new();
        while let Some(p) = pieces.recv().await {
            text.push_str(&p);
        }
        if text.trim().is_empty() {
            return Err(OutputError("nothing to say".into()));
        }
        self.said.lock().unwrap().push(text);
        self.speaking.store(true, Ordering::SeqCst);
        let (tx, done) = oneshot::channel();
        let (speaking, playing) = (Arc::clone(&self.speaking), self.playing);
        tokio::spawn(async move {
            tokio::time::sleep(playing).await;
            speaking.store(false, Ordering::SeqCst);
            let _ = tx.send(());
        });
        Ok(Playing {
            first_audio_after: Duration::from_millis(1),
            done,
            notice: None,
            voice: "test voice".into(),
        })
    }

    fn stop(&self) {
        self.stops.fetch_add(1, Ordering::SeqCst);
        self.speaking.store(false, Ordering::SeqCst);
    }

    fn is_speaking(&self) -> bool {
        self.speaking.load(Ordering::SeqCst)
    }
}

/// A voice for the browser's replies: a short tone per reply, so the WAV has sound.
pub struct ToneTts;

impl Tts for ToneTts {
    fn name(&self) -> String {
        "tone".into()
    }

    fn synthesize(&self, text: &str) -> Result<Speech, TtsError> {
        tonny_core::tts::check_text(text)?;
        let samples = (0..16_000 / 4)
            .map(|i| (i as f32 * 440.0 * std::f32::consts::TAU / 16_000.0).sin() * 0.3)
            .collect();
        Ok(Speech {
            samples,
            sample_rate: 16_000,
        })
    }
}
