//! The built-in agent: works offline and answers a small English grammar, one file per intent
//! (the shape of mini-redis's commands). Anything else is [`AgentError::NotUnderstood`], so the
//! router can pass it to the next agent or explain that none is configured.

mod clock;
mod help;
mod recall;

use async_trait::async_trait;
use tonny_core::agent::{Agent, AgentError, AgentReply, AgentRequest};
use tonny_core::text::words;

/// One thing the local agent understands.
trait Intent: Send + Sync {
    /// Answers `request` if these words are this intent's, else `None`.
    fn answer(&self, words: &str, request: &AgentRequest) -> Option<String>;
}

/// Words people put around a request that do not change it ("hey Tonny, please ...").
const LEADING: &[&str] = &[
    "hey tonny",
    "ok tonny",
    "tonny",
    "hey",
    "please",
    "can you",
    "could you",
    "would you",
];
const TRAILING: &[&str] = &["please", "thanks", "thank you", "tonny"];

/// The request's words with greetings and politeness removed, joined by single spaces.
fn core_words(text: &str) -> String {
    let mut s = words(text).join(" ");
    loop {
        let before = s.len();
        for lead in LEADING {
            if let Some(rest) = s.strip_prefix(lead)
                && (rest.is_empty() || rest.starts_with(' '))
            {
                s = rest.trim_start().to_owned();
            }
        }
        for trail in TRAILING {
            if let Some(rest) = s.strip_suffix(trail)
                && (rest.is_empty() || rest.ends_with(' '))
            {
                s = rest.trim_end().to_owned();
            }
        }
        if s.len() == before {
            return s;
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
            .map(|text| AgentReply {
                agent: "local".into(),
                text,
            })
            .ok_or_else(|| AgentError::NotUnderstood {
                agent: "the local agent".into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_and_politeness_are_not_part_of_the_request() {
        assert_eq!(
            core_words("Hey Tonny, what time is it, please?"),
            "what time is it"
        );
        assert_eq!(core_words("Tonny please could you help"), "help");
        assert_eq!(core_words("Please."), "");
        assert_eq!(
            core_words("heyday"),
            "heyday",
            "only whole words are stripped"
        );
    }
}
