//! The rows the store reads and writes, independent of the database engine.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tonny_core::settings::LogLevel;

/// A transcription about to be stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewTranscription {
    /// The recognised text.
    pub text: String,
    /// Average-log-probability based confidence, 0–1.
    pub confidence: Option<f32>,
    /// Speaker label, if the engine gave one.
    pub speaker: Option<String>,
    /// Name of the active profile; unknown names are stored as "no profile".
    pub profile: Option<String>,
    /// Where the audio came from (`mic`, a file path, `browser`).
    pub source: Option<String>,
    /// Language code.
    pub language: Option<String>,
    /// Length of the audio.
    pub audio_ms: Option<u32>,
    /// Time the speech-to-text engine took.
    pub stt_ms: Option<u32>,
    /// Which backend the text was routed to, once known.
    pub routed_to: Option<String>,
}

/// A stored transcription.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transcription {
    /// Row id; grows with insertion order.
    pub id: i64,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// The recognised text.
    pub text: String,
    /// Confidence, 0–1.
    pub confidence: Option<f32>,
    /// Speaker label.
    pub speaker: Option<String>,
    /// Profile name (if the profile still exists).
    pub profile: Option<String>,
    /// Where the audio came from.
    pub source: Option<String>,
    /// Language code.
    pub language: Option<String>,
    /// Length of the audio.
    pub audio_ms: Option<u32>,
    /// Speech-to-text time.
    pub stt_ms: Option<u32>,
    /// Backend it was routed to.
    pub routed_to: Option<String>,
    /// Pipeline status (`transcribed`, …).
    pub status: String,
}

/// Which transcriptions to list, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryQuery {
    /// Most rows returned.
    pub limit: u32,
    /// Only rows with a smaller id (for paging backwards).
    pub before_id: Option<i64>,
    /// Only this profile.
    pub profile: Option<String>,
    /// Only rows stored at or after this time.
    pub since: Option<DateTime<Utc>>,
}

/// A full-text search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// The matching transcription.
    pub transcription: Transcription,
    /// The text with matches wrapped in `[` `]`.
    pub snippet: String,
}

/// A log line about to be stored. Logs record structure, not content: never put transcript
/// or reply text, or any secret, in `message` or `metadata`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogRecord {
    /// When it happened.
    pub ts: DateTime<Utc>,
    /// Severity.
    pub level: LogLevel,
    /// Which part of TonnyTray (`store`, `cli`, `supervisor`, …).
    pub component: String,
    /// What happened.
    pub message: String,
    /// Structured fields, as a JSON object.
    pub metadata: Option<Value>,
}

/// A stored log line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEntry {
    /// Row id; grows with insertion order.
    pub id: i64,
    /// The line itself.
    #[serde(flatten)]
    pub record: LogRecord,
}

/// Which log lines to read.
#[derive(Debug, Clone, PartialEq)]
pub struct LogQuery {
    /// Least severe level included.
    pub min_level: LogLevel,
    /// Only this component.
    pub component: Option<String>,
    /// Only lines newer than this id (for `--follow`); results are then oldest first.
    pub after_id: Option<i64>,
    /// Most lines returned.
    pub limit: u32,
}

impl Default for LogQuery {
    fn default() -> Self {
        Self {
            min_level: LogLevel::Trace,
            component: None,
            after_id: None,
            limit: 100,
        }
    }
}

/// Size and shape of the database.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Where it is (or which server, for a remote store).
    pub location: String,
    /// Bytes of the main file.
    pub file_bytes: u64,
    /// Bytes of the write-ahead log not yet checkpointed.
    pub wal_bytes: u64,
    /// Bytes inside the file that are free for reuse (VACUUM would return them).
    pub free_bytes: u64,
    /// Schema version.
    pub schema_version: i64,
    /// Row count per table, in schema order.
    pub tables: Vec<TableCount>,
}

/// Rows in one table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableCount {
    /// Table name.
    pub table: String,
    /// Row count.
    pub rows: u64,
}

/// Result of an integrity check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntegrityReport {
    /// True when nothing is wrong.
    pub ok: bool,
    /// Each problem found, as SQLite phrased it.
    pub problems: Vec<String>,
}

/// What a VACUUM achieved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VacuumReport {
    /// File size before.
    pub bytes_before: u64,
    /// File size after.
    pub bytes_after: u64,
}

/// How many rows a retention prune deleted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PruneReport {
    /// Everything before this instant was deleted.
    pub cutoff: Option<DateTime<Utc>>,
    /// Transcriptions deleted.
    pub transcriptions: u64,
    /// Activity rows deleted.
    pub activity: u64,
    /// Log lines deleted.
    pub logs: u64,
    /// Notifications deleted.
    pub notifications: u64,
    /// Finished sessions deleted.
    pub sessions: u64,
    /// Delivered outbox entries deleted (undelivered ones are always kept).
    pub outbox: u64,
}

/// A finished backup.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupReport {
    /// The backup file.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Transcriptions it holds.
    pub transcriptions: u64,
}

/// A finished restore.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreReport {
    /// The file restored from.
    pub from: PathBuf,
    /// Copy of the database as it was just before the restore.
    pub safety_copy: PathBuf,
    /// Schema version of the backup before it was brought up to date.
    pub backup_schema_version: i64,
    /// Transcriptions now in the database.
    pub transcriptions: u64,
}

/// What happened to one request, for the per-day usage counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageOutcome {
    /// The request was carried out (counts toward a daily limit).
    Served,
    /// The request was refused by the profile's rules (does not count toward the limit).
    Blocked,
}

/// One profile's use of TonnyTray on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DailyUsage {
    /// Requests served.
    pub requests: u32,
    /// Requests refused.
    pub blocked: u32,
    /// Speech heard, in milliseconds.
    pub audio_ms: u64,
}
