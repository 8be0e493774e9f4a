//! The embedded Whisper engine: a CTranslate2 model loaded once and kept warm.
//!
//! Concurrency: [`WhisperEngine`] is `Send + Sync` and may be shared (`Arc`) between threads.
//! The model has one CTranslate2 replica, which queues requests, so concurrent transcriptions
//! run one after another, each with all of the configured threads — the fastest arrangement on
//! a desktop CPU, where two half-speed decodes would finish no sooner.

use std::path::{Path, PathBuf};
use std::time::Instant;

use ct2rs::sys::{ComputeType, Config, Device, StorageView, Whisper};
use tonny_audio::vad::{VadOptions, speech_regions, windows_from_regions};
use tonny_core::stt::{Stt, SttError, TranscribeOptions, Transcript};

use crate::decode::{DecodeOptions, Decoder};
use crate::features::{FRAMES_PER_WINDOW, HOP, MelExtractor, SAMPLE_RATE};
use crate::vocab::Vocabulary;
use tonny_providers::stt::models::{ModelError, ModelFiles, inspect};

/// Numeric precision the model runs at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComputeChoice {
    /// int8 where the CPU has fast integer dot products (AVX2, NEON), else float32.
    Auto,
    /// 8-bit integer weights: ~4x smaller, faster on most CPUs.
    Int8,
    /// Full precision.
    Float32,
}

impl ComputeChoice {
    /// What `Auto` means on this CPU.
    pub fn resolve(self) -> ComputeChoice {
        match self {
            ComputeChoice::Auto => {
                #[cfg(target_arch = "x86_64")]
                let fast_int8 = std::arch::is_x86_feature_detected!("avx2");
                #[cfg(target_arch = "aarch64")]
                let fast_int8 = true;
                #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
                let fast_int8 = false;
                if fast_int8 {
                    ComputeChoice::Int8
                } else {
                    ComputeChoice::Float32
                }
            }
            other => other,
        }
    }

    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ComputeChoice::Auto => "auto",
            ComputeChoice::Int8 => "int8",
            ComputeChoice::Float32 => "float32",
        }
    }
}

/// How to load the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineOptions {
    /// CPU threads for one transcription; 0 uses every available core.
    pub threads: usize,
    /// Numeric precision.
    pub compute: ComputeChoice,
}

impl EngineOptions {
    /// The options the settings ask for (`stt.threads`, `stt.compute_type`).
    pub fn from_settings(stt: &tonny_core::settings::SttSettings) -> Self {
        use tonny_core::settings::ComputeType as Setting;
        Self {
            threads: stt.threads as usize,
            compute: match stt.compute_type {
                Setting::Auto => ComputeChoice::Auto,
                Setting::Int8 => ComputeChoice::Int8,
                Setting::Float32 => ComputeChoice::Float32,
            },
        }
    }
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            threads: 0,
            compute: ComputeChoice::Auto,
        }
    }
}

/// Why a transcription failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The model cannot be used.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The requested language is not one the model knows.
    #[error("{model} cannot transcribe language {language:?}: {reason}")]
    Language {
        /// The model's name.
        model: String,
        /// The code asked for.
        language: String,
        /// Why not.
        reason: &'static str,
    },
    /// CTranslate2 failed while running.
    #[error("the speech engine failed: {detail}")]
    Engine {
        /// CTranslate2's message.
        detail: String,
    },
}

impl EngineError {
    pub(crate) fn engine(e: impl std::fmt::Display) -> Self {
        EngineError::Engine {
            detail: e.to_string(),
        }
    }
}

impl From<EngineError> for SttError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Model(m) => SttError::Model(Box::new(m)),
            EngineError::Language { .. } => SttError::Audio(Box::new(e)),
            EngineError::Engine { .. } => SttError::Engine(Box::new(e)),
        }
    }
}

/// A Whisper model loaded in this process.
pub struct WhisperEngine {
    /// The CTranslate2 model.
    model: Whisper,
    /// Feature extractor matching the model's mel bands.
    mel: MelExtractor,
    /// Token strings and special ids.
    vocab: Vocabulary,
    /// What was loaded.
    files: ModelFiles,
    /// Display name (the directory's name).
    name: String,
    /// Precision in use.
    compute: ComputeChoice,
    /// Threads in use.
    threads: usize,
    /// Encodes the vocabulary prompt (the tokenizer loads on first use).
    prompts: crate::prompt::PromptEncoder,
    /// Recordings decoded since the model loaded (see [`WhisperEngine::passes`]).
    passes: std::sync::atomic::AtomicUsize,
}

/// The seed of CTranslate2's sampler (see [`WhisperEngine::load`]).
const SAMPLING_SEED: u32 = 20_240_601;

impl WhisperEngine {
    /// Loads the model in `dir` (checked first, so a broken model names the bad file).
    pub fn load(dir: &Path, opts: EngineOptions) -> Result<Self, ModelError> {
        let files = inspect(dir)?;
        let vocab = Vocabulary::load(dir)?;
        let compute = opts.compute.resolve();
        let threads = if opts.threads == 0 {
            std::thread::available_parallelism().map_or(4, |n| n.get())
        } else {
            opts.threads
        };
        let config = Config {
            device: Device::CPU,
            compute_type: match compute {
                ComputeChoice::Int8 => ComputeType::INT8,
                _ => ComputeType::FLOAT32,
            },
            num_threads_per_replica: threads,
            ..Config::default()
        };
        // A fixed seed for the sampling that follows a failed greedy or beam decode (rising
        // temperatures): the same recording then gives the same text run after run, rather
        // than a different guess each time on hard audio.
        ct2rs::set_random_seed(SAMPLING_SEED);
        let model = Whisper::new(dir, config).map_err(|e| ModelError::Load {
            dir: dir.to_path_buf(),
            detail: format!("{e:#}"),
        })?;
        if model.n_mels() != files.n_mels {
            return Err(ModelError::Bad {
                path: dir.join("preprocessor_config.json"),
                reason: format!(
                    "it says {} mel bands but the model expects {}",
                    files.n_mels,
                    model.n_mels()
                ),
            });
        }
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        Ok(Self {
            mel: MelExtractor::new(files.n_mels),
            model,
            vocab,
            files,
            name,
            compute,
            threads,
            prompts: crate::prompt::PromptEncoder::new(dir),
            passes: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    pub(crate) fn model(&self) -> &Whisper {
        &self.model
    }

    pub(crate) fn vocab(&self) -> &Vocabulary {
        &self.vocab
    }

    pub(crate) fn prompt_encoder(&self) -> &crate::prompt::PromptEncoder {
        &self.prompts
    }

    /// True for models that know more than English.
    pub fn is_multilingual(&self) -> bool {
        self.model.is_multilingual()
    }

    /// The model directory.
    pub fn dir(&self) -> &PathBuf {
        &self.files.dir
    }

    /// Precision in use.
    pub fn compute(&self) -> ComputeChoice {
        self.compute
    }

    /// Threads in use.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// How many times audio went to the model since it loaded (partial text, final passes):
    /// lets tests and benchmarks see which decodes a live session saved or spent.
    pub fn passes(&self) -> usize {
        self.passes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The feature extractor (exposed for comparison with other implementations).
    pub fn features(&self) -> &MelExtractor {
        &self.mel
    }

    /// Transcribes 16 kHz mono `audio` with full control over decoding.
    ///
    /// Recordings up to 30 s are decoded as one clip, as faster-whisper does. Longer ones are cut
    /// into windows of at most 30 s that end in pauses found by voice-activity detection; each is
    /// decoded and the segments joined with their times. Audio with no detected speech that is
    /// also quieter than about −50 dBFS returns an empty transcript without running the model,
    /// so silence cannot be "heard" as words.
    pub fn transcribe_with(
        &self,
        audio: &[f32],
        language: Option<&str>,
        opts: DecodeOptions,
    ) -> Result<Transcript, EngineError> {
        let started = Instant::now();
        let audio_ms = audio.len() as u64 * 1000 / SAMPLE_RATE as u64;
        let lang_code = language.map(str::to_ascii_lowercase);
        let language_id = self.language_id(lang_code.as_deref())?;
        let mut regions = speech_regions(audio, &VadOptions::default());
        // The VAD can miss quiet or unusual speech; anything audibly louder than room hiss
        // still goes to the model, whose no-speech probability is the second guard.
        if regions.is_empty() && rms(audio) > AUDIBLE_RMS {
            regions.push(0..audio.len());
        }
        if regions.is_empty() {
            let lang = lang_code.unwrap_or_else(|| "en".into());
            return Ok(Transcript::from_segments(
                Vec::new(),
                lang,
                audio_ms,
                elapsed(started),
            ));
        }
        self.passes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mel = self.mel.compute(audio);
        let window_samples = FRAMES_PER_WINDOW * HOP;
        let clips: Vec<std::ops::Range<usize>> = if audio.len() <= window_samples {
            std::iter::once(0..mel.n_frames).collect()
        } else {
            windows_from_regions(audio, regions, window_samples)
                .into_iter()
                .map(|r| r.start / HOP..r.end.div_ceil(HOP))
                .collect()
        };
        let (language_id, lang) = match (language_id, self.is_multilingual()) {
            (Some(id), _) => (Some(id), lang_code.unwrap_or_default()),
            (None, false) => (None, "en".to_owned()),
            (None, true) => {
                let first = clips.first().map_or(0, |c| c.start);
                let detected = self.detect_language(
                    &mel.window(first, FRAMES_PER_WINDOW, FRAMES_PER_WINDOW),
                    mel.n_mels,
                )?;
                let id = self.vocab.id(&detected);
                (
                    id,
                    detected
                        .trim_start_matches("<|")
                        .trim_end_matches("|>")
                        .to_owned(),
                )
            }
        };
        let mut decoder = Decoder::new(self, opts, language_id);
        let mut segments = Vec::new();
        for clip in clips {
            segments.extend(decoder.decode_clip(&mel, clip)?);
        }
        Ok(Transcript::from_segments(
            segments,
            lang,
            audio_ms,
            elapsed(started),
        ))
    }

    /// The language token id for `code`, checking the model knows it.
    fn language_id(&self, code: Option<&str>) -> Result<Option<usize>, EngineError> {
        let Some(code) = code.filter(|c| *c != "auto") else {
            return Ok(None);
        };
        if !self.is_multilingual() {
            return if code == "en" {
                Ok(None)
            } else {
                Err(EngineError::Language {
                    model: self.name.clone(),
                    language: code.to_owned(),
                    reason: "it is an English-only model; install a multilingual one (e.g. `tonny models install base`)",
                })
            };
        }
        self.vocab
            .language(code)
            .map(Some)
            .ok_or_else(|| EngineError::Language {
                model: self.name.clone(),
                language: code.to_owned(),
                reason: "the model has no such language token",
            })
    }

    fn detect_language(&self, window: &[f32], n_mels: usize) -> Result<String, EngineError> {
        let mut data = window.to_vec();
        let features = StorageView::new(&[1, n_mels, FRAMES_PER_WINDOW], &mut data, Device::CPU)
            .map_err(EngineError::engine)?;
        let results = self
            .model
            .detect_language(&features)
            .map_err(EngineError::engine)?;
        results
            .first()
            .and_then(|r| r.first())
            .map(|d| d.language.clone())
            .ok_or_else(|| EngineError::engine("language detection returned nothing"))
    }
}

/// About −50 dBFS: quieter than that with no voice detected is treated as silence.
const AUDIBLE_RMS: f32 = 0.003;

fn rms(audio: &[f32]) -> f32 {
    if audio.is_empty() {
        return 0.0;
    }
    (audio.iter().map(|s| s * s).sum::<f32>() / audio.len() as f32).sqrt()
}

fn elapsed(started: Instant) -> u64 {
    started.elapsed().as_millis() as u64
}

impl Stt for WhisperEngine {
    fn name(&self) -> String {
        format!(
            "embedded whisper {} ({}, {} threads)",
            self.name,
            self.compute.as_str(),
            self.threads
        )
    }

    fn transcribe(&self, audio: &[f32], opts: &TranscribeOptions) -> Result<Transcript, SttError> {
        self.transcribe_speech(audio, opts, spoken_len(audio))
    }
}

/// Silence kept after the last speech region (which is itself padded by 200 ms): 300 ms after
/// the last frame that sounded like speech in all. The detector's padding already covers soft
/// word endings; what follows is the endpointer's wait, which holds no words, only the room
/// noise Whisper likes to read as "Thank you.".
const TAIL_MS: usize = 100;

/// How much of `audio` the final pass decodes: up to [`TAIL_MS`] after the last speech region
/// `regions` found in its first `len` samples, or all of it when none was found (the engine's
/// loudness check then decides whether it is silence).
pub(crate) fn spoken_end(regions: &[std::ops::Range<usize>], len: usize) -> usize {
    regions.last().map_or(len, |last| {
        (last.end + TAIL_MS * SAMPLE_RATE / 1000).min(len)
    })
}

/// How much of a whole recording the final pass decodes: up to 100 ms after its last
/// speech region (all of it when none was found).
pub fn spoken_len(audio: &[f32]) -> usize {
    spoken_end(&speech_regions(audio, &VadOptions::default()), audio.len())
}

impl WhisperEngine {
    /// The final pass: `audio` up to `end` (its [`spoken_len`]) decoded with the person's
    /// options, reported with the whole recording's length. A function of those samples alone,
    /// so a live session that decoded the same samples early has the same transcript.
    pub(crate) fn transcribe_speech(
        &self,
        audio: &[f32],
        opts: &TranscribeOptions,
        end: usize,
    ) -> Result<Transcript, SttError> {
        let decode = DecodeOptions {
            beam_size: opts.beam_size.max(1),
            vocabulary: opts.vocabulary.clone(),
            ..DecodeOptions::default()
        };
        let mut t = self.transcribe_with(&audio[..end], opts.language.as_deref(), decode)?;
        t.audio_ms = audio.len() as u64 * 1000 / SAMPLE_RATE as u64;
        Ok(t)
    }
}
