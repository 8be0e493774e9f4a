//! `tonny run` and `tonny serve`: boot the daemon (`tonny_server::daemon`) and stay running.
//! Global hotkeys start listening (toggle, push-to-talk) or cancel; lines typed on stdin are
//! requests; stored timers fire when due; `serve` adds the API and web UI. Ends on Ctrl+C or
//! SIGTERM. Everything here is a front end: the daemon does the work.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use tokio::io::AsyncBufReadExt;
use tonny_audio::portal::ShortcutPath;
use tonny_audio::typing::Display;
use tonny_server::api::auth::TOKEN_FILE;
use tonny_server::api::{ApiToken, AskResponse};
use tonny_server::daemon::{CoreConfig, Daemon, DaemonHandle, DaemonOptions, bind_api, terminated};
use tonny_server::parts::Providers;

use crate::ctx::Ctx;

/// Options for `tonny run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Do not register global hotkeys (stdin requests and timers only).
    #[arg(long)]
    pub no_hotkeys: bool,
    /// Do not speak replies or timer announcements.
    #[arg(long)]
    pub silent: bool,
    /// Listen all the time: every utterance the voice-activity detector hears is a request (no
    /// hotkey needed; Cancel still cuts the current one).
    #[arg(long)]
    pub hands_free: bool,
    /// Load the speech model before taking requests, so the first one does not wait for it.
    #[arg(long)]
    pub warm_up: bool,
    /// Print every event as one JSON line on stdout (for scripts and tests), and
    /// `{"type":"ready"}` once hotkeys are registered and requests are taken.
    #[arg(long)]
    pub events: bool,
}

/// Runs `tonny run`; with `api` (`tonny serve`, an optional port override), the daemon API
/// and web UI on the configured address. `tonny run` serves them too, on a free port of
/// 127.0.0.1 (token required, named in the runtime file): the `tonny` command, `tonny services`
/// and `tonny ui-url` then reach this daemon instead of starting a second assistant beside it.
pub async fn run(
    ctx: &mut Ctx,
    args: RunArgs,
    api: Option<Option<u16>>,
) -> anyhow::Result<ExitCode> {
    let settings = ctx.settings().await?.settings;
    let display = Display::detect();
    // X11 grabs, or the desktop's GlobalShortcuts portal on Wayland (the daemon binds them).
    let path = if args.no_hotkeys {
        None
    } else {
        tokio::task::spawn_blocking(tonny_audio::portal::shortcut_path)
            .await
            .ok()
    };
    let hotkeys = match path {
        Some(ShortcutPath::None { why }) => {
            eprintln!("tonny: no global hotkeys ({why}); type requests below instead");
            false
        }
        Some(_) => true,
        None => false,
    };
    let secrets = match ctx.secrets().await {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("tonny: secrets cannot be used or managed from the web UI: {e:#}");
            None
        }
    };
    let build = Providers {
        models_dir: ctx.paths.models_dir(),
        voices_dir: ctx.paths.voices_dir(),
        embedded: Arc::clone(&ctx.embedded),
        speak: !args.silent,
        display,
        warm: args.warm_up,
        text: None,
    };
    let options = DaemonOptions {
        hotkeys,
        listen: hotkeys || args.hands_free,
        hands_free: args.hands_free,
        warm_up: args.warm_up,
        supervise: true,
    };
    let token = ApiToken::load_or_create(&ctx.paths.data_dir.join(TOKEN_FILE))
        .context("creating the API token file")?;
    let listener = match api {
        Some(port) => {
            let port = port.unwrap_or(settings.server.port);
            bind_api(&ctx.paths.data_dir, &settings.server.host, port).await?
        }
        None => bind_api(&ctx.paths.data_dir, "127.0.0.1", 0).await?,
    };
    let config = CoreConfig {
        paths: ctx.paths.clone(),
        store: ctx.home.shared_store()?,
        secrets,
        build: Arc::new(build),
    };
    let daemon = Daemon::new(config, options, token).await?;
    let handle = daemon.handle();
    tokio::spawn(show_events(handle.clone(), args.events));
    tokio::spawn(typed_requests(handle.clone()));
    let announce = handle.clone();
    let events = args.events;
    tokio::spawn(async move {
        announce.ready().await;
        if events {
            println!("{}", serde_json::json!({"type": "ready"}));
        }
        if let Some(url) = announce.ui_url() {
            let address = url.split('#').next().unwrap_or_default().to_owned();
            eprintln!(
                "TonnyTray API and web UI on {address} (`tonny ui-url` prints the address to open)"
            );
        }
        eprintln!("TonnyTray is running; type a request and press Enter, or Ctrl+C to stop");
    });
    daemon.run(Some(listener), terminated()).await?;
    eprintln!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Shows on the terminal what the person should see: announcements, what was heard, when to
/// speak; with `--events`, every event as a JSON line on stdout too.
async fn show_events(daemon: DaemonHandle, json: bool) {
    let mut events = daemon.subscribe();
    loop {
        let event = match events.recv().await {
            Ok(e) => e,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(_) => return,
        };
        if json && let Ok(line) = serde_json::to_string(&event) {
            println!("{line}");
        }
        if let Some(line) = crate::output::event_line(&event, true) {
            eprintln!("{line}");
        }
    }
}

/// Lines typed on stdin are requests; their text replies are printed.
async fn typed_requests(daemon: DaemonHandle) {
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim().is_empty() {
            continue;
        }
        match daemon.ask(&line).await {
            Ok(outcome) => {
                for text in AskResponse::of(&outcome).shown {
                    println!("{text}");
                }
            }
            Err(e) => eprintln!("tonny: {e}"),
        }
    }
}
