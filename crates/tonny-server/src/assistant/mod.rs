//! The assistant: one request from text to delivered reply.
//!
//! Order for a command: the active profile's rules ([`tonny_core::permissions::check`]; a
//! refusal is said, counted and logged with its reason), usage counted, the router (quick action
//! or agents), the agents in order, the reply's [`Effect`]s applied (a failed effect replaces the
//! reply with what went wrong), the reply delivered as `response.mode` says, the exchange
//! remembered and the activity stored with per-stage timings. Dictation skips the rules (it is
//! not a command) and goes straight to the text output.

mod agents;
mod deliver;
mod effects;
mod heard;
mod live;
pub mod outbox;
pub mod switch;
pub mod timers;

pub use heard::{Heard, HeardOutcome};

use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, FixedOffset, Timelike};
use tokio::sync::{Notify, oneshot};
use tonny_core::agent::{Agent, AgentReply};
use tonny_core::output::{Delivery, TextOutput, VoiceOutput};
use tonny_core::permissions::{Circumstances, Refusal, check};
use tonny_core::pipeline::{
    Coordinator, CoordinatorError, Event, EventBus, Step, Turn, UtteranceId,
};
use tonny_core::router::{Intent, Purpose, Route, route};
use tonny_core::settings::ResponseMode;
use tonny_core::{Profile, Settings};
use tonny_store::{NewActivity, StageTimings, Store, StoreError, UsageOutcome};

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
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The pipeline task stopped or the utterance was replaced.
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
    /// The profile it runs under when the caller has already read the active one (a spoken
    /// request is stored under it first); `None`: the active profile.
    pub profile: Option<Profile>,
}

/// What happened to a request.
#[derive(Debug)]
pub struct Outcome {
    /// What ran.
    pub intent: Intent,
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
    /// Set when the request could not be delivered now and waits in the outbox.
    pub queued: Option<i64>,
    /// With [`VoiceTarget::Caller`]: what would have been spoken, in order, for the caller to
    /// synthesise and play.
    pub said_for_caller: Vec<String>,
}

/// Everything a request needs, shared by the CLI, the daemon and the timer scheduler.
pub struct Assistant {
    pub(crate) store: Arc<dyn Store>,
    // Tried in order; the first that answers wins.
    agents: Vec<Arc<dyn Agent>>,
    pub(crate) text_out: Arc<dyn TextOutput>,
    pub(crate) voice_out: Option<Arc<dyn VoiceOutput>>,
    pub(crate) coordinator: Coordinator,
    pub(crate) bus: EventBus,
    // `response.mode` can change by voice; the rest is read at start.
    pub(crate) settings: Mutex<Settings>,
    // Woken when a timer is added or cancelled, so the scheduler re-reads the table.
    pub(crate) timers_changed: Arc<Notify>,
    // Woken when a request is queued, so the outbox runner tries it.
    pub(crate) outbox_changed: Arc<Notify>,
    // Sent with each agent request; renewed whenever the conversation context starts empty.
    conversation_id: Mutex<String>,
    // Utterances whose spoken reply goes to the caller, with what was said so far.
    pub(crate) caller_voice: Mutex<std::collections::HashMap<UtteranceId, Vec<String>>>,
    pub(crate) metrics: Arc<crate::metrics::Metrics>,
}

fn ms(since: Instant) -> u32 {
    since.elapsed().as_millis().min(u128::from(u32::MAX)) as u32
}

fn since(start: Instant, then: Instant) -> u32 {
    then.saturating_duration_since(start)
        .as_millis()
        .min(u128::from(u32::MAX)) as u32
}

fn local_now() -> DateTime<FixedOffset> {
    chrono::Local::now().fixed_offset()
}

impl Assistant {
    /// An assistant over `store` with `agents` (in fallback order) and the outputs.
    pub fn new(
        store: Arc<dyn Store>,
        settings: Settings,
        agents: Vec<Arc<dyn Agent>>,
        text_out: Arc<dyn TextOutput>,
        voice_out: Option<Arc<dyn VoiceOutput>>,
    ) -> Arc<Self> {
        let bus = EventBus::new();
        let coordinator = Coordinator::spawn(bus.clone(), &settings.conversation);
        Arc::new(Self {
            store,
            agents,
            text_out,
            voice_out,
            coordinator,
            bus,
            settings: Mutex::new(settings),
            timers_changed: Arc::new(Notify::new()),
            outbox_changed: Arc::new(Notify::new()),
            conversation_id: Mutex::new(uuid::Uuid::new_v4().to_string()),
            caller_voice: Mutex::new(std::collections::HashMap::new()),
            metrics: Arc::new(crate::metrics::Metrics::new()),
        })
    }

    /// Counters and latency histograms for `/metrics`.
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// Each agent's circuit-breaker state as a number (0 closed, 1 half-open, 2 open), for
    /// agents that have one.
    pub fn breaker_states(&self) -> Vec<(String, i64)> {
        use tonny_core::breaker::BreakerState;
        self.agents
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

    /// The event bus (state changes, replies, notifications).
    pub fn bus(&self) -> &EventBus {
        &self.bus
    }

    /// The pipeline coordinator, for capture to drive listening and transcription.
    pub fn coordinator(&self) -> &Coordinator {
        &self.coordinator
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// How replies are delivered now (`response.mode`, which a voice command can change).
    pub fn mode(&self) -> ResponseMode {
        self.settings.lock().expect("settings lock").response.mode
    }

    /// Changes how replies are delivered, now and after a restart (a voice command, the tray).
    pub async fn set_mode(&self, mode: ResponseMode) -> Result<(), StoreError> {
        let value = serde_json::to_value(mode).expect("a mode serialises");
        self.store.put_setting("response.mode", &value).await?;
        self.settings.lock().expect("settings lock").response.mode = mode;
        Ok(())
    }

    /// Cuts the reply being spoken and cancels the utterance in progress (the Stop button).
    pub async fn stop(&self) -> Result<(), AssistantError> {
        if let Some(voice) = &self.voice_out {
            voice.stop();
        }
        self.coordinator.cancel().await?;
        Ok(())
    }

    /// Handles a typed request from start to finish (`tonny ask`).
    pub async fn ask(&self, text: &str) -> Result<Outcome, AssistantError> {
        let utterance = self.coordinator.typed().await?;
        self.handle(
            utterance,
            Request {
                text: text.to_owned(),
                purpose: Purpose::Command,
                source: Source::Typed,
                speaker: None,
                voice: VoiceTarget::Host,
                profile: None,
            },
        )
        .await
    }

    /// Handles a request for `utterance`, which must be in the thinking state (after
    /// [`Coordinator::typed`] or a transcript). Moves the pipeline on to speaking or idle.
    pub async fn handle(
        &self,
        utterance: UtteranceId,
        request: Request,
    ) -> Result<Outcome, AssistantError> {
        if request.voice == VoiceTarget::Caller {
            self.caller_voice
                .lock()
                .expect("caller voice lock")
                .insert(utterance, Vec::new());
        }
        let result = self.handle_inner(utterance, &request).await;
        let said = self
            .caller_voice
            .lock()
            .expect("caller voice lock")
            .remove(&utterance)
            .unwrap_or_default();
        match &result {
            Ok(outcome) => {
                let spoken = outcome.speech_done.is_some();
                self.coordinator
                    .step(utterance, Step::Replied { spoken })
                    .await?;
            }
            Err(e) => {
                let _ = self
                    .coordinator
                    .step(utterance, Step::Failed(e.to_string()))
                    .await;
            }
        }
        result.map(|mut outcome| {
            outcome.said_for_caller = said;
            // Speaking → idle when the audio ends, whoever waits for it.
            if let Some(done) = outcome.speech_done.take() {
                let (tx, rx) = oneshot::channel();
                let coordinator = self.coordinator.clone();
                tokio::spawn(async move {
                    let _ = done.await;
                    let _ = coordinator.step(utterance, Step::SpeechFinished).await;
                    let _ = tx.send(());
                });
                outcome.speech_done = Some(rx);
            }
            outcome
        })
    }

    async fn handle_inner(
        &self,
        utterance: UtteranceId,
        request: &Request,
    ) -> Result<Outcome, AssistantError> {
        let started = Instant::now();
        let text = request.text.trim();
        if text.is_empty() {
            return Err(AssistantError::Empty);
        }
        let chars = text.chars().count();
        if chars > MAX_REQUEST_CHARS {
            return Err(AssistantError::TooLong { chars });
        }
        let profile = match &request.profile {
            Some(p) => p.clone(),
            None => self.store.active_profile().await?,
        };
        let now = local_now();
        let mut timings = StageTimings::default();
        if let Source::Voice {
            capture_ms,
            stt_ms,
            endpoint_ms,
            ..
        } = request.source
        {
            timings.capture_ms = Some(capture_ms);
            timings.stt_ms = Some(stt_ms);
            timings.endpoint_ms = endpoint_ms;
        }

        if request.purpose == Purpose::Dictation {
            let delivery = self.deliver_text(text).await;
            timings.route_ms = Some(0);
            timings.total_ms = Some(ms(started) + timings.stt_ms.unwrap_or(0));
            let outcome = Outcome {
                intent: Intent::Dictation,
                agent: None,
                reply: None,
                refusal: None,
                delivery,
                speech_done: None,
                timings,
                first_audio_ms: None,
                queued: None,
                said_for_caller: Vec::new(),
            };
            self.record(request, &profile, &outcome, None).await;
            self.coordinator
                .remember(
                    utterance,
                    Turn {
                        user: text.to_owned(),
                        reply: None,
                    },
                )
                .await?;
            return Ok(outcome);
        }

        // The family rules.
        let today = now.date_naive();
        let used = self.store.usage(&profile.name, today).await?;
        let circumstances = Circumstances {
            requests_today: used.requests,
            minute_of_day: (now.hour() * 60 + now.minute()) as u16,
        };
        if let Err(refusal) = check(&profile, text, circumstances) {
            self.store
                .count_usage(&profile.name, today, UsageOutcome::Blocked, 0)
                .await?;
            let line = refusal.message(&profile.name);
            timings.route_ms = Some(ms(started));
            let replied = self.reply(utterance, "rules", &line).await;
            timings.tts_ms = replied.speech.as_ref().map(|s| s.tts_ms);
            timings.total_ms = Some(ms(started) + timings.stt_ms.unwrap_or(0));
            let outcome = Outcome {
                intent: Intent::Agent,
                agent: None,
                reply: Some(line),
                refusal: Some(refusal.clone()),
                delivery: replied.delivery,
                first_audio_ms: replied
                    .speech
                    .as_ref()
                    .map(|s| since(started, s.first_audio)),
                speech_done: replied.speech.map(|s| s.done),
                timings,
                queued: None,
                said_for_caller: Vec::new(),
            };
            self.record(request, &profile, &outcome, Some(refusal.reason()))
                .await;
            return Ok(outcome);
        }
        let audio_ms = match request.source {
            Source::Voice { capture_ms, .. } => u64::from(capture_ms),
            Source::Typed => 0,
        };
        self.store
            .count_usage(&profile.name, today, UsageOutcome::Served, audio_ms)
            .await?;

        // The router.
        let actions = self.usable_actions(&profile).await?;
        let routed = route(text, request.purpose, &profile.name, &actions);
        timings.route_ms = Some(ms(started));
        let agent_started = Instant::now();
        let mut live = None;
        let mut queued = None;
        let (intent, answer) = match routed {
            Route::QuickAction(action) => {
                let line = self
                    .run_quick_action(utterance, &profile, &action, now)
                    .await;
                (Intent::QuickAction, AgentReply::say("quick action", line))
            }
            _ => {
                // A streaming agent's answer is spoken sentence by sentence as it is written.
                let speech = self.live_speech(utterance);
                let asked = self
                    .ask_agents_for(
                        text,
                        &profile,
                        &actions,
                        now,
                        Some(request),
                        speech.as_ref(),
                    )
                    .await?;
                queued = asked.queued;
                if let Some(speech) = speech {
                    let playing = speech.finish().await;
                    if asked.streamed {
                        live = playing;
                    }
                }
                let reply = self
                    .apply_effects(utterance, &profile, asked.reply, now)
                    .await;
                let intent = if reply.agent == "local" {
                    Intent::Local
                } else {
                    Intent::Agent
                };
                (intent, reply)
            }
        };
        timings.agent_ms = Some(ms(agent_started));
        self.bus.publish(Event::AgentReply {
            utterance,
            agent: answer.agent.clone(),
            text: answer.text.clone(),
        });
        let replied = match live {
            _ if answer.text.is_empty() => deliver::Replied {
                delivery: None,
                speech: None,
            },
            // Already speaking: the text goes out too if the mode wants it.
            Some((playing, called)) => deliver::Replied {
                delivery: if self.mode() == ResponseMode::Both {
                    self.deliver_text(&answer.text).await
                } else {
                    None
                },
                speech: Some(self.started(utterance, playing, called).await),
            },
            None => self.reply(utterance, &answer.agent, &answer.text).await,
        };
        timings.tts_ms = replied.speech.as_ref().map(|s| s.tts_ms);
        timings.total_ms = Some(ms(started) + timings.stt_ms.unwrap_or(0));
        self.coordinator
            .remember(
                utterance,
                Turn {
                    user: text.to_owned(),
                    reply: Some(answer.text.clone()).filter(|t| !t.is_empty()),
                },
            )
            .await?;
        let outcome = Outcome {
            intent,
            agent: Some(answer.agent),
            reply: Some(answer.text).filter(|t| !t.is_empty()),
            refusal: None,
            delivery: replied.delivery,
            first_audio_ms: replied
                .speech
                .as_ref()
                .map(|s| since(started, s.first_audio)),
            speech_done: replied.speech.map(|s| s.done),
            timings,
            queued,
            said_for_caller: Vec::new(),
        };
        self.record(request, &profile, &outcome, None).await;
        Ok(outcome)
    }

    async fn usable_actions(
        &self,
        profile: &Profile,
    ) -> Result<Vec<tonny_core::quick_action::QuickAction>, AssistantError> {
        let mut usable = Vec::new();
        for action in self.store.list_quick_actions().await? {
            match action {
                Ok(a)
                    if a.enabled
                        && a.profile
                            .as_deref()
                            .is_none_or(|p| p.eq_ignore_ascii_case(&profile.name)) =>
                {
                    usable.push(a)
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("skipping a quick action: {e}"),
            }
        }
        Ok(usable)
    }

    // Stores the activity row. A failure to record must not lose the reply already delivered,
    // so it is logged, not returned.
    async fn record(
        &self,
        request: &Request,
        profile: &Profile,
        outcome: &Outcome,
        refused: Option<String>,
    ) {
        let keep_text = self.settings.lock().expect("settings lock").history.enabled;
        let row = NewActivity {
            transcription_id: match request.source {
                Source::Voice {
                    transcription_id, ..
                } => transcription_id,
                Source::Typed => None,
            },
            profile: Some(profile.name.clone()),
            intent: outcome.intent.as_str().to_owned(),
            backend: outcome.agent.clone(),
            request: keep_text.then(|| request.text.clone()),
            response: outcome.reply.clone().filter(|_| keep_text),
            status: if refused.is_some() {
                "blocked"
            } else if outcome.queued.is_some() {
                "queued"
            } else {
                "success"
            }
            .to_owned(),
            error: refused,
            timings: outcome.timings,
        };
        self.metrics
            .request_done(&row.intent, &row.status, &row.timings);
        if let Err(e) = self.store.insert_activity(&row).await {
            tracing::error!("could not store the activity record: {e}");
        }
    }
}
