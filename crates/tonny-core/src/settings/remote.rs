//! Settings types for the remote side: the supervised services and the ElevenLabs audio format.

use serde::{Deserialize, Serialize};

/// The supervised WhisperLiveKit server (`stt.backend = whisperlivekit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WhisperLiveKitSettings {
    /// Start and supervise the server; off when it runs elsewhere (then `stt.whisperlivekit_url`
    /// says where).
    pub manage: bool,
    /// The program: `wlk` or `whisperlivekit-server` (a name in `PATH`, or a path).
    pub command: String,
    /// Whisper model it loads (`tiny.en`, `base`, …); ignored when `model_dir` is set.
    pub model: String,
    /// A local CTranslate2 model directory (offline; needs the faster-whisper backend).
    pub model_dir: Option<String>,
    /// `--backend` (e.g. `faster-whisper`); unset uses the server's default.
    pub backend: Option<String>,
    /// `--backend-policy` (e.g. `localagreement`).
    pub backend_policy: Option<String>,
    /// Address it listens on; keep it on loopback.
    pub host: String,
    /// Port it listens on.
    pub port: u16,
    /// Further arguments, passed as they are.
    pub extra_args: Vec<String>,
}

impl Default for WhisperLiveKitSettings {
    fn default() -> Self {
        Self {
            manage: true,
            command: "wlk".into(),
            model: "tiny.en".into(),
            model_dir: None,
            backend: None,
            backend_policy: None,
            host: "127.0.0.1".into(),
            port: 8000,
            extra_args: Vec::new(),
        }
    }
}

/// One more service to supervise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraService {
    /// Its name in `tonny services`.
    pub name: String,
    /// The program.
    pub command: String,
    /// Its arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// `GET` this to know it is ready and healthy.
    #[serde(default)]
    pub health_url: Option<String>,
    /// Services to start first (`whisperlivekit`, or another extra service).
    #[serde(default)]
    pub depends_on: Vec<String>,
}

/// Supervised services besides WhisperLiveKit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ServicesSettings {
    /// Started with TonnyTray, in dependency order.
    pub extra: Vec<ExtraService>,
}

/// The `output_format` asked of ElevenLabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ElevenLabsFormat {
    /// 16-bit PCM at 16 kHz.
    #[serde(rename = "pcm_16000")]
    Pcm16000,
    /// 16-bit PCM at 22.05 kHz.
    #[serde(rename = "pcm_22050")]
    Pcm22050,
    /// 16-bit PCM at 24 kHz.
    #[serde(rename = "pcm_24000")]
    Pcm24000,
    /// MP3, 44.1 kHz, 128 kbit/s.
    #[serde(rename = "mp3_44100_128")]
    Mp3_44100_128,
}

impl ElevenLabsFormat {
    /// The value of the `output_format` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            ElevenLabsFormat::Pcm16000 => "pcm_16000",
            ElevenLabsFormat::Pcm22050 => "pcm_22050",
            ElevenLabsFormat::Pcm24000 => "pcm_24000",
            ElevenLabsFormat::Mp3_44100_128 => "mp3_44100_128",
        }
    }

    /// The sample rate of a PCM format; `None` for MP3.
    pub fn pcm_rate(self) -> Option<u32> {
        match self {
            ElevenLabsFormat::Pcm16000 => Some(16_000),
            ElevenLabsFormat::Pcm22050 => Some(22_050),
            ElevenLabsFormat::Pcm24000 => Some(24_000),
            ElevenLabsFormat::Mp3_44100_128 => None,
        }
    }
}
