//! `tonny ask TEXT`: text straight to the router — the way to use TonnyTray when speech is not
//! possible, and the quickest way to try a profile's rules or a quick action.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use serde::Serialize;
use tonny_server::assistant::Outcome;

use crate::cmd::pipeline::{Printed, assistant};
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

/// What `--json` prints.
#[derive(Debug, Serialize)]
pub struct AskReport {
    intent: &'static str,
    agent: Option<String>,
    reply: Option<String>,
    refused: Option<String>,
    timings: tonny_store::StageTimings,
    /// Request received → first reply sample queued for playback.
    first_audio_ms: Option<u32>,
    /// The outbox entry, when the request was queued for a backend that is down.
    queued: Option<i64>,
}

impl AskReport {
    /// The report of one outcome.
    pub fn of(o: &Outcome) -> Self {
        Self {
            intent: o.intent.as_str(),
            agent: o.agent.clone(),
            reply: o.reply.clone(),
            refused: o.refusal.as_ref().map(|r| r.reason()),
            timings: o.timings,
            first_audio_ms: o.first_audio_ms,
            queued: o.queued,
        }
    }
}

/// Runs `tonny ask`.
pub async fn run(ctx: &mut Ctx, args: AskArgs) -> anyhow::Result<ExitCode> {
    let text = args.text.join(" ");
    let printed = Arc::new(Printed { show: !ctx.json });
    let assistant = assistant(ctx, printed, !args.silent).await?;
    let mut outcome = assistant.ask(&text).await?;
    if let Some(done) = outcome.speech_done.take() {
        let _ = done.await;
    }
    if ctx.json {
        output::json(&AskReport::of(&outcome))?;
    }
    Ok(if outcome.refusal.is_some() {
        ExitCode::from(REFUSED)
    } else {
        ExitCode::SUCCESS
    })
}
