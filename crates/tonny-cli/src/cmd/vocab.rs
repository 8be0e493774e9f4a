//! `tonny vocab`: the household's vocabulary (names and terms recognition should expect,
//! `stt.vocabulary`) and replacements (`heard => written`, `stt.replacements`), or with
//! `--profile` one person's own, edited a term at a time. Through the running daemon when there
//! is one (applied at once), else stored.

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use tonny_core::replacements::{ARROW, Replacements};
use tonny_store::{Store, StoreError};

use crate::client::Daemon;
use crate::cmd::config::{patch, store_value};
use crate::ctx::Ctx;
use crate::output::{self, out};

const TERMS: &str = "stt.vocabulary";
const REPLACEMENTS: &str = "stt.replacements";

/// `tonny vocab [--profile NAME] …`.
#[derive(Debug, Args)]
pub struct VocabArgs {
    /// Edit this profile's own lists (used while it is active, after the household's).
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,
    #[command(subcommand)]
    cmd: VocabCmd,
}

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

/// Which lists are edited.
enum Lists {
    /// The settings `stt.vocabulary` and `stt.replacements`.
    Household,
    /// A profile's own, through the running daemon: its view from the API.
    ProfileApi(Daemon, Box<Value>),
    /// A profile's own, stored (no daemon runs).
    ProfileStored(Box<tonny_core::Profile>),
}

fn not_found(name: &str) -> anyhow::Error {
    StoreError::NotFound {
        kind: "profile",
        name: name.to_owned(),
        hint: "tonny profiles list",
    }
    .into()
}

/// The lists `profile` names (the household's without one), and their current contents.
async fn open(
    ctx: &Ctx,
    profile: Option<&str>,
) -> anyhow::Result<(Lists, Vec<String>, Vec<String>)> {
    let Some(name) = profile else {
        let stt = ctx.settings().await?.settings.stt;
        return Ok((Lists::Household, stt.vocabulary, stt.replacements));
    };
    match Daemon::find(ctx).await {
        Some(daemon) => {
            let all = daemon.get("/api/v1/profiles").await?;
            let view = all
                .as_array()
                .and_then(|a| {
                    a.iter().find(|p| {
                        p["name"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case(name))
                    })
                })
                .cloned()
                .ok_or_else(|| not_found(name))?;
            let list = |k: &str| -> Vec<String> {
                serde_json::from_value(view[k].clone()).unwrap_or_default()
            };
            let (terms, replacements) = (list("vocabulary"), list("replacements"));
            Ok((
                Lists::ProfileApi(daemon, Box::new(view)),
                terms,
                replacements,
            ))
        }
        None => {
            let p = ctx
                .store()?
                .get_profile(name)
                .await?
                .ok_or_else(|| not_found(name))?;
            let (terms, replacements) = (p.vocabulary.clone(), p.replacements.clone());
            Ok((Lists::ProfileStored(Box::new(p)), terms, replacements))
        }
    }
}

/// Stores `key`'s new `list`; the exit code when it was refused.
async fn save(
    ctx: &Ctx,
    lists: Lists,
    key: &str,
    list: Vec<String>,
) -> anyhow::Result<Option<ExitCode>> {
    let terms = key == TERMS;
    match lists {
        Lists::Household => match Daemon::find(ctx).await {
            Some(daemon) => Ok(patch(&daemon, key, json!(list)).await?.err()),
            None => store_value(ctx, key, json!(list)).await.map(|_| None),
        },
        Lists::ProfileApi(daemon, view) => {
            let mut body = json!({});
            for k in [
                "permission",
                "allowed_commands",
                "blocked_commands",
                "daily_limit",
                "quiet_hours",
                "speaker_id",
                "tts_voice",
                "vocabulary",
                "replacements",
            ] {
                body[k] = view[k].clone();
            }
            body[if terms { "vocabulary" } else { "replacements" }] = json!(list);
            let name = view["name"].as_str().unwrap_or_default();
            // Profile names are letters, digits, '-', '_' and spaces: only spaces need escaping.
            let path = format!("/api/v1/profiles/{}", name.replace(' ', "%20"));
            daemon.call(reqwest::Method::PUT, &path, Some(body)).await?;
            Ok(None)
        }
        Lists::ProfileStored(mut p) => {
            if terms {
                p.vocabulary = list;
            } else {
                p.replacements = list;
            }
            let name = p.name.clone();
            ctx.store()?.update_profile(&name, &p).await?;
            Ok(None)
        }
    }
}

/// Runs a `vocab` subcommand.
pub async fn run(ctx: &mut Ctx, args: VocabArgs) -> anyhow::Result<ExitCode> {
    let (lists, terms, replacements) = open(ctx, args.profile.as_deref()).await?;
    let (key, list) = match args.cmd {
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
    if let Some(refused) = save(ctx, lists, key, list.clone()).await? {
        return Ok(refused);
    }
    if ctx.json {
        output::json(&json!({ key: list }))?;
    } else {
        out!("{key} = {}", list.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
