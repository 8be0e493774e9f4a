//! A `tracing` layer that records log events in the `logs` table.
//!
//! Events are handed to a background thread over a bounded channel and written in batches (one
//! transaction per batch), so logging never waits on the disk; if the channel is full the event
//! is counted and dropped rather than blocking the caller. Dropping the [`LogSinkGuard`] flushes.
//!
//! Logs record structure, not content: callers put ids, counts, durations and names in fields,
//! never transcript text or secrets.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use tonny_core::settings::LogLevel;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use crate::records::LogRecord;
use crate::sqlite::SqliteDb;

/// Counts batches of log lines written in this process, so a follower (the API's log stream)
/// reads new lines when they land instead of polling on a timer.
static WRITTEN: std::sync::LazyLock<tokio::sync::watch::Sender<u64>> =
    std::sync::LazyLock::new(|| tokio::sync::watch::channel(0).0);

/// Changes each time this process writes log lines to the database.
pub fn written() -> tokio::sync::watch::Receiver<u64> {
    WRITTEN.subscribe()
}

/// Tells followers that log lines were just committed.
pub(crate) fn written_now() {
    WRITTEN.send_modify(|n| *n += 1);
}

/// Events buffered before new ones are dropped.
const CAPACITY: usize = 10_000;
/// Most events written per transaction.
const BATCH: usize = 1_000;
/// Longest an event waits in the buffer before it is written.
const FLUSH_EVERY: Duration = Duration::from_millis(250);

enum Msg {
    Record(LogRecord),
    Stop,
}

/// The layer: converts events and queues them for the writer thread.
pub struct StoreLogLayer {
    /// Queue to the writer thread.
    tx: SyncSender<Msg>,
    /// Least severe level recorded.
    min_level: LogLevel,
    /// Events dropped because the queue was full.
    dropped: Arc<AtomicU64>,
}

/// Keeps the writer thread alive; dropping it writes everything queued and stops the thread.
pub struct LogSinkGuard {
    /// Used to ask the thread to stop.
    tx: SyncSender<Msg>,
    /// Joined on drop so the last events are on disk before the process exits.
    handle: Option<JoinHandle<()>>,
    /// Shared with the layer, reported on drop.
    dropped: Arc<AtomicU64>,
}

/// Creates the layer and starts its writer thread on `db`.
pub fn store_log_layer(db: Arc<SqliteDb>, min_level: LogLevel) -> (StoreLogLayer, LogSinkGuard) {
    let (tx, rx) = mpsc::sync_channel::<Msg>(CAPACITY);
    let handle = std::thread::Builder::new()
        .name("tonny-log-writer".into())
        .spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            loop {
                let mut stop = false;
                match rx.recv_timeout(FLUSH_EVERY) {
                    Ok(Msg::Record(r)) => {
                        batch.push(r);
                        // Drain what is already queued, up to a batch.
                        while batch.len() < BATCH {
                            match rx.try_recv() {
                                Ok(Msg::Record(r)) => batch.push(r),
                                Ok(Msg::Stop) => {
                                    stop = true;
                                    break;
                                }
                                Err(_) => break,
                            }
                        }
                    }
                    Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => stop = true,
                    Err(RecvTimeoutError::Timeout) => {}
                }
                if !batch.is_empty() {
                    // Failing to record a log line must not take the program down; the
                    // same events still went to stderr through the other layer.
                    if let Err(e) = db.insert_logs(&batch) {
                        eprintln!("tonny: could not record {} log lines: {e}", batch.len());
                    }
                    batch.clear();
                }
                if stop {
                    // Write whatever arrived between the stop request and now.
                    let rest: Vec<LogRecord> = rx
                        .try_iter()
                        .filter_map(|m| match m {
                            Msg::Record(r) => Some(r),
                            Msg::Stop => None,
                        })
                        .collect();
                    let _ = db.insert_logs(&rest);
                    return;
                }
            }
        })
        .expect("spawning the log writer thread");
    let dropped = Arc::new(AtomicU64::new(0));
    (
        StoreLogLayer {
            tx: tx.clone(),
            min_level,
            dropped: Arc::clone(&dropped),
        },
        LogSinkGuard {
            tx,
            handle: Some(handle),
            dropped,
        },
    )
}

impl Drop for LogSinkGuard {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        let n = self.dropped.load(Ordering::Relaxed);
        if n > 0 {
            eprintln!("tonny: {n} log lines were dropped because the log writer fell behind");
        }
    }
}

fn to_level(l: &Level) -> LogLevel {
    match *l {
        Level::TRACE => LogLevel::Trace,
        Level::DEBUG => LogLevel::Debug,
        Level::INFO => LogLevel::Info,
        Level::WARN => LogLevel::Warn,
        _ => LogLevel::Error,
    }
}

/// Collects an event's `message` and other fields.
#[derive(Default)]
struct Fields {
    message: String,
    component: Option<String>,
    extra: BTreeMap<String, Value>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message = value.to_owned(),
            "component" => self.component = Some(value.to_owned()),
            name => {
                self.extra.insert(name.to_owned(), Value::from(value));
            }
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.extra
            .insert(field.name().to_owned(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.extra
            .insert(field.name().to_owned(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.extra
            .insert(field.name().to_owned(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.extra
            .insert(field.name().to_owned(), Value::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

/// `tonny_store::sqlite` → `store`; other targets keep their first path segment.
fn component_of(target: &str) -> String {
    let first = target.split("::").next().unwrap_or(target);
    first.strip_prefix("tonny_").unwrap_or(first).to_owned()
}

impl<S: Subscriber> Layer<S> for StoreLogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let level = to_level(meta.level());
        // Other crates' events are recorded only from warnings up: their debug output (a D-Bus
        // client's message dumps, say) may carry content that must never reach the database.
        let ours = meta.target().starts_with("tonny");
        if level < self.min_level || (!ours && level < LogLevel::Warn) {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let record = LogRecord {
            ts: Utc::now(),
            level,
            component: fields
                .component
                .unwrap_or_else(|| component_of(meta.target())),
            message: fields.message,
            metadata: (!fields.extra.is_empty())
                .then(|| Value::Object(fields.extra.into_iter().collect())),
        };
        if self.tx.try_send(Msg::Record(record)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::component_of;

    #[test]
    fn component_is_the_crate_without_prefix() {
        assert_eq!(component_of("tonny_store::sqlite::maintenance"), "store");
        assert_eq!(component_of("hyper::proto"), "hyper");
    }
}
