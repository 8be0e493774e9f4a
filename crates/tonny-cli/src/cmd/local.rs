//! What commands that run without a daemon share: the secrets the configured backends need,
//! the engine loaded in this process, and a daemon's parts built in this process for one
//! request (`tonny ask`, `listen`, `dictate` when no daemon runs), so a one-shot command
//! behaves exactly as the daemon would.

use std::sync::Arc;

use tonny_audio::typing::Display;
use tonny_core::Settings;
use tonny_core::output::TextOutput;
use tonny_core::stt::Stt;
use tonny_providers::stt::models::ModelStore;
use tonny_providers::wiring::{BackendSecrets, WiringError};
use tonny_server::daemon::{Core, CoreConfig};
use tonny_server::parts::Providers;
use tonny_server::settings::needs_secrets;

use crate::ctx::{Ctx, blocking};

/// The model store for this home.
pub fn models(ctx: &Ctx) -> ModelStore {
    ModelStore::from_env(ctx.paths.models_dir())
}

/// The secrets the configured backends need (none are read when only local parts are used),
/// and what could not be read.
pub async fn backend_secrets(
    ctx: &Ctx,
    settings: &Settings,
) -> anyhow::Result<(BackendSecrets, Vec<WiringError>)> {
    if !needs_secrets(settings) {
        return Ok((BackendSecrets::default(), Vec::new()));
    }
    let store = ctx.secrets().await?;
    blocking(move || BackendSecrets::load(&store)).await
}

/// Loads the configured (or given) Whisper model once, in this process.
pub async fn engine(
    ctx: &Ctx,
    settings: &Settings,
    model: Option<String>,
) -> anyhow::Result<Arc<dyn Stt>> {
    let spec = model.unwrap_or(settings.stt.model.clone());
    let models = models(ctx);
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

/// A daemon's parts, built in this process for one request: replies are spoken when `speak`,
/// typed text goes to `text`, the model is loaded before listening.
pub async fn core(ctx: &Ctx, speak: bool, text: Arc<dyn TextOutput>) -> anyhow::Result<Arc<Core>> {
    let settings = ctx.settings().await?.settings;
    let secrets = if needs_secrets(&settings) {
        Some(ctx.secrets().await?)
    } else {
        None
    };
    let build = Providers {
        models_dir: ctx.paths.models_dir(),
        voices_dir: ctx.paths.voices_dir(),
        embedded: Arc::clone(&ctx.embedded),
        speak,
        display: Display::detect(),
        warm: true,
        text: Some(text),
    };
    Ok(Core::build(CoreConfig {
        paths: ctx.paths.clone(),
        store: ctx.home.shared_store()?,
        secrets,
        build: Arc::new(build),
    })
    .await?)
}
