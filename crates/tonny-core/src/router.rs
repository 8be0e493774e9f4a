//! What an utterance becomes. Dictation is chosen by how the person started (the dictation
//! hotkey or `tonny dictate`), never guessed from the words; a request whose words are a quick
//! action's phrase runs that action; everything else goes to the agents in order.

use serde::Serialize;

use crate::quick_action::QuickAction;

/// How the person started the utterance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Type what I say.
    Dictation,
    /// Do what I say.
    Command,
}

/// Where an utterance goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Type the text.
    Dictation,
    /// Run this quick action.
    QuickAction(QuickAction),
    /// Ask the agents, in the configured order.
    Agents,
}

/// What ran for a request, as stored in the activity history (`activity.intent`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Typed as dictation.
    Dictation,
    /// A quick action ran.
    QuickAction,
    /// The built-in local agent answered.
    Local,
    /// A remote agent answered (or was asked).
    #[default]
    Agent,
}

impl std::str::FromStr for Intent {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Intent::Dictation,
            Intent::QuickAction,
            Intent::Local,
            Intent::Agent,
        ]
        .into_iter()
        .find(|i| i.as_str() == s)
        .ok_or_else(|| format!("{s:?} is not an intent (dictation, quick_action, local, agent)"))
    }
}

impl Intent {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Dictation => "dictation",
            Intent::QuickAction => "quick_action",
            Intent::Local => "local",
            Intent::Agent => "agent",
        }
    }
}

/// Routes `text`. `actions` are the quick actions `profile` may use (others are skipped here
/// too, so a list with everyone's actions is safe to pass).
pub fn route(text: &str, purpose: Purpose, profile: &str, actions: &[QuickAction]) -> Route {
    if purpose == Purpose::Dictation {
        return Route::Dictation;
    }
    actions
        .iter()
        .filter(|a| {
            a.profile
                .as_deref()
                .is_none_or(|p| p.eq_ignore_ascii_case(profile))
        })
        .find(|a| a.matches(text))
        .map_or(Route::Agents, |a| Route::QuickAction(a.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quick_action::Step;

    fn action(name: &str, phrase: &str, profile: Option<&str>) -> QuickAction {
        QuickAction {
            name: name.into(),
            phrase: phrase.into(),
            steps: vec![Step::Speak { text: name.into() }],
            profile: profile.map(str::to_owned),
            enabled: true,
        }
    }

    #[test]
    fn dictation_is_chosen_by_purpose_and_phrases_pick_quick_actions() {
        let actions = [
            action("mine", "movie time", Some("Mia")),
            action("all", "good night", None),
        ];
        assert_eq!(
            route("good night", Purpose::Dictation, "sam", &actions),
            Route::Dictation
        );
        assert_eq!(
            route("Good night!", Purpose::Command, "sam", &actions),
            Route::QuickAction(actions[1].clone())
        );
        assert_eq!(
            route("movie time", Purpose::Command, "mia", &actions),
            Route::QuickAction(actions[0].clone())
        );
        assert_eq!(
            route("movie time", Purpose::Command, "sam", &actions),
            Route::Agents,
            "another profile's action is not run"
        );
        assert_eq!(
            route("what time is it", Purpose::Command, "sam", &actions),
            Route::Agents
        );
    }
}
