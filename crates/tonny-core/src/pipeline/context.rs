//! Conversation context: the last few exchanges, so a follow-up ("and tomorrow?") reaches the
//! agent with what it follows. Memory only: it is never written anywhere, so turning history
//! off loses nothing that was promised.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

/// One exchange: what the person said and what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Turn {
    /// The person's words (transcript or typed text).
    pub user: String,
    /// The reply, if there was one (dictation has none).
    pub reply: Option<String>,
}

/// Why the context was emptied (shown to the person and logged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClearReason {
    /// The person asked ("new conversation", the UI's button).
    Asked,
    /// Nothing was said for the configured idle time.
    Idle,
}

/// The last `capacity` turns, forgotten after `idle_limit` without a new one.
#[derive(Debug)]
pub struct Conversation {
    // Oldest first; never longer than `capacity`.
    turns: VecDeque<Turn>,
    // 0 keeps no context at all.
    capacity: usize,
    // `None` never forgets.
    idle_limit: Option<Duration>,
    // When the newest turn was added.
    last_turn: Option<Instant>,
}

impl Conversation {
    /// Context from the `conversation.*` settings.
    pub fn new(capacity: u32, idle_minutes: u32) -> Self {
        Self {
            turns: VecDeque::new(),
            capacity: capacity as usize,
            idle_limit: (idle_minutes > 0)
                .then(|| Duration::from_secs(u64::from(idle_minutes) * 60)),
            last_turn: None,
        }
    }

    /// Adds a turn, dropping the oldest beyond capacity.
    pub fn remember(&mut self, turn: Turn, now: Instant) {
        if self.capacity == 0 {
            return;
        }
        if self.turns.len() == self.capacity {
            self.turns.pop_front();
        }
        self.turns.push_back(turn);
        self.last_turn = Some(now);
    }

    /// The turns, oldest first.
    pub fn turns(&self) -> impl Iterator<Item = &Turn> {
        self.turns.iter()
    }

    /// Number of turns held.
    pub fn len(&self) -> usize {
        self.turns.len()
    }

    /// True when there is no context.
    pub fn is_empty(&self) -> bool {
        self.turns.is_empty()
    }

    /// When the context will be forgotten if nothing new is said, if ever.
    pub fn expires_at(&self) -> Option<Instant> {
        match (self.last_turn, self.idle_limit) {
            (Some(t), Some(limit)) if !self.turns.is_empty() => Some(t + limit),
            _ => None,
        }
    }

    /// Applies new `conversation.*` settings to the context held: the oldest turns beyond the
    /// new capacity are dropped, and the new idle time counts from the newest turn.
    pub fn reconfigure(&mut self, capacity: u32, idle_minutes: u32) {
        let fresh = Self::new(capacity, idle_minutes);
        self.capacity = fresh.capacity;
        self.idle_limit = fresh.idle_limit;
        while self.turns.len() > self.capacity {
            self.turns.pop_front();
        }
        if self.turns.is_empty() {
            self.last_turn = None;
        }
    }

    /// Forgets everything; returns whether there was anything to forget.
    pub fn clear(&mut self) -> bool {
        let had = !self.turns.is_empty();
        self.turns.clear();
        self.last_turn = None;
        had
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(n: usize) -> Turn {
        Turn {
            user: format!("question {n}"),
            reply: Some(format!("answer {n}")),
        }
    }

    #[test]
    fn keeps_only_the_newest_turns() {
        let mut c = Conversation::new(2, 5);
        let now = Instant::now();
        for n in 1..=3 {
            c.remember(turn(n), now);
        }
        let users: Vec<_> = c.turns().map(|t| t.user.as_str()).collect();
        assert_eq!(users, ["question 2", "question 3"]);
    }

    #[test]
    fn zero_length_keeps_nothing_and_zero_minutes_never_expires() {
        let now = Instant::now();
        let mut none = Conversation::new(0, 5);
        none.remember(turn(1), now);
        assert!(none.is_empty());
        let mut forever = Conversation::new(3, 0);
        forever.remember(turn(1), now);
        assert_eq!(forever.expires_at(), None);
    }

    #[test]
    fn expiry_follows_the_newest_turn() {
        let mut c = Conversation::new(3, 5);
        let t0 = Instant::now();
        assert_eq!(c.expires_at(), None, "nothing to forget yet");
        c.remember(turn(1), t0);
        c.remember(turn(2), t0 + Duration::from_secs(60));
        assert_eq!(c.expires_at(), Some(t0 + Duration::from_secs(360)));
        assert!(c.clear());
        assert!(!c.clear(), "already empty");
        assert_eq!(c.expires_at(), None);
    }
}
