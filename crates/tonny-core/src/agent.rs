//! Agents: what answers a request that is not dictation. The router tries the configured ones
//! in order (`agent.fallback_order`) and never names a concrete one.

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::pipeline::Turn;
use crate::settings::ResponseMode;
use crate::timer::{NewTimer, Timer};

/// One request for an agent.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRequest {
    /// Unique per request and kept across retries, so a backend that receives it twice (a retry
    /// after a timeout, the outbox after a restart) can tell and act once.
    pub idempotency_key: String,
    /// What the person said or typed.
    pub text: String,
    /// How it reached us: `voice` or `typed` (or `outbox` on a delayed delivery).
    pub source: String,
    /// The speaker id the speech server reported, if any.
    pub speaker: Option<String>,
    /// Identifies the conversation the request belongs to, for backends that keep their own
    /// context; it changes when TonnyTray forgets the context.
    pub conversation_id: String,
    /// The active profile's name.
    pub profile: String,
    /// Earlier exchanges, oldest first (empty when context is off).
    pub conversation: Vec<Turn>,
    /// The local time the request was made (the clock is read once, by the caller).
    pub now: DateTime<FixedOffset>,
    /// The profile's pending timers and reminders, soonest first.
    pub timers: Vec<Timer>,
    /// The phrases of the quick actions this profile may use.
    pub quick_actions: Vec<String>,
}

impl AgentRequest {
    /// A typed request with a fresh idempotency key and no conversation, timers or quick
    /// actions.
    pub fn new(text: &str, profile: &str, now: DateTime<FixedOffset>) -> Self {
        Self {
            idempotency_key: uuid::Uuid::new_v4().to_string(),
            text: text.to_owned(),
            source: "typed".to_owned(),
            speaker: None,
            conversation_id: String::new(),
            profile: profile.to_owned(),
            conversation: Vec::new(),
            now,
            timers: Vec::new(),
            quick_actions: Vec::new(),
        }
    }
}

/// Something an answer asks the caller to do besides saying it: agents never write to storage
/// or settings themselves, so an agent stays testable with plain values and the caller can
/// refuse or fail the change and correct the reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Store a timer or reminder.
    SetTimer(NewTimer),
    /// Cancel these pending timers.
    CancelTimers {
        /// Their ids.
        ids: Vec<i64>,
    },
    /// Change `response.mode`.
    SetResponseMode(ResponseMode),
    /// Run the quick action with this phrase.
    RunQuickAction {
        /// Its phrase, as listed in the request.
        phrase: String,
    },
}

/// An agent's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentReply {
    /// Which agent answered (`local`, `n8n`, ...).
    pub agent: String,
    /// The answer, to speak and/or type.
    pub text: String,
    /// What the caller must do for the answer to be true.
    pub effects: Vec<Effect>,
}

impl AgentReply {
    /// A plain answer with no effects.
    pub fn say(agent: &str, text: impl Into<String>) -> Self {
        Self {
            agent: agent.to_owned(),
            text: text.into(),
            effects: Vec::new(),
        }
    }
}

/// Why an agent gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The agent does not handle this kind of request; the next one in order may.
    #[error("{agent} does not know how to handle that")]
    NotUnderstood {
        /// The agent asked.
        agent: String,
    },
    /// The agent could not be reached (down, timed out, paused by its circuit breaker): the
    /// same request may work later, so a deferrable agent's request is queued.
    #[error("{0}")]
    Unavailable(String),
    /// The agent was reached but did not answer in time: like [`AgentError::Unavailable`]
    /// (the request may be queued and retried), but recorded as a timeout.
    #[error("{0}")]
    TimedOut(String),
    /// The agent was reached and refused or failed the request (wrong key, workflow error):
    /// sending it again will not help until someone fixes the backend. The message says what
    /// to fix.
    #[error("{0}")]
    Rejected(String),
}

impl AgentError {
    /// True when trying again later may work.
    pub fn is_transient(&self) -> bool {
        matches!(self, AgentError::Unavailable(_) | AgentError::TimedOut(_))
    }
}

/// Something that answers requests. Safe to share between tasks.
#[async_trait]
pub trait Agent: Send + Sync {
    /// The name in settings and messages (`local`, `n8n`, `chat`, `rabbitmq`).
    fn name(&self) -> &str;

    /// Answers one request.
    async fn ask(&self, request: &AgentRequest) -> Result<AgentReply, AgentError>;

    /// Answers one request, sending the answer's text to `pieces` as it is produced so speech
    /// can start before the answer is complete. The returned reply holds the whole text. Agents
    /// that cannot stream send it in one piece.
    async fn ask_streaming(
        &self,
        request: &AgentRequest,
        pieces: &tokio::sync::mpsc::UnboundedSender<String>,
    ) -> Result<AgentReply, AgentError> {
        let reply = self.ask(request).await?;
        let _ = pieces.send(reply.text.clone());
        Ok(reply)
    }

    /// True when [`Agent::ask_streaming`] really streams (its answer arrives in pieces), so the
    /// caller speaks it as it comes; false when the answer arrives whole and is spoken after
    /// the caller has applied its effects.
    fn streams(&self) -> bool {
        false
    }

    /// True when a request that could not be delivered may be queued and delivered later
    /// (an automation webhook or a message topic), false when an answer is only useful now.
    fn deferrable(&self) -> bool {
        false
    }

    /// The circuit breaker in front of this agent, if it has one (for status and metrics).
    fn breaker_state(&self) -> Option<crate::breaker::BreakerState> {
        None
    }
}

/// What the person hears when only the local agent is configured and it did not understand.
pub fn no_remote_agent_reply() -> String {
    "I can only do simple things on my own: the time, the date, repeating myself, and your \
     quick actions. No other assistant is set up to answer that; an admin can add one with \
     `tonny config set agent.fallback_order local,chat` (or n8n, rabbitmq) and its secrets."
        .to_owned()
}
