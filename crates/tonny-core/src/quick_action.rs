//! Quick actions: a phrase the family chose ("good night") mapped to ordered steps — type text,
//! speak text, ask an agent with a fixed prompt, open a URL. The router runs one when an
//! utterance's words are exactly its phrase.

use serde::{Deserialize, Serialize};

use crate::text::core_words;

/// One step of a quick action, stored as JSON (`{"type": "speak", "text": "Good night"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Types `text` into the focused window.
    Type {
        /// What to type.
        text: String,
    },
    /// Says `text` aloud (and shows it).
    Speak {
        /// What to say.
        text: String,
    },
    /// Sends a fixed prompt to the agents, as if the person had said it.
    Ask {
        /// The request.
        prompt: String,
    },
    /// Opens a web page in the default browser.
    OpenUrl {
        /// An `http`/`https` address.
        url: String,
    },
}

/// A named phrase and what it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickAction {
    /// Unique name, used to edit or remove it.
    pub name: String,
    /// What the person says; compared word for word, ignoring case, punctuation and greetings.
    pub phrase: String,
    /// What happens, in order.
    pub steps: Vec<Step>,
    /// Only this profile may use it; `None` means everyone.
    pub profile: Option<String>,
    /// Switched off actions are kept but never matched.
    pub enabled: bool,
}

/// Why a quick action cannot be saved or loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuickActionError {
    /// A step is not one TonnyTray knows, or is missing a field.
    #[error(
        "quick action '{name}': {detail}. Each step is one of \
         {{\"type\":\"type\",\"text\":…}}, {{\"type\":\"speak\",\"text\":…}}, \
         {{\"type\":\"ask\",\"prompt\":…}} or {{\"type\":\"open_url\",\"url\":…}}"
    )]
    BadStep {
        /// The action.
        name: String,
        /// What is wrong with the step, from the JSON reader.
        detail: String,
    },
    /// Something else about it is invalid (empty phrase, no steps, bad URL).
    #[error("quick action '{name}': {detail}")]
    Invalid {
        /// The action.
        name: String,
        /// What to fix.
        detail: String,
    },
}

impl QuickAction {
    /// Reads the stored steps JSON of action `name`.
    pub fn parse_steps(name: &str, json: &str) -> Result<Vec<Step>, QuickActionError> {
        serde_json::from_str(json).map_err(|e| QuickActionError::BadStep {
            name: name.to_owned(),
            detail: e.to_string(),
        })
    }

    /// Reads one step written on the command line as `type:TEXT`, `speak:TEXT`, `ask:PROMPT`
    /// or `open:URL`.
    pub fn parse_step_arg(name: &str, arg: &str) -> Result<Step, QuickActionError> {
        let (kind, value) = arg.split_once(':').unwrap_or((arg, ""));
        let value = value.to_owned();
        Ok(match kind.trim() {
            "type" => Step::Type { text: value },
            "speak" | "say" => Step::Speak { text: value },
            "ask" => Step::Ask { prompt: value },
            "open" | "open_url" => Step::OpenUrl { url: value },
            other => {
                return Err(QuickActionError::BadStep {
                    name: name.to_owned(),
                    detail: format!("unknown step kind '{other}' in '{arg}'"),
                });
            }
        })
    }

    /// Checks the action before it is saved: a phrase with words, at least one step, no empty
    /// text, and web addresses that are `http`/`https`.
    pub fn validate(&self) -> Result<(), QuickActionError> {
        let bad = |detail: String| QuickActionError::Invalid {
            name: self.name.clone(),
            detail,
        };
        if self.name.trim().is_empty() {
            return Err(bad("the name is empty".into()));
        }
        if core_words(&self.phrase).is_empty() {
            return Err(bad(format!(
                "the phrase '{}' has no words to listen for",
                self.phrase
            )));
        }
        if self.steps.is_empty() {
            return Err(bad("it has no steps".into()));
        }
        for (i, step) in self.steps.iter().enumerate() {
            let n = i + 1;
            match step {
                Step::Type { text } | Step::Speak { text } if text.trim().is_empty() => {
                    return Err(bad(format!("step {n} has no text")));
                }
                Step::Ask { prompt } if prompt.trim().is_empty() => {
                    return Err(bad(format!("step {n} has no prompt")));
                }
                Step::OpenUrl { url } => match url::Url::parse(url) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                    _ => {
                        return Err(bad(format!(
                            "step {n}: '{url}' is not a web address (http:// or https://)"
                        )));
                    }
                },
                _ => {}
            }
        }
        Ok(())
    }

    /// True if `text` says this action's phrase (and the action is on).
    pub fn matches(&self, text: &str) -> bool {
        self.enabled && core_words(text) == core_words(&self.phrase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(steps: Vec<Step>) -> QuickAction {
        QuickAction {
            name: "night".into(),
            phrase: "Good night".into(),
            steps,
            profile: None,
            enabled: true,
        }
    }

    #[test]
    fn phrases_match_whole_requests_ignoring_greetings_and_case() {
        let a = action(vec![Step::Speak {
            text: "Sleep well".into(),
        }]);
        assert!(a.matches("Hey Tonny, good NIGHT!"));
        assert!(!a.matches("good night everyone"));
        let off = QuickAction {
            enabled: false,
            ..a
        };
        assert!(!off.matches("good night"));
    }

    #[test]
    fn unknown_steps_are_named_with_the_ones_that_exist() {
        let e = QuickAction::parse_steps("night", r#"[{"type":"dance","text":"x"}]"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown variant `dance`"), "{e}");
        assert!(e.contains("open_url"), "{e}");
        let e = QuickAction::parse_step_arg("night", "dance:now")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown step kind 'dance'"), "{e}");
        let steps = QuickAction::parse_steps("night", r#"[{"type":"speak","text":"hi"}]"#).unwrap();
        assert_eq!(steps, [Step::Speak { text: "hi".into() }]);
    }

    #[test]
    fn validation_names_the_bad_part() {
        let e = action(vec![]).validate().unwrap_err().to_string();
        assert!(e.contains("no steps"), "{e}");
        let e = action(vec![Step::OpenUrl {
            url: "file:///etc/passwd".into(),
        }])
        .validate()
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("step 1") && e.contains("not a web address"),
            "{e}"
        );
        let e = QuickAction {
            phrase: "?!".into(),
            ..action(vec![Step::Type { text: "x".into() }])
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("no words"), "{e}");
        action(vec![
            Step::Type { text: "x".into() },
            Step::OpenUrl {
                url: "https://example.org/".into(),
            },
        ])
        .validate()
        .unwrap();
    }
}
