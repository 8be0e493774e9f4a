//! Fires stored timers when they fall due: a notification (stored and on the bus) and, when
//! replies are spoken, the announcement read aloud. It sleeps until the next due time — no
//! polling loop — and is woken early when this process adds or cancels a timer. Timers set by
//! another process (a `tonny ask` in a terminal) are picked up within [`RESCAN`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tonny_core::settings::ResponseMode;
use tonny_core::timer::{Timer, TimerKind};

use super::Assistant;

/// The longest the scheduler sleeps without re-reading the table.
pub const RESCAN: Duration = Duration::from_secs(15);

impl Assistant {
    /// Fires every due timer once; returns the announcements made, for logs and tests.
    pub async fn fire_due_timers(&self) -> Result<Vec<String>, tonny_store::StoreError> {
        let now = Utc::now();
        let mut said = Vec::new();
        for timer in self.store.pending_timers(None).await? {
            if timer.due_at > now {
                break;
            }
            // Only the process that marks it fired announces it.
            if self.store.fire_timer(timer.id, now).await? {
                said.push(self.announce(&timer, now - timer.due_at).await);
            }
        }
        Ok(said)
    }

    async fn announce(&self, timer: &Timer, late: chrono::Duration) -> String {
        let line = timer.announcement(late);
        let title = match timer.kind {
            TimerKind::Timer => "Timer done",
            TimerKind::Reminder => "Reminder",
        };
        tracing::info!(id = timer.id, profile = timer.profile, "{line}");
        self.notify("info", title, &line).await;
        if self.voice().is_some() && self.mode() != ResponseMode::TextOnly {
            match self.speak(0, &line).await {
                Ok(speech) => {
                    let _ = speech.done.await;
                }
                Err(why) => tracing::warn!("timer announcement not spoken: {why}"),
            }
        }
        line
    }

    /// Runs the scheduler until `shutdown` resolves. Timers that fell due while TonnyTray was
    /// not running fire at once, saying how late they are.
    pub async fn run_timers(self: Arc<Self>, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.fire_due_timers().await {
                tracing::error!("could not check timers: {e}");
            }
            let next = match self.store.pending_timers(None).await {
                Ok(pending) => pending.first().map(|t| t.due_at),
                Err(_) => None,
            };
            let wait = next
                .and_then(|due| (due - Utc::now()).to_std().ok())
                .unwrap_or_default()
                .min(RESCAN);
            let wait = if next.is_none() { RESCAN } else { wait };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.timers_changed.notified() => {}
                _ = &mut shutdown => return,
            }
        }
    }
}
