//! Statistics, integrity check, VACUUM, retention prune, online backup and restore.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};

use super::{APPLICATION_ID, SqliteDb, connect, latest_schema_version, migrations};
use crate::error::{Result, StoreError};
use crate::records::*;

/// User tables in schema order (the FTS shadow tables are an implementation detail).
const TABLES: &[&str] = &[
    "settings",
    "profiles",
    "sessions",
    "transcriptions",
    "activity",
    "logs",
    "quick_actions",
    "usage_daily",
    "notifications",
    "outbox",
    "timers",
    "app_state",
    "pin_failures",
];

/// Rows deleted per transaction during a prune, so a running daemon's writes interleave.
const PRUNE_BATCH: i64 = 5_000;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

fn file_len(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn wal_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

/// A failed write of the backup, a full disk told apart.
fn write_err(e: std::io::Error, dest: &Path) -> StoreError {
    if e.kind() == std::io::ErrorKind::StorageFull {
        StoreError::DiskFull {
            path: dest.to_path_buf(),
        }
    } else {
        io_err("write the backup", dest)(e)
    }
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io {
        action,
        path,
        source,
    }
}

/// Copies every page of `src` into `dst` with the SQLite backup API, retrying while another
/// process holds a lock. One step of all pages runs inside a single read transaction, so the
/// copy is a consistent snapshot even while writers commit.
fn copy_pages(src: &Connection, dst: &mut Connection) -> rusqlite::Result<()> {
    let backup = Backup::new(src, dst)?;
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More | StepResult::Busy | StepResult::Locked => {
                thread::sleep(Duration::from_millis(10))
            }
            _ => thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn count(c: &Connection, table: &str) -> rusqlite::Result<u64> {
    c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n as u64)
}

/// Deletes, in batches, rows of `table` whose insertion-ordered id precedes the first row at or
/// after `cutoff` in `time_col`. Ids grow with time, so no time index is needed.
fn prune_by_id(c: &mut Connection, table: &str, time_col: &str, cutoff: i64) -> Result<u64> {
    let boundary: i64 = c
        .query_row(
            &format!(
                "SELECT coalesce((SELECT id FROM {table} WHERE {time_col} >= ?1 ORDER BY id LIMIT 1),
                                 (SELECT max(id) + 1 FROM {table}), 0)"
            ),
            [cutoff],
            |r| r.get(0),
        )
        .map_err(StoreError::from)?;
    let mut deleted = 0;
    loop {
        let n = c.execute(
            &format!(
                "DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE id < ?1 ORDER BY id LIMIT ?2)"
            ),
            [boundary, PRUNE_BATCH],
        )?;
        deleted += n as u64;
        if (n as i64) < PRUNE_BATCH {
            return Ok(deleted);
        }
    }
}

impl SqliteDb {
    /// Sizes and row counts.
    pub fn stats(&self) -> Result<Stats> {
        let (schema_version, free_bytes, tables) = self.read("collect statistics", |c| {
            let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let page: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0))?;
            let free: i64 = c.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
            let tables = TABLES
                .iter()
                .map(|t| {
                    Ok(TableCount {
                        table: (*t).to_owned(),
                        rows: count(c, t)?,
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((version, (free * page) as u64, tables))
        })?;
        Ok(Stats {
            location: self.path().display().to_string(),
            file_bytes: file_len(self.path()),
            wal_bytes: file_len(&wal_path(self.path())),
            free_bytes,
            schema_version,
            tables,
        })
    }

    /// `PRAGMA integrity_check`, `foreign_key_check` and the full-text index's own check.
    pub fn integrity_check(&self) -> Result<IntegrityReport> {
        // A dedicated connection: the check can take a while and must not hold the writer.
        let c = connect(self.path(), false)?;
        let ctx = |e| StoreError::sqlite(self.path(), "check integrity", e);
        let mut problems: Vec<String> = {
            let mut stmt = c.prepare("PRAGMA integrity_check").map_err(ctx)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(ctx)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .map_err(ctx)?
                .into_iter()
                .filter(|l| l != "ok")
                .collect()
        };
        {
            let mut stmt = c.prepare("PRAGMA foreign_key_check").map_err(ctx)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(format!(
                        "row {} of {} points to a missing {} row",
                        r.get::<_, Option<i64>>(1)?.unwrap_or_default(),
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(2)?
                    ))
                })
                .map_err(ctx)?;
            problems.extend(rows.collect::<rusqlite::Result<Vec<_>>>().map_err(ctx)?);
        }
        if let Err(e) = c.execute(
            "INSERT INTO transcriptions_fts (transcriptions_fts, rank) VALUES ('integrity-check', 1)",
            [],
        ) {
            problems.push(format!("full-text index: {e}"));
        }
        Ok(IntegrityReport {
            ok: problems.is_empty(),
            problems,
        })
    }

    /// Rebuilds the file and truncates the write-ahead log.
    pub fn vacuum(&self) -> Result<VacuumReport> {
        let bytes_before = file_len(self.path()) + file_len(&wal_path(self.path()));
        self.write("vacuum the database", |c| {
            c.execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
            Ok(())
        })?;
        Ok(VacuumReport {
            bytes_before,
            bytes_after: file_len(self.path()) + file_len(&wal_path(self.path())),
        })
    }

    /// Deletes rows older than `cutoff`; undelivered outbox entries and unfinished sessions stay.
    pub fn prune(&self, cutoff: DateTime<Utc>) -> Result<PruneReport> {
        let ms = cutoff.timestamp_millis();
        self.write("prune old rows", |c| {
            Ok(PruneReport {
                cutoff: Some(cutoff),
                activity: prune_by_id(c, "activity", "created_at", ms)?,
                transcriptions: prune_by_id(c, "transcriptions", "created_at", ms)?,
                logs: prune_by_id(c, "logs", "ts", ms)?,
                notifications: prune_by_id(c, "notifications", "created_at", ms)?,
                sessions: c.execute(
                    "DELETE FROM sessions WHERE ended_at IS NOT NULL AND ended_at < ?1",
                    [ms],
                )? as u64,
                outbox: c.execute(
                    "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?1",
                    [ms],
                )? as u64,
            })
        })
    }

    /// Writes a consistent snapshot to `dest` (mode 0600), gzip-compressed when its name ends
    /// in `.gz` ([`crate::backups`]). The copy is built in a temporary file beside `dest` and
    /// renamed into place, so a failure (full disk, killed process) never leaves a half-written
    /// backup under the requested name.
    pub fn backup(&self, dest: &Path) -> Result<BackupReport> {
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if let (Ok(a), Ok(b)) = (fs::canonicalize(dest), fs::canonicalize(self.path()))
            && a == b
        {
            return Err(StoreError::BadBackup {
                path: dest.to_path_buf(),
                reason: "that is the live database itself; choose another file".into(),
            });
        }
        let temp = |suffix: &str| {
            tempfile::Builder::new()
                .prefix(".tonny-backup-")
                .suffix(suffix)
                .tempfile_in(&dir)
                .map_err(io_err("create a backup file in", &dir))
        };
        let snapshot = temp(".db")?.into_temp_path();
        let transcriptions = self.snapshot(&snapshot, dest)?;
        let finished = if crate::backups::wants_gzip(dest) {
            let (file, path) = temp(".gz")?.into_parts();
            crate::backups::gzip(&snapshot, file).map_err(|e| write_err(e, dest))?;
            path
        } else {
            File::open(&snapshot)
                .and_then(|f| f.sync_all())
                .map_err(io_err("flush the backup", dest))?;
            snapshot
        };
        finished
            .persist(dest)
            .map_err(|e| io_err("move the finished backup to", dest)(e.error))?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(BackupReport {
            path: dest.to_path_buf(),
            bytes: file_len(dest),
            transcriptions,
        })
    }

    /// Copies the database page by page into the empty file `into`; the transcriptions it holds.
    fn snapshot(&self, into: &Path, dest: &Path) -> Result<u64> {
        let dest_ctx = |e| StoreError::sqlite(dest, "write the backup", e);
        let src = connect(self.path(), true)?;
        let mut dst = Connection::open(into).map_err(dest_ctx)?;
        copy_pages(&src, &mut dst).map_err(dest_ctx)?;
        // A backup is one self-contained file: no -wal beside it.
        dst.query_row("PRAGMA journal_mode = DELETE", [], |r| {
            r.get::<_, String>(0)
        })
        .map_err(dest_ctx)?;
        count(&dst, "transcriptions").map_err(dest_ctx)
    }

    /// Validates `src`, saves a safety copy of the current database in `safety_dir`, then
    /// replaces the database's content with the backup's and upgrades its schema if it is older.
    pub fn restore(&self, src: &Path, safety_dir: &Path) -> Result<RestoreReport> {
        let bad = |reason: String| StoreError::BadBackup {
            path: src.to_path_buf(),
            reason,
        };
        let meta = fs::metadata(src).map_err(|e| bad(format!("it cannot be opened ({e})")))?;
        if !meta.is_file() {
            return Err(bad("it is not a regular file".into()));
        }
        let compressed =
            crate::backups::is_gzip(src).map_err(|e| bad(format!("it cannot be read ({e})")))?;

        // Work on a private copy: the user's backup file is never modified, and a WAL-mode
        // source is read with its pages exactly as they are.
        let data_dir = self
            .path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let staged = tempfile::Builder::new()
            .prefix(".tonny-restore-")
            .suffix(".db")
            .tempfile_in(&data_dir)
            .map_err(io_err("stage the backup in", &data_dir))?
            .into_temp_path();
        let copied = if compressed {
            crate::backups::gunzip(src, &staged)
        } else {
            fs::copy(src, &staged).map(|_| ())
        };
        copied.map_err(|e| match e.kind() {
            std::io::ErrorKind::StorageFull => StoreError::DiskFull {
                path: data_dir.clone(),
            },
            // A damaged or truncated archive.
            std::io::ErrorKind::InvalidData
            | std::io::ErrorKind::InvalidInput
            | std::io::ErrorKind::UnexpectedEof
                if compressed =>
            {
                bad(format!(
                    "it is gzip-compressed but cannot be decompressed ({e})"
                ))
            }
            _ => io_err("copy the backup", src)(e),
        })?;
        let mut magic = [0u8; 16];
        let starts_right = File::open(&staged)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
            && &magic == SQLITE_MAGIC;
        if !starts_right {
            return Err(bad(if compressed {
                "it is gzip-compressed, but what is inside is not an SQLite database".into()
            } else {
                "it is not an SQLite database file (or a gzip-compressed one)".into()
            }));
        }
        let backup_version = {
            let c = Connection::open(&staged)
                .map_err(|e| bad(format!("it cannot be opened as a database ({e})")))?;
            let app: i64 = c
                .query_row("PRAGMA application_id", [], |r| r.get(0))
                .map_err(|e| bad(format!("its header cannot be read ({e})")))?;
            if app != APPLICATION_ID {
                return Err(bad(
                    "it is an SQLite file, but not a TonnyTray database".into()
                ));
            }
            let version: i64 = c
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| bad(e.to_string()))?;
            if version > latest_schema_version() {
                return Err(bad(format!(
                    "it was made by a newer TonnyTray (schema version {version}; this build supports up to {}); upgrade TonnyTray first",
                    latest_schema_version()
                )));
            }
            let check: String = c
                .query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))
                .map_err(|e| bad(format!("its integrity check failed ({e})")))?;
            if check != "ok" {
                return Err(bad(format!("it is damaged ({check})")));
            }
            version
        };

        tonny_core::paths::create_private_dir(safety_dir)
            .map_err(io_err("create the safety-copy folder", safety_dir))?;
        let safety_copy = safety_dir.join(crate::backups::file_name(
            crate::backups::BackupKind::PreRestore,
            Utc::now(),
        ));
        self.backup(&safety_copy)?;

        let transcriptions = self.write("restore the backup", |c| {
            let from = Connection::open(&staged)?;
            copy_pages(&from, c)?;
            migrations().to_latest(c)?;
            c.pragma_update(None, "application_id", APPLICATION_ID)?;
            Ok(count(c, "transcriptions")?)
        })?;
        Ok(RestoreReport {
            from: src.to_path_buf(),
            safety_copy,
            backup_schema_version: backup_version,
            transcriptions,
        })
    }
}
