//! What the running daemon does on its own so nobody has to type a command: history older
//! than `history.retention_days` is deleted once a day, and the database is copied every
//! `backup.interval_hours` (a consistent online copy, gzip-compressed, 0600) into the backups
//! folder, keeping the newest `backup.keep`. A copy is taken at start when the newest one is
//! older than the interval, so a machine that is off at night still gets its backups.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use tokio_util::sync::CancellationToken;
use tonny_core::Settings;
use tonny_store::{PruneReport, Store, StoreError};

use crate::settings::LiveSettings;

/// Scheduled backups are named `scheduled-<UTC time>.db.gz`; other files in the folder (the
/// safety copies a restore takes, downloads in progress) are never touched.
const PREFIX: &str = "scheduled-";
const SUFFIX: &str = ".db.gz";
const STAMP: &str = "%Y%m%dT%H%M%SZ";

/// How often the daemon looks whether something is due.
const LOOK_EVERY: Duration = Duration::from_secs(15 * 60);
/// The first look, shortly after start (not in the start-up rush).
const FIRST_LOOK: Duration = Duration::from_secs(20);

/// Why a housekeeping step failed (logged; the next look tries again).
#[derive(Debug, thiserror::Error)]
pub enum HousekeepingError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The backups folder or a file in it could not be written or read.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

/// What one look did.
#[derive(Debug, Default)]
pub struct Done {
    /// The retention run, when one ran.
    pub pruned: Option<PruneReport>,
    /// The backup written, when one was due.
    pub backup: Option<PathBuf>,
    /// Old scheduled backups deleted.
    pub removed: Vec<PathBuf>,
}

/// The daemon's housekeeper.
pub struct Housekeeping {
    store: Arc<dyn Store>,
    settings: LiveSettings,
    backups: PathBuf,
    // When retention last ran (in memory: once a day per run is enough).
    last_retention: Option<DateTime<Utc>>,
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> HousekeepingError {
    let path = path.to_path_buf();
    move |source| HousekeepingError::Io {
        action,
        path,
        source,
    }
}

/// The scheduled backups in `dir`, oldest first, with when each was taken.
pub fn scheduled_backups(dir: &Path) -> Vec<(DateTime<Utc>, PathBuf)> {
    let mut found: Vec<(DateTime<Utc>, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
            let at = NaiveDateTime::parse_from_str(stamp, STAMP).ok()?.and_utc();
            Some((at, e.path()))
        })
        .collect();
    found.sort();
    found
}

impl Housekeeping {
    /// A housekeeper for `store`, writing backups into `backups`.
    pub fn new(store: Arc<dyn Store>, settings: LiveSettings, backups: PathBuf) -> Self {
        Self {
            store,
            settings,
            backups,
            last_retention: None,
        }
    }

    /// Looks now (as at `now`) and does what is due.
    pub async fn tick(&mut self, now: DateTime<Utc>) -> Result<Done, HousekeepingError> {
        let settings = self.settings.current();
        let mut done = Done::default();
        let day = chrono::Duration::days(1);
        if settings.history.retention_days > 0 && self.last_retention.is_none_or(|t| now - t >= day)
        {
            let cutoff = now - chrono::Duration::days(i64::from(settings.history.retention_days));
            let report = self.store.prune(cutoff).await?;
            tracing::info!(
                component = "housekeeping",
                transcriptions = report.transcriptions,
                activity = report.activity,
                logs = report.logs,
                "retention: removed what is older than {} days",
                settings.history.retention_days
            );
            self.last_retention = Some(now);
            done.pruned = Some(report);
        }
        if self.backup_due(&settings, now) {
            done.backup = Some(self.backup(now).await?);
            done.removed = self.prune_backups(settings.backup.keep as usize)?;
        }
        Ok(done)
    }

    fn backup_due(&self, settings: &Settings, now: DateTime<Utc>) -> bool {
        let hours = settings.backup.interval_hours;
        if hours == 0 {
            return false;
        }
        match scheduled_backups(&self.backups).last() {
            Some((at, _)) => now - *at >= chrono::Duration::hours(i64::from(hours)),
            None => true,
        }
    }

    /// Writes a compressed consistent copy named for `now`.
    async fn backup(&self, now: DateTime<Utc>) -> Result<PathBuf, HousekeepingError> {
        tonny_core::paths::create_private_dir(&self.backups)
            .map_err(io("create", &self.backups))?;
        let name = format!("{PREFIX}{}{SUFFIX}", now.format(STAMP));
        let dest = self.backups.join(&name);
        let raw = self.backups.join(format!(".{name}.db"));
        let report = self.store.backup(&raw).await;
        let compressed = match report {
            Ok(_) => {
                let (raw2, dest2) = (raw.clone(), dest.clone());
                tokio::task::spawn_blocking(move || gzip(&raw2, &dest2))
                    .await
                    .map_err(|e| HousekeepingError::Io {
                        action: "compress",
                        path: dest.clone(),
                        source: std::io::Error::other(e.to_string()),
                    })?
            }
            Err(e) => Err(e.into()),
        };
        let _ = std::fs::remove_file(&raw);
        compressed?;
        tracing::info!(
            component = "housekeeping",
            "scheduled backup written to {}",
            dest.display()
        );
        Ok(dest)
    }

    /// Deletes the oldest scheduled backups beyond `keep`.
    fn prune_backups(&self, keep: usize) -> Result<Vec<PathBuf>, HousekeepingError> {
        let all = scheduled_backups(&self.backups);
        let excess = all.len().saturating_sub(keep.max(1));
        let mut removed = Vec::new();
        for (_, path) in all.into_iter().take(excess) {
            std::fs::remove_file(&path).map_err(io("delete", &path))?;
            removed.push(path);
        }
        Ok(removed)
    }

    /// Looks shortly after start and then every quarter hour, until `shutdown`.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut wait = FIRST_LOOK;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
            wait = LOOK_EVERY;
            if let Err(e) = self.tick(Utc::now()).await {
                tracing::warn!(component = "housekeeping", "{e}; trying again later");
            }
        }
    }
}

/// Compresses `raw` into `dest` (0600), through a temporary file renamed into place, so a
/// full disk never leaves a half-written backup under the real name.
fn gzip(raw: &Path, dest: &Path) -> Result<(), HousekeepingError> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = dest.with_extension("gz.partial");
    let result = (|| -> std::io::Result<()> {
        let mut input = std::fs::File::open(raw)?;
        let out = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        std::io::copy(&mut input, &mut encoder)?;
        encoder.finish()?.sync_all()?;
        std::fs::rename(&tmp, dest)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io("write", dest))
}
