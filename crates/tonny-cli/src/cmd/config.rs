//! `tonny config`: show, get, set, reset and validate settings.

use std::io::Write;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};
use tonny_core::settings::{Settings, SettingsError, Source, env_var_for};
use tonny_store::Store;

use crate::client::Daemon;
use crate::ctx::Ctx;
use crate::output::{self, out};

/// Settings subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Every setting with its value and where the value comes from.
    Show,
    /// One setting's value.
    Get {
        /// Dotted key, e.g. audio.vad_silence_ms.
        key: String,
    },
    /// Change a setting (stored in the database; checked before saving).
    Set {
        /// Dotted key, e.g. audio.vad_silence_ms.
        key: String,
        /// New value; lists are comma-separated (agent.fallback_order local,n8n).
        value: String,
    },
    /// Put a setting back to its default.
    Reset {
        /// Dotted key.
        key: String,
    },
    /// Check the effective settings (database, .env file and environment together).
    Validate,
    /// Where TonnyTray keeps its files.
    Paths,
    /// Print every setting as a commented `TONNY_*` line with its meaning and default (the
    /// repository's .env.example), to start a ~/.config/tonnytray/.env from.
    EnvExample,
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "(unset)".into(),
        Value::Array(a) => a.iter().map(shown).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// Sends `key = value` to the running daemon, which validates, stores and applies it at once;
/// its answer is the settings view, or (inner `Err`) the exit code after the refused fields
/// were printed.
pub async fn patch(
    daemon: &Daemon,
    key: &str,
    value: Value,
) -> anyhow::Result<Result<Value, ExitCode>> {
    match daemon
        .call(
            reqwest::Method::PATCH,
            "/api/v1/settings",
            Some(json!({ key: value })),
        )
        .await
    {
        Ok(view) => Ok(Ok(view)),
        Err(e) => match crate::client::failure(&e) {
            Some(f) if !f.fields.is_empty() => crate::client::bail_fields(f).map(Err),
            _ => Err(e),
        },
    }
}

/// Stores `key = value` in the database without a daemon, checked against what is stored (not
/// environment overrides: that is what is being changed); returns the stored value.
pub async fn store_value(ctx: &Ctx, key: &str, value: Value) -> anyhow::Result<Value> {
    let store = ctx.store()?;
    let stored = store.stored_settings().await?;
    let base = Settings::load(&stored, None, Vec::<(String, String)>::new())?.settings;
    let updated = base.with_value(key, value)?;
    let canonical = updated.get(key)?;
    store.put_setting(key, &canonical).await?;
    tracing::info!(component = "config", key, "setting changed");
    Ok(canonical)
}

/// Runs a `config` subcommand.
pub async fn run(ctx: &mut Ctx, cmd: ConfigCmd) -> anyhow::Result<ExitCode> {
    // A change goes through the running daemon, which applies it at once.
    let daemon = match cmd {
        ConfigCmd::Set { .. } | ConfigCmd::Reset { .. } => Daemon::find(ctx).await,
        _ => None,
    };
    match cmd {
        ConfigCmd::Show => {
            let loaded = ctx.settings().await?;
            let flat = loaded.settings.to_flat();
            if ctx.json {
                let rows: Vec<_> = flat
                    .iter()
                    .map(|(k, v)| json!({ "key": k, "value": v, "source": loaded.sources[k], "env": env_var_for(k) }))
                    .collect();
                output::json(&rows)?;
            } else {
                let mut t = output::table(&["KEY", "VALUE", "SOURCE"]);
                for (k, v) in &flat {
                    t.add_row(vec![
                        k.clone(),
                        shown(v),
                        loaded.sources[k].as_str().to_owned(),
                    ]);
                }
                output::print_table(&t)?;
                // Which variable or store each configured secret came from (never its value):
                // an OPENAI_API_KEY already in the environment is used when nothing else is set.
                if let Ok(secrets) = ctx.secrets().await {
                    let configured: Vec<String> = secrets
                        .status()
                        .into_iter()
                        .filter(|s| s.configured)
                        .map(|s| format!("{} from {}", s.name, super::secrets::source_name(&s)))
                        .collect();
                    if !configured.is_empty() {
                        out!("");
                        out!("secrets: {}", configured.join("; "));
                    }
                }
            }
            for w in &loaded.warnings {
                eprintln!("warning: {w}");
            }
        }
        ConfigCmd::Get { key } => {
            let loaded = ctx.settings().await?;
            let value = loaded.settings.get(&key)?;
            if ctx.json {
                output::json(
                    &json!({ "key": key, "value": value, "source": loaded.sources[&key] }),
                )?;
            } else {
                out!("{}", shown(&value));
            }
        }
        ConfigCmd::Set { key, value } if daemon.is_some() => {
            let daemon = daemon.as_ref().expect("checked");
            let view = match patch(daemon, &key, Value::String(value)).await? {
                Ok(view) => view,
                Err(exit) => return Ok(exit),
            };
            out!("{key} = {}", shown(&view["values"][&key]));
            if view["sources"][&key] != "database" {
                eprintln!(
                    "note: {} from the {} overrides this value for now",
                    env_var_for(&key),
                    view["sources"][&key].as_str().unwrap_or("environment")
                );
            }
            if view["restart_required"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
            {
                eprintln!("note: {key} takes effect after TonnyTray restarts");
            }
        }
        ConfigCmd::Set { key, value } => {
            let parsed = Settings::parse_text(&key, &value)?;
            let canonical = store_value(ctx, &key, parsed).await?;
            out!("{key} = {}", shown(&canonical));
            let effective = ctx.settings().await?;
            if effective.sources[&key] != Source::Database {
                eprintln!(
                    "note: {} from the {} overrides this value for now",
                    env_var_for(&key),
                    effective.sources[&key].as_str()
                );
            }
        }
        ConfigCmd::Reset { key } if daemon.is_some() => {
            let daemon = daemon.as_ref().expect("checked");
            Settings::default().get(&key)?;
            daemon
                .call(
                    reqwest::Method::DELETE,
                    &format!("/api/v1/settings/{key}"),
                    None,
                )
                .await?;
            out!(
                "{key} = {} (default)",
                shown(&Settings::default().get(&key)?)
            );
        }
        ConfigCmd::Reset { key } => {
            Settings::default().get(&key)?;
            let removed = ctx.store()?.delete_setting(&key).await?;
            let default = Settings::default().get(&key)?;
            if removed {
                tracing::info!(component = "config", key = key.as_str(), "setting reset");
            }
            out!("{key} = {} (default)", shown(&default));
        }
        ConfigCmd::Validate => match ctx.settings().await {
            Ok(loaded) => {
                if ctx.json {
                    output::json(&json!({ "valid": true, "warnings": loaded.warnings }))?;
                } else {
                    out!("settings are valid");
                    for w in &loaded.warnings {
                        out!("warning: {w}");
                    }
                }
            }
            Err(e) => {
                let fields = e.downcast_ref::<SettingsError>().map(field_errors);
                if ctx.json {
                    output::json(
                        &json!({ "valid": false, "error": format!("{e:#}"), "fields": fields }),
                    )?;
                } else {
                    eprintln!("{e:#}");
                }
                return Ok(ExitCode::FAILURE);
            }
        },
        ConfigCmd::EnvExample => out!("{}", tonny_core::settings::env_example().trim_end()),
        ConfigCmd::Paths => {
            let p = &ctx.paths;
            let rows = [
                ("config", p.config_dir.display().to_string()),
                ("data", p.data_dir.display().to_string()),
                ("database", p.database().display().to_string()),
                ("env_file", p.env_file().display().to_string()),
            ];
            if ctx.json {
                output::json(
                    &rows
                        .iter()
                        .map(|(k, v)| (*k, v))
                        .collect::<std::collections::BTreeMap<_, _>>(),
                )?;
            } else {
                for (k, v) in rows {
                    out!("{k:<9} {v}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn field_errors(e: &SettingsError) -> Vec<tonny_core::settings::FieldError> {
    match e {
        SettingsError::Invalid(v) => v.clone(),
        SettingsError::Override { source, .. } => field_errors(source),
        _ => Vec::new(),
    }
}
