//! Barge-in: while a reply plays, the microphone stays open through the sound server's echo
//! cancellation ([`tonny_audio::echo`]), and the person speaking over the reply stops it and
//! is heard as the next request. TonnyTray's own voice is what the canceller removes; what
//! is left of it is far below the level (and shorter than the onset) that counts as speech.
//!
//! Only a daemon that listens on this machine (hotkeys, hands-free) sets the canceller up, and
//! only where `audio.barge_in` says (`auto`: hands-free only); without a PulseAudio/PipeWire server (or `pactl`) barge-in
//! is off, said once, and the microphone is ignored while TonnyTray speaks, as before.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, oneshot};
use tonny_audio::capture::{CaptureEvent, RecordOptions, Stopper};
use tonny_audio::echo::EchoCanceller;
use tonny_core::pipeline::{Event, State, Step};
use tonny_core::router::Purpose;
use tonny_core::settings::Settings;

use super::Session;
use super::microphone::PRE_ROLL;
use super::recording::Recorded;
use crate::assistant::ReplyTo;

/// Speech frames (16 ms) in a row before talking over a reply counts: long enough that a
/// cough or the canceller's brief residue at a loud word does not cut the reply.
const ONSET_FRAMES: usize = 8;

/// Quieter than this is not the person talking over a reply. WebRTC's canceller takes
/// TonnyTray's voice 25-40 dB down, but at some words its residue comes back for a moment:
/// measured on looped devices with the reply at -18..-30 dBFS, the loudest run of
/// [`ONSET_FRAMES`] residue frames stayed under -46 dBFS, while a person speaking over the
/// reply reaches -30..-20. Talking over an assistant means speaking up a little.
const MIN_DBFS: f32 = -40.0;

/// How much of TonnyTray's voice the canceller hears before it cancels it well: WebRTC's
/// filter adapts over the first seconds of speech, and until then its residue is as loud as a
/// person. Talking over the first replies of a new canceller is heard only after this much.
const TRAINING: Duration = Duration::from_secs(5);

/// The start of every reply is not listened to: after a pause (the person's request, say)
/// WebRTC's canceller lets the first words of the next reply through 10-20 dB louder for up
/// to about a second before it settles (measured: residue of -26..-34 dBFS 0-1.2 s into a
/// second reply on jittery virtual devices, 0-0.2 s on steady ones, under -45 after).
/// Talking over a reply is heard from this far into it; the hotkey and Stop stop it at any
/// time.
const SETTLE: Duration = Duration::from_secs(1);

/// The echo canceller in use, if barge-in is on.
#[derive(Default)]
pub struct Echo {
    canceller: Mutex<Option<EchoCanceller>>,
    // This daemon listens hands-free (`audio.barge_in = auto` is on then).
    hands_free: std::sync::atomic::AtomicBool,
    // Reply time the canceller has heard (it adapts over the first seconds).
    heard: Mutex<Duration>,
}

impl Echo {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Option<EchoCanceller>> {
        self.canceller
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn heard(&self) -> std::sync::MutexGuard<'_, Duration> {
        self.heard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether barge-in can work now (the canceller runs).
    pub fn is_on(&self) -> bool {
        self.lock().is_some()
    }

    /// Whether `settings` want barge-in in this daemon.
    fn wanted(&self, settings: &Settings) -> bool {
        let hands_free = self.hands_free.load(std::sync::atomic::Ordering::SeqCst);
        // Muted: no canceller either, whose own recording of the microphone would keep the
        // desktop's "microphone in use" indicator on.
        !settings.audio.muted && settings.audio.barge_in.enabled(hands_free)
    }
}

/// The devices to record from and play on: the echo-cancelled ones while barge-in is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioDevices {
    /// Capture device (`None`: the default).
    pub input: Option<String>,
    /// Playback device (`None`: the default).
    pub output: Option<String>,
}

impl AudioDevices {
    fn configured(settings: &Settings) -> Self {
        Self {
            input: settings.audio.input_device.clone(),
            output: settings.audio.output_device.clone(),
        }
    }
}

impl Session {
    /// The devices in use for `settings`: the echo-cancelled ones while the canceller runs.
    pub fn audio_devices(&self, settings: &Settings) -> AudioDevices {
        match self.echo.lock().as_ref() {
            Some(c) => AudioDevices {
                input: Some(c.microphone().to_owned()),
                output: Some(c.speaker().to_owned()),
            },
            None => AudioDevices::configured(settings),
        }
    }

    /// This daemon listens without a hotkey (`audio.barge_in = auto` is on then); set before
    /// [`Session::configure_echo`].
    pub fn set_hands_free(&self, hands_free: bool) {
        self.echo
            .hands_free
            .store(hands_free, std::sync::atomic::Ordering::SeqCst);
    }

    /// Sets echo cancellation up (again) as `settings` say, for a daemon that listens here,
    /// and returns the devices to use; the microphone slot already uses its input.
    pub async fn configure_echo(&self, settings: &Settings) -> AudioDevices {
        let plain = AudioDevices::configured(settings);
        // The old one goes first: the new one may sit on the same devices.
        let old = self.echo.lock().take();
        drop(old);
        *self.echo.heard() = Duration::ZERO;
        let devices = if self.echo.wanted(settings) {
            let (input, output) = (plain.input.clone(), plain.output.clone());
            let started = tokio::task::spawn_blocking(move || {
                EchoCanceller::start(input.as_deref(), output.as_deref())
            })
            .await;
            match started {
                Ok(Ok(canceller)) => {
                    let devices = AudioDevices {
                        input: Some(canceller.microphone().to_owned()),
                        output: Some(canceller.speaker().to_owned()),
                    };
                    *self.echo.lock() = Some(canceller);
                    devices
                }
                Ok(Err(e)) => {
                    tracing::warn!(
                        component = "audio",
                        "barge-in is off: {e} (audio.barge_in = off silences this)"
                    );
                    plain
                }
                Err(e) => {
                    tracing::warn!(component = "audio", "barge-in is off: {e}");
                    plain
                }
            }
        } else {
            plain
        };
        self.mic.set_device(devices.input.clone());
        self.mic.reopen();
        self.mic.set_always_on(self.echo.is_on());
        devices
    }

    /// Listens over every reply this machine speaks, until the daemon stops.
    pub async fn run_barge_in(self: Arc<Self>) {
        let mut events = self.bus.subscribe();
        loop {
            let event = tokio::select! {
                _ = self.shutdown.cancelled() => return,
                e = events.recv() => e,
            };
            match event {
                Ok(Event::StateChanged {
                    to: State::Speaking,
                    ..
                }) => {
                    if self.echo.wanted(&self.settings.current()) && self.echo.is_on() {
                        self.listen_over_reply(&mut events).await;
                    }
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    /// Records while the reply plays; speech stops the reply and becomes the next request,
    /// and the reply ending (or anything else starting) ends the listening unheard.
    async fn listen_over_reply(&self, events: &mut broadcast::Receiver<Event>) {
        let (Ok(engine), Ok(mic)) = (self.speech.engine().await, self.mic.get().await) else {
            return;
        };
        let settings = self.settings.current();
        let (trained_before, listening) = (*self.echo.heard(), std::time::Instant::now());
        let opts = RecordOptions {
            silence: Some(Duration::from_millis(u64::from(
                settings.audio.vad_silence_ms,
            ))),
            max_len: Duration::from_secs(u64::from(settings.audio.max_utterance_s)),
            pre_roll: PRE_ROLL,
            threshold: 0.5,
            muted: Arc::new(move || {
                let into_reply = listening.elapsed();
                into_reply < SETTLE || trained_before + into_reply < TRAINING
            }),
            stream_audio: false,
            onset_frames: ONSET_FRAMES,
            min_dbfs: MIN_DBFS,
            wait_for_speech: true,
        };
        let stop = Stopper::default();
        let (capture_tx, capture_rx) = std::sync::mpsc::channel();
        let (heard_tx, heard_rx) = oneshot::channel();
        // Only the onset matters here; the level meter waits for the utterance proper.
        std::thread::spawn(move || {
            let mut heard = Some(heard_tx);
            for e in capture_rx {
                if e == CaptureEvent::SpeechStarted
                    && let Some(tx) = heard.take()
                {
                    let _ = tx.send(());
                }
            }
        });
        mic.resume();
        let (recording_mic, recording_stop) = (Arc::clone(&mic), stop.clone());
        let recording = tokio::task::spawn_blocking(move || {
            recording_mic.record(opts, recording_stop, capture_tx)
        });
        let spoke = tokio::select! {
            heard = heard_rx => heard.is_ok(),
            () = reply_over(events) => false,
            _ = self.shutdown.cancelled() => false,
        };
        *self.echo.heard() += listening.elapsed();
        let started = if spoke {
            // Stops the reply, and the pipeline listens to this recording.
            self.start(Step::Listen, Some(stop.clone())).await.ok()
        } else {
            None
        };
        let Some(started) = started else {
            stop.stop();
            let _ = recording.await;
            mic.pause();
            return;
        };
        tracing::info!(component = "capture", "barge-in: the reply was stopped");
        self.bus.publish(Event::Listening {
            utterance: started.utterance,
            device: mic.device().to_owned(),
        });
        let recorded = recording.await;
        mic.pause();
        let rec = match recorded {
            Ok(Ok(rec)) => rec,
            Ok(Err(e)) => {
                self.mic.lost(&e);
                self.drop_recording(&started, Some(e.to_string())).await;
                return;
            }
            Err(e) => {
                self.drop_recording(&started, Some(e.to_string())).await;
                return;
            }
        };
        let recorded = Recorded {
            capture_ms: (rec.samples.len() / 16).min(u32::MAX as usize) as u32,
            endpoint_ms: rec.endpoint_ms.map(|m| m as u32),
            samples: rec.samples,
            source: "mic".into(),
            purpose: Purpose::Command,
            reply_to: ReplyTo::HOST,
            live: None,
            unsent: None,
        };
        if let Err(e) = self.end_recording(&started, engine, recorded).await {
            tracing::warn!(component = "capture", "barge-in: {e}");
        }
    }
}

/// Resolves when the pipeline leaves "speaking" (the reply ended, was cancelled, or another
/// utterance started).
async fn reply_over(events: &mut broadcast::Receiver<Event>) {
    loop {
        match events.recv().await {
            Ok(Event::StateChanged {
                from: State::Speaking,
                ..
            })
            | Err(broadcast::error::RecvError::Closed) => return,
            _ => {}
        }
    }
}
