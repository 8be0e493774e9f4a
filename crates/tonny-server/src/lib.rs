//! The TonnyTray daemon and what it is made of. `tonny serve`, `tonny run` and the tray are
//! thin callers of [`daemon::Daemon`]; one-shot commands (`tonny ask` with no daemon running)
//! use the same parts in-process, so every front end behaves the same.
//!
//! # Layout
//! - [`daemon`]: the daemon (`Daemon::run(listener, shutdown)`, `DaemonHandle`), its shared
//!   parts and how a change reaches them, hotkeys, housekeeping, services, the runtime file.
//! - [`session`]: the only code that steps the pipeline; one cancellation token per utterance;
//!   the microphone.
//! - [`assistant`]: one request from text to delivered reply (rules, router, agents, effects,
//!   outputs, records), the outbox runner, the timer scheduler, profile switches.
//! - [`settings`]: live settings and secrets (validate → store → apply → broadcast).
//! - [`parts`]: how replaceable parts are built ([`parts::Build`]; the product's
//!   [`parts::Providers`]), and how the embedded engine is run (in-process or a worker).
//! - [`speech`]: the speech engine and the browser's voice, rebuilt after a change.
//! - [`api`]: the HTTP API (`fn app(state) -> Router`), token auth, the event WebSocket,
//!   OpenAPI, the embedded web UI.
//! - [`home`]: a home's folders, database and secret store, opened for a program.
//! - [`logging`]: stderr and the database log.
//! - [`metrics`]: Prometheus metrics.
//! - [`output`]: the text output of a daemon without a desktop.
//! - [`unsent`]: dictations whose text has not arrived yet, kept until it does.

pub mod api;
pub mod assistant;
pub mod daemon;
pub mod home;
pub mod logging;
pub mod metrics;
pub mod output;
pub mod parts;
pub mod session;
pub mod settings;
pub mod speech;
pub mod unsent;
