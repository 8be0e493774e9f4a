//! The local voice: a Piper neural voice when one is installed for the language, espeak-ng
//! otherwise, and espeak-ng again whenever the Piper voice cannot speak (a missing or damaged
//! file, no ONNX Runtime), said once.
//!
//! The voice is loaded when a reply is coming (a command is spoken, an agent is asked: see
//! [`Tts::prepare`]), not when settings are applied: loading takes a second and 100 MB, and a
//! person who only dictates never needs it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tonny_core::settings::TtsSettings;
use tonny_core::tts::{Speech, Tts, TtsError, check_text};
use tonny_piper::{Phonemizer, PiperVoice, SpeakOptions};

use super::espeak::EspeakTts;
use super::voices::{InstalledVoice, VoiceStore};

/// What the settings chose, before anything is loaded.
#[derive(Debug, Clone)]
enum Choice {
    /// This installed (or file) voice.
    Piper(InstalledVoice),
    /// `tts.voice` names a Piper voice that cannot be used; espeak-ng speaks, and the person is
    /// told why on the first reply.
    Unusable { voice: String, reason: String },
    /// No Piper voice for this language: espeak-ng is the voice.
    Espeak,
}

/// Piper with espeak-ng behind it.
pub struct LocalVoice {
    choice: Choice,
    speak: SpeakOptions,
    threads: usize,
    espeak: EspeakTts,
    timeout: Duration,
    // The loaded voice, or why it could not load (not retried until the settings change).
    loaded: Mutex<Option<Result<Arc<PiperVoice>, String>>>,
    notice: Mutex<Option<String>>,
    told: Mutex<bool>,
}

impl LocalVoice {
    /// The local voice for `voice` (a Piper voice key, an `.onnx` path, or an espeak-ng
    /// language like `en-us`, which picks the installed Piper voice for it).
    pub fn new(settings: &TtsSettings, voice: &str, store: &VoiceStore) -> Self {
        let choice = choose(voice, store);
        // espeak-ng speaks the Piper voice's own language when it stands in for one.
        let espeak_voice = match &choice {
            Choice::Piper(v) => v.espeak_voice.clone(),
            Choice::Unusable { .. } => settings_espeak_voice(settings, voice),
            Choice::Espeak => voice.to_owned(),
        };
        let mut espeak_settings = settings.clone();
        espeak_settings.voice = espeak_voice;
        Self {
            choice,
            speak: SpeakOptions {
                speed: Some(settings.speed as f32),
                speaker: settings.speaker.clone(),
            },
            threads: settings.threads as usize,
            espeak: EspeakTts::from_settings(&espeak_settings),
            timeout: Duration::from_millis(settings.timeout_ms),
            loaded: Mutex::new(None),
            notice: Mutex::new(None),
            told: Mutex::new(false),
        }
    }

    /// The Piper voice in use, if one was chosen (loaded or not).
    pub fn piper_voice(&self) -> Option<&InstalledVoice> {
        match &self.choice {
            Choice::Piper(v) => Some(v),
            _ => None,
        }
    }

    fn voice(&self, chosen: &InstalledVoice) -> Result<Arc<PiperVoice>, String> {
        let mut loaded = self.loaded.lock().expect("voice lock");
        if let Some(result) = loaded.as_ref() {
            return result.clone();
        }
        let started = std::time::Instant::now();
        let phonemizer = Phonemizer::default().with_timeout(self.timeout);
        let result = PiperVoice::load(&chosen.model, &chosen.config, self.threads, phonemizer)
            .map(Arc::new)
            .map_err(|e| e.to_string());
        if result.is_ok() {
            tracing::info!(
                component = "tts",
                voice = %chosen.name,
                ms = started.elapsed().as_millis() as u64,
                "Piper voice loaded"
            );
        }
        *loaded = Some(result.clone());
        result
    }

    /// espeak-ng speaks instead; the person hears why once.
    fn fall_back(&self, voice: &str, reason: &str, text: &str) -> Result<Speech, TtsError> {
        let mut told = self.told.lock().expect("lock");
        if !*told {
            tracing::warn!(
                component = "tts",
                voice,
                "Piper voice unusable, espeak-ng speaks: {reason}"
            );
            *self.notice.lock().expect("lock") = Some(format!(
                "The voice {voice} could not speak, so espeak-ng is used: {reason}"
            ));
            *told = true;
        }
        self.espeak.synthesize(text)
    }
}

/// The installed Piper voice replies are spoken in with these settings (`tts.voice` by name,
/// file or language), if the local voice is the one speaking: what voice pickers mark.
pub fn voice_in_use(tts: &TtsSettings, store: &VoiceStore) -> Option<InstalledVoice> {
    if tts.engine != tonny_core::settings::TtsEngine::Piper {
        return None;
    }
    match choose(&tts.voice, store) {
        Choice::Piper(v) => Some(v),
        _ => None,
    }
}

fn choose(voice: &str, store: &VoiceStore) -> Choice {
    match store.resolve(voice) {
        Ok(v) => return Choice::Piper(v),
        Err(e) if looks_like_piper(voice) => {
            return Choice::Unusable {
                voice: voice.to_owned(),
                reason: e.to_string(),
            };
        }
        Err(_) => {}
    }
    match store.best_for(voice) {
        Some(v) => Choice::Piper(v),
        None => Choice::Espeak,
    }
}

/// Piper voice keys are `<lang>_<REGION>-<name>-<quality>`; paths end in `.onnx`. espeak-ng
/// voice names (`en-us`, `de`) are neither.
fn looks_like_piper(voice: &str) -> bool {
    voice.ends_with(".onnx") || (voice.contains('_') && voice.matches('-').count() >= 2)
}

/// For a Piper voice that cannot load, espeak-ng speaks its language: `en_US-…` → `en-us`.
fn settings_espeak_voice(_settings: &TtsSettings, voice: &str) -> String {
    let name = std::path::Path::new(voice)
        .file_name()
        .map_or(voice.to_owned(), |n| n.to_string_lossy().into_owned());
    name.split('-')
        .next()
        .map(|lang| lang.replace('_', "-").to_ascii_lowercase())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "en-us".into())
}

impl Tts for LocalVoice {
    fn name(&self) -> String {
        match &self.choice {
            // After a failure espeak-ng speaks; the name says what is heard.
            Choice::Piper(v) if *self.told.lock().expect("lock") => {
                format!("{} (Piper {} unusable)", self.espeak.name(), v.name)
            }
            Choice::Piper(v) => format!("Piper {}", v.name),
            Choice::Unusable { voice, .. } => {
                format!("{} (Piper {voice} unusable)", self.espeak.name())
            }
            Choice::Espeak => self.espeak.name(),
        }
    }

    fn synthesize(&self, text: &str) -> Result<Speech, TtsError> {
        check_text(text)?;
        let chosen = match &self.choice {
            Choice::Espeak => return self.espeak.synthesize(text),
            Choice::Unusable { voice, reason } => return self.fall_back(voice, reason, text),
            Choice::Piper(v) => v,
        };
        let voice = match self.voice(chosen) {
            Ok(v) => v,
            Err(reason) => return self.fall_back(&chosen.name, &reason, text),
        };
        match voice.speak(text, &self.speak) {
            Ok(audio) if !audio.samples.is_empty() => Ok(Speech {
                samples: audio.samples,
                sample_rate: audio.sample_rate,
            }),
            // Nothing the voice can say (symbols only): espeak-ng reads symbols out.
            Ok(_) => self.espeak.synthesize(text),
            Err(tonny_piper::PiperError::Speaker(reason)) => {
                self.fall_back(&chosen.name, &format!("{reason} (tts.speaker)"), text)
            }
            Err(e) => self.fall_back(&chosen.name, &e.to_string(), text),
        }
    }

    fn take_notice(&self) -> Option<String> {
        self.notice.lock().expect("lock").take()
    }

    // A voice that cannot load is remembered here and reported on the first reply.
    fn prepare(&self) {
        if let Choice::Piper(chosen) = &self.choice {
            let _ = self.voice(chosen);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piper_keys_and_espeak_names_are_told_apart() {
        assert!(looks_like_piper("en_US-joe-medium"));
        assert!(looks_like_piper("/voices/x.onnx"));
        assert!(!looks_like_piper("en-us"));
        assert!(!looks_like_piper("de"));
        let s = TtsSettings::default();
        assert_eq!(settings_espeak_voice(&s, "de_DE-thorsten-high"), "de-de");
        assert_eq!(settings_espeak_voice(&s, "/v/en_GB-alan-low.onnx"), "en-gb");
    }
}
