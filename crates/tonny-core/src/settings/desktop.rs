//! The sections about the desktop and the daemon itself, rather than the pipeline's backends:
//! typing, hotkeys, audio devices and endpointing, conversation memory, history, logs, the web
//! UI and the API server. Re-exported from [`super`]; split out to keep each file readable.

use serde::{Deserialize, Serialize};

pub use crate::dictation::DictationMode;

/// How text is put into the focused window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TypingMethod {
    /// Detect the display server and use the first tool that works, falling back to paste and
    /// then to the clipboard.
    Auto,
    /// X11 XTest through `xdotool`.
    Xdotool,
    /// Wayland virtual keyboard, built in (sway, Hyprland and other wlroots desktops): any
    /// character, whatever the keyboard layout.
    Wayland,
    /// The desktop's RemoteDesktop portal (GNOME, KDE): the desktop asks once for permission;
    /// ASCII is typed on any layout, other text is pasted.
    Portal,
    /// Wayland virtual keyboard through `wtype`.
    Wtype,
    /// Kernel uinput through `ydotool` (any display server; needs `ydotoold`).
    Ydotool,
    /// Never type: leave the text on the clipboard.
    Clipboard,
}

/// What is added after typed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Trailing {
    /// Nothing.
    None,
    /// A space, so the next dictation continues the sentence.
    Space,
    /// A line break.
    Newline,
}

/// Typing options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TypingSettings {
    /// Which tool types.
    pub method: TypingMethod,
    /// Added after the text.
    pub trailing: Trailing,
    /// Press Enter after typing (sends a chat message, runs a search).
    pub press_enter: bool,
}

impl Default for TypingSettings {
    fn default() -> Self {
        Self {
            method: TypingMethod::Auto,
            trailing: Trailing::Space,
            press_enter: false,
        }
    }
}

/// How dictation is written: the clean-up, the rules that pick a mode by application, and the
/// optional rewrite by the chat assistant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DictationSettings {
    /// How dictation is written when no application rule matches.
    pub mode: DictationMode,
    /// Rules `application => mode` (verbatim, clean or mail), first match wins; the
    /// application is its X11 WM_CLASS or Wayland app id, `*` matches any run of characters.
    pub apps: Vec<String>,
    /// Let the chat assistant polish clean and mail dictation (the text leaves the machine
    /// when the chat server is remote).
    pub rewrite: bool,
    /// Longest wait for the rewrite before the local clean-up is typed instead.
    pub rewrite_timeout_ms: u32,
    /// Rewrite kids' dictation too.
    pub rewrite_for_kids: bool,
}

impl Default for DictationSettings {
    fn default() -> Self {
        Self {
            mode: DictationMode::Clean,
            apps: crate::dictation::DEFAULT_APP_RULES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            rewrite: false,
            rewrite_timeout_ms: 2_500,
            rewrite_for_kids: false,
        }
    }
}

/// Global shortcuts, written like `Ctrl+Shift+Space`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HotkeySettings {
    /// Hold to talk.
    pub push_to_talk: String,
    /// Press once to start listening, again to stop.
    pub toggle_listening: String,
    /// Cancel whatever the pipeline is doing.
    pub cancel: String,
}

impl Default for HotkeySettings {
    fn default() -> Self {
        Self {
            push_to_talk: "Ctrl+Shift+Space".into(),
            toggle_listening: "Ctrl+Shift+L".into(),
            cancel: "Ctrl+Shift+Escape".into(),
        }
    }
}

/// Audio device and voice-activity options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AudioSettings {
    /// Capture device name; unset means the system default.
    pub input_device: Option<String>,
    /// Playback device name; unset means the system default.
    pub output_device: Option<String>,
    /// Silence that ends an utterance.
    pub vad_silence_ms: u32,
    /// Longest utterance accepted before capture stops on its own.
    pub max_utterance_s: u32,
    /// Barge-in: while a reply plays, keep listening through the sound server's echo
    /// cancellation, and speaking over the reply stops it and is heard as the next request.
    /// Needs PulseAudio or PipeWire. `auto` has it on in hands-free mode, where the microphone
    /// is open anyway; `on` also keeps the microphone open for it between hotkey presses (the
    /// desktop then shows the microphone in use); `off` does not listen while TonnyTray
    /// speaks. The hotkey and Stop cut a reply either way.
    pub barge_in: BargeIn,
    /// Microphone muted: nothing is recorded on this machine (hotkeys, Talk and hands-free are
    /// refused with a notice and the device is closed) until it is turned off again. The
    /// tray's menu and the dashboard's Home switch it.
    pub muted: bool,
}

/// When TonnyTray listens over its own replies (`audio.barge_in`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BargeIn {
    /// In hands-free mode only: there the microphone is open anyway, so listening over a reply
    /// costs nothing; with hotkeys it would keep the microphone open all day.
    #[default]
    Auto,
    /// Whenever this machine listens (hands-free and hotkeys).
    On,
    /// Never: the microphone is not listened to while TonnyTray speaks.
    Off,
}

impl BargeIn {
    /// Whether to listen over replies in a daemon that is (or is not) hands-free.
    pub fn enabled(self, hands_free: bool) -> bool {
        match self {
            Self::Auto => hands_free,
            Self::On => true,
            Self::Off => false,
        }
    }
}

// Written by hand for one reason: `audio.barge_in` was a boolean, and settings files and
// environment variables that say `true`/`false` keep meaning on/off.
impl<'de> Deserialize<'de> for BargeIn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Switch(bool),
            Name(String),
        }
        match Written::deserialize(d)? {
            Written::Switch(true) => Ok(Self::On),
            Written::Switch(false) => Ok(Self::Off),
            Written::Name(name) => match name.as_str() {
                "auto" => Ok(Self::Auto),
                "on" | "true" => Ok(Self::On),
                "off" | "false" => Ok(Self::Off),
                other => Err(serde::de::Error::unknown_variant(
                    other,
                    &["auto", "on", "off"],
                )),
            },
        }
    }
}

impl Default for AudioSettings {
    fn default() -> Self {
        Self {
            input_device: None,
            output_device: None,
            vad_silence_ms: 800,
            max_utterance_s: 60,
            barge_in: BargeIn::Auto,
            muted: false,
        }
    }
}

/// Conversation context options (the context itself is in memory only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ConversationSettings {
    /// Exchanges remembered for follow-up questions; 0 disables context.
    pub history_length: u32,
    /// Forget the context after this many idle minutes; 0 never forgets.
    pub auto_clear_minutes: u32,
}

impl Default for ConversationSettings {
    fn default() -> Self {
        Self {
            history_length: 10,
            auto_clear_minutes: 5,
        }
    }
}

/// What the history tables keep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HistorySettings {
    /// Store transcripts and replies at all.
    pub enabled: bool,
    /// Delete history, logs and notifications older than this many days; 0 keeps everything.
    pub retention_days: u32,
    /// Keep each dictation's recording after its text was delivered (removed with the rest of
    /// the history after `retention_days`); off deletes it once delivered.
    pub keep_audio: bool,
}

impl Default for HistorySettings {
    fn default() -> Self {
        Self {
            enabled: true,
            retention_days: 90,
            keep_audio: false,
        }
    }
}

/// Scheduled copies of the database, taken by the running daemon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BackupSettings {
    /// Hours between two scheduled backups; 0 takes none.
    pub interval_hours: u32,
    /// How many scheduled backups to keep (the oldest beyond this are deleted).
    pub keep: u32,
}

impl Default for BackupSettings {
    fn default() -> Self {
        Self {
            interval_hours: 24,
            keep: 7,
        }
    }
}

/// Log verbosity, most to least severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Verbose tracing.
    Trace,
    /// Diagnostics.
    Debug,
    /// Normal operation.
    Info,
    /// Something degraded.
    Warn,
    /// Something failed.
    Error,
}

impl LogLevel {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }

    /// Parses a name as written by users (`warn`, `WARNING`, …).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "trace" => Some(LogLevel::Trace),
            "debug" => Some(LogLevel::Debug),
            "info" => Some(LogLevel::Info),
            "warn" | "warning" => Some(LogLevel::Warn),
            "error" => Some(LogLevel::Error),
            _ => None,
        }
    }
}

/// Logging options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// Least severe level recorded.
    pub level: LogLevel,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: LogLevel::Info,
        }
    }
}

/// Colour scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the desktop.
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// The language of the web UI and the tray's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UiLanguage {
    /// The browser's language when TonnyTray has it, else English.
    Auto,
    /// English.
    En,
    /// German (Deutsch).
    De,
}

/// Appearance options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct UiSettings {
    /// Colour scheme.
    pub theme: Theme,
    /// Language of the web UI.
    pub language: UiLanguage,
    /// Whether the first-run wizard has been completed or skipped (the web UI shows it until
    /// then).
    pub setup_done: bool,
}

impl Default for UiSettings {
    fn default() -> Self {
        Self {
            theme: Theme::System,
            language: UiLanguage::Auto,
            setup_done: false,
        }
    }
}

/// Where the daemon (`tonny serve`, the tray) listens for its API and web UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to bind. Loopback by default: the token guards the API, but a household
    /// computer's API has no business on the network.
    pub host: String,
    /// Port (0 picks a free one; `tonny ui-url` prints the address either way).
    pub port: u16,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8787,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn barge_in_reads_its_names_and_the_old_switch() {
        let read =
            |v: serde_json::Value| serde_json::from_value::<BargeIn>(v).map_err(|e| e.to_string());
        assert_eq!(read(serde_json::json!("auto")), Ok(BargeIn::Auto));
        assert_eq!(read(serde_json::json!("on")), Ok(BargeIn::On));
        assert_eq!(read(serde_json::json!(true)), Ok(BargeIn::On));
        assert_eq!(read(serde_json::json!(false)), Ok(BargeIn::Off));
        assert_eq!(read(serde_json::json!("false")), Ok(BargeIn::Off));
        let refused = read(serde_json::json!("sometimes")).unwrap_err();
        assert!(refused.contains("auto"), "{refused}");
        // Hands-free only, unless asked for.
        assert!(BargeIn::Auto.enabled(true) && !BargeIn::Auto.enabled(false));
        assert!(BargeIn::On.enabled(false) && !BargeIn::Off.enabled(true));
    }
}
