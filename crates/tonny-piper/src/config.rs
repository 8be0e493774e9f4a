//! A Piper voice's `.onnx.json`: how its phonemes are made and numbered, its sample rate and
//! default expressiveness, and its speakers. Only what synthesis uses is read; the rest of the
//! file (training details) is ignored.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::PiperError;

/// The parts of a voice's configuration synthesis needs.
#[derive(Debug, Clone, Deserialize)]
pub struct VoiceConfig {
    /// Output format.
    pub audio: AudioConfig,
    /// The espeak-ng voice that makes this voice's phonemes.
    pub espeak: EspeakConfig,
    /// Default expressiveness and pace.
    #[serde(default)]
    pub inference: InferenceConfig,
    /// Only `espeak` voices are supported (Piper's `text` voices take raw characters and are rare).
    #[serde(default = "espeak_type")]
    pub phoneme_type: String,
    /// Each phoneme (one Unicode scalar after NFD) to its model ids.
    pub phoneme_id_map: HashMap<String, Vec<i64>>,
    /// Speakers in a multi-speaker voice.
    #[serde(default = "one")]
    pub num_speakers: u32,
    /// Speaker names to ids.
    #[serde(default)]
    pub speaker_id_map: BTreeMap<String, i64>,
    /// Language, as the voices hub describes it.
    #[serde(default)]
    pub language: Option<LanguageInfo>,
}

fn espeak_type() -> String {
    "espeak".into()
}

fn one() -> u32 {
    1
}

/// The voice's output.
#[derive(Debug, Clone, Deserialize)]
pub struct AudioConfig {
    /// Samples per second.
    pub sample_rate: u32,
    /// `x_low`, `low`, `medium` or `high`.
    #[serde(default)]
    pub quality: Option<String>,
}

/// The phonemizer's voice.
#[derive(Debug, Clone, Deserialize)]
pub struct EspeakConfig {
    /// espeak-ng voice name (`en-us`, `de`, …).
    pub voice: String,
}

/// The model's scales: how varied the sound and the timing are, and how slow.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct InferenceConfig {
    /// Variation in the generated sound.
    #[serde(default = "noise_scale")]
    pub noise_scale: f32,
    /// Phoneme length multiplier (greater is slower).
    #[serde(default = "length_scale")]
    pub length_scale: f32,
    /// Variation in phoneme lengths.
    #[serde(default = "noise_w")]
    pub noise_w: f32,
}

fn noise_scale() -> f32 {
    0.667
}
fn length_scale() -> f32 {
    1.0
}
fn noise_w() -> f32 {
    0.8
}

impl Default for InferenceConfig {
    fn default() -> Self {
        Self {
            noise_scale: noise_scale(),
            length_scale: length_scale(),
            noise_w: noise_w(),
        }
    }
}

/// A voice's language, as the voices hub names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageInfo {
    /// `en_US`.
    pub code: String,
    /// `English`.
    #[serde(default)]
    pub name_english: Option<String>,
    /// `United States`.
    #[serde(default)]
    pub country_english: Option<String>,
}

impl VoiceConfig {
    /// Reads and checks a voice's `.onnx.json`.
    pub fn read(path: &Path) -> Result<Self, PiperError> {
        let text = std::fs::read_to_string(path).map_err(|source| PiperError::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
        let config: Self = serde_json::from_str(&text).map_err(|e| PiperError::BadVoice {
            path: path.to_path_buf(),
            reason: format!("it is not a Piper voice configuration ({e})"),
        })?;
        config.check(path)?;
        Ok(config)
    }

    fn check(&self, path: &Path) -> Result<(), PiperError> {
        let bad = |reason: String| PiperError::BadVoice {
            path: path.to_path_buf(),
            reason,
        };
        if self.phoneme_type != "espeak" {
            return Err(bad(format!(
                "its phonemes are of type {:?}; only espeak voices are supported",
                self.phoneme_type
            )));
        }
        for symbol in [crate::ids::BOS, crate::ids::EOS, crate::ids::PAD] {
            if !self.phoneme_id_map.contains_key(symbol) {
                return Err(bad(format!("its phoneme map has no {symbol:?}")));
            }
        }
        if !(8_000..=96_000).contains(&self.audio.sample_rate) {
            return Err(bad(format!(
                "its sample rate {} Hz is not a voice's",
                self.audio.sample_rate
            )));
        }
        Ok(())
    }

    /// The model id of a speaker given by name or number; the first speaker when none is given.
    pub fn speaker_id(&self, speaker: Option<&str>) -> Result<i64, String> {
        let Some(speaker) = speaker.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(0);
        };
        if let Some(id) = self.speaker_id_map.get(speaker) {
            return Ok(*id);
        }
        match speaker.parse::<i64>() {
            Ok(id) if (0..i64::from(self.num_speakers)).contains(&id) => Ok(id),
            _ if self.num_speakers <= 1 => Err(format!(
                "this voice has one speaker; speaker {speaker:?} does not exist"
            )),
            _ => Err(format!(
                "speaker {speaker:?} does not exist; this voice has speakers 0–{}{}",
                self.num_speakers - 1,
                if self.speaker_id_map.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({})",
                        self.speaker_id_map
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            )),
        }
    }
}
