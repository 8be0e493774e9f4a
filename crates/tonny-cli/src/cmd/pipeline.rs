//! What `ask`, `listen`, `dictate`, `run` and `say` share: the assistant built from settings,
//! the speech engine, and a text output that prints.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tonny_core::agent::Agent;
use tonny_core::output::{Delivery, OutputError, TextOutput, VoiceOutput};
use tonny_core::settings::{AgentBackend, Settings, SttBackend, SttSettings, TtsEngine};
use tonny_core::stt::{Stt, SttError};
use tonny_providers::stt::on_demand::{Load, OnDemandStt};
use tonny_providers::stt::worker::{WorkerCommand, WorkerStt};
use tonny_server::assistant::Assistant;
use tonny_server::wiring::{self, BackendSecrets};

use crate::cmd::models::store as model_store;
use crate::ctx::{Ctx, blocking};

/// Loads the embedded speech engine from a model directory, as `stt.threads` and
/// `stt.compute_type` say. The `tonny` command loads it in-process; the tray, which does not
/// link the engine (CTranslate2), runs it in a worker with [`worker_loader`]. Blocking.
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

/// Text output for a terminal: the reply is printed on stdout (unless `--json` collects it).
pub struct Printed {
    /// Print, or stay quiet.
    pub show: bool,
}

#[async_trait]
impl TextOutput for Printed {
    async fn deliver(&self, text: &str) -> Result<Delivery, OutputError> {
        if self.show {
            println!("{text}");
        }
        Ok(Delivery::Shown)
    }
}

/// The agents and the voice, built from settings and secrets, with warnings about backends
/// that cannot be used (already logged).
pub struct Parts {
    /// In fallback order.
    pub agents: Vec<Arc<dyn Agent>>,
    /// `None` when not speaking or there is no sound device.
    pub voice: Option<Arc<dyn VoiceOutput>>,
    /// What could not be set up, for the person.
    pub warnings: Vec<String>,
}

fn needs_secrets(settings: &Settings) -> bool {
    settings.tts.engine == TtsEngine::ElevenLabs
        || settings.stt.backend != SttBackend::Embedded
        || settings
            .agent
            .fallback_order
            .iter()
            .any(|b| *b != AgentBackend::Local)
}

/// The secrets the configured backends need (none are read when only local parts are used).
pub async fn secrets(
    ctx: &Ctx,
    settings: &Settings,
    warnings: &mut Vec<String>,
) -> anyhow::Result<BackendSecrets> {
    if !needs_secrets(settings) {
        return Ok(BackendSecrets::default());
    }
    let store = ctx.secrets().await?;
    let (secrets, problems) = blocking(move || BackendSecrets::load(&store)).await?;
    warnings.extend(problems);
    Ok(secrets)
}

/// The speech-to-text engine of `stt.backend`: the embedded engine, or a server client that
/// falls back to it (loaded only if needed).
pub async fn stt(ctx: &Ctx, settings: &Settings) -> anyhow::Result<Arc<dyn Stt>> {
    if settings.stt.backend == SttBackend::Embedded {
        return engine(ctx, settings, None).await;
    }
    server_stt(ctx, settings).await
}

/// The engine for a daemon, which may wait all day between requests: as [`stt`], but the
/// embedded model is loaded when a recording starts (or now, with `warm`) and freed after
/// `stt.unload_after_minutes` without one. A model that is not installed is reported now.
pub async fn daemon_stt(
    ctx: &Ctx,
    settings: &Settings,
    warm: bool,
) -> anyhow::Result<Arc<dyn Stt>> {
    let minutes = settings.stt.unload_after_minutes;
    if settings.stt.backend != SttBackend::Embedded || (minutes == 0 && warm) {
        return stt(ctx, settings).await;
    }
    let models = model_store(ctx);
    let spec = settings.stt.model.clone();
    let found = blocking(move || models.resolve(&spec)).await??;
    let (stt, embedded) = (settings.stt.clone(), Arc::clone(&ctx.embedded));
    let load: Load = Arc::new(move || embedded(&found.dir, &stt));
    let engine = Arc::new(OnDemandStt::new(
        load,
        Duration::from_secs(u64::from(minutes) * 60),
    ));
    if warm {
        let e = Arc::clone(&engine);
        blocking(move || e.load_now()).await??;
    }
    Ok(engine)
}

/// A speech server's client, falling back to the embedded engine (loaded if it is needed).
async fn server_stt(ctx: &Ctx, settings: &Settings) -> anyhow::Result<Arc<dyn Stt>> {
    let mut warnings = Vec::new();
    let secrets = secrets(ctx, settings, &mut warnings).await?;
    for w in warnings {
        tracing::warn!(component = "stt", "{w}");
    }
    let models = Arc::new(model_store(ctx));
    let stt = settings.stt.clone();
    let embedded = Arc::clone(&ctx.embedded);
    let load: tonny_providers::stt::fallback::Loader = Box::new(move || {
        let found = models
            .resolve(&stt.model)
            .map_err(|e| SttError::Model(Box::new(e)))?;
        embedded(&found.dir, &stt)
    });
    Ok(wiring::stt(settings, &secrets, load)?)
}

/// Builds the agents and (when `speak`) the voice. Secrets are read only when a configured
/// backend needs one.
pub async fn parts(ctx: &Ctx, settings: &Settings, speak: bool) -> anyhow::Result<Parts> {
    let mut warnings = Vec::new();
    let secrets = secrets(ctx, settings, &mut warnings).await?;
    let (agents, agent_warnings) = wiring::agents(settings, &secrets);
    warnings.extend(agent_warnings);
    let voice: Option<Arc<dyn VoiceOutput>> = if speak {
        match wiring::voice(settings, &secrets) {
            Ok((v, warning)) => {
                warnings.extend(warning);
                Some(Arc::new(v))
            }
            Err(why) => {
                tracing::warn!(component = "playback", "replies will not be spoken: {why}");
                None
            }
        }
    } else {
        None
    };
    for w in &warnings {
        tracing::warn!(component = "wiring", "{w}");
    }
    Ok(Parts {
        agents,
        voice,
        warnings,
    })
}

/// The assistant with the configured agents, `text_out`, and the voice when `speak`.
pub async fn assistant(
    ctx: &Ctx,
    text_out: Arc<dyn TextOutput>,
    speak: bool,
) -> anyhow::Result<Arc<Assistant>> {
    let settings = ctx.settings().await?.settings;
    let parts = parts(ctx, &settings, speak).await?;
    let store: Arc<dyn tonny_store::Store> = Arc::new(ctx.store()?.clone());
    Ok(Assistant::new(
        store,
        settings,
        parts.agents,
        text_out,
        parts.voice,
    ))
}

/// Loads the configured (or given) Whisper model once, as this program runs the engine.
pub async fn engine(
    ctx: &Ctx,
    settings: &Settings,
    model: Option<String>,
) -> anyhow::Result<Arc<dyn Stt>> {
    let spec = model.unwrap_or(settings.stt.model.clone());
    let models = model_store(ctx);
    let found = blocking(move || models.resolve(&spec)).await??;
    let (dir, stt, embedded) = (
        found.dir.clone(),
        settings.stt.clone(),
        Arc::clone(&ctx.embedded),
    );
    let engine = blocking(move || embedded(&dir, &stt)).await??;
    tracing::info!(
        component = "stt",
        model = found.name.as_str(),
        "model loaded"
    );
    Ok(engine)
}
