//! The `activity` table (what ran for each request, with stage timings) and `notifications`.

use rusqlite::{Row, params};
use serde_json::json;

use super::{SqliteDb, from_ms, now_ms};
use crate::error::Result;
use crate::records::{Activity, ClearHistory, Cleared, NewActivity, Notification, StageTimings};

// Request and response texts are kept as `{"text": …}` so later backends can add fields.
fn wrap(text: &Option<String>) -> Option<String> {
    text.as_ref().map(|t| json!({ "text": t }).to_string())
}

fn unwrap(json: Option<String>) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(&json?).ok()?;
    v.get("text")?.as_str().map(str::to_owned)
}

// A stored name read back as its enum; the CHECK constraints keep unknown names out.
fn parsed<T: std::str::FromStr>(r: &Row<'_>, i: usize) -> rusqlite::Result<T>
where
    T::Err: std::fmt::Display,
{
    let text: String = r.get(i)?;
    text.parse().map_err(|e: T::Err| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            e.to_string().into(),
        )
    })
}

fn activity_row(r: &Row<'_>) -> rusqlite::Result<Activity> {
    let ms = |i: usize| -> rusqlite::Result<Option<u32>> {
        Ok(r.get::<_, Option<i64>>(i)?
            .map(|v| v.clamp(0, u32::MAX as i64) as u32))
    };
    Ok(Activity {
        id: r.get(0)?,
        created_at: from_ms(r.get(1)?),
        profile: r.get(2)?,
        intent: parsed(r, 3)?,
        backend: r.get(4)?,
        request: unwrap(r.get(5)?),
        response: unwrap(r.get(6)?),
        status: parsed(r, 7)?,
        error: r.get(8)?,
        timings: StageTimings {
            capture_ms: ms(9)?,
            stt_ms: ms(10)?,
            route_ms: ms(11)?,
            agent_ms: ms(12)?,
            tts_ms: ms(13)?,
            total_ms: ms(14)?,
            endpoint_ms: ms(15)?,
        },
    })
}

impl SqliteDb {
    /// Stores one request's record; an unknown profile is stored as "no profile".
    pub fn insert_activity(&self, a: &NewActivity) -> Result<i64> {
        self.write("store activity", |c| {
            let now = now_ms();
            let t = a.timings;
            c.execute(
                "INSERT INTO activity (created_at, transcription_id, profile_id, intent, backend,
                     request, response, status, error, capture_ms, stt_ms, route_ms, agent_ms,
                     tts_ms, total_ms, completed_at, endpoint_ms)
                 VALUES (?1, ?2, (SELECT id FROM profiles WHERE name = ?3), ?4, ?5, ?6, ?7, ?8,
                     ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?1, ?16)",
                params![
                    now,
                    a.transcription_id,
                    a.profile,
                    a.intent.as_str(),
                    a.backend,
                    wrap(&a.request),
                    wrap(&a.response),
                    a.status.as_str(),
                    a.error,
                    t.capture_ms,
                    t.stt_ms,
                    t.route_ms,
                    t.agent_ms,
                    t.tts_ms,
                    t.total_ms,
                    t.endpoint_ms,
                ],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// The newest `limit` activity rows, newest first.
    pub fn recent_activity(&self, limit: u32) -> Result<Vec<Activity>> {
        self.read("read activity", |c| {
            let mut stmt = c.prepare(
                "SELECT a.id, a.created_at, p.name, a.intent, a.backend, a.request, a.response,
                        a.status, a.error, a.capture_ms, a.stt_ms, a.route_ms, a.agent_ms,
                        a.tts_ms, a.total_ms, a.endpoint_ms
                 FROM activity a LEFT JOIN profiles p ON p.id = a.profile_id
                 ORDER BY a.id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit], activity_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Raises a notification and returns its id.
    pub fn add_notification(&self, level: &str, title: &str, body: Option<&str>) -> Result<i64> {
        self.write("store a notification", |c| {
            c.execute(
                "INSERT INTO notifications (created_at, level, title, body) VALUES (?1, ?2, ?3, ?4)",
                params![now_ms(), level, title, body],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// The newest `limit` notifications (only unread ones with `unread_only`), newest first.
    pub fn notifications(&self, unread_only: bool, limit: u32) -> Result<Vec<Notification>> {
        self.read("read notifications", |c| {
            let mut stmt = c.prepare(
                "SELECT id, created_at, level, title, body, read_at FROM notifications
                 WHERE (?2 = 0 OR read_at IS NULL)
                 ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map(params![limit, unread_only], |r| {
                Ok(Notification {
                    id: r.get(0)?,
                    created_at: from_ms(r.get(1)?),
                    level: r.get(2)?,
                    title: r.get(3)?,
                    body: r.get(4)?,
                    read_at: r.get::<_, Option<i64>>(5)?.map(from_ms),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Marks `ids` (or every unread notification) read; returns how many changed.
    pub fn mark_notifications_read(&self, ids: Option<&[i64]>) -> Result<u64> {
        self.write("mark notifications read", |c| {
            let now = now_ms();
            let changed = match ids {
                None => c.execute(
                    "UPDATE notifications SET read_at = ?1 WHERE read_at IS NULL",
                    [now],
                )?,
                Some(ids) => {
                    let tx = c.transaction()?;
                    let mut n = 0;
                    for id in ids {
                        n += tx.execute(
                            "UPDATE notifications SET read_at = ?1 WHERE id = ?2 AND read_at IS NULL",
                            params![now, id],
                        )?;
                    }
                    tx.commit()?;
                    n
                }
            };
            Ok(changed as u64)
        })
    }

    /// Deletes the transcriptions and activity rows `what` selects, in one transaction.
    pub fn clear_history(&self, what: &ClearHistory) -> Result<Cleared> {
        self.write("clear history", |c| {
            let before = what.before.map(|b| b.timestamp_millis());
            let profile = what.profile.as_deref();
            let tx = c.transaction()?;
            let filter = "(?1 IS NULL OR created_at < ?1)
                 AND (?2 IS NULL OR profile_id = (SELECT id FROM profiles WHERE name = ?2))";
            let activity = tx.execute(
                &format!("DELETE FROM activity WHERE {filter}"),
                params![before, profile],
            )?;
            let transcriptions = tx.execute(
                &format!("DELETE FROM transcriptions WHERE {filter}"),
                params![before, profile],
            )?;
            tx.commit()?;
            Ok(Cleared {
                transcriptions: transcriptions as u64,
                activity: activity as u64,
            })
        })
    }
}
