//! The daemon: built from settings, secrets and the way to load the speech engine, then run
//! with `run(listener, shutdown)` until `shutdown` resolves or a [`Control::Quit`] arrives.
//! `tonny serve`, `tonny run` and the tray are thin callers; each front end holds a
//! [`DaemonHandle`] to send controls and subscribe to events.
//!
//! # Layout
//! - this file: [`Daemon`], [`DaemonOptions`], [`DaemonHandle`], and the run loop (controls,
//!   hotkeys, shutdown in order).
//! - [`core`]: the shared parts and how a change reaches them.
//! - [`services`]: supervised services and their health events.
//! - [`hotkeys`]: global hotkeys (X11 grabs, or the GlobalShortcuts portal on Wayland) as a
//!   tested state machine.
//! - [`housekeeping`]: retention and scheduled backups.
//! - [`health`]: backend health events.
//! - [`runtime`]: the runtime file other programs of the home find the daemon by, and the lock
//!   that keeps one daemon per home.
//! - [`systemd`]: readiness, reload, stop and watchdog notifications for the user unit.

pub mod core;
pub mod health;
pub mod hotkeys;
pub mod housekeeping;
pub mod runtime;
pub mod services;
pub mod systemd;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use tonny_core::Profile;
use tonny_core::pipeline::{Control, Event};
use tonny_core::router::Purpose;

use crate::api::{self, ApiState, ApiToken};
use crate::assistant::switch::SwitchError;
use crate::assistant::{Outcome, VoiceTarget};
use crate::session::SessionError;
use crate::session::mic::MicEnding;
use crate::settings::LiveSettings;
pub use core::{Core, CoreConfig};
use hotkeys::Hotkeys;
use housekeeping::Housekeeping;

/// What a daemon does besides answering its API.
#[derive(Debug, Clone, Copy, Default)]
pub struct DaemonOptions {
    /// Register the global hotkeys (X11, or the desktop portal on Wayland).
    pub hotkeys: bool,
    /// Hear on this machine's microphone (hotkeys, the tray's Talk); opened at start.
    pub listen: bool,
    /// Listen all the time: every utterance voice activity hears is a request.
    pub hands_free: bool,
    /// Load the speech engine before taking requests.
    pub warm_up: bool,
    /// Start and supervise the configured services.
    pub supervise: bool,
}

/// Why the daemon could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The settings could not be loaded.
    #[error(transparent)]
    Settings(#[from] crate::settings::ChangeError),
    /// The API stopped with an error.
    #[error("the API stopped: {0}")]
    Api(#[source] std::io::Error),
    /// Another daemon serves this home.
    #[error(transparent)]
    Claim(#[from] runtime::ClaimError),
    /// The API's address could not be bound.
    #[error(
        "listening on {host}:{port}: {source} (another program may use the port; choose another \
         in the web UI's Settings or with `tonny config set server.port N`)"
    )]
    Bind {
        /// The host asked for.
        host: String,
        /// The port asked for.
        port: u16,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The runtime file could not be written.
    #[error("writing {}: {source}", path.display())]
    RuntimeFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// The API being served: what stops it, its task, and the claim on the home it serves.
struct ServedApi {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    claim: runtime::HomeClaim,
    url: String,
}

/// A daemon, built and not yet running.
pub struct Daemon {
    core: Arc<Core>,
    options: DaemonOptions,
    token: ApiToken,
    controls: mpsc::UnboundedReceiver<Control>,
    handle: DaemonHandle,
}

/// How front ends reach a running daemon: controls in, events out, and requests with answers.
#[derive(Clone)]
pub struct DaemonHandle {
    core: Arc<Core>,
    controls: mpsc::UnboundedSender<Control>,
    ui_url: Arc<std::sync::Mutex<Option<String>>>,
    // True once the daemon runs: its API answers and its runtime file is written.
    ready: tokio::sync::watch::Sender<bool>,
}

impl Daemon {
    /// Builds a daemon over `config` that answers the API with `token`.
    pub async fn new(
        config: CoreConfig,
        options: DaemonOptions,
        token: ApiToken,
    ) -> Result<Self, DaemonError> {
        let core = Core::build(config).await?;
        Ok(Self::over(core, options, token))
    }

    /// A daemon over parts already built (tests build them with doubles).
    pub fn over(core: Arc<Core>, options: DaemonOptions, token: ApiToken) -> Self {
        let (tx, controls) = mpsc::unbounded_channel();
        let handle = DaemonHandle {
            core: Arc::clone(&core),
            controls: tx,
            ui_url: Arc::new(std::sync::Mutex::new(None)),
            ready: tokio::sync::watch::channel(false).0,
        };
        Self {
            core,
            options,
            token,
            controls,
            handle,
        }
    }

    /// The handle front ends use.
    pub fn handle(&self) -> DaemonHandle {
        self.handle.clone()
    }

    /// Runs until `shutdown` resolves or a front end sends [`Control::Quit`]; serves the API on
    /// `listener` when one is given. Then stops in order: the API (requests in flight are
    /// answered first), recordings, timers and the outbox (undelivered requests stay queued),
    /// the services.
    pub async fn run(
        mut self,
        listener: Option<TcpListener>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), DaemonError> {
        let tasks = self.start_background();
        // Hotkeys first: once the runtime file says the daemon runs, its keys work, and a
        // change made through the API from then on is seen.
        let mut hotkey_settings = self.core.hotkeys.subscribe();
        let hotkeys = if self.options.hotkeys {
            let keys = hotkey_settings.borrow_and_update().clone();
            tokio::task::spawn_blocking(move || Hotkeys::start(&keys))
                .await
                .ok()
                .flatten()
        } else {
            None
        };
        let api = match listener {
            Some(l) => Some(self.serve(l)?),
            None => None,
        };
        self.handle.ready.send_replace(true);
        // The address without the token: the status is readable by anyone on the machine.
        systemd::ready(&match &api {
            Some(api) => format!("API and web UI on {}", api.url),
            None => "running".to_owned(),
        });
        self.react(hotkeys, &mut hotkey_settings, shutdown).await;
        systemd::stopping();
        self.stop(api, tasks).await
    }

    /// Carries out controls and hotkeys until `shutdown` or Quit; registers the hotkeys again
    /// when `hotkey_settings` change.
    async fn react(
        &mut self,
        mut hotkeys: Option<Hotkeys>,
        hotkey_settings: &mut tokio::sync::watch::Receiver<tonny_core::settings::HotkeySettings>,
        shutdown: impl Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            let gap = hotkeys.as_ref().and_then(|h| h.keys.due());
            let control = tokio::select! {
                _ = &mut shutdown => return,
                control = self.controls.recv() => match control {
                    Some(Control::Quit) | None => return,
                    c => c,
                },
                Some(key) = async { hotkeys.as_mut()?.next().await }, if hotkeys.is_some() => key,
                _ = tokio::time::sleep_until(gap.unwrap_or_else(tokio::time::Instant::now)), if gap.is_some() => {
                    hotkeys.as_mut().and_then(|h| h.keys.on_gap(tokio::time::Instant::now()))
                }
                Ok(()) = hotkey_settings.changed() => {
                    if let Some(h) = &hotkeys {
                        h.register(&hotkey_settings.borrow_and_update());
                    }
                    None
                }
            };
            if let Some(c) = control {
                self.dispatch(c).await;
            }
        }
    }

    /// Stops everything in order (see [`Daemon::run`]).
    async fn stop(
        self,
        api: Option<ServedApi>,
        tasks: Vec<tokio::task::JoinHandle<()>>,
    ) -> Result<(), DaemonError> {
        let core = self.core;
        tracing::info!(component = "daemon", "stopping");
        let mut result = Ok(());
        // No new connections; requests in flight (a typed ask, an upload) are answered first.
        // The home stays claimed until everything below has stopped.
        let mut claim = None;
        if let Some(api) = api {
            runtime::remove(&core.paths.data_dir);
            let _ = api.stop.send(());
            if let Ok(Err(e)) = api.task.await {
                result = Err(DaemonError::Api(e));
            }
            claim = Some(api.claim);
        }
        // Then what nobody waits for: a recording from a hotkey, hands-free listening.
        core.session.shut_down().await;
        core.shutdown.cancel();
        for t in tasks {
            let _ = t.await;
        }
        core.services.stop_all().await;
        // The speech worker (the tray's) ends now, not when the process does.
        core.speech.release();
        drop(claim);
        result
    }

    /// Timers, the outbox, housekeeping, health, the microphone and services, each ending
    /// with the daemon's shutdown token.
    fn start_background(&self) -> Vec<tokio::task::JoinHandle<()>> {
        let core = &self.core;
        let stop = core.shutdown.clone();
        let assistant = Arc::clone(&core.assistant);
        let mut tasks = vec![
            tokio::spawn(Arc::clone(&assistant).run_timers(stop.clone().cancelled_owned())),
            tokio::spawn(Arc::clone(&assistant).run_outbox(stop.clone().cancelled_owned())),
            tokio::spawn(health::watch_breakers(Arc::clone(&assistant), stop.clone())),
            tokio::spawn(
                Housekeeping::new(
                    Arc::clone(&core.store),
                    core.settings.clone(),
                    core.paths.backups_dir(),
                )
                .with_recordings(crate::unsent::Unsent::new(&core.paths.recordings_dir()))
                .run(stop.clone()),
            ),
        ];
        tasks.push(tokio::spawn(reload_on_hangup(
            core.settings.clone(),
            stop.clone(),
        )));
        tasks.push(tokio::spawn(systemd::watchdog(stop.clone())));
        if self.options.supervise {
            core.supervising.store(true, Ordering::SeqCst);
            let c = Arc::clone(core);
            tasks.push(tokio::spawn(async move {
                let settings = c.settings.current();
                let (values, _) = c.secrets.for_settings(&settings).await;
                c.supervise(&settings, &values).await;
            }));
        }
        let warm = self.options.warm_up || self.options.listen;
        if warm {
            let c = Arc::clone(core);
            let announce = self.options.warm_up;
            tasks.push(tokio::spawn(async move {
                let started = std::time::Instant::now();
                match c.speech.engine().await {
                    Ok(_) if announce => tracing::info!(
                        component = "stt",
                        "speech engine ready in {} ms",
                        started.elapsed().as_millis()
                    ),
                    Ok(_) => {}
                    // A missing model does not stop the daemon: the dashboard's wizard can
                    // install one, and the next Talk asks for the engine again.
                    Err(e) => tracing::warn!(
                        component = "stt",
                        "{e}; listening waits until a speech model is installed (the \
                         dashboard's setup, or `tonny models install tiny.en`)"
                    ),
                }
            }));
        }
        if self.options.listen || self.options.hands_free {
            let c = Arc::clone(core);
            let hands_free = self.options.hands_free;
            tasks.push(tokio::spawn(async move {
                // The devices first: hands-free's first utterance uses them too.
                c.listen_here(hands_free).await;
                if hands_free {
                    // No paused microphone while the model loads: the first utterance opens
                    // it once it can be heard, and what is said from then on is kept.
                    Arc::clone(&c.session).run_hands_free().await;
                } else {
                    let _ = c.mic.prepare().await;
                }
            }));
            tasks.push(tokio::spawn(Arc::clone(&core.mic).watch(stop.clone())));
            tasks.push(tokio::spawn(Arc::clone(&core.session).run_barge_in()));
        }
        tasks
    }

    /// Serves the API on `listener` and writes the runtime file.
    fn serve(&self, listener: TcpListener) -> Result<ServedApi, DaemonError> {
        let addr = listener.local_addr().map_err(DaemonError::Api)?;
        if !addr.ip().is_loopback() {
            tracing::warn!(
                component = "api",
                "the API listens on {addr}, reachable from the network (server.host); only the \
                 token protects it"
            );
        }
        let url = format!("http://{addr}/");
        let data = &self.core.paths.data_dir;
        // Before anything answers: a second daemon of this home must not take requests.
        let claim = runtime::claim(data)?;
        let state = ApiState::new(Arc::clone(&self.core), self.token.clone(), self.handle());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(api::run(listener, api::app(state), async {
            let _ = stopped.await;
        }));
        runtime::write(
            data,
            &runtime::RuntimeInfo {
                url: url.clone(),
                pid: std::process::id(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
        )
        .map_err(|source| DaemonError::RuntimeFile {
            path: runtime::runtime_path(data),
            source,
        })?;
        *self.handle.ui_url.lock().expect("ui url lock") =
            Some(format!("{url}#token={}", self.token.expose()));
        tracing::info!(component = "api", "API and web UI on {url}");
        Ok(ServedApi {
            stop,
            task,
            claim,
            url,
        })
    }

    /// Carries out one control.
    async fn dispatch(&self, control: Control) {
        let session = &self.core.session;
        match control {
            Control::Talk(purpose) => session.talk(purpose, MicEnding::Silence).await,
            Control::Hold(purpose) => session.talk(purpose, MicEnding::Release).await,
            Control::Release => session.release(),
            Control::Cancel => session.cancel().await,
            Control::Quit => {}
        }
    }
}

impl DaemonHandle {
    /// Sends `control`; false when the daemon has stopped.
    pub fn send(&self, control: Control) -> bool {
        self.controls.send(control).is_ok()
    }

    /// Every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.core.bus.subscribe()
    }

    /// A typed request, answered through the session.
    pub async fn ask(&self, text: &str) -> Result<Outcome, SessionError> {
        self.core.session.ask(text, VoiceTarget::Host).await
    }

    /// Talk with `purpose` (start listening, or end the recording in progress).
    pub fn talk(&self, purpose: Purpose) -> bool {
        self.send(Control::Talk(purpose))
    }

    /// The settings, and the one way to change them.
    pub fn settings(&self) -> &LiveSettings {
        &self.core.settings
    }

    /// The shared parts (the store, the assistant, the services).
    pub fn core(&self) -> &Arc<Core> {
        &self.core
    }

    /// Switches the active profile (see [`Core::switch_profile`]).
    pub async fn switch_profile(
        &self,
        name: &str,
        pin: Option<&str>,
    ) -> Result<Profile, SwitchError> {
        self.core.switch_profile(name, pin).await
    }

    /// Resolves once the daemon runs (its API answers, its runtime file is written); never
    /// when it stopped before that.
    pub async fn ready(&self) {
        let mut ready = self.ready.subscribe();
        let _ = ready.wait_for(|r| *r).await;
    }

    /// The web UI's address with the token, once the API is served.
    pub fn ui_url(&self) -> Option<String> {
        self.ui_url.lock().expect("ui url lock").clone()
    }

    /// The whole API as a router over this daemon (tests drive it in-process).
    pub fn app(&self, token: ApiToken) -> axum::Router {
        api::app(ApiState::new(Arc::clone(&self.core), token, self.clone()))
    }
}

/// Binds the API's address for the daemon of the home whose data folder is `data_dir`. When the
/// port is taken by that home's own daemon, says so (with its address and how to stop it)
/// rather than only that the port is in use.
pub async fn bind_api(
    data_dir: &std::path::Path,
    host: &str,
    port: u16,
) -> Result<TcpListener, DaemonError> {
    match TcpListener::bind((host, port)).await {
        Ok(listener) => Ok(listener),
        Err(source) => match runtime::read(data_dir) {
            Some(running) if source.kind() == std::io::ErrorKind::AddrInUse => {
                Err(runtime::ClaimError::Running {
                    running: Some(running),
                }
                .into())
            }
            _ => Err(DaemonError::Bind {
                host: host.to_owned(),
                port,
                source,
            }),
        },
    }
}

/// Waits for Ctrl+C or SIGTERM: the shutdown a program passes to [`Daemon::run`].
pub async fn terminated() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(t) => t,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// SIGHUP (`systemctl --user reload`, `kill -HUP` with the runtime file's pid) reads the stored
/// settings again and applies what changed: for a change made by a program that did not go
/// through the daemon. Here rather than in a front end, so that every program running the
/// daemon (the tray included, whose pid the runtime file names) reloads instead of dying of
/// the signal's default action.
async fn reload_on_hangup(settings: LiveSettings, stop: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = match signal(SignalKind::hangup()) {
        Ok(hup) => hup,
        Err(e) => {
            tracing::warn!(
                component = "daemon",
                "SIGHUP will not reload the settings: {e}"
            );
            return;
        }
    };
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            got = hup.recv() => if got.is_none() { return },
        }
        systemd::reloading();
        let reloaded = settings.reload().await;
        systemd::reloaded();
        match reloaded {
            Ok(changed) => tracing::info!(
                component = "settings",
                changed = changed.keys.len(),
                "settings reloaded on SIGHUP"
            ),
            Err(e) => tracing::warn!(
                component = "settings",
                "the settings could not be reloaded on SIGHUP: {e}"
            ),
        }
    }
}
