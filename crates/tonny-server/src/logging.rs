//! Logging for the `tonny` command, the daemon and the tray: warnings (or more with -v) on stderr, and
//! every line kept in the database for `tonny logs` and the web UI's Logs view.

use std::io::IsTerminal;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::home::Home;

/// Installs the global subscriber; `verbose` is the count of `-v` flags.
pub fn init_logging(home: &mut Home, verbose: u8) {
    // -v/-vv raise only TonnyTray's own verbosity: dependencies such as the D-Bus client log
    // message bodies at debug level, and those can carry secrets on their way to the keychain.
    let ours = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    // The PulseAudio client reports its own normal disconnect at exit as an error.
    let default = format!(
        "warn,pulseaudio=off,tonny={ours},tonny_cli={ours},tonny_core={ours},tonny_store={ours},\
         tonny_server={ours},tonny_audio={ours},tonny_providers={ours}"
    );
    let filter = EnvFilter::try_from_env("TONNY_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_target(false)
        .without_time()
        .with_filter(filter);
    let store_layer = home.take_log_layer().map(|l| {
        l.with_filter(tracing_subscriber::filter::filter_fn(|m| {
            !m.target().starts_with("pulseaudio")
        }))
    });
    tracing_subscriber::registry()
        .with(stderr)
        .with(store_layer)
        .init();
}
