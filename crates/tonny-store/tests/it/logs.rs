//! Log lines: batches, level and component filters, follow, and the tracing layer.

use chrono::Utc;
use tonny_core::settings::LogLevel;
use tonny_store::log_sink::store_log_layer;
use tonny_store::{LogQuery, LogRecord, Store};
use tracing_subscriber::layer::SubscriberExt;

use crate::fresh;

fn line(level: LogLevel, component: &str, i: usize) -> LogRecord {
    LogRecord {
        ts: Utc::now(),
        level,
        component: component.into(),
        message: format!("event {i}"),
        metadata: Some(serde_json::json!({ "i": i })),
    }
}

#[tokio::test]
async fn newest_lines_at_or_above_a_level_come_back_newest_first() {
    let (_home, store) = fresh();
    let levels = [
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Warn,
        LogLevel::Error,
    ];
    let batch: Vec<_> = (0..1000)
        .map(|i| line(levels[i % 4], if i % 2 == 0 { "stt" } else { "agent" }, i))
        .collect();
    store.insert_logs(&batch).await.unwrap();

    let warn = store
        .query_logs(&LogQuery {
            min_level: LogLevel::Warn,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(warn.len(), 10);
    assert!(warn.iter().all(|l| l.record.level >= LogLevel::Warn));
    assert!(warn.windows(2).all(|w| w[0].id > w[1].id));
    assert_eq!(warn[0].record.message, "event 999");
    assert_eq!(
        warn[0].record.metadata,
        Some(serde_json::json!({ "i": 999 }))
    );

    let stt_errors = store
        .query_logs(&LogQuery {
            min_level: LogLevel::Error,
            component: Some("agent".into()),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    // Errors are i % 4 == 3, always odd, so all "agent": 250 of them.
    assert_eq!(stt_errors.len(), 250);

    // Following: everything after an id, oldest first.
    let last = warn[0].id;
    let after = store
        .query_logs(&LogQuery {
            after_id: Some(last - 3),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        after.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![last - 2, last - 1, last]
    );
}

#[tokio::test]
async fn tracing_events_land_in_the_logs_table_with_fields() {
    let (_home, store) = fresh();
    let (layer, guard) = store_log_layer(store.db().clone(), LogLevel::Info);
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(target: "tonny_store::prune", rows = 3u64, "pruned old rows");
        tracing::warn!(
            target: "tonny_supervisor",
            component = "supervisor",
            attempt = 2,
            "restarting WhisperLiveKit"
        );
        tracing::debug!(target: "tonny_store", "below the level, not stored");
        // Other crates: only warnings and errors are recorded.
        tracing::info!(target: "zbus::connection", body = "sk-secret", "message sent");
        tracing::warn!(target: "zbus::connection", "connection reset");
    });
    drop(guard); // flushes
    let logs = store.query_logs(&LogQuery::default()).await.unwrap();
    assert_eq!(logs.len(), 3, "{logs:?}");
    assert_eq!(logs[0].record.component, "zbus");
    assert_eq!(logs[0].record.message, "connection reset");
    assert_eq!(logs[1].record.component, "supervisor");
    assert_eq!(logs[1].record.level, LogLevel::Warn);
    assert_eq!(
        logs[1].record.metadata,
        Some(serde_json::json!({ "attempt": 2 }))
    );
    assert_eq!(logs[2].record.component, "store");
    assert_eq!(logs[2].record.message, "pruned old rows");
    assert_eq!(
        logs[2].record.metadata,
        Some(serde_json::json!({ "rows": 3 }))
    );
}
