//! The `tonny` command's commands and the daemon they run, as a library so the tray
//! (`tonny-tray`) runs the very same daemon in-process. Errors are `anyhow`: they end at the
//! top of one of those two binaries, where they are printed for a person.
//!
//! The library never names the embedded engine (`tonny_whisper`): each binary hands
//! [`ctx::Ctx`] the way it runs it ([`cmd::pipeline::EmbeddedLoader`]), in-process for `tonny`,
//! in `tonny stt-worker` for the tray, which therefore does not link CTranslate2.
//!
//! # Layout
//! - [`ctx`]: what every command gets (paths, the store, settings, output mode).
//! - [`output`]: printing tables and JSON, treating a closed pipe as success.
//! - [`logging`]: stderr and the database log.
//! - [`cmd`]: one module per subcommand group; [`cmd::run`] is the daemon.

pub mod cmd;
pub mod ctx;
pub mod logging;
pub mod output;
