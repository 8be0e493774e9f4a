//! What the API needs to hear and speak for the browser: the speech engine (loaded on first
//! need, or up front with the warm-up) and the voice that renders replies for the page.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use tonny_core::stt::{Stt, TranscribeOptions};
use tonny_core::tts::{Speech, Tts};

/// Loads the speech engine (the model, or a client for the speech server).
pub type SttLoader =
    Box<dyn Fn() -> BoxFuture<'static, Result<Arc<dyn Stt>, String>> + Send + Sync>;

/// The speech engine and the voice, shared by every audio request.
pub struct SpeechParts {
    load: SttLoader,
    engine: tokio::sync::OnceCell<Arc<dyn Stt>>,
    voice: Option<Arc<dyn Tts>>,
    options: TranscribeOptions,
}

impl SpeechParts {
    /// Parts that load the engine with `load` the first time audio arrives (a failed load is
    /// retried by the next request, so a model installed meanwhile is picked up).
    pub fn new(load: SttLoader, voice: Option<Arc<dyn Tts>>, options: TranscribeOptions) -> Self {
        Self {
            load,
            engine: tokio::sync::OnceCell::new(),
            voice,
            options,
        }
    }

    /// Parts around an engine that is already loaded (the hotkeys' engine, or a warmed-up one).
    pub fn loaded(
        engine: Arc<dyn Stt>,
        voice: Option<Arc<dyn Tts>>,
        options: TranscribeOptions,
    ) -> Self {
        let ready = Arc::clone(&engine);
        let parts = Self::new(
            Box::new(move || {
                let e = Arc::clone(&ready);
                Box::pin(async move { Ok(e) })
            }),
            voice,
            options,
        );
        let _ = parts.engine.set(engine);
        parts
    }

    /// The engine, loading it if this is the first need.
    pub async fn engine(&self) -> Result<Arc<dyn Stt>, String> {
        self.engine
            .get_or_try_init(|| (self.load)())
            .await
            .map(Arc::clone)
    }

    /// How recordings are transcribed (`stt.language`, `stt.beam_size`).
    pub fn options(&self) -> &TranscribeOptions {
        &self.options
    }

    /// The voice replies are rendered with for the page, if any.
    pub fn voice(&self) -> Option<&Arc<dyn Tts>> {
        self.voice.as_ref()
    }
}

/// `speech` as a 16-bit mono WAV file, which every browser's `<audio>` plays.
pub fn wav_bytes(speech: &Speech) -> Vec<u8> {
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
