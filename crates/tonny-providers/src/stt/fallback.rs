//! A speech server with the embedded engine behind it: when the server is down (or its circuit
//! breaker is open after repeated failures), the embedded engine transcribes, and the person is
//! told once — not on every utterance.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use tonny_core::breaker::{BreakerPolicy, CircuitBreaker};
use tonny_core::stt::{Stt, SttError, TranscribeOptions, Transcript};

/// Loads the embedded engine the first time it is needed (it costs a model load).
pub type Loader = Box<dyn Fn() -> Result<Arc<dyn Stt>, SttError> + Send + Sync>;

/// Transcribes with `primary`, or with the embedded engine when `primary` cannot.
pub struct FallbackStt {
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
            primary,
            load_fallback,
            fallback: OnceLock::new(),
            breaker: CircuitBreaker::new(policy),
            announced: Mutex::new(false),
            notice: Mutex::new(None),
        }
    }

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

impl Stt for FallbackStt {
    fn name(&self) -> String {
        format!(
            "{} (falls back to the embedded engine)",
            self.primary.name()
        )
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
                self.breaker.success(Instant::now());
                if std::mem::take(&mut *self.announced.lock().expect("lock")) {
                    tracing::info!(component = "stt", "{} is back", self.primary.name());
                    *self.notice.lock().expect("lock") = Some(format!(
                        "{} is back and transcribes again",
                        self.primary.name()
                    ));
                }
                Ok(t)
            }
            // Bad audio stays bad with any engine.
            Err(e @ SttError::Audio(_)) => Err(e),
            Err(e) => {
                self.breaker.failure(Instant::now());
                self.announce(&e.to_string());
                self.fallback()?.transcribe(audio, opts)
            }
        }
    }

    fn take_notice(&self) -> Option<String> {
        self.notice.lock().expect("lock").take()
    }
}
