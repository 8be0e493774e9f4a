//! The typed events everything else reacts to (API, tray icon, metrics, store), and the bus that
//! carries them. Publishers never wait for subscribers: a subscriber that falls behind loses the
//! oldest events and is told how many (tokio's broadcast semantics), instead of stalling the
//! pipeline.

use super::context::ClearReason;
use super::state::State;
use crate::activity::ActivityStatus;
use crate::breaker::BreakerState;
use crate::router::Intent;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// Numbers each utterance (voice or typed) so a late result from a cancelled one is recognised.
pub type UtteranceId = u64;

/// Something the daemon did, for anyone who wants to show, count or store it. Every front end
/// (the web UI, the tray, `tonny run --events`) renders these; the UI's types are generated
/// from this enum through the OpenAPI document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The pipeline moved from one state to another.
    StateChanged {
        /// The utterance the change belongs to (the latest one).
        #[schema(value_type = u64)]
        utterance: UtteranceId,
        /// The state before.
        from: State,
        /// The state now.
        to: State,
    },
    /// The microphone is open and hearing: speech from now on is recorded (the state may
    /// say "listening" a moment before the device is).
    Listening {
        /// Utterance being recorded.
        #[schema(value_type = u64)]
        utterance: UtteranceId,
        /// The microphone's name.
        device: String,
    },
    /// A recording ended without words: nothing was sent.
    NothingHeard {
        /// The utterance.
        #[schema(value_type = u64)]
        utterance: UtteranceId,
        /// Why, in words ("no speech in 30 s (audio.max_utterance_s)").
        message: String,
    },
    /// Microphone loudness while listening, for the level meter.
    AudioLevel {
        /// Utterance being recorded.
        #[schema(value_type = u64)]
        utterance: UtteranceId,
        /// RMS level in dBFS (0 is full scale, about −60 is silence).
        dbfs: f32,
    },
    /// Text recognised so far while the person is still speaking.
    PartialTranscript {
        /// Utterance being transcribed.
        #[schema(value_type = u64)]
        utterance: UtteranceId,
        /// The stable prefix so far: words that will not change while the person speaks.
        text: String,
        /// The rest of the current guess, which may still change (shown lighter).
        #[serde(default)]
        tentative: String,
    },
    /// The final transcript.
    Transcript {
        /// Utterance it belongs to.
        #[schema(value_type = u64)]
        utterance: UtteranceId,
        /// What was said.
        text: String,
        /// 0–1, from the engine's token probabilities.
        confidence: f32,
    },
    /// An agent's answer.
    AgentReply {
        /// Utterance it answers.
        #[schema(value_type = u64)]
        utterance: UtteranceId,
        /// Which agent answered (`local`, `n8n`, ...).
        agent: String,
        /// The answer.
        text: String,
    },
    /// A spoken reply started playing.
    SpeechStarted {
        /// Utterance whose reply is spoken.
        #[schema(value_type = u64)]
        utterance: UtteranceId,
        /// The voice speaking it ("Piper en_US-joe-medium", "espeak-ng en-us").
        voice: String,
    },
    /// A spoken reply finished or was cut.
    SpeechFinished {
        /// Utterance whose reply was spoken.
        #[schema(value_type = u64)]
        utterance: UtteranceId,
    },
    /// A request was handled to the end and recorded (answered, refused, queued, failed,
    /// timed out or cancelled): the one event that says how it ended.
    RequestFinished {
        /// The utterance.
        #[schema(value_type = u64)]
        utterance: UtteranceId,
        /// What ran (absent when it ended before routing).
        intent: Option<Intent>,
        /// How it ended, as stored in the activity history.
        status: ActivityStatus,
    },
    /// Something to tell the person outside the conversation (a timer went off, a fallback).
    Notification {
        /// Short headline.
        title: String,
        /// The message.
        body: String,
    },
    /// A stage failed; the pipeline is in the error state with this message.
    Error {
        /// Utterance that failed.
        #[schema(value_type = u64)]
        utterance: UtteranceId,
        /// What the person should read.
        message: String,
    },
    /// A step arrived that does not fit the current state; it was ignored.
    StepRejected {
        /// Utterance the step named.
        #[schema(value_type = u64)]
        utterance: UtteranceId,
        /// Why it was ignored.
        reason: String,
    },
    /// The conversation context was emptied.
    ContextCleared {
        /// Asked for, or idle too long.
        reason: ClearReason,
    },
    /// Another family profile is active (switched from the API, the CLI, the tray or by voice).
    ProfileChanged {
        /// The profile now active.
        profile: String,
        /// The one active before.
        previous: String,
    },
    /// Settings were changed and applied (from the API, the CLI or the tray).
    SettingsChanged {
        /// The dotted keys that changed.
        keys: Vec<String>,
        /// Those among them that take effect only after a restart (the listening address).
        restart_required: Vec<String>,
    },
    /// A secret was stored or removed (never its value).
    SecretChanged {
        /// The secret's name (`chat_api_key`, …).
        name: String,
        /// Whether a value is now available.
        configured: bool,
    },
    /// A supervised service changed state (started, healthy, crashed, restarting, stopped).
    ServiceHealth {
        /// The service's name.
        service: String,
        /// Its state in words (`running`, `starting`, `failing: …`, `stopped`).
        state: String,
        /// True while it runs and answers its health check.
        running: bool,
    },
    /// A backend (an agent, the speech engine or the voice) became reachable or not, or its
    /// circuit breaker moved.
    BackendHealth {
        /// Which part it is.
        kind: BackendKind,
        /// Its name (`chat`, `n8n`, `whisperlivekit`, `elevenlabs`, …).
        backend: String,
        /// Whether it answered last time it was asked.
        reachable: bool,
        /// Its circuit breaker, when it has one.
        breaker: Option<BreakerState>,
        /// What went wrong, in words, when it is not reachable.
        detail: Option<String>,
    },
    /// Progress of a speech model being installed.
    ModelInstall {
        /// The model's name.
        model: String,
        /// Where the install is.
        phase: InstallPhase,
        /// Bytes fetched so far.
        done_bytes: u64,
        /// Bytes to fetch, when known.
        total_bytes: Option<u64>,
        /// For `failed`: why.
        message: Option<String>,
    },
    /// A sound device went away or came back (unplugged, replugged, the default changed).
    DeviceChanged {
        /// Microphone or speaker.
        kind: DeviceKind,
        /// The device's name, when it has one.
        device: Option<String>,
        /// True when it is usable now.
        available: bool,
        /// What happened, in words.
        message: String,
    },
}

/// Which kind of backend a [`Event::BackendHealth`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// An agent (`agent.fallback_order`).
    Agent,
    /// The speech-to-text engine or server.
    Stt,
    /// The voice.
    Voice,
}

/// Where a model install is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstallPhase {
    /// Files are being fetched (or copied from a cache or an upload).
    Downloading,
    /// Checksums are being checked.
    Verifying,
    /// Installed and usable.
    Done,
    /// It failed; `message` says why.
    Failed,
}

/// A sound device's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// Where speech is heard.
    Microphone,
    /// Where replies are played.
    Speaker,
}

/// Capacity of the bus: a subscriber may fall this many events behind before it loses some.
pub const BUS_CAPACITY: usize = 1024;

/// The broadcast bus. Cheap to clone; every clone publishes to the same subscribers.
#[derive(Debug, Clone)]
pub struct EventBus {
    // The sending half; receivers are made from it on demand.
    tx: broadcast::Sender<Event>,
}

impl EventBus {
    /// A bus with [`BUS_CAPACITY`] slots.
    pub fn new() -> Self {
        Self {
            tx: broadcast::channel(BUS_CAPACITY).0,
        }
    }

    /// Publishes to every current subscriber; having none is not an error.
    pub fn publish(&self, event: Event) {
        let _ = self.tx.send(event);
    }

    /// A receiver for every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}
