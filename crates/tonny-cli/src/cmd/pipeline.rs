//! What `ask`, `listen`, `dictate`, `run` and `say` share: the assistant built from settings,
//! the speech engine, and a text output that prints.

use std::sync::Arc;

use async_trait::async_trait;
use tonny_core::agent::Agent;
use tonny_core::output::{Delivery, OutputError, TextOutput, VoiceOutput};
use tonny_core::settings::{AgentBackend, ComputeType, Settings, SttBackend, TtsEngine};
use tonny_core::stt::{Stt, SttError};
use tonny_providers::stt::whisper::{ComputeChoice, EngineOptions, WhisperEngine};
use tonny_server::assistant::Assistant;
use tonny_server::wiring::{self, BackendSecrets};

use crate::cmd::models::store as model_store;
use crate::ctx::{Ctx, blocking};

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
        return Ok(engine(ctx, settings, None).await? as Arc<dyn Stt>);
    }
    let mut warnings = Vec::new();
    let secrets = secrets(ctx, settings, &mut warnings).await?;
    for w in warnings {
        tracing::warn!(component = "stt", "{w}");
    }
    let models = Arc::new(model_store(ctx));
    let spec = settings.stt.model.clone();
    let opts = engine_options(settings);
    let load: tonny_providers::stt::fallback::Loader = Box::new(move || {
        let found = models
            .resolve(&spec)
            .map_err(|e| SttError::Model(Box::new(e)))?;
        let engine =
            WhisperEngine::load(&found.dir, opts).map_err(|e| SttError::Model(Box::new(e)))?;
        Ok(Arc::new(engine) as Arc<dyn Stt>)
    });
    Ok(wiring::stt(settings, &secrets, load)?)
}

fn engine_options(settings: &Settings) -> EngineOptions {
    EngineOptions {
        threads: settings.stt.threads as usize,
        compute: match settings.stt.compute_type {
            ComputeType::Auto => ComputeChoice::Auto,
            ComputeType::Int8 => ComputeChoice::Int8,
            ComputeType::Float32 => ComputeChoice::Float32,
        },
    }
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

/// Loads the configured (or given) Whisper model once.
pub async fn engine(
    ctx: &Ctx,
    settings: &Settings,
    model: Option<String>,
) -> anyhow::Result<Arc<WhisperEngine>> {
    let spec = model.unwrap_or(settings.stt.model.clone());
    let models = model_store(ctx);
    let found = blocking(move || models.resolve(&spec)).await??;
    let opts = engine_options(settings);
    let dir = found.dir.clone();
    let engine = Arc::new(blocking(move || WhisperEngine::load(&dir, opts)).await??);
    tracing::info!(
        component = "stt",
        model = found.name.as_str(),
        "model loaded"
    );
    Ok(engine)
}
