//! Child-process supervision: TonnyTray starts the services it depends on (first the
//! WhisperLiveKit server), watches them, restarts them when they die, and stops them cleanly.
//!
//! - Spawned directly (no shell), in their own process group, with a controlled environment
//!   (secrets go in the environment, never in argv, where `ps` would show them).
//! - Ready when `GET` on the health URL answers 2xx and, if given, a WebSocket opens.
//! - Death is noticed the moment the child exits (we wait on it; nothing polls), and a child
//!   that stops answering health checks is treated as dead.
//! - Restarts back off (1 s doubling to 60 s), at most 3 in 5 minutes; a circuit breaker opens
//!   after 3 failures in a row (no restarts for 30 s), lets one trial through, and closes after
//!   2 successes (ready, then a passing health check).
//! - Stop: SIGTERM to the group, SIGKILL after 5 s, so nothing the service spawned is left.
//! - Every stdout/stderr line is logged through `tracing` with the service name as the
//!   `component` (the store's log layer puts it in the `logs` table); status changes are sent as
//!   [`ServiceEvent`]s.
//!
//! # Layout
//! - [`spec`]: what to run ([`ServiceSpec`]) and how to supervise it ([`Policy`]).
//! - [`child`]: spawning, log capture and stopping a process group.
//! - [`health`]: readiness and health probes.
//! - [`service`]: the task that runs one service's life cycle.

pub mod child;
pub mod health;
pub mod service;
pub mod spec;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::{broadcast, mpsc};

pub use spec::{Policy, ServiceSpec};

/// Where a service is in its life cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ServiceState {
    /// Not running and not wanted.
    Stopped,
    /// Wanted, but waiting for a service it depends on to run.
    Waiting {
        /// The dependency it waits for.
        service: String,
    },
    /// Spawned, waiting for it to become ready.
    Starting {
        /// The child's process id.
        pid: u32,
    },
    /// Ready and passing health checks.
    Running {
        /// The child's process id.
        pid: u32,
    },
    /// It exited or failed; restarting after a pause.
    Restarting {
        /// Why the last run ended.
        reason: String,
        /// Seconds until the next start.
        in_secs: u64,
    },
    /// Paused after failing repeatedly (the circuit breaker is open, or the restart limit was
    /// reached); tried again later.
    Failing {
        /// Why it is paused.
        reason: String,
        /// Seconds until the next try.
        retry_in_secs: u64,
    },
}

impl ServiceState {
    /// True when the service answers.
    pub fn is_running(&self) -> bool {
        matches!(self, ServiceState::Running { .. })
    }

    /// One line for a status display.
    pub fn describe(&self) -> String {
        match self {
            ServiceState::Stopped => "stopped".into(),
            ServiceState::Waiting { service } => format!("waiting for {service}"),
            ServiceState::Starting { pid } => format!("starting (pid {pid})"),
            ServiceState::Running { pid } => format!("running (pid {pid})"),
            ServiceState::Restarting { reason, in_secs } => {
                format!("restarting in {in_secs} s ({reason})")
            }
            ServiceState::Failing {
                reason,
                retry_in_secs,
            } => format!("failing, paused; next try in {retry_in_secs} s ({reason})"),
        }
    }
}

/// A status change, for the bus and the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceEvent {
    /// The service.
    pub service: String,
    /// Its new state.
    pub state: ServiceState,
}

/// Why a supervisor call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SupervisorError {
    /// No service by that name.
    #[error("there is no service called {name:?}; configured: {known}")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The configured names.
        known: String,
    },
    /// Dependencies name each other in a circle, or a missing service.
    #[error("service {0}")]
    Dependencies(String),
}

pub(crate) enum Command {
    Start,
    Stop(tokio::sync::oneshot::Sender<()>),
    Restart,
}

struct Handle {
    commands: mpsc::UnboundedSender<Command>,
    state: Arc<Mutex<ServiceState>>,
}

/// Supervises a set of services; each runs in its own task. Dropping it does not stop them:
/// call [`Supervisor::stop_all`].
pub struct Supervisor {
    specs: Vec<ServiceSpec>,
    handles: HashMap<String, Handle>,
    events: broadcast::Sender<ServiceEvent>,
}

impl Supervisor {
    /// Supervision for `specs` under `policy`; nothing is started yet. Must be called inside a
    /// tokio runtime.
    pub fn new(specs: Vec<ServiceSpec>, policy: Policy) -> Self {
        let (events, _) = broadcast::channel(256);
        let states: HashMap<String, Arc<Mutex<ServiceState>>> = specs
            .iter()
            .map(|s| (s.name.clone(), Arc::new(Mutex::new(ServiceState::Stopped))))
            .collect();
        let mut handles = HashMap::new();
        for spec in &specs {
            let (tx, rx) = mpsc::unbounded_channel();
            let state = Arc::clone(&states[&spec.name]);
            // Unknown dependencies are reported by `start_order` when started.
            let deps = spec
                .depends_on
                .iter()
                .filter_map(|d| states.get(d).map(|s| (d.clone(), Arc::clone(s))))
                .collect();
            tokio::spawn(service::run(
                spec.clone(),
                policy.clone(),
                rx,
                Arc::clone(&state),
                events.clone(),
                deps,
            ));
            handles.insert(
                spec.name.clone(),
                Handle {
                    commands: tx,
                    state,
                },
            );
        }
        Self {
            specs,
            handles,
            events,
        }
    }

    /// The services it supervises, as configured.
    pub fn specs(&self) -> &[ServiceSpec] {
        &self.specs
    }

    /// Status changes from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ServiceEvent> {
        self.events.subscribe()
    }

    fn handle(&self, name: &str) -> Result<&Handle, SupervisorError> {
        self.handles
            .get(name)
            .ok_or_else(|| SupervisorError::Unknown {
                name: name.to_owned(),
                known: self
                    .specs
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The names of `name`'s dependencies and then `name`, in start order.
    pub fn start_order(&self, name: &str) -> Result<Vec<String>, SupervisorError> {
        fn visit(
            specs: &[ServiceSpec],
            name: &str,
            path: &mut Vec<String>,
            out: &mut Vec<String>,
        ) -> Result<(), SupervisorError> {
            if out.iter().any(|n| n == name) {
                return Ok(());
            }
            if path.iter().any(|n| n == name) {
                return Err(SupervisorError::Dependencies(format!(
                    "dependencies go round in a circle: {} → {name}",
                    path.join(" → ")
                )));
            }
            let spec = specs.iter().find(|s| s.name == name).ok_or_else(|| {
                SupervisorError::Dependencies(format!(
                    "{} depends on {name:?}, which is not configured",
                    path.last().map_or("?", String::as_str)
                ))
            })?;
            path.push(name.to_owned());
            for dep in &spec.depends_on {
                visit(specs, dep, path, out)?;
            }
            path.pop();
            out.push(name.to_owned());
            Ok(())
        }
        self.handle(name)?;
        let mut out = Vec::new();
        visit(&self.specs, name, &mut Vec::new(), &mut out)?;
        Ok(out)
    }

    /// Starts `name` after its dependencies; returns at once (watch [`Supervisor::state`] or
    /// the events for readiness).
    pub fn start(&self, name: &str) -> Result<(), SupervisorError> {
        for n in self.start_order(name)? {
            let _ = self.handle(&n)?.commands.send(Command::Start);
        }
        Ok(())
    }

    /// Starts every service, dependencies first.
    pub fn start_all(&self) -> Result<(), SupervisorError> {
        for spec in &self.specs {
            self.start(&spec.name)?;
        }
        Ok(())
    }

    /// Stops `name` (SIGTERM to its group, SIGKILL after the grace period); returns when it is
    /// gone.
    pub async fn stop(&self, name: &str) -> Result<(), SupervisorError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.handle(name)?.commands.send(Command::Stop(tx)).is_ok() {
            let _ = rx.await;
        }
        Ok(())
    }

    /// Stops every service, dependents before what they depend on.
    pub async fn stop_all(&self) {
        let mut order = Vec::new();
        for spec in &self.specs {
            for n in self.start_order(&spec.name).unwrap_or_default() {
                if !order.contains(&n) {
                    order.push(n);
                }
            }
        }
        for name in order.iter().rev() {
            let _ = self.stop(name).await;
        }
    }

    /// Stops and starts `name` again (a fresh restart budget is not granted).
    pub fn restart(&self, name: &str) -> Result<(), SupervisorError> {
        let _ = self.handle(name)?.commands.send(Command::Restart);
        Ok(())
    }

    /// `name`'s state now.
    pub fn state(&self, name: &str) -> Result<ServiceState, SupervisorError> {
        Ok(self.handle(name)?.state.lock().expect("state lock").clone())
    }

    /// Every service's state, in configuration order.
    pub fn states(&self) -> Vec<(String, ServiceState)> {
        self.specs
            .iter()
            .map(|s| {
                let state = self.handles[&s.name]
                    .state
                    .lock()
                    .expect("state lock")
                    .clone();
                (s.name.clone(), state)
            })
            .collect()
    }
}
