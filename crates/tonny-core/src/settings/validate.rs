//! The one place settings values are checked.
//!
//! Hand-written rather than a validation derive: the rules need the dotted key, the accepted range
//! in words, and cross-field checks (the URL policy, agent order), and they fit on one screen.

use std::fmt;
use std::ops::RangeInclusive;

use super::{AgentBackend, Settings};
use crate::endpoint::{EndpointKind, check_endpoint};

/// One rejected field: which, what was given, why, and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// Dotted key, e.g. `audio.vad_silence_ms`.
    pub key: String,
    /// The value as given (settings are not secret).
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
    /// What would be accepted.
    pub accepted: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {:?}: {} (accepted: {})",
            self.key, self.value, self.reason, self.accepted
        )
    }
}

/// Why settings could not be read or changed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// The key does not exist.
    #[error("unknown setting `{key}`{}; `tonny config show` lists every key", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownKey {
        /// The key given.
        key: String,
        /// The closest existing key, if one is close.
        suggestion: Option<String>,
    },
    /// One or more values are out of range or of the wrong type.
    #[error("invalid settings:\n{}", .0.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<FieldError>),
    /// An override from the environment or `.env` file is bad.
    #[error("{origin}: {source}")]
    Override {
        /// Where the override came from (`environment variable TONNY_X`, `.env line 3`).
        origin: String,
        /// What is wrong with it.
        source: Box<SettingsError>,
    },
}

struct Checker {
    errors: Vec<FieldError>,
    /// Every range checked, for the settings schema ([`accepted_ranges`]).
    ranges: Vec<FieldRange>,
}

/// The numbers a field accepts, as the validator checks them: the one source of the sliders
/// and units the UI shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldRange {
    /// Dotted key.
    pub key: String,
    /// Smallest accepted value.
    pub min: f64,
    /// Largest accepted value.
    pub max: f64,
    /// The unit (`ms`, `s`, `days`), if the value has one.
    pub unit: Option<String>,
    /// What 0 means where it is special and outside the range or at its edge ("never").
    pub zero_means: Option<String>,
}

impl FieldRange {
    /// Reads `unit` as the validator writes it (` ms (0 = no live text)`).
    fn new(key: &str, min: f64, max: f64, unit: &str) -> Self {
        let (unit, note) = match unit.find('(') {
            Some(at) => (&unit[..at], Some(&unit[at..])),
            None => (unit, None),
        };
        let unit = unit.trim();
        Self {
            key: key.to_owned(),
            min,
            max,
            unit: (!unit.is_empty()).then(|| unit.to_owned()),
            zero_means: note.and_then(|n| {
                let inner = n.trim().trim_start_matches('(').trim_end_matches(')');
                inner.strip_prefix("0 =").map(|m| m.trim().to_owned())
            }),
        }
    }
}

/// The ranges the validator checks, read from a check of the defaults (a range that applies
/// only when another setting is on is included when the default turns it on).
pub fn accepted_ranges() -> Vec<FieldRange> {
    Settings::default().check().ranges
}

impl Checker {
    fn fail(&mut self, key: &str, value: impl fmt::Display, reason: &str, accepted: &str) {
        self.errors.push(FieldError {
            key: key.to_owned(),
            value: value.to_string(),
            reason: reason.to_owned(),
            accepted: accepted.to_owned(),
        });
    }

    fn range<T: PartialOrd + fmt::Display + Copy>(
        &mut self,
        key: &str,
        value: T,
        range: RangeInclusive<T>,
        unit: &str,
    ) {
        // The bounds as numbers for the schema; every bound here is a plain integer or float,
        // whose text parses back exactly.
        let bound = |b: &T| b.to_string().parse::<f64>().unwrap_or(f64::NAN);
        self.ranges.push(FieldRange::new(
            key,
            bound(range.start()),
            bound(range.end()),
            unit,
        ));
        if !range.contains(&value) {
            let reason = if value < *range.start() {
                "is too small"
            } else {
                "is too large"
            };
            let accepted = format!("{} to {}{unit}", range.start(), range.end());
            self.fail(key, value, reason, &accepted);
        }
    }

    fn timeout(&mut self, key: &str, value: u64) {
        self.range(key, value, 100..=600_000, " ms");
    }

    fn not_blank(&mut self, key: &str, value: &str) {
        if value.trim().is_empty() {
            self.fail(key, value, "is empty", "non-empty text");
        }
    }

    fn endpoint(&mut self, key: &str, value: &str, kind: EndpointKind) {
        if let Err(e) = check_endpoint(value, kind) {
            self.fail(key, value, &e.to_string(), &kind.accepted());
        }
    }

    fn hotkey(&mut self, key: &str, value: &str) {
        if let Err(reason) = check_hotkey(value) {
            self.fail(
                key,
                value,
                &reason,
                "modifiers and one key joined by +, e.g. Ctrl+Shift+Space",
            );
        }
    }
}

const MODIFIERS: &[&str] = &[
    "ctrl", "control", "shift", "alt", "option", "super", "meta", "cmd", "command", "win",
];

/// Accepts `Mod+Mod+Key`: at least one modifier, then one key name.
fn check_hotkey(value: &str) -> Result<(), String> {
    let parts: Vec<&str> = value.split('+').map(str::trim).collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err("has an empty part".into());
    }
    let (key, mods) = parts.split_last().ok_or("is empty")?;
    if mods.is_empty() {
        return Err("has no modifier (a bare key would fire while typing)".into());
    }
    if let Some(m) = mods
        .iter()
        .find(|m| !MODIFIERS.contains(&m.to_ascii_lowercase().as_str()))
    {
        return Err(format!("`{m}` is not a modifier"));
    }
    if MODIFIERS.contains(&key.to_ascii_lowercase().as_str()) {
        return Err("ends with a modifier instead of a key".into());
    }
    Ok(())
}

impl Settings {
    /// Checks every field; returns all problems at once.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let c = self.check();
        if c.errors.is_empty() {
            Ok(())
        } else {
            Err(SettingsError::Invalid(c.errors))
        }
    }

    /// Runs every check, keeping what failed and the ranges checked.
    fn check(&self) -> Checker {
        let mut c = Checker {
            errors: Vec::new(),
            ranges: Vec::new(),
        };

        c.not_blank("stt.model", &self.stt.model);
        let lang = self.stt.language.as_str();
        if lang != "auto" && !(lang.len() == 2 && lang.chars().all(|ch| ch.is_ascii_lowercase())) {
            c.fail(
                "stt.language",
                lang,
                "is not a language code",
                "a two-letter ISO 639-1 code such as en, de, fr, or auto",
            );
        }
        if lang == "auto" && self.stt.model.ends_with(".en") {
            c.fail(
                "stt.language",
                lang,
                "cannot be detected with an English-only model",
                "en (or choose a multilingual model in stt.model)",
            );
        }
        c.range("stt.beam_size", self.stt.beam_size, 1..=10, "");
        for entry in &self.stt.replacements {
            if crate::replacements::Replacements::check(entry).is_err() {
                c.fail(
                    "stt.replacements",
                    entry.clone(),
                    "is not a replacement",
                    "entries written `heard => written`, e.g. tony tray => TonnyTray",
                );
            }
        }
        for entry in &self.dictation.apps {
            if let Err(e) = crate::dictation::AppRules::check(entry) {
                c.fail(
                    "dictation.apps",
                    entry.clone(),
                    &e.to_string(),
                    "entries written `application => mode` with mode verbatim, clean or mail, \
                     e.g. xterm => verbatim",
                );
            }
        }
        c.range(
            "dictation.rewrite_timeout_ms",
            self.dictation.rewrite_timeout_ms,
            100..=30_000,
            " ms",
        );
        c.range("stt.threads", self.stt.threads, 0..=64, " (0 = every core)");
        if self.stt.live_text_ms != 0 {
            c.range(
                "stt.live_text_ms",
                self.stt.live_text_ms,
                200..=10_000,
                " ms (0 = no live text)",
            );
        }
        c.range(
            "stt.unload_after_minutes",
            self.stt.unload_after_minutes,
            0..=1440,
            " minutes (0 = keep the model loaded)",
        );
        c.endpoint(
            "stt.whisperlivekit_url",
            &self.stt.whisperlivekit_url,
            EndpointKind::WebSocket,
        );
        c.endpoint("stt.openai_url", &self.stt.openai_url, EndpointKind::Http);
        c.not_blank("stt.openai_model", &self.stt.openai_model);
        c.timeout("stt.timeout_ms", self.stt.timeout_ms);

        let w = &self.whisperlivekit;
        c.not_blank("whisperlivekit.command", &w.command);
        c.not_blank("whisperlivekit.model", &w.model);
        c.not_blank("whisperlivekit.host", &w.host);
        if w.port == 0 {
            c.fail("whisperlivekit.port", "0", "is not a port", "1–65535");
        }
        for (i, svc) in self.services.extra.iter().enumerate() {
            if svc.name.trim().is_empty() || svc.command.trim().is_empty() {
                c.fail(
                    "services.extra",
                    format!("entry {}", i + 1),
                    "has no name or no command",
                    "objects with name, command and optionally args, health_url, depends_on",
                );
            }
            if let Some(url) = &svc.health_url {
                c.endpoint("services.extra", url, EndpointKind::Http);
            }
        }

        let order = &self.agent.fallback_order;
        if order.is_empty() {
            c.fail(
                "agent.fallback_order",
                "",
                "is empty, so no request could be answered",
                "one or more of local, n8n, chat, rabbitmq",
            );
        }
        let mut seen: Vec<AgentBackend> = Vec::new();
        for b in order {
            if seen.contains(b) {
                c.fail(
                    "agent.fallback_order",
                    super::keys::display_value(&serde_json::to_value(order).unwrap_or_default()),
                    &format!("lists {} twice", b.as_str()),
                    "each backend at most once",
                );
            }
            seen.push(*b);
        }

        c.timeout("n8n.timeout_ms", self.n8n.timeout_ms);

        c.endpoint("chat.base_url", &self.chat.base_url, EndpointKind::Http);
        c.not_blank("chat.model", &self.chat.model);
        if let Some(k) = &self.chat.knowledge_collection {
            c.not_blank("chat.knowledge_collection", k);
        }
        c.timeout("chat.timeout_ms", self.chat.timeout_ms);

        c.not_blank("rabbitmq.exchange", &self.rabbitmq.exchange);
        let rk = &self.rabbitmq.routing_key_template;
        if rk.trim().is_empty() || rk.len() > 255 || rk.contains(char::is_whitespace) {
            c.fail(
                "rabbitmq.routing_key_template",
                rk,
                "is not a usable routing key",
                "1–255 characters without spaces; {profile} is replaced by the profile name",
            );
        }
        c.timeout("rabbitmq.timeout_ms", self.rabbitmq.timeout_ms);

        c.not_blank("tts.voice", &self.tts.voice);
        c.endpoint(
            "tts.elevenlabs_url",
            &self.tts.elevenlabs_url,
            EndpointKind::Http,
        );
        c.not_blank("tts.elevenlabs_voice_id", &self.tts.elevenlabs_voice_id);
        c.not_blank("tts.elevenlabs_model_id", &self.tts.elevenlabs_model_id);
        c.range("tts.stability", self.tts.stability, 0.0..=1.0, "");
        c.range(
            "tts.similarity_boost",
            self.tts.similarity_boost,
            0.0..=1.0,
            "",
        );
        c.range("tts.style", self.tts.style, 0.0..=1.0, "");
        c.range("tts.speed", self.tts.speed, 0.7..=1.2, "");
        c.range("tts.pitch", self.tts.pitch, 0..=99, "");
        c.range(
            "tts.stream_first_words",
            self.tts.stream_first_words,
            0..=20,
            "",
        );
        c.timeout("tts.timeout_ms", self.tts.timeout_ms);

        if self.server.host.parse::<std::net::IpAddr>().is_err() {
            c.fail(
                "server.host",
                &self.server.host,
                "is not an IP address",
                "an address such as 127.0.0.1 (loopback) or ::1",
            );
        }

        c.hotkey("hotkeys.push_to_talk", &self.hotkeys.push_to_talk);
        c.hotkey("hotkeys.toggle_listening", &self.hotkeys.toggle_listening);
        c.hotkey("hotkeys.cancel", &self.hotkeys.cancel);
        let hk = [
            &self.hotkeys.push_to_talk,
            &self.hotkeys.toggle_listening,
            &self.hotkeys.cancel,
        ];
        for (i, a) in hk.iter().enumerate() {
            if hk[..i].iter().any(|b| b.eq_ignore_ascii_case(a)) {
                c.fail(
                    "hotkeys",
                    a,
                    "is bound to two actions",
                    "a different shortcut per action",
                );
            }
        }

        for (key, dev) in [
            ("audio.input_device", &self.audio.input_device),
            ("audio.output_device", &self.audio.output_device),
        ] {
            if let Some(d) = dev {
                c.not_blank(key, d);
            }
        }
        c.range(
            "audio.vad_silence_ms",
            self.audio.vad_silence_ms,
            100..=5_000,
            " ms",
        );
        c.range(
            "audio.max_utterance_s",
            self.audio.max_utterance_s,
            1..=600,
            " s",
        );

        c.range(
            "conversation.history_length",
            self.conversation.history_length,
            0..=100,
            " exchanges",
        );
        c.range(
            "conversation.auto_clear_minutes",
            self.conversation.auto_clear_minutes,
            0..=1_440,
            " minutes (0 = never)",
        );
        c.range(
            "history.retention_days",
            self.history.retention_days,
            0..=36_500,
            " days (0 = keep forever)",
        );

        c.range(
            "backup.interval_hours",
            self.backup.interval_hours,
            0..=8_760,
            " hours (0 = no scheduled backups)",
        );
        c.range("backup.keep", self.backup.keep, 1..=365, " backups");
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Settings::default().validate().unwrap();
    }

    #[test]
    fn out_of_range_value_reports_field_reason_and_range() {
        let mut s = Settings::default();
        s.audio.vad_silence_ms = 20;
        s.tts.speed = 3.0;
        let SettingsError::Invalid(errs) = s.validate().unwrap_err() else {
            panic!()
        };
        assert_eq!(
            errs[0].to_string(),
            "tts.speed = \"3\": is too large (accepted: 0.7 to 1.2)"
        );
        assert_eq!(
            errs[1].to_string(),
            "audio.vad_silence_ms = \"20\": is too small (accepted: 100 to 5000 ms)"
        );
    }

    #[test]
    fn remote_plain_http_chat_url_is_refused() {
        let mut s = Settings::default();
        s.chat.base_url = "http://webui.example.org".into();
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains("chat.base_url"), "{err}");
        assert!(err.contains("use https://"), "{err}");
    }

    #[test]
    fn hotkeys_need_a_modifier_and_must_differ() {
        let mut s = Settings::default();
        s.hotkeys.push_to_talk = "Space".into();
        s.hotkeys.cancel = "Ctrl+Shift+L".into();
        let SettingsError::Invalid(errs) = s.validate().unwrap_err() else {
            panic!()
        };
        assert!(errs.iter().any(|e| e.key == "hotkeys.push_to_talk"));
        assert!(
            errs.iter()
                .any(|e| e.key == "hotkeys" && e.reason.contains("two actions"))
        );
    }

    #[test]
    fn english_only_model_cannot_auto_detect() {
        let mut s = Settings::default();
        s.stt.language = "auto".into();
        assert!(s.validate().is_err());
        s.stt.model = "base".into();
        s.validate().unwrap();
    }
}
