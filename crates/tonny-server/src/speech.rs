//! The daemon's speech engine and the voice that renders replies for the browser. The engine
//! is built when first needed (a model installed while the daemon runs is picked up by the
//! next recording) and dropped when `stt.*` settings or the secrets it uses change, so the
//! next recording builds it as the new settings say.

use std::sync::{Arc, Mutex};

use tonny_core::Settings;
use tonny_core::stt::{Stt, TranscribeOptions};
use tonny_core::tts::{Speech as Audio, Tts};
use tonny_providers::wiring::BackendSecrets;

use crate::parts::Build;

/// How recordings are transcribed, from `stt.language`, `stt.beam_size` and `stt.vocabulary`.
pub fn transcribe_options(settings: &Settings) -> TranscribeOptions {
    let lang = settings.stt.language.clone();
    TranscribeOptions {
        language: (lang != "auto").then_some(lang),
        beam_size: settings.stt.beam_size as usize,
        vocabulary: settings.stt.vocabulary.clone(),
    }
}

/// The speech engine and the browser's voice, as the current settings say.
pub struct Speech {
    build: Arc<dyn Build>,
    state: Mutex<State>,
    // One build at a time, so two recordings starting together load one model.
    building: tokio::sync::Mutex<()>,
}

struct State {
    settings: Arc<Settings>,
    // The active profile's own vocabulary, expected with the household's.
    profile_vocabulary: Vec<String>,
    // The active profile's own language, in place of `stt.language`.
    profile_language: Option<String>,
    secrets: Arc<BackendSecrets>,
    engine: Option<Arc<dyn Stt>>,
    voice: Arc<dyn Tts>,
}

impl Speech {
    /// Speech as `settings` say, built by `build`.
    pub fn new(
        build: Arc<dyn Build>,
        settings: Arc<Settings>,
        secrets: Arc<BackendSecrets>,
    ) -> Self {
        let voice = build.tts(&settings, &secrets);
        Self {
            build,
            state: Mutex::new(State {
                settings,
                profile_vocabulary: Vec::new(),
                profile_language: None,
                secrets,
                engine: None,
                voice,
            }),
            building: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The engine, built if this is the first need since start or since a change. A failed
    /// build is tried again by the next call (a model installed meanwhile is picked up).
    pub async fn engine(&self) -> Result<Arc<dyn Stt>, String> {
        if let Some(e) = self.lock().engine.clone() {
            return Ok(e);
        }
        let _turn = self.building.lock().await;
        let (settings, secrets) = {
            let s = self.lock();
            if let Some(e) = s.engine.clone() {
                return Ok(e);
            }
            (Arc::clone(&s.settings), Arc::clone(&s.secrets))
        };
        let built = self.build.stt(Arc::clone(&settings), secrets).await?;
        let mut s = self.lock();
        // A change that arrived while building wins; this engine is for the old settings.
        if Arc::ptr_eq(&s.settings, &settings) {
            s.engine = Some(Arc::clone(&built));
        }
        Ok(built)
    }

    /// Drops the engine (a speech worker ends with it); the next need builds it again.
    pub fn release(&self) {
        let engine = self.lock().engine.take();
        drop(engine);
    }

    /// How recordings are transcribed now: the settings, with the active profile's vocabulary
    /// after the household's.
    pub fn options(&self) -> TranscribeOptions {
        let state = self.lock();
        let mut opts = transcribe_options(&state.settings);
        for term in &state.profile_vocabulary {
            if !opts.vocabulary.contains(term) {
                opts.vocabulary.push(term.clone());
            }
        }
        if let Some(lang) = &state.profile_language {
            opts.language = Some(lang.clone());
        }
        opts
    }

    /// The active profile's language, from now on (`None`: `stt.language`).
    pub fn set_profile_language(&self, language: Option<String>) {
        self.lock().profile_language = language;
    }

    /// The active profile's vocabulary, from now on.
    pub fn set_profile_vocabulary(&self, terms: Vec<String>) {
        self.lock().profile_vocabulary = terms;
    }

    /// The voice replies are rendered with for the page.
    pub fn voice(&self) -> Arc<dyn Tts> {
        Arc::clone(&self.lock().voice)
    }

    /// Takes new settings and secrets: the engine is dropped (and built again when next
    /// needed) when what it is built from changed; the voice is rebuilt when `tts.*` did.
    pub fn reconfigure(
        &self,
        settings: Arc<Settings>,
        secrets: Arc<BackendSecrets>,
        secrets_changed: bool,
    ) {
        let mut s = self.lock();
        let engine_changed = secrets_changed
            || s.settings.stt != settings.stt
            || s.settings.whisperlivekit != settings.whisperlivekit;
        if engine_changed {
            s.engine = None;
        }
        if secrets_changed || s.settings.tts != settings.tts {
            s.voice = self.build.tts(&settings, &secrets);
        }
        s.settings = settings;
        s.secrets = secrets;
    }
}

/// `speech` as a 16-bit mono WAV file, which every browser's `<audio>` plays.
pub fn wav_bytes(speech: &Audio) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: speech.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = std::io::Cursor::new(Vec::with_capacity(44 + speech.samples.len() * 2));
    {
        let mut w = hound::WavWriter::new(&mut out, spec).expect("a WAV header fits in memory");
        for s in &speech.samples {
            let v = (s.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16;
            w.write_sample(v).expect("writing to memory");
        }
        w.finalize().expect("writing to memory");
    }
    out.into_inner()
}
