//! `tonny history`: list, search and export what was said.

use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use clap::{Args, Subcommand, ValueEnum};
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
}

/// Filters shared by list and export.
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

const PAGE: u32 = 1_000;

fn row(t: &Transcription) -> Vec<String> {
    vec![
        t.id.to_string(),
        output::when(t.created_at),
        t.profile.clone().unwrap_or_else(|| "-".into()),
        t.text.clone(),
    ]
}

/// Reads matching rows page by page, newest first, so exports never hold the whole history.
struct Pages<'a> {
    store: &'a dyn Store,
    query: HistoryQuery,
    done: bool,
}

impl Pages<'_> {
    async fn next(&mut self) -> anyhow::Result<Option<Vec<Transcription>>> {
        if self.done {
            return Ok(None);
        }
        let page = self.store.list_transcriptions(&self.query).await?;
        match page.last() {
            Some(last) if page.len() == PAGE as usize => self.query.before_id = Some(last.id),
            _ => self.done = true,
        }
        Ok((!page.is_empty()).then_some(page))
    }
}

/// Writes every matching row to `out`; returns how many.
async fn export(
    store: &dyn Store,
    mut query: HistoryQuery,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<u64> {
    query.limit = PAGE;
    let mut pages = Pages {
        store,
        query,
        done: false,
    };
    let mut n = 0u64;
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            while let Some(page) = pages.next().await? {
                for t in &page {
                    w.serialize(t)?;
                    n += 1;
                }
            }
            w.flush()?;
        }
        Format::Json => {
            write!(out, "[")?;
            while let Some(page) = pages.next().await? {
                for t in &page {
                    let sep = if n == 0 { "" } else { "," };
                    write!(out, "{sep}\n  {}", serde_json::to_string(t)?)?;
                    n += 1;
                }
            }
            writeln!(out, "{}]", if n > 0 { "\n" } else { "" })?;
        }
    }
    out.flush()?;
    Ok(n)
}

/// Runs a `history` subcommand.
pub async fn run(ctx: &mut Ctx, cmd: HistoryCmd) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    match cmd {
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
        HistoryCmd::Search { query, limit } => {
            let hits = store.search_transcriptions(&query.join(" "), limit).await?;
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
            let q = filter.query(PAGE)?;
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
