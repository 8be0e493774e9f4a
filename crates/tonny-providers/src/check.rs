//! "Test connection": asks one remote backend whether it answers, with the settings and
//! secrets given, and says what was found in words a person can act on. The Settings page
//! (`POST /api/v1/backends/{name}/test`) and `tonny doctor` both use it.
//!
//! A check never does what a request would do: n8n gets a CORS preflight (the workflow does
//! not run), RabbitMQ a passive exchange lookup (nothing is published), ElevenLabs a quota
//! read (no characters spent). Only the OpenAI-compatible transcription API is sent audio
//! (half a second of silence), because it has no cheaper call that proves the key and model.

use std::time::{Duration, Instant};

use crate::agent::chat::ChatAgent;
use crate::agent::n8n::N8nAgent;
use crate::agent::rabbitmq::RabbitMqAgent;
use crate::stt::openai::{OpenAiStt, OpenAiSttConfig};
use crate::tts::elevenlabs::{ElevenLabsConfig, ElevenLabsTts};
use serde::Serialize;
use tonny_core::Settings;
use tonny_core::stt::TranscribeOptions;
use tonny_store::secrets::SecretName;
use utoipa::ToSchema;

use crate::wiring::{self, BackendSecrets};

/// The longest a check waits for any one answer: a person is looking at a spinner.
pub const CHECK_TIMEOUT_MS: u64 = 5_000;

/// A remote backend that can be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The OpenAI-compatible chat server (`chat.*`).
    Chat,
    /// The n8n webhook (`n8n_webhook_url`).
    N8n,
    /// The RabbitMQ broker (`rabbitmq_url`, `rabbitmq.*`).
    RabbitMq,
    /// ElevenLabs voices (`elevenlabs_api_key`, `tts.elevenlabs_*`).
    ElevenLabs,
    /// The WhisperLiveKit speech server (`stt.whisperlivekit_url` or the managed one).
    WhisperLiveKit,
    /// The OpenAI-compatible transcription API (`stt.openai_*`, `openai_api_key`).
    OpenAiStt,
}

impl Backend {
    /// Every backend, in the order the Settings page shows them.
    pub const ALL: [Backend; 6] = [
        Backend::Chat,
        Backend::N8n,
        Backend::RabbitMq,
        Backend::ElevenLabs,
        Backend::WhisperLiveKit,
        Backend::OpenAiStt,
    ];

    /// Its name in the API's path.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Chat => "chat",
            Backend::N8n => "n8n",
            Backend::RabbitMq => "rabbitmq",
            Backend::ElevenLabs => "elevenlabs",
            Backend::WhisperLiveKit => "whisperlivekit",
            Backend::OpenAiStt => "openai_stt",
        }
    }
}

impl std::str::FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Backend::ALL
            .into_iter()
            .find(|b| b.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "no backend {s:?}; these can be tested: {}",
                    Backend::ALL.map(Backend::as_str).join(", ")
                )
            })
    }
}

/// How a check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// It answers as it should.
    Ok,
    /// It answers, but something needs attention (a nearly used-up quota).
    Warn,
    /// It cannot be used as configured; `message` says why.
    Fail,
}

/// What a check found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckResult {
    /// The backend checked (`chat`, `n8n`, …).
    pub backend: String,
    /// How it went.
    pub status: CheckStatus,
    /// What was found, for a person; never holds a secret.
    pub message: String,
    /// How long the check took.
    pub elapsed_ms: u64,
}

fn found(status: CheckStatus, message: impl Into<String>) -> (CheckStatus, String) {
    (status, message.into())
}

/// Checks `backend` as `settings` and `secrets` configure it, waiting at most about
/// [`CHECK_TIMEOUT_MS`] for each answer. Blocking work runs off the async executor.
pub async fn check(backend: Backend, settings: &Settings, secrets: &BackendSecrets) -> CheckResult {
    let started = Instant::now();
    // Each client below has its own timeout; this one bounds a check that chains calls.
    let limit = Duration::from_millis(3 * CHECK_TIMEOUT_MS);
    let (status, message) = match tokio::time::timeout(limit, run(backend, settings, secrets)).await
    {
        Ok(outcome) => outcome,
        Err(_) => found(
            CheckStatus::Fail,
            format!(
                "{} did not answer within {} s",
                backend.as_str(),
                limit.as_secs()
            ),
        ),
    };
    CheckResult {
        backend: backend.as_str().to_owned(),
        status,
        message,
        elapsed_ms: started.elapsed().as_millis() as u64,
    }
}

fn bounded(timeout_ms: u64) -> u64 {
    timeout_ms.clamp(1, CHECK_TIMEOUT_MS)
}

async fn run(
    backend: Backend,
    settings: &Settings,
    secrets: &BackendSecrets,
) -> (CheckStatus, String) {
    let outcome = |r: Result<String, String>| match r {
        Ok(what) => found(CheckStatus::Ok, what),
        Err(why) => found(CheckStatus::Fail, why),
    };
    match backend {
        Backend::Chat => {
            let mut config = wiring::chat_config(settings, secrets.get(SecretName::ChatApiKey));
            config.timeout_ms = bounded(config.timeout_ms);
            let chat = ChatAgent::new(config);
            outcome(
                chat.check_model()
                    .await
                    .map_err(|e| e.to_string())
                    .map(|()| {
                        format!(
                            "the chat server at {} answers and has model {:?}",
                            settings.chat.base_url, settings.chat.model
                        )
                    }),
            )
        }
        Backend::N8n => match wiring::n8n_config(settings, secrets) {
            Err(why) => found(CheckStatus::Fail, why.to_string()),
            Ok((mut config, warning)) => {
                config.timeout_ms = bounded(config.timeout_ms);
                match N8nAgent::new(config).check_webhook().await {
                    Ok(what) => match warning {
                        Some(w) => found(CheckStatus::Warn, format!("{what}; but {w}")),
                        None => found(
                            CheckStatus::Ok,
                            format!("{what} (header auth is checked by the first request)"),
                        ),
                    },
                    Err(e) => found(CheckStatus::Fail, e.to_string()),
                }
            }
        },
        Backend::RabbitMq => match wiring::rabbitmq_config(settings, secrets) {
            Err(why) => found(CheckStatus::Fail, why.to_string()),
            Ok(mut config) => {
                config.timeout_ms = bounded(config.timeout_ms);
                outcome(
                    RabbitMqAgent::new(config)
                        .check()
                        .await
                        .map_err(|e| e.to_string()),
                )
            }
        },
        Backend::ElevenLabs => elevenlabs(settings, secrets).await,
        Backend::WhisperLiveKit => whisperlivekit(settings, secrets).await,
        Backend::OpenAiStt => openai_stt(settings, secrets).await,
    }
}

async fn elevenlabs(settings: &Settings, secrets: &BackendSecrets) -> (CheckStatus, String) {
    let Some(key) = secrets.get(SecretName::ElevenlabsApiKey) else {
        return found(
            CheckStatus::Fail,
            "ElevenLabs needs elevenlabs_api_key and it is not set; set it under Secrets",
        );
    };
    let mut config = ElevenLabsConfig::from_settings(&settings.tts, key.to_owned());
    config.timeout_ms = bounded(config.timeout_ms);
    let voice = ElevenLabsTts::new(config);
    // The client's quota call blocks (it serves the synchronous speech interface too).
    let quota = match tokio::task::spawn_blocking(move || voice.quota()).await {
        Ok(q) => q,
        Err(e) => return found(CheckStatus::Fail, format!("the check stopped ({e})")),
    };
    match quota {
        Ok(q) => {
            let share = q.used as f64 / q.limit.max(1) as f64;
            let what = format!(
                "ElevenLabs accepted the key: {} of {} characters used this period ({:.0}%)",
                q.used,
                q.limit,
                share * 100.0
            );
            if share > 0.9 {
                found(
                    CheckStatus::Warn,
                    format!("{what}; when it runs out the local voice speaks instead"),
                )
            } else {
                found(CheckStatus::Ok, what)
            }
        }
        Err(e) => found(CheckStatus::Fail, format!("ElevenLabs: {e}")),
    }
}

async fn whisperlivekit(settings: &Settings, secrets: &BackendSecrets) -> (CheckStatus, String) {
    use tonny_supervisor::health;
    let url = wiring::whisperlivekit_url(settings);
    if let Err(e) =
        tonny_core::endpoint::check_endpoint(&url, tonny_core::endpoint::EndpointKind::WebSocket)
    {
        return found(CheckStatus::Fail, format!("the WhisperLiveKit address {e}"));
    }
    let token = secrets.get(SecretName::WhisperlivekitApiToken);
    if health::websocket_opens(&url, token).await {
        return found(
            CheckStatus::Ok,
            format!("WhisperLiveKit accepts speech at {url}"),
        );
    }
    let health_url = url
        .replacen("wss://", "https://", 1)
        .replacen("ws://", "http://", 1)
        .replace("/asr", "/health");
    if health::http_ok(&health::client(), &health_url).await {
        return found(
            CheckStatus::Fail,
            format!(
                "WhisperLiveKit answers its health check but refused the speech socket at \
                 {url}; check whisperlivekit_api_token"
            ),
        );
    }
    let start = if settings.whisperlivekit.manage {
        "start it under Services (TonnyTray manages it)"
    } else {
        "start the server, or check stt.whisperlivekit_url"
    };
    found(
        CheckStatus::Fail,
        format!(
            "WhisperLiveKit is not answering at {url}; {start}. Until it answers, the embedded \
             engine transcribes"
        ),
    )
}

async fn openai_stt(settings: &Settings, secrets: &BackendSecrets) -> (CheckStatus, String) {
    let stt = OpenAiStt::new(OpenAiSttConfig {
        base_url: settings.stt.openai_url.clone(),
        api_key: secrets.get(SecretName::OpenaiApiKey).map(str::to_owned),
        model: settings.stt.openai_model.clone(),
        timeout_ms: bounded(settings.stt.timeout_ms),
    });
    let model = settings.stt.openai_model.clone();
    let heard = tokio::task::spawn_blocking(move || {
        use tonny_core::stt::Stt;
        let silence = vec![0.0_f32; 8_000];
        stt.transcribe(&silence, &TranscribeOptions::default())
    })
    .await;
    match heard {
        Ok(Ok(_)) => found(
            CheckStatus::Ok,
            format!(
                "the transcription API at {} accepted the key and transcribed a test clip \
                 with model {model:?}",
                settings.stt.openai_url
            ),
        ),
        Ok(Err(e)) => found(CheckStatus::Fail, format!("transcription API: {e}")),
        Err(e) => found(CheckStatus::Fail, format!("the check stopped ({e})")),
    }
}

/// The backends `settings` use, in [`Backend::ALL`] order: what `tonny doctor` checks.
pub fn in_use(settings: &Settings) -> Vec<Backend> {
    use tonny_core::settings::{AgentBackend, SttBackend, TtsEngine};
    let agents = &settings.agent.fallback_order;
    Backend::ALL
        .into_iter()
        .filter(|b| match b {
            Backend::Chat => agents.contains(&AgentBackend::Chat),
            Backend::N8n => agents.contains(&AgentBackend::N8n),
            Backend::RabbitMq => agents.contains(&AgentBackend::RabbitMq),
            Backend::ElevenLabs => settings.tts.engine == TtsEngine::ElevenLabs,
            Backend::WhisperLiveKit => settings.stt.backend == SttBackend::WhisperLiveKit,
            Backend::OpenAiStt => settings.stt.backend == SttBackend::OpenAi,
        })
        .collect()
}
