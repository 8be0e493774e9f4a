//! The SQLite store: one file, WAL, `synchronous=NORMAL`, foreign keys, busy timeout, mode 0600.
//!
//! [`SqliteDb`] is the synchronous implementation (one writer connection, a small pool of
//! read-only connections); [`SqliteStore`] wraps it in the async [`Store`] trait by running each
//! call on tokio's blocking pool, so a query never stalls the event loop.

mod activity;
mod history;
mod logs;
mod maintenance;
mod outbox;
mod profiles;
mod quick_actions;
mod settings;
mod state;
mod timers;
mod usage;

pub use state::DEFAULT_PROFILE;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};
use serde_json::Value;
use tonny_core::Profile;
use tonny_core::paths::{create_missing_private_dir, touch_private_file};
use tonny_core::quick_action::{QuickAction, QuickActionError};
use tonny_core::timer::{NewTimer, Timer};

use crate::error::{Result, StoreError};
use crate::records::*;
use crate::store::Store;

/// How long a statement waits for another process's lock before failing.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// `PRAGMA application_id` of TonnyTray databases ("TONY"), so a restore can tell our files
/// from any other SQLite file.
pub const APPLICATION_ID: i64 = 0x544F_4E59;

/// Read connections kept open for reuse.
const READ_POOL: usize = 4;

/// Every schema change, in order; version N is the first N applied.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_pipeline.sql"),
    include_str!("migrations/0003_activity_status.sql"),
    include_str!("migrations/0004_profile_vocabulary.sql"),
    include_str!("migrations/0005_profile_language.sql"),
];

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// The newest schema version this build knows.
pub fn latest_schema_version() -> i64 {
    // One migration per version, numbered from 1.
    MIGRATIONS.len() as i64
}

/// Synchronous access to one TonnyTray SQLite database.
pub struct SqliteDb {
    /// The database file.
    path: PathBuf,
    /// The one connection that writes; SQLite allows a single writer at a time anyway.
    writer: Mutex<Connection>,
    /// Idle read-only connections; WAL lets them read while the writer commits.
    readers: Mutex<Vec<Connection>>,
}

impl SqliteDb {
    /// Opens (creating if missing) the database at `path`, upgrading its schema.
    ///
    /// The directory is created 0700 and the file 0600. A file that is not a TonnyTray database,
    /// is damaged, or comes from a newer version is refused without being modified.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // A database may be opened anywhere (a downloaded backup in /tmp): its folder is
            // created private when missing, never tightened (the data folder is, by Paths).
            create_missing_private_dir(dir).map_err(|source| StoreError::Io {
                action: "create the data directory",
                path: dir.to_path_buf(),
                source,
            })?;
        }
        touch_private_file(path).map_err(|source| StoreError::Io {
            action: "create the database file",
            path: path.to_path_buf(),
            source,
        })?;
        let mut conn = connect(path, false)?;
        check_identity(&conn, path)?;
        let ctx = |e: rusqlite::Error| StoreError::sqlite(path, "open the database", e);
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(ctx)?;
        debug_assert_eq!(mode, "wal");
        migrations().to_latest(&mut conn)?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(ctx)?;
        Ok(Self {
            path: path.to_path_buf(),
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the writer connection; SQLite errors are classified for this file.
    pub(crate) fn write<T>(
        &self,
        action: &'static str,
        f: impl FnOnce(&mut Connection) -> Result<T>,
    ) -> Result<T> {
        let mut conn = lock(&self.writer);
        f(&mut conn).map_err(|e| e.classify(&self.path, action))
    }

    /// Runs `f` with a pooled read-only connection.
    pub(crate) fn read<T>(
        &self,
        action: &'static str,
        f: impl FnOnce(&Connection) -> Result<T>,
    ) -> Result<T> {
        let pooled = lock(&self.readers).pop();
        let conn = match pooled {
            Some(c) => c,
            None => connect(&self.path, true)?,
        };
        let out = f(&conn).map_err(|e| e.classify(&self.path, action));
        let mut pool = lock(&self.readers);
        if pool.len() < READ_POOL {
            pool.push(conn);
        }
        out
    }
}

/// A poisoned lock only means another thread panicked mid-call; SQLite's own transaction
/// rollback keeps the data consistent, so the connection is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Opens a connection with TonnyTray's pragmas.
pub(crate) fn connect(path: &Path, read_only: bool) -> Result<Connection> {
    let ctx = |e| StoreError::sqlite(path, "open the database", e);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(ctx)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(ctx)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(ctx)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(ctx)?;
    if read_only {
        conn.pragma_update(None, "query_only", true).map_err(ctx)?;
    }
    Ok(conn)
}

/// Refuses files that are not ours or are newer than this build, before anything is written.
fn check_identity(conn: &Connection, path: &Path) -> Result<()> {
    let ctx = |e| StoreError::sqlite(path, "read the database header", e);
    let app_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(ctx)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(ctx)?;
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(ctx)?;
    let fresh = app_id == 0 && version == 0 && objects == 0;
    if !fresh && app_id != APPLICATION_ID {
        return Err(StoreError::ForeignDatabase {
            path: path.to_path_buf(),
            found: app_id,
        });
    }
    if version > latest_schema_version() {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: latest_schema_version(),
        });
    }
    Ok(())
}

/// The id of profile `name` (case-insensitive), or a NotFound error that says how to list them.
pub(crate) fn profile_id(c: &Connection, name: &str) -> Result<i64> {
    use rusqlite::OptionalExtension;
    c.query_row("SELECT id FROM profiles WHERE name = ?1", [name], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or_else(|| StoreError::NotFound {
        kind: "profile",
        name: name.to_owned(),
        hint: "tonny profiles list",
    })
}

pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The async [`Store`] over [`SqliteDb`].
#[derive(Clone)]
pub struct SqliteStore {
    /// Shared with the blocking tasks each call spawns.
    db: Arc<SqliteDb>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self {
            db: Arc::new(SqliteDb::open(path)?),
        })
    }

    /// The synchronous database, for code that is already on its own thread (the log writer).
    pub fn db(&self) -> &Arc<SqliteDb> {
        &self.db
    }

    /// Runs a call that may take a while (scans, maintenance) on tokio's blocking pool.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SqliteDb) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|_| StoreError::WorkerGone)?
    }

    /// Runs a call bounded to tens of microseconds (one indexed row, one small batch). On a
    /// multi-threaded runtime it runs in place (`block_in_place` hands this worker's other tasks
    /// to its siblings), which saves the thread hand-off that would otherwise double the cost
    /// of a single insert; elsewhere it falls back to the blocking pool.
    async fn run_quick<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SqliteDb) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
            Ok(tokio::runtime::RuntimeFlavor::MultiThread) => {
                tokio::task::block_in_place(|| f(&self.db))
            }
            _ => self.run(f).await,
        }
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn location(&self) -> String {
        format!("SQLite at {}", self.db.path.display())
    }

    async fn schema_version(&self) -> Result<i64> {
        self.run_quick(|db| db.schema_version()).await
    }

    async fn stored_settings(&self) -> Result<BTreeMap<String, Value>> {
        self.run_quick(|db| db.stored_settings()).await
    }

    async fn put_setting(&self, key: &str, value: &Value) -> Result<()> {
        let (key, value) = (key.to_owned(), value.clone());
        self.run_quick(move |db| db.put_setting(&key, &value)).await
    }

    async fn delete_setting(&self, key: &str) -> Result<bool> {
        let key = key.to_owned();
        self.run_quick(move |db| db.delete_setting(&key)).await
    }

    async fn list_profiles(&self) -> Result<Vec<Profile>> {
        self.run_quick(|db| db.list_profiles()).await
    }

    async fn get_profile(&self, name: &str) -> Result<Option<Profile>> {
        let name = name.to_owned();
        self.run_quick(move |db| db.get_profile(&name)).await
    }

    async fn add_profile(&self, profile: &Profile) -> Result<()> {
        let p = profile.clone();
        self.run_quick(move |db| db.add_profile(&p)).await
    }

    async fn update_profile(&self, name: &str, profile: &Profile) -> Result<()> {
        let (name, p) = (name.to_owned(), profile.clone());
        self.run_quick(move |db| db.update_profile(&name, &p)).await
    }

    async fn remove_profile(&self, name: &str) -> Result<()> {
        let name = name.to_owned();
        self.run_quick(move |db| db.remove_profile(&name)).await
    }

    async fn count_usage(
        &self,
        profile: &str,
        day: chrono::NaiveDate,
        outcome: UsageOutcome,
        audio_ms: u64,
    ) -> Result<DailyUsage> {
        let profile = profile.to_owned();
        self.run_quick(move |db| db.count_usage(&profile, day, outcome, audio_ms))
            .await
    }

    async fn usage(&self, profile: &str, day: chrono::NaiveDate) -> Result<DailyUsage> {
        let profile = profile.to_owned();
        self.run_quick(move |db| db.usage(&profile, day)).await
    }

    async fn usage_since(&self, since: chrono::NaiveDate) -> Result<Vec<ProfileDay>> {
        self.run_quick(move |db| db.usage_since(since)).await
    }

    async fn active_profile(&self) -> Result<Profile> {
        self.run_quick(move |db| db.active_profile()).await
    }

    async fn set_active_profile(&self, name: &str) -> Result<Profile> {
        let name = name.to_owned();
        self.run_quick(move |db| db.set_active_profile(&name)).await
    }

    async fn record_pin_failure(&self, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
        self.run_quick(move |db| db.record_pin_failure(since)).await
    }

    async fn pin_failures(&self, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
        self.run_quick(move |db| db.pin_failures(since)).await
    }

    async fn clear_pin_failures(&self) -> Result<()> {
        self.run_quick(move |db| db.clear_pin_failures()).await
    }

    async fn enqueue_outbox(&self, entry: &NewOutboxEntry) -> Result<OutboxEntry> {
        let e = entry.clone();
        self.run_quick(move |db| db.enqueue_outbox(&e)).await
    }

    async fn pending_outbox(&self, backend: Option<&str>) -> Result<Vec<OutboxEntry>> {
        let b = backend.map(str::to_owned);
        self.run_quick(move |db| db.pending_outbox(b.as_deref()))
            .await
    }

    async fn outbox_attempt_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<()> {
        let error = error.to_owned();
        self.run_quick(move |db| db.outbox_attempt_failed(id, &error, next_attempt_at))
            .await
    }

    async fn outbox_delivered(&self, id: i64) -> Result<bool> {
        self.run_quick(move |db| db.outbox_delivered(id)).await
    }

    async fn add_timer(&self, timer: &NewTimer) -> Result<Timer> {
        let t = timer.clone();
        self.run_quick(move |db| db.add_timer(&t)).await
    }

    async fn pending_timers(&self, profile: Option<&str>) -> Result<Vec<Timer>> {
        let p = profile.map(str::to_owned);
        self.run_quick(move |db| db.pending_timers(p.as_deref()))
            .await
    }

    async fn cancel_timers(&self, ids: &[i64]) -> Result<usize> {
        let ids = ids.to_vec();
        self.run_quick(move |db| db.cancel_timers(&ids)).await
    }

    async fn fire_timer(&self, id: i64, at: DateTime<Utc>) -> Result<bool> {
        self.run_quick(move |db| db.fire_timer(id, at)).await
    }

    async fn insert_activity(&self, activity: &NewActivity) -> Result<i64> {
        let a = activity.clone();
        self.run_quick(move |db| db.insert_activity(&a)).await
    }

    async fn recent_activity(&self, limit: u32) -> Result<Vec<Activity>> {
        self.run_quick(move |db| db.recent_activity(limit)).await
    }

    async fn add_notification(&self, level: &str, title: &str, body: Option<&str>) -> Result<i64> {
        let (level, title, body) = (level.to_owned(), title.to_owned(), body.map(str::to_owned));
        self.run_quick(move |db| db.add_notification(&level, &title, body.as_deref()))
            .await
    }

    async fn recent_notifications(&self, limit: u32) -> Result<Vec<Notification>> {
        self.run_quick(move |db| db.notifications(false, limit))
            .await
    }

    async fn notifications(&self, unread_only: bool, limit: u32) -> Result<Vec<Notification>> {
        self.run_quick(move |db| db.notifications(unread_only, limit))
            .await
    }

    async fn mark_notifications_read(&self, ids: Option<Vec<i64>>) -> Result<u64> {
        self.run_quick(move |db| db.mark_notifications_read(ids.as_deref()))
            .await
    }

    async fn clear_history(&self, what: &ClearHistory) -> Result<Cleared> {
        let what = what.clone();
        self.run(move |db| db.clear_history(&what)).await
    }

    async fn list_quick_actions(
        &self,
    ) -> Result<Vec<std::result::Result<QuickAction, QuickActionError>>> {
        self.run_quick(move |db| db.list_quick_actions()).await
    }

    async fn put_quick_action(&self, action: &QuickAction) -> Result<()> {
        let a = action.clone();
        self.run_quick(move |db| db.put_quick_action(&a)).await
    }

    async fn remove_quick_action(&self, name: &str) -> Result<()> {
        let name = name.to_owned();
        self.run_quick(move |db| db.remove_quick_action(&name))
            .await
    }

    async fn insert_transcription(&self, t: &NewTranscription) -> Result<i64> {
        let t = t.clone();
        self.run_quick(move |db| db.insert_transcription(&t)).await
    }

    async fn list_transcriptions(&self, q: &HistoryQuery) -> Result<Vec<Transcription>> {
        let q = q.clone();
        self.run(move |db| db.list_transcriptions(&q)).await
    }

    async fn search_transcriptions(
        &self,
        query: &str,
        filter: &HistoryQuery,
    ) -> Result<Vec<SearchHit>> {
        let query = query.to_owned();
        let filter = filter.clone();
        self.run(move |db| db.search_transcriptions(&query, &filter))
            .await
    }

    async fn insert_logs(&self, batch: &[LogRecord]) -> Result<()> {
        let batch = batch.to_vec();
        self.run_quick(move |db| db.insert_logs(&batch)).await
    }

    async fn query_logs(&self, q: &LogQuery) -> Result<Vec<LogEntry>> {
        let q = q.clone();
        // Bounded by the limit and served from the (level, id) index: a quick call.
        self.run_quick(move |db| db.query_logs(&q)).await
    }

    async fn stats(&self) -> Result<Stats> {
        self.run(|db| db.stats()).await
    }

    async fn integrity_check(&self) -> Result<IntegrityReport> {
        self.run(|db| db.integrity_check()).await
    }

    async fn vacuum(&self) -> Result<VacuumReport> {
        self.run(|db| db.vacuum()).await
    }

    async fn prune(&self, cutoff: DateTime<Utc>) -> Result<PruneReport> {
        self.run(move |db| db.prune(cutoff)).await
    }

    async fn backup(&self, dest: &Path) -> Result<BackupReport> {
        let dest = dest.to_path_buf();
        self.run(move |db| db.backup(&dest)).await
    }

    async fn restore(&self, src: &Path, safety_dir: &Path) -> Result<RestoreReport> {
        let (src, dir) = (src.to_path_buf(), safety_dir.to_path_buf());
        self.run(move |db| db.restore(&src, &dir)).await
    }
}
