//! Building the pipeline's parts from settings and secrets, the same way for the daemon and
//! every one-shot command. A part that cannot be built says why as a [`WiringError`]: the
//! person is told which secret or setting to fix, and the rest is built without it.

use std::collections::HashMap;
use std::sync::Arc;

use crate::agent::chat::{ChatAgent, ChatConfig};
use crate::agent::guarded::Guarded;
use crate::agent::local::LocalAgent;
use crate::agent::n8n::{N8nAgent, N8nConfig, parse_header_credential};
use crate::agent::rabbitmq::{RabbitMqAgent, RabbitMqConfig};
use crate::stt::fallback::FallbackStt;
use crate::stt::openai::{OpenAiStt, OpenAiSttConfig};
use crate::stt::whisperlivekit::{WhisperLiveKitConfig, WhisperLiveKitStt};
use crate::tts::elevenlabs::{ElevenLabsConfig, ElevenLabsTts};
use crate::tts::espeak::EspeakTts;
use crate::tts::fallback::FallbackTts;
use crate::tts::piper::LocalVoice;
use crate::tts::voices::VoiceStore;
use tonny_audio::playback::Player;
use tonny_core::Settings;
use tonny_core::agent::Agent;
use tonny_core::breaker::BreakerPolicy;
use tonny_core::endpoint::{EndpointKind, check_endpoint};
use tonny_core::settings::{AgentBackend, SttBackend, TtsEngine};
use tonny_core::stt::{Stt, SttError};
use tonny_core::tts::Tts;
use tonny_store::secrets::{SecretName, SecretStore};
use tonny_supervisor::ServiceSpec;

use crate::voice::SpokenVoice;

/// The secrets the backends need, read once at start (the keychain is slow and may block, so
/// it is not asked per request). Never printed: `Debug` shows only which are set.
#[derive(Default, Clone)]
pub struct BackendSecrets {
    values: HashMap<SecretName, String>,
}

impl std::fmt::Debug for BackendSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries(self.values.keys().map(|k| k.as_str()))
            .finish()
    }
}

impl BackendSecrets {
    /// Reads every secret from `store` (blocking: the keychain). A secret that cannot be read
    /// is left out, with a warning that names it (never its value).
    pub fn load(store: &SecretStore) -> (Self, Vec<WiringError>) {
        use secrecy::ExposeSecret;
        let mut values = HashMap::new();
        let mut warnings = Vec::new();
        for name in SecretName::ALL {
            match store.get(name) {
                Ok(Some((value, _))) => {
                    values.insert(name, value.expose_secret().to_owned());
                }
                Ok(None) => {}
                Err(source) => warnings.push(WiringError::SecretUnreadable { name, source }),
            }
        }
        (Self { values }, warnings)
    }

    /// Secrets given directly (tests, embedding).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (SecretName, String)>) -> Self {
        Self {
            values: pairs.into_iter().collect(),
        }
    }

    /// One secret's value.
    pub fn get(&self, name: SecretName) -> Option<&str> {
        self.values.get(&name).map(String::as_str)
    }
}

/// Why a part could not be built as the settings ask.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WiringError {
    /// A backend needs a secret that is not set.
    #[error(
        "{backend} cannot be used: {} is not set; set it under Secrets in Settings or with \
         `tonny secrets set {}`",
        secret.as_str(),
        secret.as_str()
    )]
    MissingSecret {
        /// The backend (`n8n`, `rabbitmq`, …).
        backend: &'static str,
        /// The secret it needs.
        secret: SecretName,
    },
    /// A secret is set but its value cannot be used (a URL the policy refuses).
    #[error("{backend} is skipped: {} {reason}", secret.as_str())]
    BadSecret {
        /// The backend.
        backend: &'static str,
        /// The secret.
        secret: SecretName,
        /// What is wrong with it (never the value).
        reason: String,
    },
    /// The n8n header credential is not `Header-Name: value`, so it is not sent.
    #[error(
        "n8n_header_credential is not `Header-Name: value`, so it is not sent; set it again \
         with `tonny secrets set n8n_header_credential`"
    )]
    BadHeaderCredential,
    /// ElevenLabs was chosen but has no key: the local voice speaks.
    #[error(
        "tts.engine is elevenlabs but elevenlabs_api_key is not set, so the local voice \
         speaks; set it with `tonny secrets set elevenlabs_api_key`"
    )]
    NoElevenLabsKey,
    /// No speaker could be opened, so replies are not spoken.
    #[error(transparent)]
    NoSpeaker(#[from] tonny_audio::playback::PlaybackError),
    /// A secret could not be read from the keychain.
    #[error("could not read {}: {source}", name.as_str())]
    SecretUnreadable {
        /// Which secret.
        name: SecretName,
        /// Why.
        #[source]
        source: tonny_store::secrets::SecretError,
    },
}

/// The agents of `agent.fallback_order`, in order, each remote one behind a circuit breaker,
/// and a warning for each one that cannot be used (missing or refused secret). The local agent is always last if not listed, so simple requests work offline.
pub fn agents(
    settings: &Settings,
    secrets: &BackendSecrets,
) -> (Vec<Arc<dyn Agent>>, Vec<WiringError>) {
    let mut agents: Vec<Arc<dyn Agent>> = Vec::new();
    let mut warnings = Vec::new();
    let guarded = |agent: Arc<dyn Agent>| -> Arc<dyn Agent> {
        Arc::new(Guarded::new(agent, BreakerPolicy::default()))
    };
    for backend in &settings.agent.fallback_order {
        match backend {
            AgentBackend::Local => agents.push(Arc::new(LocalAgent::new())),
            AgentBackend::N8n => match n8n_config(settings, secrets) {
                Ok((config, warning)) => {
                    warnings.extend(warning);
                    agents.push(guarded(Arc::new(N8nAgent::new(config))));
                }
                Err(why) => warnings.push(why),
            },
            AgentBackend::Chat => agents.push(guarded(Arc::new(ChatAgent::new(chat_config(
                settings,
                secrets.get(SecretName::ChatApiKey),
            ))))),
            AgentBackend::RabbitMq => match rabbitmq_config(settings, secrets) {
                Ok(config) => agents.push(guarded(Arc::new(RabbitMqAgent::new(config)))),
                Err(why) => warnings.push(why),
            },
        }
    }
    if !agents.iter().any(|a| a.name() == "local") {
        agents.push(Arc::new(LocalAgent::new()));
    }
    (agents, warnings)
}

/// The n8n agent's configuration from `n8n.*` and its secrets, with a warning when the header
/// credential cannot be used; or why n8n cannot be used at all.
pub fn n8n_config(
    settings: &Settings,
    secrets: &BackendSecrets,
) -> Result<(N8nConfig, Option<WiringError>), WiringError> {
    let Some(url) = secrets.get(SecretName::N8nWebhookUrl) else {
        return Err(WiringError::MissingSecret {
            backend: "n8n",
            secret: SecretName::N8nWebhookUrl,
        });
    };
    if let Err(e) = check_endpoint(url, EndpointKind::Http) {
        return Err(WiringError::BadSecret {
            backend: "n8n",
            secret: SecretName::N8nWebhookUrl,
            reason: e.to_string(),
        });
    }
    let mut warning = None;
    let header = secrets
        .get(SecretName::N8nHeaderCredential)
        .and_then(|raw| {
            let parsed = parse_header_credential(raw);
            if parsed.is_none() {
                warning = Some(WiringError::BadHeaderCredential);
            }
            parsed
        });
    let config = N8nConfig {
        url: url.to_owned(),
        header,
        timeout_ms: settings.n8n.timeout_ms,
    };
    Ok((config, warning))
}

/// The RabbitMQ agent's configuration from `rabbitmq.*` and `rabbitmq_url`, or why RabbitMQ
/// cannot be used.
pub fn rabbitmq_config(
    settings: &Settings,
    secrets: &BackendSecrets,
) -> Result<RabbitMqConfig, WiringError> {
    let Some(url) = secrets.get(SecretName::RabbitmqUrl) else {
        return Err(WiringError::MissingSecret {
            backend: "rabbitmq",
            secret: SecretName::RabbitmqUrl,
        });
    };
    if let Err(e) = check_endpoint(url, EndpointKind::Amqp) {
        return Err(WiringError::BadSecret {
            backend: "rabbitmq",
            secret: SecretName::RabbitmqUrl,
            reason: e.to_string(),
        });
    }
    let r = &settings.rabbitmq;
    Ok(RabbitMqConfig {
        url: url.to_owned(),
        exchange: r.exchange.clone(),
        routing_key_template: r.routing_key_template.clone(),
        rpc: r.rpc,
        timeout_ms: r.timeout_ms,
    })
}

/// The chat server as the editor of dictation (`dictation.rewrite`): the chat agent with the
/// editing prompt and one whole answer (no streaming, no knowledge collection). `None` when
/// rewriting is off.
pub fn rewriter(settings: &Settings, secrets: &BackendSecrets) -> Option<Arc<dyn Agent>> {
    if !settings.dictation.rewrite {
        return None;
    }
    let mut config = chat_config(settings, secrets.get(SecretName::ChatApiKey));
    config.system_prompt = tonny_core::dictation::REWRITE_PROMPT.to_owned();
    config.stream = false;
    config.knowledge_collection = None;
    // The assistant's own limit decides (and says "timed out"); this one only ends the call.
    config.timeout_ms = u64::from(settings.dictation.rewrite_timeout_ms) + 1_000;
    Some(Arc::new(ChatAgent::new(config)))
}

/// The chat agent's configuration from `chat.*` and the chat API key, if any.
pub fn chat_config(settings: &Settings, api_key: Option<&str>) -> ChatConfig {
    let c = &settings.chat;
    ChatConfig {
        base_url: c.base_url.clone(),
        api: c.api,
        model: c.model.clone(),
        api_key: api_key.map(str::to_owned),
        knowledge_collection: c.knowledge_collection.clone(),
        system_prompt: c.system_prompt.clone(),
        stream: c.stream,
        timeout_ms: c.timeout_ms,
    }
}

/// The voice `tts.engine` asks for: ElevenLabs (falling back to the local voice when it fails)
/// or the local voice (Piper from `voices`, or espeak-ng); a warning when ElevenLabs was asked
/// for but has no key. `voice` overrides `tts.voice` (a family profile's own voice).
pub fn tts(
    settings: &Settings,
    secrets: &BackendSecrets,
    voices: &VoiceStore,
    voice: Option<&str>,
) -> (Arc<dyn Tts>, Option<WiringError>) {
    let name = voice.unwrap_or(&settings.tts.voice);
    let local: Arc<dyn Tts> = match settings.tts.engine {
        TtsEngine::Espeak => {
            let mut espeak = settings.tts.clone();
            espeak.voice = name.to_owned();
            Arc::new(EspeakTts::from_settings(&espeak))
        }
        _ => Arc::new(LocalVoice::new(&settings.tts, name, voices)),
    };
    if settings.tts.engine != TtsEngine::ElevenLabs {
        return (local, None);
    }
    match secrets.get(SecretName::ElevenlabsApiKey) {
        Some(key) => {
            let cloud = ElevenLabsTts::new(ElevenLabsConfig::from_settings(
                &settings.tts,
                key.to_owned(),
            ));
            (Arc::new(FallbackTts::new(Arc::new(cloud), local)), None)
        }
        None => (local, Some(WiringError::NoElevenLabsKey)),
    }
}

/// The spoken-reply output on `audio.output_device` with the configured voice, or why there is
/// none; the second value warns about a voice that could not be used.
pub fn voice(
    settings: &Settings,
    secrets: &BackendSecrets,
    voices: &VoiceStore,
) -> Result<(SpokenVoice, Option<WiringError>), WiringError> {
    let player = Player::open(settings.audio.output_device.as_deref())?;
    let (tts, warning) = tts(settings, secrets, voices, None);
    let voice = SpokenVoice::new(tts, player)
        .with_stream_first_words(settings.tts.stream_first_words as usize);
    Ok((voice, warning))
}

/// The environment variable the WhisperLiveKit token is passed in (never argv, which every
/// user can read with `ps`).
pub const WLK_TOKEN_ENV: &str = "WLK_API_TOKEN";

/// The `/asr` URL the speech client uses: the supervised server's when TonnyTray manages it,
/// else `stt.whisperlivekit_url`.
pub fn whisperlivekit_url(settings: &Settings) -> String {
    let w = &settings.whisperlivekit;
    if w.manage {
        format!("ws://{}:{}/asr", w.host, w.port)
    } else {
        settings.stt.whisperlivekit_url.clone()
    }
}

/// The services TonnyTray supervises: the WhisperLiveKit server when `stt.backend` is
/// `whisperlivekit` and `whisperlivekit.manage` is on, then `services.extra`.
pub fn services(settings: &Settings, secrets: &BackendSecrets) -> Vec<ServiceSpec> {
    let mut specs = Vec::new();
    let w = &settings.whisperlivekit;
    if settings.stt.backend == SttBackend::WhisperLiveKit && w.manage {
        let mut args: Vec<String> = Vec::new();
        match &w.model_dir {
            Some(dir) => {
                args.extend(["--model_dir".into(), dir.clone()]);
                // Offline: no warm-up clip to download.
                args.extend(["--warmup-file".into(), String::new()]);
            }
            None => args.extend(["--model".into(), w.model.clone()]),
        }
        if settings.stt.language != "auto" {
            args.extend(["--lan".into(), settings.stt.language.clone()]);
        }
        args.extend([
            "--host".into(),
            w.host.clone(),
            "--port".into(),
            w.port.to_string(),
            "--pcm-input".into(),
        ]);
        if let Some(b) = &w.backend {
            args.extend(["--backend".into(), b.clone()]);
        }
        if let Some(p) = &w.backend_policy {
            args.extend(["--backend-policy".into(), p.clone()]);
        }
        args.extend(w.extra_args.iter().cloned());
        let token = secrets
            .get(SecretName::WhisperlivekitApiToken)
            .map(str::to_owned);
        let env = token
            .iter()
            .map(|t| (WLK_TOKEN_ENV.to_owned(), t.clone()))
            .collect();
        specs.push(ServiceSpec {
            name: "whisperlivekit".into(),
            program: w.command.clone(),
            args,
            env,
            health_url: Some(format!("http://{}:{}/health", w.host, w.port)),
            ready_websocket: Some(whisperlivekit_url(settings)),
            depends_on: Vec::new(),
            probe_token: token,
        });
    }
    for extra in &settings.services.extra {
        specs.push(ServiceSpec {
            name: extra.name.clone(),
            program: extra.command.clone(),
            args: extra.args.clone(),
            env: Vec::new(),
            health_url: extra.health_url.clone(),
            ready_websocket: None,
            depends_on: extra.depends_on.clone(),
            probe_token: None,
        });
    }
    specs
}

/// The speech-to-text engine `stt.backend` asks for. A server backend falls back to the
/// embedded engine (loaded by `load_embedded` when first needed) when it is down.
pub fn stt(
    settings: &Settings,
    secrets: &BackendSecrets,
    load_embedded: crate::stt::fallback::Loader,
) -> Result<Arc<dyn Stt>, SttError> {
    let primary: Arc<dyn Stt> = match settings.stt.backend {
        SttBackend::Embedded => return load_embedded(),
        SttBackend::WhisperLiveKit => Arc::new(WhisperLiveKitStt::new(WhisperLiveKitConfig {
            url: whisperlivekit_url(settings),
            token: secrets
                .get(SecretName::WhisperlivekitApiToken)
                .map(str::to_owned),
            timeout_ms: settings.stt.timeout_ms,
        })),
        SttBackend::OpenAi => Arc::new(OpenAiStt::new(OpenAiSttConfig {
            base_url: settings.stt.openai_url.clone(),
            api_key: secrets.get(SecretName::OpenaiApiKey).map(str::to_owned),
            model: settings.stt.openai_model.clone(),
            timeout_ms: settings.stt.timeout_ms,
        })),
    };
    Ok(Arc::new(FallbackStt::new(
        primary,
        load_embedded,
        BreakerPolicy::default(),
    )))
}
