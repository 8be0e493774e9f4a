//! Integration tests for the `tonny` binary, run as a user would run it.

mod ask;
mod barge_in;
mod config;
mod daemon;
mod db;
mod dictate;
mod dictation_modes;
mod docs;
mod doctor;
mod history;
mod languages;
mod listen;
mod logs;
mod models;
mod portal;
mod profiles;
mod remote;
mod say;
mod secrets;
mod serve;
mod service;
mod services;
mod stt_worker;
mod transcribe;
mod ui;
mod unsent;
mod vocab;
mod voices;

use tonny_testkit::{TempHome, Tonny};

/// The title of the newest notification stored in `home` (what the person was told last).
pub fn newest_notification_title(home: &TempHome) -> String {
    rusqlite::Connection::open(home.database())
        .unwrap()
        .query_row(
            "SELECT title FROM notifications ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// `tonny` in `home` with a scrubbed environment.
pub fn tonny(home: &TempHome) -> Tonny {
    Tonny::new(env!("CARGO_BIN_EXE_tonny"), home)
}
