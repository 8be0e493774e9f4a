//! One service's life cycle, run as a task: wait to be wanted, respect the breaker and the
//! restart limit, spawn, wait for readiness, watch (exit and health), and on failure back off
//! and go round again.

use std::collections::VecDeque;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::process::Child;
use tokio::sync::{broadcast, mpsc, oneshot};
use tonny_core::breaker::{BreakerState, CircuitBreaker};

use crate::{Command, Policy, ServiceEvent, ServiceSpec, ServiceState, child, health};

/// How often readiness is probed while a service starts.
const READY_POLL: Duration = Duration::from_millis(100);

struct Life {
    spec: ServiceSpec,
    policy: Policy,
    commands: mpsc::UnboundedReceiver<Command>,
    state: Arc<Mutex<ServiceState>>,
    events: broadcast::Sender<ServiceEvent>,
    breaker: CircuitBreaker,
    client: reqwest::Client,
    restarts: VecDeque<Instant>,
    failures_in_row: u32,
    last_failure: String,
    pause_reason: String,
    // Whether each dependency is running, in `spec.depends_on` order.
    deps: Vec<(String, Arc<Mutex<ServiceState>>)>,
}

/// Why a run of the child ended.
enum Ended {
    Failed(String),
    Stop(oneshot::Sender<()>),
    Restart,
    Gone,
}

fn exit_reason(status: std::io::Result<ExitStatus>) -> String {
    match status {
        Ok(s) => match (s.code(), std::os::unix::process::ExitStatusExt::signal(&s)) {
            (Some(code), _) => format!("exited with status {code}"),
            (None, Some(sig)) => format!("was killed by signal {sig}"),
            _ => "exited".into(),
        },
        Err(e) => format!("could not be watched ({e})"),
    }
}

impl Life {
    fn set(&self, state: ServiceState) {
        let changed = {
            let mut current = self.state.lock().expect("state lock");
            let changed = *current != state;
            *current = state.clone();
            changed
        };
        if changed {
            tracing::info!(
                component = "supervisor",
                service = self.spec.name.as_str(),
                "{}",
                state.describe()
            );
            let _ = self.events.send(ServiceEvent {
                service: self.spec.name.clone(),
                state,
            });
        }
    }

    // Why the service may not start now, and for how long. Reaching the restart limit trips
    // the breaker, so the next try is its half-open trial rather than the end of the window.
    fn paused(&mut self, now: Instant) -> Option<(String, Duration)> {
        let window = self.policy.restart_window;
        while self
            .restarts
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            self.restarts.pop_front();
        }
        if self.breaker.state(now) == BreakerState::Closed
            && self.restarts.len() >= self.policy.max_restarts
        {
            self.breaker.trip(now);
            self.pause_reason = format!(
                "restarted {} times within {} s",
                self.restarts.len(),
                window.as_secs()
            );
        }
        let wait = self.breaker.allow(now).err()?;
        Some((
            format!(
                "circuit breaker open: {}; last: {}",
                self.pause_reason, self.last_failure
            ),
            wait,
        ))
    }

    // Waits `wait` unless a command comes first; `Some` when it ends the wait early.
    async fn pause(&mut self, wait: Duration) -> Option<Ended> {
        tokio::select! {
            _ = tokio::time::sleep(wait) => None,
            cmd = self.commands.recv() => Some(match cmd {
                None => Ended::Gone,
                Some(Command::Stop(done)) => Ended::Stop(done),
                Some(Command::Restart | Command::Start) => Ended::Restart,
            }),
        }
    }

    fn record_failure(&mut self, reason: &str) -> Duration {
        let now = Instant::now();
        self.failures_in_row += 1;
        self.restarts.push_back(now);
        self.last_failure = reason.to_owned();
        if self.breaker.failure(now) == Some(BreakerState::Open) {
            self.pause_reason =
                format!("{} failures in a row", self.policy.breaker.failures_to_open);
            tracing::warn!(
                component = "supervisor",
                service = self.spec.name.as_str(),
                "circuit breaker opened: {reason}"
            );
        }
        self.policy.backoff(self.failures_in_row)
    }

    // Waits until every dependency runs; `Some` when a command interrupts the wait.
    async fn wait_for_dependencies(&mut self) -> Option<Ended> {
        loop {
            let waiting = self
                .deps
                .iter()
                .find(|(_, s)| !s.lock().expect("state lock").is_running())
                .map(|(n, _)| n.clone());
            let service = waiting?;
            self.set(ServiceState::Waiting { service });
            if let Some(ended) = self.pause(READY_POLL).await {
                return Some(ended);
            }
        }
    }

    async fn ready(&mut self, child: &mut Child) -> Result<(), Ended> {
        let deadline = Instant::now() + self.policy.ready_timeout;
        loop {
            let ok = match &self.spec.health_url {
                None => true,
                Some(url) => health::http_ok(&self.client, url).await,
            };
            let ok = ok
                && match &self.spec.ready_websocket {
                    None => true,
                    Some(url) => {
                        health::websocket_opens(url, self.spec.probe_token.as_deref()).await
                    }
                };
            if ok {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Ended::Failed(format!(
                    "was not ready within {} s",
                    self.policy.ready_timeout.as_secs()
                )));
            }
            tokio::select! {
                status = child.wait() => return Err(Ended::Failed(format!("{} while starting", exit_reason(status)))),
                cmd = self.commands.recv() => match cmd {
                    None => return Err(Ended::Gone),
                    Some(Command::Stop(done)) => return Err(Ended::Stop(done)),
                    Some(Command::Restart) => return Err(Ended::Restart),
                    Some(Command::Start) => {}
                },
                _ = tokio::time::sleep(READY_POLL) => {}
            }
        }
    }

    async fn watch(&mut self, child: &mut Child) -> Ended {
        let mut ticks = tokio::time::interval(self.policy.health_interval);
        ticks.tick().await;
        let mut bad = 0;
        loop {
            tokio::select! {
                // The moment it exits: nothing polls for this.
                status = child.wait() => return Ended::Failed(exit_reason(status)),
                cmd = self.commands.recv() => match cmd {
                    None => return Ended::Gone,
                    Some(Command::Stop(done)) => return Ended::Stop(done),
                    Some(Command::Restart) => return Ended::Restart,
                    Some(Command::Start) => {}
                },
                _ = ticks.tick() => {
                    let Some(url) = &self.spec.health_url else { continue };
                    if health::http_ok(&self.client, url).await {
                        bad = 0;
                        self.failures_in_row = 0;
                        if self.breaker.success(Instant::now()) == Some(BreakerState::Closed) {
                            self.restarts.clear();
                        }
                    } else {
                        bad += 1;
                        if bad >= self.policy.unhealthy_after {
                            return Ended::Failed(format!("stopped answering health checks ({bad} in a row)"));
                        }
                    }
                }
            }
        }
    }
}

/// Runs `spec` until its command channel closes; `deps` are its dependencies' states.
pub(crate) async fn run(
    spec: ServiceSpec,
    policy: Policy,
    commands: mpsc::UnboundedReceiver<Command>,
    state: Arc<Mutex<ServiceState>>,
    events: broadcast::Sender<ServiceEvent>,
    deps: Vec<(String, Arc<Mutex<ServiceState>>)>,
) {
    let mut life = Life {
        breaker: CircuitBreaker::new(policy.breaker),
        spec,
        policy,
        commands,
        state,
        events,
        client: health::client(),
        restarts: VecDeque::new(),
        failures_in_row: 0,
        last_failure: String::new(),
        pause_reason: String::new(),
        deps,
    };
    let mut wanted = false;
    loop {
        if !wanted {
            match life.commands.recv().await {
                None => return,
                Some(Command::Start | Command::Restart) => wanted = true,
                Some(Command::Stop(done)) => {
                    let _ = done.send(());
                    continue;
                }
            }
        }
        if let Some((reason, wait)) = life.paused(Instant::now()) {
            life.set(ServiceState::Failing {
                reason,
                retry_in_secs: wait.as_secs().max(1),
            });
            match life.pause(wait.max(Duration::from_millis(10))).await {
                None | Some(Ended::Restart | Ended::Failed(_)) => continue,
                Some(Ended::Stop(done)) => {
                    wanted = false;
                    life.set(ServiceState::Stopped);
                    let _ = done.send(());
                    continue;
                }
                Some(Ended::Gone) => return,
            }
        }
        if let Some(ended) = life.wait_for_dependencies().await {
            match ended {
                Ended::Stop(done) => {
                    wanted = false;
                    life.set(ServiceState::Stopped);
                    let _ = done.send(());
                }
                Ended::Gone => return,
                Ended::Restart | Ended::Failed(_) => {}
            }
            continue;
        }
        let ended = match child::spawn(&life.spec) {
            Err(e) => Ended::Failed(format!("could not be started ({e})")),
            Ok(mut child) => {
                let pid = child.id().unwrap_or(0);
                life.set(ServiceState::Starting { pid });
                let ended = match life.ready(&mut child).await {
                    Ok(()) => {
                        if life.breaker.success(Instant::now()) == Some(BreakerState::Closed) {
                            life.restarts.clear();
                        }
                        life.set(ServiceState::Running { pid });
                        life.watch(&mut child).await
                    }
                    Err(ended) => ended,
                };
                child::stop_group(&mut child, life.policy.stop_grace).await;
                ended
            }
        };
        match ended {
            Ended::Gone => return,
            Ended::Restart => {}
            Ended::Stop(done) => {
                wanted = false;
                life.set(ServiceState::Stopped);
                let _ = done.send(());
            }
            Ended::Failed(reason) => {
                let wait = life.record_failure(&reason);
                tracing::warn!(
                    component = "supervisor",
                    service = life.spec.name.as_str(),
                    "{reason}"
                );
                if life.paused(Instant::now()).is_some() {
                    continue;
                }
                life.set(ServiceState::Restarting {
                    reason,
                    in_secs: wait.as_secs(),
                });
                match life.pause(wait).await {
                    None | Some(Ended::Restart | Ended::Failed(_)) => {}
                    Some(Ended::Stop(done)) => {
                        wanted = false;
                        life.set(ServiceState::Stopped);
                        let _ = done.send(());
                    }
                    Some(Ended::Gone) => return,
                }
            }
        }
    }
}
