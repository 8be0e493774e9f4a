//! The supervised services (the WhisperLiveKit server, `services.extra`): one supervisor at a
//! time, replaced when the settings that define the services change, each state change
//! announced as [`Event::ServiceHealth`].

use std::sync::{Arc, RwLock};

use tokio::task::JoinHandle;
use tonny_core::pipeline::{Event, EventBus};
use tonny_supervisor::{Policy, ServiceSpec, ServiceState, Supervisor, SupervisorError};

/// The services the daemon supervises now.
pub struct Services {
    bus: EventBus,
    current: RwLock<Option<Running>>,
}

struct Running {
    supervisor: Arc<Supervisor>,
    // Forwards the supervisor's state changes to the bus.
    forward: JoinHandle<()>,
}

impl Services {
    /// No services yet.
    pub fn new(bus: EventBus) -> Self {
        Self {
            bus,
            current: RwLock::new(None),
        }
    }

    /// The supervisor, when services are configured.
    pub fn supervisor(&self) -> Option<Arc<Supervisor>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|r| Arc::clone(&r.supervisor))
    }

    /// Every service's state, in configuration order.
    pub fn states(&self) -> Vec<(String, ServiceState)> {
        self.supervisor().map(|s| s.states()).unwrap_or_default()
    }

    /// True when a configured service is not running.
    pub fn any_down(&self) -> bool {
        self.states().iter().any(|(_, s)| !s.is_running())
    }

    /// Supervises `specs` and starts them all (dependencies first), stopping the services of
    /// the supervisor before; nothing when `specs` is unchanged.
    pub async fn replace(&self, specs: Vec<ServiceSpec>) -> Result<(), SupervisorError> {
        let same = self
            .supervisor()
            .is_some_and(|s| s.specs() == specs.as_slice());
        if same {
            return Ok(());
        }
        self.supervise(specs, None).await
    }

    /// Supervises `specs` but starts only `name` and what it depends on (`tonny services
    /// start NAME` with no daemon running).
    pub async fn replace_only(
        &self,
        specs: Vec<ServiceSpec>,
        name: &str,
    ) -> Result<(), SupervisorError> {
        self.supervise(specs, Some(name)).await
    }

    async fn supervise(
        &self,
        specs: Vec<ServiceSpec>,
        only: Option<&str>,
    ) -> Result<(), SupervisorError> {
        self.stop_all().await;
        if specs.is_empty() {
            return Ok(());
        }
        let supervisor = Arc::new(Supervisor::new(specs, Policy::default()));
        let mut events = supervisor.subscribe();
        let bus = self.bus.clone();
        let forward = tokio::spawn(async move {
            while let Ok(e) = events.recv().await {
                bus.publish(Event::ServiceHealth {
                    service: e.service,
                    running: e.state.is_running(),
                    state: e.state.describe(),
                });
            }
        });
        let result = match only {
            Some(name) => supervisor.start(name),
            None => supervisor.start_all(),
        };
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(Running {
            supervisor,
            forward,
        });
        result
    }

    /// Stops every service (dependents first) and forgets the supervisor.
    pub async fn stop_all(&self) {
        let old = self
            .current
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(old) = old {
            old.supervisor.stop_all().await;
            // The last state changes reach the bus before the forwarder ends.
            tokio::task::yield_now().await;
            old.forward.abort();
        }
    }
}
