//! What a profile may ask for: one function the router calls for every request, so the family
//! rules (block list, allow list, quiet hours, daily limit) are decided in one place and every
//! refusal carries a reason a child and a parent both understand.
//!
//! Patterns are globs over the request's words, matched case-insensitively against every run of
//! consecutive words, so `buy *` blocks "please buy a new game" and `youtube` blocks "open
//! youtube now", not only requests that start with them.

use globset::{Glob, GlobMatcher};
use serde::Serialize;

use crate::profile::{Permission, Profile, QuietHours};

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Refusal {
    /// The request matched a pattern on the profile's block list.
    Blocked {
        /// The pattern that matched.
        pattern: String,
    },
    /// A kid or guest profile asked for something not on its allow list.
    NotAllowed,
    /// Inside the profile's quiet hours.
    QuietHours {
        /// The window, like `20:30-07:00`.
        window: String,
    },
    /// The profile used up its requests for today.
    DailyLimit {
        /// The limit.
        limit: u32,
    },
}

impl Refusal {
    /// What TonnyTray says (or types) back, addressed to the person who asked.
    pub fn message(&self, profile: &str) -> String {
        match self {
            Refusal::Blocked { .. } => {
                format!("Sorry {profile}, that is not something I can do for you.")
            }
            Refusal::NotAllowed => {
                format!(
                    "Sorry {profile}, that is not on your list of things I can do. Ask a grown-up to add it."
                )
            }
            Refusal::QuietHours { window } => {
                format!("It's quiet time, {profile} ({window}). I can help you after that.")
            }
            Refusal::DailyLimit { limit } => format!(
                "That's all {limit} requests for today, {profile}. They start again tomorrow."
            ),
        }
    }

    /// The reason for the log and the history, for the parent reading it.
    pub fn reason(&self) -> String {
        match self {
            Refusal::Blocked { pattern } => format!("matched the block list pattern '{pattern}'"),
            Refusal::NotAllowed => "matched no pattern on the allow list".to_owned(),
            Refusal::QuietHours { window } => format!("inside quiet hours {window}"),
            Refusal::DailyLimit { limit } => format!("daily limit of {limit} requests reached"),
        }
    }
}

/// The request's situation: how much the profile has used today and the local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Circumstances {
    /// Requests already served today for this profile.
    pub requests_today: u32,
    /// Local time of day, minutes after midnight.
    pub minute_of_day: u16,
}

/// Decides whether `profile` may make `request`. Order: block list (always, every profile),
/// then for kid and guest profiles the allow list, then quiet hours and the daily limit for
/// any profile that has them set.
pub fn check(profile: &Profile, request: &str, now: Circumstances) -> Result<(), Refusal> {
    let spans = word_runs(&crate::text::words(request));
    if let Some(pattern) = first_match(&profile.blocked_commands, &spans) {
        return Err(Refusal::Blocked { pattern });
    }
    let restricted = matches!(profile.permission, Permission::Kid | Permission::Guest);
    if restricted
        && !profile.allowed_commands.is_empty()
        && first_match(&profile.allowed_commands, &spans).is_none()
    {
        return Err(Refusal::NotAllowed);
    }
    if let Some(q) = profile.quiet_hours
        && in_window(q, now.minute_of_day)
    {
        return Err(Refusal::QuietHours {
            window: q.to_string(),
        });
    }
    if let Some(limit) = profile.daily_limit
        && now.requests_today >= limit
    {
        return Err(Refusal::DailyLimit { limit });
    }
    Ok(())
}

/// Whether `minute` falls in the window (which may wrap past midnight; the end is exclusive).
pub fn in_window(q: QuietHours, minute: u16) -> bool {
    if q.start_min < q.end_min {
        (q.start_min..q.end_min).contains(&minute)
    } else {
        minute >= q.start_min || minute < q.end_min
    }
}

/// Longest run of words a pattern is matched against. Patterns are a few words long (a trailing
/// `*` matches the rest of the run), and the cap keeps a long dictation at a few thousand runs
/// instead of growing with the square of its length.
const MAX_RUN_WORDS: usize = 16;

// Every run of up to MAX_RUN_WORDS consecutive words, joined by spaces: what patterns match.
fn word_runs(words: &[String]) -> Vec<String> {
    (0..words.len())
        .flat_map(|i| {
            (i + 1..=words.len().min(i + MAX_RUN_WORDS)).map(move |j| words[i..j].join(" "))
        })
        .collect()
}

fn first_match(patterns: &[String], runs: &[String]) -> Option<String> {
    patterns.iter().find_map(|p| {
        let matcher = compile(p)?;
        runs.iter().any(|r| matcher.is_match(r)).then(|| p.clone())
    })
}

// Patterns were validated when the profile was saved; one that no longer compiles (edited by
// hand in the database) matches nothing rather than everything.
fn compile(pattern: &str) -> Option<GlobMatcher> {
    let normalized = normalize_pattern(pattern);
    Glob::new(&normalized).ok().map(|g| g.compile_matcher())
}

// Same normalisation as requests, keeping the glob characters.
fn normalize_pattern(pattern: &str) -> String {
    pattern
        .split(|c: char| !(c.is_alphanumeric() || "'’*?[]!-".contains(c)))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kid() -> Profile {
        let mut p = Profile::new("Mia", Permission::Kid).unwrap();
        p.allowed_commands = vec![
            "timer *".into(),
            "what time *".into(),
            "tell me a joke".into(),
        ];
        p.blocked_commands = vec!["buy *".into(), "youtube".into()];
        p.daily_limit = Some(3);
        p.quiet_hours = Some("20:30-07:00".parse().unwrap());
        p
    }

    const NOON: Circumstances = Circumstances {
        requests_today: 0,
        minute_of_day: 12 * 60,
    };

    #[test]
    fn kid_profile_cannot_run_blocked_command_anywhere_in_the_sentence() {
        let refusal = check(&kid(), "Please, BUY me a new game!", NOON).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::Blocked {
                pattern: "buy *".into()
            }
        );
        assert_eq!(
            check(&kid(), "open YouTube now", NOON),
            Err(Refusal::Blocked {
                pattern: "youtube".into()
            })
        );
        // Blocked even when an allowed pattern also matches.
        assert!(check(&kid(), "set a timer and buy candy", NOON).is_err());
        // Deep inside a long request, too.
        let long = format!("{} and then buy a game", "la ".repeat(300));
        assert!(check(&kid(), &long, NOON).is_err());
        assert!(refusal.message("Mia").starts_with("Sorry Mia"));
        assert_eq!(refusal.reason(), "matched the block list pattern 'buy *'");
    }

    #[test]
    fn kid_profile_runs_only_what_the_allow_list_names() {
        assert_eq!(check(&kid(), "Set a timer for ten minutes.", NOON), Ok(()));
        assert_eq!(check(&kid(), "What time is it?", NOON), Ok(()));
        assert_eq!(check(&kid(), "tell me a joke", NOON), Ok(()));
        assert_eq!(
            check(&kid(), "turn off the porch light", NOON),
            Err(Refusal::NotAllowed)
        );
        // A word inside another word is not a match.
        assert_eq!(
            check(&kid(), "what timetable do we have", NOON),
            Err(Refusal::NotAllowed)
        );
    }

    #[test]
    fn quiet_hours_wrap_past_midnight_and_the_daily_limit_counts() {
        let at = |h: u16, m: u16| Circumstances {
            requests_today: 0,
            minute_of_day: h * 60 + m,
        };
        let late = check(&kid(), "what time is it", at(21, 0)).unwrap_err();
        assert_eq!(
            late,
            Refusal::QuietHours {
                window: "20:30-07:00".into()
            }
        );
        assert!(check(&kid(), "what time is it", at(6, 59)).is_err());
        assert!(
            check(&kid(), "what time is it", at(7, 0)).is_ok(),
            "the end is exclusive"
        );
        assert!(check(&kid(), "what time is it", at(20, 29)).is_ok());

        let used = |n| Circumstances {
            requests_today: n,
            minute_of_day: 12 * 60,
        };
        assert!(check(&kid(), "what time is it", used(2)).is_ok());
        let done = check(&kid(), "what time is it", used(3)).unwrap_err();
        assert_eq!(done, Refusal::DailyLimit { limit: 3 });
        assert!(done.message("Mia").contains("all 3 requests for today"));
    }

    #[test]
    fn adults_ignore_allow_lists_but_not_block_lists() {
        let mut dad = kid();
        dad.permission = Permission::User;
        dad.daily_limit = None;
        dad.quiet_hours = None;
        assert_eq!(check(&dad, "turn off the porch light", NOON), Ok(()));
        assert!(check(&dad, "buy more coffee", NOON).is_err());
        let guest = Profile {
            permission: Permission::Guest,
            ..kid()
        };
        assert_eq!(
            check(&guest, "turn off the porch light", NOON),
            Err(Refusal::NotAllowed)
        );
        let open = Profile::new("Sam", Permission::Kid).unwrap();
        assert_eq!(
            check(&open, "anything at all", NOON),
            Ok(()),
            "empty allow list"
        );
    }
}
