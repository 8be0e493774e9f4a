//! Implementations of TonnyTray's pipeline traits.
//!
//! # Layout
//! - [`agent`]: agents: the built-in offline local agent, n8n webhooks, OpenAI-compatible chat
//!   (streaming), RabbitMQ (publish or RPC), and [`agent::guarded`], the circuit breaker every remote agent sits behind.
//! - [`stt`]: speech-to-text engines; today the embedded Whisper engine (CTranslate2 in-process)
//!   and the management of its model files.
//! - [`tts`]: voices: the local espeak-ng voice, ElevenLabs, and the fallback from one to the
//!   other.
//! - [`remote`]: what every HTTP client shares: bounded bodies, timeouts, error messages.

pub mod agent;
pub mod remote;
pub mod stt;
pub mod tts;
