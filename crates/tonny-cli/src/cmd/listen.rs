//! `tonny listen` (one utterance through the whole pipeline) and `tonny dictate` (one utterance
//! typed into the focused window): the microphone, an audio file, or raw PCM on stdin. With a
//! daemon running, the daemon hears (its microphone, or the audio sent to it) and the request
//! shows in the tray and the web UI; with none, a daemon's parts are built in this process.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use serde_json::json;
use tonny_audio::capture::{Endpointer, RecordOptions, Recording, Stopper};
use tonny_core::dictation::DictationMode;
use tonny_core::output::TextOutput;
use tonny_core::pipeline::Event;
use tonny_core::router::Purpose;
use tonny_core::settings::Settings;
use tonny_server::api::{AskResponse, TalkResult};
use tonny_server::assistant::{HeardOutcome, ReplyTo, TextTarget, VoiceTarget};
use tonny_server::daemon::Core;
use tonny_server::output::Printed;
use tonny_server::session::mic::MicEnding;
use tonny_server::session::microphone::PRE_ROLL;
use tonny_server::session::recording::Recorded;

use crate::client::Daemon;
use crate::cmd::ask::report;
use crate::ctx::{Ctx, blocking};
use crate::output;

/// Exit code when nothing was said.
pub const NOTHING_HEARD: u8 = 4;

/// Options for `tonny listen` and `tonny dictate`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Take the utterance from this audio file instead of the microphone.
    #[arg(long, value_name = "FILE", conflicts_with = "pcm_stdin")]
    file: Option<PathBuf>,
    /// Take the utterance from raw PCM on stdin (signed 16-bit little-endian, 16 kHz, mono),
    /// ended by voice-activity detection or the end of input — the format the web UI streams.
    #[arg(long)]
    pcm_stdin: bool,
    /// Print the reply but do not speak it.
    #[arg(long)]
    silent: bool,
    /// How dictation is written (set by `tonny dictate --mode`).
    #[arg(skip)]
    mode: Option<DictationMode>,
}

/// `tonny dictate`: what `tonny listen` takes, and how to write the text.
#[derive(Debug, clap::Args)]
pub struct DictateArgs {
    #[command(flatten)]
    heard: ListenArgs,
    /// How the text is written: verbatim (as recognised), clean (fillers dropped, spoken
    /// punctuation and "scratch that" obeyed) or mail (clean, in full sentences). Default: the
    /// focused application's mode (`dictation.apps`), else `dictation.mode`.
    #[arg(long, value_name = "MODE")]
    mode: Option<DictationMode>,
}

impl DictateArgs {
    /// The listening arguments, carrying the mode.
    pub fn into_listen(self) -> ListenArgs {
        ListenArgs {
            mode: self.mode,
            ..self.heard
        }
    }
}

/// What `--json` prints: the request's outcome and what was heard.
#[derive(Debug, Serialize)]
struct Report {
    transcript: String,
    #[serde(flatten)]
    outcome: AskResponse,
}

fn pcm_options(settings: &Settings) -> RecordOptions {
    RecordOptions {
        silence: Some(Duration::from_millis(u64::from(
            settings.audio.vad_silence_ms,
        ))),
        max_len: Duration::from_secs(u64::from(settings.audio.max_utterance_s)),
        pre_roll: PRE_ROLL,
        threshold: 0.5,
        muted: Arc::new(|| false),
        stream_audio: false,
        onset_frames: RecordOptions::DEFAULT_ONSET_FRAMES,
        min_dbfs: -100.0,
        wait_for_speech: false,
    }
}

/// Reads s16le PCM frames from `input` into an endpointer until it ends or the input does.
fn read_pcm(mut input: impl std::io::Read, opts: RecordOptions) -> anyhow::Result<Recording> {
    // Levels are of no use here: the receiver is dropped at once.
    let (events, _) = std::sync::mpsc::channel();
    let mut ep = Endpointer::new(opts, Stopper::default(), events);
    let mut buf = [0u8; 640];
    let mut carry: Option<u8> = None;
    loop {
        let n = input.read(&mut buf).context("reading PCM from stdin")?;
        if n == 0 {
            break;
        }
        let mut bytes: Vec<u8> = carry.take().into_iter().collect();
        bytes.extend_from_slice(&buf[..n]);
        if bytes.len() % 2 == 1 {
            carry = bytes.pop();
        }
        let frame: Vec<f32> = bytes
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
            .collect();
        if ep.push(&frame) {
            break;
        }
    }
    Ok(ep.finish())
}

/// The utterance from stdin, ended by voice activity; `None` when it held no speech.
async fn pcm_from_stdin(settings: &Settings) -> anyhow::Result<Option<Recorded>> {
    let opts = pcm_options(settings);
    let started = std::time::Instant::now();
    let rec = blocking(move || read_pcm(std::io::stdin().lock(), opts)).await??;
    if !rec.heard_speech {
        return Ok(None);
    }
    Ok(Some(Recorded {
        capture_ms: started.elapsed().as_millis().min(u128::from(u32::MAX)) as u32,
        endpoint_ms: rec.endpoint_ms.map(|m| m as u32),
        samples: rec.samples,
        source: "pcm".into(),
        purpose: Purpose::Command,
        reply_to: ReplyTo::HOST,
        live: None,
        unsent: None,
    }))
}

/// Where this command's reply goes: its text comes back here to be printed, its speech is
/// played on this machine unless `--silent`.
fn reply_to(args: &ListenArgs) -> ReplyTo {
    ReplyTo {
        voice: if args.silent {
            VoiceTarget::Silent
        } else {
            VoiceTarget::Host
        },
        text: TextTarget::Caller,
        dictation_mode: args.mode,
    }
}

/// Prints what was heard and done; gives the exit code.
fn finish(ctx: &Ctx, purpose: Purpose, result: TalkResult) -> anyhow::Result<ExitCode> {
    let Some(outcome) = result.outcome else {
        eprintln!(
            "tonny: {}",
            result.nothing_sent.as_deref().unwrap_or("nothing was sent")
        );
        return Ok(ExitCode::from(NOTHING_HEARD));
    };
    if ctx.json {
        output::json(&Report {
            transcript: result.transcript,
            outcome,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if purpose == Purpose::Dictation {
        let how = outcome
            .delivery
            .as_ref()
            .map_or("not delivered".into(), |d| d["how"].to_string());
        // What was typed: the transcript as the dictation mode wrote it.
        let typed = outcome
            .dictated
            .as_ref()
            .and_then(|d| d["text"].as_str())
            .unwrap_or(&result.transcript);
        eprintln!("dictated ({how}): {typed}");
        return Ok(ExitCode::SUCCESS);
    }
    report(ctx, &outcome)
}

/// Runs `tonny listen` (`purpose` = command) or `tonny dictate` (`purpose` = dictation).
pub async fn run(ctx: &mut Ctx, args: ListenArgs, purpose: Purpose) -> anyhow::Result<ExitCode> {
    if let Some(daemon) = Daemon::find(ctx).await {
        return through_daemon(ctx, &daemon, &args, purpose).await;
    }
    let settings = ctx.settings().await?.settings;
    let text: Arc<dyn TextOutput> = match purpose {
        Purpose::Dictation => {
            Arc::new(tonny_audio::typing::Typist::from_settings(&settings.typing))
        }
        Purpose::Command => Arc::new(Printed { show: false }),
    };
    let core = crate::cmd::local::core(ctx, !args.silent, text).await?;
    // The microphone streams into its pre-roll ring from the moment it opens.
    core.mic.keep_streaming();
    let (stop_printing, stopped) = tokio::sync::oneshot::channel();
    let printer = tokio::spawn(print_progress(
        core.bus.subscribe(),
        ctx.json,
        purpose,
        stopped,
    ));
    let heard = hear_here(&core, &args, purpose, &settings).await;
    // What happened is printed before the outcome is.
    let _ = stop_printing.send(());
    let _ = printer.await;
    let heard = match heard? {
        Some(h) => h,
        None => return Ok(ExitCode::from(NOTHING_HEARD)),
    };
    let (result, speech) = talk_result(heard);
    let code = finish(ctx, purpose, result)?;
    if let Some(done) = speech {
        let _ = done.await;
    }
    Ok(code)
}

/// Hears in this process: the microphone, the file, or stdin.
async fn hear_here(
    core: &Arc<Core>,
    args: &ListenArgs,
    purpose: Purpose,
    settings: &Settings,
) -> anyhow::Result<Option<HeardOutcome>> {
    let recorded = match (&args.file, args.pcm_stdin) {
        (None, false) => {
            let heard = core
                .session
                .listen_once(purpose, MicEnding::Silence, reply_to(args))
                .await
                .context("cannot listen (type the request with `tonny ask` instead)")?;
            return Ok(Some(heard));
        }
        (Some(file), _) => {
            let path = file.clone();
            let audio = blocking(move || tonny_audio::decode_file(&path)).await??;
            Recorded {
                capture_ms: (audio.samples.len() / 16) as u32,
                endpoint_ms: None,
                samples: audio.samples,
                source: file.display().to_string(),
                purpose,
                reply_to: reply_to(args),
                live: None,
                unsent: None,
            }
        }
        (None, true) => match pcm_from_stdin(settings).await? {
            Some(r) => Recorded {
                purpose,
                reply_to: reply_to(args),
                ..r
            },
            None => {
                eprintln!("tonny: no speech in the PCM stream; nothing was sent");
                return Ok(None);
            }
        },
    };
    Ok(Some(core.session.hear(recorded).await?))
}

/// The API's answer for what was heard here, and the reply's speech still playing.
fn talk_result(
    mut heard: HeardOutcome,
) -> (TalkResult, Option<tokio::sync::oneshot::Receiver<()>>) {
    let speech = match &mut heard {
        HeardOutcome::Handled { outcome, .. } => outcome.speech_done.take(),
        HeardOutcome::NothingRecognised { .. } => None,
    };
    (TalkResult::of(&heard), speech)
}

/// Tells the person when to speak and what was heard, from the daemon's events, until
/// `stopped`; then the events already published are printed too.
async fn print_progress(
    mut events: tokio::sync::broadcast::Receiver<Event>,
    json: bool,
    purpose: Purpose,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        let e = tokio::select! {
            e = events.recv() => match e {
                Ok(e) => e,
                Err(_) => return,
            },
            _ = &mut stopped => {
                while let Ok(e) = events.try_recv() {
                    print_event(e, json, purpose);
                }
                return;
            }
        };
        print_event(e, json, purpose);
    }
}

fn print_event(e: Event, json: bool, purpose: Purpose) {
    // Why nothing was sent is printed from the answer, which a caller through the daemon has
    // for certain (its event may come after the answer).
    if matches!(e, Event::NothingHeard { .. }) {
        return;
    }
    if let Some(line) = crate::output::event_line(&e, !json && purpose == Purpose::Command) {
        eprintln!("{line}");
    }
}

/// `tonny listen` through a running daemon: its microphone, or the audio sent to it.
async fn through_daemon(
    ctx: &Ctx,
    daemon: &Daemon,
    args: &ListenArgs,
    purpose: Purpose,
) -> anyhow::Result<ExitCode> {
    let purpose_name = match purpose {
        Purpose::Command => "command",
        Purpose::Dictation => "dictation",
    };
    let speak = if args.silent { "none" } else { "host" };
    let mode = args.mode.map_or("", |m| m.as_str());
    let answer = match (&args.file, args.pcm_stdin) {
        (None, false) => {
            let events = daemon.events().await?;
            let printer = tokio::spawn(print_remote_progress(events, ctx.json, purpose));
            let answer = daemon
                .post(
                    "/api/v1/listen",
                    json!({"purpose": purpose_name, "speak": speak, "mode": args.mode}),
                )
                .await;
            printer.abort();
            answer?
        }
        (Some(file), _) => {
            let bytes = tokio::fs::read(file)
                .await
                .with_context(|| format!("reading {}", file.display()))?;
            let mut path = format!("/api/v1/talk/upload?purpose={purpose_name}&speak={speak}");
            if !mode.is_empty() {
                path.push_str(&format!("&mode={mode}"));
            }
            daemon.upload(&path, bytes).await?
        }
        (None, true) => {
            let settings = ctx.settings().await?.settings;
            let Some(r) = pcm_from_stdin(&settings).await? else {
                eprintln!("tonny: no speech in the PCM stream; nothing was sent");
                return Ok(ExitCode::from(NOTHING_HEARD));
            };
            let bytes: Vec<u8> = r.samples.iter().flat_map(|s| s.to_le_bytes()).collect();
            let mut path = format!(
                "/api/v1/talk/upload?format=pcm_f32le&sample_rate=16000&purpose={purpose_name}&speak={speak}"
            );
            if !mode.is_empty() {
                path.push_str(&format!("&mode={mode}"));
            }
            daemon.upload(&path, bytes).await?
        }
    };
    finish(ctx, purpose, serde_json::from_value(answer)?)
}

/// [`print_progress`] over the daemon's event socket.
async fn print_remote_progress(mut events: crate::client::Events, json: bool, purpose: Purpose) {
    while let Some(e) = events.next().await {
        print_event(e, json, purpose);
    }
}
