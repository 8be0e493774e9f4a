//! The checks that ask the configured remote backends whether they answer.

use tonny_core::settings::{AgentBackend, Settings, SttBackend, TtsEngine};
use tonny_store::secrets::SecretName;

use super::{Check, Status, check};
use crate::ctx::{Ctx, blocking};

/// Asks the configured remote backends whether they answer: the ElevenLabs quota, the chat
/// server's models, the speech server's health.
pub(super) async fn live(
    ctx: &Ctx,
    settings: &Settings,
    checks: &mut Vec<Check>,
) -> anyhow::Result<()> {
    let mut warnings = Vec::new();
    let secrets = crate::cmd::pipeline::secrets(ctx, settings, &mut warnings).await?;
    if settings.tts.engine == TtsEngine::ElevenLabs
        && let Some(key) = secrets.get(SecretName::ElevenlabsApiKey)
    {
        let voice = tonny_providers::tts::elevenlabs::ElevenLabsTts::new(
            tonny_providers::tts::elevenlabs::ElevenLabsConfig::from_settings(
                &settings.tts,
                key.to_owned(),
            ),
        );
        match blocking(move || voice.quota()).await? {
            Ok(q) => {
                let share = q.used as f64 / q.limit.max(1) as f64;
                checks.push(check(
                    "backends",
                    if share > 0.9 {
                        Status::Warn
                    } else {
                        Status::Ok
                    },
                    format!(
                        "ElevenLabs quota: {} of {} characters used this period ({:.0}%)",
                        q.used,
                        q.limit,
                        share * 100.0
                    ),
                    (share > 0.9).then(|| {
                        "when it runs out the local voice speaks instead; `tonny config set \
                         tts.engine espeak` switches now"
                            .to_owned()
                    }),
                ));
            }
            Err(e) => checks.push(check(
                "backends",
                Status::Fail,
                format!("ElevenLabs: {e}"),
                None,
            )),
        }
    }
    if settings.agent.fallback_order.contains(&AgentBackend::Chat) {
        let c = &settings.chat;
        // A doctor should not wait the full answer timeout on a dead server.
        let mut config =
            tonny_server::wiring::chat_config(settings, secrets.get(SecretName::ChatApiKey));
        config.timeout_ms = config.timeout_ms.min(5_000);
        let chat = tonny_providers::agent::chat::ChatAgent::new(config);
        match chat.check_model().await {
            Ok(()) => checks.push(check(
                "backends",
                Status::Ok,
                format!("chat server answers and has model {:?}", c.model),
                None,
            )),
            Err(e) => checks.push(check("backends", Status::Fail, format!("chat: {e}"), None)),
        }
    }
    if settings.stt.backend == SttBackend::WhisperLiveKit {
        let url = tonny_server::wiring::whisperlivekit_url(settings);
        let health = url
            .replacen("wss://", "https://", 1)
            .replacen("ws://", "http://", 1)
            .replace("/asr", "/health");
        if tonny_supervisor::health::http_ok(&tonny_supervisor::health::client(), &health).await {
            checks.push(check(
                "backends",
                Status::Ok,
                "WhisperLiveKit answers its health check",
                None,
            ));
        } else {
            checks.push(check(
                "backends",
                Status::Warn,
                "WhisperLiveKit is not answering; until it does, the embedded engine transcribes",
                Some(if settings.whisperlivekit.manage {
                    "`tonny run` starts it (or `tonny services start whisperlivekit`)".to_owned()
                } else {
                    "start the server, or check stt.whisperlivekit_url".to_owned()
                }),
            ));
        }
    }
    Ok(())
}
