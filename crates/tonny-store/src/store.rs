//! The [`Store`] trait: everything the rest of TonnyTray may ask of persistence.
//!
//! Callers hold an `Arc<dyn Store>` and never name SQLite, so a PostgreSQL implementation for a
//! household server can be added beside [`crate::SqliteStore`] without touching them.

use std::collections::BTreeMap;
use std::path::Path;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tonny_core::Profile;
use tonny_core::quick_action::{QuickAction, QuickActionError};
use tonny_core::timer::{NewTimer, Timer};

use crate::error::Result;
use crate::records::*;

/// Persistence for settings, profiles, history and logs, plus maintenance.
#[async_trait]
pub trait Store: Send + Sync {
    /// Where the data lives, for messages ("SQLite at /home/…/tonny.db").
    fn location(&self) -> String;

    /// The schema version the data is at.
    async fn schema_version(&self) -> Result<i64>;

    /// Every stored settings override, by dotted key.
    async fn stored_settings(&self) -> Result<BTreeMap<String, Value>>;
    /// Stores one override (its category is the key's section).
    async fn put_setting(&self, key: &str, value: &Value) -> Result<()>;
    /// Removes one override (back to the default). True if there was one.
    async fn delete_setting(&self, key: &str) -> Result<bool>;

    /// All profiles, by name.
    async fn list_profiles(&self) -> Result<Vec<Profile>>;
    /// One profile by name (case-insensitive).
    async fn get_profile(&self, name: &str) -> Result<Option<Profile>>;
    /// Adds a profile; fails if the name is taken.
    async fn add_profile(&self, profile: &Profile) -> Result<()>;
    /// Replaces the profile called `name` (which may be renamed by `profile.name`).
    async fn update_profile(&self, name: &str, profile: &Profile) -> Result<()>;
    /// Deletes a profile; its history stays, unattributed.
    async fn remove_profile(&self, name: &str) -> Result<()>;

    /// Counts one request for `profile` on `day` (its local date) and returns the day's totals.
    async fn count_usage(
        &self,
        profile: &str,
        day: chrono::NaiveDate,
        outcome: UsageOutcome,
        audio_ms: u64,
    ) -> Result<DailyUsage>;
    /// `profile`'s totals for `day`; zero when unused.
    async fn usage(&self, profile: &str, day: chrono::NaiveDate) -> Result<DailyUsage>;
    /// Every profile's totals per day from `since` on, newest day first.
    async fn usage_since(&self, since: chrono::NaiveDate) -> Result<Vec<ProfileDay>>;

    /// The active profile (see [`crate::sqlite::DEFAULT_PROFILE`] for a household with none).
    async fn active_profile(&self) -> Result<Profile>;
    /// Makes `name` the active profile. Callers check the PIN first.
    async fn set_active_profile(&self, name: &str) -> Result<Profile>;
    /// Records a wrong admin PIN; returns the failures since `since`, oldest first.
    async fn record_pin_failure(&self, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>>;
    /// Wrong admin PINs since `since`, oldest first.
    async fn pin_failures(&self, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>>;
    /// Forgets wrong PINs after a right one.
    async fn clear_pin_failures(&self) -> Result<()>;
    /// Queues an agent request for later delivery (an existing key keeps its entry).
    async fn enqueue_outbox(&self, entry: &NewOutboxEntry) -> Result<OutboxEntry>;
    /// Undelivered requests in delivery order (only `backend`'s when given).
    async fn pending_outbox(&self, backend: Option<&str>) -> Result<Vec<OutboxEntry>>;
    /// Records a failed delivery attempt and when to try again.
    async fn outbox_attempt_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<()>;
    /// Marks a request delivered; true only for the caller that changed it.
    async fn outbox_delivered(&self, id: i64) -> Result<bool>;
    /// Stores a timer or reminder.
    async fn add_timer(&self, timer: &NewTimer) -> Result<Timer>;
    /// Pending timers, soonest first (only `profile`'s when given).
    async fn pending_timers(&self, profile: Option<&str>) -> Result<Vec<Timer>>;
    /// Cancels pending timers; returns how many were pending.
    async fn cancel_timers(&self, ids: &[i64]) -> Result<usize>;
    /// Marks a timer fired; true only for the caller that changed it.
    async fn fire_timer(&self, id: i64, at: DateTime<Utc>) -> Result<bool>;
    /// Stores what ran for one request.
    async fn insert_activity(&self, activity: &NewActivity) -> Result<i64>;
    /// The newest activity rows, newest first.
    async fn recent_activity(&self, limit: u32) -> Result<Vec<Activity>>;
    /// Raises a notification.
    async fn add_notification(&self, level: &str, title: &str, body: Option<&str>) -> Result<i64>;
    /// The newest notifications, newest first.
    async fn recent_notifications(&self, limit: u32) -> Result<Vec<Notification>>;
    /// The newest notifications (only unread ones with `unread_only`), newest first.
    async fn notifications(&self, unread_only: bool, limit: u32) -> Result<Vec<Notification>>;
    /// Marks notifications read (`ids`, or every unread one when `None`); returns how many
    /// changed.
    async fn mark_notifications_read(&self, ids: Option<Vec<i64>>) -> Result<u64>;
    /// Deletes transcriptions and activity rows as `what` selects.
    async fn clear_history(&self, what: &ClearHistory) -> Result<Cleared>;
    /// Every quick action, each read or with the reason it cannot be.
    async fn list_quick_actions(
        &self,
    ) -> Result<Vec<std::result::Result<QuickAction, QuickActionError>>>;
    /// Adds or replaces (by name) a validated quick action.
    async fn put_quick_action(&self, action: &QuickAction) -> Result<()>;
    /// Removes a quick action by name.
    async fn remove_quick_action(&self, name: &str) -> Result<()>;

    /// Stores a transcription and returns its id once it is committed.
    async fn insert_transcription(&self, t: &NewTranscription) -> Result<i64>;
    /// Lists transcriptions newest first.
    async fn list_transcriptions(&self, q: &HistoryQuery) -> Result<Vec<Transcription>>;
    /// Full-text search (every word must match), newest first, with `filter`'s filters,
    /// paging and limit.
    async fn search_transcriptions(
        &self,
        query: &str,
        filter: &HistoryQuery,
    ) -> Result<Vec<SearchHit>>;

    /// Stores a batch of log lines in one transaction.
    async fn insert_logs(&self, batch: &[LogRecord]) -> Result<()>;
    /// Reads log lines: newest first, or oldest first after `after_id`.
    async fn query_logs(&self, q: &LogQuery) -> Result<Vec<LogEntry>>;

    /// Sizes and row counts.
    async fn stats(&self) -> Result<Stats>;
    /// Full integrity and foreign-key check.
    async fn integrity_check(&self) -> Result<IntegrityReport>;
    /// Rebuilds the file to return free space to the disk.
    async fn vacuum(&self) -> Result<VacuumReport>;
    /// Deletes history, logs, notifications and finished sessions older than `cutoff`.
    async fn prune(&self, cutoff: DateTime<Utc>) -> Result<PruneReport>;
    /// Writes a consistent copy to `dest` while other processes keep writing.
    async fn backup(&self, dest: &Path) -> Result<BackupReport>;
    /// Replaces the data with a backup's, after validating it and saving a safety copy of the
    /// current data in `safety_dir`.
    async fn restore(&self, src: &Path, safety_dir: &Path) -> Result<RestoreReport>;
}
