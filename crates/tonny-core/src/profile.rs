//! Family profiles: who is speaking and what they may do.
//!
//! A profile carries a permission level, glob patterns of commands it may or may not run, an
//! optional daily request limit and quiet hours (for kids), and an optional parental PIN stored
//! only as an argon2 hash.

use std::fmt;
use std::str::FromStr;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand_core::OsRng;
use serde::{Deserialize, Serialize};

/// What a profile is trusted to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// Everything, including managing profiles and settings.
    Admin,
    /// Everything except managing other profiles.
    User,
    /// Only allowed commands, within limits and outside quiet hours.
    Kid,
    /// Local, harmless commands only.
    Guest,
}

impl Permission {
    /// The lowercase name used in the CLI and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Admin => "admin",
            Permission::User => "user",
            Permission::Kid => "kid",
            Permission::Guest => "guest",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = ProfileError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "admin" => Ok(Permission::Admin),
            "user" => Ok(Permission::User),
            "kid" | "child" => Ok(Permission::Kid),
            "guest" => Ok(Permission::Guest),
            _ => Err(ProfileError::Permission(s.to_owned())),
        }
    }
}

/// A time-of-day window (`21:00-07:00`, may wrap past midnight) when a profile is not served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct QuietHours {
    /// Minutes after midnight the window starts.
    pub start_min: u16,
    /// Minutes after midnight the window ends.
    pub end_min: u16,
}

impl FromStr for QuietHours {
    type Err = ProfileError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ProfileError::QuietHours(s.to_owned());
        let parse = |t: &str| -> Option<u16> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60).then_some(h * 60 + m)
        };
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let (start_min, end_min) = (parse(a).ok_or_else(bad)?, parse(b).ok_or_else(bad)?);
        if start_min == end_min {
            return Err(bad());
        }
        Ok(Self { start_min, end_min })
    }
}

impl TryFrom<String> for QuietHours {
    type Error = ProfileError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<QuietHours> for String {
    fn from(q: QuietHours) -> String {
        q.to_string()
    }
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start_min / 60,
            self.start_min % 60,
            self.end_min / 60,
            self.end_min % 60
        )
    }
}

/// A family member's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Unique display name (case-insensitive).
    pub name: String,
    /// Trust level.
    pub permission: Permission,
    /// Glob patterns of commands this profile may run (`timer *`); empty means "any not blocked".
    pub allowed_commands: Vec<String>,
    /// Glob patterns of commands this profile may never run; checked before the allow list.
    pub blocked_commands: Vec<String>,
    /// Most requests per day, if limited.
    pub daily_limit: Option<u32>,
    /// When the profile is not served, if ever.
    pub quiet_hours: Option<QuietHours>,
    /// Speaker-identification id that selects this profile automatically.
    pub speaker_id: Option<String>,
    /// Voice used for replies to this profile, overriding `tts.voice`.
    pub tts_voice: Option<String>,
    /// Names and terms this person uses, expected besides the household's (`stt.vocabulary`)
    /// while the profile is active.
    #[serde(default)]
    pub vocabulary: Vec<String>,
    /// This person's `heard => written` replacements, applied after the household's
    /// (`stt.replacements`) while the profile is active.
    #[serde(default)]
    pub replacements: Vec<String>,
    /// The language this person speaks (ISO 639-1, e.g. `de`), fixed for recognition in
    /// place of `stt.language` while the profile is active; `None`: the household's.
    #[serde(default)]
    pub language: Option<String>,
    /// Argon2 PHC hash of the parental PIN; the PIN itself is never stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin_hash: Option<String>,
}

/// Why a profile or one of its fields was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// Bad name.
    #[error(
        "profile name {0:?} is not usable: use 1–32 letters, digits, spaces, '-' or '_', starting with a letter or digit"
    )]
    Name(String),
    /// Unknown permission.
    #[error("unknown permission {0:?}; use one of admin, user, kid, guest")]
    Permission(String),
    /// A command pattern is not a valid glob.
    #[error("command pattern {pattern:?} is not a valid glob: {reason}")]
    Pattern {
        /// The pattern given.
        pattern: String,
        /// The glob parser's complaint.
        reason: String,
    },
    /// Bad quiet-hours window.
    #[error(
        "quiet hours {0:?} are not a window: use HH:MM-HH:MM, e.g. 20:30-07:00 (start and end must differ)"
    )]
    QuietHours(String),
    /// The PIN does not meet the rules; the PIN itself is not repeated.
    #[error("the PIN must be 4 to 8 digits")]
    PinFormat,
    /// Hashing failed (should not happen).
    #[error("could not hash the PIN: {0}")]
    PinHash(String),
    /// A daily limit of zero would block the profile entirely.
    #[error("a daily limit must be at least 1 (leave it unset for no limit)")]
    DailyLimit,
    /// A replacement is not `heard => written`.
    #[error("{0}")]
    Replacement(String),
    /// Not a two-letter language code.
    #[error("{0:?} is not a language code: use a two-letter ISO 639-1 code such as en, de, fr")]
    Language(String),
}

impl Profile {
    /// A new profile with no patterns, limits or PIN.
    pub fn new(name: &str, permission: Permission) -> Result<Self, ProfileError> {
        let p = Self {
            name: name.trim().to_owned(),
            permission,
            allowed_commands: Vec::new(),
            blocked_commands: Vec::new(),
            daily_limit: None,
            quiet_hours: None,
            speaker_id: None,
            tts_voice: None,
            vocabulary: Vec::new(),
            replacements: Vec::new(),
            language: None,
            pin_hash: None,
        };
        p.validate()?;
        Ok(p)
    }

    /// Checks the name, every pattern and the limit.
    pub fn validate(&self) -> Result<(), ProfileError> {
        check_name(&self.name)?;
        for pattern in self.allowed_commands.iter().chain(&self.blocked_commands) {
            globset::Glob::new(pattern).map_err(|e| ProfileError::Pattern {
                pattern: pattern.clone(),
                reason: e.kind().to_string(),
            })?;
            if pattern.trim().is_empty() {
                return Err(ProfileError::Pattern {
                    pattern: pattern.clone(),
                    reason: "it is empty".into(),
                });
            }
        }
        if self.daily_limit == Some(0) {
            return Err(ProfileError::DailyLimit);
        }
        for entry in &self.replacements {
            crate::replacements::Replacements::check(entry)
                .map_err(|e| ProfileError::Replacement(e.to_string()))?;
        }
        if let Some(lang) = &self.language
            && !(lang.len() == 2 && lang.chars().all(|c| c.is_ascii_lowercase()))
        {
            return Err(ProfileError::Language(lang.clone()));
        }
        Ok(())
    }

    /// Sets the parental PIN (4–8 digits), storing only its argon2 hash.
    pub fn set_pin(&mut self, pin: &str) -> Result<(), ProfileError> {
        if !(4..=8).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
            return Err(ProfileError::PinFormat);
        }
        let salt = SaltString::generate(&mut OsRng);
        let hash = Argon2::default()
            .hash_password(pin.as_bytes(), &salt)
            .map_err(|e| ProfileError::PinHash(e.to_string()))?;
        self.pin_hash = Some(hash.to_string());
        Ok(())
    }

    /// True when `pin` matches the stored hash; false when there is no PIN.
    pub fn verify_pin(&self, pin: &str) -> bool {
        let Some(stored) = &self.pin_hash else {
            return false;
        };
        PasswordHash::new(stored)
            .map(|h| {
                Argon2::default()
                    .verify_password(pin.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

fn check_name(name: &str) -> Result<(), ProfileError> {
    let ok = (1..=32).contains(&name.chars().count())
        && name.chars().next().is_some_and(char::is_alphanumeric)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ProfileError::Name(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_is_stored_as_argon2_hash_and_verifies() {
        let mut p = Profile::new("Mia", Permission::Kid).unwrap();
        p.set_pin("4821").unwrap();
        let hash = p.pin_hash.clone().unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains("4821"));
        assert!(p.verify_pin("4821"));
        assert!(!p.verify_pin("4822"));
        assert_eq!(p.set_pin("12a4"), Err(ProfileError::PinFormat));
        assert_eq!(p.set_pin("123"), Err(ProfileError::PinFormat));
    }

    #[test]
    fn bad_names_patterns_and_limits_are_refused() {
        assert!(Profile::new("", Permission::User).is_err());
        assert!(Profile::new("-dash", Permission::User).is_err());
        assert!(Profile::new("Grandma Jo", Permission::Guest).is_ok());
        let mut p = Profile::new("Leo", Permission::Kid).unwrap();
        p.blocked_commands.push("buy [".into());
        assert!(matches!(p.validate(), Err(ProfileError::Pattern { .. })));
        p.blocked_commands = vec!["buy *".into()];
        p.daily_limit = Some(0);
        assert_eq!(p.validate(), Err(ProfileError::DailyLimit));
    }

    #[test]
    fn quiet_hours_parse_and_wrap_midnight() {
        let q: QuietHours = "20:30-07:00".parse().unwrap();
        assert_eq!((q.start_min, q.end_min), (1230, 420));
        assert_eq!(q.to_string(), "20:30-07:00");
        assert!("25:00-07:00".parse::<QuietHours>().is_err());
        assert!("07:00-07:00".parse::<QuietHours>().is_err());
    }

    #[test]
    fn permission_parses_case_insensitively() {
        assert_eq!("KID".parse::<Permission>().unwrap(), Permission::Kid);
        assert!("root".parse::<Permission>().is_err());
    }
}

/// Wrong admin PINs allowed in a row before TonnyTray makes the person wait.
pub const FREE_PIN_ATTEMPTS: usize = 3;

/// How far back wrong PINs count.
pub const PIN_FAILURE_WINDOW: chrono::Duration = chrono::Duration::hours(1);

/// How long someone must still wait before trying a PIN again, given the wrong PINs of the last
/// [`PIN_FAILURE_WINDOW`] (oldest first). Three tries are free; then 30 s after the third
/// wrong one, doubling with each further one up to 15 minutes, so a child cannot guess a
/// four-digit PIN in an afternoon.
pub fn pin_wait(
    failures: &[chrono::DateTime<chrono::Utc>],
    now: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::Duration> {
    let recent: Vec<_> = failures
        .iter()
        .filter(|t| now - **t < PIN_FAILURE_WINDOW)
        .collect();
    let over = recent.len().checked_sub(FREE_PIN_ATTEMPTS)?;
    let wait = chrono::Duration::seconds(30 << over.min(5)).min(chrono::Duration::minutes(15));
    let until = **recent.last()? + wait;
    (until > now).then(|| until - now)
}

#[cfg(test)]
mod pin_wait_tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn three_tries_are_free_then_waits_double() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        let fails = |n: i64| {
            (0..n)
                .map(|i| t0 + Duration::seconds(i))
                .collect::<Vec<_>>()
        };
        let last = |n: i64| t0 + Duration::seconds(n - 1);
        assert_eq!(pin_wait(&fails(2), last(2)), None);
        assert_eq!(pin_wait(&fails(3), last(3)), Some(Duration::seconds(30)));
        assert_eq!(pin_wait(&fails(4), last(4)), Some(Duration::seconds(60)));
        assert_eq!(pin_wait(&fails(12), last(12)), Some(Duration::minutes(15)));
        assert_eq!(pin_wait(&fails(3), last(3) + Duration::seconds(31)), None);
        assert_eq!(
            pin_wait(&fails(5), last(5) + Duration::hours(2)),
            None,
            "old failures are forgotten"
        );
    }
}
