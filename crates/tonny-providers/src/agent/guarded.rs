//! An agent behind a circuit breaker: after repeated failures it is not called for a while, so
//! a dead backend costs an immediate "paused" answer (and a queued request) instead of a
//! timeout per request.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedSender;
use tonny_core::agent::{Agent, AgentError, AgentReply, AgentRequest};
use tonny_core::breaker::{BreakerPolicy, BreakerState, CircuitBreaker};

/// Wraps an agent with a [`CircuitBreaker`]. Only transient failures (unreachable, timeouts,
/// busy) count against it: a refusal means the backend is up.
pub struct Guarded {
    inner: Arc<dyn Agent>,
    breaker: CircuitBreaker,
}

impl Guarded {
    /// `inner` behind a breaker with `policy`.
    pub fn new(inner: Arc<dyn Agent>, policy: BreakerPolicy) -> Self {
        Self {
            inner,
            breaker: CircuitBreaker::new(policy),
        }
    }

    /// The breaker's state now, for status displays.
    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.state(Instant::now())
    }

    fn before(&self) -> Result<(), AgentError> {
        self.breaker.allow(Instant::now()).map_err(|wait| {
            AgentError::Unavailable(format!(
                "{} failed several times in a row, so it is paused; the next try is in {} s",
                self.inner.name(),
                wait.as_secs().max(1)
            ))
        })
    }

    fn after<T>(&self, result: &Result<T, AgentError>) {
        let now = Instant::now();
        let change = match result {
            Err(e) if e.is_transient() => self.breaker.failure(now),
            _ => self.breaker.success(now),
        };
        match change {
            Some(BreakerState::Open) => tracing::warn!(
                component = "agent",
                agent = self.inner.name(),
                "circuit breaker opened: the backend is paused after repeated failures"
            ),
            Some(state) => tracing::info!(
                component = "agent",
                agent = self.inner.name(),
                state = state.as_str(),
                "circuit breaker changed"
            ),
            None => {}
        }
    }
}

#[async_trait]
impl Agent for Guarded {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn breaker_state(&self) -> Option<BreakerState> {
        Some(Guarded::breaker_state(self))
    }

    async fn ask(&self, request: &AgentRequest) -> Result<AgentReply, AgentError> {
        self.before()?;
        let result = self.inner.ask(request).await;
        self.after(&result);
        result
    }

    async fn ask_streaming(
        &self,
        request: &AgentRequest,
        pieces: &UnboundedSender<String>,
    ) -> Result<AgentReply, AgentError> {
        self.before()?;
        let result = self.inner.ask_streaming(request, pieces).await;
        self.after(&result);
        result
    }

    fn streams(&self) -> bool {
        self.inner.streams()
    }

    fn deferrable(&self) -> bool {
        self.inner.deferrable()
    }
}
