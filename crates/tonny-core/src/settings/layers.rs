//! Layering: defaults, then values stored in the database, then the `.env` file, then the
//! process environment. Each key remembers which layer it came from, so `tonny config show`
//! can say why a value is what it is.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::keys::{apply, check_known, env_var_for, flatten, key_names, parse_text};
use super::{Settings, SettingsError};

/// Which layer a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The built-in default.
    Default,
    /// `tonny config set` (the database `settings` table).
    Database,
    /// The `.env` file in the config directory.
    DotEnv,
    /// A `TONNY_*` environment variable.
    Environment,
}

impl Source {
    /// Lowercase name for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::Database => "database",
            Source::DotEnv => ".env",
            Source::Environment => "environment",
        }
    }
}

/// The effective settings and where each value came from.
#[derive(Debug, Clone)]
pub struct LoadedSettings {
    /// The effective, validated settings.
    pub settings: Settings,
    /// Layer of each key.
    pub sources: BTreeMap<String, Source>,
    /// Stored values that were ignored (unknown key, or no longer valid), with the reason.
    pub warnings: Vec<String>,
    /// `TONNY_*` names in the environment or `.env` that are not settings (could be typos, or
    /// names other modules read, such as secrets).
    pub unmatched_env: Vec<String>,
}

impl Settings {
    /// Builds the effective settings from stored values, an optional `.env` file and the given
    /// environment (pass `std::env::vars()`).
    pub fn load(
        stored: &BTreeMap<String, Value>,
        dotenv: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<LoadedSettings, SettingsError> {
        let mut sources: BTreeMap<String, Source> = key_names()
            .into_iter()
            .map(|k| (k, Source::Default))
            .collect();
        let mut warnings = Vec::new();
        let mut unmatched_env = Vec::new();

        // Stored values were validated when they were set; one that no longer is (a newer
        // version's key, a range that tightened) is skipped with a warning, not fatal, so an
        // old database never locks the user out.
        let mut usable: BTreeMap<String, Value> = BTreeMap::new();
        for (key, value) in stored {
            match check_known(key) {
                Ok(()) => {
                    usable.insert(key.clone(), value.clone());
                }
                Err(e) => warnings.push(format!("ignored stored setting: {e}")),
            }
        }
        let mut settings = loop {
            let attempt = apply(&Settings::default(), &usable).and_then(|s| {
                s.validate()?;
                Ok(s)
            });
            match attempt {
                Ok(s) => break s,
                Err(SettingsError::Invalid(errors)) => {
                    for e in errors {
                        if usable.remove(&e.key).is_some() {
                            warnings.push(format!(
                                "ignored stored setting {e}; run `tonny config reset {}`",
                                e.key
                            ));
                        }
                    }
                    if usable.is_empty() {
                        break Settings::default();
                    }
                }
                Err(other) => return Err(other),
            }
        };
        for key in usable.keys() {
            sources.insert(key.clone(), Source::Database);
        }

        let by_env: BTreeMap<String, String> = key_names()
            .into_iter()
            .map(|k| (env_var_for(&k), k))
            .collect();
        let mut overrides: Vec<(String, String, String, Source)> = Vec::new();
        if let Some(path) = dotenv.filter(|p| p.exists()) {
            let iter = dotenvy::from_path_iter(path).map_err(|e| SettingsError::Override {
                origin: format!("{}", path.display()),
                source: Box::new(SettingsError::Invalid(vec![super::FieldError {
                    key: "(file)".into(),
                    value: String::new(),
                    reason: e.to_string(),
                    accepted: "KEY=value lines".into(),
                }])),
            })?;
            for (n, item) in iter.enumerate() {
                let (name, value) = item.map_err(|e| SettingsError::Override {
                    origin: format!("{} entry {}", path.display(), n + 1),
                    source: Box::new(SettingsError::Invalid(vec![super::FieldError {
                        key: "(line)".into(),
                        value: String::new(),
                        reason: e.to_string(),
                        accepted: "KEY=value".into(),
                    }])),
                })?;
                overrides.push((
                    name,
                    value,
                    format!(".env file {}", path.display()),
                    Source::DotEnv,
                ));
            }
        }
        for (name, value) in env {
            if name.starts_with("TONNY_") {
                let origin = format!("environment variable {name}");
                overrides.push((name, value, origin, Source::Environment));
            }
        }
        for (name, raw, origin, source) in overrides {
            let Some(key) = by_env.get(&name) else {
                if name.starts_with("TONNY_") && !unmatched_env.contains(&name) {
                    unmatched_env.push(name);
                }
                continue;
            };
            let wrap = |e: SettingsError| SettingsError::Override {
                origin: origin.clone(),
                source: Box::new(e),
            };
            let value = parse_text(key, &raw).map_err(wrap)?;
            let patched =
                apply(&settings, &BTreeMap::from([(key.clone(), value)])).map_err(wrap)?;
            patched.validate().map_err(wrap)?;
            settings = patched;
            sources.insert(key.clone(), source);
        }

        Ok(LoadedSettings {
            settings,
            sources,
            warnings,
            unmatched_env,
        })
    }

    /// Every key with its current value.
    pub fn to_flat(&self) -> BTreeMap<String, Value> {
        flatten(self)
    }

    /// The current value of one key.
    pub fn get(&self, key: &str) -> Result<Value, SettingsError> {
        check_known(key)?;
        Ok(flatten(self).remove(key).expect("known key"))
    }

    /// Parses text typed by a user into the JSON type `key` holds.
    pub fn parse_text(key: &str, raw: &str) -> Result<Value, SettingsError> {
        parse_text(key, raw)
    }

    /// A copy with `key` set to `value`, fully validated. Nothing is changed on error.
    pub fn with_value(&self, key: &str, value: Value) -> Result<Settings, SettingsError> {
        let patched = apply(self, &BTreeMap::from([(key.to_owned(), value)]))?;
        patched.validate()?;
        Ok(patched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn environment_beats_dotenv_beats_database_beats_default() {
        let stored = BTreeMap::from([
            ("audio.vad_silence_ms".to_owned(), Value::from(700)),
            ("conversation.history_length".to_owned(), Value::from(3)),
        ]);
        let mut dotenv = tempfile::NamedTempFile::new().unwrap();
        writeln!(
            dotenv,
            "TONNY_AUDIO_VAD_SILENCE_MS=900\nTONNY_TTS_SPEED=1.1\nTONNY_NOT_A_SETTING=1"
        )
        .unwrap();
        let env = vec![("TONNY_TTS_SPEED".to_owned(), "0.9".to_owned())];
        let loaded = Settings::load(&stored, Some(dotenv.path()), env).unwrap();
        assert_eq!(loaded.settings.audio.vad_silence_ms, 900);
        assert_eq!(loaded.settings.tts.speed, 0.9);
        assert_eq!(loaded.settings.conversation.history_length, 3);
        assert_eq!(loaded.sources["audio.vad_silence_ms"], Source::DotEnv);
        assert_eq!(loaded.sources["tts.speed"], Source::Environment);
        assert_eq!(
            loaded.sources["conversation.history_length"],
            Source::Database
        );
        assert_eq!(loaded.sources["ui.theme"], Source::Default);
        assert_eq!(loaded.unmatched_env, vec!["TONNY_NOT_A_SETTING".to_owned()]);
    }

    #[test]
    fn bad_environment_override_names_its_origin_and_range() {
        let env = vec![("TONNY_AUDIO_VAD_SILENCE_MS".to_owned(), "10".to_owned())];
        let err = Settings::load(&BTreeMap::new(), None, env).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("environment variable TONNY_AUDIO_VAD_SILENCE_MS"),
            "{text}"
        );
        assert!(text.contains("100 to 5000 ms"), "{text}");
    }

    #[test]
    fn stale_stored_values_are_skipped_with_a_warning() {
        let stored = BTreeMap::from([
            ("audio.vad_silence_ms".to_owned(), Value::from(5)),
            ("old.removed".to_owned(), Value::from(true)),
            ("ui.theme".to_owned(), Value::from("dark")),
        ]);
        let loaded = Settings::load(&stored, None, Vec::new()).unwrap();
        assert_eq!(loaded.settings.audio.vad_silence_ms, 800);
        assert_eq!(loaded.settings.ui.theme, super::super::Theme::Dark);
        assert_eq!(loaded.warnings.len(), 2, "{:?}", loaded.warnings);
    }

    #[test]
    fn with_value_validates_and_leaves_the_original_alone() {
        let s = Settings::default();
        assert!(s.with_value("tts.stability", Value::from(1.5)).is_err());
        let t = s.with_value("tts.stability", Value::from(0.25)).unwrap();
        assert_eq!(t.tts.stability, 0.25);
        assert_eq!(s.tts.stability, 0.5);
    }
}
