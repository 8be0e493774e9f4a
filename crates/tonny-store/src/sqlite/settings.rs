//! The `settings` table: one row per overridden key, the value as JSON.

use std::collections::BTreeMap;

use rusqlite::params;
use serde_json::Value;

use super::{SqliteDb, now_ms};
use crate::error::Result;

impl SqliteDb {
    /// The schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        self.read("read the schema version", |c| {
            Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?)
        })
    }

    /// Every stored override.
    pub fn stored_settings(&self) -> Result<BTreeMap<String, Value>> {
        self.read("read settings", |c| {
            let mut stmt = c.prepare("SELECT key, value FROM settings ORDER BY key")?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = BTreeMap::new();
            for row in rows {
                let (key, json) = row?;
                // The column is CHECKed json_valid, so this only fails on a hand-edited file;
                // such a value is skipped like any other stale setting.
                if let Ok(v) = serde_json::from_str(&json) {
                    out.insert(key, v);
                }
            }
            Ok(out)
        })
    }

    /// Stores one override; its category is the key's section.
    pub fn put_setting(&self, key: &str, value: &Value) -> Result<()> {
        let category = key.split_once('.').map_or(key, |(s, _)| s);
        self.write("save a setting", |c| {
            c.execute(
                "INSERT INTO settings (key, value, category, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![key, value.to_string(), category, now_ms()],
            )?;
            Ok(())
        })
    }

    /// Removes one override. True if there was one.
    pub fn delete_setting(&self, key: &str) -> Result<bool> {
        self.write("reset a setting", |c| {
            Ok(c.execute("DELETE FROM settings WHERE key = ?1", [key])? > 0)
        })
    }
}
