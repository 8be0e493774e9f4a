//! `tonny agents`: the configured agent backends, and the chat server's models.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use tonny_providers::agent::chat::ChatAgent;
use tonny_store::secrets::SecretName;

use crate::cmd::local::backend_secrets;
use crate::ctx::{Ctx, blocking};
use crate::output::{self, out};

/// `tonny agents …`
#[derive(Debug, Args)]
pub struct AgentsCmd {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// The agents requests go to, in order, and which cannot be used and why.
    List,
    /// The models the chat server offers (`*` marks chat.model); fails when chat.model is not
    /// among them.
    Models,
}

/// Runs `tonny agents`.
pub async fn run(ctx: &mut Ctx, cmd: AgentsCmd) -> anyhow::Result<ExitCode> {
    let settings = ctx.settings().await?.settings;
    match cmd.action {
        Action::List => {
            let (secrets, mut warnings) = backend_secrets(ctx, &settings).await?;
            let (agents, problems) = tonny_providers::wiring::agents(&settings, &secrets);
            warnings.extend(problems);
            for (i, agent) in agents.iter().enumerate() {
                out!("{}. {}", i + 1, agent.name());
            }
            for w in &warnings {
                out!("   ({w})");
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Models => {
            let store = ctx.secrets().await?;
            let key = blocking(move || store.get(SecretName::ChatApiKey))
                .await??
                .map(|(v, _)| secrecy::ExposeSecret::expose_secret(&v).to_owned());
            let c = &settings.chat;
            let chat = ChatAgent::new(tonny_providers::wiring::chat_config(
                &settings,
                key.as_deref(),
            ));
            let models = chat.models().await?;
            let found = models.iter().any(|m| m == &c.model);
            if ctx.json {
                output::json(
                    &serde_json::json!({"models": models, "configured": c.model, "available": found}),
                )?;
            } else {
                for m in &models {
                    out!("{} {m}", if *m == c.model { "*" } else { " " });
                }
            }
            if found {
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!(
                    "tonny: chat.model {:?} is not offered by the chat server; set one of the above with `tonny config set chat.model NAME`",
                    c.model
                );
                Ok(ExitCode::from(1))
            }
        }
    }
}
