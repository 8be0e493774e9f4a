//! The settings as a form draws them: each key with the kind of control it needs (a switch, a
//! number with its range and unit, a choice among an enum's values, an ordered list of them,
//! free text), what each choice means, its default, and the group a person looks for it in.
//!
//! Generated from [`Settings`]' JSON schema (its types and doc comments) and from the ranges
//! [`Settings::validate`] checks, so a form cannot drift from the code: no option list or range
//! is copied anywhere. Only the grouping is written here, because it is about people, not
//! types.

use serde::Serialize;
use serde_json::Value;

use super::Settings;
use super::keys::flatten;
use super::validate::{FieldRange, accepted_ranges};

/// Where a person looks for a setting, in the order the groups are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettingsGroup {
    /// Hotkeys, microphone, speaker, when a request ends.
    Listening,
    /// The speech model, language, accuracy and speed of recognition.
    Recognition,
    /// How replies sound and where they go.
    Voice,
    /// The assistants requests go to, in order, and the conversation.
    Assistants,
    /// What is kept about the family's requests, and for how long.
    Privacy,
    /// How dictation is typed and written.
    Typing,
    /// The household's own words: names and terms, and their spellings.
    Household,
    /// How the dashboard looks and which language it speaks.
    Appearance,
    /// Everything a person rarely changes: timeouts, threads, services, the server, logs.
    Advanced,
}

/// The control a setting needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// On or off.
    Switch,
    /// A whole number.
    Integer,
    /// A number with a fraction.
    Number,
    /// One of [`FieldSchema::choices`].
    Choice,
    /// An ordered list of [`FieldSchema::choices`] (the agents' fallback order).
    Choices,
    /// A list of free-text entries.
    List,
    /// Free text.
    Text,
}

/// One value an enum setting takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Choice {
    /// The value stored (`wayland`).
    pub value: String,
    /// What it means (its doc comment); empty when it has none.
    pub description: String,
}

/// One setting as a form draws it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldSchema {
    /// Dotted key (`typing.method`).
    pub key: String,
    /// Where it is shown.
    pub group: SettingsGroup,
    /// The control.
    pub kind: FieldKind,
    /// What it is for (its doc comment, on one line).
    pub description: String,
    /// For choices: every value, in the order declared.
    pub choices: Vec<Choice>,
    /// May be left unset (the system default, no limit).
    pub optional: bool,
    /// The accepted numbers, for numbers the validator bounds.
    pub range: Option<FieldRange>,
    /// The default value.
    #[schema(value_type = Object)]
    pub default: Value,
}

/// Keys that belong in [`SettingsGroup::Advanced`] although their section has a group.
const ADVANCED: &[&str] = &[
    "stt.compute_type",
    "stt.threads",
    "stt.timeout_ms",
    "stt.backend",
    "stt.openai_url",
    "stt.openai_model",
    "stt.whisperlivekit_url",
    "tts.threads",
    "tts.timeout_ms",
    "tts.elevenlabs_url",
    "tts.elevenlabs_output_format",
    "tts.elevenlabs_stream_input",
    "tts.stream_first_words",
    "chat.timeout_ms",
    "n8n.timeout_ms",
    "rabbitmq.timeout_ms",
    "rabbitmq.routing_key_template",
    "dictation.rewrite_timeout_ms",
    "ui.setup_done",
];

/// The group of `key`.
pub fn group_of(key: &str) -> SettingsGroup {
    use SettingsGroup::*;
    if ADVANCED.contains(&key) {
        return Advanced;
    }
    if matches!(key, "stt.vocabulary" | "stt.replacements") {
        return Household;
    }
    match key.split('.').next().unwrap_or_default() {
        "hotkeys" | "audio" => Listening,
        "stt" => Recognition,
        "tts" | "response" => Voice,
        "agent" | "chat" | "n8n" | "rabbitmq" | "conversation" => Assistants,
        "history" => Privacy,
        "typing" | "dictation" => Typing,
        "ui" => Appearance,
        _ => Advanced,
    }
}

/// Every setting, in group order and then by key.
pub fn settings_schema() -> Vec<FieldSchema> {
    let schema = serde_json::to_value(schemars::schema_for!(Settings)).expect("schemas serialize");
    let defs = &schema["$defs"];
    let defaults = flatten(&Settings::default());
    let ranges = accepted_ranges();
    let mut fields = Vec::new();
    for (section, prop) in schema["properties"].as_object().into_iter().flatten() {
        for (field, fprop) in resolve(prop, defs)["properties"]
            .as_object()
            .into_iter()
            .flatten()
        {
            let key = format!("{section}.{field}");
            let shape = shape_of(fprop, defs);
            fields.push(FieldSchema {
                group: group_of(&key),
                kind: shape.kind,
                description: one_line(fprop["description"].as_str().unwrap_or_default()),
                choices: shape.choices,
                optional: shape.optional,
                range: ranges.iter().find(|r| r.key == key).cloned(),
                default: defaults.get(&key).cloned().unwrap_or(Value::Null),
                key,
            });
        }
    }
    fields.sort_by(|a, b| (a.group, &a.key).cmp(&(b.group, &b.key)));
    fields
}

/// The control a property needs, its choices, and whether it may be unset.
pub(super) struct Shape {
    pub(super) kind: FieldKind,
    pub(super) choices: Vec<Choice>,
    pub(super) optional: bool,
}

pub(super) fn shape_of(prop: &Value, defs: &Value) -> Shape {
    // `Option<T>`: `anyOf: [T, null]`, or `type: [t, "null"]`.
    if let Some(variants) = prop["anyOf"].as_array() {
        let inner = variants
            .iter()
            .find(|v| v["type"] != "null")
            .unwrap_or(&Value::Null);
        return Shape {
            optional: true,
            ..shape_of(inner, defs)
        };
    }
    let prop = resolve(prop, defs);
    if let Some(choices) = choices_of(prop) {
        return Shape {
            kind: FieldKind::Choice,
            choices,
            optional: false,
        };
    }
    let types: Vec<&str> = match &prop["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let optional = types.contains(&"null");
    let kind = match types.iter().find(|t| **t != "null").copied() {
        Some("boolean") => FieldKind::Switch,
        Some("integer") => FieldKind::Integer,
        Some("number") => FieldKind::Number,
        Some("array") => {
            if let Some(choices) = choices_of(resolve(&prop["items"], defs)) {
                return Shape {
                    kind: FieldKind::Choices,
                    choices,
                    optional,
                };
            }
            FieldKind::List
        }
        _ => FieldKind::Text,
    };
    Shape {
        kind,
        choices: Vec::new(),
        optional,
    }
}

/// An enum's values with their doc comments: `oneOf` of documented constants, or a plain
/// `enum` list.
fn choices_of(prop: &Value) -> Option<Vec<Choice>> {
    if let Some(values) = prop["enum"].as_array() {
        return Some(
            values
                .iter()
                .filter_map(Value::as_str)
                .map(|v| Choice {
                    value: v.to_owned(),
                    description: String::new(),
                })
                .collect(),
        );
    }
    let variants = prop["oneOf"].as_array()?;
    let choices: Vec<Choice> = variants
        .iter()
        .filter_map(|v| {
            let value = v["const"]
                .as_str()
                .or_else(|| v["enum"].as_array()?.first()?.as_str())?;
            Some(Choice {
                value: value.to_owned(),
                description: one_line(v["description"].as_str().unwrap_or_default()),
            })
        })
        .collect();
    (!choices.is_empty()).then_some(choices)
}

/// The schema a `$ref` points to, or the schema itself.
pub(super) fn resolve<'a>(prop: &'a Value, defs: &'a Value) -> &'a Value {
    match prop["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        Some(name) => &defs[name],
        None => prop,
    }
}

pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str) -> FieldSchema {
        settings_schema()
            .into_iter()
            .find(|f| f.key == key)
            .unwrap_or_else(|| panic!("{key} is not in the schema"))
    }

    #[test]
    fn every_key_is_described_once() {
        let keys: Vec<String> = settings_schema().into_iter().map(|f| f.key).collect();
        let mut expected = super::super::keys::key_names();
        let mut got = keys.clone();
        expected.sort();
        got.sort();
        assert_eq!(got, expected);
    }

    #[test]
    fn enums_are_choices_with_their_meanings() {
        let method = field("typing.method");
        assert_eq!(method.kind, FieldKind::Choice);
        let values: Vec<&str> = method.choices.iter().map(|c| c.value.as_str()).collect();
        assert!(
            values.contains(&"auto") && values.contains(&"portal"),
            "{values:?}"
        );
        assert!(method.choices.iter().all(|c| !c.description.is_empty()));
        assert_eq!(method.group, SettingsGroup::Typing);
        assert_eq!(field("agent.fallback_order").kind, FieldKind::Choices);
        assert_eq!(field("audio.barge_in").kind, FieldKind::Choice);
    }

    #[test]
    fn numbers_carry_the_validators_range_and_unit() {
        let silence = field("audio.vad_silence_ms");
        assert_eq!(silence.kind, FieldKind::Integer);
        let range = silence.range.expect("a range");
        assert_eq!((range.min, range.max), (100.0, 5000.0));
        assert_eq!(range.unit.as_deref(), Some("ms"));
        let retention = field("history.retention_days").range.unwrap();
        assert_eq!(retention.zero_means.as_deref(), Some("keep forever"));
        assert_eq!(field("tts.speed").kind, FieldKind::Number);
        assert_eq!(field("history.enabled").kind, FieldKind::Switch);
    }

    #[test]
    fn unset_values_are_optional() {
        let device = field("audio.input_device");
        assert!(device.optional);
        assert_eq!(device.kind, FieldKind::Text);
        assert_eq!(device.default, Value::Null);
    }
}
