//! The `usage_daily` table: requests per profile per day, for kid limits and usage statistics.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};

use super::{SqliteDb, profile_id};
use crate::error::Result;
use crate::records::{DailyUsage, ProfileDay, UsageOutcome};

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DailyUsage> {
    Ok(DailyUsage {
        requests: r.get(0)?,
        blocked: r.get(1)?,
        audio_ms: r.get::<_, i64>(2)? as u64,
    })
}

impl SqliteDb {
    /// Counts one request for `profile` on `day` and returns the day's totals after it.
    pub fn count_usage(
        &self,
        profile: &str,
        day: NaiveDate,
        outcome: UsageOutcome,
        audio_ms: u64,
    ) -> Result<DailyUsage> {
        let (served, blocked) = match outcome {
            UsageOutcome::Served => (1, 0),
            UsageOutcome::Blocked => (0, 1),
        };
        self.write("count usage", |c| {
            let tx = c.transaction()?;
            let id = profile_id(&tx, profile)?;
            let totals = tx.query_row(
                "INSERT INTO usage_daily (profile_id, day, requests, blocked, audio_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (profile_id, day) DO UPDATE SET
                     requests = requests + excluded.requests,
                     blocked = blocked + excluded.blocked,
                     audio_ms = audio_ms + excluded.audio_ms
                 RETURNING requests, blocked, audio_ms",
                params![id, day.to_string(), served, blocked, audio_ms as i64],
                from_row,
            )?;
            tx.commit()?;
            Ok(totals)
        })
    }

    /// `profile`'s totals for `day` (zero when it has not been used).
    pub fn usage(&self, profile: &str, day: NaiveDate) -> Result<DailyUsage> {
        self.read("read usage", |c| {
            let id = profile_id(c, profile)?;
            Ok(c.query_row(
                "SELECT requests, blocked, audio_ms FROM usage_daily
                 WHERE profile_id = ?1 AND day = ?2",
                params![id, day.to_string()],
                from_row,
            )
            .optional()?
            .unwrap_or_default())
        })
    }

    /// Every profile's totals per day from `since` on, newest day first.
    pub fn usage_since(&self, since: NaiveDate) -> Result<Vec<ProfileDay>> {
        self.read("read usage", |c| {
            let mut stmt = c.prepare(
                "SELECT p.name, u.day, u.requests, u.blocked, u.audio_ms
                 FROM usage_daily u JOIN profiles p ON p.id = u.profile_id
                 WHERE u.day >= ?1 ORDER BY u.day DESC, p.name",
            )?;
            let rows = stmt.query_map([since.to_string()], |r| {
                let day: String = r.get(1)?;
                Ok(ProfileDay {
                    profile: r.get(0)?,
                    day: day.parse().map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            1,
                            rusqlite::types::Type::Text,
                            Box::new(e),
                        )
                    })?,
                    usage: DailyUsage {
                        requests: r.get(2)?,
                        blocked: r.get(3)?,
                        audio_ms: r.get::<_, i64>(4)? as u64,
                    },
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}
