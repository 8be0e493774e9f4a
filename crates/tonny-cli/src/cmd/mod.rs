//! One module per subcommand group; each parses its own arguments and runs itself.

pub mod actions;
pub mod agents;
pub mod ask;
pub mod config;
pub mod db;
pub mod doctor;
pub mod history;
pub mod listen;
pub mod local;
pub mod logs;
pub mod models;
pub mod profiles;
pub mod run;
pub mod say;
pub mod secrets;
pub mod serve;
pub mod services;
pub mod transcribe;
pub mod unsent;
pub mod vocab;
pub mod voices;
