//! This machine's microphone, kept open (paused between utterances) and reopened when it is
//! lost: unplugged and plugged in again, the default device changed, or `audio.input_device`
//! changed. Each talk press checks the device it holds is still the one to use (one device
//! listing, milliseconds); a watcher does the same every few seconds so a lost or returned
//! device is announced ([`Event::DeviceChanged`]) even while nobody talks.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tonny_audio::capture::{CaptureError, Microphone};
use tonny_core::pipeline::{DeviceKind, Event, EventBus};

/// Audio kept from before listening starts, so the first word is never lost.
pub const PRE_ROLL: Duration = Duration::from_millis(500);

/// How often the watcher looks at the devices while a microphone is wanted.
const WATCH_EVERY: Duration = Duration::from_secs(5);

/// The microphone slot.
pub struct MicSlot {
    bus: EventBus,
    state: Mutex<State>,
}

struct State {
    // `audio.input_device`; `None` is the default device.
    wanted: Option<String>,
    open: Option<Arc<Microphone>>,
    // The last availability announced, so each change is said once.
    announced: Option<bool>,
    // Whether anything (hotkeys, hands-free, the tray) listens on this machine at all.
    in_use: bool,
    // A daemon pauses the stream between utterances; a one-shot command keeps it streaming
    // from the moment it opens, so speech begun while the model loads is kept.
    pause_idle: bool,
    // Never paused (barge-in's echo-cancelled microphone).
    always_on: bool,
    // `audio.muted`: nothing is opened, and what was open is closed.
    muted: bool,
}

impl MicSlot {
    /// A slot for `device` (`audio.input_device`); nothing is opened until first needed.
    pub fn new(device: Option<String>, bus: EventBus) -> Arc<Self> {
        Arc::new(Self {
            bus,
            state: Mutex::new(State {
                wanted: device,
                open: None,
                announced: None,
                in_use: false,
                pause_idle: true,
                always_on: false,
                muted: false,
            }),
        })
    }

    /// Mutes the microphone (`audio.muted`): the device held is closed (once a recording that
    /// holds it ends) and nothing opens one, not even the watcher, until it is unmuted.
    pub fn set_muted(&self, muted: bool) {
        let mut s = self.lock();
        s.muted = muted;
        if muted {
            s.open = None;
            s.announced = None;
        }
    }

    /// Keeps the stream running from the moment it opens (one-shot commands).
    pub fn keep_streaming(&self) {
        self.lock().pause_idle = false;
    }

    /// Keeps the microphone streaming between utterances (on), or pauses it then (off).
    pub fn set_always_on(&self, on: bool) {
        let mut s = self.lock();
        s.always_on = on;
        if let Some(mic) = &s.open {
            mic.set_always_on(on);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn announce(&self, available: bool, device: Option<String>, message: String) {
        let mut s = self.lock();
        if s.announced == Some(available) {
            return;
        }
        s.announced = Some(available);
        drop(s);
        if available {
            tracing::info!(component = "capture", "{message}");
        } else {
            tracing::warn!(component = "capture", "{message}");
        }
        self.bus.publish(Event::DeviceChanged {
            kind: DeviceKind::Microphone,
            device,
            available,
            message,
        });
    }

    /// The microphone to record from now: the one held if it is still the device to use,
    /// else one opened now and left streaming (pausing a device about to record would drop
    /// whatever is said between the pause and the recording's resume).
    pub async fn get(&self) -> Result<Arc<Microphone>, CaptureError> {
        self.open(false).await
    }

    /// Opens the microphone ahead of the first press, so it hears at once: paused (no
    /// capture, no "microphone in use" indicator) unless it is kept streaming.
    pub async fn prepare(&self) -> Result<Arc<Microphone>, CaptureError> {
        self.open(true).await
    }

    async fn open(&self, ahead: bool) -> Result<Arc<Microphone>, CaptureError> {
        let (wanted, held) = {
            let mut s = self.lock();
            if s.muted {
                return Err(CaptureError::Open(
                    "the microphone is muted (audio.muted)".into(),
                ));
            }
            s.in_use = true;
            (s.wanted.clone(), s.open.clone())
        };
        if let Some(mic) = &held {
            match probe(wanted.clone()).await {
                Some(Some(name)) if mic.device() == name => return Ok(Arc::clone(mic)),
                // The server did not answer: the held microphone is kept (reopening it would
                // also make an echo canceller behind it lose step).
                None => return Ok(Arc::clone(mic)),
                Some(_) => {}
            }
        }
        let replaced = held.is_some();
        self.lock().open = None;
        drop(held);
        let device = wanted.clone();
        let opened =
            tokio::task::spawn_blocking(move || Microphone::open(device.as_deref(), PRE_ROLL * 2))
                .await
                .map_err(|e| CaptureError::Open(e.to_string()))?;
        match opened {
            Ok(mic) => {
                let (pause_idle, always_on) = {
                    let s = self.lock();
                    (s.pause_idle, s.always_on)
                };
                if always_on {
                    mic.set_always_on(true);
                } else if pause_idle && ahead {
                    mic.pause();
                }
                let mic = Arc::new(mic);
                let name = mic.device().to_owned();
                {
                    let mut s = self.lock();
                    if s.wanted == wanted {
                        s.open = Some(Arc::clone(&mic));
                    }
                }
                let message = if replaced {
                    format!("listening on {name} now")
                } else {
                    format!("microphone {name} is ready")
                };
                self.announce(true, Some(name), message);
                Ok(mic)
            }
            Err(e) => {
                self.announce(
                    false,
                    wanted,
                    format!("the microphone is not available: {e}"),
                );
                Err(e)
            }
        }
    }

    /// Forgets the microphone after it failed mid-recording (unplugged): the next
    /// [`MicSlot::get`] opens whatever is there then.
    pub fn lost(&self, why: &CaptureError) {
        let device = self.lock().open.take().map(|m| m.device().to_owned());
        self.announce(false, device, format!("the microphone was lost: {why}"));
    }

    /// Uses `device` from now on (`audio.input_device` changed): the one held is closed.
    pub fn set_device(&self, device: Option<String>) {
        let mut s = self.lock();
        if s.wanted != device {
            s.wanted = device;
            s.open = None;
            s.announced = None;
        }
    }

    /// Closes the microphone held, so the next [`MicSlot::get`] opens the device anew (its
    /// name stayed, but the device behind it was replaced).
    pub fn reopen(&self) {
        let mut s = self.lock();
        s.open = None;
        s.announced = None;
    }

    /// Whether something on this machine listens (so the watcher has work).
    fn in_use(&self) -> bool {
        self.lock().in_use
    }

    /// Watches the device while a microphone is in use, until `shutdown`: a held device that
    /// disappears is closed and announced; when one comes back it is opened (paused) and
    /// announced, so the next talk press hears at once.
    pub async fn watch(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(WATCH_EVERY) => {}
            }
            if !self.in_use() || self.lock().muted {
                continue;
            }
            let (wanted, held) = {
                let s = self.lock();
                (
                    s.wanted.clone(),
                    s.open.as_ref().map(|m| m.device().to_owned()),
                )
            };
            // Not knowing is not "gone": asked again at the next round.
            let Some(now) = probe(wanted).await else {
                continue;
            };
            match (held, now) {
                (Some(h), Some(n)) if h == n => {}
                (Some(h), None) => {
                    self.lock().open = None;
                    self.announce(
                        false,
                        Some(h.clone()),
                        format!("the microphone {h} is gone; plug it in again, or choose another"),
                    );
                }
                (_, Some(_)) => {
                    // Back, or another default: opened now, so the next press is instant.
                    let _ = self.prepare().await;
                }
                (None, None) => {}
            }
        }
    }
}

/// The microphone that would open for `wanted` now (`Some(None)`: there is none), or `None`
/// when the sound server could not be asked.
async fn probe(wanted: Option<String>) -> Option<Option<String>> {
    tokio::task::spawn_blocking(move || tonny_audio::devices::current_input(wanted.as_deref()))
        .await
        .ok()?
        .ok()
}
