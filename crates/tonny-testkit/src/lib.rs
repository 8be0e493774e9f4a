//! Test helpers shared by every TonnyTray crate (dev-dependency only).
//!
//! # Layout
//! - [`home`]: a throw-away `TONNY_HOME` per test.
//! - [`cli`]: runs the real `tonny` binary in such a home, with a clean environment.
//! - [`pulse`]: a private PulseAudio server with a virtual microphone and a recordable speaker.
//! - [`levels`]: when sound starts and stops on a PulseAudio device, on the test's clock.
//! - [`rabbitmq`]: a private real RabbitMQ broker.
//! - [`dbus`]: a private D-Bus session bus.
//! - [`secret_service`]: a private D-Bus session with gnome-keyring, the real Secret Service.
//! - [`portal`]: the real `xdg-desktop-portal` frontend with a GlobalShortcuts and
//!   RemoteDesktop backend of ours (GNOME's and KDE's do not run headless).
//! - [`daemon`]: a running daemon found through its runtime file, its API and event stream.
//! - [`doubles`]: in-memory doubles of our own traits (speech engine, agent, voice, text
//!   output), for testing the daemon's logic without a model, a sound server or a display.
//! - [`fakes`]: fake n8n, OpenAI/Open WebUI chat and ElevenLabs servers.
//! - [`serve`]: runs a fake's axum app on its own thread.
//! - [`fake_hub`]: a protocol-faithful fake Hugging Face hub for model downloads.
//! - [`accuracy`]: short and long recordings (Piper, espeak-ng, pauses, noise) for the
//!   accuracy test, made once per machine.
//! - [`speech`]: the shared recordings, the test model, faster-whisper, espeak-ng, WER.
//! - [`xserver`]: a private Xvfb and an xterm to type into.
//! - [`sway`]: a private headless sway and a foot terminal to type into (Wayland).
//! - [`fixtures`]: realistic household utterances for filling databases.

pub mod accuracy;
pub mod cli;
pub mod daemon;
pub mod dbus;
pub mod doubles;
pub mod fake_hub;
pub mod fakes;
pub mod fixtures;
pub mod home;
pub mod levels;
pub mod portal;
pub mod pulse;
pub mod rabbitmq;
pub mod secret_service;
pub mod serve;
pub mod speech;
pub mod sway;
pub mod xserver;

pub use cli::{Output, Tonny};
pub use daemon::{DaemonApi, of_type, text_of};
pub use fake_hub::{FakeHub, Fault};
pub use home::TempHome;
pub use levels::LevelWatch;
pub use portal::DesktopPortal;
pub use pulse::PulseServer;
pub use rabbitmq::RabbitServer;
pub use secret_service::SecretService;
pub use sway::{FootCat, Sway};
pub use xserver::XServer;

/// A free TCP port on 127.0.0.1 (for a server a test starts as a separate program, which must be
/// told its port).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("binding a free port on 127.0.0.1")
        .port()
}

/// A program of this workspace built beside the running test or example
/// (`target/<profile>/NAME`).
pub fn built_exe(name: &str) -> std::path::PathBuf {
    let me = std::env::current_exe().expect("current exe");
    let mut dir = me.parent().expect("exe dir").to_path_buf();
    if dir.ends_with("deps") || dir.ends_with("examples") {
        dir.pop();
    }
    let exe = dir.join(name);
    assert!(
        exe.exists(),
        "{} is missing: build the workspace (cargo test --workspace builds it)",
        exe.display()
    );
    exe
}

/// The value at fraction `p` (0–1) of sorted figures, for benchmark reports.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}
