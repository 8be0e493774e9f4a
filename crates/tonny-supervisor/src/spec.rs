//! What to run and how to supervise it.

use std::time::Duration;

use tonny_core::breaker::BreakerPolicy;

/// One service to supervise.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    /// Its name in status lines, logs and commands.
    pub name: String,
    /// The program (a path, or a name looked up in `PATH`).
    pub program: String,
    /// Its arguments (never secrets: `ps` shows argv to every user).
    pub args: Vec<String>,
    /// Its environment: the child gets only `PATH`, `HOME`, `LANG` and these (secrets go here).
    pub env: Vec<(String, String)>,
    /// `GET` this for readiness and health (2xx = healthy); `None` means "alive = healthy".
    pub health_url: Option<String>,
    /// After the health URL answers, a WebSocket must also open here to count as ready.
    pub ready_websocket: Option<String>,
    /// Bearer token the probes send, when the service is protected (a secret).
    pub probe_token: Option<String>,
    /// Services that must be running first.
    pub depends_on: Vec<String>,
}

impl std::fmt::Debug for ServiceSpec {
    // The environment may hold secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceSpec")
            .field("name", &self.name)
            .field("program", &self.program)
            .field("args", &self.args)
            .field("env", &self.env.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("health_url", &self.health_url)
            .field("depends_on", &self.depends_on)
            .finish()
    }
}

/// How services are supervised. The defaults are the product's; tests shorten them.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Wait before the first restart; doubles each time, up to `max_backoff`.
    pub first_backoff: Duration,
    /// Longest wait between restarts.
    pub max_backoff: Duration,
    /// At most this many restarts within `restart_window`.
    pub max_restarts: usize,
    /// The window `max_restarts` counts in.
    pub restart_window: Duration,
    /// Opens after repeated failures: no restarts until it lets a trial through.
    pub breaker: BreakerPolicy,
    /// Longest wait for a started service to become ready.
    pub ready_timeout: Duration,
    /// How often a running service's health is checked.
    pub health_interval: Duration,
    /// Health checks failed in a row before a running service is restarted.
    pub unhealthy_after: u32,
    /// SIGTERM → SIGKILL grace period.
    pub stop_grace: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_restarts: 3,
            restart_window: Duration::from_secs(300),
            breaker: BreakerPolicy::default(),
            ready_timeout: Duration::from_secs(120),
            health_interval: Duration::from_secs(5),
            unhealthy_after: 3,
            stop_grace: Duration::from_secs(5),
        }
    }
}

impl Policy {
    /// The wait before restart number `n` (1-based) in a row.
    pub fn backoff(&self, n: u32) -> Duration {
        let exp = n.saturating_sub(1).min(16);
        (self.first_backoff * 2u32.pow(exp)).min(self.max_backoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap() {
        let p = Policy::default();
        let secs: Vec<u64> = (1..=8).map(|n| p.backoff(n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60]);
    }
}
