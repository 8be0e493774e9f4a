//! Hearing on this machine's microphone: Talk (voice activity ends the utterance, a second
//! Talk ends it early), push-to-talk (the release ends it), and hands-free (one utterance after
//! another). The stream is paused between utterances (no capture, no CPU, no "microphone in
//! use" indicator) and while the reply plays.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tonny_audio::capture::{CaptureEvent, Ending, Microphone, RecordOptions, Stopper};
use tonny_core::pipeline::{Event, Step};
use tonny_core::router::Purpose;
use tonny_core::settings::Settings;
use tonny_core::stt::Stt;

use super::microphone::PRE_ROLL;
use super::recording::Recorded;
use super::{Session, SessionError, Started};
use crate::assistant::{HeardOutcome, ReplyTo, VoiceTarget};

/// How a microphone recording ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MicEnding {
    /// At the configured silence after speech (or a second Talk).
    Silence,
    /// When the key is released ([`Session::release`]).
    Release,
}

/// What one microphone utterance is for and how it ends.
struct How {
    purpose: Purpose,
    ending: MicEnding,
    reply_to: ReplyTo,
}

/// What a finished microphone utterance gave.
pub type MicOutcome = Result<HeardOutcome, SessionError>;

fn record_options(
    settings: &Settings,
    ending: MicEnding,
    muted: Arc<dyn Fn() -> bool + Send + Sync>,
) -> RecordOptions {
    RecordOptions {
        silence: (ending == MicEnding::Silence)
            .then(|| Duration::from_millis(u64::from(settings.audio.vad_silence_ms))),
        max_len: Duration::from_secs(u64::from(settings.audio.max_utterance_s)),
        pre_roll: PRE_ROLL,
        threshold: 0.5,
        muted,
        stream_audio: false,
        onset_frames: RecordOptions::DEFAULT_ONSET_FRAMES,
        min_dbfs: -100.0,
        wait_for_speech: false,
    }
}

impl Session {
    /// Talk: starts hearing an utterance on the microphone, or ends the one being recorded
    /// (a second press). The utterance is handled on a task of its own; the person is told
    /// (a notification) when there is no microphone or no speech engine.
    pub async fn talk(self: &Arc<Self>, purpose: Purpose, ending: MicEnding) {
        if let Some(stop) = self.recording_stopper() {
            if ending == MicEnding::Silence {
                stop.stop();
            }
            return;
        }
        let session = Arc::clone(self);
        let task = tokio::spawn(async move {
            match session.listen_once(purpose, ending, ReplyTo::HOST).await {
                Err(SessionError::Cancelled | SessionError::Busy) | Ok(_) => {}
                Err(
                    e @ (SessionError::NoMicrophone(_)
                    | SessionError::SpeechUnavailable(_)
                    | SessionError::Muted),
                ) => {
                    session
                        .assistant
                        .notify("warn", "Cannot listen", &e.to_string())
                        .await;
                }
                Err(e) => tracing::warn!(component = "capture", "{e}"),
            }
        });
        let previous = self
            .mic_task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .replace(task);
        drop(previous);
    }

    /// Push-to-talk released: the recording in progress ends and is handled.
    pub fn release(&self) {
        if let Some(stop) = self.recording_stopper() {
            stop.stop();
        }
    }

    /// Hears one utterance on the microphone and handles it, replying to `reply_to`.
    pub async fn listen_once(
        &self,
        purpose: Purpose,
        ending: MicEnding,
        reply_to: ReplyTo,
    ) -> MicOutcome {
        if self.settings.current().audio.muted {
            return Err(SessionError::Muted);
        }
        // The engine before the microphone: a device opened while a model loads records audio
        // nobody listens to (beyond the pre-roll it is dropped), lights the desktop's
        // microphone indicator for nothing, and stays open for nothing when no model exists.
        let engine = self
            .speech
            .engine()
            .await
            .map_err(SessionError::SpeechUnavailable)?;
        let mic = self
            .mic
            .get()
            .await
            .map_err(|e| SessionError::NoMicrophone(e.to_string()))?;
        // A model freed while idle starts loading now, while the person speaks; so does the
        // voice that will speak the reply to a command.
        engine.prepare();
        if purpose == Purpose::Command
            && reply_to.voice == VoiceTarget::Host
            && let Some(voice) = self.assistant.voice()
        {
            voice.prepare();
        }
        let stop = Stopper::default();
        let started = self.start(Step::Listen, Some(stop.clone())).await?;
        let how = How {
            purpose,
            ending,
            reply_to,
        };
        let recorded = self.record(&started, &mic, &engine, stop, how).await;
        match recorded {
            Ok(Ok(recorded)) => self.end_recording(&started, engine, recorded).await,
            Ok(Err(why)) => Ok(HeardOutcome::NothingRecognised { why }),
            Err(e) => {
                if !started.cancel.is_cancelled() {
                    let _ = self
                        .coordinator
                        .step(started.utterance, Step::Failed(e.to_string()))
                        .await;
                }
                self.clear(started.utterance);
                Err(e)
            }
        }
    }

    /// Records one utterance; `Ok(Err(why))` when no speech was heard (the pipeline is idle
    /// again, the `nothing_heard` event published).
    async fn record(
        &self,
        started: &Started,
        mic: &Arc<Microphone>,
        engine: &Arc<dyn Stt>,
        stop: Stopper,
        how: How,
    ) -> Result<Result<Recorded, String>, SessionError> {
        let utterance = started.utterance;
        let settings = self.settings.current();
        let muted: Arc<dyn Fn() -> bool + Send + Sync> = match self.assistant.voice() {
            Some(v) => Arc::new(move || v.is_speaking()),
            None => Arc::new(|| false),
        };
        let mut opts = record_options(&settings, how.ending, muted);
        let (events_tx, forward) = self.forward_capture(utterance, engine, &mut opts);
        let began = Instant::now();
        mic.resume();
        self.bus.publish(Event::Listening {
            utterance,
            device: mic.device().to_owned(),
        });
        let recording_mic = Arc::clone(mic);
        let recorded =
            tokio::task::spawn_blocking(move || recording_mic.record(opts, stop, events_tx))
                .await
                .map_err(|e| SessionError::NoMicrophone(e.to_string()))?;
        // Nothing more to hear until the next utterance: no capture while TonnyTray answers.
        mic.pause();
        let live = forward.join().ok().flatten();
        let rec = match recorded {
            Ok(r) => r,
            Err(e) => {
                self.mic.lost(&e);
                return Err(e.into());
            }
        };
        tracing::info!(
            component = "capture",
            ending = ?rec.ending,
            endpoint_ms = rec.endpoint_ms,
            audio_ms = rec.samples.len() as u64 / 16,
            "recording ended"
        );
        if started.cancel.is_cancelled() {
            return Err(SessionError::Cancelled);
        }
        if !rec.heard_speech {
            return Ok(Err(self
                .nothing_heard(utterance, rec.ending, &settings)
                .await));
        }
        Ok(Ok(Recorded {
            capture_ms: began.elapsed().as_millis().min(u128::from(u32::MAX)) as u32,
            endpoint_ms: rec.endpoint_ms.map(|m| m as u32),
            samples: rec.samples,
            source: "mic".into(),
            purpose: how.purpose,
            reply_to: how.reply_to,
            live,
            unsent: None,
        }))
    }

    /// Where the recording's events go: levels to the bus, audio to a streaming engine's
    /// session (started here, fed while the person speaks, handed back at the end).
    #[allow(clippy::type_complexity)]
    fn forward_capture(
        &self,
        utterance: tonny_core::pipeline::UtteranceId,
        engine: &Arc<dyn Stt>,
        opts: &mut RecordOptions,
    ) -> (
        std::sync::mpsc::Sender<CaptureEvent>,
        std::thread::JoinHandle<Option<Box<dyn tonny_core::stt::SttSession>>>,
    ) {
        let (events_tx, events_rx) = std::sync::mpsc::channel();
        let partial_bus = self.bus.clone();
        let mut live = engine.start_session(
            &self.speech.options(),
            Box::new(move |partial: &tonny_core::stt::PartialTranscript| {
                partial_bus.publish(Event::PartialTranscript {
                    utterance,
                    text: partial.stable.clone(),
                    tentative: partial.tentative.clone(),
                });
            }),
        );
        // Only a streaming engine needs the audio while it is recorded.
        opts.stream_audio = live.is_some();
        let bus = self.bus.clone();
        let forward = std::thread::spawn(move || {
            for e in events_rx {
                match e {
                    CaptureEvent::Level(dbfs) => bus.publish(Event::AudioLevel { utterance, dbfs }),
                    CaptureEvent::Audio(audio) => {
                        if let Some(s) = live.as_mut() {
                            s.push(&audio);
                        }
                    }
                    CaptureEvent::SpeechStarted => {}
                }
            }
            live
        });
        (events_tx, forward)
    }

    /// The recording held no speech: back to idle, and why nothing was sent.
    async fn nothing_heard(
        &self,
        utterance: tonny_core::pipeline::UtteranceId,
        ending: Ending,
        settings: &Settings,
    ) -> String {
        let _ = self.coordinator.step(utterance, Step::NothingHeard).await;
        self.clear(utterance);
        let message = match ending {
            Ending::MaxLength => format!(
                "no speech in {} s (audio.max_utterance_s); nothing was sent",
                settings.audio.max_utterance_s
            ),
            _ => "no speech was heard; nothing was sent".to_owned(),
        };
        self.bus.publish(Event::NothingHeard {
            utterance,
            message: message.clone(),
        });
        message
    }

    /// Hands-free: one utterance after another until the daemon stops. Cancel cuts the
    /// current one; a lost microphone is waited for, not spun on.
    pub async fn run_hands_free(self: Arc<Self>) {
        while !self.shutdown.is_cancelled() {
            match self
                .listen_once(Purpose::Command, MicEnding::Silence, ReplyTo::HOST)
                .await
            {
                Ok(HeardOutcome::Handled { mut outcome, .. }) => {
                    // Listening again at once would cut the reply (a new utterance does):
                    // the next one starts when it has been said, or when barge-in cut it.
                    if let Some(done) = outcome.speech_done.take() {
                        tokio::select! {
                            _ = self.shutdown.cancelled() => return,
                            _ = done => {}
                        }
                    }
                }
                Ok(_) | Err(SessionError::Cancelled) => {}
                Err(SessionError::Muted) => {
                    // Listening again once it is unmuted: asked every second, quietly.
                    tokio::select! {
                        _ = self.shutdown.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
                Err(SessionError::Busy) => {
                    // A typed request or the browser is being answered: wait for it.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => {
                    tracing::warn!(component = "capture", "hands-free: {e}");
                    tokio::select! {
                        _ = self.shutdown.cancelled() => return,
                        _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                    }
                }
            }
        }
    }
}
