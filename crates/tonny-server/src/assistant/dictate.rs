//! Dictation: the focused application (or the person) picks how the words are written, the
//! local clean-up runs, the chat assistant may polish it within its time limit, and the text is
//! typed. Whatever the rewrite does, the person's words arrive: a slow, failed or odd rewrite
//! gives way to the local text.

use std::time::Instant;

use serde::Serialize;
use tonny_core::Permission;
use tonny_core::activity::ActivityStatus;
use tonny_core::agent::AgentRequest;
use tonny_core::dictation::{AppRules, DictationMode, clean_up};
use tonny_core::router::Intent;

use super::handle::Handling;
use super::{Assistant, AssistantError, Outcome};

/// How one dictation was written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dictated {
    /// The mode used.
    pub mode: DictationMode,
    /// What chose it.
    pub chosen_by: ChosenBy,
    /// The focused application, when the desktop said.
    pub app: Option<String>,
    /// What became of the chat rewrite.
    pub rewrite: Rewrite,
    /// Time the local clean-up took, in microseconds.
    pub cleanup_us: u64,
    /// The text typed (before `typing.trailing`).
    pub text: String,
}

/// What chose a dictation's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChosenBy {
    /// The caller asked for it (`tonny dictate --mode`).
    Asked,
    /// A `dictation.apps` rule for the focused application.
    App,
    /// `dictation.mode`: no rule matched, or the application is unknown.
    Default,
}

/// What became of the chat rewrite of one dictation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Rewrite {
    /// Not asked for (`dictation.rewrite` off, or a verbatim mode).
    Off,
    /// Not for this profile (a kid's, unless `dictation.rewrite_for_kids`).
    NotForThisProfile,
    /// The assistant's text was typed.
    Used {
        /// How long it took.
        ms: u32,
    },
    /// The time limit passed; the local text was typed.
    TimedOut {
        /// The limit.
        after_ms: u32,
    },
    /// The assistant failed or answered something that is not an edit; the local text was
    /// typed.
    Failed {
        /// Why.
        why: String,
    },
}

/// Whether `edited` can stand for `original`: not empty, and not an answer many times
/// longer than what was said.
fn plausible_edit(original: &str, edited: &str) -> bool {
    let (a, b) = (original.chars().count(), edited.chars().count());
    b > 0 && b <= a * 2 + 40
}

/// A chat answer's text without the quotes or fences models like to wrap edits in.
fn unwrapped(answer: &str) -> &str {
    let t = answer.trim();
    let t = t
        .strip_prefix("```")
        .and_then(|r| r.strip_suffix("```"))
        .map_or(t, str::trim);
    for (open, close) in [('"', '"'), ('“', '”')] {
        if let Some(inner) = t.strip_prefix(open).and_then(|r| r.strip_suffix(close))
            && !inner.contains(open)
        {
            return inner.trim();
        }
    }
    t
}

impl Assistant {
    /// Dictation: written as the mode says, typed, remembered, recorded.
    pub(super) async fn dictate(&self, h: &mut Handling<'_>) -> Result<Outcome, AssistantError> {
        let dictated = self.write_dictation(h).await;
        if h.cancel.is_cancelled() {
            return Err(AssistantError::Cancelled);
        }
        let delivery = if dictated.text.is_empty() {
            // Everything said was taken back ("scratch that"): nothing to type.
            None
        } else {
            self.deliver_text(&dictated.text).await
        };
        h.timings.route_ms = Some(0);
        h.timings.total_ms = Some(h.total_ms());
        let status = if delivery.is_some() || dictated.text.is_empty() {
            ActivityStatus::Success
        } else {
            ActivityStatus::Failed
        };
        let mut outcome = Outcome::new(Intent::Dictation, status, h.timings);
        outcome.delivery = delivery;
        outcome.dictated = Some(dictated);
        self.record(h, &outcome, None).await;
        self.remember(h, None).await?;
        Ok(outcome)
    }

    /// The mode (asked for, the focused application's, or the default) and the text in it.
    async fn write_dictation(&self, h: &Handling<'_>) -> Dictated {
        let settings = self.settings.current();
        let app = self.text_output().focused_app().await;
        let (mode, chosen_by) = match (h.request.dictation_mode, &app) {
            (Some(mode), _) => (mode, ChosenBy::Asked),
            (None, Some(app)) => match AppRules::parse(&settings.dictation.apps)
                .ok()
                .and_then(|rules| rules.mode_for(app).map(|(mode, _)| mode))
            {
                Some(mode) => (mode, ChosenBy::App),
                None => (settings.dictation.mode, ChosenBy::Default),
            },
            (None, None) => (settings.dictation.mode, ChosenBy::Default),
        };
        let started = Instant::now();
        let local = clean_up(h.text, mode);
        let cleanup_us = started.elapsed().as_micros().min(u128::from(u64::MAX)) as u64;
        let (text, rewrite) = if mode == DictationMode::Verbatim || !settings.dictation.rewrite {
            (local, Rewrite::Off)
        } else if h.profile.permission == Permission::Kid && !settings.dictation.rewrite_for_kids {
            (local, Rewrite::NotForThisProfile)
        } else {
            self.rewritten(h, local, settings.dictation.rewrite_timeout_ms)
                .await
        };
        Dictated {
            mode,
            chosen_by,
            app: app.map(|a| a.label().to_owned()),
            rewrite,
            cleanup_us,
            text,
        }
    }

    /// `local` as the chat assistant edits it within `limit_ms`, else `local` and why.
    async fn rewritten(&self, h: &Handling<'_>, local: String, limit_ms: u32) -> (String, Rewrite) {
        let Some(editor) = self.rewriter() else {
            return (local, Rewrite::Off);
        };
        if local.trim().is_empty() {
            return (local, Rewrite::Off);
        }
        let mut request = AgentRequest::new(&local, &h.profile.name, h.now);
        request.source = "dictation".into();
        let started = Instant::now();
        let limit = std::time::Duration::from_millis(u64::from(limit_ms));
        let rewrite = match tokio::time::timeout(limit, editor.ask(&request)).await {
            Err(_) => Rewrite::TimedOut { after_ms: limit_ms },
            Ok(Err(e)) => Rewrite::Failed { why: e.to_string() },
            Ok(Ok(reply)) if !plausible_edit(&local, unwrapped(&reply.text)) => Rewrite::Failed {
                why: "the assistant answered instead of editing".into(),
            },
            Ok(Ok(reply)) => {
                let ms = started.elapsed().as_millis().min(u128::from(u32::MAX)) as u32;
                return (unwrapped(&reply.text).to_owned(), Rewrite::Used { ms });
            }
        };
        tracing::warn!(?rewrite, "dictation typed without the chat rewrite");
        (local, rewrite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_is_unwrapped_and_an_answer_is_not_taken_for_one() {
        assert_eq!(unwrapped("  \"Hello, Sam.\" "), "Hello, Sam.");
        assert_eq!(unwrapped("```\nHello.\n```"), "Hello.");
        assert_eq!(unwrapped("\"a\" and \"b\""), "\"a\" and \"b\"");
        assert!(plausible_edit("see you at ten", "See you at ten."));
        assert!(!plausible_edit("hi", ""));
        assert!(!plausible_edit(
            "what is the capital of France",
            &"The capital of France is Paris, a city of many museums. ".repeat(3)
        ));
    }
}
