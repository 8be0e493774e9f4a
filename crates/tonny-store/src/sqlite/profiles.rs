//! The `profiles` table.

use rusqlite::{Connection, OptionalExtension, Row, params};
use tonny_core::profile::QuietHours;
use tonny_core::{Permission, Profile};

use super::{SqliteDb, now_ms};
use crate::error::{Result, StoreError};

const COLUMNS: &str = "name, permission, allowed_commands, blocked_commands, daily_limit, \
                       quiet_hours, speaker_id, tts_voice, pin_hash, vocabulary, replacements, \
                       language";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Profile> {
    let json_list = |i: usize| -> rusqlite::Result<Vec<String>> {
        let s: String = r.get(i)?;
        serde_json::from_str(&s).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
        })
    };
    let permission: String = r.get(1)?;
    let quiet: Option<String> = r.get(5)?;
    Ok(Profile {
        name: r.get(0)?,
        // The column is CHECKed to these four values.
        permission: permission.parse().unwrap_or(Permission::Guest),
        allowed_commands: json_list(2)?,
        blocked_commands: json_list(3)?,
        daily_limit: r.get(4)?,
        quiet_hours: quiet.and_then(|q| q.parse::<QuietHours>().ok()),
        speaker_id: r.get(6)?,
        tts_voice: r.get(7)?,
        pin_hash: r.get(8)?,
        vocabulary: json_list(9)?,
        replacements: json_list(10)?,
        language: r.get(11)?,
    })
}

fn admins_other_than(c: &Connection, name: &str) -> rusqlite::Result<i64> {
    c.query_row(
        "SELECT count(*) FROM profiles WHERE permission = 'admin' AND name <> ?1",
        [name],
        |r| r.get(0),
    )
}

fn not_found(name: &str) -> StoreError {
    StoreError::NotFound {
        kind: "profile",
        name: name.to_owned(),
        hint: "tonny profiles list",
    }
}

impl SqliteDb {
    /// All profiles, by name.
    pub fn list_profiles(&self) -> Result<Vec<Profile>> {
        self.read("list profiles", |c| {
            let mut stmt = c.prepare(&format!("SELECT {COLUMNS} FROM profiles ORDER BY name"))?;
            let rows = stmt.query_map([], from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// One profile by name (case-insensitive).
    pub fn get_profile(&self, name: &str) -> Result<Option<Profile>> {
        self.read("read a profile", |c| {
            Ok(c.query_row(
                &format!("SELECT {COLUMNS} FROM profiles WHERE name = ?1"),
                [name],
                from_row,
            )
            .optional()?)
        })
    }

    /// Adds a profile.
    pub fn add_profile(&self, p: &Profile) -> Result<()> {
        p.validate()?;
        self.write("add a profile", |c| {
            let now = now_ms();
            let res = c.execute(
                &format!("INSERT INTO profiles ({COLUMNS}, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)"),
                params![
                    p.name,
                    p.permission.as_str(),
                    serde_json::to_string(&p.allowed_commands).expect("strings serialize"),
                    serde_json::to_string(&p.blocked_commands).expect("strings serialize"),
                    p.daily_limit,
                    p.quiet_hours.map(|q| q.to_string()),
                    p.speaker_id,
                    p.tts_voice,
                    p.pin_hash,
                    serde_json::to_string(&p.vocabulary).expect("strings serialize"),
                    serde_json::to_string(&p.replacements).expect("strings serialize"),
                    p.language,
                    now,
                ],
            );
            match res {
                Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                    Err(StoreError::AlreadyExists { kind: "profile", name: p.name.clone() })
                }
                other => {
                    other?;
                    Ok(())
                }
            }
        })
    }

    /// Replaces the profile called `name`; refuses to demote the last admin.
    pub fn update_profile(&self, name: &str, p: &Profile) -> Result<()> {
        p.validate()?;
        self.write("update a profile", |c| {
            let tx = c.transaction()?;
            let current: Option<String> = tx
                .query_row(
                    "SELECT permission FROM profiles WHERE name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(current) = current else {
                return Err(not_found(name));
            };
            if current == "admin"
                && p.permission != Permission::Admin
                && admins_other_than(&tx, name)? == 0
            {
                return Err(StoreError::LastAdmin {
                    name: name.to_owned(),
                });
            }
            let res = tx.execute(
                "UPDATE profiles SET name = ?2, permission = ?3, allowed_commands = ?4,
                     blocked_commands = ?5, daily_limit = ?6, quiet_hours = ?7, speaker_id = ?8,
                     tts_voice = ?9, pin_hash = ?10, updated_at = ?11, vocabulary = ?12,
                     replacements = ?13, language = ?14
                 WHERE name = ?1",
                params![
                    name,
                    p.name,
                    p.permission.as_str(),
                    serde_json::to_string(&p.allowed_commands).expect("strings serialize"),
                    serde_json::to_string(&p.blocked_commands).expect("strings serialize"),
                    p.daily_limit,
                    p.quiet_hours.map(|q| q.to_string()),
                    p.speaker_id,
                    p.tts_voice,
                    p.pin_hash,
                    now_ms(),
                    serde_json::to_string(&p.vocabulary).expect("strings serialize"),
                    serde_json::to_string(&p.replacements).expect("strings serialize"),
                    p.language,
                ],
            );
            if let Err(e) = &res
                && e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)
            {
                return Err(StoreError::AlreadyExists {
                    kind: "profile",
                    name: p.name.clone(),
                });
            }
            res?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Deletes a profile; refuses to delete the last admin while other profiles exist.
    pub fn remove_profile(&self, name: &str) -> Result<()> {
        self.write("remove a profile", |c| {
            let tx = c.transaction()?;
            let current: Option<String> = tx
                .query_row(
                    "SELECT permission FROM profiles WHERE name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(current) = current else {
                return Err(not_found(name));
            };
            let others: i64 = tx.query_row(
                "SELECT count(*) FROM profiles WHERE name <> ?1",
                [name],
                |r| r.get(0),
            )?;
            if current == "admin" && others > 0 && admins_other_than(&tx, name)? == 0 {
                return Err(StoreError::LastAdmin {
                    name: name.to_owned(),
                });
            }
            tx.execute("DELETE FROM profiles WHERE name = ?1", [name])?;
            tx.commit()?;
            Ok(())
        })
    }
}
