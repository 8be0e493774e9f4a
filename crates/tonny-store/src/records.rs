//! The rows the store reads and writes, independent of the database engine.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tonny_core::activity::ActivityStatus;
use tonny_core::router::Intent;
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
    /// How the request ended (`success`, `failed`, `blocked`, `timeout`, …), or
    /// `transcribed` when the transcript was not handled as a request.
    pub status: String,
    /// How long each stage of the request took (from its activity row; empty when the
    /// transcript was not handled as a request).
    pub timings: StageTimings,
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
    /// Only rows stored before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only rows whose request ended so (`success`, `failed`, `blocked`, `timeout`, …; a
    /// transcript that was not handled as a request is `transcribed`).
    pub status: Option<String>,
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

/// One profile's totals for one day.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileDay {
    /// The profile.
    pub profile: String,
    /// The profile's local date.
    pub day: chrono::NaiveDate,
    /// What it did that day.
    pub usage: DailyUsage,
}

/// One request's record for the activity history: what ran, how it ended, and how long each
/// stage took (milliseconds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewActivity {
    /// The transcription it came from (none for typed requests).
    pub transcription_id: Option<i64>,
    /// The active profile's name.
    pub profile: Option<String>,
    /// What ran.
    pub intent: Intent,
    /// Which agent or output handled it.
    pub backend: Option<String>,
    /// The request text (omitted when history is off).
    pub request: Option<String>,
    /// The reply text (omitted when history is off).
    pub response: Option<String>,
    /// How it ended.
    pub status: ActivityStatus,
    /// Why it failed or was refused.
    pub error: Option<String>,
    /// Per-stage durations.
    pub timings: StageTimings,
}

/// How long each pipeline stage took, in milliseconds; `None` when a stage did not run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StageTimings {
    /// Recording, up to the end of speech.
    pub capture_ms: Option<u32>,
    /// End of speech to the moment voice-activity detection ended the recording.
    pub endpoint_ms: Option<u32>,
    /// End of speech to the transcript.
    pub stt_ms: Option<u32>,
    /// Permission check and routing.
    pub route_ms: Option<u32>,
    /// The agent's answer.
    pub agent_ms: Option<u32>,
    /// Speech synthesis up to the first audio queued.
    pub tts_ms: Option<u32>,
    /// End of speech (or the typed request) to the reply delivered.
    pub total_ms: Option<u32>,
}

/// A stored activity row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    /// Row id.
    pub id: i64,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// Profile name, if it still exists.
    pub profile: Option<String>,
    /// What ran.
    pub intent: Intent,
    /// Which agent or output.
    pub backend: Option<String>,
    /// Request text, if kept.
    pub request: Option<String>,
    /// Reply text, if kept.
    pub response: Option<String>,
    /// How it ended.
    pub status: ActivityStatus,
    /// Why it failed or was refused.
    pub error: Option<String>,
    /// Per-stage durations.
    pub timings: StageTimings,
}

/// Something told to the person outside the conversation (a timer, a typing fallback).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    /// Row id.
    pub id: i64,
    /// When it was raised.
    pub created_at: DateTime<Utc>,
    /// `info`, `warn` or `error`.
    pub level: String,
    /// Headline.
    pub title: String,
    /// Details.
    pub body: Option<String>,
    /// When the person marked it read, if they did.
    pub read_at: Option<DateTime<Utc>>,
}

/// Which history to delete (`tonny history clear`, `DELETE /api/v1/history`). Both given:
/// that profile's rows before that instant; neither: everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClearHistory {
    /// Only this profile's rows.
    pub profile: Option<String>,
    /// Only rows stored before this instant.
    pub before: Option<DateTime<Utc>>,
}

/// What a history clear deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Cleared {
    /// Transcriptions deleted.
    pub transcriptions: u64,
    /// Activity rows deleted.
    pub activity: u64,
}

/// An agent request to deliver later, as queued.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutboxEntry {
    /// The request's idempotency key; queueing the same key twice keeps the first.
    pub idempotency_key: String,
    /// The backend it is for (`n8n`, `rabbitmq`).
    pub backend: String,
    /// What to send, as JSON (the request's fields, not the backend's wire format).
    pub payload: Value,
}

/// A queued agent request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    /// Row id; grows with queueing order, which is delivery order.
    pub id: i64,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// The request's idempotency key.
    pub idempotency_key: String,
    /// The backend it is for.
    pub backend: String,
    /// What to send.
    pub payload: Value,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Not to be tried before this.
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed (a message for people; never a secret).
    pub last_error: Option<String>,
    /// When it was delivered; `None` while pending.
    pub delivered_at: Option<DateTime<Utc>>,
}
