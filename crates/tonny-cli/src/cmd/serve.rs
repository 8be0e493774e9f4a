//! `tonny serve`: `tonny run` plus the daemon API and web UI on `server.host:server.port`;
//! `tonny ui-url`: the address to open, with the token.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonny_core::Settings;
use tonny_server::api::speech::SttLoader;
use tonny_server::api::{self, ApiState, ApiToken, SpeechParts, auth::TOKEN_FILE};
use tonny_server::assistant::Assistant;
use tonny_supervisor::Supervisor;

use crate::cmd::run::RunArgs;
use crate::ctx::Ctx;

/// Options for `tonny serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen on this port instead of `server.port` (0: any free port).
    #[arg(long)]
    pub port: Option<u16>,
    /// Everything `tonny run` takes.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Where the running daemon wrote its address, for `tonny ui-url`.
fn address_file(ctx: &Ctx) -> PathBuf {
    ctx.paths.data_dir.join("api-address")
}

/// The API being served.
pub struct Served {
    ui_url: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    address_file: PathBuf,
}

impl Served {
    /// The web UI's address with the token in the fragment.
    pub fn ui_url(&self) -> &str {
        &self.ui_url
    }

    /// Stops taking connections, lets requests in flight finish, and forgets the address.
    pub async fn shut_down(self) {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Err(e)) => eprintln!("tonny: the API stopped with an error: {e}"),
            Err(e) => eprintln!("tonny: the API stopped unexpectedly: {e}"),
            Ok(Ok(())) => {}
        }
        let _ = std::fs::remove_file(&self.address_file);
    }
}

/// The speech engine (loaded when first needed, or when first asked for with `warm`) and the
/// voice that renders replies for the web UI, as the settings say.
pub async fn speech_parts(
    ctx: &Ctx,
    settings: &Settings,
    warm: bool,
) -> anyhow::Result<SpeechParts> {
    let mut warnings = Vec::new();
    let secrets = crate::cmd::pipeline::secrets(ctx, settings, &mut warnings).await?;
    let (voice, _) = tonny_server::wiring::tts(settings, &secrets);
    let (task_ctx, task_settings) = (Arc::new(ctx.clone_for_task()), settings.clone());
    let load: SttLoader = Box::new(move || {
        let (c, s) = (Arc::clone(&task_ctx), task_settings.clone());
        Box::pin(async move {
            crate::cmd::pipeline::daemon_stt(&c, &s, warm)
                .await
                .map_err(|e| format!("{e:#}"))
        })
    });
    Ok(SpeechParts::new(
        load,
        Some(voice),
        crate::cmd::listen::transcribe_options(settings),
    ))
}

/// Binds and serves the API for `assistant`; prints where.
pub async fn start(
    ctx: &Ctx,
    port: Option<u16>,
    assistant: Arc<Assistant>,
    supervisor: Option<Arc<Supervisor>>,
    speech: Arc<SpeechParts>,
) -> anyhow::Result<Served> {
    let settings = ctx.settings().await?.settings;
    let token = ApiToken::load_or_create(&ctx.paths.data_dir.join(TOKEN_FILE))
        .context("creating the API token file")?;
    let secrets = match ctx.secrets().await {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("tonny: secrets cannot be managed from the web UI: {e:#}");
            None
        }
    };
    let host = settings.server.host.clone();
    let port = port.unwrap_or(settings.server.port);
    let listener = tokio::net::TcpListener::bind((host.as_str(), port))
        .await
        .with_context(|| {
            format!(
                "listening on {host}:{port} (another program may use the port; choose another \
                 with `tonny config set server.port N`)"
            )
        })?;
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() {
        eprintln!(
            "tonny: warning: the API listens on {addr}, reachable from the network (server.host); \
             only the token protects it"
        );
    }
    let token_text = token.expose().to_owned();
    let state = ApiState {
        assistant,
        paths: ctx.paths.clone(),
        secrets,
        supervisor,
        speech: Some(speech),
        token,
        started: Instant::now(),
    };
    let address_file = address_file(ctx);
    let url = format!("http://{addr}/");
    std::fs::write(&address_file, &url)
        .with_context(|| format!("writing {}", address_file.display()))?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(api::run(listener, api::app(state), async {
        let _ = stopped.await;
    }));
    eprintln!("TonnyTray API and web UI on {url} (`tonny ui-url` prints the address to open)");
    Ok(Served {
        ui_url: format!("{url}#token={}", token_text),
        stop,
        task,
        address_file,
    })
}

/// Runs `tonny ui-url`.
pub async fn ui_url(ctx: &mut Ctx) -> anyhow::Result<ExitCode> {
    let url = match std::fs::read_to_string(address_file(ctx)) {
        Ok(u) => u.trim().to_owned(),
        Err(_) => {
            let s = ctx.settings().await?.settings.server;
            eprintln!("tonny: the daemon is not running; start it with `tonny serve`");
            format!("http://{}:{}/", s.host, s.port)
        }
    };
    let token = ApiToken::load_or_create(&ctx.paths.data_dir.join(TOKEN_FILE))
        .context("reading the API token file")?;
    // In the fragment: a browser never sends it to the server or writes it in access logs.
    println!("{url}#token={}", token.expose());
    Ok(ExitCode::SUCCESS)
}
