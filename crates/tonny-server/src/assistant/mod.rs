//! The assistant: one request from text to delivered reply.
//!
//! Order for a command: the active profile's rules ([`tonny_core::permissions::check`]; a
//! refusal is said, counted and logged with its reason), usage counted, the router (quick action
//! or agents), the agents in order, the reply's [`tonny_core::agent::Effect`]s applied (a failed
//! effect replaces the reply with what went wrong), the reply delivered as `response.mode` says,
//! the exchange remembered and the activity stored with per-stage timings. Dictation skips the
//! rules (it is not a command) and goes straight to the text output.
//!
//! The assistant never steps the pipeline's state machine: the daemon's session does, around
//! each call. Each request carries a cancellation token; a cancelled request is abandoned
//! wherever it is (the agent's answer is dropped unheard), never typed or spoken, and recorded
//! as cancelled. Its parts (agents, voice, text output) are replaced while it runs when
//! settings or secrets change; each request uses the parts it started with.
//!
//! # Layout
//! - [`handle`]: a request's way through rules, router, agents and outputs.
//! - [`heard`]: a transcript stored and handled as a request.
//! - `agents`: asking the agents in order and queueing for a backend that is down.
//! - `effects`: what an answer asks for (timers, response mode, quick actions).
//! - [`dictate`]: dictation written in the mode the focused application wants, optionally
//!   polished by the chat assistant, and typed.
//! - `deliver`: typing and speaking, never silently.
//! - `live`: speaking a streamed answer while it is written.
//! - `record`: the activity row and the request-finished event.
//! - [`outbox`], [`timers`], [`switch`]: queued requests, due timers, profile switches.

mod agents;
mod deliver;
pub mod dictate;
mod effects;
pub mod handle;
mod heard;
mod live;
pub mod outbox;
mod record;
pub mod switch;
pub mod timers;

pub use heard::{Heard, HeardOutcome};

use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::{Notify, oneshot};
use tonny_core::activity::ActivityStatus;
use tonny_core::agent::Agent;
use tonny_core::output::{Delivery, TextOutput, VoiceOutput};
use tonny_core::permissions::Refusal;
use tonny_core::pipeline::{Coordinator, CoordinatorError, EventBus, UtteranceId};
use tonny_core::router::{Intent, Purpose};
use tonny_core::settings::{DictationMode, ResponseMode};
use tonny_core::{Profile, Settings};
use tonny_store::{StageTimings, Store, StoreError};

use crate::settings::{ChangeError, LiveSettings};

/// The longest request accepted, in characters; longer text is almost always a paste by
/// mistake, and no agent answers it well.
pub const MAX_REQUEST_CHARS: usize = 5_000;

/// Why a request could not be handled at all (a refusal or an agent failure is an answer, not
/// an error).
#[derive(Debug, thiserror::Error)]
pub enum AssistantError {
    /// Nothing to do.
    #[error("the request is empty; say or type what you want")]
    Empty,
    /// Over [`MAX_REQUEST_CHARS`].
    #[error(
        "the request is {chars} characters long; requests are limited to {MAX_REQUEST_CHARS}. \
         Shorten it, or put a summary in the request and the details somewhere the agent can read"
    )]
    TooLong {
        /// Its length.
        chars: usize,
    },
    /// The person cancelled it; nothing was typed or spoken, and it was recorded as cancelled.
    #[error("the request was cancelled")]
    Cancelled,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The conversation context could not be read (the daemon is stopping).
    #[error(transparent)]
    Pipeline(#[from] CoordinatorError),
}

/// Where a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// Typed (`tonny ask`, the UI's text box).
    #[default]
    Typed,
    /// Spoken and transcribed.
    Voice {
        /// The stored transcription.
        transcription_id: Option<i64>,
        /// Recording time up to the end of speech.
        capture_ms: u32,
        /// End of speech to transcript.
        stt_ms: u32,
        /// End of speech to the end of the recording (voice-activity endpointing).
        endpoint_ms: Option<u32>,
    },
}

/// Where a request's spoken reply is played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VoiceTarget {
    /// This machine's speakers (the hotkey, `tonny ask`).
    #[default]
    Host,
    /// Whoever asked plays it (the web UI's Talk button): the host stays quiet and the text to
    /// say is handed back in [`Outcome::said_for_caller`].
    Caller,
    /// Not spoken at all (`--silent`): the reply is text only.
    Silent,
}

/// Where a request's text reply goes (dictation is always typed on this machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextTarget {
    /// Typed into this machine's focused window (the hotkey, the tray).
    #[default]
    Host,
    /// Handed back to whoever asked, who shows it (the web UI, the `tonny` command): typing it
    /// into the focused window — the very window the request was typed in — would be wrong.
    Caller,
}

/// Where a request's reply goes (its voice and its text), and for dictation how the text is
/// written when the caller chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplyTo {
    /// Where it is spoken.
    pub voice: VoiceTarget,
    /// Where its text goes.
    pub text: TextTarget,
    /// The dictation mode the caller asked for (`tonny dictate --mode`); `None`: the focused
    /// application's.
    pub dictation_mode: Option<DictationMode>,
}

impl ReplyTo {
    /// The browser's Talk button: the page shows the text and plays the speech.
    pub const CALLER: ReplyTo = ReplyTo {
        voice: VoiceTarget::Caller,
        text: TextTarget::Caller,
        dictation_mode: None,
    };
    /// This machine's outputs (the hotkey, the tray).
    pub const HOST: ReplyTo = ReplyTo {
        voice: VoiceTarget::Host,
        text: TextTarget::Host,
        dictation_mode: None,
    };
}

/// One request.
#[derive(Debug, Clone)]
pub struct Request {
    /// What was said or typed.
    pub text: String,
    /// Type it, or do it.
    pub purpose: Purpose,
    /// Typed or spoken.
    pub source: Source,
    /// The speaker id the speech engine reported, if any.
    pub speaker: Option<String>,
    /// Where the spoken reply goes.
    pub voice: VoiceTarget,
    /// Where the text reply goes.
    pub text_target: TextTarget,
    /// The profile it runs under when the caller has already read the active one (a spoken
    /// request is stored under it first); `None`: the active profile.
    pub profile: Option<Profile>,
    /// For dictation, the mode the caller asked for (`tonny dictate --mode`); `None`: the
    /// focused application's, else `dictation.mode`.
    pub dictation_mode: Option<DictationMode>,
}

impl Request {
    /// A typed command whose text reply goes back to the caller (`tonny ask`, the UI's text
    /// box), spoken on this machine unless `voice` says otherwise.
    pub fn typed(text: &str, voice: VoiceTarget) -> Self {
        Self {
            text: text.to_owned(),
            purpose: Purpose::Command,
            source: Source::Typed,
            speaker: None,
            voice,
            text_target: TextTarget::Caller,
            profile: None,
            dictation_mode: None,
        }
    }
}

/// What happened to a request.
#[derive(Debug)]
pub struct Outcome {
    /// What ran.
    pub intent: Intent,
    /// How it ended, as recorded.
    pub status: ActivityStatus,
    /// Which agent answered, if one did.
    pub agent: Option<String>,
    /// The reply said and/or shown (the refusal, for a refused request).
    pub reply: Option<String>,
    /// Set when the family rules refused the request.
    pub refusal: Option<Refusal>,
    /// How text was delivered (dictation, or a text reply).
    pub delivery: Option<Delivery>,
    /// Resolves when the spoken reply has finished; `None` when nothing is spoken.
    pub speech_done: Option<oneshot::Receiver<()>>,
    /// Per-stage durations, as stored.
    pub timings: StageTimings,
    /// From the start of handling (the transcript) to the first reply sample queued for
    /// playback; `None` when nothing was spoken.
    pub first_audio_ms: Option<u32>,
    /// The voice that spoke the reply on this machine.
    pub voice: Option<String>,
    /// Set when the request could not be delivered now and waits in the outbox.
    pub queued: Option<i64>,
    /// With [`VoiceTarget::Caller`]: what would have been spoken, in order, for the caller to
    /// synthesise and play.
    pub said_for_caller: Vec<String>,
    /// With [`TextTarget::Caller`]: every text the caller is to show, in order (a quick
    /// action's steps, then the reply).
    pub shown_for_caller: Vec<String>,
    /// For dictation: how the text was written.
    pub dictated: Option<dictate::Dictated>,
}

/// Everything a request needs, shared by the daemon's session, the timer scheduler, the outbox
/// runner and one-shot commands.
pub struct Assistant {
    pub(crate) store: Arc<dyn Store>,
    // Tried in order; the first that answers wins. Replaced when their settings change.
    agents: RwLock<Arc<Vec<Arc<dyn Agent>>>>,
    // The chat assistant as an editor of dictation, when `dictation.rewrite` is on.
    rewriter: RwLock<Option<Arc<dyn Agent>>>,
    text_out: RwLock<Arc<dyn TextOutput>>,
    voice_out: RwLock<Option<Arc<dyn VoiceOutput>>>,
    // For the conversation context only: the session steps the state machine.
    pub(crate) coordinator: Coordinator,
    pub(crate) bus: EventBus,
    // Read per request: history, response mode.
    pub(crate) settings: LiveSettings,
    // Woken when a timer is added or cancelled, so the scheduler re-reads the table.
    pub(crate) timers_changed: Arc<Notify>,
    // Woken when a request is queued, so the outbox runner tries it.
    pub(crate) outbox_changed: Arc<Notify>,
    // Sent with each agent request; renewed whenever the conversation context starts empty.
    conversation_id: Mutex<String>,
    // Utterances whose reply does not go to this machine's outputs (or not all of it).
    pub(crate) targets: Mutex<std::collections::HashMap<UtteranceId, deliver::Targets>>,
    pub(crate) metrics: Arc<crate::metrics::Metrics>,
}

/// The parts an assistant starts with.
pub struct AssistantParts {
    /// Agents in fallback order.
    pub agents: Vec<Arc<dyn Agent>>,
    /// The chat assistant that rewrites dictation, when `dictation.rewrite` is on.
    pub rewriter: Option<Arc<dyn Agent>>,
    /// Where typed text goes.
    pub text_out: Arc<dyn TextOutput>,
    /// This machine's voice, if replies are spoken here.
    pub voice_out: Option<Arc<dyn VoiceOutput>>,
}

impl Assistant {
    /// An assistant over `store`, reading `settings` per request, with `parts`; it keeps the
    /// conversation context in `coordinator` and announces on `bus`.
    pub fn new(
        store: Arc<dyn Store>,
        settings: LiveSettings,
        coordinator: Coordinator,
        bus: EventBus,
        parts: AssistantParts,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            agents: RwLock::new(Arc::new(parts.agents)),
            rewriter: RwLock::new(parts.rewriter),
            text_out: RwLock::new(parts.text_out),
            voice_out: RwLock::new(parts.voice_out),
            coordinator,
            bus,
            settings,
            timers_changed: Arc::new(Notify::new()),
            outbox_changed: Arc::new(Notify::new()),
            conversation_id: Mutex::new(uuid::Uuid::new_v4().to_string()),
            targets: Mutex::new(std::collections::HashMap::new()),
            metrics: Arc::new(crate::metrics::Metrics::new()),
        })
    }

    /// Counters and latency histograms for `/metrics`.
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// The agents now, in fallback order (a snapshot: a request keeps the list it started with).
    pub fn agents(&self) -> Arc<Vec<Arc<dyn Agent>>> {
        Arc::clone(&self.agents.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Replaces the agents (after `agent.*` settings or their secrets changed).
    pub fn set_agents(&self, agents: Vec<Arc<dyn Agent>>) {
        *self.agents.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(agents);
    }

    /// This machine's voice now, if replies are spoken here.
    pub fn voice(&self) -> Option<Arc<dyn VoiceOutput>> {
        self.voice_out
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the voice (after `tts.*`, the speaker or the ElevenLabs key changed); a reply
    /// still playing on the old one is cut.
    pub fn set_voice(&self, voice: Option<Arc<dyn VoiceOutput>>) {
        let old = std::mem::replace(
            &mut *self.voice_out.write().unwrap_or_else(|e| e.into_inner()),
            voice,
        );
        if let Some(old) = old {
            old.stop();
        }
    }

    /// Where typed text goes now.
    pub(crate) fn text_output(&self) -> Arc<dyn TextOutput> {
        Arc::clone(&self.text_out.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The dictation editor, if one is set.
    pub fn rewriter(&self) -> Option<Arc<dyn Agent>> {
        self.rewriter
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the dictation editor (after `dictation.*`, `chat.*` or the chat key changed).
    pub fn set_rewriter(&self, rewriter: Option<Arc<dyn Agent>>) {
        *self.rewriter.write().unwrap_or_else(|e| e.into_inner()) = rewriter;
    }

    /// Replaces the text output (after `typing.*` changed).
    pub fn set_text_output(&self, out: Arc<dyn TextOutput>) {
        *self.text_out.write().unwrap_or_else(|e| e.into_inner()) = out;
    }

    /// Each agent's circuit-breaker state as a number (0 closed, 1 half-open, 2 open), for
    /// agents that have one.
    pub fn breaker_states(&self) -> Vec<(String, i64)> {
        use tonny_core::breaker::BreakerState;
        self.agents()
            .iter()
            .filter_map(|a| {
                a.breaker_state().map(|b| {
                    let n = match b {
                        BreakerState::Closed => 0,
                        BreakerState::HalfOpen => 1,
                        BreakerState::Open => 2,
                    };
                    (a.name().to_owned(), n)
                })
            })
            .collect()
    }

    /// Tells the timer scheduler the table changed (a timer was cancelled from the API).
    pub fn wake_timers(&self) {
        self.timers_changed.notify_one();
    }

    /// The event bus (state changes, replies, notifications).
    pub fn bus(&self) -> &EventBus {
        &self.bus
    }

    /// The conversation context's keeper.
    pub fn coordinator(&self) -> &Coordinator {
        &self.coordinator
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The settings in effect now.
    pub fn settings(&self) -> Arc<Settings> {
        self.settings.current()
    }

    /// How replies are delivered now (`response.mode`, which a voice command can change).
    pub fn mode(&self) -> ResponseMode {
        self.settings.current().response.mode
    }

    /// Changes how replies are delivered, now and after a restart (a voice command, the tray),
    /// through the one settings path, so everyone is told.
    pub async fn set_mode(&self, mode: ResponseMode) -> Result<(), ChangeError> {
        let value = serde_json::to_value(mode).expect("a mode serialises");
        let patch = serde_json::Map::from_iter([("response.mode".to_owned(), value)]);
        self.settings.patch(&patch).await.map(|_| ())
    }
}
