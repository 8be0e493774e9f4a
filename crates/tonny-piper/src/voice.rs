//! A loaded Piper voice: its configuration, its model in an ONNX Runtime session, and the
//! phonemizer for its language. Synthesis runs sentence by sentence, as Piper does (the model
//! was trained on sentences), with a short pause between them.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::ep;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;

use crate::config::VoiceConfig;
use crate::ids::phoneme_ids;
use crate::phonemize::Phonemizer;
use crate::{PiperError, Runtime};

/// Silence between two sentences of one text.
const SENTENCE_PAUSE_S: f32 = 0.2;

/// How one text is spoken.
#[derive(Debug, Clone, Default)]
pub struct SpeakOptions {
    /// Speaking rate multiplier (1.0 is the voice's own pace).
    pub speed: Option<f32>,
    /// A speaker of a multi-speaker voice, by name or number (the first when `None`).
    pub speaker: Option<String>,
}

/// Mono audio a voice made.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Samples in [-1, 1].
    pub samples: Vec<f32>,
    /// Samples per second.
    pub sample_rate: u32,
}

/// A Piper voice ready to speak. Safe to share; one synthesis runs at a time.
#[derive(Debug)]
pub struct PiperVoice {
    config: VoiceConfig,
    model: PathBuf,
    // ort's `Session::run` takes `&mut self`.
    session: Mutex<Session>,
    has_speaker_input: bool,
    phonemizer: Phonemizer,
}

impl PiperVoice {
    /// Loads `model` (`.onnx`) with its configuration (`config`, the `.onnx.json`), running the
    /// model on `threads` CPU threads (0: ONNX Runtime's choice).
    pub fn load(
        model: &Path,
        config: &Path,
        threads: usize,
        phonemizer: Phonemizer,
    ) -> Result<Self, PiperError> {
        let config = VoiceConfig::read(config)?;
        if !model.is_file() {
            return Err(PiperError::Io {
                action: "find the voice model",
                path: model.to_path_buf(),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            });
        }
        let runtime = Runtime::get()?;
        let bad_model = |e: ort::Error| PiperError::BadVoice {
            path: model.to_path_buf(),
            reason: format!(
                "ONNX Runtime could not load it ({e}); the file may be damaged: \
                 reinstall the voice"
            ),
        };
        let runtime_err = |e: String| PiperError::Runtime(e);
        let mut builder = Session::builder(&runtime.env)
            .map_err(|e| runtime_err(e.to_string()))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| runtime_err(e.to_string()))?
            .with_inter_threads(1)
            .map_err(|e| runtime_err(e.to_string()))?
            // Sentences differ in length, so ONNX Runtime's arena and memory patterns only
            // grow (to ~300 MB here after a few dozen sentences) in a daemon that stays up
            // for weeks; without them it stays near the model's size at the same speed
            // (scripts/bench-tts.sh).
            .with_memory_pattern(false)
            .map_err(|e| runtime_err(e.to_string()))?
            .with_execution_providers([ep::CPU::default().with_arena_allocator(false).build()])
            .map_err(|e| runtime_err(e.to_string()))?;
        if threads > 0 {
            builder = builder
                .with_intra_threads(threads)
                .map_err(|e| runtime_err(e.to_string()))?;
        }
        let session = builder.commit_from_file(model).map_err(bad_model)?;
        let names: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        for needed in ["input", "input_lengths", "scales"] {
            if !names.contains(&needed) {
                return Err(PiperError::BadVoice {
                    path: model.to_path_buf(),
                    reason: format!("the model has no {needed:?} input; it is not a Piper voice"),
                });
            }
        }
        let has_speaker_input = names.contains(&"sid");
        Ok(Self {
            config,
            model: model.to_path_buf(),
            session: Mutex::new(session),
            has_speaker_input,
            phonemizer,
        })
    }

    /// The voice's configuration.
    pub fn config(&self) -> &VoiceConfig {
        &self.config
    }

    /// The model file.
    pub fn model(&self) -> &Path {
        &self.model
    }

    /// Speaks `text`. Blocking (ONNX Runtime runs on this thread and its own pool).
    pub fn speak(&self, text: &str, options: &SpeakOptions) -> Result<Audio, PiperError> {
        let speaker = self
            .config
            .speaker_id(options.speaker.as_deref())
            .map_err(PiperError::Speaker)?;
        let sentences = self.phonemizer.sentences(&self.config.espeak.voice, text)?;
        let rate = self.config.audio.sample_rate;
        let pause = (SENTENCE_PAUSE_S * rate as f32) as usize;
        let mut samples = Vec::new();
        for (i, phonemes) in sentences.iter().enumerate() {
            let ids = phoneme_ids(&self.config.phoneme_id_map, phonemes);
            if !ids.unknown.is_empty() {
                tracing::debug!(
                    component = "tts",
                    unknown = ids.unknown.len(),
                    "phonemes this voice does not know were left out"
                );
            }
            if ids.ids.len() <= 3 {
                continue; // only the frame: nothing this voice can say
            }
            if i > 0 {
                samples.resize(samples.len() + pause, 0.0);
            }
            samples.extend(normalized(self.infer(ids.ids, speaker, options.speed)?));
        }
        Ok(Audio {
            samples,
            sample_rate: rate,
        })
    }

    fn infer(
        &self,
        ids: Vec<i64>,
        speaker: i64,
        speed: Option<f32>,
    ) -> Result<Vec<f32>, PiperError> {
        let inference = self.config.inference;
        let speed = speed.filter(|s| s.is_finite() && *s > 0.0).unwrap_or(1.0);
        let scales = vec![
            inference.noise_scale,
            inference.length_scale / speed,
            inference.noise_w,
        ];
        let engine = |e: ort::Error| PiperError::Engine(e.to_string());
        let n = ids.len();
        let mut inputs: Vec<(&str, ort::session::SessionInputValue<'_>)> = vec![
            (
                "input",
                Tensor::from_array(([1usize, n], ids))
                    .map_err(engine)?
                    .into(),
            ),
            (
                "input_lengths",
                Tensor::from_array(([1usize], vec![n as i64]))
                    .map_err(engine)?
                    .into(),
            ),
            (
                "scales",
                Tensor::from_array(([3usize], scales))
                    .map_err(engine)?
                    .into(),
            ),
        ];
        if self.has_speaker_input {
            inputs.push((
                "sid",
                Tensor::from_array(([1usize], vec![speaker]))
                    .map_err(engine)?
                    .into(),
            ));
        }
        let mut session = self.session.lock().expect("session lock");
        let outputs = session.run(inputs).map_err(engine)?;
        let (_, audio) = outputs[0].try_extract_tensor::<f32>().map_err(engine)?;
        Ok(audio.to_vec())
    }
}

/// Piper's loudness: each sentence scaled to full range (a near-silent one is left quiet).
fn normalized(mut samples: Vec<f32>) -> Vec<f32> {
    let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    let gain = 1.0 / peak.max(0.01);
    for s in &mut samples {
        *s = (*s * gain).clamp(-1.0, 1.0) * 0.95;
    }
    samples
}
