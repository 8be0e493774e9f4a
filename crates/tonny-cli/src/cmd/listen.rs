//! `tonny listen` (one utterance through the whole pipeline) and `tonny dictate` (one utterance
//! typed into the focused window): microphone (or a WAV file) → speech-to-text → assistant.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use tonny_audio::capture::{
    CaptureEvent, Ending, Endpointer, Microphone, RecordOptions, Recording, Stopper,
};
use tonny_core::output::{TextOutput, VoiceOutput};
use tonny_core::pipeline::{Event, Step};
use tonny_core::router::Purpose;
use tonny_core::settings::Settings;
use tonny_core::stt::{Stt, SttSession, TranscribeOptions};
use tonny_server::assistant::{Assistant, Heard, HeardOutcome, VoiceTarget};
use tonny_store::Store;

use crate::cmd::ask::{AskReport, REFUSED};
use crate::cmd::pipeline::{Printed, parts, stt};
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
}

/// Audio kept from before listening starts, so the first word is never lost.
pub const PRE_ROLL: Duration = Duration::from_millis(500);

/// What one heard utterance gives.
struct Recorded {
    samples: Vec<f32>,
    capture_ms: u32,
    endpoint_ms: Option<u32>,
    source: String,
    // A streaming engine's session, fed while recording: only its final answer is left.
    session: Option<Box<dyn SttSession>>,
}

/// How recordings are transcribed, from `stt.language` and `stt.beam_size`.
pub fn transcribe_options(settings: &Settings) -> TranscribeOptions {
    let lang = settings.stt.language.clone();
    TranscribeOptions {
        language: (lang != "auto").then_some(lang),
        beam_size: settings.stt.beam_size as usize,
    }
}

/// Where one utterance's audio comes from.
pub enum Input {
    /// The microphone, until voice-activity detection ends it (`vad`) or `stop` is called
    /// (push-to-talk, when `vad` is false).
    Mic {
        /// The open microphone.
        mic: Arc<Microphone>,
        /// Ends the recording early.
        stop: Stopper,
        /// End at the configured silence.
        vad: bool,
        /// Say "speak now" and "no speech" on the terminal (off in hands-free mode, where
        /// listening never stops).
        announce: bool,
    },
    /// An audio file.
    File(PathBuf),
    /// Raw s16le 16 kHz mono PCM on stdin, endpointed like the microphone.
    PcmStdin,
}

fn options(
    settings: &Settings,
    vad: bool,
    muted: Arc<dyn Fn() -> bool + Send + Sync>,
) -> RecordOptions {
    RecordOptions {
        silence: vad.then(|| Duration::from_millis(u64::from(settings.audio.vad_silence_ms))),
        max_len: Duration::from_secs(u64::from(settings.audio.max_utterance_s)),
        pre_roll: PRE_ROLL,
        threshold: 0.5,
        muted,
        stream_audio: false,
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

/// Runs `tonny listen` (`purpose` = command) or `tonny dictate` (`purpose` = dictation).
pub async fn run(ctx: &mut Ctx, args: ListenArgs, purpose: Purpose) -> anyhow::Result<ExitCode> {
    let settings = ctx.settings().await?.settings;
    // The microphone opens first: it streams into the pre-roll ring while the model loads.
    let mic = match (&args.file, args.pcm_stdin) {
        (Some(_), _) | (None, true) => None,
        (None, false) => {
            let device = settings.audio.input_device.clone();
            Some(Arc::new(
                blocking(move || Microphone::open(device.as_deref(), PRE_ROLL * 2))
                    .await?
                    .context("cannot listen (type the request with `tonny ask` instead)")?,
            ))
        }
    };
    let engine = stt(ctx, &settings).await?;
    let text_out: Arc<dyn TextOutput> = match purpose {
        Purpose::Dictation => {
            Arc::new(tonny_audio::typing::Typist::from_settings(&settings.typing))
        }
        Purpose::Command => Arc::new(Printed { show: !ctx.json }),
    };
    let parts = parts(ctx, &settings, !args.silent).await?;
    let voice_out = parts.voice.clone();
    let store: Arc<dyn Store> = Arc::new(ctx.store()?.clone());
    let assistant = Assistant::new(
        store,
        settings.clone(),
        parts.agents,
        text_out,
        voice_out.clone(),
    );
    let from = match (mic, args.file) {
        (Some(mic), _) => Input::Mic {
            mic,
            stop: Stopper::default(),
            vad: true,
            announce: true,
        },
        (None, Some(file)) => Input::File(file),
        (None, None) => Input::PcmStdin,
    };
    // Fallbacks and failures the assistant announced are shown on the terminal too (`tonny run`
    // prints them from its own subscription).
    let mut bus = assistant.bus().subscribe();
    let result = hear_and_do(
        ctx, &assistant, &engine, from, purpose, &settings, voice_out,
    )
    .await;
    while let Ok(event) = bus.try_recv() {
        if let Event::Notification { title, body } = event {
            eprintln!("tonny: {title}: {body}");
        }
    }
    result
}

/// Hears one utterance from `from`, transcribes it and has the assistant carry it out; prints
/// what the person should see. Shared by `listen`, `dictate` and `run`'s hotkeys.
pub async fn hear_and_do(
    ctx: &Ctx,
    assistant: &Arc<Assistant>,
    engine: &Arc<dyn Stt>,
    from: Input,
    purpose: Purpose,
    settings: &Settings,
    voice_out: Option<Arc<dyn VoiceOutput>>,
) -> anyhow::Result<ExitCode> {
    let coordinator = assistant.coordinator();
    let utterance = coordinator.listen().await?;
    let heard = match from {
        Input::Mic {
            mic,
            stop,
            vad,
            announce,
        } => {
            let muted: Arc<dyn Fn() -> bool + Send + Sync> = match voice_out {
                Some(v) => Arc::new(move || v.is_speaking()),
                None => Arc::new(|| false),
            };
            let mut opts = options(settings, vad, muted);
            let (events_tx, events_rx) = std::sync::mpsc::channel();
            let bus = assistant.bus().clone();
            let partial_bus = bus.clone();
            // A model freed while idle starts loading now, while the person speaks.
            engine.prepare();
            let mut session = engine.start_session(
                &transcribe_options(settings),
                Box::new(move |text: &str| {
                    partial_bus.publish(Event::PartialTranscript {
                        utterance,
                        text: text.to_owned(),
                    });
                }),
            );
            // Only a streaming engine needs the audio while it is recorded.
            opts.stream_audio = session.is_some();
            let forward = std::thread::spawn(move || {
                for e in events_rx {
                    match e {
                        CaptureEvent::Level(dbfs) => {
                            bus.publish(Event::AudioLevel { utterance, dbfs })
                        }
                        CaptureEvent::Audio(audio) => {
                            if let Some(s) = session.as_mut() {
                                s.push(&audio);
                            }
                        }
                        CaptureEvent::SpeechStarted => {}
                    }
                }
                session
            });
            let started = Instant::now();
            // Tests and scripts wait for this line before speaking.
            mic.resume();
            if announce {
                eprintln!("listening on {} — speak now", mic.device());
            }
            let recording_mic = Arc::clone(&mic);
            let recorded = blocking(move || recording_mic.record(opts, stop, events_tx)).await?;
            // Nothing more to hear until the next utterance: no capture while TonnyTray answers.
            mic.pause();
            let session = forward.join().ok().flatten();
            let rec = match recorded {
                Ok(r) => r,
                Err(e) => {
                    coordinator
                        .step(utterance, Step::Failed(e.to_string()))
                        .await?;
                    return Err(e.into());
                }
            };
            tracing::info!(
                component = "capture",
                ending = ?rec.ending,
                endpoint_ms = rec.endpoint_ms,
                audio_ms = rec.samples.len() as u64 / 16,
                "recording ended"
            );
            if !rec.heard_speech {
                coordinator.step(utterance, Step::NothingHeard).await?;
                let why = match rec.ending {
                    Ending::MaxLength => format!(
                        "no speech in {} s (audio.max_utterance_s); nothing was sent",
                        settings.audio.max_utterance_s
                    ),
                    _ => "no speech was heard; nothing was sent".to_owned(),
                };
                if announce {
                    eprintln!("tonny: {why}");
                } else {
                    tracing::debug!(component = "capture", "{why}");
                }
                return Ok(ExitCode::from(NOTHING_HEARD));
            }
            Recorded {
                capture_ms: started.elapsed().as_millis() as u32,
                endpoint_ms: rec.endpoint_ms.map(|m| m as u32),
                samples: rec.samples,
                source: "mic".into(),
                session,
            }
        }
        Input::PcmStdin => {
            let opts = options(settings, true, Arc::new(|| false));
            let started = Instant::now();
            let rec = blocking(move || read_pcm(std::io::stdin().lock(), opts)).await??;
            if !rec.heard_speech {
                coordinator.step(utterance, Step::NothingHeard).await?;
                eprintln!("tonny: no speech in the PCM stream; nothing was sent");
                return Ok(ExitCode::from(NOTHING_HEARD));
            }
            Recorded {
                capture_ms: started.elapsed().as_millis() as u32,
                endpoint_ms: rec.endpoint_ms.map(|m| m as u32),
                samples: rec.samples,
                source: "pcm".into(),
                session: None,
            }
        }
        Input::File(file) => {
            let path = file.clone();
            let audio = blocking(move || tonny_audio::decode_file(&path)).await??;
            Recorded {
                capture_ms: (audio.samples.len() / 16) as u32,
                endpoint_ms: None,
                samples: audio.samples,
                source: file.display().to_string(),
                session: None,
            }
        }
    };
    coordinator.step(utterance, Step::RecordingEnded).await?;

    let (eng, samples, session) = (Arc::clone(engine), heard.samples, heard.session);
    let opts = transcribe_options(settings);
    let transcript = blocking(move || match session {
        Some(live) => live.finish(),
        None => eng.transcribe(&samples, &opts),
    })
    .await?;
    if let Some(notice) = engine.take_notice() {
        assistant
            .notify("warn", "Speech recognition", &notice)
            .await;
    }
    let transcript = match transcript {
        Ok(t) => t,
        Err(e) => {
            coordinator
                .step(utterance, Step::Failed(e.to_string()))
                .await?;
            return Err(e.into());
        }
    };
    if !ctx.json && purpose == Purpose::Command && !transcript.text.trim().is_empty() {
        eprintln!("heard: {}", transcript.text);
    }
    let transcript_text = transcript.text.clone();
    let heard = Heard {
        transcript,
        source: heard.source,
        capture_ms: heard.capture_ms,
        endpoint_ms: heard.endpoint_ms,
    };
    let mut outcome = match assistant
        .handle_heard(utterance, heard, purpose, VoiceTarget::Host)
        .await?
    {
        HeardOutcome::NothingRecognised => {
            eprintln!("tonny: no words were recognised; nothing was sent");
            return Ok(ExitCode::from(NOTHING_HEARD));
        }
        HeardOutcome::Handled { outcome, .. } => *outcome,
    };
    if let Some(done) = outcome.speech_done.take() {
        let _ = done.await;
    }
    if ctx.json {
        let mut report = serde_json::to_value(AskReport::of(&outcome))?;
        report["transcript"] = transcript_text.clone().into();
        report["delivery"] = serde_json::to_value(&outcome.delivery)?;
        output::json(&report)?;
    } else if let Some(d) = &outcome.delivery
        && purpose == Purpose::Dictation
    {
        eprintln!(
            "dictated ({}): {}",
            serde_json::to_value(d)?["how"],
            transcript_text
        );
    }
    Ok(if outcome.refusal.is_some() {
        ExitCode::from(REFUSED)
    } else {
        ExitCode::SUCCESS
    })
}
