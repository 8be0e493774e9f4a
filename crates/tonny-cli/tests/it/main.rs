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

/// `tonny` in `home` with a scrubbed environment.
pub fn tonny(home: &TempHome) -> Tonny {
    Tonny::new(env!("CARGO_BIN_EXE_tonny"), home)
}
