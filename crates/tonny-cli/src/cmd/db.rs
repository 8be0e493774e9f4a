//! `tonny db`: statistics, integrity check, VACUUM, retention prune, backup and restore.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Subcommand;
use tonny_store::Store;
use tonny_store::backups::{self, BackupKind};

use crate::ctx::Ctx;
use crate::output::{self, out};

/// Database subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// Row counts and file sizes.
    Stats,
    /// Full integrity check (exit code 1 if anything is wrong).
    Check,
    /// Rebuild the file to give free space back to the disk.
    Vacuum,
    /// Delete history, logs and notifications older than a given age.
    Prune {
        /// Age to keep, e.g. 30d, 12h, 6weeks. Defaults to the history.retention_days setting.
        #[arg(long, value_name = "AGE", value_parser = humantime::parse_duration)]
        older_than: Option<Duration>,
    },
    /// Write a consistent copy of the database, even while TonnyTray is running: into the
    /// backups folder, gzip-compressed, unless FILE is given (compressed when it ends in .gz).
    Backup {
        /// Where to write the backup.
        file: Option<PathBuf>,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// The backups in the backups folder: list them, or delete the oldest.
    #[command(subcommand)]
    Backups(BackupsCmd),
    /// Replace the database with a backup, compressed or not (a safety copy of the current one
    /// is kept).
    Restore {
        /// The backup to restore.
        file: PathBuf,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}

/// `tonny db backups` subcommands.
#[derive(Debug, Subcommand)]
pub enum BackupsCmd {
    /// Every backup in the folder, oldest first: scheduled, manual, and the safety copies
    /// restores took.
    List,
    /// Delete all but the newest N backups (files TonnyTray did not name are left alone).
    Prune {
        /// How many to keep.
        #[arg(long, value_name = "N")]
        keep: usize,
        /// Only backups of this kind.
        #[arg(long, value_enum)]
        kind: Option<Kind>,
    },
}

/// A kind of backup, as `--kind` takes it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Kind {
    /// Taken by the daemon every `backup.interval_hours`.
    Scheduled,
    /// Taken by `tonny db backup`.
    Manual,
    /// The database as it was before a restore.
    PreRestore,
}

impl From<Kind> for BackupKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Scheduled => BackupKind::Scheduled,
            Kind::Manual => BackupKind::Manual,
            Kind::PreRestore => BackupKind::PreRestore,
        }
    }
}

/// Runs a `db backups` subcommand.
fn backups(ctx: &Ctx, cmd: BackupsCmd) -> anyhow::Result<()> {
    let dir = ctx.paths.backups_dir();
    match cmd {
        BackupsCmd::List => {
            let all = backups::list(&dir);
            if ctx.json {
                return output::json(&all);
            }
            if all.is_empty() {
                out!("no backups in {}", dir.display());
                return Ok(());
            }
            let mut t = output::table(&["TAKEN", "KIND", "SIZE", "FILE"]);
            for b in &all {
                t.add_row(vec![
                    b.taken
                        .with_timezone(&chrono::Local)
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string(),
                    b.kind.label().to_owned(),
                    output::bytes(b.bytes),
                    b.path.display().to_string(),
                ]);
            }
            output::print_table(&t)
        }
        BackupsCmd::Prune { keep, kind } => {
            let removed = backups::prune(&dir, keep, kind.map(Into::into))
                .with_context(|| format!("deleting old backups in {}", dir.display()))?;
            if ctx.json {
                return output::json(&serde_json::json!({ "removed": removed }));
            }
            out!(
                "deleted {} backup{}; the newest {keep} kept in {}",
                removed.len(),
                if removed.len() == 1 { "" } else { "s" },
                dir.display()
            );
            Ok(())
        }
    }
}

/// Asks on the terminal; without one, refuses unless `--yes` was given.
pub fn confirm(question: &str, yes: bool) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "{question} — refusing without confirmation; pass --yes to confirm non-interactively"
        );
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// Runs a `db` subcommand.
pub async fn run(ctx: &mut Ctx, cmd: DbCmd) -> anyhow::Result<ExitCode> {
    let store = ctx.store()?;
    match cmd {
        DbCmd::Stats => {
            let s = store.stats().await?;
            if ctx.json {
                output::json(&s)?;
            } else {
                out!("database  {}", s.location);
                out!(
                    "size      {} (+{} write-ahead log, {} reusable)",
                    output::bytes(s.file_bytes),
                    output::bytes(s.wal_bytes),
                    output::bytes(s.free_bytes)
                );
                out!("schema    version {}", s.schema_version);
                out!("");
                let mut t = output::table(&["TABLE", "ROWS"]);
                for c in &s.tables {
                    t.add_row(vec![c.table.clone(), c.rows.to_string()]);
                }
                output::print_table(&t)?;
            }
        }
        DbCmd::Check => {
            let r = store.integrity_check().await?;
            if ctx.json {
                output::json(&r)?;
            } else if r.ok {
                out!("ok: integrity, foreign keys and the search index are consistent");
            } else {
                out!("PROBLEMS FOUND ({}):", r.problems.len());
                for p in &r.problems {
                    out!("  {p}");
                }
                out!("Restore a recent backup with `tonny db restore FILE`.");
            }
            if !r.ok {
                return Ok(ExitCode::FAILURE);
            }
        }
        DbCmd::Vacuum => {
            let r = store.vacuum().await?;
            tracing::info!(
                component = "db",
                before = r.bytes_before,
                after = r.bytes_after,
                "vacuum finished"
            );
            if ctx.json {
                output::json(&r)?;
            } else {
                out!(
                    "vacuumed: {} → {}",
                    output::bytes(r.bytes_before),
                    output::bytes(r.bytes_after)
                );
            }
        }
        DbCmd::Prune { older_than } => {
            let age = match older_than {
                Some(d) => d,
                None => {
                    let days = ctx.settings().await?.settings.history.retention_days;
                    if days == 0 {
                        out!(
                            "history.retention_days is 0 (keep forever); pass --older-than to prune anyway"
                        );
                        return Ok(ExitCode::SUCCESS);
                    }
                    Duration::from_secs(u64::from(days) * 86_400)
                }
            };
            let cutoff = Utc::now() - chrono::Duration::from_std(age)?;
            let r = store.prune(cutoff).await?;
            tracing::info!(
                component = "db",
                transcriptions = r.transcriptions,
                logs = r.logs,
                activity = r.activity,
                "prune finished"
            );
            if ctx.json {
                output::json(&r)?;
            } else {
                out!(
                    "deleted everything before {}: {} transcriptions, {} activity rows, {} log lines, {} notifications, {} sessions, {} delivered outbox entries",
                    output::when(cutoff),
                    r.transcriptions,
                    r.activity,
                    r.logs,
                    r.notifications,
                    r.sessions,
                    r.outbox
                );
            }
        }
        DbCmd::Backups(cmd) => backups(ctx, cmd)?,
        DbCmd::Backup { file, force } => {
            let file = match file {
                Some(file) => file,
                None => {
                    let dir = ctx.paths.backups_dir();
                    tonny_core::paths::create_private_dir(&dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                    dir.join(backups::file_name(BackupKind::Manual, Utc::now()))
                }
            };
            if file.exists() && !force {
                bail!(
                    "{} already exists; pass --force to replace it",
                    file.display()
                );
            }
            let r = store.backup(&file).await?;
            tracing::info!(component = "db", bytes = r.bytes, "backup written");
            if ctx.json {
                output::json(&r)?;
            } else {
                out!(
                    "backup written to {} ({}, {} transcriptions)",
                    r.path.display(),
                    output::bytes(r.bytes),
                    r.transcriptions
                );
            }
        }
        DbCmd::Restore { file, yes } => {
            let question = format!(
                "Replace the database at {} with {}?",
                ctx.paths.database().display(),
                file.display()
            );
            if !confirm(&question, yes)? {
                out!("restore cancelled; nothing changed");
                return Ok(ExitCode::SUCCESS);
            }
            let r = store.restore(&file, &ctx.paths.backups_dir()).await?;
            tracing::info!(
                component = "db",
                schema = r.backup_schema_version,
                "database restored from backup"
            );
            if ctx.json {
                output::json(&r)?;
            } else {
                out!(
                    "restored {} transcriptions from {}",
                    r.transcriptions,
                    r.from.display()
                );
                out!(
                    "the previous database was saved to {}",
                    r.safety_copy.display()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
