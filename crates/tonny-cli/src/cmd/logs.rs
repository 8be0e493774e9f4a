//! `tonny logs`: recorded log lines and system events, optionally followed live.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use tonny_core::settings::LogLevel;
use tonny_store::{LogEntry, LogQuery, Store};

use crate::ctx::Ctx;
use crate::output::{self, out};

/// How often `--follow` looks for new lines.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);

/// Options for `tonny logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Least severe level shown: trace, debug, info, warn or error.
    #[arg(long, short, default_value = "info", value_parser = parse_level)]
    level: LogLevel,
    /// Only this component (store, config, secrets, supervisor, …).
    #[arg(long, short)]
    component: Option<String>,
    /// How many recent lines.
    #[arg(long, short = 'n', default_value_t = 50)]
    limit: u32,
    /// Keep printing new lines as they are recorded (Ctrl-C to stop).
    #[arg(long, short)]
    follow: bool,
}

fn parse_level(s: &str) -> Result<LogLevel, String> {
    LogLevel::parse(s)
        .ok_or_else(|| format!("unknown level {s:?}; use trace, debug, info, warn or error"))
}

/// Prints log lines, oldest first (one JSON object per line with `--json`).
pub fn print(entries: &[LogEntry], json: bool) -> anyhow::Result<()> {
    for e in entries {
        if json {
            // One object per line, so a follower can parse as it reads.
            out!("{}", serde_json::to_string(e)?);
        } else {
            let meta = e
                .record
                .metadata
                .as_ref()
                .map(|m| format!(" {m}"))
                .unwrap_or_default();
            out!(
                "{} {:<5} {:<10} {}{}",
                output::when(e.record.ts),
                e.record.level.as_str().to_uppercase(),
                e.record.component,
                e.record.message,
                meta
            );
        }
    }
    Ok(())
}

/// Runs `tonny logs`.
pub async fn run(ctx: &mut Ctx, args: LogsArgs) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    let mut q = LogQuery {
        min_level: args.level,
        component: args.component,
        after_id: None,
        limit: args.limit,
    };
    let mut recent = store.query_logs(&q).await?;
    recent.reverse(); // oldest first, like a log file
    print(&recent, ctx.json)?;
    if !args.follow {
        return Ok(ExitCode::SUCCESS);
    }
    let mut last = match recent.last() {
        Some(e) => e.id,
        None => {
            // Nothing matched yet: start after the newest line of any kind.
            let newest = store
                .query_logs(&LogQuery {
                    limit: 1,
                    ..Default::default()
                })
                .await?;
            newest.first().map_or(0, |e| e.id)
        }
    };
    q.limit = 1_000;
    loop {
        tokio::time::sleep(FOLLOW_EVERY).await;
        q.after_id = Some(last);
        let new = store.query_logs(&q).await?;
        if let Some(e) = new.last() {
            last = e.id;
        }
        print(&new, ctx.json)?;
    }
}
