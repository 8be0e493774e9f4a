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
    /// What the person said or typed.
    pub text: String,
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
    /// A request with no conversation, timers or quick actions.
    pub fn new(text: &str, profile: &str, now: DateTime<FixedOffset>) -> Self {
        Self {
            text: text.to_owned(),
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
    /// The agent could not be reached or failed; the message says what to do.
    #[error("{0}")]
    Unavailable(String),
}

/// Something that answers requests. Safe to share between tasks.
#[async_trait]
pub trait Agent: Send + Sync {
    /// The name in settings and messages (`local`, `n8n`, `chat`, `rabbitmq`).
    fn name(&self) -> &str;

    /// Answers one request.
    async fn ask(&self, request: &AgentRequest) -> Result<AgentReply, AgentError>;
}

/// What the person hears when only the local agent is configured and it did not understand.
pub fn no_remote_agent_reply() -> String {
    "I can only do simple things on my own: the time, the date, repeating myself, and your \
     quick actions. No other assistant is set up to answer that; an admin can add one with \
     `tonny config set agent.fallback_order local,chat` (or n8n, rabbitmq) and its secrets."
        .to_owned()
}
