//! Delivering queued requests: the outbox runner.
//!
//! A request a deferrable agent (n8n, RabbitMQ) could not take is kept in the database
//! ([`tonny_store::Store::enqueue_outbox`]) with its idempotency key. The runner delivers
//! entries oldest first, one backend at a time and never out of order: when an entry fails, the
//! ones behind it for the same backend wait too, and it is retried with backoff (1 s doubling to
//! 60 s). Delivery is at least once: a crash between the backend receiving a request and the
//! store marking it delivered sends it again with the same key, which is what the key is for.
//! Nothing is ever dropped: a backend that refuses an entry (a wrong credential) keeps it at the
//! front, retried every minute, until someone fixes the backend; the person is told once.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tonny_core::agent::AgentRequest;
use tonny_store::OutboxEntry;

use super::{Assistant, AssistantError};

/// The first retry comes this long after a failed delivery; each further one waits twice as
/// long, up to [`MAX_RETRY`].
pub const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The longest wait between two delivery attempts.
pub const MAX_RETRY: Duration = Duration::from_secs(60);
/// The runner looks at the outbox at least this often even when nothing wakes it.
const RESCAN: Duration = Duration::from_secs(60);

/// The wait before attempt `attempt + 1`, after `attempt` failed ones (≥ 1).
pub fn backoff(failed: u32) -> Duration {
    let exp = failed.saturating_sub(1).min(16);
    (FIRST_RETRY * 2u32.pow(exp)).min(MAX_RETRY)
}

/// What is stored for a queued request: the fields every deferrable backend sends.
pub use tonny_providers::agent::request_json as payload;

/// The request a stored entry stands for (context, timers and actions are not kept: a delayed
/// request is delivered as it was said).
pub fn request_from(entry: &OutboxEntry) -> Option<AgentRequest> {
    let p = &entry.payload;
    let s = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
    let now = DateTime::parse_from_rfc3339(&s("timestamp")?).ok()?;
    Some(AgentRequest {
        idempotency_key: entry.idempotency_key.clone(),
        source: s("source").unwrap_or_else(|| "typed".into()),
        speaker: s("speaker"),
        conversation_id: s("conversation_id").unwrap_or_default(),
        ..AgentRequest::new(&s("text")?, &s("profile")?, now)
    })
}

impl Assistant {
    /// Tries every due entry once, oldest first per backend; returns how long until the next
    /// one is due (capped at a minute).
    pub async fn deliver_outbox(&self) -> Result<Duration, AssistantError> {
        let pending = self.store.pending_outbox(None).await?;
        let agents = self.agents();
        let mut held: HashSet<String> = HashSet::new();
        let mut next_due: Option<DateTime<Utc>> = None;
        for entry in pending {
            if held.contains(&entry.backend) {
                continue;
            }
            let Some(agent) = agents.iter().find(|a| a.name() == entry.backend) else {
                // Kept until that backend is configured again.
                held.insert(entry.backend.clone());
                continue;
            };
            if entry.next_attempt_at > Utc::now() {
                next_due =
                    Some(next_due.map_or(entry.next_attempt_at, |n| n.min(entry.next_attempt_at)));
                held.insert(entry.backend.clone());
                continue;
            }
            let Some(request) = request_from(&entry) else {
                tracing::error!(
                    component = "outbox",
                    id = entry.id,
                    "a queued request is unreadable; it stays queued"
                );
                held.insert(entry.backend.clone());
                continue;
            };
            if let Some(retry_at) = self.deliver_one(agent.as_ref(), &entry, &request).await? {
                next_due = Some(next_due.map_or(retry_at, |n| n.min(retry_at)));
                held.insert(entry.backend.clone());
            }
        }
        Ok(next_due
            .map(|due| (due - Utc::now()).to_std().unwrap_or_default())
            .unwrap_or(RESCAN)
            .min(RESCAN))
    }

    /// Tries to deliver one entry; on failure records the attempt and returns when to try
    /// again (the person is told once when the backend refuses rather than being down).
    async fn deliver_one(
        &self,
        agent: &dyn tonny_core::agent::Agent,
        entry: &OutboxEntry,
        request: &AgentRequest,
    ) -> Result<Option<DateTime<Utc>>, AssistantError> {
        let e = match agent.ask(request).await {
            Ok(reply) => {
                if self.store.outbox_delivered(entry.id).await? {
                    tracing::info!(
                        component = "outbox",
                        agent = agent.name(),
                        id = entry.id,
                        attempts = entry.attempts + 1,
                        "queued request delivered"
                    );
                    self.notify(
                        "info",
                        &format!("{} got your earlier request", agent.name()),
                        &format!("“{}”: {}", request.text, reply.text),
                    )
                    .await;
                }
                return Ok(None);
            }
            Err(e) => e,
        };
        let failed = entry.attempts + 1;
        let wait = if e.is_transient() {
            backoff(failed)
        } else {
            MAX_RETRY
        };
        let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
        self.store
            .outbox_attempt_failed(entry.id, &e.to_string(), at)
            .await?;
        tracing::warn!(
            component = "outbox",
            agent = agent.name(),
            id = entry.id,
            attempts = failed,
            "delivery failed, retrying in {} s: {e}",
            wait.as_secs()
        );
        if !e.is_transient() && entry.attempts == 0 {
            self.notify(
                "warn",
                &format!("{} refused a queued request", agent.name()),
                &format!("It stays queued and is retried every minute until this is fixed: {e}"),
            )
            .await;
        }
        Ok(Some(at))
    }

    /// Delivers queued requests until `shutdown` resolves; woken at once when one is queued.
    pub async fn run_outbox(self: Arc<Self>, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let wait = match self.deliver_outbox().await {
                Ok(wait) => wait,
                Err(e) => {
                    tracing::error!(component = "outbox", "could not read the outbox: {e}");
                    RESCAN
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.outbox_changed.notified() => {}
                _ = &mut shutdown => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_to_a_minute() {
        let waits: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(1000), MAX_RETRY);
    }
}
