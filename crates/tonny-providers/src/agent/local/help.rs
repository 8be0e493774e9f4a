//! "Help" / "What can you do?".

use tonny_core::agent::AgentRequest;

use super::{Answer, Intent};

/// Lists what the local agent can do.
pub struct Help;

const HELP: &[&str] = &[
    "help",
    "help me",
    "what can you do",
    "what can i say",
    "what can i ask",
    "what can i ask you",
];

impl Intent for Help {
    fn answer(&self, words: &str, _request: &AgentRequest) -> Option<Answer> {
        HELP.contains(&words).then(|| {
            "You can ask me the time or the date, set a timer (\"set a timer for ten minutes\"), \
             set a reminder (\"remind me in an hour to call grandma\"), ask how long is left or \
             cancel it, list or run your quick actions, switch to voice only or text only, ask me \
             to repeat that, or ask what you just said. Anything else goes to the assistant your \
             family set up, if there is one."
                .to_owned()
        })
        .map(Answer::text)
    }
}
