//! The one [`Settings`] struct: every option TonnyTray has, with its default.
//!
//! A setting is addressed by a dotted key (`section.field`, e.g. `audio.vad_silence_ms`), stored
//! in the database `settings` table, and can be overridden per process by an environment variable
//! (`TONNY_AUDIO_VAD_SILENCE_MS`) or a `.env` file. Values are checked in one place,
//! [`Settings::validate`], which reports every bad field with the reason and the accepted range.
//!
//! Secrets (API keys, webhook URLs, the RabbitMQ URL) are *not* settings: they live in the
//! keychain, see `tonny-store`'s `secrets` module.
//!
//! [`settings_schema`] describes every key for forms (kind, choices, range, unit, group),
//! generated from the types and the validator.

mod desktop;
mod env_example;
mod keys;
mod layers;
mod remote;
mod schema;
mod validate;

use serde::{Deserialize, Serialize};

pub use desktop::{
    AudioSettings, BackupSettings, BargeIn, ConversationSettings, DictationMode, DictationSettings,
    HistorySettings, HotkeySettings, LogLevel, LogSettings, ServerSettings, Theme, Trailing,
    TypingMethod, TypingSettings, UiLanguage, UiSettings,
};
pub use env_example::{env_example, undocumented_keys};
pub use keys::{closest_env_var, env_var_for, key_names};
pub use layers::{LoadedSettings, Source};
pub use remote::{ElevenLabsFormat, ExtraService, ServicesSettings, WhisperLiveKitSettings};
pub use schema::{Choice, FieldKind, FieldSchema, SettingsGroup, group_of, settings_schema};
pub use validate::{FieldError, FieldRange, SettingsError, accepted_ranges};

/// Every TonnyTray option. Sections mirror the pipeline stages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Speech-to-text: which engine and where it lives.
    pub stt: SttSettings,
    /// The WhisperLiveKit server TonnyTray starts and supervises.
    pub whisperlivekit: WhisperLiveKitSettings,
    /// Other services TonnyTray starts and supervises.
    pub services: ServicesSettings,
    /// Which agents handle a request, in fallback order.
    pub agent: AgentSettings,
    /// The n8n webhook backend (its URL and credential are secrets).
    pub n8n: N8nSettings,
    /// The OpenAI-compatible chat backend (Open WebUI, OpenAI, …).
    pub chat: ChatSettings,
    /// The RabbitMQ backend (its URL is a secret).
    pub rabbitmq: RabbitMqSettings,
    /// Text-to-speech: engine, voice and voice tuning.
    pub tts: TtsSettings,
    /// How replies reach the person.
    pub response: ResponseSettings,
    /// Typing text into the focused window.
    pub typing: TypingSettings,
    /// How dictation is written: clean-up, per-application modes, the optional rewrite.
    pub dictation: DictationSettings,
    /// Global shortcuts.
    pub hotkeys: HotkeySettings,
    /// Capture and playback devices, voice-activity detection.
    pub audio: AudioSettings,
    /// In-memory conversation context kept for follow-up questions.
    pub conversation: ConversationSettings,
    /// What the history tables keep and for how long.
    pub history: HistorySettings,
    /// Scheduled database backups.
    pub backup: BackupSettings,
    /// Logging verbosity.
    pub log: LogSettings,
    /// Web UI and tray appearance.
    pub ui: UiSettings,
    /// Where the daemon's API and web UI listen.
    pub server: ServerSettings,
}

/// How a family profile names its own voice (`Profile::tts_voice`) for the cloud engine:
/// `elevenlabs:<voice id>`. Anything else names a local voice, as `tts.voice` does.
pub const ELEVENLABS_VOICE_PREFIX: &str = "elevenlabs:";

impl Settings {
    /// These settings as the active family profile hears them: its own voice
    /// (`Profile::tts_voice`), when it has one, in place of `tts.voice`, or of
    /// `tts.elevenlabs_voice_id` when written `elevenlabs:<voice id>`.
    pub fn with_voice_of(&self, profile_voice: Option<&str>) -> Settings {
        let mut voiced = self.clone();
        if let Some(v) = profile_voice.map(str::trim).filter(|v| !v.is_empty()) {
            match v.strip_prefix(ELEVENLABS_VOICE_PREFIX) {
                Some(id) => voiced.tts.elevenlabs_voice_id = id.trim().to_owned(),
                None => voiced.tts.voice = v.to_owned(),
            }
        }
        voiced
    }
}

/// Which speech-to-text engine transcribes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SttBackend {
    /// Whisper in-process; works offline with nothing else installed.
    Embedded,
    /// A supervised WhisperLiveKit server over WebSocket.
    WhisperLiveKit,
    /// An OpenAI-compatible `/v1/audio/transcriptions` endpoint.
    OpenAi,
}

/// Speech-to-text options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SttSettings {
    /// The engine used.
    pub backend: SttBackend,
    /// Whisper model name (`tiny.en`, `base`, …) or a model directory.
    pub model: String,
    /// Spoken language as an ISO 639-1 code, or `auto` to detect (multilingual models only).
    pub language: String,
    /// Beam width for the embedded engine; 1 is greedy (fastest), 5 is faster-whisper's default.
    pub beam_size: u32,
    /// Names and terms the household uses ("TonnyTray", "Saoirse"), so recognition spells them
    /// this way: given to the embedded engine before the speech (Whisper's prompt) and to an
    /// OpenAI-compatible transcription API as its prompt.
    pub vocabulary: Vec<String>,
    /// What recognition writes one way and the household another, applied to every
    /// transcript: entries `heard => written` ("tony tray => TonnyTray"), whole words ignoring
    /// case; a `*` at either end of `heard` also matches inside a word there.
    pub replacements: Vec<String>,
    /// Numeric precision of the embedded engine.
    pub compute_type: ComputeType,
    /// CPU threads for the embedded engine; 0 uses every core.
    pub threads: u32,
    /// Minutes without a recording after which a running daemon frees the embedded model's
    /// memory (it loads again when someone next speaks, while they speak); 0 keeps it loaded.
    pub unload_after_minutes: u32,
    /// WhisperLiveKit's `/asr` WebSocket URL.
    pub whisperlivekit_url: String,
    /// Base URL of the OpenAI-compatible transcription API.
    pub openai_url: String,
    /// Model name sent to the OpenAI-compatible transcription API.
    pub openai_model: String,
    /// Give up on one transcription after this long.
    pub timeout_ms: u64,
    /// How often the embedded engine re-reads the recording while the person speaks, to show
    /// live text (each pass costs CPU; the final pass after the speech decides what is typed);
    /// 0 shows no live text.
    pub live_text_ms: u32,
}

impl Default for SttSettings {
    fn default() -> Self {
        Self {
            backend: SttBackend::Embedded,
            model: "tiny.en".into(),
            language: "en".into(),
            beam_size: 5,
            vocabulary: Vec::new(),
            replacements: Vec::new(),
            compute_type: ComputeType::Auto,
            threads: 0,
            unload_after_minutes: 10,
            live_text_ms: 700,
            whisperlivekit_url: "ws://127.0.0.1:8000/asr".into(),
            openai_url: "https://api.openai.com/v1".into(),
            openai_model: "whisper-1".into(),
            timeout_ms: 30_000,
        }
    }
}

/// Numeric precision for the embedded speech engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ComputeType {
    /// int8 where the CPU has fast integer instructions, else float32.
    Auto,
    /// 8-bit integer weights.
    Int8,
    /// Full precision.
    Float32,
}

/// An agent backend a request can be routed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AgentBackend {
    /// The built-in offline agent: quick actions, timers, time and date.
    Local,
    /// An n8n webhook.
    N8n,
    /// An OpenAI-compatible chat API (Open WebUI, OpenAI, …).
    Chat,
    /// Publish to a RabbitMQ topic.
    RabbitMq,
}

impl AgentBackend {
    /// The name used in settings and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentBackend::Local => "local",
            AgentBackend::N8n => "n8n",
            AgentBackend::Chat => "chat",
            AgentBackend::RabbitMq => "rabbitmq",
        }
    }
}

/// Agent routing options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AgentSettings {
    /// Backends tried in order until one answers.
    pub fallback_order: Vec<AgentBackend>,
}

impl Default for AgentSettings {
    fn default() -> Self {
        Self {
            fallback_order: vec![AgentBackend::Local],
        }
    }
}

/// n8n webhook options (the URL and header credential are secrets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct N8nSettings {
    /// Give up on one webhook call after this long.
    pub timeout_ms: u64,
}

impl Default for N8nSettings {
    fn default() -> Self {
        Self { timeout_ms: 10_000 }
    }
}

/// Which dialect the chat server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChatApi {
    /// Open WebUI: `/api/chat/completions`, knowledge collections.
    OpenWebui,
    /// Plain OpenAI: `/v1/chat/completions`.
    Openai,
}

/// The chat agent's default instructions: answers are heard, not read.
pub const DEFAULT_SYSTEM_PROMPT: &str = "You are Tonny, a helpful voice assistant for a family. \
Your answers are spoken aloud: keep them short and conversational, two or three sentences, with \
no markdown, lists, code or links.";

/// OpenAI-compatible chat options (the API key is a secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ChatSettings {
    /// Server base URL.
    pub base_url: String,
    /// Endpoint dialect.
    pub api: ChatApi,
    /// Model name sent with each request.
    pub model: String,
    /// Open WebUI knowledge collection id to ground answers in, if any.
    pub knowledge_collection: Option<String>,
    /// Instructions sent before every conversation (empty sends none).
    pub system_prompt: String,
    /// Stream tokens (SSE) so speech can start before the answer is complete.
    pub stream: bool,
    /// Give up on one request after this long.
    pub timeout_ms: u64,
}

impl Default for ChatSettings {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8080".into(),
            api: ChatApi::OpenWebui,
            model: "llama3.2".into(),
            knowledge_collection: None,
            system_prompt: DEFAULT_SYSTEM_PROMPT.into(),
            stream: true,
            timeout_ms: 30_000,
        }
    }
}

/// RabbitMQ options (the broker URL is a secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RabbitMqSettings {
    /// Topic exchange requests are published to.
    pub exchange: String,
    /// Routing key; `{profile}` is replaced by the active profile's name.
    pub routing_key_template: String,
    /// Wait for a reply through direct reply-to (RPC) instead of fire-and-forget.
    pub rpc: bool,
    /// Give up waiting for a confirm or reply after this long.
    pub timeout_ms: u64,
}

impl Default for RabbitMqSettings {
    fn default() -> Self {
        Self {
            exchange: "amq.topic".into(),
            routing_key_template: "thread.tonny.prompt.{profile}".into(),
            rpc: false,
            timeout_ms: 5_000,
        }
    }
}

/// Which voice speaks replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TtsEngine {
    /// The local neural voice: a Piper voice installed for `tts.voice`'s language (`tonny
    /// voices`), espeak-ng for a language without one or when the voice fails. Offline.
    Piper,
    /// Local espeak-ng only; works offline.
    Espeak,
    /// ElevenLabs cloud voices (needs an API key).
    ElevenLabs,
    /// Never speak.
    None,
}

/// Text-to-speech options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TtsSettings {
    /// The engine used.
    pub engine: TtsEngine,
    /// The local voice: a language (an espeak-ng voice name such as `en-us` or `de`; the
    /// installed Piper voice for it speaks, espeak-ng when there is none), or a Piper voice by
    /// name (`en_US-joe-medium`, see `tonny voices list`).
    pub voice: String,
    /// A speaker of a multi-speaker Piper voice, by name or number (unset: its first).
    pub speaker: Option<String>,
    /// CPU threads a Piper voice uses (0: ONNX Runtime's choice, one per core).
    pub threads: u32,
    /// ElevenLabs API base URL (changed only for a proxy or a test server).
    pub elevenlabs_url: String,
    /// ElevenLabs voice id.
    pub elevenlabs_voice_id: String,
    /// Audio ElevenLabs sends: raw PCM starts playing soonest; MP3 is smaller on slow links.
    pub elevenlabs_output_format: ElevenLabsFormat,
    /// ElevenLabs model id.
    pub elevenlabs_model_id: String,
    /// Stream a reply's text into ElevenLabs over its `stream-input` WebSocket while the agent
    /// is still writing it (PCM formats only); off sends one request per sentence.
    pub elevenlabs_stream_input: bool,
    /// With a voice that takes streamed text, speak the first this-many complete words of a
    /// streamed reply at once instead of waiting for the first sentence (0 waits for it).
    /// Fewer words start speaking sooner; more give the voice more to shape its intonation.
    pub stream_first_words: u32,
    /// ElevenLabs voice stability, 0–1.
    pub stability: f64,
    /// ElevenLabs similarity boost, 0–1.
    pub similarity_boost: f64,
    /// ElevenLabs style exaggeration, 0–1.
    pub style: f64,
    /// ElevenLabs speaker boost.
    pub use_speaker_boost: bool,
    /// Speaking rate multiplier (both engines; 1.0 is the voice's normal rate).
    pub speed: f64,
    /// Local voice pitch, 0–99 (espeak-ng's scale; 50 is the voice's normal pitch).
    pub pitch: u32,
    /// Give up on one synthesis after this long.
    pub timeout_ms: u64,
}

impl Default for TtsSettings {
    fn default() -> Self {
        Self {
            engine: TtsEngine::Piper,
            voice: "en-us".into(),
            speaker: None,
            threads: 0,
            elevenlabs_url: "https://api.elevenlabs.io".into(),
            elevenlabs_voice_id: "21m00Tcm4TlvDq8ikWAM".into(),
            elevenlabs_output_format: ElevenLabsFormat::Pcm24000,
            elevenlabs_model_id: "eleven_flash_v2_5".into(),
            elevenlabs_stream_input: true,
            stream_first_words: 1,
            stability: 0.5,
            similarity_boost: 0.75,
            style: 0.0,
            use_speaker_boost: true,
            speed: 1.0,
            pitch: 50,
            timeout_ms: 10_000,
        }
    }
}

/// How a reply is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    /// Typed / shown only.
    TextOnly,
    /// Spoken only.
    VoiceOnly,
    /// Typed and spoken.
    Both,
}

/// Reply delivery options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ResponseSettings {
    /// Text, voice or both.
    pub mode: ResponseMode,
}

impl Default for ResponseSettings {
    fn default() -> Self {
        Self {
            mode: ResponseMode::Both,
        }
    }
}
