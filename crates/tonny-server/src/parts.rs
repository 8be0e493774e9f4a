//! How the daemon builds its replaceable parts — agents, voices, the text output, the speech
//! engine, the supervised services — from settings and secrets. [`Providers`] is the product:
//! the real providers, as `tonny_providers::wiring` builds them. Tests build the same daemon
//! with in-memory doubles of the same traits through their own [`Build`], so the logic above
//! the parts (the session, the assistant, live settings) is tested without a model, a sound
//! server or a display.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tonny_audio::typing::{Display, Typist};
use tonny_core::Settings;
use tonny_core::agent::Agent;
use tonny_core::output::{TextOutput, VoiceOutput};
use tonny_core::settings::{SttBackend, SttSettings};
use tonny_core::stt::{Stt, SttError};
use tonny_core::tts::Tts;
use tonny_providers::stt::models::ModelStore;
use tonny_providers::stt::on_demand::{Load, OnDemandStt};
use tonny_providers::stt::worker::{WorkerCommand, WorkerStt};
use tonny_providers::tts::voices::VoiceStore;
use tonny_providers::wiring::{self, BackendSecrets, WiringError};
use tonny_supervisor::ServiceSpec;

use crate::output::Printed;

/// Loads the embedded speech engine from a model directory, as `stt.threads` and
/// `stt.compute_type` say (blocking). The `tonny` command loads it in-process; the tray, which
/// does not link the engine (CTranslate2), runs it in a worker ([`worker_loader`]).
pub type EmbeddedLoader =
    Arc<dyn Fn(&Path, &SttSettings) -> Result<Arc<dyn Stt>, SttError> + Send + Sync>;

/// The subcommand of `tonny` that serves the embedded engine to [`worker_loader`].
pub const WORKER_SUBCOMMAND: &str = "stt-worker";

/// How to start `program stt-worker` for the model in `dir`, as `stt` says.
pub fn worker_command(program: &Path, dir: &Path, stt: &SttSettings) -> WorkerCommand {
    // The setting's own spelling, which `tonny stt-worker --compute` parses back.
    let compute = match serde_json::to_value(stt.compute_type) {
        Ok(serde_json::Value::String(name)) => name,
        other => unreachable!("a unit variant serialises to its name, not {other:?}"),
    };
    let args: Vec<OsString> = vec![
        WORKER_SUBCOMMAND.into(),
        "--model-dir".into(),
        dir.into(),
        "--threads".into(),
        stt.threads.to_string().into(),
        "--compute".into(),
        compute.into(),
        "--live-text-ms".into(),
        stt.live_text_ms.to_string().into(),
    ];
    WorkerCommand {
        program: program.to_path_buf(),
        args,
    }
}

/// A loader that runs the engine in `program stt-worker` (the `tonny` binary), started when
/// first needed and restarted if it dies.
pub fn worker_loader(program: PathBuf) -> EmbeddedLoader {
    Arc::new(move |dir, stt| {
        let worker = WorkerStt::start(worker_command(&program, dir, stt))?;
        Ok(Arc::new(worker) as Arc<dyn Stt>)
    })
}

/// A voice as built: the output and a warning about what it had to do without (ElevenLabs
/// without its key speaks with the local voice), or why there is none.
pub type BuiltVoice = Result<(Arc<dyn VoiceOutput>, Option<WiringError>), WiringError>;

/// Builds the daemon's replaceable parts. Each call builds fresh ones: the daemon calls these
/// at start and again for whatever a settings or secret change touches.
pub trait Build: Send + Sync + 'static {
    /// The agents, in fallback order, and what could not be built.
    fn agents(
        &self,
        settings: &Settings,
        secrets: &BackendSecrets,
    ) -> (Vec<Arc<dyn Agent>>, Vec<WiringError>);

    /// The chat assistant as the editor of dictation; `None` unless `dictation.rewrite` is on.
    fn rewriter(&self, settings: &Settings, secrets: &BackendSecrets) -> Option<Arc<dyn Agent>> {
        wiring::rewriter(settings, secrets)
    }

    /// The voice replies are spoken with on this machine; `None` when replies are not spoken
    /// here (`--silent`). A voice that cannot be opened is an error the person is told about.
    fn voice(&self, settings: &Settings, secrets: &BackendSecrets) -> Option<BuiltVoice>;

    /// The voice the web UI's replies are rendered with (played by the page).
    fn tts(&self, settings: &Settings, secrets: &BackendSecrets) -> Arc<dyn Tts>;

    /// Where typed text (dictation, text replies) goes.
    fn text_output(&self, settings: &Settings) -> Arc<dyn TextOutput>;

    /// The speech-to-text engine `stt.backend` asks for. Called when one is first needed.
    fn stt(
        &self,
        settings: Arc<Settings>,
        secrets: Arc<BackendSecrets>,
    ) -> BoxFuture<'static, Result<Arc<dyn Stt>, String>>;

    /// The services to supervise.
    fn services(&self, settings: &Settings, secrets: &BackendSecrets) -> Vec<ServiceSpec>;
}

/// The product's parts: the real providers.
pub struct Providers {
    /// Where speech models are installed.
    pub models_dir: PathBuf,
    /// Where Piper voices are installed.
    pub voices_dir: PathBuf,
    /// How this program runs the embedded engine.
    pub embedded: EmbeddedLoader,
    /// False with `--silent`: replies are not spoken on this machine.
    pub speak: bool,
    /// The desktop found at start: typing needs one; without, replies are printed.
    pub display: Display,
    /// Load the model before the first need (`--warm-up`, one-shot commands).
    pub warm: bool,
    /// Where typed text goes instead of the desktop (one-shot commands print replies).
    pub text: Option<Arc<dyn TextOutput>>,
}

impl Providers {
    fn models(&self) -> ModelStore {
        ModelStore::from_env(self.models_dir.clone())
    }

    fn voices(&self) -> VoiceStore {
        VoiceStore::from_env(self.voices_dir.clone())
    }
}

impl Build for Providers {
    fn agents(
        &self,
        settings: &Settings,
        secrets: &BackendSecrets,
    ) -> (Vec<Arc<dyn Agent>>, Vec<WiringError>) {
        wiring::agents(settings, secrets)
    }

    fn voice(&self, settings: &Settings, secrets: &BackendSecrets) -> Option<BuiltVoice> {
        self.speak.then(|| {
            wiring::voice(settings, secrets, &self.voices())
                .map(|(v, warning)| (Arc::new(v) as Arc<dyn VoiceOutput>, warning))
        })
    }

    fn tts(&self, settings: &Settings, secrets: &BackendSecrets) -> Arc<dyn Tts> {
        wiring::tts(settings, secrets, &self.voices(), None).0
    }

    fn text_output(&self, settings: &Settings) -> Arc<dyn TextOutput> {
        if let Some(text) = &self.text {
            return Arc::clone(text);
        }
        if self.display == Display::None {
            Arc::new(Printed { show: true })
        } else {
            Arc::new(Typist::from_settings(&settings.typing))
        }
    }

    fn stt(
        &self,
        settings: Arc<Settings>,
        secrets: Arc<BackendSecrets>,
    ) -> BoxFuture<'static, Result<Arc<dyn Stt>, String>> {
        let (models, embedded, warm) = (self.models(), Arc::clone(&self.embedded), self.warm);
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                daemon_stt(&models, &embedded, &settings, &secrets, warm)
            })
            .await
            .map_err(|e| format!("the speech engine could not be set up: {e}"))?
        })
    }

    fn services(&self, settings: &Settings, secrets: &BackendSecrets) -> Vec<ServiceSpec> {
        wiring::services(settings, secrets)
    }
}

/// The engine for a daemon, which may wait all day between requests: a speech server's client
/// (falling back to the embedded engine), or the embedded engine loaded when a recording starts
/// (or now, with `warm`) and freed after `stt.unload_after_minutes` without one. A model that
/// is not installed is reported now. Blocking.
pub fn daemon_stt(
    models: &ModelStore,
    embedded: &EmbeddedLoader,
    settings: &Settings,
    secrets: &BackendSecrets,
    warm: bool,
) -> Result<Arc<dyn Stt>, String> {
    let stt = settings.stt.clone();
    if settings.stt.backend != SttBackend::Embedded {
        let (models, embedded) = (models.clone(), Arc::clone(embedded));
        let load: tonny_providers::stt::fallback::Loader = Box::new(move || {
            let found = models
                .resolve(&stt.model)
                .map_err(|e| SttError::Model(Box::new(e)))?;
            embedded(&found.dir, &stt)
        });
        return wiring::stt(settings, secrets, load).map_err(|e| e.to_string());
    }
    let found = models.resolve(&stt.model).map_err(|e| e.to_string())?;
    let minutes = settings.stt.unload_after_minutes;
    if minutes == 0 {
        return embedded(&found.dir, &stt).map_err(|e| e.to_string());
    }
    let embedded = Arc::clone(embedded);
    let load: Load = Arc::new(move || embedded(&found.dir, &stt));
    let engine = OnDemandStt::new(load, Duration::from_secs(u64::from(minutes) * 60));
    if warm {
        engine.load_now().map_err(|e| e.to_string())?;
    }
    Ok(Arc::new(engine))
}
