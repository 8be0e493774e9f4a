//! TonnyTray persistence.
//!
//! # Layout
//! - [`store`]: the [`Store`] trait every caller uses, so the engine can change underneath.
//! - [`sqlite`]: the default engine, one SQLite file (WAL, 0600), with embedded migrations,
//!   full-text search, retention, online backup and restore.
//! - [`records`]: the rows going in and out, engine-independent.
//! - [`backups`]: backup files (scheduled, manual, pre-restore): names, gzip, list and prune.
//! - [`log_sink`]: a `tracing` layer that batches log events into the `logs` table.
//! - [`secrets`]: API keys and URLs in the OS keychain (or an encrypted file where there is
//!   none), never in the database.
//! - [`error`]: [`StoreError`], phrased for the person who must act on it.

pub mod backups;
pub mod error;
pub mod export;
pub mod log_sink;
pub mod records;
pub mod secrets;
pub mod sqlite;
pub mod store;

pub use error::StoreError;
pub use records::*;
pub use sqlite::{SqliteDb, SqliteStore};
pub use store::Store;
