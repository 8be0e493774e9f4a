//! The `timers` table: timers and reminders that must survive a restart.

use chrono::{DateTime, Utc};
use rusqlite::{Row, params, params_from_iter};
use tonny_core::timer::{NewTimer, Timer, TimerKind};

use super::{SqliteDb, from_ms, now_ms, profile_id};
use crate::error::Result;

const SELECT: &str = "SELECT t.id, p.name, t.kind, t.label, t.due_at, t.created_at
                      FROM timers t JOIN profiles p ON p.id = t.profile_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Timer> {
    let kind: String = r.get(2)?;
    Ok(Timer {
        id: r.get(0)?,
        profile: r.get(1)?,
        // The column is CHECKed to the two names.
        kind: TimerKind::parse(&kind).unwrap_or(TimerKind::Timer),
        label: r.get(3)?,
        due_at: from_ms(r.get(4)?),
        created_at: from_ms(r.get(5)?),
    })
}

impl SqliteDb {
    /// Stores a timer for an existing profile and returns it with its id.
    pub fn add_timer(&self, t: &NewTimer) -> Result<Timer> {
        self.write("store a timer", |c| {
            let tx = c.transaction()?;
            let pid = profile_id(&tx, &t.profile)?;
            let now = now_ms();
            tx.execute(
                "INSERT INTO timers (profile_id, kind, label, due_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    pid,
                    t.kind.as_str(),
                    t.label,
                    t.due_at.timestamp_millis(),
                    now
                ],
            )?;
            let id = tx.last_insert_rowid();
            let timer = tx.query_row(&format!("{SELECT} WHERE t.id = ?1"), [id], from_row)?;
            tx.commit()?;
            Ok(timer)
        })
    }

    /// Timers that have neither fired nor been cancelled, soonest first; only `profile`'s when
    /// given.
    pub fn pending_timers(&self, profile: Option<&str>) -> Result<Vec<Timer>> {
        self.read("read timers", |c| {
            let mut stmt = c.prepare(&format!(
                "{SELECT} WHERE t.fired_at IS NULL AND t.cancelled_at IS NULL
                   AND (?1 IS NULL OR p.name = ?1)
                 ORDER BY t.due_at, t.id"
            ))?;
            let rows = stmt.query_map([profile], from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Cancels the pending timers among `ids`; returns how many were pending.
    pub fn cancel_timers(&self, ids: &[i64]) -> Result<usize> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.write("cancel timers", |c| {
            let marks = vec!["?"; ids.len()].join(",");
            let sql = format!(
                "UPDATE timers SET cancelled_at = {} WHERE id IN ({marks})
                 AND fired_at IS NULL AND cancelled_at IS NULL",
                now_ms()
            );
            Ok(c.execute(&sql, params_from_iter(ids))?)
        })
    }

    /// Marks a timer fired. True only for the call that changed it, so two processes racing to
    /// announce the same timer announce it once.
    pub fn fire_timer(&self, id: i64, at: DateTime<Utc>) -> Result<bool> {
        self.write("mark a timer fired", |c| {
            Ok(c.execute(
                "UPDATE timers SET fired_at = ?2
                 WHERE id = ?1 AND fired_at IS NULL AND cancelled_at IS NULL",
                params![id, at.timestamp_millis()],
            )? == 1)
        })
    }
}
