//! `app_state` (the active profile) and `pin_failures` (rate limiting wrong admin PINs).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use tonny_core::{Permission, Profile};

use super::{SqliteDb, from_ms, now_ms};
use crate::error::Result;

const ACTIVE: &str = "active_profile";

/// The profile created on first use when the household has none, so TonnyTray works before
/// anyone sets profiles up.
pub const DEFAULT_PROFILE: &str = "Default";

impl SqliteDb {
    /// The name stored as active, if any (it may name a since-deleted profile).
    pub fn active_profile_name(&self) -> Result<Option<String>> {
        self.read("read the active profile", |c| {
            Ok(c.query_row(
                "SELECT value FROM app_state WHERE key = ?1",
                [ACTIVE],
                |r| r.get(0),
            )
            .optional()?)
        })
    }

    /// The active profile: the stored one if it still exists, else the first admin by name,
    /// else the first profile; with no profiles at all, an admin profile called
    /// [`DEFAULT_PROFILE`] is created.
    pub fn active_profile(&self) -> Result<Profile> {
        if let Some(name) = self.active_profile_name()?
            && let Some(p) = self.get_profile(&name)?
        {
            return Ok(p);
        }
        let all = self.list_profiles()?;
        if let Some(p) = all
            .iter()
            .find(|p| p.permission == Permission::Admin)
            .or(all.first())
        {
            return Ok(p.clone());
        }
        let p = Profile::new(DEFAULT_PROFILE, Permission::Admin)?;
        match self.add_profile(&p) {
            // Another process created it first.
            Ok(()) | Err(crate::StoreError::AlreadyExists { .. }) => Ok(p),
            Err(e) => Err(e),
        }
    }

    /// Makes `name` the active profile (it must exist).
    pub fn set_active_profile(&self, name: &str) -> Result<Profile> {
        let p = self
            .get_profile(name)?
            .ok_or_else(|| crate::StoreError::NotFound {
                kind: "profile",
                name: name.to_owned(),
                hint: "tonny profiles list",
            })?;
        self.write("set the active profile", |c| {
            c.execute(
                "INSERT INTO app_state (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                     updated_at = excluded.updated_at",
                params![ACTIVE, p.name, now_ms()],
            )?;
            Ok(())
        })?;
        Ok(p)
    }

    /// Records a wrong admin PIN and returns the failures since `since`, oldest first.
    pub fn record_pin_failure(&self, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
        self.write("record a wrong PIN", |c| {
            c.execute("INSERT INTO pin_failures (at) VALUES (?1)", [now_ms()])?;
            Ok(())
        })?;
        self.pin_failures(since)
    }

    /// Wrong admin PINs since `since`, oldest first.
    pub fn pin_failures(&self, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
        self.read("read wrong PINs", |c| {
            let mut stmt = c.prepare("SELECT at FROM pin_failures WHERE at >= ?1 ORDER BY at")?;
            let rows = stmt.query_map([since.timestamp_millis()], |r| r.get::<_, i64>(0))?;
            Ok(rows
                .map(|r| r.map(from_ms))
                .collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Forgets wrong PINs after a right one.
    pub fn clear_pin_failures(&self) -> Result<()> {
        self.write("clear wrong PINs", |c| {
            c.execute("DELETE FROM pin_failures", [])?;
            Ok(())
        })
    }
}
