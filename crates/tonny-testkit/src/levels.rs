//! When sound starts and stops on a device of a [`PulseServer`], on the test's clock: a
//! `parec` stream with a 10 ms latency is read on a thread and every 10 ms block is kept with
//! the instant it arrived. Two watches read the same way, so their difference (a person's
//! first word on the microphone, TonnyTray's last sample on the speaker) is a reaction time
//! within a block or two, whatever each stream's own latency.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::PulseServer;

/// Samples per block (10 ms at 16 kHz).
const BLOCK: usize = 160;

/// Levels of one device as they arrive; stops reading when dropped.
pub struct LevelWatch {
    child: Child,
    blocks: Arc<Mutex<Vec<(Instant, f32)>>>,
}

impl PulseServer {
    /// Starts watching the level of `device` (a source, or a sink's `.monitor`).
    pub fn watch_levels(&self, device: &str) -> LevelWatch {
        let mut child = Command::new("parec")
            .arg(format!("--device={device}"))
            .args([
                "--rate=16000",
                "--channels=1",
                "--format=s16le",
                "--latency-msec=10",
                "--raw",
            ])
            .env("XDG_RUNTIME_DIR", self.runtime_dir())
            .env_remove("PULSE_SERVER")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("running parec (apt package pulseaudio-utils)");
        let mut out = child.stdout.take().expect("parec's stdout");
        let blocks = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&blocks);
        thread::spawn(move || {
            let mut buf = [0u8; BLOCK * 2];
            while out.read_exact(&mut buf).is_ok() {
                let at = Instant::now();
                let power = buf
                    .chunks_exact(2)
                    .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
                    .map(|s| s * s)
                    .sum::<f32>()
                    / BLOCK as f32;
                let dbfs = 10.0 * power.max(1e-12).log10();
                sink.lock().unwrap().push((at, dbfs));
            }
        });
        LevelWatch { child, blocks }
    }
}

impl LevelWatch {
    /// The first instant after `after` from which the level stays at `dbfs` or above for
    /// `hold` (a word, not a click).
    pub fn first_above(&self, after: Instant, dbfs: f32, hold: Duration) -> Option<Instant> {
        let blocks = self.blocks.lock().unwrap();
        let mut run_start: Option<Instant> = None;
        for (at, level) in blocks.iter().filter(|(at, _)| *at > after) {
            if *level < dbfs {
                run_start = None;
                continue;
            }
            let start = *run_start.get_or_insert(*at);
            if at.duration_since(start) >= hold {
                return Some(start);
            }
        }
        None
    }

    /// The instant after `after` when sound ended for good: the last block at `dbfs` or above
    /// that is followed by at least `quiet` of quieter blocks (`None` while it still sounds).
    pub fn silent_from(&self, after: Instant, dbfs: f32, quiet: Duration) -> Option<Instant> {
        let blocks = self.blocks.lock().unwrap();
        let mut last_loud = after;
        for (at, level) in blocks.iter().filter(|(at, _)| *at > after) {
            if *level >= dbfs {
                last_loud = *at;
            } else if at.duration_since(last_loud) >= quiet {
                return Some(last_loud);
            }
        }
        None
    }

    /// The blocks after `after` at `dbfs` or louder, as (time since `after`, level): what a
    /// failed assertion shows.
    pub fn loud_since(&self, after: Instant, dbfs: f32) -> Vec<(Duration, f32)> {
        self.blocks
            .lock()
            .unwrap()
            .iter()
            .filter(|(at, level)| *at > after && *level >= dbfs)
            .map(|(at, level)| (at.duration_since(after), (level * 10.0).round() / 10.0))
            .collect()
    }
}

impl Drop for LevelWatch {
    fn drop(&mut self) {
        // Our own parec, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
