//! `tonny actions`: quick actions — a phrase the family chooses and the steps it runs.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use tonny_core::quick_action::{QuickAction, Step};
use tonny_store::Store;

use crate::ctx::Ctx;
use crate::output::{self, out};

/// Quick-action subcommands.
#[derive(Debug, Subcommand)]
pub enum ActionsCmd {
    /// Every quick action and its steps.
    List,
    /// Add a quick action, or replace the one with the same name.
    #[command(
        after_help = "Steps run in order. Example:\n  tonny actions add night --phrase 'good night' \\\n      --step 'speak:Sleep well' --step 'ask:set a timer for eight hours' \\\n      --step 'open:https://example.org/lights-off'"
    )]
    Add {
        /// Unique name.
        name: String,
        /// What the person says (matched word for word, ignoring case and punctuation).
        #[arg(long)]
        phrase: String,
        /// A step: `type:TEXT`, `speak:TEXT`, `ask:PROMPT` or `open:URL` (repeatable, in order).
        #[arg(long = "step", value_name = "KIND:VALUE", required = true)]
        steps: Vec<String>,
        /// Only this profile may use it.
        #[arg(long)]
        profile: Option<String>,
        /// Save it switched off.
        #[arg(long)]
        disabled: bool,
    },
    /// Remove a quick action.
    Remove {
        /// Its name.
        name: String,
    },
}

fn describe(step: &Step) -> String {
    match step {
        Step::Type { text } => format!("type {text:?}"),
        Step::Speak { text } => format!("say {text:?}"),
        Step::Ask { prompt } => format!("ask {prompt:?}"),
        Step::OpenUrl { url } => format!("open {url}"),
    }
}

/// Runs `tonny actions`.
pub async fn run(ctx: &mut Ctx, cmd: ActionsCmd) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    match cmd {
        ActionsCmd::List => {
            let all = store.list_quick_actions().await?;
            if ctx.json {
                let rows: Vec<serde_json::Value> = all
                    .iter()
                    .map(|a| match a {
                        Ok(a) => serde_json::to_value(a).expect("serialises"),
                        Err(e) => serde_json::json!({ "error": e.to_string() }),
                    })
                    .collect();
                output::json(&rows)?;
            } else if all.is_empty() {
                out!("No quick actions yet; add one with `tonny actions add`.");
            }
            if !ctx.json {
                for a in &all {
                    match a {
                        Ok(a) => {
                            let who = a.profile.as_deref().unwrap_or("everyone");
                            let off = if a.enabled { "" } else { " (off)" };
                            out!("{}: \"{}\" ({who}){off}", a.name, a.phrase);
                            for (i, s) in a.steps.iter().enumerate() {
                                out!("  {}. {}", i + 1, describe(s));
                            }
                        }
                        Err(e) => eprintln!("tonny: warning: {e}"),
                    }
                }
            }
        }
        ActionsCmd::Add {
            name,
            phrase,
            steps,
            profile,
            disabled,
        } => {
            let steps = steps
                .iter()
                .map(|s| QuickAction::parse_step_arg(&name, s))
                .collect::<Result<Vec<_>, _>>()?;
            let action = QuickAction {
                name,
                phrase,
                steps,
                profile,
                enabled: !disabled,
            };
            store.put_quick_action(&action).await?;
            out!(
                "Saved quick action {:?}: say \"{}\".",
                action.name,
                action.phrase
            );
        }
        ActionsCmd::Remove { name } => {
            store.remove_quick_action(&name).await?;
            out!("Removed quick action {name:?}.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
