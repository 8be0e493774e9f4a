//! `tonny serve`: `tonny run` plus the daemon API and web UI on `server.host:server.port`;
//! `tonny ui-url`: the address to open, with the token.

use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use tonny_server::api::{ApiToken, auth::TOKEN_FILE};
use tonny_server::daemon::runtime;

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

/// Runs `tonny ui-url`.
pub async fn ui_url(ctx: &mut Ctx) -> anyhow::Result<ExitCode> {
    let url = match runtime::read(&ctx.paths.data_dir) {
        Some(info) => info.url,
        None => {
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
