//! "What time is it?" and "What's the date?", from the request's own timestamp.

use chrono::{Datelike, Timelike};
use tonny_core::agent::AgentRequest;

use super::{Answer, Intent};

/// The time of day.
pub struct Time;

const TIME: &[&str] = &[
    "what time is it",
    "what time is it now",
    "what time is it right now",
    "what's the time",
    "what is the time",
    "tell me the time",
    "the time",
    "time",
    "current time",
    "do you know what time it is",
];

impl Intent for Time {
    fn answer(&self, words: &str, request: &AgentRequest) -> Option<Answer> {
        TIME.contains(&words)
            .then(|| {
                let t = request.now;
                let (pm, hour) = t.hour12();
                let minute = t.minute();
                let clock = match minute {
                    0 => hour.to_string(),
                    m => format!("{hour}:{m:02}"),
                };
                format!("It's {clock} {}.", if pm { "PM" } else { "AM" })
            })
            .map(Answer::text)
    }
}

/// Today's date.
pub struct Date;

const DATE: &[&str] = &[
    "what's the date",
    "what is the date",
    "what's the date today",
    "what is the date today",
    "what's today's date",
    "what is today's date",
    "what day is it",
    "what day is it today",
    "what day is today",
    "what's today",
    "what is today",
    "today's date",
    "date",
];

impl Intent for Date {
    fn answer(&self, words: &str, request: &AgentRequest) -> Option<Answer> {
        DATE.contains(&words)
            .then(|| {
                let d = request.now.date_naive();
                format!(
                    "Today is {}, {} {}, {}.",
                    d.format("%A"),
                    d.format("%B"),
                    d.day(),
                    d.year()
                )
            })
            .map(Answer::text)
    }
}
