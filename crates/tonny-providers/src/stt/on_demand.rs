//! An engine loaded when it is needed and freed after it has been idle a while, so a daemon
//! that waits all day does not hold the model's memory (about 115 MB for `tiny.en`, gigabytes
//! for the large models) while nobody speaks. A recording that starts calls
//! [`Stt::prepare`], which starts the load at once: it overlaps the speech, so the person
//! rarely waits for it.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use tonny_core::stt::{PartialSink, Stt, SttError, SttSession, TranscribeOptions, Transcript};

/// Loads the engine (blocking).
pub type Load = Arc<dyn Fn() -> Result<Arc<dyn Stt>, SttError> + Send + Sync>;

/// An engine behind [`Stt`] that is loaded on first need and dropped after `idle` without use.
pub struct OnDemandStt {
    inner: Arc<Inner>,
}

struct Inner {
    load: Load,
    idle: Duration,
    state: Mutex<State>,
    /// Signalled when a load ends.
    loaded: Condvar,
}

struct State {
    engine: Option<Arc<dyn Stt>>,
    loading: bool,
    /// Transcriptions running now (the engine is not dropped under them).
    busy: usize,
    last_used: Instant,
    /// The engine's name, kept after it is dropped.
    name: Option<String>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The engine, loading it (or waiting for the load in progress) if it is not there.
    fn engine(&self) -> Result<Arc<dyn Stt>, SttError> {
        let mut state = self.lock();
        loop {
            if let Some(e) = &state.engine {
                return Ok(Arc::clone(e));
            }
            if !state.loading {
                break;
            }
            state = self
                .loaded
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.loading = true;
        drop(state);
        let loaded = (self.load)();
        let mut state = self.lock();
        state.loading = false;
        state.last_used = Instant::now();
        if let Ok(e) = &loaded {
            state.name = Some(e.name());
            state.engine = Some(Arc::clone(e));
            tracing::info!(component = "stt", engine = e.name(), "speech model loaded");
        }
        self.loaded.notify_all();
        loaded
    }

    /// Drops the engine if it has been idle long enough; says whether it is gone for good
    /// (this value was dropped).
    fn unload_if_idle(weak: &Weak<Inner>) -> bool {
        let Some(inner) = weak.upgrade() else {
            return true;
        };
        let mut state = inner.lock();
        let idle = state.busy == 0 && !state.loading && state.last_used.elapsed() >= inner.idle;
        if idle && let Some(engine) = state.engine.take() {
            drop(state);
            drop(engine);
            tracing::info!(
                component = "stt",
                idle_s = inner.idle.as_secs(),
                "speech model unloaded while idle; it loads again when someone speaks"
            );
        }
        false
    }
}

impl OnDemandStt {
    /// An engine loaded by `load` when first needed; with a non-zero `idle`, dropped again
    /// after that long without a recording (a thread checks a few times per `idle`).
    pub fn new(load: Load, idle: Duration) -> Self {
        let inner = Arc::new(Inner {
            load,
            idle,
            state: Mutex::new(State {
                engine: None,
                loading: false,
                busy: 0,
                last_used: Instant::now(),
                name: None,
            }),
            loaded: Condvar::new(),
        });
        if !idle.is_zero() {
            let weak = Arc::downgrade(&inner);
            let every = (idle / 4).clamp(Duration::from_millis(10), Duration::from_secs(30));
            std::thread::Builder::new()
                .name("stt-unload".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(every);
                        if Inner::unload_if_idle(&weak) {
                            return;
                        }
                    }
                })
                .expect("starting a thread");
        }
        Self { inner }
    }

    /// Loads the engine now (the daemon's `--warm-up`).
    pub fn load_now(&self) -> Result<(), SttError> {
        self.inner.engine().map(drop)
    }

    /// True while the engine is in memory.
    pub fn is_loaded(&self) -> bool {
        self.inner.lock().engine.is_some()
    }
}

impl Stt for OnDemandStt {
    fn name(&self) -> String {
        self.inner
            .lock()
            .name
            .clone()
            .unwrap_or_else(|| "embedded whisper (loads when first needed)".into())
    }

    fn transcribe(&self, audio: &[f32], opts: &TranscribeOptions) -> Result<Transcript, SttError> {
        let engine = self.inner.engine()?;
        self.inner.lock().busy += 1;
        let result = engine.transcribe(audio, opts);
        let mut state = self.inner.lock();
        state.busy -= 1;
        state.last_used = Instant::now();
        result
    }

    fn start_session(
        &self,
        opts: &TranscribeOptions,
        partial: PartialSink,
    ) -> Option<Box<dyn SttSession>> {
        let engine = self.inner.lock().engine.clone();
        match engine {
            Some(engine) => engine.start_session(opts, partial),
            // Still loading (the recording's `prepare` started it): the session starts once
            // the model is in, with the audio heard meanwhile, so the first recording after
            // an idle unload has live text too.
            None => Some(Box::new(LoadingSession {
                inner: Arc::clone(&self.inner),
                opts: opts.clone(),
                partial: Some(partial),
                heard: Vec::new(),
                live: None,
            })),
        }
    }

    fn prepare(&self) {
        let mut state = self.inner.lock();
        state.last_used = Instant::now();
        if state.engine.is_some() || state.loading {
            return;
        }
        drop(state);
        let inner = Arc::clone(&self.inner);
        std::thread::spawn(move || {
            if let Err(e) = inner.engine() {
                tracing::warn!(
                    component = "stt",
                    "the speech model could not be loaded: {e}"
                );
            }
        });
    }

    fn take_notice(&self) -> Option<String> {
        let engine = self.inner.lock().engine.clone()?;
        engine.take_notice()
    }
}

/// A live session asked for while the model loads: audio is kept until the engine is in, then
/// handed to the engine's own session (or, if the engine has no live text, dropped; the final
/// pass decodes the whole recording anyway).
struct LoadingSession {
    inner: Arc<Inner>,
    opts: TranscribeOptions,
    partial: Option<PartialSink>,
    heard: Vec<f32>,
    live: Option<Box<dyn SttSession>>,
}

impl SttSession for LoadingSession {
    fn push(&mut self, audio: &[f32]) {
        if let Some(live) = &mut self.live {
            live.push(audio);
            return;
        }
        let Some(partial) = self.partial.take() else {
            return;
        };
        let loaded = self.inner.lock().engine.clone();
        match loaded {
            Some(engine) => {
                self.live = engine.start_session(&self.opts, partial);
                let heard = std::mem::take(&mut self.heard);
                if let Some(live) = &mut self.live {
                    live.push(&heard);
                    live.push(audio);
                }
            }
            None => {
                self.heard.extend_from_slice(audio);
                self.partial = Some(partial);
            }
        }
    }

    fn finish(self: Box<Self>, recorded: &[f32]) -> Result<Transcript, SttError> {
        match self.live {
            Some(live) => live.finish(recorded),
            None => OnDemandStt { inner: self.inner }.transcribe(recorded, &self.opts),
        }
    }
}
