//! Timers and reminders: what the local agent sets and the scheduler fires. They are stored
//! (they must survive a restart), so they carry absolute UTC due times, never durations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A countdown ("set a timer for ten minutes") or a reminder with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimerKind {
    /// Rings when the time is up.
    Timer,
    /// Says its message when the time is up.
    Reminder,
}

impl TimerKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::Timer => "timer",
            TimerKind::Reminder => "reminder",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "timer" => Some(TimerKind::Timer),
            "reminder" => Some(TimerKind::Reminder),
            _ => None,
        }
    }
}

/// A timer to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewTimer {
    /// Whose it is; it is announced whoever is active when it fires.
    pub profile: String,
    /// Timer or reminder.
    pub kind: TimerKind,
    /// How the person said the duration ("ten minutes"), or the reminder's message.
    pub label: String,
    /// When it fires.
    pub due_at: DateTime<Utc>,
}

/// A stored timer that has not fired yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timer {
    /// Database id.
    pub id: i64,
    /// Whose it is.
    pub profile: String,
    /// Timer or reminder.
    pub kind: TimerKind,
    /// The spoken duration, or the reminder's message.
    pub label: String,
    /// When it fires.
    pub due_at: DateTime<Utc>,
    /// When it was set.
    pub created_at: DateTime<Utc>,
}

impl Timer {
    /// The line spoken and shown when it fires. `late` is how far past due it is (a timer that
    /// fell due while TonnyTray was not running fires at the next start and says so).
    pub fn announcement(&self, late: chrono::Duration) -> String {
        let mut line = match self.kind {
            TimerKind::Timer => format!("Your timer for {} is done.", self.label),
            TimerKind::Reminder => format!("Reminder: {}.", self.label.trim_end_matches('.')),
        };
        if late >= chrono::Duration::minutes(1) {
            line.push_str(&format!(
                " It was due {} ago, while I was not running.",
                crate::text::describe_duration(std::time::Duration::from_secs(
                    late.num_minutes().max(0) as u64 * 60
                ))
            ));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timer(kind: TimerKind, label: &str) -> Timer {
        let t = Utc::now();
        Timer {
            id: 1,
            profile: "sam".into(),
            kind,
            label: label.into(),
            due_at: t,
            created_at: t,
        }
    }

    #[test]
    fn announcements_say_what_fired_and_how_late() {
        let t = timer(TimerKind::Timer, "10 minutes");
        assert_eq!(
            t.announcement(chrono::Duration::seconds(2)),
            "Your timer for 10 minutes is done."
        );
        let r = timer(TimerKind::Reminder, "feed the cat.");
        assert_eq!(
            r.announcement(chrono::Duration::minutes(90)),
            "Reminder: feed the cat. It was due 1 hour and 30 minutes ago, while I was not running."
        );
        assert_eq!(
            TimerKind::parse(TimerKind::Reminder.as_str()),
            Some(TimerKind::Reminder)
        );
    }
}
