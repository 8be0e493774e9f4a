//! Test helpers shared by every TonnyTray crate (dev-dependency only).
//!
//! # Layout
//! - [`home`]: a throw-away `TONNY_HOME` per test.
//! - [`cli`]: runs the real `tonny` binary in such a home, with a clean environment.
//! - [`pulse`]: a private PulseAudio server with a virtual microphone and a recordable speaker.
//! - [`rabbitmq`]: a private real RabbitMQ broker.
//! - [`secret_service`]: a private D-Bus session with gnome-keyring, the real Secret Service.
//! - [`fakes`]: fake n8n, OpenAI/Open WebUI chat and ElevenLabs servers.
//! - [`serve`]: runs a fake's axum app on its own thread.
//! - [`fake_hub`]: a protocol-faithful fake Hugging Face hub for model downloads.
//! - [`speech`]: the shared recordings, the test model, faster-whisper, espeak-ng, WER.
//! - [`xserver`]: a private Xvfb and an xterm to type into.
//! - [`fixtures`]: realistic household utterances for filling databases.

pub mod cli;
pub mod fake_hub;
pub mod fakes;
pub mod fixtures;
pub mod home;
pub mod pulse;
pub mod rabbitmq;
pub mod secret_service;
pub mod serve;
pub mod speech;
pub mod xserver;

pub use cli::{Output, Tonny};
pub use fake_hub::{FakeHub, Fault};
pub use home::TempHome;
pub use pulse::PulseServer;
pub use rabbitmq::RabbitServer;
pub use secret_service::SecretService;
pub use xserver::XServer;
