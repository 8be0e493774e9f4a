//! "What quick actions do I have?" and "run quick action good night".

use tonny_core::agent::{AgentRequest, Effect};
use tonny_core::text::core_words;

use super::{Answer, Intent};

/// Lists the phrases of the profile's quick actions.
pub struct ListQuickActions;

const LIST: &[&str] = &[
    "list quick actions",
    "list my quick actions",
    "what quick actions do i have",
    "what are my quick actions",
    "quick actions",
];

impl Intent for ListQuickActions {
    fn answer(&self, words: &str, request: &AgentRequest) -> Option<Answer> {
        if !LIST.contains(&words) {
            return None;
        }
        Some(Answer::text(match request.quick_actions.as_slice() {
            [] => "You have no quick actions yet. An admin can add one with `tonny actions add`."
                .to_owned(),
            [one] => format!("You have one quick action: say \"{one}\"."),
            many => format!(
                "You have {} quick actions: {}.",
                many.len(),
                many.iter()
                    .map(|p| format!("\"{p}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }))
    }
}

/// Runs a quick action named after "run quick action" / "run action".
pub struct RunQuickAction;

impl Intent for RunQuickAction {
    fn answer(&self, words: &str, request: &AgentRequest) -> Option<Answer> {
        let wanted = ["run quick action ", "run the quick action ", "run action "]
            .iter()
            .find_map(|p| words.strip_prefix(p))?;
        let found = request
            .quick_actions
            .iter()
            .find(|p| core_words(p) == wanted);
        Some(match found {
            Some(phrase) => Answer {
                text: String::new(),
                effects: vec![Effect::RunQuickAction {
                    phrase: phrase.clone(),
                }],
            },
            None => Answer::text(format!(
                "There is no quick action called \"{wanted}\". Say \"list quick actions\" to hear yours."
            )),
        })
    }
}
