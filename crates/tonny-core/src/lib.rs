//! Domain types for TonnyTray: what the rest of the workspace agrees on.
//!
//! No HTTP, no SQL, no devices live here, so everything in this crate is testable in
//! isolation and every other crate can depend on it.
//!
//! # Layout
//! - [`activity`]: how a request ended ([`activity::ActivityStatus`]), shared by store and API.
//! - [`paths`]: where TonnyTray keeps its files (XDG directories, relocatable with `TONNY_HOME`).
//! - [`settings`]: the one [`Settings`] struct, its defaults, dotted keys, environment overrides and
//!   validation with field-level messages.
//! - [`profile`]: family profiles (admin/user/kid/guest) and their command patterns.
//! - [`permissions`]: whether a profile may make a request, and the refusal it hears if not.
//! - [`pipeline`]: the pipeline state machine, the coordinator task that owns it, the event bus
//!   and the conversation context.
//! - [`stt`]: the [`stt::Stt`] trait every speech-to-text engine implements, and its types.
//! - [`text`]: request text to comparable words.
//! - [`dictation`]: how dictation is written (clean-up, modes chosen by the focused application).
//! - [`replacements`]: the household's `heard => written` replacements applied to transcripts.
//! - [`agent`]: the [`agent::Agent`] trait every agent implements (local, n8n, chat, RabbitMQ).
//! - [`output`]: the [`output::TextOutput`] and [`output::VoiceOutput`] traits replies go through.
//! - [`timer`]: timers and reminders as stored and announced.
//! - [`quick_action`]: family-defined phrases and their steps.
//! - [`router`]: what an utterance becomes (dictation, a quick action, a request for the agents).
//! - [`tts`]: the [`tts::Tts`] trait every voice implements, and its types.
//! - [`breaker`]: the circuit breaker every remote backend is called through.
//! - [`sentences`]: streamed agent text cut into sentences for speaking.
//! - [`endpoint`]: the URL policy shared by settings and secrets (https for remote hosts, plain
//!   http/ws only for loopback).

pub mod activity;
pub mod agent;
pub mod breaker;
pub mod dictation;
pub mod endpoint;
pub mod output;
pub mod paths;
pub mod permissions;
pub mod pipeline;
pub mod profile;
pub mod quick_action;
pub mod replacements;
pub mod router;
pub mod sentences;
pub mod settings;
pub mod stt;
pub mod text;
pub mod timer;
pub mod tts;

pub use paths::Paths;
pub use profile::{Permission, Profile};
pub use settings::Settings;
