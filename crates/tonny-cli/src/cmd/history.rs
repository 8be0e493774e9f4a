//! `tonny history`: list, search and export what was said; list and retry dictations whose
//! text has not arrived (`cmd::unsent`).

use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use clap::{Args, Subcommand, ValueEnum};
use tonny_store::export::{EXPORT_PAGE, ExportFormat, HistoryEncoder, HistoryPages};
use tonny_store::{HistoryQuery, Store, Transcription};

use crate::ctx::Ctx;
use crate::output::{self, out};

/// History subcommands.
#[derive(Debug, Subcommand)]
pub enum HistoryCmd {
    /// The most recent transcriptions.
    List {
        /// How many.
        #[arg(long, short = 'n', default_value_t = 20)]
        limit: u32,
        /// Which transcriptions.
        #[command(flatten)]
        filter: Filter,
    },
    /// Full-text search; every word must appear (end a word with * for prefixes).
    Search {
        /// Words to look for.
        #[arg(required = true)]
        query: Vec<String>,
        /// Most results.
        #[arg(long, short = 'n', default_value_t = 20)]
        limit: u32,
        /// Which transcriptions.
        #[command(flatten)]
        filter: Filter,
    },
    /// Write all matching transcriptions as JSON or CSV.
    Export {
        /// Output format.
        #[arg(long, value_enum)]
        format: Format,
        /// Write here instead of stdout (created 0600).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Which transcriptions.
        #[command(flatten)]
        filter: Filter,
    },
    /// Delete transcriptions and their requests' records: all, one profile's, or those older
    /// than an age. Goes through the running daemon when there is one.
    Clear {
        /// Only this profile's.
        #[arg(long)]
        profile: Option<String>,
        /// Only those older than AGE, e.g. 30d.
        #[arg(long, value_name = "AGE", value_parser = humantime::parse_duration)]
        older_than: Option<Duration>,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
    /// Dictations whose text has not arrived yet (the transcription failed, the window could
    /// not be typed into, TonnyTray stopped meanwhile): their recordings are kept.
    Unsent,
    /// Type unsent dictations now: the one given, else all of them, oldest first.
    Retry {
        /// Its id (`tonny history unsent`).
        id: Option<String>,
    },
}

/// Filters shared by list, search and export.
#[derive(Debug, Args)]
pub struct Filter {
    /// Only this profile.
    #[arg(long)]
    profile: Option<String>,
    /// Only the last AGE, e.g. 7d or 12h.
    #[arg(long, value_name = "AGE", value_parser = humantime::parse_duration)]
    since: Option<Duration>,
}

impl Filter {
    fn query(&self, limit: u32) -> anyhow::Result<HistoryQuery> {
        Ok(HistoryQuery {
            limit,
            before_id: None,
            profile: self.profile.clone(),
            since: match self.since {
                Some(d) => Some(Utc::now() - chrono::Duration::from_std(d)?),
                None => None,
            },
            ..HistoryQuery::default()
        })
    }
}

/// Export formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// A JSON array.
    Json,
    /// Comma-separated values with a header row.
    Csv,
}

fn row(t: &Transcription) -> Vec<String> {
    vec![
        t.id.to_string(),
        output::when(t.created_at),
        t.profile.clone().unwrap_or_else(|| "-".into()),
        t.text.clone(),
    ]
}

/// Writes every matching row to `out`; returns how many.
async fn export(
    store: &dyn Store,
    query: HistoryQuery,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<u64> {
    let mut encoder = HistoryEncoder::new(match format {
        Format::Csv => ExportFormat::Csv,
        Format::Json => ExportFormat::Json,
    });
    let mut pages = HistoryPages::new(query, None);
    out.write_all(&encoder.start())?;
    while let Some(page) = pages.next(store).await? {
        out.write_all(&encoder.page(&page))?;
    }
    out.write_all(&encoder.finish())?;
    out.flush()?;
    Ok(encoder.rows())
}

/// Runs a `history` subcommand.
pub async fn run(ctx: &mut Ctx, cmd: HistoryCmd) -> anyhow::Result<ExitCode> {
    if let HistoryCmd::Clear {
        profile,
        older_than,
        yes,
    } = cmd
    {
        return clear(ctx, profile, older_than, yes).await;
    }
    match cmd {
        HistoryCmd::Unsent => return super::unsent::list(ctx).await,
        HistoryCmd::Retry { id } => return super::unsent::retry(ctx, id).await,
        _ => {}
    }
    let store = ctx.store()?;
    match cmd {
        HistoryCmd::Clear { .. } | HistoryCmd::Unsent | HistoryCmd::Retry { .. } => {
            unreachable!("handled above")
        }
        HistoryCmd::List { limit, filter } => {
            let rows = store.list_transcriptions(&filter.query(limit)?).await?;
            if ctx.json {
                output::json(&rows)?;
            } else if rows.is_empty() {
                out!("no transcriptions yet");
            } else {
                let mut t = output::table(&["ID", "WHEN", "PROFILE", "TEXT"]);
                for r in &rows {
                    t.add_row(row(r));
                }
                output::print_table(&t)?;
            }
        }
        HistoryCmd::Search {
            query,
            limit,
            filter,
        } => {
            let hits = store
                .search_transcriptions(&query.join(" "), &filter.query(limit)?)
                .await?;
            if ctx.json {
                output::json(&hits)?;
            } else if hits.is_empty() {
                out!("no matches");
            } else {
                let mut t = output::table(&["ID", "WHEN", "PROFILE", "MATCH"]);
                for h in &hits {
                    let mut r = row(&h.transcription);
                    r[3] = h.snippet.clone();
                    t.add_row(r);
                }
                output::print_table(&t)?;
            }
        }
        HistoryCmd::Export {
            format,
            output: path,
            filter,
        } => {
            let q = filter.query(EXPORT_PAGE)?;
            let n = match &path {
                Some(p) => {
                    let file = std::fs::OpenOptions::new()
                        .write(true)
                        .create(true)
                        .truncate(true)
                        .mode(0o600)
                        .open(p)
                        .with_context(|| format!("creating {}", p.display()))?;
                    let mut w = BufWriter::new(file);
                    export(store, q, format, &mut w).await?
                }
                None => export(store, q, format, &mut std::io::stdout().lock()).await?,
            };
            tracing::info!(component = "history", rows = n, "history exported");
            if let Some(p) = path {
                eprintln!("exported {n} transcriptions to {}", p.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `tonny history clear`: through the running daemon's API, or on the database directly.
async fn clear(
    ctx: &Ctx,
    profile: Option<String>,
    older_than: Option<Duration>,
    yes: bool,
) -> anyhow::Result<ExitCode> {
    let before = match older_than {
        Some(d) => Some(Utc::now() - chrono::Duration::from_std(d)?),
        None => None,
    };
    let what = match (&profile, older_than) {
        (Some(p), Some(d)) => format!("{p}'s history older than {}", humantime::format_duration(d)),
        (Some(p), None) => format!("all of {p}'s history"),
        (None, Some(d)) => format!("all history older than {}", humantime::format_duration(d)),
        (None, None) => "all history".to_owned(),
    };
    if !crate::cmd::db::confirm(&format!("Delete {what}?"), yes)? {
        out!("nothing deleted");
        return Ok(ExitCode::SUCCESS);
    }
    let (transcriptions, activity) = match crate::client::Daemon::find(ctx).await {
        Some(daemon) => {
            let mut query = Vec::new();
            if let Some(p) = &profile {
                query.push(format!("profile={p}"));
            }
            if let Some(b) = before {
                query.push(format!(
                    "before={}",
                    b.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ));
            }
            let answer = daemon
                .call(
                    reqwest::Method::DELETE,
                    &format!("/api/v1/history?{}", query.join("&")),
                    None,
                )
                .await?;
            (
                answer["transcriptions"].as_u64().unwrap_or(0),
                answer["activity"].as_u64().unwrap_or(0),
            )
        }
        None => {
            let store = ctx.store()?;
            if let Some(p) = &profile
                && store.get_profile(p).await?.is_none()
            {
                anyhow::bail!("there is no profile {p:?}; `tonny profiles list` shows them");
            }
            let c = store
                .clear_history(&tonny_store::ClearHistory { profile, before })
                .await?;
            (c.transcriptions, c.activity)
        }
    };
    if ctx.json {
        output::json(&serde_json::json!({"transcriptions": transcriptions, "activity": activity}))?;
    } else {
        out!("deleted {transcriptions} transcriptions and {activity} request records");
    }
    Ok(ExitCode::SUCCESS)
}
