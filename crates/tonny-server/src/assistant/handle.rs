//! One request's way through the assistant: checks, then dictation, a refusal, or the router,
//! agents and effects, then the outputs and the record. Every wait that may be long (the agents,
//! a quick action) gives way to the request's cancellation token, and nothing is delivered once
//! it is cancelled.

use std::time::Instant;

use chrono::{DateTime, FixedOffset, Timelike};
use tokio_util::sync::CancellationToken;
use tonny_core::Profile;
use tonny_core::activity::ActivityStatus;
use tonny_core::agent::AgentReply;
use tonny_core::permissions::{Circumstances, check};
use tonny_core::pipeline::{Event, Turn, UtteranceId};
use tonny_core::router::{Intent, Purpose, Route, route};
use tonny_core::settings::ResponseMode;
use tonny_store::{StageTimings, UsageOutcome};

use super::deliver::Replied;
use super::{
    Assistant, AssistantError, MAX_REQUEST_CHARS, Outcome, Request, Source, TextTarget, VoiceTarget,
};

pub(crate) fn ms(since: Instant) -> u32 {
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

/// What one request knows while it is handled.
pub(crate) struct Handling<'a> {
    pub utterance: UtteranceId,
    pub request: &'a Request,
    pub profile: Profile,
    pub text: &'a str,
    pub started: Instant,
    pub now: DateTime<FixedOffset>,
    pub timings: StageTimings,
    pub cancel: &'a CancellationToken,
}

impl Handling<'_> {
    /// Total time so far, with the transcription before it.
    pub(super) fn total_ms(&self) -> u32 {
        ms(self.started) + self.timings.stt_ms.unwrap_or(0)
    }
}

impl Outcome {
    pub(super) fn new(intent: Intent, status: ActivityStatus, timings: StageTimings) -> Self {
        Self {
            intent,
            status,
            agent: None,
            reply: None,
            refusal: None,
            delivery: None,
            speech_done: None,
            timings,
            first_audio_ms: None,
            voice: None,
            queued: None,
            said_for_caller: Vec::new(),
            shown_for_caller: Vec::new(),
            dictated: None,
        }
    }

    fn with_reply(mut self, replied: Replied, started: Instant) -> Self {
        self.delivery = replied.delivery;
        self.first_audio_ms = replied
            .speech
            .as_ref()
            .map(|s| since(started, s.first_audio));
        self.timings.tts_ms = replied.speech.as_ref().map(|s| s.tts_ms);
        self.voice = replied.speech.as_ref().and_then(|s| s.voice.clone());
        self.speech_done = replied.speech.map(|s| s.done);
        self
    }
}

impl Assistant {
    /// Handles a typed request from start to finish, for a caller that owns no pipeline
    /// (one-shot commands); the daemon's session calls [`Assistant::handle`] itself.
    pub async fn ask_once(&self, text: &str) -> Result<Outcome, AssistantError> {
        self.handle(
            0,
            Request::typed(text, VoiceTarget::Host),
            &CancellationToken::new(),
        )
        .await
    }

    /// Handles `request` as utterance `utterance`, until its outputs have started. With
    /// `cancel` cancelled, it stops where it is, delivers nothing more and is recorded as
    /// cancelled ([`AssistantError::Cancelled`]).
    pub async fn handle(
        &self,
        utterance: UtteranceId,
        request: Request,
        cancel: &CancellationToken,
    ) -> Result<Outcome, AssistantError> {
        if request.voice != VoiceTarget::Host || request.text_target != TextTarget::Host {
            self.targets.lock().expect("targets lock").insert(
                utterance,
                super::deliver::Targets {
                    voice: request.voice,
                    text: request.text_target,
                    said: Vec::new(),
                    shown: Vec::new(),
                },
            );
        }
        // A typed command's reply voice loads while the agents think (a spoken one's started
        // loading when the recording did).
        if request.source == Source::Typed
            && request.purpose == Purpose::Command
            && request.voice == VoiceTarget::Host
            && self.mode() != ResponseMode::TextOnly
            && let Some(voice) = self.voice()
        {
            voice.prepare();
        }
        let result = self.handle_checked(utterance, &request, cancel).await;
        let targets = self
            .targets
            .lock()
            .expect("targets lock")
            .remove(&utterance)
            .unwrap_or_default();
        result.map(|mut outcome| {
            outcome.said_for_caller = targets.said;
            outcome.shown_for_caller = targets.shown;
            outcome
        })
    }

    async fn handle_checked(
        &self,
        utterance: UtteranceId,
        request: &Request,
        cancel: &CancellationToken,
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
        let mut h = Handling {
            utterance,
            request,
            profile,
            text,
            started,
            now: local_now(),
            timings,
            cancel,
        };
        let outcome = match request.purpose {
            Purpose::Dictation => self.dictate(&mut h).await,
            Purpose::Command => self.command(&mut h).await,
        };
        match outcome {
            Err(AssistantError::Cancelled) => {
                self.record_cancelled(&h).await;
                Err(AssistantError::Cancelled)
            }
            other => other,
        }
    }

    /// A command: the family rules, then the router and the agents.
    async fn command(&self, h: &mut Handling<'_>) -> Result<Outcome, AssistantError> {
        let today = h.now.date_naive();
        let used = self.store.usage(&h.profile.name, today).await?;
        let circumstances = Circumstances {
            requests_today: used.requests,
            minute_of_day: (h.now.hour() * 60 + h.now.minute()) as u16,
        };
        if let Err(refusal) = check(&h.profile, h.text, circumstances) {
            self.store
                .count_usage(&h.profile.name, today, UsageOutcome::Blocked, 0)
                .await?;
            let line = refusal.message(&h.profile.name);
            h.timings.route_ms = Some(ms(h.started));
            if h.cancel.is_cancelled() {
                return Err(AssistantError::Cancelled);
            }
            let replied = self.reply(h.utterance, "rules", &line).await;
            h.timings.total_ms = Some(h.total_ms());
            let mut outcome = Outcome::new(Intent::Agent, ActivityStatus::Blocked, h.timings)
                .with_reply(replied, h.started);
            outcome.reply = Some(line);
            outcome.refusal = Some(refusal.clone());
            self.record(h, &outcome, Some(refusal.reason())).await;
            return Ok(outcome);
        }
        let audio_ms = match h.request.source {
            Source::Voice { capture_ms, .. } => u64::from(capture_ms),
            Source::Typed => 0,
        };
        self.store
            .count_usage(&h.profile.name, today, UsageOutcome::Served, audio_ms)
            .await?;
        self.answer(h).await
    }

    /// The router, the agents (or a quick action), the effects, then the reply.
    async fn answer(&self, h: &mut Handling<'_>) -> Result<Outcome, AssistantError> {
        let actions = self.usable_actions(&h.profile).await?;
        let routed = route(h.text, h.request.purpose, &h.profile.name, &actions);
        h.timings.route_ms = Some(ms(h.started));
        let agent_started = Instant::now();
        let (intent, answer, live, queued, status) = match routed {
            Route::QuickAction(action) => {
                let line = tokio::select! {
                    biased;
                    _ = h.cancel.cancelled() => return Err(AssistantError::Cancelled),
                    line = self.run_quick_action(h.utterance, &h.profile, &action, h.now) => line,
                };
                let reply = AgentReply::say("quick action", line);
                (
                    Intent::QuickAction,
                    reply,
                    None,
                    None,
                    ActivityStatus::Success,
                )
            }
            _ => {
                let (asked, live) = self.ask_for(h, &actions).await?;
                let reply = self
                    .apply_effects(h.utterance, &h.profile, asked.reply, h.now)
                    .await;
                let intent = if reply.agent == "local" {
                    Intent::Local
                } else {
                    Intent::Agent
                };
                (intent, reply, live, asked.queued, asked.status)
            }
        };
        h.timings.agent_ms = Some(ms(agent_started));
        if h.cancel.is_cancelled() {
            if let Some(voice) = self.voice() {
                voice.stop();
            }
            return Err(AssistantError::Cancelled);
        }
        self.bus.publish(Event::AgentReply {
            utterance: h.utterance,
            agent: answer.agent.clone(),
            text: answer.text.clone(),
        });
        let replied = match live {
            _ if answer.text.is_empty() => Replied::nothing(),
            // Already speaking: the text goes out too if the mode wants it.
            Some((playing, called)) => Replied {
                delivery: if self.mode() == ResponseMode::Both {
                    self.deliver_reply_text(h.utterance, &answer.text).await
                } else {
                    None
                },
                speech: Some(self.started(h.utterance, playing, called).await),
            },
            None => self.reply(h.utterance, &answer.agent, &answer.text).await,
        };
        h.timings.total_ms = Some(h.total_ms());
        let reply_text = Some(answer.text.clone()).filter(|t| !t.is_empty());
        self.remember(h, reply_text.clone()).await?;
        let mut outcome = Outcome::new(intent, status, h.timings).with_reply(replied, h.started);
        outcome.agent = Some(answer.agent);
        outcome.reply = reply_text;
        outcome.queued = queued;
        self.record(h, &outcome, None).await;
        Ok(outcome)
    }

    /// Asks the agents, giving way to cancellation; a streaming agent's answer is spoken as it
    /// is written. Returns the answer and the speech already playing, if any.
    async fn ask_for(
        &self,
        h: &Handling<'_>,
        actions: &[tonny_core::quick_action::QuickAction],
    ) -> Result<
        (
            super::agents::Asked,
            Option<(tonny_core::output::Playing, Instant)>,
        ),
        AssistantError,
    > {
        let speech = self.live_speech(h.utterance);
        let asking = self.ask_agents_for(
            h.text,
            &h.profile,
            actions,
            h.now,
            Some(h.request),
            speech.as_ref(),
        );
        let asked = tokio::select! {
            biased;
            _ = h.cancel.cancelled() => {
                if let Some(speech) = speech {
                    speech.abort();
                }
                return Err(AssistantError::Cancelled);
            }
            asked = asking => asked?,
        };
        let mut live = None;
        if let Some(speech) = speech {
            let playing = speech.finish().await;
            if asked.streamed {
                live = playing;
            }
        }
        Ok((asked, live))
    }

    /// Adds the exchange to the conversation context.
    pub(super) async fn remember(
        &self,
        h: &Handling<'_>,
        reply: Option<String>,
    ) -> Result<(), AssistantError> {
        let turn = Turn {
            user: h.text.to_owned(),
            reply,
        };
        // A stale utterance (cancelled meanwhile) is not remembered; that is not an error.
        match self.coordinator.remember(h.utterance, turn).await {
            Ok(()) | Err(tonny_core::pipeline::CoordinatorError::Stale { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
