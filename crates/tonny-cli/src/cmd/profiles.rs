//! `tonny profiles`: family profiles with permissions, command patterns, limits and a PIN.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::Timelike;
use clap::{Args, Subcommand};
use tonny_core::permissions::{self, Circumstances};
use tonny_core::profile::QuietHours;
use tonny_core::{Permission, Profile};
use tonny_store::{Store, StoreError};

use crate::cmd::db::confirm;
use crate::ctx::Ctx;
use crate::output::{self, out};

/// Profile subcommands.
#[derive(Debug, Subcommand)]
pub enum ProfilesCmd {
    /// All profiles.
    List,
    /// Add a profile.
    #[command(
        after_help = "Example:\n  tonny profiles add Mia --permission kid --allow 'timer *' --allow 'what time*' \\\n      --block 'buy *' --daily-limit 40 --quiet-hours 20:30-07:00 --pin"
    )]
    Add {
        /// Display name (unique, case-insensitive).
        name: String,
        /// admin, user, kid or guest.
        #[arg(long, short, value_parser = parse_permission)]
        permission: Permission,
        /// The profile's rules.
        #[command(flatten)]
        fields: Fields,
        /// Ask for a 4–8 digit parental PIN (read from stdin when piped).
        #[arg(long)]
        pin: bool,
    },
    /// One profile in detail.
    Show {
        /// Profile name.
        name: String,
    },
    /// Change a profile; only the options given change.
    Edit {
        /// Profile name.
        name: String,
        /// New name.
        #[arg(long, value_name = "NAME")]
        rename: Option<String>,
        /// New permission.
        #[arg(long, short, value_parser = parse_permission)]
        permission: Option<Permission>,
        /// The profile's rules.
        #[command(flatten)]
        fields: Fields,
        /// Remove an allowed pattern (repeatable).
        #[arg(long, value_name = "PATTERN")]
        remove_allow: Vec<String>,
        /// Remove a blocked pattern (repeatable).
        #[arg(long, value_name = "PATTERN")]
        remove_block: Vec<String>,
        /// Remove the daily limit.
        #[arg(long, conflicts_with = "daily_limit")]
        no_limit: bool,
        /// Remove the quiet hours.
        #[arg(long, conflicts_with = "quiet_hours")]
        no_quiet_hours: bool,
        /// Set a new PIN (asked for, or read from stdin when piped).
        #[arg(long, conflicts_with = "clear_pin")]
        pin: bool,
        /// Remove the PIN.
        #[arg(long)]
        clear_pin: bool,
    },
    /// Would this profile be served this request now? Tries the family rules without running it.
    #[command(
        after_help = "Example:\n  tonny profiles check Mia 'please buy me a game' --at 21:15"
    )]
    Check {
        /// Profile name.
        name: String,
        /// The request, as it would be said or typed.
        #[arg(required = true)]
        request: Vec<String>,
        /// Local time to check at instead of now, e.g. 21:15.
        #[arg(long, value_name = "HH:MM", value_parser = parse_time)]
        at: Option<u16>,
    },
    /// Make a profile the active one. Switching to or from a kid profile asks for an admin's
    /// PIN (read from stdin when piped); wrong PINs make the next try wait.
    Use {
        /// Profile name.
        name: String,
    },
    /// Which profile is active now.
    Active,
    /// Delete a profile (its history is kept, unattributed).
    Remove {
        /// Profile name.
        name: String,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}

/// Options shared by `add` and `edit`.
#[derive(Debug, Args)]
pub struct Fields {
    /// Command pattern this profile may run, glob style (repeatable), e.g. 'timer *'.
    #[arg(long, value_name = "PATTERN")]
    allow: Vec<String>,
    /// Command pattern this profile may never run (repeatable); checked before --allow.
    #[arg(long, value_name = "PATTERN")]
    block: Vec<String>,
    /// Most requests per day.
    #[arg(long, value_name = "N")]
    daily_limit: Option<u32>,
    /// When the profile is not served, e.g. 20:30-07:00.
    #[arg(long, value_name = "HH:MM-HH:MM", value_parser = parse_quiet)]
    quiet_hours: Option<QuietHours>,
    /// Speaker-identification id that selects this profile automatically.
    #[arg(long, value_name = "ID")]
    speaker_id: Option<String>,
    /// Voice for replies to this profile.
    #[arg(long, value_name = "VOICE")]
    voice: Option<String>,
    /// The language this person speaks (ISO 639-1, e.g. de), fixed for recognition while
    /// the profile is active; `auto` returns to the household's stt.language.
    #[arg(long, value_name = "CODE")]
    language: Option<String>,
}

fn parse_permission(s: &str) -> Result<Permission, String> {
    s.parse()
        .map_err(|e: tonny_core::profile::ProfileError| e.to_string())
}

fn parse_time(s: &str) -> Result<u16, String> {
    chrono::NaiveTime::parse_from_str(s, "%H:%M")
        .map(|t| (t.hour() * 60 + t.minute()) as u16)
        .map_err(|_| format!("'{s}' is not a time of day like 21:15"))
}

fn parse_quiet(s: &str) -> Result<QuietHours, String> {
    s.parse()
        .map_err(|e: tonny_core::profile::ProfileError| e.to_string())
}

impl Fields {
    fn apply(self, p: &mut Profile) {
        for a in self.allow {
            if !p.allowed_commands.contains(&a) {
                p.allowed_commands.push(a);
            }
        }
        for b in self.block {
            if !p.blocked_commands.contains(&b) {
                p.blocked_commands.push(b);
            }
        }
        if self.daily_limit.is_some() {
            p.daily_limit = self.daily_limit;
        }
        if self.quiet_hours.is_some() {
            p.quiet_hours = self.quiet_hours;
        }
        if self.speaker_id.is_some() {
            p.speaker_id = self.speaker_id;
        }
        if self.voice.is_some() {
            p.tts_voice = self.voice;
        }
        if let Some(lang) = self.language {
            let lang = lang.trim().to_ascii_lowercase();
            p.language = (lang != "auto" && !lang.is_empty()).then_some(lang);
        }
    }
}

/// Reads a PIN: hidden prompt twice on a terminal, else the first line of stdin.
fn read_pin(name: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let a = rpassword::prompt_password(format!("New PIN for {name} (4–8 digits): "))?;
        let b = rpassword::prompt_password("Repeat the PIN: ")?;
        if a != b {
            bail!("the two PINs differ; nothing was changed");
        }
        return Ok(a);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the PIN from stdin")?;
    Ok(line.trim().to_owned())
}

/// Reads an admin's PIN for a switch: a hidden prompt on a terminal, else the first stdin line.
fn read_admin_pin(from: &str, to: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        return Ok(rpassword::prompt_password(format!(
            "Switching {from} → {to} needs an admin's PIN: "
        ))?);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the admin PIN from stdin")?;
    if line.trim().is_empty() {
        bail!(
            "switching {from} → {to} needs an admin's PIN; pipe it on stdin or run in a terminal"
        );
    }
    Ok(line.trim().to_owned())
}

fn describe(p: &Profile) -> Vec<(&'static str, String)> {
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_owned()
        } else {
            v.join(", ")
        }
    };
    vec![
        ("name", p.name.clone()),
        ("permission", p.permission.to_string()),
        ("allowed", list(&p.allowed_commands)),
        ("blocked", list(&p.blocked_commands)),
        (
            "daily limit",
            p.daily_limit.map_or("none".into(), |n| n.to_string()),
        ),
        (
            "quiet hours",
            p.quiet_hours.map_or("none".into(), |q| q.to_string()),
        ),
        (
            "speaker id",
            p.speaker_id.clone().unwrap_or_else(|| "-".into()),
        ),
        (
            "voice",
            p.tts_voice.clone().unwrap_or_else(|| "default".into()),
        ),
        (
            "language",
            p.language
                .clone()
                .unwrap_or_else(|| "the household's".into()),
        ),
        (
            "pin",
            if p.pin_hash.is_some() {
                "set"
            } else {
                "not set"
            }
            .into(),
        ),
    ]
}

/// A profile for JSON output: everything but the PIN hash.
fn public(p: &Profile) -> serde_json::Value {
    let mut v = serde_json::to_value(p).expect("profiles serialize");
    if let Some(o) = v.as_object_mut() {
        o.remove("pin_hash");
        o.insert("pin_set".into(), p.pin_hash.is_some().into());
    }
    v
}

async fn load(store: &dyn Store, name: &str) -> anyhow::Result<Profile> {
    store.get_profile(name).await?.ok_or_else(|| {
        StoreError::NotFound {
            kind: "profile",
            name: name.to_owned(),
            hint: "tonny profiles list",
        }
        .into()
    })
}

/// Runs a `profiles` subcommand.
pub async fn run(ctx: &mut Ctx, cmd: ProfilesCmd) -> anyhow::Result<ExitCode> {
    // A switch goes through the running daemon, so the tray and the web UI follow it.
    let daemon = match cmd {
        ProfilesCmd::Use { .. } => crate::client::Daemon::find(ctx).await,
        _ => None,
    };
    let store = ctx.store()?;
    match cmd {
        ProfilesCmd::Check { name, request, at } => {
            let p = load(store, &name).await?;
            let now = chrono::Local::now();
            let today = store.usage(&p.name, now.date_naive()).await?;
            let minute_of_day = at.unwrap_or((now.hour() * 60 + now.minute()) as u16);
            let request = request.join(" ");
            let decision = permissions::check(
                &p,
                &request,
                Circumstances {
                    requests_today: today.requests,
                    minute_of_day,
                },
            );
            if ctx.json {
                output::json(&serde_json::json!({
                    "profile": p.name,
                    "request": request,
                    "allowed": decision.is_ok(),
                    "refusal": decision.as_ref().err(),
                    "reason": decision.as_ref().err().map(|r| r.reason()),
                    "reply": decision.as_ref().err().map(|r| r.message(&p.name)),
                    "requests_today": today.requests,
                }))?;
            } else {
                match &decision {
                    Ok(()) => out!("allowed: {} may ask {request:?}", p.name),
                    Err(r) => {
                        out!("refused: {}", r.reason());
                        out!("{} would hear: {}", p.name, r.message(&p.name));
                    }
                }
            }
        }
        ProfilesCmd::Use { name } if daemon.is_some() => {
            let daemon = daemon.as_ref().expect("checked");
            // Through the daemon: the tray and the web UI see the switch at once.
            let switch = |pin: Option<String>| {
                daemon.post(
                    "/api/v1/active-profile",
                    serde_json::json!({"name": name, "pin": pin}),
                )
            };
            let p = match switch(None).await {
                Err(e) if crate::client::failure(&e).is_some_and(|f| f.code == "pin_required") => {
                    let active = store.active_profile().await?.name;
                    let pin = read_admin_pin(&active, &name)?;
                    switch(Some(pin)).await?
                }
                other => other?,
            };
            if ctx.json {
                let p = load(store, p["name"].as_str().unwrap_or(&name)).await?;
                output::json(&public(&p))?;
            } else {
                out!(
                    "{} ({}) is now the active profile",
                    p["name"].as_str().unwrap_or(&name),
                    p["permission"].as_str().unwrap_or("?")
                );
            }
        }
        ProfilesCmd::Use { name } => {
            use tonny_server::assistant::switch::{SwitchError, switch_profile};
            let p = match switch_profile(store, &name, None).await {
                Err(SwitchError::PinRequired { from, to }) => {
                    let pin = read_admin_pin(&from, &to)?;
                    switch_profile(store, &name, Some(&pin)).await?
                }
                other => other?,
            };
            if ctx.json {
                output::json(&public(&p))?;
            } else {
                out!("{} ({}) is now the active profile", p.name, p.permission);
            }
        }
        ProfilesCmd::Active => {
            let p = store.active_profile().await?;
            if ctx.json {
                output::json(&public(&p))?;
            } else {
                out!("{} ({})", p.name, p.permission);
            }
        }
        ProfilesCmd::List => {
            let all = store.list_profiles().await?;
            if ctx.json {
                output::json(&all.iter().map(public).collect::<Vec<_>>())?;
            } else if all.is_empty() {
                out!("no profiles yet; add one with `tonny profiles add NAME --permission admin`");
            } else {
                let mut t =
                    output::table(&["NAME", "PERMISSION", "DAILY LIMIT", "QUIET HOURS", "PIN"]);
                for p in &all {
                    t.add_row(vec![
                        p.name.clone(),
                        p.permission.to_string(),
                        p.daily_limit.map_or("-".into(), |n| n.to_string()),
                        p.quiet_hours.map_or("-".into(), |q| q.to_string()),
                        if p.pin_hash.is_some() { "set" } else { "-" }.to_owned(),
                    ]);
                }
                output::print_table(&t)?;
            }
        }
        ProfilesCmd::Add {
            name,
            permission,
            fields,
            pin,
        } => {
            let mut p = Profile::new(&name, permission)?;
            fields.apply(&mut p);
            p.validate()?;
            if pin {
                let pin = read_pin(&p.name)?;
                p.set_pin(&pin)?;
            }
            store.add_profile(&p).await?;
            tracing::info!(
                component = "profiles",
                permission = p.permission.as_str(),
                "profile added"
            );
            out!("added profile {} ({})", p.name, p.permission);
        }
        ProfilesCmd::Show { name } => {
            let p = load(store, &name).await?;
            if ctx.json {
                output::json(&public(&p))?;
            } else {
                for (k, v) in describe(&p) {
                    out!("{k:<12} {v}");
                }
            }
        }
        ProfilesCmd::Edit {
            name,
            rename,
            permission,
            fields,
            remove_allow,
            remove_block,
            no_limit,
            no_quiet_hours,
            pin,
            clear_pin,
        } => {
            let mut p = load(store, &name).await?;
            if let Some(n) = rename {
                p.name = n.trim().to_owned();
            }
            if let Some(perm) = permission {
                p.permission = perm;
            }
            p.allowed_commands.retain(|a| !remove_allow.contains(a));
            p.blocked_commands.retain(|b| !remove_block.contains(b));
            fields.apply(&mut p);
            if no_limit {
                p.daily_limit = None;
            }
            if no_quiet_hours {
                p.quiet_hours = None;
            }
            if clear_pin {
                p.pin_hash = None;
            }
            if pin {
                let pin = read_pin(&p.name)?;
                p.set_pin(&pin)?;
            }
            store.update_profile(&name, &p).await?;
            tracing::info!(component = "profiles", "profile changed");
            out!("updated profile {}", p.name);
        }
        ProfilesCmd::Remove { name, yes } => {
            let p = load(store, &name).await?;
            if !confirm(
                &format!(
                    "Remove profile {}? Its history is kept, unattributed.",
                    p.name
                ),
                yes,
            )? {
                out!("nothing removed");
                return Ok(ExitCode::SUCCESS);
            }
            store.remove_profile(&p.name).await?;
            tracing::info!(component = "profiles", "profile removed");
            out!("removed profile {}", p.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}
