//! Backup files: how they are named, compressed, listed and pruned. One scheme for the daemon's
//! scheduled backups, `tonny db backup` and the safety copy a restore takes, so `tonny db
//! backups list|prune` sees them all and a restore reads any of them.
//!
//! A file whose name ends in `.gz` is gzip-compressed (a SQLite database compresses to a
//! fraction of its size, and `gunzip` opens it by hand); any other name holds the database as
//! it is. gzip through `flate2` (pure Rust, already linked) rather than zstd: no other native
//! library, and readable with tools every system has.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

/// Why a backup file was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupKind {
    /// By the daemon, every `backup.interval_hours`.
    Scheduled,
    /// By `tonny db backup` without a file name.
    Manual,
    /// The database as it was just before a restore replaced it.
    PreRestore,
}

impl BackupKind {
    const ALL: [BackupKind; 3] = [Self::Scheduled, Self::Manual, Self::PreRestore];

    /// How people see it (`tonny db backups list`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Manual => "manual",
            Self::PreRestore => "pre-restore",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled-",
            Self::Manual => "manual-",
            Self::PreRestore => "pre-restore-",
        }
    }
}

/// The compressed suffix every backup TonnyTray names gets.
const SUFFIX: &str = ".db.gz";
/// UTC, to the millisecond: two backups in one second get two names.
const STAMP: &str = "%Y%m%dT%H%M%S%.3fZ";

/// A backup file in the backups folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupFile {
    /// Where it is.
    pub path: PathBuf,
    /// Why it was taken.
    pub kind: BackupKind,
    /// When (from its name).
    pub taken: DateTime<Utc>,
    /// Its size on disk.
    pub bytes: u64,
}

/// The name a backup of `kind` taken at `at` gets (`scheduled-20261205T020000.000Z.db.gz`).
pub fn file_name(kind: BackupKind, at: DateTime<Utc>) -> String {
    format!("{}{}{SUFFIX}", kind.prefix(), at.format(STAMP))
}

/// The backups TonnyTray named in `dir`, oldest first. Other files (a download, a copy the
/// person put there) are not listed and never pruned.
pub fn list(dir: &Path) -> Vec<BackupFile> {
    let mut found: Vec<BackupFile> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let (kind, taken) = parse_name(&name)?;
            Some(BackupFile {
                path: entry.path(),
                kind,
                taken,
                bytes: entry.metadata().map(|m| m.len()).unwrap_or(0),
            })
        })
        .collect();
    found.sort_by(|a, b| a.taken.cmp(&b.taken).then_with(|| a.path.cmp(&b.path)));
    found
}

/// Deletes all but the newest `keep` backups (of `kind`, or of every kind); returns what it
/// deleted, oldest first.
pub fn prune(dir: &Path, keep: usize, kind: Option<BackupKind>) -> io::Result<Vec<PathBuf>> {
    let all: Vec<BackupFile> = list(dir)
        .into_iter()
        .filter(|b| kind.is_none_or(|k| b.kind == k))
        .collect();
    let excess = all.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for backup in all.into_iter().take(excess) {
        fs::remove_file(&backup.path)?;
        removed.push(backup.path);
    }
    Ok(removed)
}

fn parse_name(name: &str) -> Option<(BackupKind, DateTime<Utc>)> {
    let stem = name.strip_suffix(SUFFIX)?;
    BackupKind::ALL.into_iter().find_map(|kind| {
        let stamp = stem.strip_prefix(kind.prefix())?;
        // Scheduled backups were named to the second before names carried milliseconds.
        let at = NaiveDateTime::parse_from_str(stamp, STAMP)
            .or_else(|_| NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ"))
            .ok()?;
        Some((kind, at.and_utc()))
    })
}

/// Whether `path`'s name asks for a compressed backup.
pub(crate) fn wants_gzip(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

/// Whether `path` starts with gzip's magic bytes.
pub(crate) fn is_gzip(path: &Path) -> io::Result<bool> {
    let mut magic = [0u8; 2];
    let mut f = File::open(path)?;
    Ok(f.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b])
}

/// Compresses `raw` into `out` (already created, 0600) and flushes it to disk.
pub(crate) fn gzip(raw: &Path, out: File) -> io::Result<()> {
    let mut input = File::open(raw)?;
    let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    io::copy(&mut input, &mut encoder)?;
    encoder.finish()?.sync_all()
}

/// Decompresses `src` into `dest` (created or truncated).
pub(crate) fn gunzip(src: &Path, dest: &Path) -> io::Result<()> {
    let mut decoder = flate2::read::GzDecoder::new(File::open(src)?);
    let mut out = File::create(dest)?;
    io::copy(&mut decoder, &mut out)?;
    out.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn names_are_read_back_with_and_without_milliseconds() {
        let at = Utc.with_ymd_and_hms(2026, 12, 5, 2, 0, 0).unwrap()
            + chrono::Duration::milliseconds(123);
        let name = file_name(BackupKind::Manual, at);
        assert_eq!(name, "manual-20261205T020000.123Z.db.gz");
        assert_eq!(parse_name(&name), Some((BackupKind::Manual, at)));
        let old = parse_name("scheduled-20261205T020000Z.db.gz").unwrap();
        assert_eq!(old.0, BackupKind::Scheduled);
        assert_eq!(old.1.timestamp(), at.timestamp());
        assert_eq!(parse_name("notes.db.gz"), None);
        assert_eq!(parse_name("manual-yesterday.db.gz"), None);
    }
}
