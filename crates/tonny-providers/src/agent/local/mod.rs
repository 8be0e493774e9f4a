//! The built-in agent: works offline and answers a small English grammar, one file per intent
//! (the shape of mini-redis's commands). Anything else is [`AgentError::NotUnderstood`], so the
//! router can pass it to the next agent or explain that none is configured.

mod actions;
mod clock;
mod help;
mod mode;
mod recall;
mod timers;

use async_trait::async_trait;
use tonny_core::agent::{Agent, AgentError, AgentReply, AgentRequest, Effect};
use tonny_core::text::core_words;

/// One thing the local agent understands.
trait Intent: Send + Sync {
    /// Answers `request` if these words are this intent's, else `None`.
    fn answer(&self, words: &str, request: &AgentRequest) -> Option<Answer>;
}

/// What an intent answers: the words, and any change the caller must make.
struct Answer {
    text: String,
    effects: Vec<Effect>,
}

impl Answer {
    fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            effects: Vec::new(),
        }
    }
}

/// The built-in offline agent.
pub struct LocalAgent {
    // Tried in order; the first that answers wins.
    intents: Vec<Box<dyn Intent>>,
}

impl LocalAgent {
    /// The agent with every built-in intent.
    pub fn new() -> Self {
        Self {
            intents: vec![
                Box::new(clock::Time),
                Box::new(clock::Date),
                Box::new(recall::Repeat),
                Box::new(recall::WhatDidISay),
                Box::new(timers::SetTimer),
                Box::new(timers::Remind),
                Box::new(timers::ListTimers),
                Box::new(timers::CancelTimers),
                Box::new(actions::ListQuickActions),
                Box::new(actions::RunQuickAction),
                Box::new(mode::SwitchMode),
                Box::new(help::Help),
            ],
        }
    }
}

impl Default for LocalAgent {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Agent for LocalAgent {
    fn name(&self) -> &str {
        "local"
    }

    async fn ask(&self, request: &AgentRequest) -> Result<AgentReply, AgentError> {
        let core = core_words(&request.text);
        self.intents
            .iter()
            .find_map(|i| i.answer(&core, request))
            .map(|a| AgentReply {
                agent: "local".into(),
                text: a.text,
                effects: a.effects,
            })
            .ok_or_else(|| AgentError::NotUnderstood {
                agent: "the local agent".into(),
            })
    }
}
