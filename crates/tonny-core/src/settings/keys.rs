//! Dotted keys (`section.field`): listing them, reading one, parsing a user's text into the
//! right JSON type, and applying a set of overrides to the defaults.
//!
//! The key list is derived from the serialized defaults, so adding a field to [`Settings`] is
//! the only step needed to make it settable, storable and overridable by environment.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::Settings;
use super::validate::{FieldError, SettingsError};

/// Every settings key, sorted (`agent.fallback_order`, `audio.input_device`, …).
pub fn key_names() -> Vec<String> {
    flatten(&Settings::default()).into_keys().collect()
}

/// The environment variable that overrides `key`: `audio.vad_silence_ms` → `TONNY_AUDIO_VAD_SILENCE_MS`.
pub fn env_var_for(key: &str) -> String {
    format!("TONNY_{}", key.replace('.', "_").to_ascii_uppercase())
}

/// The settings as `key → JSON value`, one entry per leaf field.
pub(crate) fn flatten(settings: &Settings) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let Value::Object(sections) =
        serde_json::to_value(settings).expect("Settings always serializes")
    else {
        unreachable!("Settings serializes to an object")
    };
    for (section, fields) in sections {
        let Value::Object(fields) = fields else {
            unreachable!("every section is a struct")
        };
        for (field, value) in fields {
            out.insert(format!("{section}.{field}"), value);
        }
    }
    out
}

/// The candidate most similar to `wanted`, if any is reasonably close.
fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a String>) -> Option<String> {
    candidates
        .into_iter()
        .map(|k| (strsim::jaro_winkler(k, wanted), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.clone())
}

/// The settings variable most like `name` (a mistyped `TONNY_*` variable), if one is close.
pub fn closest_env_var(name: &str) -> Option<String> {
    let vars: Vec<String> = key_names().iter().map(|k| env_var_for(k)).collect();
    closest(name, &vars)
}

/// Fails with a "did you mean" hint when `key` is not a settings key.
pub(crate) fn check_known(key: &str) -> Result<(), SettingsError> {
    let keys = key_names();
    if keys.iter().any(|k| k == key) {
        return Ok(());
    }
    Err(SettingsError::UnknownKey {
        key: key.to_owned(),
        suggestion: closest(key, &keys),
    })
}

/// Turns text typed by a user (CLI argument, environment variable, `.env` line) into the JSON
/// type the key holds, judged from the key's default value.
pub(crate) fn parse_text(key: &str, raw: &str) -> Result<Value, SettingsError> {
    check_known(key)?;
    let default = flatten(&Settings::default())
        .remove(key)
        .expect("checked above");
    let trimmed = raw.trim();
    let bad = |reason: &str, accepted: &str| {
        SettingsError::Invalid(vec![FieldError {
            key: key.to_owned(),
            value: raw.to_owned(),
            reason: reason.to_owned(),
            accepted: accepted.to_owned(),
        }])
    };
    Ok(match default {
        Value::Bool(_) => match trimmed.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Value::Bool(true),
            "false" | "no" | "off" | "0" => Value::Bool(false),
            _ => return Err(bad("is not a yes/no value", "true or false")),
        },
        Value::Number(_) => match serde_json::from_str::<Value>(trimmed) {
            Ok(v @ Value::Number(_)) => v,
            _ => return Err(bad("is not a number", "a number")),
        },
        Value::Array(_) if trimmed.starts_with('[') => serde_json::from_str(trimmed)
            .map_err(|_| bad("is not a JSON list", "a JSON list or comma-separated names"))?,
        Value::Array(_) => Value::Array(
            trimmed
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
        // Optional text: empty means "unset".
        Value::Null if trimmed.is_empty() => Value::Null,
        Value::Null | Value::String(_) => Value::String(raw.to_owned()),
        Value::Object(_) => unreachable!("settings have two levels"),
    })
}

/// Applies `overrides` (key → value) on top of `base` and deserializes the result, reporting
/// type errors per field. Does not run range validation.
pub(crate) fn apply(
    base: &Settings,
    overrides: &BTreeMap<String, Value>,
) -> Result<Settings, SettingsError> {
    let mut tree = serde_json::to_value(base).expect("Settings always serializes");
    for (key, value) in overrides {
        check_known(key)?;
        let (section, field) = key.split_once('.').expect("known keys are dotted");
        let Some(Value::Object(fields)) = tree.get_mut(section) else {
            unreachable!("known section")
        };
        fields.insert(field.to_owned(), value.clone());
    }
    let mut errors = Vec::new();
    // Deserialize section by section so that every bad field is reported, not just the first.
    let Value::Object(sections) = tree else {
        unreachable!()
    };
    let mut good = Map::new();
    for (section, fields) in sections {
        let probe = Value::Object(Map::from_iter([(section.clone(), fields.clone())]));
        match serde_path_to_error::deserialize::<_, Settings>(probe) {
            Ok(_) => {
                good.insert(section, fields);
            }
            Err(e) => {
                let key = e.path().to_string();
                let value = key
                    .split_once('.')
                    .and_then(|(_, f)| fields.get(f))
                    .map(display_value)
                    .unwrap_or_default();
                let (reason, accepted) = explain_serde(&e.into_inner().to_string());
                errors.push(FieldError {
                    key,
                    value,
                    reason,
                    accepted,
                });
            }
        }
    }
    if !errors.is_empty() {
        return Err(SettingsError::Invalid(errors));
    }
    Ok(serde_json::from_value(Value::Object(good)).expect("every section deserialized"))
}

/// A value as a user would type it (strings unquoted).
pub(crate) fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "(unset)".into(),
        Value::Array(items) => items
            .iter()
            .map(display_value)
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

/// Splits serde's "unknown variant `x`, expected one of `a`, `b`" into a reason and the
/// accepted values, and names Rust integer types in words.
fn explain_serde(msg: &str) -> (String, String) {
    let (reason, expected) = match msg.split_once(", expected ") {
        Some((r, e)) => (r.to_owned(), e.to_owned()),
        None => (msg.to_owned(), String::new()),
    };
    let reason = reason.replace("unknown variant", "unknown value");
    let accepted = match expected.as_str() {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number ≥ 0".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a boolean" => "true or false".to_owned(),
        "a string" => "text".to_owned(),
        "" => "see `tonny config show`".to_owned(),
        other => other.to_owned(),
    };
    (reason, accepted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_two_level_and_env_names_do_not_collide() {
        let keys = key_names();
        assert!(keys.contains(&"audio.vad_silence_ms".to_owned()));
        assert!(keys.iter().all(|k| k.matches('.').count() == 1));
        let mut envs: Vec<_> = keys.iter().map(|k| env_var_for(k)).collect();
        envs.sort();
        envs.dedup();
        assert_eq!(envs.len(), keys.len());
        assert_eq!(
            env_var_for("audio.vad_silence_ms"),
            "TONNY_AUDIO_VAD_SILENCE_MS"
        );
    }

    #[test]
    fn text_is_parsed_by_the_type_of_the_default() {
        assert_eq!(
            parse_text("audio.vad_silence_ms", "650").unwrap(),
            Value::from(650)
        );
        assert_eq!(
            parse_text("chat.stream", "off").unwrap(),
            Value::Bool(false)
        );
        assert_eq!(
            parse_text("agent.fallback_order", "n8n, local").unwrap(),
            serde_json::json!(["n8n", "local"])
        );
        assert_eq!(parse_text("audio.input_device", "").unwrap(), Value::Null);
        assert_eq!(
            parse_text("chat.model", "1234").unwrap(),
            Value::from("1234")
        );
    }

    #[test]
    fn mistyped_environment_variable_gets_a_suggestion() {
        assert_eq!(
            closest_env_var("TONNY_AUDIO_VAD_SILENCE").as_deref(),
            Some("TONNY_AUDIO_VAD_SILENCE_MS")
        );
        assert_eq!(closest_env_var("PATH"), None);
    }

    #[test]
    fn unknown_key_suggests_the_closest_one() {
        let err = parse_text("audio.vad_silense_ms", "1").unwrap_err();
        match err {
            SettingsError::UnknownKey { suggestion, .. } => {
                assert_eq!(suggestion.as_deref(), Some("audio.vad_silence_ms"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn type_errors_name_every_bad_field_with_accepted_values() {
        let overrides = BTreeMap::from([
            ("stt.backend".to_owned(), Value::from("whisper")),
            ("audio.vad_silence_ms".to_owned(), Value::from(-5)),
        ]);
        let SettingsError::Invalid(errors) = apply(&Settings::default(), &overrides).unwrap_err()
        else {
            panic!()
        };
        assert_eq!(errors.len(), 2, "{errors:?}");
        let stt = errors.iter().find(|e| e.key == "stt.backend").unwrap();
        assert!(stt.accepted.contains("`whisperlivekit`"), "{stt:?}");
        assert_eq!(stt.value, "whisper");
        let vad = errors
            .iter()
            .find(|e| e.key == "audio.vad_silence_ms")
            .unwrap();
        assert_eq!(vad.accepted, "a whole number ≥ 0");
    }
}
