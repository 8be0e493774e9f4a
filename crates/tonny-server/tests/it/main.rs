//! Integration tests for the daemon: real SQLite, the real local agent, the real encrypted
//! secrets file; the API driven in-process (`tower::ServiceExt::oneshot`) and over a real
//! socket where a WebSocket is involved.

mod api;
mod api_backends;
mod api_events;
mod api_history;
mod api_household;
mod api_memory;
mod api_talk;
mod deploy;
mod housekeeping;
mod live_settings;
mod records;
mod session;
