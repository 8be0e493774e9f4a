//! `tonny`: run the TonnyTray daemon, talk to it, and configure, inspect and maintain TonnyTray
//! from a terminal. The daemon is `tonny_server`'s; commands that use the running assistant go
//! through its API when one runs ([`client`]). This file parses arguments, sets up logging and
//! turns results into exit codes.
//!
//! `tonny` runs the embedded engine (`tonny_whisper`, CTranslate2) in-process, and serves it
//! to the tray as `tonny stt-worker`; the tray, which depends on `tonny-server` and not on this
//! package, does not link the engine (a test checks that it does not).
//!
//! # Layout
//! - [`ctx`]: what every command gets (the home, the output mode, the engine loader).
//! - [`client`]: the running daemon's API, for commands that go through it.
//! - [`output`]: printing tables and JSON, treating a closed pipe as success.
//! - [`cmd`]: one module per subcommand group; [`cmd::run`] boots the daemon.

mod client;
mod cmd;
mod ctx;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, Parser, Subcommand};
use tonny_core::settings::{ComputeType, SttSettings};
use tonny_server::logging::init_logging;
use tonny_server::parts::EmbeddedLoader;

use crate::ctx::Ctx;
use tonny_core::stt::{Stt, SttError};
use tonny_providers::stt::worker::serve;
use tonny_whisper::{EngineOptions, LiveEngine, WhisperEngine};

/// TonnyTray: a voice-to-action companion for the household desktop.
///
/// Data lives in ~/.local/share/tonnytray and settings overrides in ~/.config/tonnytray
/// (or under $TONNY_HOME). Secrets live in your keychain (or, where there is none, an encrypted
/// file), never in plain text.
#[derive(Debug, Parser)]
#[command(name = "tonny", version, about, long_about, propagate_version = true)]
struct Cli {
    /// Keep every TonnyTray file under DIR instead of the usual folders (same as TONNY_HOME).
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "TONNY_HOME",
        hide_env = true
    )]
    home: Option<PathBuf>,

    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,

    /// Show more diagnostics on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show, change and check settings.
    #[command(subcommand)]
    Config(cmd::config::ConfigCmd),
    /// Store API keys and service URLs in the keychain.
    #[command(subcommand)]
    Secrets(cmd::secrets::SecretsCmd),
    /// Database statistics, checks, cleanup, backup and restore.
    #[command(subcommand)]
    Db(cmd::db::DbCmd),
    /// Family profiles: who may do what.
    #[command(subcommand)]
    Profiles(cmd::profiles::ProfilesCmd),
    /// What was said: list, search and export transcriptions.
    #[command(subcommand)]
    History(cmd::history::HistoryCmd),
    /// Show recorded log lines and system events.
    Logs(cmd::logs::LogsArgs),
    /// Hear one request from the microphone and carry it out (reply printed and spoken).
    Listen(cmd::listen::ListenArgs),
    /// Hear one utterance from the microphone and type it into the focused window.
    Dictate(cmd::listen::DictateArgs),
    /// Stay running: global hotkeys listen, typed lines are requests, timers fire (the API
    /// listens on a free local port, for the `tonny` command).
    Run(cmd::run::RunArgs),
    /// `run` with the daemon API and web UI on `server.host`:`server.port`.
    Serve(cmd::serve::ServeArgs),
    /// Print the web UI's address with the API token.
    UiUrl,
    /// The agent backends in fallback order, and the chat server's models.
    Agents(cmd::agents::AgentsCmd),
    /// The supervised services: the WhisperLiveKit server and any extra ones.
    Services(cmd::services::ServicesCmd),
    /// Send a typed request to the assistant, as if it had been said.
    Ask(cmd::ask::AskArgs),
    /// Quick actions: phrases that run steps.
    #[command(subcommand)]
    Actions(cmd::actions::ActionsCmd),
    /// Turn speech in audio files into text, in-process (no server needed).
    Transcribe(cmd::transcribe::TranscribeArgs),
    /// Speak text with the local voice (Piper, or espeak-ng), aloud or into a WAV file.
    Say(cmd::say::SayArgs),
    /// Piper voices (the natural local voice): list, install, import, verify, remove.
    #[command(subcommand)]
    Voices(cmd::voices::VoicesCmd),
    /// The household's vocabulary: names and terms to expect, and replacements.
    Vocab(cmd::vocab::VocabArgs),
    /// Speech models: list, install, import, verify, remove.
    #[command(subcommand)]
    Models(cmd::models::ModelsCmd),
    /// Check the installation and explain how to fix what is wrong.
    Doctor,
    /// Print the completion script for SHELL (`tonny completions bash > ~/.local/share/bash-completion/completions/tonny`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (tonny.1 and one per subcommand) into DIR (for packages).
    #[command(hide = true)]
    Manpages {
        /// Where to write them.
        dir: PathBuf,
    },
    /// Serve the embedded speech engine on stdin/stdout (started by the tray, not by people).
    #[command(name = "stt-worker", hide = true)]
    SttWorker(SttWorkerArgs),
}

/// Options for `tonny stt-worker`, as `tonny_server::parts::worker_loader` passes them.
#[derive(Debug, clap::Args)]
struct SttWorkerArgs {
    /// The model directory.
    #[arg(long)]
    model_dir: PathBuf,
    /// CPU threads (0: every core).
    #[arg(long, default_value_t = 0)]
    threads: u32,
    /// Numeric precision, spelled as the `stt.compute_type` setting (auto, int8, float32).
    #[arg(long, default_value = "auto", value_parser = compute_type)]
    compute: ComputeType,
    /// Live text every this many ms of a streamed recording (0: none), as `stt.live_text_ms`.
    #[arg(long, default_value_t = 700)]
    live_text_ms: u32,
}

/// `--compute` as the setting spells it.
fn compute_type(value: &str) -> Result<ComputeType, String> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| format!("{value:?} is not one of auto, int8, float32"))
}

/// The engine loaded in this process, for every command that hears.
fn in_process(dir: &std::path::Path, stt: &SttSettings) -> Result<Arc<dyn Stt>, SttError> {
    let engine = WhisperEngine::load(dir, EngineOptions::from_settings(stt))
        .map_err(|e| SttError::Model(Box::new(e)))?;
    Ok(Arc::new(LiveEngine::new(
        Arc::new(engine),
        stt.live_text_ms,
    )))
}

/// `tonny stt-worker`: loads the model and answers requests until stdin ends. It opens no
/// database and no log file: the tray that started it reads its stderr.
fn stt_worker(args: &SttWorkerArgs) -> ExitCode {
    let stt = SttSettings {
        threads: args.threads,
        compute_type: args.compute,
        live_text_ms: args.live_text_ms,
        ..SttSettings::default()
    };
    // Not locked: a live session's decoding thread writes partial lines too.
    let (input, output) = (std::io::stdin().lock(), std::io::stdout());
    let served = match in_process(&args.model_dir, &stt) {
        Ok(engine) => serve(Ok(engine.as_ref()), input, output),
        Err(why) => serve(Err(why), input, output),
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tonny stt-worker: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A closed stdout (`tonny history list | head`) is not a failure.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `tonny manpages DIR`: a page per command, from the same definitions `--help` prints.
fn manpages(dir: &std::path::Path) -> ExitCode {
    let written =
        std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(Cli::command(), dir));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "tonny: error: writing the manual pages into {}: {e}",
                dir.display()
            );
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // What needs no home: the speech worker, and the documentation generated from these
    // definitions.
    match &cli.command {
        Command::SttWorker(args) => return stt_worker(args),
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "tonny", &mut std::io::stdout());
            return ExitCode::SUCCESS;
        }
        Command::Manpages { dir } => return manpages(dir),
        _ => {}
    }
    let embedded: EmbeddedLoader = Arc::new(in_process);
    let mut ctx = match Ctx::new(cli.home.clone(), cli.json, embedded).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tonny: error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    init_logging(&mut ctx.home, cli.verbose);
    let result = match cli.command {
        Command::Config(c) => cmd::config::run(&mut ctx, c).await,
        Command::Secrets(c) => cmd::secrets::run(&mut ctx, c).await,
        Command::Db(c) => cmd::db::run(&mut ctx, c).await,
        Command::Profiles(c) => cmd::profiles::run(&mut ctx, c).await,
        Command::History(c) => cmd::history::run(&mut ctx, c).await,
        Command::Logs(a) => cmd::logs::run(&mut ctx, a).await,
        Command::Transcribe(a) => cmd::transcribe::run(&mut ctx, a).await,
        Command::Models(c) => cmd::models::run(&mut ctx, c).await,
        Command::Voices(c) => cmd::voices::run(&mut ctx, c).await,
        Command::Vocab(c) => cmd::vocab::run(&mut ctx, c).await,
        Command::Say(a) => cmd::say::run(&mut ctx, a).await,
        Command::Ask(a) => cmd::ask::run(&mut ctx, a).await,
        Command::Run(a) => cmd::run::run(&mut ctx, a, None).await,
        Command::Serve(a) => cmd::run::run(&mut ctx, a.run, Some(a.port)).await,
        Command::UiUrl => cmd::serve::ui_url(&mut ctx).await,
        Command::Services(c) => cmd::services::run(&mut ctx, c).await,
        Command::Agents(c) => cmd::agents::run(&mut ctx, c).await,
        Command::Listen(a) => {
            cmd::listen::run(&mut ctx, a, tonny_core::router::Purpose::Command).await
        }
        Command::Dictate(a) => {
            cmd::listen::run(
                &mut ctx,
                a.into_listen(),
                tonny_core::router::Purpose::Dictation,
            )
            .await
        }
        Command::Actions(c) => cmd::actions::run(&mut ctx, c).await,
        Command::Doctor => cmd::doctor::run(&mut ctx).await,
        Command::SttWorker(_) | Command::Completions { .. } | Command::Manpages { .. } => {
            unreachable!("answered before the database is opened")
        }
    };
    // Flush recorded log lines before exiting.
    drop(ctx);
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tonny: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
