//! `tonny say`: speak text with the configured local voice (a Piper voice, or espeak-ng), aloud
//! or into a WAV file.

use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use tonny_core::settings::TtsEngine;
use tonny_core::tts::{Speech, Tts};
use tonny_providers::tts::elevenlabs::{ElevenLabsConfig, ElevenLabsTts};
use tonny_providers::tts::espeak::EspeakTts;
use tonny_providers::tts::piper::LocalVoice;
use tonny_store::secrets::SecretName;

use crate::ctx::{Ctx, blocking};
use crate::output::{self, out};

/// Options for `tonny say`.
#[derive(Debug, Args)]
pub struct SayArgs {
    /// The words to speak (several arguments are joined with spaces).
    #[arg(required_unless_present = "voices")]
    text: Vec<String>,
    /// List the voices to pick from instead of speaking: the Piper voices installed here (the
    /// one in use marked) and, with an API key, the ElevenLabs voices.
    #[arg(long, conflicts_with_all = ["out", "voice"])]
    voices: bool,
    /// Write the speech to this WAV file (created 0600) instead of playing it.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// The local voice: a Piper voice's name or .onnx file, or a language / espeak-ng voice
    /// (`en-us`, `de`), which the installed Piper voice for it speaks (default: tts.voice).
    #[arg(long)]
    voice: Option<String>,
    /// Speak with espeak-ng even where a Piper voice is installed.
    #[arg(long)]
    espeak: bool,
}

#[derive(Debug, Serialize)]
struct Said {
    /// The WAV written, or the device played on.
    file: Option<String>,
    device: Option<String>,
    voice: String,
    duration_ms: u64,
    sample_rate: u32,
}

/// What `tonny say --voices` lists.
#[derive(Debug, Serialize)]
struct VoiceList {
    /// What speaks replies now ("Piper en_US-joe-medium", "espeak-ng en-us", …).
    speaking: String,
    /// The Piper voices installed here.
    local: Vec<ListedLocal>,
    /// The ElevenLabs voices the API key can use; absent without a key.
    elevenlabs: Option<Vec<tonny_providers::tts::elevenlabs::Voice>>,
}

#[derive(Debug, Serialize)]
struct ListedLocal {
    name: String,
    language: Option<String>,
    quality: Option<String>,
    speakers: u32,
    in_use: bool,
    #[serde(skip)]
    described: String,
}

/// The voices to pick from (`tonny say --voices`): the Piper voices installed here, with the
/// one in use marked, and the ElevenLabs voices when an API key is set. A cloud list that cannot
/// be fetched is an error after the local voices are shown.
async fn voices(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let settings = ctx.settings().await?.settings;
    let store = crate::cmd::voices::store(ctx);
    let tts = settings.tts.clone();
    let (speaking, local) = blocking(move || {
        let in_use = tonny_providers::tts::piper::voice_in_use(&tts, &store).map(|v| v.name);
        let speaking = match tts.engine {
            TtsEngine::Espeak => EspeakTts::from_settings(&tts).name(),
            TtsEngine::ElevenLabs => format!("ElevenLabs voice {}", tts.elevenlabs_voice_id),
            TtsEngine::Piper => LocalVoice::new(&tts, &tts.voice, &store).name(),
            TtsEngine::None => "nothing (tts.engine is none: replies are shown)".to_owned(),
        };
        let local = store
            .list()
            .into_iter()
            .map(|v| ListedLocal {
                in_use: in_use.as_deref() == Some(v.name.as_str()),
                described: crate::cmd::voices::describe(&v),
                name: v.name,
                language: v.language,
                quality: v.quality,
                speakers: v.speakers,
            })
            .collect::<Vec<_>>();
        (speaking, local)
    })
    .await?;
    let secrets = ctx.secrets().await?;
    let key = blocking(move || secrets.get(SecretName::ElevenlabsApiKey))
        .await??
        .map(|(v, _)| secrecy::ExposeSecret::expose_secret(&v).to_owned());
    let cloud = match key {
        Some(key) => {
            let voice = ElevenLabsTts::new(ElevenLabsConfig::from_settings(&settings.tts, key));
            Some(blocking(move || voice.voices()).await?)
        }
        None => None,
    };
    let (elevenlabs, failed) = match cloud {
        Some(Ok(list)) => (Some(list), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    let list = VoiceList {
        speaking,
        local,
        elevenlabs,
    };
    if ctx.json {
        output::json(&list)?;
    } else {
        print_voices(&list, &settings.tts)?;
    }
    match failed {
        Some(e) => Err(anyhow::Error::new(e).context("cannot list the ElevenLabs voices")),
        None => Ok(ExitCode::SUCCESS),
    }
}

fn print_voices(list: &VoiceList, tts: &tonny_core::settings::TtsSettings) -> std::io::Result<()> {
    out!("Replies are spoken by: {}", list.speaking);
    out!("Local voices (Piper; pick one with `tonny config set tts.voice NAME`):");
    if list.local.is_empty() {
        out!("  none installed; espeak-ng speaks (`tonny voices install en_US-joe-medium`)");
    }
    for v in &list.local {
        let mark = if v.in_use { "*" } else { " " };
        out!("{mark} {}  {}", v.name, v.described);
    }
    match &list.elevenlabs {
        Some(cloud) => {
            out!("ElevenLabs voices (tts.elevenlabs_voice_id):");
            for v in cloud {
                let mark = if tts.engine == TtsEngine::ElevenLabs
                    && v.voice_id == tts.elevenlabs_voice_id
                {
                    "*"
                } else {
                    " "
                };
                out!("{mark} {}  {} ({})", v.voice_id, v.name, v.category);
            }
        }
        None if tts.engine == TtsEngine::ElevenLabs => out!(
            "ElevenLabs voices: set the API key to list them \
             (`tonny secrets set elevenlabs_api_key`)"
        ),
        None => {}
    }
    Ok(())
}

/// Runs `tonny say`.
pub async fn run(ctx: &mut Ctx, args: SayArgs) -> anyhow::Result<ExitCode> {
    if args.voices {
        return voices(ctx).await;
    }
    let mut tts = ctx.settings().await?.settings.tts;
    if let Some(v) = args.voice {
        tts.voice = v;
    }
    let voice: Box<dyn Tts> = if args.espeak || tts.engine == TtsEngine::Espeak {
        Box::new(EspeakTts::from_settings(&tts))
    } else {
        let store = crate::cmd::voices::store(ctx);
        Box::new(LocalVoice::new(&tts, &tts.voice, &store))
    };
    let text = args.text.join(" ");
    let (speech, voice) = blocking(move || voice.synthesize(&text).map(|s| (s, voice))).await??;
    if let Some(notice) = voice.take_notice() {
        eprintln!("note: {notice}");
    }
    let name = voice.name();
    let (file, device, speech) = match args.out {
        Some(path) => {
            let written = path.clone();
            let speech = blocking(move || write_wav(&written, &speech).map(|()| speech)).await??;
            (Some(path.display().to_string()), None, speech)
        }
        None => {
            let output = ctx.settings().await?.settings.audio.output_device;
            let player = blocking(move || tonny_audio::playback::Player::open(output.as_deref()))
                .await?
                .context("cannot play the speech (write it to a file with --out instead)")?;
            let done = player.play(speech.samples.clone(), speech.sample_rate)?;
            let _ = done.await;
            (None, Some(player.device().to_owned()), speech)
        }
    };
    let said = Said {
        file,
        device,
        voice: name,
        duration_ms: speech.duration_ms(),
        sample_rate: speech.sample_rate,
    };
    if ctx.json {
        output::json(&said)?;
    } else {
        let place = said
            .file
            .clone()
            .or_else(|| said.device.as_ref().map(|d| format!("played on {d}")))
            .unwrap_or_default();
        out!(
            "{place}: {:.2} s of speech ({})",
            said.duration_ms as f64 / 1000.0,
            said.voice
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes 16-bit mono WAV next to `path` and renames it into place, so a failure (full disk,
/// killed process) never leaves a half-written file under the requested name.
fn write_wav(path: &Path, speech: &Speech) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let partial = dir.join(format!(".{}.partial", name.to_string_lossy()));
    let result = (|| -> anyhow::Result<()> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&partial)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: speech.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::new(BufWriter::new(file), spec)?;
        for s in &speech.samples {
            w.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16)?;
        }
        w.finalize()?;
        std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result.with_context(|| format!("writing the speech to {}", path.display()))
}
