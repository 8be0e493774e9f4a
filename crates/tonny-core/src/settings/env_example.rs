//! `.env.example`: every setting as its `TONNY_*` variable, with what it is for, the values it
//! takes and its default, generated from [`Settings`] (its doc comments, read through its JSON
//! schema) so that it cannot drift from the code: a test compares the file at the repository's
//! root with [`env_example`], and `tonny config env-example` prints it.

use serde_json::Value;

use super::Settings;
use super::keys::{display_value, env_var_for, flatten};
use super::schema::{one_line, resolve, shape_of};

const HEADER: &str = "\
# TonnyTray's settings as environment variables, for ~/.config/tonnytray/.env (or a service's
# environment). Every line is commented out: uncomment and change what you need. The environment
# beats .env, which beats what `tonny config set` stored, which beats the default shown here;
# `tonny config show` says which one won and `tonny config validate` checks them.
# Secrets (API keys, webhook and broker URLs) are not settings: `tonny secrets set NAME` keeps
# them in your keychain; for headless use TONNY_<NAME> works too (TONNY_ELEVENLABS_API_KEY).
# Generated from the Settings struct (`tonny config env-example`); do not edit by hand.
";

/// The text of `.env.example`.
pub fn env_example() -> String {
    let schema = serde_json::to_value(schemars::schema_for!(Settings)).expect("schemas serialize");
    let defs = &schema["$defs"];
    let defaults = flatten(&Settings::default());
    let mut out = HEADER.to_owned();
    let sections = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (section, prop) in &sections {
        out.push('\n');
        push_comment(&mut out, &format!("{section}: {}", description(prop)));
        let fields = resolve(prop, defs)["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (field, fprop) in &fields {
            let key = format!("{section}.{field}");
            let mut text = description(fprop);
            if let Some(values) = allowed_values(fprop, defs) {
                text.push_str(&format!(" One of: {}.", values.join(", ")));
            }
            push_comment(&mut out, &text);
            let value = defaults.get(&key).map(env_text).unwrap_or_default();
            out.push_str(&format!("# {}={value}\n", env_var_for(&key)));
        }
    }
    out
}

/// Every settings key without a description (the test wants none).
pub fn undocumented_keys() -> Vec<String> {
    let schema = serde_json::to_value(schemars::schema_for!(Settings)).expect("schemas serialize");
    let defs = &schema["$defs"];
    let mut missing = Vec::new();
    for (section, prop) in schema["properties"].as_object().into_iter().flatten() {
        for (field, fprop) in resolve(prop, defs)["properties"]
            .as_object()
            .into_iter()
            .flatten()
        {
            if description(fprop).is_empty() {
                missing.push(format!("{section}.{field}"));
            }
        }
    }
    missing
}

/// A value as a `.env` line takes it back (`parse_text`): lists of names comma-separated,
/// other lists as JSON, nothing for unset.
fn env_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Array(items) if items.iter().all(Value::is_string) => display_value(v),
        Value::Array(_) => v.to_string(),
        other => display_value(other),
    }
}

/// The doc comment, on one line.
fn description(prop: &Value) -> String {
    one_line(prop["description"].as_str().unwrap_or_default())
}

/// The names an enum field (or a list of them) takes.
fn allowed_values(prop: &Value, defs: &Value) -> Option<Vec<String>> {
    let names: Vec<String> = shape_of(prop, defs)
        .choices
        .into_iter()
        .map(|c| c.value)
        .collect();
    (!names.is_empty()).then_some(names)
}

/// Appends `text` as `# ` comment lines of at most 100 characters.
fn push_comment(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > 100 && line.len() > 1 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    if line.len() > 1 {
        out.push_str(&line);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn committed_path() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.env.example")
    }

    #[test]
    fn the_committed_env_example_is_generated_from_the_settings() {
        let text = env_example();
        if std::env::var_os("TONNY_UPDATE_ENV_EXAMPLE").is_some() {
            std::fs::write(committed_path(), &text).unwrap();
        }
        let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
        assert!(
            committed == text,
            ".env.example is out of date: run TONNY_UPDATE_ENV_EXAMPLE=1 cargo test --workspace \
             -- the_committed_env_example"
        );
    }

    #[test]
    fn every_setting_is_described_and_every_line_reads_back_as_the_default() {
        assert_eq!(undocumented_keys(), Vec::<String>::new());
        let text = env_example();
        let vars: Vec<(String, String)> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# TONNY_"))
            .map(|l| {
                let (k, v) = l.split_once('=').unwrap();
                (format!("TONNY_{k}"), v.to_owned())
            })
            .collect();
        assert_eq!(
            vars.len(),
            super::super::key_names().len(),
            "one line per key"
        );
        let loaded = Settings::load(&BTreeMap::new(), None, vars).unwrap();
        assert!(
            loaded.unmatched_env.is_empty(),
            "{:?}",
            loaded.unmatched_env
        );
        assert_eq!(loaded.settings, Settings::default());
        // Enums list their values.
        assert!(
            text.contains("One of: embedded, whisperlivekit, openai."),
            "{text}"
        );
    }
}
