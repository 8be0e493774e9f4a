//! `tonny ask TEXT`: text straight to the router — the way to use TonnyTray when speech is not
//! possible, and the quickest way to try a profile's rules or a quick action. With a daemon
//! running, the request goes through it (the tray and the web UI see it); with none, it is
//! handled in this process the same way.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use serde_json::json;
use tonny_server::api::AskResponse;
use tonny_server::assistant::VoiceTarget;
use tonny_server::output::Printed;

use crate::client::Daemon;
use crate::ctx::Ctx;
use crate::output;

/// Exit code when the family rules refuse a request.
pub const REFUSED: u8 = 3;

/// Options for `tonny ask`.
#[derive(Debug, Args)]
pub struct AskArgs {
    /// The request (several arguments are joined with spaces).
    #[arg(required = true)]
    text: Vec<String>,
    /// Print the reply but do not speak it.
    #[arg(long)]
    silent: bool,
}

/// Prints what became of a request (the reply when it is shown as text; everything with
/// `--json`) and gives its exit code.
pub fn report(ctx: &Ctx, answer: &AskResponse) -> anyhow::Result<ExitCode> {
    if ctx.json {
        output::json(answer)?;
    } else {
        for text in &answer.shown {
            println!("{text}");
        }
    }
    Ok(if answer.refused.is_some() {
        ExitCode::from(REFUSED)
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs `tonny ask`.
pub async fn run(ctx: &mut Ctx, args: AskArgs) -> anyhow::Result<ExitCode> {
    let text = args.text.join(" ");
    if let Some(daemon) = Daemon::find(ctx).await {
        let answer = daemon
            .post("/api/v1/ask", json!({"text": text, "silent": args.silent}))
            .await?;
        return report(ctx, &serde_json::from_value(answer)?);
    }
    // Replies come back to be printed here, as the daemon hands them to its callers.
    let core =
        crate::cmd::local::core(ctx, !args.silent, Arc::new(Printed { show: false })).await?;
    let voice = if args.silent {
        VoiceTarget::Silent
    } else {
        VoiceTarget::Host
    };
    let mut outcome = core.session.ask(&text, voice).await?;
    let code = report(ctx, &AskResponse::of(&outcome))?;
    if let Some(done) = outcome.speech_done.take() {
        let _ = done.await;
    }
    Ok(code)
}
