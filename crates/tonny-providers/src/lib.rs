//! Implementations of TonnyTray's pipeline traits, and how to build them from settings and
//! secrets.
//!
//! # Layout
//! - [`agent`]: agents: the built-in offline local agent, n8n webhooks, OpenAI-compatible chat
//!   (streaming), RabbitMQ (publish or RPC), and [`agent::guarded`], the circuit breaker every
//!   remote agent sits behind.
//! - [`stt`]: speech-to-text: model management, the speech-worker client, WhisperLiveKit and
//!   OpenAI-compatible transcription with the fallback to the embedded engine, and the engine
//!   loaded on demand.
//! - [`tts`]: voices: the local voice (a Piper voice, espeak-ng behind it), espeak-ng alone,
//!   ElevenLabs, and the fallback from the cloud to the local voice; Piper voice management
//!   (`tts::voices`: the voices hub, wheel/tar import, verify).
//! - [`voice`]: the spoken-reply output: a voice and a speaker, fed word by word or sentence
//!   by sentence.
//! - [`wiring`]: every part built from settings and secrets ([`wiring::BackendSecrets`]), the
//!   same way for the daemon and every one-shot command; each problem is a typed
//!   [`wiring::WiringError`] the person can act on.
//! - [`check`]: "test connection": asks one backend whether it answers, without doing what a
//!   request would.
//! - [`remote`]: what every HTTP client shares: bounded bodies, timeouts, error messages.

pub mod agent;
pub mod check;
pub mod remote;
pub mod stt;
pub mod tts;
pub mod voice;
pub mod wiring;
