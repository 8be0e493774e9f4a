//! Backend health as events: after each request, every agent's circuit breaker is compared with
//! what was last announced, and each change becomes an [`Event::BackendHealth`] (the tray and
//! the web UI show a backend that is paused without polling for it).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;
use tonny_core::breaker::BreakerState;
use tonny_core::pipeline::{BackendKind, Event};

use crate::assistant::Assistant;

/// Announces agents' breaker changes until `shutdown`.
pub async fn watch_breakers(assistant: Arc<Assistant>, shutdown: CancellationToken) {
    let mut bus = assistant.bus().subscribe();
    let mut known: HashMap<String, BreakerState> = HashMap::new();
    loop {
        let event = tokio::select! {
            _ = shutdown.cancelled() => return,
            e = bus.recv() => e,
        };
        match event {
            Ok(Event::RequestFinished { .. }) | Err(RecvError::Lagged(_)) => {}
            Ok(_) => continue,
            Err(RecvError::Closed) => return,
        }
        for agent in assistant.agents().iter() {
            let Some(state) = agent.breaker_state() else {
                continue;
            };
            let name = agent.name().to_owned();
            let before = known.insert(name.clone(), state);
            // A closed breaker seen first is the normal state: not news.
            if before.unwrap_or(BreakerState::Closed) == state {
                continue;
            }
            assistant.bus().publish(Event::BackendHealth {
                kind: BackendKind::Agent,
                backend: name,
                reachable: state == BreakerState::Closed,
                breaker: Some(state),
                detail: (state == BreakerState::Open)
                    .then(|| "paused after repeated failures; tried again shortly".to_owned()),
            });
        }
    }
}
