//! What `ask`, `listen`, `dictate`, `run` and `say` share: the assistant built from settings,
//! the speech engine, and a text output that prints.

use std::sync::Arc;

use async_trait::async_trait;
use tonny_core::output::{Delivery, OutputError, TextOutput, VoiceOutput};
use tonny_core::settings::{ComputeType, Settings};
use tonny_providers::stt::whisper::{ComputeChoice, EngineOptions, WhisperEngine};
use tonny_server::assistant::Assistant;
use tonny_server::wiring;

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

/// The voice output, or `None` with the reason logged once (no sound device is a normal state
/// for a terminal over SSH).
pub fn voice(settings: &Settings) -> Option<Arc<dyn VoiceOutput>> {
    match wiring::voice(settings) {
        Ok(v) => Some(Arc::new(v)),
        Err(why) => {
            tracing::warn!(component = "playback", "replies will not be spoken: {why}");
            None
        }
    }
}

/// The assistant with the configured agents, `text_out`, and the voice when `speak`.
pub async fn assistant(
    ctx: &Ctx,
    text_out: Arc<dyn TextOutput>,
    speak: bool,
) -> anyhow::Result<Arc<Assistant>> {
    let settings = ctx.settings().await?.settings;
    let (agents, warnings) = wiring::agents(&settings);
    for w in warnings {
        tracing::warn!(component = "agent", "{w}");
    }
    let voice = if speak { voice(&settings) } else { None };
    let store: Arc<dyn tonny_store::Store> = Arc::new(ctx.store()?.clone());
    Ok(Assistant::new(store, settings, agents, text_out, voice))
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
    let opts = EngineOptions {
        threads: settings.stt.threads as usize,
        compute: match settings.stt.compute_type {
            ComputeType::Auto => ComputeChoice::Auto,
            ComputeType::Int8 => ComputeChoice::Int8,
            ComputeType::Float32 => ComputeChoice::Float32,
        },
    };
    let dir = found.dir.clone();
    let engine = Arc::new(blocking(move || WhisperEngine::load(&dir, opts)).await??);
    tracing::info!(
        component = "stt",
        model = found.name.as_str(),
        "model loaded"
    );
    Ok(engine)
}
