//! Recording one utterance from a microphone with cpal (PulseAudio/PipeWire host when a server
//! runs, else ALSA).
//!
//! The device streams from the moment [`Microphone::open`] returns, into a pre-roll ring, so
//! speech that starts as (or just before) listening starts is kept: peers lose the first
//! 0.3–3 s by opening the device on the hotkey. A recording ends after `silence` without
//! speech once speech was heard, at `max_len`, when [`Stopper::stop`] is called (push-to-talk
//! released, toggle pressed again), or with [`CaptureError::DeviceLost`] when the device goes
//! away. Frames are dropped while `muted` says TonnyTray itself is speaking, so it never
//! hears itself.
//!
//! Threads: cpal's callback only converts and forwards samples; one worker thread keeps the
//! ring, runs voice-activity detection and reports levels. No async runtime in either.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

mod endpointer;

pub use endpointer::Endpointer;

use crate::SAMPLE_RATE;
use crate::devices::{NO_SOUND_SYSTEM, device_names, find_listed, sound_system_present};

/// Why recording failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    /// No microphone, or not the one named.
    #[error("{0}")]
    NoDevice(String),
    /// The device refused to open.
    #[error("could not open the microphone: {0}")]
    Open(String),
    /// The device disappeared or stopped delivering audio mid-recording.
    #[error("the microphone stopped working during the recording ({0}); check it is plugged in")]
    DeviceLost(String),
}

/// Something the person should see while recording.
#[derive(Debug, Clone, PartialEq)]
pub enum CaptureEvent {
    /// Loudness every 50 ms, in dBFS (about −60 is silence, 0 is full scale).
    Level(f32),
    /// Speech was first heard.
    SpeechStarted,
    /// Audio recorded for this utterance (16 kHz mono, pre-roll first), as it arrives, for a
    /// speech engine that transcribes while the person speaks; sent only when
    /// [`RecordOptions::stream_audio`] asks for it.
    Audio(Vec<f32>),
}

/// Why a recording ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The configured silence followed speech.
    Silence,
    /// The longest utterance allowed was reached.
    MaxLength,
    /// The caller stopped it (key released, toggle pressed).
    Stopped,
}

/// How one recording behaves.
#[derive(Clone)]
pub struct RecordOptions {
    /// Silence after speech that ends the utterance; `None` waits for [`Stopper::stop`]
    /// (push-to-talk).
    pub silence: Option<Duration>,
    /// Longest recording.
    pub max_len: Duration,
    /// Audio from before the start kept at the front.
    pub pre_roll: Duration,
    /// VAD score (0–1) that counts as speech.
    pub threshold: f32,
    /// While true, input is discarded (TonnyTray is speaking).
    pub muted: Arc<dyn Fn() -> bool + Send + Sync>,
    /// Send every recorded chunk as [`CaptureEvent::Audio`] (a streaming speech engine is
    /// listening); off, the recording is only handed over at the end, with no copies made.
    pub stream_audio: bool,
    /// Speech frames (16 ms each) in a row before speech counts as started: 2 ignores a click;
    /// listening over a reply waits longer, so a residue of its own voice never counts.
    pub onset_frames: usize,
    /// Frames quieter than this (dBFS) are not speech, whatever the detector scores them.
    pub min_dbfs: f32,
    /// Until speech starts, keep only the last [`RecordOptions::pre_roll`] of audio, and count
    /// the longest utterance from there: for listening over a reply of any length.
    pub wait_for_speech: bool,
}

impl RecordOptions {
    /// Onset after [`RecordOptions::onset_frames`] = 2 frames at any level: what a recording
    /// the person started wants.
    pub const DEFAULT_ONSET_FRAMES: usize = 2;
}

impl std::fmt::Debug for RecordOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordOptions")
            .field("silence", &self.silence)
            .field("max_len", &self.max_len)
            .field("pre_roll", &self.pre_roll)
            .finish()
    }
}

/// A finished recording.
#[derive(Debug, Clone)]
pub struct Recording {
    /// 16 kHz mono audio, pre-roll included.
    pub samples: Vec<f32>,
    /// Why it ended.
    pub ending: Ending,
    /// Whether any speech was detected.
    pub heard_speech: bool,
    /// Audio time from the end of the last speech frame to the end of the recording: how long
    /// endpointing took (≈ the silence setting plus detector lag).
    pub endpoint_ms: Option<u64>,
    /// When recording ended.
    pub ended_at: Instant,
}

/// Ends a recording from another thread (push-to-talk release).
#[derive(Debug, Clone, Default)]
pub struct Stopper(Arc<AtomicBool>);

impl Stopper {
    /// Ends the recording at the next frame.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Arms it again for the next recording.
    pub fn reset(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

enum Frame {
    Audio(Vec<f32>),
    Error(String),
    // The stream was paused and runs again: what the ring holds is old.
    Resumed,
}

enum Control {
    Pause,
    Resume,
}

struct Job {
    opts: RecordOptions,
    stop: Stopper,
    events: mpsc::Sender<CaptureEvent>,
    done: mpsc::Sender<Result<Recording, CaptureError>>,
}

/// An open microphone, streaming into its pre-roll ring until dropped.
pub struct Microphone {
    jobs: mpsc::Sender<Job>,
    device: String,
    // Pauses and resumes the stream; dropping it ends the stream thread.
    control: mpsc::Sender<Control>,
    paused: AtomicBool,
    // Never paused (barge-in: the echo canceller stays in step with the speaker only while
    // its microphone runs).
    always_on: AtomicBool,
}

// Linear interpolation to 16 kHz for devices that cannot deliver it themselves (PulseAudio and
// PipeWire resample server-side when asked for 16 kHz, so this only runs on raw ALSA hardware).
struct Linear {
    step: f64,
    pos: f64,
    last: f32,
}

impl Linear {
    fn run(&mut self, input: &[f32], out: &mut Vec<f32>) {
        let mut prev = self.last;
        for &x in input {
            while self.pos <= 1.0 {
                out.push(prev + (x - prev) * self.pos as f32);
                self.pos += self.step;
            }
            self.pos -= 1.0;
            prev = x;
        }
        self.last = prev;
    }
}

fn open_device(device: Option<&str>) -> Result<cpal::Device, CaptureError> {
    if !sound_system_present() {
        return Err(CaptureError::NoDevice(format!(
            "no microphone: {NO_SOUND_SYSTEM}"
        )));
    }
    let host = cpal::default_host();
    match device {
        Some(wanted) => {
            // Seen missing from one listing: PulseAudio's monitor sources while the CPU was
            // saturated, the echo canceller's source just after it was loaded.
            find_listed(|| cpal::default_host().input_devices(), wanted)
                .map_err(|e| CaptureError::NoDevice(format!("cannot list microphones: {e}")))?
                .ok_or_else(|| {
                let known = host.input_devices().map(device_names).unwrap_or_default();
                CaptureError::NoDevice(format!(
                    "there is no microphone called {wanted:?}; available: {} (set audio.input_device)",
                    known.join(", ")
                ))
            })
        }
        None => host.default_input_device().ok_or_else(|| {
            CaptureError::NoDevice(
                "there is no microphone; plug one in or set audio.input_device".into(),
            )
        }),
    }
}

// Builds the input stream: 16 kHz mono f32 if the device takes it, else its default format
// converted here. Returns the stream and the rate it delivers.
fn build_stream(
    device: &cpal::Device,
    tx: mpsc::SyncSender<Frame>,
) -> Result<(cpal::Stream, u32), CaptureError> {
    let err_tx = tx.clone();
    let on_error = move |e: cpal::Error| {
        let _ = err_tx.try_send(Frame::Error(e.to_string()));
    };
    let wanted = cpal::StreamConfig {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        buffer_size: cpal::BufferSize::Default,
    };
    let tx16 = tx.clone();
    if let Ok(stream) = device.build_input_stream::<f32, _, _>(
        wanted,
        move |data: &[f32], _| {
            let _ = tx16.try_send(Frame::Audio(data.to_vec()));
        },
        on_error.clone(),
        None,
    ) {
        return Ok((stream, SAMPLE_RATE));
    }
    let config = device
        .default_input_config()
        .map_err(|e| CaptureError::Open(e.to_string()))?;
    let channels = usize::from(config.channels()).max(1);
    let rate = config.sample_rate();
    let mono = move |it: &mut dyn Iterator<Item = f32>| -> Vec<f32> {
        let all: Vec<f32> = it.collect();
        all.chunks(channels)
            .map(|c| c.iter().sum::<f32>() / c.len() as f32)
            .collect()
    };
    let stream = match config.sample_format() {
        cpal::SampleFormat::I16 => device.build_input_stream::<i16, _, _>(
            config.config(),
            move |data: &[i16], _| {
                let v = mono(&mut data.iter().map(|&s| f32::from(s) / 32768.0));
                let _ = tx.try_send(Frame::Audio(v));
            },
            on_error,
            None,
        ),
        _ => device.build_input_stream::<f32, _, _>(
            config.config(),
            move |data: &[f32], _| {
                let v = mono(&mut data.iter().copied());
                let _ = tx.try_send(Frame::Audio(v));
            },
            on_error,
            None,
        ),
    }
    .map_err(|e| CaptureError::Open(e.to_string()))?;
    Ok((stream, rate))
}

impl Microphone {
    /// Opens `device` (by name or id; the default when `None`) and starts streaming, keeping
    /// the last `ring` of audio for pre-roll.
    pub fn open(device: Option<&str>, ring: Duration) -> Result<Self, CaptureError> {
        let device = open_device(device)?;
        let name = device.to_string();
        // About 10 s of callbacks; a stalled worker drops audio rather than blocking the device.
        let (frames_tx, frames_rx) = mpsc::sync_channel::<Frame>(512);
        let (control, control_rx) = mpsc::channel::<Control>();
        let resumed_tx = frames_tx.clone();
        let (ready_tx, ready_rx) = mpsc::channel();
        thread::Builder::new()
            .name("tonny-mic".into())
            .spawn(move || {
                let built = build_stream(&device, frames_tx).and_then(|(s, rate)| {
                    s.play().map_err(|e| CaptureError::Open(e.to_string()))?;
                    Ok((s, rate))
                });
                match built {
                    Ok((stream, rate)) => {
                        let _ = ready_tx.send(Ok(rate));
                        // Hold the stream until the Microphone is dropped.
                        while let Ok(c) = control_rx.recv() {
                            match c {
                                Control::Pause => {
                                    let _ = stream.pause();
                                }
                                Control::Resume => {
                                    let _ = resumed_tx.try_send(Frame::Resumed);
                                    let _ = stream.play();
                                }
                            }
                        }
                        drop(stream);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            })
            .map_err(|e| CaptureError::Open(e.to_string()))?;
        let rate = ready_rx
            .recv()
            .map_err(|_| CaptureError::Open("the microphone thread stopped".into()))??;
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("tonny-capture".into())
            .spawn(move || worker(frames_rx, jobs_rx, rate, ring))
            .map_err(|e| CaptureError::Open(e.to_string()))?;
        Ok(Self {
            jobs: jobs_tx,
            device: name,
            control,
            paused: AtomicBool::new(false),
            always_on: AtomicBool::new(false),
        })
    }

    /// Keeps the stream running through [`Microphone::pause`] calls (on), or lets them pause it
    /// again (off; it is paused now).
    pub fn set_always_on(&self, on: bool) {
        self.always_on.store(on, Ordering::SeqCst);
        if on {
            self.resume();
        } else {
            self.pause();
        }
    }

    /// Stops the stream while nobody talks (and while TonnyTray answers): no audio is captured,
    /// no CPU is used, and the system's "microphone in use" indicator goes off. [`Microphone::resume`] starts it again
    /// (in milliseconds on PulseAudio/PipeWire); the pre-roll ring starts empty then.
    pub fn pause(&self) {
        if self.always_on.load(Ordering::SeqCst) {
            return;
        }
        if !self.paused.swap(true, Ordering::SeqCst) {
            let _ = self.control.send(Control::Pause);
        }
    }

    /// Starts a paused stream again (nothing happens if it runs, so its pre-roll is kept).
    pub fn resume(&self) {
        if self.paused.swap(false, Ordering::SeqCst) {
            let _ = self.control.send(Control::Resume);
        }
    }

    /// The device's name.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// Records one utterance (blocking). Events arrive on `events` while it runs.
    pub fn record(
        &self,
        opts: RecordOptions,
        stop: Stopper,
        events: mpsc::Sender<CaptureEvent>,
    ) -> Result<Recording, CaptureError> {
        let (done, result) = mpsc::channel();
        self.jobs
            .send(Job {
                opts,
                stop,
                events,
                done,
            })
            .map_err(|_| CaptureError::DeviceLost("the capture thread stopped".into()))?;
        result
            .recv()
            .map_err(|_| CaptureError::DeviceLost("the capture thread stopped".into()))?
    }
}

// The worker: keeps the pre-roll ring; while a job runs, records, detects speech and ends it.
fn worker(frames: mpsc::Receiver<Frame>, jobs: mpsc::Receiver<Job>, rate: u32, ring_len: Duration) {
    let ring_cap = (ring_len.as_millis() as usize) * SAMPLE_RATE as usize / 1000;
    let mut ring: VecDeque<f32> = VecDeque::with_capacity(ring_cap);
    let mut linear = (rate != SAMPLE_RATE).then(|| Linear {
        step: f64::from(rate) / f64::from(SAMPLE_RATE),
        pos: 0.0,
        last: 0.0,
    });
    let mut job: Option<Active> = None;
    let mut converted = Vec::new();
    // When the ring last took audio: after a pause it holds audio from long ago, which is not
    // pre-roll.
    let mut ring_written = Instant::now();
    loop {
        if job.is_none() {
            match jobs.try_recv() {
                Ok(j) => {
                    if ring_written.elapsed() > ring_len {
                        ring.clear();
                    }
                    job = Some(Active::start(j, &mut ring));
                }
                Err(mpsc::TryRecvError::Disconnected) => return,
                Err(mpsc::TryRecvError::Empty) => {}
            }
        }
        // Audio arrives every ~10–40 ms; a gap this long means the device is gone.
        let frame = match frames.recv_timeout(Duration::from_secs(2)) {
            Ok(f) => f,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Some(j) = job.take() {
                    j.fail("no audio arrived for 2 s".into());
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                if let Some(j) = job.take() {
                    j.fail("the audio stream closed".into());
                }
                // Keep answering jobs with the error until the Microphone is dropped.
                while let Ok(j) = jobs.recv() {
                    Active::start(j, &mut ring).fail("the audio stream closed".into());
                }
                return;
            }
        };
        let audio = match frame {
            Frame::Audio(a) => a,
            Frame::Resumed => {
                ring.clear();
                continue;
            }
            Frame::Error(e) => {
                if let Some(j) = job.take() {
                    j.fail(e);
                }
                continue;
            }
        };
        converted.clear();
        match &mut linear {
            Some(l) => l.run(&audio, &mut converted),
            None => converted.extend_from_slice(&audio),
        }
        match &mut job {
            Some(active) => {
                if active.feed(&converted) {
                    let finished = job.take().expect("active job");
                    finished.finish();
                }
            }
            None => {
                ring_written = Instant::now();
                ring.extend(converted.iter().copied());
                let excess = ring.len().saturating_sub(ring_cap);
                ring.drain(..excess);
            }
        }
    }
}

struct Active {
    endpointer: Endpointer,
    done: mpsc::Sender<Result<Recording, CaptureError>>,
}

impl Active {
    fn start(job: Job, ring: &mut VecDeque<f32>) -> Self {
        let keep = job.opts.pre_roll.as_millis() as usize * SAMPLE_RATE as usize / 1000;
        let skip = ring.len().saturating_sub(keep);
        let pre_roll: Vec<f32> = ring.drain(..).skip(skip).collect();
        let mut me = Self {
            endpointer: Endpointer::new(job.opts, job.stop, job.events),
            done: job.done,
        };
        // The pre-roll goes through the detector too, so speech already under way counts.
        me.endpointer.push(&pre_roll);
        me
    }

    fn feed(&mut self, audio: &[f32]) -> bool {
        self.endpointer.push(audio)
    }

    fn finish(self) {
        let _ = self.done.send(Ok(self.endpointer.finish()));
    }

    fn fail(self, why: String) {
        let _ = self.done.send(Err(CaptureError::DeviceLost(why)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_resampling_keeps_the_duration() {
        let mut l = Linear {
            step: 3.0,
            pos: 0.0,
            last: 0.0,
        };
        let mut out = Vec::new();
        for _ in 0..10 {
            l.run(&vec![0.5; 4800], &mut out);
        }
        assert!((out.len() as i64 - 16_000).abs() <= 2, "{}", out.len());
    }
}
