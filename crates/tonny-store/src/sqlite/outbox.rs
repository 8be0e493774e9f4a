//! The `outbox` table: agent requests that could not be delivered yet, kept until they are.
//!
//! Entries are delivered in queueing order (by id) per backend; a failed attempt pushes the
//! entry's `next_attempt_at` back and keeps it first in line, so order is never broken.

use chrono::{DateTime, Utc};
use rusqlite::{Row, params};

use super::{SqliteDb, from_ms, now_ms};
use crate::error::Result;
use crate::records::{NewOutboxEntry, OutboxEntry};

const SELECT: &str = "SELECT id, created_at, idempotency_key, backend, payload, attempts,
                             next_attempt_at, last_error, delivered_at FROM outbox";

fn from_row(r: &Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let payload: String = r.get(4)?;
    Ok(OutboxEntry {
        id: r.get(0)?,
        created_at: from_ms(r.get(1)?),
        idempotency_key: r.get(2)?,
        backend: r.get(3)?,
        // The column is CHECKed to hold valid JSON.
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
        attempts: r.get(5)?,
        next_attempt_at: from_ms(r.get(6)?),
        last_error: r.get(7)?,
        delivered_at: r.get::<_, Option<i64>>(8)?.map(from_ms),
    })
}

impl SqliteDb {
    /// Queues a request, due at once. Queueing a key already queued returns the existing entry.
    pub fn enqueue_outbox(&self, e: &NewOutboxEntry) -> Result<OutboxEntry> {
        let payload = e.payload.to_string();
        self.write("queue a request", |c| {
            let tx = c.transaction()?;
            let now = now_ms();
            tx.execute(
                "INSERT INTO outbox (created_at, idempotency_key, backend, payload, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?1) ON CONFLICT (idempotency_key) DO NOTHING",
                params![now, e.idempotency_key, e.backend, payload],
            )?;
            let entry = tx.query_row(
                &format!("{SELECT} WHERE idempotency_key = ?1"),
                [&e.idempotency_key],
                from_row,
            )?;
            tx.commit()?;
            Ok(entry)
        })
    }

    /// Undelivered entries, oldest first (only `backend`'s when given), due or not.
    pub fn pending_outbox(&self, backend: Option<&str>) -> Result<Vec<OutboxEntry>> {
        self.read("read the outbox", |c| {
            let mut stmt = c.prepare(&format!(
                "{SELECT} WHERE delivered_at IS NULL AND (?1 IS NULL OR backend = ?1) ORDER BY id"
            ))?;
            let rows = stmt.query_map([backend], from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Records a failed attempt and when to try next.
    pub fn outbox_attempt_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<()> {
        self.write("record a delivery attempt", |c| {
            c.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3
                 WHERE id = ?1",
                params![id, error, next_attempt_at.timestamp_millis()],
            )?;
            Ok(())
        })
    }

    /// Marks an entry delivered; true only for the caller that changed it.
    pub fn outbox_delivered(&self, id: i64) -> Result<bool> {
        self.write("mark a request delivered", |c| {
            let changed = c.execute(
                "UPDATE outbox SET attempts = attempts + 1, delivered_at = ?2, last_error = NULL
                 WHERE id = ?1 AND delivered_at IS NULL",
                params![id, now_ms()],
            )?;
            Ok(changed == 1)
        })
    }
}
