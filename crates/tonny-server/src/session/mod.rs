//! The session: the only code that steps the pipeline's state machine
//! ([`tonny_core::pipeline::Coordinator`]). Every front end — hotkeys, the tray, the browser's
//! audio (socket and upload), typed requests, the CLI through the API — hands it an utterance;
//! it owns that utterance's whole flow (listen → transcribe → think → speak) and its
//! cancellation token. Cancel (the Stop button, the cancel hotkey, the tray) cancels the token:
//! the recording is dropped, transcription, the agent's request, synthesis and typing are
//! abandoned where they are, and the reply is neither typed nor spoken.
//!
//! # Layout
//! - this file: starting and settling an utterance, typed requests, cancel.
//! - [`recording`]: audio recorded elsewhere (the browser): transcribed and handled.
//! - [`mic`]: this machine's microphone: talk, push-to-talk, hands-free.
//! - [`microphone`]: the microphone itself, reopened when it is unplugged, replugged or the
//!   default device changes.
//! - [`barge_in`]: listening over a reply through echo cancellation; speech stops the reply.

pub mod barge_in;
pub mod mic;
pub mod microphone;
pub mod recording;
mod unsent;

use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;
use tonny_audio::capture::Stopper;
use tonny_core::pipeline::{Coordinator, CoordinatorError, EventBus, Step, UtteranceId};

use crate::assistant::{Assistant, AssistantError, Outcome, Request, VoiceTarget};
use crate::settings::LiveSettings;
use crate::speech::Speech;
use microphone::MicSlot;

/// Why an utterance could not be handled.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Another utterance is being handled.
    #[error("an utterance is already being handled; cancel it first")]
    Busy,
    /// It was cancelled; nothing was typed or spoken.
    #[error("the request was cancelled")]
    Cancelled,
    /// No speech engine could be set up (no model, a server that is not configured right).
    #[error("{0}")]
    SpeechUnavailable(String),
    /// The speech engine failed on this recording.
    #[error("speech recognition failed: {0}")]
    SpeechFailed(String),
    /// No microphone could be opened.
    #[error("{0}")]
    NoMicrophone(String),
    /// The person muted the microphone (`audio.muted`).
    #[error("the microphone is muted; unmute it in the tray menu or on the dashboard's Home")]
    Muted,
    /// The microphone failed while recording.
    #[error(transparent)]
    Capture(#[from] tonny_audio::capture::CaptureError),
    /// The request itself could not be handled.
    #[error(transparent)]
    Assistant(AssistantError),
    /// The pipeline has stopped (the daemon is shutting down).
    #[error(transparent)]
    Pipeline(#[from] CoordinatorError),
    /// An unsent dictation could not be found or read.
    #[error(transparent)]
    Unsent(#[from] crate::unsent::UnsentError),
}

impl From<AssistantError> for SessionError {
    fn from(e: AssistantError) -> Self {
        match e {
            AssistantError::Cancelled => SessionError::Cancelled,
            other => SessionError::Assistant(other),
        }
    }
}

/// The utterance being handled now.
struct Current {
    utterance: UtteranceId,
    cancel: CancellationToken,
    // Ends a microphone recording early (toggle, key release, cancel).
    stop: Option<Stopper>,
}

/// An utterance that has started: its number and its cancellation token.
#[derive(Debug, Clone)]
pub struct Started {
    /// The utterance's number (events carry it).
    pub utterance: UtteranceId,
    /// Cancelled by [`Session::cancel`].
    pub cancel: CancellationToken,
}

/// The session driver; one per daemon.
pub struct Session {
    pub(crate) assistant: Arc<Assistant>,
    pub(crate) coordinator: Coordinator,
    pub(crate) bus: EventBus,
    pub(crate) speech: Arc<Speech>,
    pub(crate) mic: Arc<MicSlot>,
    pub(crate) settings: LiveSettings,
    current: Mutex<Option<Current>>,
    // Ends the hands-free loop and any recording at shutdown.
    pub(crate) shutdown: CancellationToken,
    // The microphone task in progress, awaited at shutdown.
    pub(crate) mic_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    // The echo canceller while barge-in is on.
    pub(crate) echo: barge_in::Echo,
    // Dictations kept until their text arrives (`None`: not kept, e.g. in unit tests).
    pub(crate) unsent: Option<crate::unsent::Unsent>,
}

impl Session {
    /// A session stepping `coordinator`, handing requests to `assistant`.
    pub fn new(
        assistant: Arc<Assistant>,
        speech: Arc<Speech>,
        mic: Arc<MicSlot>,
        settings: LiveSettings,
        unsent: Option<crate::unsent::Unsent>,
    ) -> Arc<Self> {
        Arc::new(Self {
            unsent,
            coordinator: assistant.coordinator().clone(),
            bus: assistant.bus().clone(),
            assistant,
            speech,
            mic,
            settings,
            current: Mutex::new(None),
            shutdown: CancellationToken::new(),
            mic_task: Mutex::new(None),
            echo: barge_in::Echo::default(),
        })
    }

    /// The assistant requests go to.
    pub fn assistant(&self) -> &Arc<Assistant> {
        &self.assistant
    }

    /// The speech engine and the browser's voice.
    pub fn speech(&self) -> &Arc<Speech> {
        &self.speech
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Current>> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts an utterance with `step` (listen or typed): a reply still being spoken is cut
    /// (talking over it is barge-in); another utterance in progress makes this one
    /// [`SessionError::Busy`].
    pub(crate) async fn start(
        &self,
        step: Step,
        stop: Option<Stopper>,
    ) -> Result<Started, SessionError> {
        let started = match step {
            Step::Typed => self.coordinator.typed().await,
            _ => self.coordinator.listen().await,
        };
        let utterance = match started {
            Ok(u) => u,
            Err(CoordinatorError::Rejected(_)) => return Err(SessionError::Busy),
            Err(e) => return Err(e.into()),
        };
        if let Some(voice) = self.assistant.voice() {
            voice.stop();
        }
        let cancel = self.shutdown.child_token();
        *self.slot() = Some(Current {
            utterance,
            cancel: cancel.clone(),
            stop,
        });
        Ok(Started { utterance, cancel })
    }

    /// Forgets `utterance` as the current one (if it still is).
    pub(crate) fn clear(&self, utterance: UtteranceId) {
        let mut slot = self.slot();
        if slot.as_ref().is_some_and(|c| c.utterance == utterance) {
            *slot = None;
        }
    }

    /// Moves the pipeline on after the assistant handled `utterance`: replied (speaking until
    /// the reply's audio ends), failed, or nothing (cancelled: cancel already went to idle).
    pub(crate) async fn settle(
        &self,
        utterance: UtteranceId,
        result: Result<Outcome, AssistantError>,
    ) -> Result<Outcome, SessionError> {
        self.clear(utterance);
        match result {
            Ok(mut outcome) => {
                let spoken = outcome.speech_done.is_some();
                // Stale when cancelled in the last moment; the reply then is already out.
                let _ = self
                    .coordinator
                    .step(utterance, Step::Replied { spoken })
                    .await;
                if let Some(done) = outcome.speech_done.take() {
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    let coordinator = self.coordinator.clone();
                    tokio::spawn(async move {
                        let _ = done.await;
                        let _ = coordinator.step(utterance, Step::SpeechFinished).await;
                        let _ = tx.send(());
                    });
                    outcome.speech_done = Some(rx);
                }
                Ok(outcome)
            }
            Err(AssistantError::Cancelled) => Err(SessionError::Cancelled),
            Err(e) => {
                let _ = self
                    .coordinator
                    .step(utterance, Step::Failed(e.to_string()))
                    .await;
                Err(e.into())
            }
        }
    }

    /// A typed request, handled to the end (its speech may still be playing); the text reply
    /// goes back to the caller, the spoken one where `voice` says.
    pub async fn ask(&self, text: &str, voice: VoiceTarget) -> Result<Outcome, SessionError> {
        let started = self.start(Step::Typed, None).await?;
        let result = self
            .assistant
            .handle(
                started.utterance,
                Request::typed(text, voice),
                &started.cancel,
            )
            .await;
        self.settle(started.utterance, result).await
    }

    /// Stops whatever is happening: the recording is dropped, the request in hand abandoned,
    /// the reply cut; the pipeline goes back to idle.
    pub async fn cancel(&self) {
        if let Some(c) = self.slot().as_ref() {
            c.cancel.cancel();
            if let Some(stop) = &c.stop {
                stop.stop();
            }
        }
        if let Some(voice) = self.assistant.voice() {
            voice.stop();
        }
        let _ = self.coordinator.cancel().await;
    }

    /// Ends every utterance and the hands-free loop, and waits (briefly) for the microphone
    /// task, which holds a blocking thread the runtime would otherwise wait for at exit.
    pub async fn shut_down(&self) {
        self.shutdown.cancel();
        self.cancel().await;
        // The sound server keeps a module until it is unloaded; the next start would remove a
        // leftover, but the person's device list should not show it meanwhile.
        let echo = self.echo.lock().take();
        drop(echo);
        let task = self
            .mic_task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let abort = task.abort_handle();
            if tokio::time::timeout(std::time::Duration::from_secs(3), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }

    /// The microphone recording in progress, if one is: its stopper.
    pub(crate) fn recording_stopper(&self) -> Option<Stopper> {
        self.slot().as_ref().and_then(|c| c.stop.clone())
    }
}
