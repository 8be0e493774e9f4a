//! Timers and reminders: "set a timer for ten minutes", "remind me in an hour to call grandma",
//! "remind me to feed the cat in 5 minutes", "how long is left", "cancel my timer". The agent
//! only answers and asks for the change ([`Effect::SetTimer`]); storing and firing is the
//! caller's job.

use std::time::Duration;

use tonny_core::agent::{AgentRequest, Effect};
use tonny_core::text::{describe_duration, duration};
use tonny_core::timer::{NewTimer, TimerKind};

use super::{Answer, Intent};

/// The longest timer accepted; longer plans belong in a calendar.
const LONGEST: Duration = Duration::from_secs(7 * 24 * 3600);

fn split(words: &str) -> Vec<String> {
    words.split(' ').map(str::to_owned).collect()
}

// The duration in `words`, also when said as an adjective ("a ten minute timer").
fn spoken_duration(words: &str) -> Option<Duration> {
    duration(&split(words))
}

fn set(request: &AgentRequest, kind: TimerKind, wait: Duration, message: &str) -> Answer {
    if wait > LONGEST {
        return Answer::text(
            "I can only set timers and reminders up to a week ahead; a calendar is better for that.",
        );
    }
    let said = describe_duration(wait);
    let due_at = request.now.to_utc()
        + chrono::Duration::from_std(wait).expect("a week fits in a chrono duration");
    let (label, text) = match kind {
        TimerKind::Timer => (said.clone(), format!("Timer set for {said}.")),
        TimerKind::Reminder => (
            message.to_owned(),
            format!("OK, I'll remind you to {message} in {said}."),
        ),
    };
    Answer {
        text,
        effects: vec![Effect::SetTimer(NewTimer {
            profile: request.profile.clone(),
            kind,
            label,
            due_at,
        })],
    }
}

/// Starts a countdown.
pub struct SetTimer;

impl Intent for SetTimer {
    fn answer(&self, words: &str, request: &AgentRequest) -> Option<Answer> {
        // "set a timer for X", "start a timer for X", "timer for X", "a X timer".
        let rest = [
            "set a timer for ",
            "set timer for ",
            "start a timer for ",
            "start timer for ",
            "set a timer ",
            "timer for ",
            "a timer for ",
        ]
        .iter()
        .find_map(|p| words.strip_prefix(p))
        .map(str::to_owned)
        .or_else(|| {
            let body = words.strip_suffix(" timer")?;
            let body = ["set a ", "start a ", "set ", "start ", "a "]
                .iter()
                .find_map(|p| body.strip_prefix(p))
                .unwrap_or(body);
            Some(body.to_owned())
        })?;
        let wait = spoken_duration(&rest)?;
        Some(set(request, TimerKind::Timer, wait, ""))
    }
}

/// Says a message later.
pub struct Remind;

impl Intent for Remind {
    fn answer(&self, words: &str, request: &AgentRequest) -> Option<Answer> {
        let rest = words
            .strip_prefix("remind me ")
            .or_else(|| words.strip_prefix("set a reminder "))?;
        // "in X to Y" or "to Y in X".
        let (wait, message) = if let Some(after_in) = rest.strip_prefix("in ") {
            let (when, what) = after_in.split_once(" to ")?;
            (spoken_duration(when)?, what.to_owned())
        } else {
            let what = rest.strip_prefix("to ")?;
            let (message, when) = what.rsplit_once(" in ")?;
            (spoken_duration(when)?, message.to_owned())
        };
        if message.trim().is_empty() {
            return None;
        }
        Some(set(request, TimerKind::Reminder, wait, &message))
    }
}

/// Lists pending timers and reminders with the time left.
pub struct ListTimers;

const LIST: &[&str] = &[
    "list timers",
    "list my timers",
    "what timers do i have",
    "what timers are running",
    "how long is left",
    "how much time is left",
    "how long is left on my timer",
    "how much time is left on my timer",
    "what reminders do i have",
    "list reminders",
    "list my reminders",
];

impl Intent for ListTimers {
    fn answer(&self, words: &str, request: &AgentRequest) -> Option<Answer> {
        if !LIST.contains(&words) {
            return None;
        }
        if request.timers.is_empty() {
            return Some(Answer::text("You have no timers or reminders."));
        }
        let now = request.now.to_utc();
        let parts: Vec<String> = request
            .timers
            .iter()
            .map(|t| {
                let left = describe_duration((t.due_at - now).to_std().unwrap_or_default());
                match t.kind {
                    TimerKind::Timer => format!("a timer for {} with {left} left", t.label),
                    TimerKind::Reminder => format!("a reminder to {} in {left}", t.label),
                }
            })
            .collect();
        Some(Answer::text(format!("You have {}.", parts.join("; "))))
    }
}

/// Cancels every pending timer, or every reminder.
pub struct CancelTimers;

impl Intent for CancelTimers {
    fn answer(&self, words: &str, request: &AgentRequest) -> Option<Answer> {
        let rest = words
            .strip_prefix("cancel ")
            .or_else(|| words.strip_prefix("stop "))
            .or_else(|| words.strip_prefix("delete "))?;
        let target = rest
            .trim_start_matches("all ")
            .trim_start_matches("the ")
            .trim_start_matches("my ")
            .trim_start_matches("all ");
        let kind = match target {
            "timer" | "timers" => TimerKind::Timer,
            "reminder" | "reminders" => TimerKind::Reminder,
            _ => return None,
        };
        let ids: Vec<i64> = request
            .timers
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| t.id)
            .collect();
        let what = kind.as_str();
        Some(match ids.len() {
            0 => Answer::text(format!("You have no {what}s to cancel.")),
            1 => Answer {
                text: format!("Your {what} is cancelled."),
                effects: vec![Effect::CancelTimers { ids }],
            },
            n => Answer {
                text: format!("All {n} of your {what}s are cancelled."),
                effects: vec![Effect::CancelTimers { ids }],
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_said_as_adjectives_are_read() {
        assert_eq!(
            spoken_duration("ten minute"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(spoken_duration("five"), None);
    }
}
