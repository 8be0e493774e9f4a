//! `tonny voices`: list, install, import, verify and remove Piper voices (the natural local
//! voice), the way `tonny models` manages speech models.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use tonny_providers::tts::voices::{InstalledVoice, VoiceStore};

use crate::cmd::db::confirm;
use crate::cmd::models::progress;
use crate::ctx::{Ctx, blocking};
use crate::output::{self, out};

/// Voice subcommands.
#[derive(Debug, Subcommand)]
pub enum VoicesCmd {
    /// Installed voices (with --available: the voices hub's).
    List {
        /// List what the Piper voices hub offers instead.
        #[arg(long)]
        available: bool,
        /// With --available: only voices whose language starts with this (`en`, `de_DE`).
        #[arg(long, requires = "available")]
        language: Option<String>,
    },
    /// Download a voice from the Piper voices hub and install it (e.g. en_US-joe-medium).
    Install {
        /// The voice's name, as `tonny voices list --available` shows it.
        name: String,
    },
    /// Copy in a voice you already have: its .onnx file (with the .onnx.json beside it), a
    /// folder holding one, or a .whl, .zip, .tar or .tar.gz carrying one.
    Import {
        /// The file or folder.
        path: PathBuf,
        /// Name to install it under (default: the model file's name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Check an installed voice's files against their checksums.
    Verify {
        /// The voice.
        name: String,
    },
    /// Delete an installed voice.
    Remove {
        /// The voice.
        name: String,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}

/// The voices folder of this home.
pub fn store(ctx: &Ctx) -> VoiceStore {
    VoiceStore::from_env(ctx.paths.voices_dir())
}

/// A voice's language, quality and speakers, in a few words.
pub fn describe(v: &InstalledVoice) -> String {
    let mut parts = vec![v.language.clone().unwrap_or_else(|| v.espeak_voice.clone())];
    if let Some(q) = &v.quality {
        parts.push(q.clone());
    }
    if v.speakers > 1 {
        parts.push(format!("{} speakers", v.speakers));
    }
    parts.join(", ")
}

/// Runs a `voices` subcommand.
pub async fn run(ctx: &mut Ctx, cmd: VoicesCmd) -> anyhow::Result<ExitCode> {
    let voices = store(ctx);
    match cmd {
        VoicesCmd::List {
            available: false, ..
        } => {
            let tts = ctx.settings().await.map(|s| s.settings.tts).ok();
            let list = voices.list();
            if ctx.json {
                output::json(&list)?;
                return Ok(ExitCode::SUCCESS);
            }
            if list.is_empty() {
                out!("no Piper voice is installed; replies are spoken by espeak-ng");
                out!("install one: tonny voices install en_US-joe-medium");
                return Ok(ExitCode::SUCCESS);
            }
            let active = tts
                .and_then(|t| tonny_providers::tts::piper::voice_in_use(&t, &voices))
                .map(|v| v.name);
            let mut t = output::table(&["VOICE", "LANGUAGE", "SIZE", "WHERE"]);
            for v in &list {
                let mark = if active.as_ref() == Some(&v.name) {
                    " (active)"
                } else {
                    ""
                };
                t.add_row(vec![
                    format!("{}{mark}", v.name),
                    describe(v),
                    output::bytes(v.bytes),
                    v.model.display().to_string(),
                ]);
            }
            output::print_table(&t)?;
        }
        VoicesCmd::List {
            available: true,
            language,
        } => {
            let mut list: Vec<_> = voices.available().await?.into_values().collect();
            if let Some(prefix) = language {
                list.retain(|v| v.language.code.starts_with(&prefix));
            }
            if ctx.json {
                output::json(&list)?;
            } else {
                let mut t = output::table(&["VOICE", "LANGUAGE", "QUALITY", "SIZE"]);
                for v in &list {
                    let size: u64 = v.files.values().map(|f| f.size_bytes).sum();
                    t.add_row(vec![
                        v.key.clone(),
                        format!(
                            "{} ({})",
                            v.language.name_english, v.language.country_english
                        ),
                        v.quality.clone(),
                        output::bytes(size),
                    ]);
                }
                output::print_table(&t)?;
            }
        }
        VoicesCmd::Install { name } => {
            let bar = progress();
            let voice = voices.install(&name, bar.as_ref()).await?;
            tracing::info!(
                component = "voices",
                voice = name.as_str(),
                "voice installed"
            );
            finish(ctx, &voice, "installed")?;
        }
        VoicesCmd::Import { path, name } => {
            let store = voices.clone();
            let voice = blocking(move || store.import(&path, name.as_deref(), progress().as_ref()))
                .await??;
            tracing::info!(
                component = "voices",
                voice = voice.name.as_str(),
                "voice imported"
            );
            finish(ctx, &voice, "imported")?;
        }
        VoicesCmd::Verify { name } => {
            let store = voices.clone();
            let voice = blocking(move || store.verify(&name)).await??;
            if ctx.json {
                output::json(&voice)?;
            } else {
                out!(
                    "{}: ok, its files match their checksums ({})",
                    voice.name,
                    voice.model.display()
                );
            }
        }
        VoicesCmd::Remove { name, yes } => {
            if !confirm(&format!("Delete the voice {name}?"), yes)? {
                out!("nothing removed");
                return Ok(ExitCode::SUCCESS);
            }
            let dir = voices.remove(&name)?;
            tracing::info!(component = "voices", voice = name.as_str(), "voice removed");
            out!("removed {name} ({})", dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn finish(ctx: &Ctx, voice: &InstalledVoice, how: &str) -> anyhow::Result<()> {
    if ctx.json {
        output::json(voice)?;
    } else {
        out!(
            "{how} {} ({}): {}",
            voice.name,
            describe(voice),
            voice.model.display()
        );
        out!(
            "it speaks replies in its language while tts.engine is piper (the default); \
             `tonny config set tts.voice {}` picks it by name",
            voice.name
        );
    }
    Ok(())
}
