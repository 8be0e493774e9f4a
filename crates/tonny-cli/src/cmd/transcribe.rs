//! `tonny transcribe`: speech in files to text, with the embedded engine (no server needed).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use serde::Serialize;
use tonny_core::stt::{TranscribeOptions, Transcript};
use tonny_store::{NewTranscription, Store};

use crate::ctx::{Ctx, blocking};
use crate::output::{self, out};

/// Options for `tonny transcribe`.
#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// Audio files (WAV at any rate and channel count, FLAC, MP3, OGG/Vorbis); `-` reads a WAV
    /// from standard input.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Model name or directory (default: the stt.model setting).
    #[arg(long, short)]
    model: Option<String>,
    /// Spoken language (ISO 639-1), or `auto` to detect it (default: the stt.language setting).
    #[arg(long, short)]
    language: Option<String>,
    /// Beam width, 1–10 (default: the stt.beam_size setting).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10))]
    beam: Option<u32>,
    /// A name or term to expect, spelled as it should come out (repeatable; default: the
    /// stt.vocabulary setting).
    #[arg(long = "vocab", value_name = "TERM")]
    vocabulary: Vec<String>,
    /// Also print each timed segment.
    #[arg(long)]
    segments: bool,
    /// Do not keep the transcription in the history.
    #[arg(long)]
    no_store: bool,
}

/// One file's result, for JSON output.
#[derive(Debug, Serialize)]
struct FileResult {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<i64>,
    #[serde(flatten)]
    transcript: Option<Transcript>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn secs(ms: u64) -> String {
    format!("{:.2}", ms as f64 / 1000.0)
}

/// Runs `tonny transcribe`.
pub async fn run(ctx: &mut Ctx, args: TranscribeArgs) -> anyhow::Result<ExitCode> {
    let settings = ctx.settings().await?.settings;
    let engine = crate::cmd::local::engine(ctx, &settings, args.model.clone()).await?;
    let language = args
        .language
        .clone()
        .unwrap_or(settings.stt.language.clone());
    let beam_size = args.beam.unwrap_or(settings.stt.beam_size) as usize;
    let vocabulary = if args.vocabulary.is_empty() {
        settings.stt.vocabulary.clone()
    } else {
        args.vocabulary.clone()
    };
    let keep = !args.no_store && settings.history.enabled;
    // The household's spelling, as the pipeline writes it.
    let replacements = tonny_core::replacements::Replacements::parse(&settings.stt.replacements)?;
    let many = args.files.len() > 1;
    let mut results = Vec::new();
    let mut failed = false;
    for file in &args.files {
        let label = file.display().to_string();
        let (engine, path) = (Arc::clone(&engine), file.clone());
        let opts = TranscribeOptions {
            language: (language != "auto").then(|| language.clone()),
            beam_size,
            vocabulary: vocabulary.clone(),
        };
        let outcome = blocking(move || -> anyhow::Result<Transcript> {
            let audio = if path == Path::new("-") {
                tonny_audio::decode::decode_reader(std::io::stdin().lock(), "standard input")?
            } else {
                tonny_audio::decode_file(&path)?
            };
            if audio.truncated {
                tracing::warn!(
                    component = "stt",
                    "input ended early; transcribing what was there"
                );
            }
            Ok(engine.transcribe(&audio.samples, &opts)?)
        })
        .await?;
        match outcome {
            Ok(mut t) => {
                t.text = replacements.apply(&t.text);
                // Nothing said, nothing to remember.
                let id = if keep && !t.text.is_empty() {
                    Some(
                        ctx.store()?
                            .insert_transcription(&NewTranscription {
                                text: t.text.clone(),
                                confidence: Some(t.confidence),
                                language: Some(t.language.clone()),
                                source: Some(label.clone()),
                                audio_ms: Some(t.audio_ms.min(u32::MAX as u64) as u32),
                                stt_ms: Some(t.elapsed_ms.min(u32::MAX as u64) as u32),
                                ..Default::default()
                            })
                            .await?,
                    )
                } else {
                    None
                };
                tracing::info!(
                    component = "stt",
                    audio_ms = t.audio_ms,
                    elapsed_ms = t.elapsed_ms,
                    "transcribed"
                );
                if !ctx.json {
                    let prefix = if many {
                        format!("{label}: ")
                    } else {
                        String::new()
                    };
                    out!("{prefix}{}", t.text);
                    if args.segments {
                        for s in &t.segments {
                            out!(
                                "  [{} → {}] {}",
                                secs(s.start_ms),
                                secs(s.end_ms),
                                s.text.trim()
                            );
                        }
                    }
                }
                results.push(FileResult {
                    file: label,
                    id,
                    transcript: Some(t),
                    error: None,
                });
            }
            Err(e) => {
                failed = true;
                eprintln!("tonny: error: {e:#}");
                results.push(FileResult {
                    file: label,
                    id: None,
                    transcript: None,
                    error: Some(format!("{e:#}")),
                });
            }
        }
    }
    if ctx.json {
        output::json(&results)?;
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
