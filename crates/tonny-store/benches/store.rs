//! Store benchmark: `cargo bench -p tonny-store --bench store` (or `scripts/bench-store.sh`).
//!
//! Builds a database of 100k transcriptions and 1M log lines, then measures, through the same
//! async `Store` trait the rest of TonnyTray uses, the operations the design documents make
//! claims about, and prints each figure beside the claim as a ratio (claim ÷ measured; the goal
//! is ≥ 10). Sizes can be scaled with `TONNY_BENCH_TRANSCRIPTIONS` and `TONNY_BENCH_LOGS`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tonny_core::settings::LogLevel;
use tonny_store::{
    HistoryQuery, LogQuery, LogRecord, NewTranscription, SqliteDb, SqliteStore, Store,
};
use tonny_testkit::fixtures;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn transcription(i: u64) -> NewTranscription {
    NewTranscription {
        text: fixtures::utterance(i),
        confidence: Some(0.91),
        source: Some("mic".into()),
        language: Some("en".into()),
        audio_ms: Some(2_400),
        stt_ms: Some(310),
        ..Default::default()
    }
}

const COMPONENTS: [&str; 8] = [
    "stt",
    "agent",
    "tts",
    "audio",
    "supervisor",
    "server",
    "store",
    "router",
];

/// A realistic mix: mostly debug and info, some warnings, few errors.
fn log_line(i: u64) -> LogRecord {
    let level = match i % 100 {
        0..=39 => LogLevel::Debug,
        40..=89 => LogLevel::Info,
        90..=97 => LogLevel::Warn,
        _ => LogLevel::Error,
    };
    LogRecord {
        ts: Utc::now(),
        level,
        component: COMPONENTS[(i % 8) as usize].into(),
        message: "request finished".into(),
        metadata: Some(
            serde_json::json!({ "request_id": i, "latency_ms": i % 900, "backend": "n8n" }),
        ),
    }
}

struct Summary {
    p50: Duration,
    p99: Duration,
}

fn summarize(mut samples: Vec<Duration>) -> Summary {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Summary {
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn row(what: &str, s: &Summary, claim_ms: Option<f64>) {
    let ratio = claim_ms
        .map(|c| format!("{:>8.1}x  (claim {c} ms)", c / ms(s.p50)))
        .unwrap_or_else(|| "        -".into());
    println!(
        "{what:<44} p50 {:>8.3} ms   p99 {:>8.3} ms   {ratio}",
        ms(s.p50),
        ms(s.p99)
    );
}

fn file_bytes(db: &SqliteDb) -> u64 {
    let s = db.stats().unwrap();
    s.file_bytes + s.wal_bytes
}

#[tokio::main]
async fn main() {
    let n_tr = env_or("TONNY_BENCH_TRANSCRIPTIONS", 100_000);
    let n_logs = env_or("TONNY_BENCH_LOGS", 1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("bench.db")).unwrap();
    let db: Arc<SqliteDb> = Arc::clone(store.db());

    println!("TonnyTray store benchmark: {n_tr} transcriptions, {n_logs} log lines");
    let t = Instant::now();
    db.vacuum().unwrap();
    let empty = file_bytes(&db);
    for i in 0..n_tr {
        db.insert_transcription(&transcription(i)).unwrap();
    }
    db.vacuum().unwrap();
    let with_tr = file_bytes(&db);
    let per_1000 = (with_tr - empty) as f64 / (n_tr as f64 / 1000.0);
    let mut i = 0;
    while i < n_logs {
        let batch: Vec<_> = (i..(i + 10_000).min(n_logs)).map(log_line).collect();
        db.insert_logs(&batch).unwrap();
        i += batch.len() as u64;
    }
    println!(
        "setup {:.1} s, database {:.1} MB",
        t.elapsed().as_secs_f64(),
        file_bytes(&db) as f64 / 1e6
    );
    println!();

    // Insert one transcription (each its own committed transaction), through the async trait.
    let mut samples = Vec::new();
    for k in 0..3_000u64 {
        let tr = transcription(n_tr + k);
        let t = Instant::now();
        store.insert_transcription(&tr).await.unwrap();
        samples.push(t.elapsed());
    }
    let insert = summarize(samples);
    row("insert one transcription", &insert, Some(1.0));
    let mut samples = Vec::new();
    for k in 0..3_000u64 {
        let tr = transcription(n_tr + 3_000 + k);
        let t = Instant::now();
        db.insert_transcription(&tr).unwrap();
        samples.push(t.elapsed());
    }
    row(
        "  (same, synchronous, no thread hand-off)",
        &summarize(samples),
        Some(1.0),
    );

    let mut samples = Vec::new();
    for k in 0..100u64 {
        let batch: Vec<_> = (0..1_000).map(|j| log_line(k * 1_000 + j)).collect();
        let t = Instant::now();
        store.insert_logs(&batch).await.unwrap();
        samples.push(t.elapsed());
    }
    row(
        "insert 1,000 log lines in one transaction",
        &summarize(samples),
        None,
    );

    let mut latest_warn = None;
    for (label, level, claim) in [
        ("latest 100 logs, level >= warn", LogLevel::Warn, Some(5.0)),
        (
            "latest 100 logs, level >= error (2%)",
            LogLevel::Error,
            Some(5.0),
        ),
        ("latest 100 logs, level >= info", LogLevel::Info, Some(5.0)),
    ] {
        let q = LogQuery {
            min_level: level,
            limit: 100,
            ..Default::default()
        };
        let mut samples = Vec::new();
        for _ in 0..500 {
            let t = Instant::now();
            let got = store.query_logs(&q).await.unwrap();
            samples.push(t.elapsed());
            assert_eq!(got.len(), 100);
        }
        let s = summarize(samples);
        row(label, &s, claim);
        latest_warn.get_or_insert(s.p50);
    }

    let queries = [
        "timer minutes",
        "porch light",
        "dinner",
        "lights",
        "shopping list",
        "grandma sunday",
        "weather tomorrow",
        "robot vacuum",
    ];
    let mut samples = Vec::new();
    for k in 0..800 {
        let q = queries[k % queries.len()];
        let t = Instant::now();
        let hits = store
            .search_transcriptions(
                q,
                &HistoryQuery {
                    limit: 20,
                    ..HistoryQuery::default()
                },
            )
            .await
            .unwrap();
        samples.push(t.elapsed());
        assert_eq!(hits.len(), 20, "{q}");
    }
    row("full-text search, 20 hits", &summarize(samples), None);

    println!();
    let claim_bytes = 10.0e6;
    println!(
        "database bytes per 1,000 transcriptions     {:>8.0} KB          {:>8.1}x  (claim 10 MB)",
        per_1000 / 1e3,
        claim_bytes / per_1000
    );
    println!();
    println!(
        "summary: insert {:.1}x, latest-100-logs {:.1}x, size {:.1}x better than the design claims (goal 10x)",
        1.0 / ms(insert.p50),
        5.0 / ms(latest_warn.unwrap()),
        claim_bytes / per_1000
    );
}
