//! A circuit breaker: stop calling a backend that keeps failing, try again later.
//!
//! Every remote backend (each agent, the speech server, a supervised service) has one, so a dead
//! service costs one quick "paused" answer instead of a timeout per request. The policy is the
//! one the design fixes: open after [`BreakerPolicy::failures_to_open`] consecutive failures,
//! let one trial call through (half-open) after [`BreakerPolicy::open_for`], close again after
//! [`BreakerPolicy::successes_to_close`] successes in a row.
//!
//! Hand-written rather than taken from a crate: the candidates (`failsafe`, `recloser`) close on
//! the first half-open success and tie the breaker to wrapping a future, while we need the
//! two-success rule, a clock passed in (tests and the supervisor drive time themselves) and the
//! state readable for status displays. It is a small state machine over plain values.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// When a breaker opens and closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Consecutive failures that open the breaker.
    pub failures_to_open: u32,
    /// How long it stays open before one trial call is let through.
    pub open_for: Duration,
    /// Successes in a row, after opening, that close it again.
    pub successes_to_close: u32,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            failures_to_open: 3,
            open_for: Duration::from_secs(30),
            successes_to_close: 2,
        }
    }
}

/// Where a breaker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are refused until the wait is over.
    Open,
    /// The wait is over: calls go through on trial; a failure opens it again.
    HalfOpen,
}

impl BreakerState {
    /// The lowercase name for status lines.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half-open",
        }
    }
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    failures: u32,
    successes: u32,
    opened_at: Option<Instant>,
}

/// One backend's breaker. Safe to share; every method takes the current time.
#[derive(Debug)]
pub struct CircuitBreaker {
    policy: BreakerPolicy,
    inner: Mutex<Inner>,
}

impl CircuitBreaker {
    /// A closed breaker with `policy`.
    pub fn new(policy: BreakerPolicy) -> Self {
        Self {
            policy,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                failures: 0,
                successes: 0,
                opened_at: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The state at `now` (an open breaker whose wait is over reads as half-open).
    pub fn state(&self, now: Instant) -> BreakerState {
        let mut inner = self.lock();
        self.advance(&mut inner, now);
        inner.state
    }

    fn advance(&self, inner: &mut Inner, now: Instant) {
        if inner.state == BreakerState::Open
            && inner
                .opened_at
                .is_some_and(|at| now.duration_since(at) >= self.policy.open_for)
        {
            inner.state = BreakerState::HalfOpen;
            inner.successes = 0;
        }
    }

    /// May a call go out at `now`? `Err` carries how long until the next trial.
    pub fn allow(&self, now: Instant) -> Result<(), Duration> {
        let mut inner = self.lock();
        self.advance(&mut inner, now);
        match inner.state {
            BreakerState::Closed | BreakerState::HalfOpen => Ok(()),
            BreakerState::Open => {
                let waited = inner.opened_at.map_or(Duration::ZERO, |at| now - at);
                Err(self.policy.open_for.saturating_sub(waited))
            }
        }
    }

    /// Records a call that worked. Returns the new state when it changed.
    pub fn success(&self, now: Instant) -> Option<BreakerState> {
        let mut inner = self.lock();
        self.advance(&mut inner, now);
        inner.failures = 0;
        if inner.state == BreakerState::HalfOpen {
            inner.successes += 1;
            if inner.successes >= self.policy.successes_to_close {
                inner.state = BreakerState::Closed;
                inner.opened_at = None;
                return Some(BreakerState::Closed);
            }
        }
        None
    }

    /// Opens the breaker now whatever its count (a caller's own limit was reached, such as too
    /// many restarts in a window).
    pub fn trip(&self, now: Instant) {
        let mut inner = self.lock();
        inner.state = BreakerState::Open;
        inner.opened_at = Some(now);
        inner.successes = 0;
    }

    /// Records a call that failed. Returns the new state when it changed.
    pub fn failure(&self, now: Instant) -> Option<BreakerState> {
        let mut inner = self.lock();
        self.advance(&mut inner, now);
        match inner.state {
            BreakerState::HalfOpen => {
                inner.state = BreakerState::Open;
                inner.opened_at = Some(now);
                inner.successes = 0;
                Some(BreakerState::Open)
            }
            BreakerState::Closed => {
                inner.failures += 1;
                if inner.failures >= self.policy.failures_to_open {
                    inner.state = BreakerState::Open;
                    inner.opened_at = Some(now);
                    Some(BreakerState::Open)
                } else {
                    None
                }
            }
            BreakerState::Open => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_three_failures_and_needs_two_successes_to_close() {
        let b = CircuitBreaker::new(BreakerPolicy::default());
        let t0 = Instant::now();
        assert_eq!(b.failure(t0), None);
        assert_eq!(b.failure(t0), None);
        assert!(b.allow(t0).is_ok());
        assert_eq!(b.failure(t0), Some(BreakerState::Open));
        let wait = b.allow(t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(20));

        let t1 = t0 + Duration::from_secs(30);
        assert_eq!(b.state(t1), BreakerState::HalfOpen);
        assert!(b.allow(t1).is_ok());
        // A half-open failure re-opens at once, for another full wait.
        assert_eq!(b.failure(t1), Some(BreakerState::Open));
        assert!(b.allow(t1 + Duration::from_secs(29)).is_err());

        let t2 = t1 + Duration::from_secs(30);
        assert_eq!(b.success(t2), None);
        assert_eq!(b.state(t2), BreakerState::HalfOpen);
        assert_eq!(b.success(t2), Some(BreakerState::Closed));
        assert_eq!(b.state(t2), BreakerState::Closed);
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let b = CircuitBreaker::new(BreakerPolicy::default());
        let t = Instant::now();
        b.failure(t);
        b.failure(t);
        b.success(t);
        b.failure(t);
        b.failure(t);
        assert_eq!(b.state(t), BreakerState::Closed);
    }
}
