//! `tonny secrets`: store, check and remove secrets. Values are read from stdin or a hidden
//! prompt, never from the command line (where shell history and `ps` would see them), and are
//! never printed.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use secrecy::ExposeSecret;
use serde_json::json;
use tonny_store::secrets::{BackendKind, SecretName, SecretSource, SecretStatus, SecretString};

use crate::ctx::{Ctx, blocking};
use crate::output::{self, out};

/// Secrets subcommands.
#[derive(Debug, Subcommand)]
pub enum SecretsCmd {
    /// Store a secret. The value is read from stdin when piped, otherwise from a hidden prompt.
    #[command(
        after_help = "Secrets: elevenlabs_api_key, n8n_webhook_url, n8n_header_credential, \
chat_api_key, openai_api_key, rabbitmq_url, whisperlivekit_api_token.\n\nExample:\n  \
printf %s \"$KEY\" | tonny secrets set elevenlabs_api_key"
    )]
    Set {
        /// Which secret (see below).
        name: String,
    },
    /// Which secrets are configured, where from, and which backend is in use.
    Status,
    /// Remove a stored secret.
    Delete {
        /// Which secret.
        name: String,
    },
}

/// Where a value came from, naming the variable when one supplied it.
pub(crate) fn source_name(s: &SecretStatus) -> String {
    match (s.source, &s.env_var) {
        (Some(_), Some(var)) => format!("environment ({var})"),
        (Some(SecretSource::Keychain), None) => "keychain".to_owned(),
        (Some(SecretSource::EncryptedFile), None) => "encrypted file".to_owned(),
        (Some(_), None) => "environment".to_owned(),
        (None, _) => "-".to_owned(),
    }
}

/// Reads the value without echoing it: all of stdin when piped, else a hidden prompt.
fn read_value(name: SecretName) -> anyhow::Result<SecretString> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let v = rpassword::prompt_password(format!(
            "{} for {name} (input hidden): ",
            name.description()
        ))
        .context("reading the value from the terminal")?;
        return Ok(SecretString::from(v));
    }
    let mut buf = String::new();
    stdin
        .lock()
        .take(64 * 1024)
        .read_to_string(&mut buf)
        .context("reading the value from stdin")?;
    // One trailing newline is how `echo` ends a value; it is not part of it.
    let v = buf.strip_suffix('\n').unwrap_or(&buf);
    let v = v.strip_suffix('\r').unwrap_or(v).to_owned();
    zeroize::Zeroize::zeroize(&mut buf);
    Ok(SecretString::from(v))
}

/// Runs a `secrets` subcommand.
pub async fn run(ctx: &mut Ctx, cmd: SecretsCmd) -> anyhow::Result<ExitCode> {
    let secrets = ctx.secrets().await?;
    let backend = secrets.backend();
    let daemon = crate::client::Daemon::find(ctx).await;
    match cmd {
        SecretsCmd::Set { name } => {
            let name: SecretName = name.parse()?;
            let value = blocking(move || read_value(name)).await??;
            if let Some(daemon) = &daemon {
                // The running daemon stores it and starts using it at once.
                let body = serde_json::json!({"value": value.expose_secret()});
                daemon
                    .call(
                        reqwest::Method::PUT,
                        &format!("/api/v1/secrets/{}", name.as_str()),
                        Some(body),
                    )
                    .await?;
            } else {
                let s = secrets.clone();
                blocking(move || s.set(name, &value)).await??;
            }
            tracing::info!(
                component = "secrets",
                secret = name.as_str(),
                "secret stored"
            );
            out!("stored {name} in the {}", backend.detail);
            if let Some(reason) = &backend.fallback_reason {
                eprintln!("note: no keychain was used ({reason})");
            }
            if secrets.overridden_by_env(name) {
                eprintln!(
                    "note: {} is set in the environment and takes precedence over the stored value",
                    name.env_var()
                );
            }
        }
        SecretsCmd::Status => {
            let s = secrets.clone();
            let status = blocking(move || s.status()).await?;
            if ctx.json {
                output::json(&json!({ "backend": backend, "secrets": status }))?;
            } else {
                out!("backend: {}", backend.detail);
                if backend.kind == BackendKind::EncryptedFile
                    && let Some(r) = &backend.fallback_reason
                {
                    out!("         (keychain not used: {r})");
                }
                out!("");
                let mut t = output::table(&["SECRET", "STATUS", "SOURCE", "PURPOSE"]);
                for s in &status {
                    let state = match (&s.problem, s.configured) {
                        (Some(p), _) => format!("problem: {p}"),
                        (None, true) => "configured".into(),
                        (None, false) => "not set".into(),
                    };
                    t.add_row(vec![
                        s.name.as_str().to_owned(),
                        state,
                        source_name(s),
                        s.description.to_owned(),
                    ]);
                }
                output::print_table(&t)?;
            }
        }
        SecretsCmd::Delete { name } => {
            let name: SecretName = name.parse()?;
            let removed = match &daemon {
                Some(d) => match d
                    .call(
                        reqwest::Method::DELETE,
                        &format!("/api/v1/secrets/{}", name.as_str()),
                        None,
                    )
                    .await
                {
                    Ok(_) => true,
                    Err(e) if crate::client::failure(&e).is_some_and(|f| f.status == 404) => false,
                    Err(e) => return Err(e),
                },
                None => {
                    let s = secrets.clone();
                    blocking(move || s.delete(name)).await??
                }
            };
            if !removed {
                bail!(
                    "{name} is not stored in the {}; nothing to delete",
                    backend.detail
                );
            }
            tracing::info!(
                component = "secrets",
                secret = name.as_str(),
                "secret deleted"
            );
            out!("deleted {name} from the {}", backend.detail);
            if secrets.overridden_by_env(name) {
                eprintln!(
                    "note: {} is still set in the environment and will keep being used",
                    name.env_var()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
