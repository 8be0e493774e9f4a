//! Playing speech on an output device with rodio, on a thread of its own (cpal streams are not
//! `Send`, and no async runtime belongs in a device callback). Clips queue in order; [`Player::stop`]
//! cuts the one playing and drops the rest, so a new utterance or the stop hotkey silences
//! TonnyTray at once. [`Player::is_playing`] lets capture ignore the microphone meanwhile.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;

use std::num::NonZero;

use cpal::traits::HostTrait;
use rodio::buffer::SamplesBuffer;
use rodio::source::EmptyCallback;
use rodio::{DeviceSinkBuilder, MixerDeviceSink, Player as Queue};

use crate::devices::{device_names, find_listed};

/// Why playback could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaybackError {
    /// No output device, or the named one does not exist.
    #[error("{0}")]
    NoDevice(String),
    /// The device refused the stream.
    #[error("could not open the audio output: {0}")]
    Open(String),
    /// The playback thread is gone (the device failed).
    #[error("the audio output stopped working; restart TonnyTray or pick another output device")]
    Stopped,
}

enum Command {
    Play {
        samples: Vec<f32>,
        sample_rate: u32,
        done: Box<dyn Fn() + Send>,
    },
    Stop,
}

/// Silence played before each clip, in milliseconds.
pub const LEAD_IN_MS: usize = 200;

/// How long after a clip ends [`Player::is_playing`] still says yes: the sound server's buffer
/// and the room's echo outlast the queue by tens of milliseconds.
pub const ECHO_TAIL: std::time::Duration = std::time::Duration::from_millis(300);

/// Handle to the playback thread. Cheap to clone; the thread ends when every clone is dropped.
#[derive(Clone)]
pub struct Player {
    tx: mpsc::Sender<Command>,
    // Clips queued or playing.
    queued: Arc<AtomicUsize>,
    // Milliseconds after `epoch` when the last clip ended or was stopped.
    last_end_ms: Arc<std::sync::atomic::AtomicU64>,
    epoch: std::time::Instant,
    device: String,
}

fn open_stream(device: Option<&str>) -> Result<(MixerDeviceSink, String), PlaybackError> {
    if !crate::devices::sound_system_present() {
        return Err(PlaybackError::NoDevice(format!(
            "cannot play sound: {}",
            crate::devices::NO_SOUND_SYSTEM
        )));
    }
    let host = cpal::default_host();
    let chosen = match device {
        Some(wanted) => {
            // The echo canceller's speaker can be missing from the first listing after it was
            // loaded (replies were then never spoken): asked again before giving up.
            find_listed(|| cpal::default_host().output_devices(), wanted)
                .map_err(|e| PlaybackError::NoDevice(format!("cannot list output devices: {e}")))?
                .ok_or_else(|| {
                    let known = host.output_devices().map(device_names).unwrap_or_default();
                    PlaybackError::NoDevice(format!(
                        "there is no output device called {wanted:?}; available: {} \
                     (set audio.output_device)",
                        known.join(", ")
                    ))
                })?
        }
        None => host.default_output_device().ok_or_else(|| {
            PlaybackError::NoDevice(
                "there is no audio output device (no sound card or sound server); replies will be \
                 shown instead of spoken"
                    .into(),
            )
        })?,
    };
    let name = chosen.to_string();
    let mut stream = DeviceSinkBuilder::from_device(chosen)
        .and_then(|b| b.open_sink_or_fallback())
        .map_err(|e| PlaybackError::Open(e.to_string()))?;
    stream.log_on_drop(false);
    Ok((stream, name))
}

impl Player {
    /// Opens `device` (by name), or the default output, on a new thread.
    pub fn open(device: Option<&str>) -> Result<Self, PlaybackError> {
        let (tx, rx) = mpsc::channel::<Command>();
        let (opened_tx, opened_rx) = mpsc::channel();
        let device = device.map(str::to_owned);
        let queued = Arc::new(AtomicUsize::new(0));
        thread::Builder::new()
            .name("tonny-playback".into())
            .spawn(move || {
                let (stream, name) = match open_stream(device.as_deref()) {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = opened_tx.send(Err(e));
                        return;
                    }
                };
                let _ = opened_tx.send(Ok(name));
                let mut sink = Queue::connect_new(stream.mixer());
                // Blocks between commands: an idle player costs nothing.
                while let Ok(cmd) = rx.recv() {
                    match cmd {
                        Command::Play {
                            samples,
                            sample_rate,
                            done,
                        } => {
                            let Some(rate) = NonZero::new(sample_rate) else {
                                done();
                                continue;
                            };
                            sink.append(SamplesBuffer::new(NonZero::<u16>::MIN, rate, samples));
                            sink.append(EmptyCallback::new(done));
                        }
                        Command::Stop => {
                            sink.stop();
                            sink = Queue::connect_new(stream.mixer());
                        }
                    }
                }
            })
            .map_err(|e| PlaybackError::Open(e.to_string()))?;
        let device = opened_rx.recv().map_err(|_| PlaybackError::Stopped)??;
        Ok(Self {
            tx,
            queued,
            last_end_ms: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            epoch: std::time::Instant::now(),
            device,
        })
    }

    /// The device's name.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// Queues mono `samples` at `sample_rate`; the returned receiver resolves (or is dropped)
    /// when the clip has played or was stopped.
    pub fn play(
        &self,
        samples: Vec<f32>,
        sample_rate: u32,
    ) -> Result<tokio::sync::oneshot::Receiver<()>, PlaybackError> {
        // Speakers and Bluetooth sinks that wake on the first samples swallow them, so a clip
        // that starts on a quiet device starts with a short silence; one queued behind another
        // (the next sentence of a reply) follows it directly.
        let lead = if self.queued.load(Ordering::SeqCst) > 0 {
            0
        } else {
            (sample_rate as usize * LEAD_IN_MS) / 1000
        };
        let mut padded = vec![0.0; lead];
        padded.extend_from_slice(&samples);
        let samples = padded;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let tx = std::sync::Mutex::new(Some(tx));
        let queued = Arc::clone(&self.queued);
        queued.fetch_add(1, Ordering::SeqCst);
        let done = Box::new(move || {
            if let Some(tx) = tx.lock().ok().and_then(|mut t| t.take()) {
                let _ =
                    queued.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
                let _ = tx.send(());
            }
        });
        self.tx
            .send(Command::Play {
                samples,
                sample_rate,
                done,
            })
            .map_err(|_| PlaybackError::Stopped)
            .inspect_err(|_| {
                self.queued.fetch_sub(1, Ordering::SeqCst);
            })?;
        Ok(rx)
    }

    /// Cuts the clip playing and drops the queued ones.
    pub fn stop(&self) {
        // Only a clip cut off leaves an echo in the room: stopping silence (a new utterance
        // starting while nothing plays) must not mute the microphone's first words.
        if self.queued.swap(0, Ordering::SeqCst) > 0 {
            self.last_end_ms
                .store(self.epoch.elapsed().as_millis() as u64, Ordering::SeqCst);
        }
        let _ = self.tx.send(Command::Stop);
    }

    /// True while a clip is queued or playing, and for [`ECHO_TAIL`] after.
    pub fn is_playing(&self) -> bool {
        let since_end = (self.epoch.elapsed().as_millis() as u64)
            .saturating_sub(self.last_end_ms.load(Ordering::SeqCst));
        self.queued.load(Ordering::SeqCst) > 0
            || (self.last_end_ms.load(Ordering::SeqCst) > 0
                && since_end < ECHO_TAIL.as_millis() as u64)
    }
}
