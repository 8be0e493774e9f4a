//! Dictations whose text has not arrived yet. A dictation's recording is kept from the moment
//! it ends until its text was delivered, so a failed transcription, a window that could not be
//! typed into, or a crash loses nothing: `tonny history retry` (or the web UI's Retry) hears it
//! again and types it. Each is a 16-bit WAV and a small JSON description side by side, both
//! 0600, in `data/recordings/unsent`; at most [`MAX_UNSENT`] are kept (the oldest go first).
//! Delivered recordings are deleted, or moved to `data/recordings/kept` when
//! `history.keep_audio` is on, where history retention removes them.

use std::fs::{self, OpenOptions};
use std::io::BufWriter;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tonny_core::dictation::DictationMode;
use tonny_core::stt::SAMPLE_RATE;
use utoipa::ToSchema;

/// The most unsent dictations kept; beyond it the oldest is removed (a person who never
/// retries should not fill the disk).
pub const MAX_UNSENT: usize = 50;

/// Why an unsent dictation could not be kept, found or read.
#[derive(Debug, thiserror::Error)]
pub enum UnsentError {
    /// No such id (or one that is not an id at all).
    #[error("there is no unsent dictation {0:?}; `tonny history unsent` lists them")]
    NotFound(String),
    /// The disk refused.
    #[error("the dictation's recording could not be {doing} ({path}): {source}")]
    Io {
        /// What was being done.
        doing: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The recording is not a readable WAV.
    #[error("the dictation's recording {path} cannot be read: {source}")]
    Wav {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: hound::Error,
    },
}

/// One dictation waiting to be delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UnsentDictation {
    /// Its id (what `tonny history retry ID` takes).
    pub id: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Its length.
    pub audio_ms: u64,
    /// Where it came from ("mic", "browser", a file).
    pub source: String,
    /// The dictation mode the person asked for, if they did.
    pub mode: Option<DictationMode>,
    /// What went wrong the last time, when something did (absent: it was never finished,
    /// e.g. TonnyTray stopped while transcribing).
    pub last_error: Option<String>,
}

/// The folder of unsent dictations.
#[derive(Debug, Clone)]
pub struct Unsent {
    dir: PathBuf,
}

fn io(doing: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> UnsentError {
    let path = path.to_owned();
    move |source| UnsentError::Io {
        doing,
        path,
        source,
    }
}

/// Ids are made here: letters, digits and dashes only (never a path).
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn private_file(path: &Path) -> std::io::Result<fs::File> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

impl Unsent {
    /// Unsent dictations under `recordings_dir` (`data/recordings`).
    pub fn new(recordings_dir: &Path) -> Self {
        Self {
            dir: recordings_dir.join("unsent"),
        }
    }

    fn wav(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.wav"))
    }

    fn meta(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    fn write_meta(&self, d: &UnsentDictation) -> Result<(), UnsentError> {
        let path = self.meta(&d.id);
        let tmp = path.with_extension("json.tmp");
        let json = serde_json::to_vec_pretty(d).expect("a dictation serialises");
        fs::write(&tmp, json)
            .and_then(|()| fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600)))
            .and_then(|()| fs::rename(&tmp, &path))
            .map_err(io("written", &path))
    }

    /// Keeps `samples` (16 kHz mono) as an unsent dictation; returns its id.
    pub fn keep(
        &self,
        samples: &[f32],
        source: &str,
        mode: Option<DictationMode>,
    ) -> Result<String, UnsentError> {
        tonny_core::paths::create_private_dir(&self.dir).map_err(io("stored", &self.dir))?;
        let now = Utc::now();
        let id = format!(
            "{}-{}",
            now.format("%Y%m%dT%H%M%S%9fZ"),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let path = self.wav(&id);
        let file = private_file(&path).map_err(io("stored", &path))?;
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let wav_error = |source| UnsentError::Wav {
            path: path.clone(),
            source,
        };
        let mut w = hound::WavWriter::new(BufWriter::new(file), spec).map_err(wav_error)?;
        for s in samples {
            w.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16)
                .map_err(wav_error)?;
        }
        w.finalize().map_err(wav_error)?;
        self.write_meta(&UnsentDictation {
            id: id.clone(),
            recorded_at: now,
            audio_ms: samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE),
            source: source.to_owned(),
            mode,
            last_error: None,
        })?;
        self.bound();
        Ok(id)
    }

    /// Removes delivered recordings kept (`history.keep_audio`) before `cutoff` (history
    /// retention); returns how many went.
    pub fn remove_kept_before(&self, cutoff: DateTime<Utc>) -> usize {
        let kept = self.dir.with_file_name("kept");
        let Ok(entries) = fs::read_dir(&kept) else {
            return 0;
        };
        let cutoff: std::time::SystemTime = cutoff.into();
        entries
            .flatten()
            .filter(|e| {
                e.metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t < cutoff)
            })
            .filter(|e| fs::remove_file(e.path()).is_ok())
            .count()
    }

    /// Removes the oldest beyond [`MAX_UNSENT`].
    fn bound(&self) {
        let all = self.list();
        for old in all.iter().take(all.len().saturating_sub(MAX_UNSENT)) {
            tracing::warn!(
                id = old.id,
                "more than {MAX_UNSENT} dictations were never delivered; removing the oldest"
            );
            self.remove(&old.id);
        }
    }

    /// Every unsent dictation, oldest first.
    pub fn list(&self) -> Vec<UnsentDictation> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut all: Vec<UnsentDictation> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .filter_map(|p| serde_json::from_slice(&fs::read(&p).ok()?).ok())
            .filter(|d: &UnsentDictation| self.wav(&d.id).is_file())
            .collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// One unsent dictation's description.
    fn read_meta(&self, id: &str) -> Result<UnsentDictation, UnsentError> {
        let missing = || UnsentError::NotFound(id.to_owned());
        if !valid_id(id) {
            return Err(missing());
        }
        fs::read(self.meta(id))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(missing)
    }

    /// One unsent dictation and its samples.
    pub fn load(&self, id: &str) -> Result<(UnsentDictation, Vec<f32>), UnsentError> {
        let missing = || UnsentError::NotFound(id.to_owned());
        let meta = self.read_meta(id)?;
        let path = self.wav(id);
        let reader = hound::WavReader::open(&path).map_err(|source| match source {
            hound::Error::IoError(e) if e.kind() == std::io::ErrorKind::NotFound => missing(),
            source => UnsentError::Wav {
                path: path.clone(),
                source,
            },
        })?;
        let samples = reader
            .into_samples::<i16>()
            .map(|s| s.map(|s| f32::from(s) / 32768.0))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| UnsentError::Wav { path, source })?;
        Ok((meta, samples))
    }

    /// Notes why `id` is still unsent.
    pub fn failed(&self, id: &str, why: &str) {
        if let Ok(mut meta) = self.read_meta(id) {
            meta.last_error = Some(why.to_owned());
            if let Err(e) = self.write_meta(&meta) {
                tracing::warn!("{e}");
            }
        }
    }

    /// `id` was delivered (or needs no delivery): removed, or moved to `kept/` when the person
    /// keeps audio.
    pub fn done(&self, id: &str, keep_audio: bool) {
        if !valid_id(id) {
            return;
        }
        if keep_audio {
            let kept = self.dir.with_file_name("kept");
            let moved = tonny_core::paths::create_private_dir(&kept)
                .and_then(|()| fs::rename(self.wav(id), kept.join(format!("{id}.wav"))));
            if let Err(e) = moved {
                tracing::warn!("the delivered dictation's audio could not be kept: {e}");
            }
        }
        self.remove(id);
    }

    fn remove(&self, id: &str) {
        for path in [self.wav(id), self.meta(id)] {
            if let Err(e) = fs::remove_file(&path)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!("{} could not be removed: {e}", path.display());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_dictation_reads_back_until_it_is_done_and_ids_are_never_paths() {
        let dir = tempfile::tempdir().unwrap();
        let unsent = Unsent::new(dir.path());
        let samples: Vec<f32> = (0..1600).map(|i| (i as f32 / 50.0).sin() * 0.5).collect();
        let id = unsent
            .keep(&samples, "mic", Some(DictationMode::Mail))
            .unwrap();
        let mode = fs::metadata(unsent.wav(&id)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let (meta, back) = unsent.load(&id).unwrap();
        assert_eq!(meta.audio_ms, 100);
        assert_eq!(meta.mode, Some(DictationMode::Mail));
        assert_eq!(back.len(), samples.len());
        assert!((back[17] - samples[17]).abs() < 1e-3);
        unsent.failed(&id, "xdotool failed");
        assert_eq!(
            unsent.list()[0].last_error.as_deref(),
            Some("xdotool failed")
        );
        assert!(matches!(
            unsent.load("../../etc/passwd"),
            Err(UnsentError::NotFound(_))
        ));
        unsent.done(&id, true);
        assert!(unsent.list().is_empty());
        assert!(dir.path().join("kept").join(format!("{id}.wav")).is_file());
    }

    #[test]
    fn only_the_newest_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let unsent = Unsent::new(dir.path());
        let ids: Vec<String> = (0..MAX_UNSENT + 2)
            .map(|_| unsent.keep(&[0.0; 16], "mic", None).unwrap())
            .collect();
        let left: Vec<String> = unsent.list().into_iter().map(|d| d.id).collect();
        assert_eq!(left, ids[2..]);
    }
}
