//! Integration tests for tonny-store against real SQLite files.

mod crash;
mod history;
mod logs;
mod maintenance;
mod open;
mod pipeline;
mod profiles;

use std::sync::Arc;

use tonny_store::{NewTranscription, SqliteDb, SqliteStore};
use tonny_testkit::{TempHome, fixtures};

/// A fresh store in a fresh home.
pub fn fresh() -> (TempHome, SqliteStore) {
    let home = TempHome::new();
    let store = SqliteStore::open(&home.database()).expect("opening a fresh database");
    (home, store)
}

/// Inserts `n` realistic transcriptions synchronously.
pub fn fill(db: &Arc<SqliteDb>, n: u64) {
    for i in 0..n {
        db.insert_transcription(&NewTranscription {
            text: fixtures::utterance(i),
            confidence: Some(0.9),
            source: Some("mic".into()),
            ..Default::default()
        })
        .unwrap();
    }
}
