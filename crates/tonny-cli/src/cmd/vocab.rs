//! `tonny vocab`: the household's vocabulary (names and terms recognition should expect,
//! `stt.vocabulary`) and replacements (`heard => written`, `stt.replacements`), edited a term
//! at a time. Through the running daemon when there is one (applied at once), else stored.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use tonny_core::replacements::{ARROW, Replacements};

use crate::client::Daemon;
use crate::cmd::config::{patch, store_value};
use crate::ctx::Ctx;
use crate::output::{self, out};

const TERMS: &str = "stt.vocabulary";
const REPLACEMENTS: &str = "stt.replacements";

/// Vocabulary subcommands.
#[derive(Debug, Subcommand)]
pub enum VocabCmd {
    /// The household's terms and replacements.
    List,
    /// Names or terms to expect, spelled as they should be written ("TonnyTray", "Saoirse").
    Add {
        /// The terms.
        #[arg(required = true)]
        terms: Vec<String>,
    },
    /// Stop expecting these terms.
    Remove {
        /// The terms (any case).
        #[arg(required = true)]
        terms: Vec<String>,
    },
    /// Write HEARD as WRITTEN in every transcript (whole words, any case; a `*` at an end of
    /// HEARD also matches inside a word there).
    Replace {
        /// What recognition writes ("tony tray").
        heard: String,
        /// What the household writes ("TonnyTray").
        written: String,
    },
    /// Remove the replacements of HEARD.
    Unreplace {
        /// What recognition writes, as given to `replace`.
        heard: String,
    },
}

fn heard_of(entry: &str) -> &str {
    entry.split_once(ARROW).map_or(entry, |(h, _)| h).trim()
}

/// Stores `key = list`, through the daemon when one runs; the exit code when it was refused.
async fn save(ctx: &Ctx, key: &str, list: Vec<String>) -> anyhow::Result<Option<ExitCode>> {
    let value = json!(list);
    match Daemon::find(ctx).await {
        Some(daemon) => Ok(patch(&daemon, key, value).await?.err()),
        None => store_value(ctx, key, value).await.map(|_| None),
    }
}

/// Runs a `vocab` subcommand.
pub async fn run(ctx: &mut Ctx, cmd: VocabCmd) -> anyhow::Result<ExitCode> {
    let settings = ctx.settings().await?.settings;
    let (terms, replacements) = (settings.stt.vocabulary, settings.stt.replacements);
    let (key, list) = match cmd {
        VocabCmd::List => {
            if ctx.json {
                output::json(&json!({"terms": terms, "replacements": replacements}))?;
            } else {
                out!(
                    "Terms ({TERMS}): {}",
                    if terms.is_empty() {
                        "none".to_owned()
                    } else {
                        terms.join(", ")
                    }
                );
                out!("Replacements ({REPLACEMENTS}):");
                if replacements.is_empty() {
                    out!("  none (add one: tonny vocab replace \"tony tray\" TonnyTray)");
                }
                for r in &replacements {
                    out!("  {r}");
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        VocabCmd::Add { terms: added } => {
            let mut list = terms;
            for t in added.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
                if !list.iter().any(|k| k == t) {
                    list.push(t.to_owned());
                }
            }
            (TERMS, list)
        }
        VocabCmd::Remove { terms: removed } => {
            let gone = |k: &String| removed.iter().any(|r| r.trim().eq_ignore_ascii_case(k));
            if !terms.iter().any(gone) {
                anyhow::bail!("none of these is in {TERMS}; `tonny vocab list` shows it");
            }
            (TERMS, terms.into_iter().filter(|k| !gone(k)).collect())
        }
        VocabCmd::Replace { heard, written } => {
            let entry = format!("{} {ARROW} {}", heard.trim(), written.trim());
            Replacements::check(&entry)?;
            let mut list: Vec<String> = replacements
                .into_iter()
                .filter(|r| !heard_of(r).eq_ignore_ascii_case(heard.trim()))
                .collect();
            list.push(entry);
            (REPLACEMENTS, list)
        }
        VocabCmd::Unreplace { heard } => {
            let same = |r: &String| heard_of(r).eq_ignore_ascii_case(heard.trim());
            if !replacements.iter().any(same) {
                anyhow::bail!(
                    "there is no replacement of {heard:?}; `tonny vocab list` shows them"
                );
            }
            (
                REPLACEMENTS,
                replacements.into_iter().filter(|r| !same(r)).collect(),
            )
        }
    };
    if let Some(refused) = save(ctx, key, list.clone()).await? {
        return Ok(refused);
    }
    if ctx.json {
        output::json(&json!({ key: list }))?;
    } else {
        out!("{key} = {}", list.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
