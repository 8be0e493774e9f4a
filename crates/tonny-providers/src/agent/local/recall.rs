//! "Repeat that" and "What did I just say?", from the conversation context.

use tonny_core::agent::AgentRequest;

use super::{Answer, Intent};

/// Says the last reply again.
pub struct Repeat;

const REPEAT: &[&str] = &[
    "repeat",
    "repeat that",
    "repeat that again",
    "say that again",
    "say it again",
    "what did you say",
    "what did you just say",
    "come again",
];

impl Intent for Repeat {
    fn answer(&self, words: &str, request: &AgentRequest) -> Option<Answer> {
        REPEAT
            .contains(&words)
            .then(|| {
                request
                    .conversation
                    .iter()
                    .rev()
                    .find_map(|t| t.reply.clone())
                    .unwrap_or_else(|| "I haven't said anything yet.".to_owned())
            })
            .map(Answer::text)
    }
}

/// Says back the person's previous request.
pub struct WhatDidISay;

const WHAT_DID_I_SAY: &[&str] = &[
    "what did i just say",
    "what did i say",
    "what was my last question",
    "what did i ask",
    "what did i just ask",
];

impl Intent for WhatDidISay {
    fn answer(&self, words: &str, request: &AgentRequest) -> Option<Answer> {
        WHAT_DID_I_SAY
            .contains(&words)
            .then(|| match request.conversation.last() {
                Some(turn) => format!("You said: {}", turn.user),
                None => "I don't remember anything you said before this.".to_owned(),
            })
            .map(Answer::text)
    }
}
