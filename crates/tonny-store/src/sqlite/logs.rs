//! The `logs` table: system events and log lines, queried by level and component.

use rusqlite::{Row, params};
use tonny_core::settings::LogLevel;

use super::{SqliteDb, from_ms};
use crate::error::Result;
use crate::records::{LogEntry, LogQuery, LogRecord};

/// Stored level numbers, 1 (trace) to 5 (error), so "this level and above" is a range.
pub(crate) fn level_num(l: LogLevel) -> i64 {
    match l {
        LogLevel::Trace => 1,
        LogLevel::Debug => 2,
        LogLevel::Info => 3,
        LogLevel::Warn => 4,
        LogLevel::Error => 5,
    }
}

fn level_from(n: i64) -> LogLevel {
    match n {
        1 => LogLevel::Trace,
        2 => LogLevel::Debug,
        3 => LogLevel::Info,
        4 => LogLevel::Warn,
        _ => LogLevel::Error,
    }
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<LogEntry> {
    let metadata: Option<String> = r.get(5)?;
    Ok(LogEntry {
        id: r.get(0)?,
        record: LogRecord {
            ts: from_ms(r.get(1)?),
            level: level_from(r.get(2)?),
            component: r.get(3)?,
            message: r.get(4)?,
            metadata: metadata.and_then(|m| serde_json::from_str(&m).ok()),
        },
    })
}

impl SqliteDb {
    /// Stores a batch of log lines in one transaction.
    pub fn insert_logs(&self, batch: &[LogRecord]) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        self.write("store log lines", |c| {
            let tx = c.transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO logs (ts, level, component, message, metadata) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for l in batch {
                    stmt.execute(params![
                        l.ts.timestamp_millis(),
                        level_num(l.level),
                        l.component,
                        l.message,
                        l.metadata.as_ref().map(|m| m.to_string()),
                    ])?;
                }
            }
            tx.commit()?;
            crate::log_sink::written_now();
            Ok(())
        })
    }

    /// Reads log lines. Without `after_id`: the newest `limit` lines, newest first. With it:
    /// the lines after that id, oldest first (what `--follow` prints next).
    pub fn query_logs(&self, q: &LogQuery) -> Result<Vec<LogEntry>> {
        let min = level_num(q.min_level);
        self.read("read logs", |c| {
            // One index range per level, merged on the (level, id) index alone, then only the
            // winning rows are fetched: stays fast however rare or common the level is, where a
            // single scan by id would walk past every less severe line first.
            let per_level = |order: &str, cmp: &str| {
                (min..=5)
                    .map(|lvl| {
                        format!(
                            "SELECT * FROM (SELECT id FROM logs
                              WHERE level = {lvl} AND id {cmp} ?1 AND (?2 IS NULL OR component = ?2)
                              ORDER BY id {order} LIMIT ?3)"
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" UNION ALL ")
            };
            let (order, cmp) = match q.after_id {
                None => ("DESC", "<="),
                Some(_) => ("ASC", ">"),
            };
            let sql = format!(
                "SELECT l.id, l.ts, l.level, l.component, l.message, l.metadata
                 FROM ({} ORDER BY id {order} LIMIT ?3) AS k JOIN logs l ON l.id = k.id
                 ORDER BY l.id {order}",
                per_level(order, cmp)
            );
            let bound = q.after_id.unwrap_or(i64::MAX);
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![bound, q.component, q.limit], from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}
