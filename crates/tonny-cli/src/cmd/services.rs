//! `tonny services`: the supervised services (the WhisperLiveKit server, and any extra ones).
//!
//! The daemon supervises them (`tonny serve`, `tonny run`, the tray); `status`, `start`,
//! `stop` and `restart` go through its API. With no daemon running, `start` runs one in the
//! foreground that supervises just that service (and what it depends on) until Ctrl-C or
//! `tonny services stop`, and answers the others' API calls meanwhile.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use tonny_audio::typing::Display;
use tonny_core::Settings;
use tonny_core::pipeline::Event;
use tonny_server::api::{ApiToken, auth::TOKEN_FILE};
use tonny_server::daemon::{CoreConfig, Daemon as Server, DaemonOptions};
use tonny_server::parts::Providers;
use tonny_store::Store;
use tonny_supervisor::ServiceSpec;

use crate::client::Daemon;
use crate::cmd::local::backend_secrets;
use crate::ctx::Ctx;

/// `tonny services …`
#[derive(Debug, Args)]
pub struct ServicesCmd {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// The configured services and how each is started.
    List,
    /// Whether each service runs and answers its health check.
    Status {
        /// One service (all when omitted).
        name: Option<String>,
    },
    /// Starts NAME (after what it depends on) and supervises it in the foreground until
    /// Ctrl-C; `tonny run` does the same for every service in the background.
    Start {
        /// The service.
        name: String,
    },
    /// Stops NAME: asks the process supervising it to stop it (SIGTERM to its group).
    Stop {
        /// The service.
        name: String,
    },
    /// Restarts NAME in the process supervising it.
    Restart {
        /// The service.
        name: String,
    },
    /// NAME's captured output and supervision messages, from the logs table.
    Logs {
        /// The service.
        name: String,
        /// How many recent lines.
        #[arg(long, short = 'n', default_value_t = 50)]
        limit: u32,
    },
}

async fn specs(ctx: &Ctx, settings: &Settings) -> anyhow::Result<Vec<ServiceSpec>> {
    let (secrets, warnings) = backend_secrets(ctx, settings).await?;
    for w in warnings {
        eprintln!("tonny: {w}");
    }
    Ok(tonny_providers::wiring::services(settings, &secrets))
}

fn find<'a>(specs: &'a [ServiceSpec], name: &str) -> anyhow::Result<&'a ServiceSpec> {
    specs.iter().find(|s| s.name == name).with_context(|| {
        if specs.is_empty() {
            "no services are configured: set stt.backend to whisperlivekit (with \
             whisperlivekit.manage on) or add services.extra"
                .to_owned()
        } else {
            format!(
                "there is no service called {name:?}; configured: {}",
                specs
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    })
}

/// The running daemon's pid, for messages.
fn daemon_pid(ctx: &Ctx) -> u32 {
    tonny_server::daemon::runtime::read(&ctx.paths.data_dir).map_or(0, |i| i.pid)
}

/// `NAME`'s state in the running daemon's answer.
fn state_of<'a>(services: &'a Value, name: &str) -> Option<&'a Value> {
    services
        .as_array()?
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
}

/// Runs `tonny services`.
pub async fn run(ctx: &mut Ctx, cmd: ServicesCmd) -> anyhow::Result<ExitCode> {
    let settings = ctx.settings().await?.settings;
    let specs = specs(ctx, &settings).await?;
    let daemon = Daemon::find(ctx).await;
    match cmd.action {
        Action::List => {
            if specs.is_empty() {
                println!("no services are configured");
            }
            for s in &specs {
                let env: Vec<&str> = s.env.iter().map(|(k, _)| k.as_str()).collect();
                println!("{}: {} {}", s.name, s.program, s.args.join(" "));
                if !env.is_empty() {
                    println!("  environment: {} (values hidden)", env.join(", "));
                }
                if !s.depends_on.is_empty() {
                    println!("  after: {}", s.depends_on.join(", "));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Status { name } => status(ctx, &specs, daemon.as_ref(), name).await,
        Action::Start { name } => {
            find(&specs, &name)?;
            match daemon {
                Some(d) => {
                    d.post(&format!("/api/v1/services/{name}/start"), json!({}))
                        .await?;
                    println!("{name} started by TonnyTray process {}", daemon_pid(ctx));
                    Ok(ExitCode::SUCCESS)
                }
                None => supervise_in_foreground(ctx, &name).await,
            }
        }
        Action::Stop { name } => {
            find(&specs, &name)?;
            let Some(d) = daemon else {
                println!("{name} is not running under TonnyTray");
                return Ok(ExitCode::SUCCESS);
            };
            d.post(&format!("/api/v1/services/{name}/stop"), json!({}))
                .await?;
            println!("{name} stopped");
            Ok(ExitCode::SUCCESS)
        }
        Action::Restart { name } => {
            find(&specs, &name)?;
            let Some(d) = daemon else {
                bail!(
                    "{name} is not running under TonnyTray; start it with `tonny services start {name}` or `tonny serve`"
                );
            };
            d.post(&format!("/api/v1/services/{name}/restart"), json!({}))
                .await?;
            println!(
                "asked TonnyTray process {} to restart {name}",
                daemon_pid(ctx)
            );
            Ok(ExitCode::SUCCESS)
        }
        Action::Logs { name, limit } => {
            find(&specs, &name)?;
            let store = ctx.store()?;
            let mut lines = store
                .query_logs(&tonny_store::LogQuery {
                    component: Some(name),
                    limit,
                    ..Default::default()
                })
                .await?;
            lines.reverse();
            crate::cmd::logs::print(&lines, ctx.json)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `tonny services status`: each service's health, and which daemon supervises it.
async fn status(
    ctx: &Ctx,
    specs: &[ServiceSpec],
    daemon: Option<&Daemon>,
    name: Option<String>,
) -> anyhow::Result<ExitCode> {
    let chosen: Vec<&ServiceSpec> = match &name {
        Some(n) => vec![find(specs, n)?],
        None => specs.iter().collect(),
    };
    if chosen.is_empty() {
        println!("no services are configured");
    }
    let supervised = match daemon {
        Some(d) => d.get("/api/v1/services").await?,
        None => Value::Null,
    };
    let client = tonny_supervisor::health::client();
    let mut all_ok = true;
    for s in chosen {
        let state = state_of(&supervised, &s.name);
        let healthy = match (&s.health_url, state) {
            (Some(url), _) => tonny_supervisor::health::http_ok(&client, url).await,
            (None, Some(st)) => st["running"].as_bool().unwrap_or(false),
            (None, None) => false,
        };
        let by = match state {
            Some(st) => format!(
                "{} (supervised by pid {})",
                st["state"].as_str().unwrap_or("?"),
                daemon_pid(ctx)
            ),
            None => "not supervised by any running TonnyTray".into(),
        };
        all_ok &= healthy;
        println!(
            "{}: {}; {by}",
            s.name,
            if healthy { "healthy" } else { "not answering" }
        );
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `tonny services start NAME` with no daemon running: a daemon in the foreground that
/// supervises NAME (and what it depends on) and serves the API on a free port, so `status`,
/// `restart` and `stop` reach it; it ends on Ctrl-C, SIGTERM, or when NAME is stopped.
async fn supervise_in_foreground(ctx: &Ctx, name: &str) -> anyhow::Result<ExitCode> {
    let build = Providers {
        models_dir: ctx.paths.models_dir(),
        voices_dir: ctx.paths.voices_dir(),
        embedded: Arc::clone(&ctx.embedded),
        speak: false,
        display: Display::None,
        warm: false,
        text: None,
    };
    let config = CoreConfig {
        paths: ctx.paths.clone(),
        store: ctx.home.shared_store()?,
        secrets: ctx.secrets().await.ok(),
        build: Arc::new(build),
    };
    let token = ApiToken::load_or_create(&ctx.paths.data_dir.join(TOKEN_FILE))?;
    let server = Server::new(config, DaemonOptions::default(), token).await?;
    let handle = server.handle();
    let core = Arc::clone(handle.core());
    let mut events = handle.subscribe();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    // The service starts once this process serves and its runtime file names it, so that
    // `tonny services status` never sees it running without seeing who supervises it.
    let (failed_tx, failed_rx) = tokio::sync::oneshot::channel::<anyhow::Error>();
    let starting = name.to_owned();
    tokio::spawn(async move {
        handle.ready().await;
        let settings = core.settings.current();
        let (secrets, _) = core.secrets.for_settings(&settings).await;
        let specs = core.build.services(&settings, &secrets);
        match core.services.replace_only(specs, &starting).await {
            Ok(()) => eprintln!("supervising {starting}; Ctrl-C stops it"),
            Err(e) => {
                let _ = failed_tx.send(e.into());
            }
        }
    });
    let watched = name.to_owned();
    let ended = async move {
        loop {
            match events.recv().await {
                Ok(Event::ServiceHealth { service, state, .. }) => {
                    eprintln!("[{service}] {state}");
                    if service == watched && state == "stopped" {
                        return;
                    }
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => return,
            }
        }
    };
    let mut failure = None;
    server
        .run(Some(listener), async {
            tokio::select! {
                _ = tonny_server::daemon::terminated() => {}
                _ = ended => {}
                Ok(e) = failed_rx => failure = Some(e),
            }
        })
        .await?;
    match failure {
        Some(e) => Err(e),
        None => Ok(ExitCode::SUCCESS),
    }
}
