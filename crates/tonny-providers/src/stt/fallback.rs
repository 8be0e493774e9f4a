//! A speech server with the embedded engine behind it: when the server is down (or its circuit
//! breaker is open after repeated failures), the embedded engine transcribes, and the person is
//! told once — not on every utterance.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use tonny_core::breaker::{BreakerPolicy, CircuitBreaker};
use tonny_core::stt::{PartialSink, Stt, SttError, SttSession, TranscribeOptions, Transcript};

/// Loads the embedded engine the first time it is needed (it costs a model load).
pub type Loader = Box<dyn Fn() -> Result<Arc<dyn Stt>, SttError> + Send + Sync>;

/// Transcribes with `primary`, or with the embedded engine when `primary` cannot.
pub struct FallbackStt {
    // Shared with live sessions, which report back when they finish.
    inner: Arc<Inner>,
}

struct Inner {
    primary: Arc<dyn Stt>,
    load_fallback: Loader,
    fallback: OnceLock<Arc<dyn Stt>>,
    breaker: CircuitBreaker,
    announced: Mutex<bool>,
    notice: Mutex<Option<String>>,
}

impl FallbackStt {
    /// `primary`, falling back to what `load_fallback` loads.
    pub fn new(primary: Arc<dyn Stt>, load_fallback: Loader, policy: BreakerPolicy) -> Self {
        Self {
            inner: Arc::new(Inner {
                primary,
                load_fallback,
                fallback: OnceLock::new(),
                breaker: CircuitBreaker::new(policy),
                announced: Mutex::new(false),
                notice: Mutex::new(None),
            }),
        }
    }
}

impl Inner {
    fn fallback(&self) -> Result<Arc<dyn Stt>, SttError> {
        if let Some(f) = self.fallback.get() {
            return Ok(Arc::clone(f));
        }
        let loaded = (self.load_fallback)()?;
        Ok(Arc::clone(self.fallback.get_or_init(|| loaded)))
    }

    fn announce(&self, why: &str) {
        let mut announced = self.announced.lock().expect("lock");
        if !*announced {
            *announced = true;
            tracing::warn!(
                component = "stt",
                "{} unavailable, using the embedded engine: {why}",
                self.primary.name()
            );
            *self.notice.lock().expect("lock") = Some(format!(
                "{} is not available ({why}); the embedded engine transcribes until it is back",
                self.primary.name()
            ));
        }
    }
}

impl Inner {
    fn succeeded(&self) {
        self.breaker.success(Instant::now());
        if std::mem::take(&mut *self.announced.lock().expect("lock")) {
            tracing::info!(component = "stt", "{} is back", self.primary.name());
            *self.notice.lock().expect("lock") = Some(format!(
                "{} is back and transcribes again",
                self.primary.name()
            ));
        }
    }

    // The primary failed on `audio`: count it, announce, and let the embedded engine do it.
    fn rescue(
        &self,
        e: SttError,
        audio: &[f32],
        opts: &TranscribeOptions,
    ) -> Result<Transcript, SttError> {
        if let SttError::Audio(_) = e {
            // Bad audio stays bad with any engine.
            return Err(e);
        }
        self.breaker.failure(Instant::now());
        self.announce(&e.to_string());
        self.fallback()?.transcribe(audio, opts)
    }

    fn transcribe(&self, audio: &[f32], opts: &TranscribeOptions) -> Result<Transcript, SttError> {
        if let Err(wait) = self.breaker.allow(Instant::now()) {
            self.announce(&format!(
                "it failed several times in a row; next try in {} s",
                wait.as_secs().max(1)
            ));
            return self.fallback()?.transcribe(audio, opts);
        }
        match self.primary.transcribe(audio, opts) {
            Ok(t) => {
                self.succeeded();
                Ok(t)
            }
            Err(e) => self.rescue(e, audio, opts),
        }
    }
}

/// A live session on the primary that keeps a copy of the audio, so the embedded engine can
/// transcribe it if the server fails half way: nothing said is lost.
struct Rescuable {
    inner: Arc<Inner>,
    session: Box<dyn SttSession>,
    audio: Vec<f32>,
    opts: TranscribeOptions,
}

impl SttSession for Rescuable {
    fn push(&mut self, audio: &[f32]) {
        self.audio.extend_from_slice(audio);
        self.session.push(audio);
    }

    fn finish(self: Box<Self>, recorded: &[f32]) -> Result<Transcript, SttError> {
        let Self {
            inner,
            session,
            audio,
            opts,
        } = *self;
        match session.finish(recorded) {
            Ok(t) => {
                inner.succeeded();
                Ok(t)
            }
            Err(e) => inner.rescue(e, &audio, &opts),
        }
    }
}

impl Stt for FallbackStt {
    fn name(&self) -> String {
        format!(
            "{} (falls back to the embedded engine)",
            self.inner.primary.name()
        )
    }

    fn transcribe(&self, audio: &[f32], opts: &TranscribeOptions) -> Result<Transcript, SttError> {
        self.inner.transcribe(audio, opts)
    }

    fn start_session(
        &self,
        opts: &TranscribeOptions,
        partial: PartialSink,
    ) -> Option<Box<dyn SttSession>> {
        // With the breaker open the embedded engine runs after recording, as usual.
        self.inner.breaker.allow(Instant::now()).ok()?;
        let session = self.inner.primary.start_session(opts, partial)?;
        Some(Box::new(Rescuable {
            inner: Arc::clone(&self.inner),
            session,
            audio: Vec::new(),
            opts: opts.clone(),
        }))
    }

    fn take_notice(&self) -> Option<String> {
        self.inner.notice.lock().expect("lock").take()
    }
}
