//! `tonny services`: the supervised services (the WhisperLiveKit server, and any extra ones).
//!
//! Until the daemon's API exists, the process that supervises (`tonny run`, or
//! `tonny services start` in the foreground) records each service's state in
//! `DATA/services/NAME.json` with its own pid; `status` reads those records (and probes the
//! health URL), `stop` asks that process to stop with SIGTERM, `restart` with SIGHUP.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use tonny_core::Settings;
use tonny_server::wiring;
use tonny_store::Store;
use tonny_supervisor::{Policy, ServiceSpec, Supervisor};

use crate::cmd::pipeline::secrets;
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

/// A service's state as recorded by the process supervising it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// The supervising process.
    pub supervisor_pid: u32,
    /// The state, as the supervisor described it.
    pub state: String,
    /// True while it is running and healthy.
    pub running: bool,
}

fn records_dir(ctx: &Ctx) -> PathBuf {
    ctx.paths.data_dir.join("services")
}

fn record_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.json"))
}

// Running, and not a zombie waiting for its parent to collect it.
fn alive(pid: u32) -> bool {
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false);
    !zombie && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None).is_ok()
}

fn read_record(dir: &Path, name: &str) -> Option<Record> {
    let r: Record = serde_json::from_slice(&std::fs::read(record_path(dir, name)).ok()?).ok()?;
    alive(r.supervisor_pid).then_some(r)
}

/// Supervises `specs` in this process, recording states under DATA/services, until the
/// returned handle's `stop_all`. Used by `tonny run` and `tonny services start`.
pub fn supervise(ctx: &Ctx, specs: Vec<ServiceSpec>) -> anyhow::Result<Arc<Supervisor>> {
    let dir = records_dir(ctx);
    tonny_core::paths::create_private_dir(&dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let supervisor = Arc::new(Supervisor::new(specs, Policy::default()));
    let mut events = supervisor.subscribe();
    let me = std::process::id();
    tokio::spawn(async move {
        while let Ok(e) = events.recv().await {
            let record = Record {
                supervisor_pid: me,
                state: e.state.describe(),
                running: e.state.is_running(),
            };
            if let Ok(json) = serde_json::to_vec(&record) {
                let _ = std::fs::write(record_path(&dir, &e.service), json);
            }
            eprintln!("[{}] {}", e.service, e.state.describe());
        }
    });
    Ok(supervisor)
}

async fn specs(ctx: &Ctx, settings: &Settings) -> anyhow::Result<Vec<ServiceSpec>> {
    let mut warnings = Vec::new();
    let secrets = secrets(ctx, settings, &mut warnings).await?;
    for w in warnings {
        eprintln!("tonny: {w}");
    }
    Ok(wiring::services(settings, &secrets))
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

/// The services whose restart was asked for (by `tonny services restart`), forgetting the
/// requests. Called by the supervising process on SIGHUP.
pub fn take_restart_requests(ctx: &Ctx) -> Vec<String> {
    let dir = records_dir(ctx);
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "restart") {
            if let Some(stem) = path.file_stem() {
                names.push(stem.to_string_lossy().into_owned());
            }
            let _ = std::fs::remove_file(&path);
        }
    }
    names
}

/// Forgets the records of a supervisor that is stopping.
pub fn clear_records(ctx: &Ctx, supervisor: &Supervisor) {
    let dir = records_dir(ctx);
    for (name, _) in supervisor.states() {
        let _ = std::fs::remove_file(record_path(&dir, &name));
    }
}

fn signal(pid: u32, sig: nix::sys::signal::Signal) -> anyhow::Result<()> {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), sig)
        .with_context(|| format!("signalling the supervising process {pid}"))
}

/// Runs `tonny services`.
pub async fn run(ctx: &mut Ctx, cmd: ServicesCmd) -> anyhow::Result<ExitCode> {
    let settings = ctx.settings().await?.settings;
    let specs = specs(ctx, &settings).await?;
    let dir = records_dir(ctx);
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
        Action::Status { name } => {
            let chosen: Vec<&ServiceSpec> = match &name {
                Some(n) => vec![find(&specs, n)?],
                None => specs.iter().collect(),
            };
            if chosen.is_empty() {
                println!("no services are configured");
            }
            let client = tonny_supervisor::health::client();
            let mut all_ok = true;
            for s in chosen {
                let healthy = match &s.health_url {
                    Some(url) => tonny_supervisor::health::http_ok(&client, url).await,
                    None => read_record(&dir, &s.name).is_some_and(|r| r.running),
                };
                let supervised = read_record(&dir, &s.name)
                    .map(|r| format!("{} (supervised by pid {})", r.state, r.supervisor_pid))
                    .unwrap_or_else(|| "not supervised by any running TonnyTray".into());
                all_ok &= healthy;
                println!(
                    "{}: {}; {supervised}",
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
        Action::Start { name } => {
            find(&specs, &name)?;
            if let Some(r) = read_record(&dir, &name) {
                bail!(
                    "{name} is already supervised by TonnyTray process {} ({})",
                    r.supervisor_pid,
                    r.state
                );
            }
            let supervisor = supervise(ctx, specs)?;
            supervisor.start(&name)?;
            eprintln!("supervising {name}; Ctrl-C stops it");
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
            loop {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => break,
                    _ = term.recv() => break,
                    _ = hup.recv() => {
                        for n in take_restart_requests(ctx) {
                            let _ = supervisor.restart(&n);
                        }
                    }
                }
            }
            supervisor.stop_all().await;
            // Let the last state reach its record.
            tokio::time::sleep(Duration::from_millis(50)).await;
            clear_records(ctx, &supervisor);
            Ok(ExitCode::SUCCESS)
        }
        Action::Stop { name } => {
            find(&specs, &name)?;
            let Some(r) = read_record(&dir, &name) else {
                println!("{name} is not running under TonnyTray");
                return Ok(ExitCode::SUCCESS);
            };
            signal(r.supervisor_pid, nix::sys::signal::Signal::SIGTERM)?;
            for _ in 0..200 {
                if !alive(r.supervisor_pid) {
                    println!("{name} stopped");
                    return Ok(ExitCode::SUCCESS);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            bail!(
                "the supervising process {} did not stop within 10 s",
                r.supervisor_pid
            )
        }
        Action::Restart { name } => {
            find(&specs, &name)?;
            let Some(r) = read_record(&dir, &name) else {
                bail!(
                    "{name} is not running under TonnyTray; start it with `tonny services start {name}` or `tonny run`"
                );
            };
            std::fs::write(dir.join(format!("{name}.restart")), b"")?;
            signal(r.supervisor_pid, nix::sys::signal::Signal::SIGHUP)?;
            println!(
                "asked TonnyTray process {} to restart {name}",
                r.supervisor_pid
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
