//! What the running daemon does on its own so nobody has to type a command: history older
//! than `history.retention_days` is deleted once a day, and the database is copied every
//! `backup.interval_hours` (a consistent online copy, gzip-compressed, 0600) into the backups
//! folder, keeping the newest `backup.keep`. A copy is taken at start when the newest one is
//! older than the interval, so a machine that is off at night still gets its backups.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;
use tonny_core::Settings;
use tonny_store::backups::{self, BackupKind};
use tonny_store::{PruneReport, Store, StoreError};

use crate::settings::LiveSettings;

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
    // Where delivered dictations' recordings are kept.
    recordings: Option<crate::unsent::Unsent>,
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> HousekeepingError {
    let path = path.to_path_buf();
    move |source| HousekeepingError::Io {
        action,
        path,
        source,
    }
}

/// The scheduled backups in `dir`, oldest first, with when each was taken (named as
/// [`tonny_store::backups`] names them; the other kinds of backup are never touched here).
pub fn scheduled_backups(dir: &Path) -> Vec<(DateTime<Utc>, PathBuf)> {
    backups::list(dir)
        .into_iter()
        .filter(|b| b.kind == BackupKind::Scheduled)
        .map(|b| (b.taken, b.path))
        .collect()
}

impl Housekeeping {
    /// A housekeeper for `store`, writing backups into `backups`.
    pub fn new(store: Arc<dyn Store>, settings: LiveSettings, backups: PathBuf) -> Self {
        Self {
            store,
            settings,
            backups,
            last_retention: None,
            recordings: None,
        }
    }

    /// Also removes delivered dictations' kept recordings (`history.keep_audio`) with the
    /// rest of the history.
    pub fn with_recordings(mut self, recordings: crate::unsent::Unsent) -> Self {
        self.recordings = Some(recordings);
        self
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
            if let Some(recordings) = &self.recordings {
                let removed = recordings.remove_kept_before(cutoff);
                tracing::info!(
                    component = "housekeeping",
                    removed,
                    "retention: kept recordings"
                );
            }
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
        let dest = self
            .backups
            .join(backups::file_name(BackupKind::Scheduled, now));
        self.store.backup(&dest).await?;
        tracing::info!(
            component = "housekeeping",
            "scheduled backup written to {}",
            dest.display()
        );
        Ok(dest)
    }

    /// Deletes the oldest scheduled backups beyond `keep` (at least one is kept).
    fn prune_backups(&self, keep: usize) -> Result<Vec<PathBuf>, HousekeepingError> {
        backups::prune(&self.backups, keep.max(1), Some(BackupKind::Scheduled))
            .map_err(io("delete old backups in", &self.backups))
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
