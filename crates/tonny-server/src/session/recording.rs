//! Audio that was recorded (the browser's Talk button, an upload, this machine's microphone):
//! transcribed and handled as a request. Transcription gives way to cancellation; a
//! transcript of a cancelled recording never moves the pipeline.

use std::sync::Arc;
use std::time::Instant;

use tonny_core::activity::ActivityStatus;
use tonny_core::pipeline::{BackendKind, Event, Step};
use tonny_core::router::Purpose;
use tonny_core::stt::{Stt, SttSession, Transcript};
use tonny_store::StageTimings;

use super::{Session, SessionError, Started};
use crate::assistant::{Heard, HeardOutcome, ReplyTo};

/// A finished recording, ready to be transcribed.
pub struct Recorded {
    /// 16 kHz mono samples.
    pub samples: Vec<f32>,
    /// Recording time up to the end of speech.
    pub capture_ms: u32,
    /// End of speech to the end of the recording, when voice activity ended it.
    pub endpoint_ms: Option<u32>,
    /// Where it came from, stored with the transcription ("mic", "browser").
    pub source: String,
    /// Type it, or do it.
    pub purpose: Purpose,
    /// Where the reply goes.
    pub reply_to: ReplyTo,
    /// A streaming engine's session fed while recording: only its final answer is left.
    pub live: Option<Box<dyn SttSession>>,
    /// The unsent dictation this recording is (a retry); `None`: a new recording, which is
    /// kept as one if it is a dictation.
    pub unsent: Option<String>,
}

impl Session {
    /// Starts an utterance whose audio is recorded elsewhere (the browser holds Talk): the
    /// pipeline listens until [`Session::end_recording`].
    pub async fn begin_recording(&self) -> Result<Started, SessionError> {
        self.start(Step::Listen, None).await
    }

    /// Ends a recording begun with [`Session::begin_recording`] without handling it: nothing
    /// arrived (`failed` = `None`: the pipeline goes back to idle), or what arrived is not
    /// usable audio (the pipeline shows why).
    pub async fn drop_recording(&self, started: &Started, failed: Option<String>) {
        let step = match failed {
            None => Step::NothingHeard,
            Some(why) => Step::Failed(why),
        };
        let _ = self
            .coordinator
            .step(started.utterance, Step::RecordingEnded)
            .await;
        let _ = self.coordinator.step(started.utterance, step).await;
        self.clear(started.utterance);
    }

    /// A whole recording that arrived at once (an upload): started, ended and handled.
    pub async fn hear(&self, recorded: Recorded) -> Result<HeardOutcome, SessionError> {
        let engine = self
            .speech
            .engine()
            .await
            .map_err(SessionError::SpeechUnavailable)?;
        let started = self.begin_recording().await?;
        self.end_recording(&started, engine, recorded).await
    }

    /// Ends a recording begun with [`Session::begin_recording`] (or by the microphone): it is
    /// transcribed with `engine` and handled. A recording cancelled meanwhile is dropped.
    pub async fn end_recording(
        &self,
        started: &Started,
        engine: Arc<dyn Stt>,
        mut recorded: Recorded,
    ) -> Result<HeardOutcome, SessionError> {
        let utterance = started.utterance;
        if started.cancel.is_cancelled()
            || self
                .coordinator
                .step(utterance, Step::RecordingEnded)
                .await
                .is_err()
        {
            self.clear(utterance);
            return Err(SessionError::Cancelled);
        }
        let unsent = self.keep_unsent(&mut recorded).await;
        let result = self.transcribe_and_handle(started, engine, recorded).await;
        if let Some(id) = unsent {
            self.settle_unsent(&id, &result).await;
        }
        if let Err(e) = &result
            && !matches!(e, SessionError::Cancelled)
        {
            // Whatever failed, nothing is left "transcribing".
            let _ = self
                .coordinator
                .step(utterance, Step::Failed(e.to_string()))
                .await;
            self.clear(utterance);
        }
        result
    }

    async fn transcribe_and_handle(
        &self,
        started: &Started,
        engine: Arc<dyn Stt>,
        mut recorded: Recorded,
    ) -> Result<HeardOutcome, SessionError> {
        let utterance = started.utterance;
        let transcript = self.transcribe(started, &engine, &mut recorded).await?;
        if transcript.text.trim().is_empty() {
            let _ = self.coordinator.step(utterance, Step::NothingHeard).await;
            self.clear(utterance);
            let why = "no words were recognised; nothing was sent".to_owned();
            self.bus.publish(Event::NothingHeard {
                utterance,
                message: why.clone(),
            });
            return Ok(HeardOutcome::NothingRecognised { why });
        }
        self.bus.publish(Event::Transcript {
            utterance,
            text: transcript.text.clone(),
            confidence: transcript.confidence,
        });
        if self
            .coordinator
            .step(utterance, Step::Transcribed)
            .await
            .is_err()
        {
            self.clear(utterance);
            return Err(SessionError::Cancelled);
        }
        let heard = Heard {
            transcript,
            source: std::mem::take(&mut recorded.source),
            capture_ms: recorded.capture_ms,
            endpoint_ms: recorded.endpoint_ms,
        };
        let handled = self
            .assistant
            .handle_heard(
                utterance,
                heard,
                recorded.purpose,
                recorded.reply_to,
                &started.cancel,
            )
            .await;
        self.settle_heard(utterance, handled).await
    }

    /// The recording's transcript, giving way to cancellation; a failure or a cancel is
    /// recorded (the speech was a request, even if it never got further).
    async fn transcribe(
        &self,
        started: &Started,
        engine: &Arc<dyn Stt>,
        recorded: &mut Recorded,
    ) -> Result<Transcript, SessionError> {
        let opts = self.speech.options();
        let (samples, live, stt) = (
            std::mem::take(&mut recorded.samples),
            recorded.live.take(),
            Arc::clone(engine),
        );
        let stt_started = Instant::now();
        let transcribing = tokio::task::spawn_blocking(move || match live {
            Some(session) => session.finish(&samples),
            None => stt.transcribe(&samples, &opts),
        });
        let timings = |recorded: &Recorded| StageTimings {
            capture_ms: Some(recorded.capture_ms),
            endpoint_ms: recorded.endpoint_ms,
            stt_ms: Some(stt_started.elapsed().as_millis().min(u32::MAX as u128) as u32),
            ..StageTimings::default()
        };
        let transcript = tokio::select! {
            biased;
            _ = started.cancel.cancelled() => {
                self.assistant
                    .record_unhandled(started.utterance, recorded.purpose, ActivityStatus::Cancelled, "cancelled", timings(recorded))
                    .await;
                self.clear(started.utterance);
                return Err(SessionError::Cancelled);
            }
            t = transcribing => t.map_err(|e| SessionError::SpeechFailed(e.to_string()))?,
        };
        self.tell_notice(engine).await;
        match transcript {
            Ok(t) => Ok(t),
            Err(e) => {
                let why = e.to_string();
                self.assistant
                    .record_unhandled(
                        started.utterance,
                        recorded.purpose,
                        ActivityStatus::Failed,
                        &why,
                        timings(recorded),
                    )
                    .await;
                Err(SessionError::SpeechFailed(why))
            }
        }
    }

    /// Tells the person the engine's notice (the speech server is down, or back: the
    /// embedded engine stands in meanwhile), as a notification and a backend-health event.
    async fn tell_notice(&self, engine: &Arc<dyn Stt>) {
        let Some(notice) = engine.take_notice() else {
            return;
        };
        self.bus.publish(Event::BackendHealth {
            kind: BackendKind::Stt,
            backend: engine.name(),
            reachable: false,
            breaker: None,
            detail: Some(notice.clone()),
        });
        self.assistant
            .notify("warn", "Speech recognition", &notice)
            .await;
    }

    /// Moves the pipeline on after the assistant handled what was heard.
    async fn settle_heard(
        &self,
        utterance: tonny_core::pipeline::UtteranceId,
        handled: Result<HeardOutcome, crate::assistant::AssistantError>,
    ) -> Result<HeardOutcome, SessionError> {
        match handled {
            Ok(HeardOutcome::Handled {
                text,
                confidence,
                transcription_id,
                outcome,
            }) => {
                let outcome = self.settle(utterance, Ok(*outcome)).await?;
                Ok(HeardOutcome::Handled {
                    text,
                    confidence,
                    transcription_id,
                    outcome: Box::new(outcome),
                })
            }
            Ok(nothing @ HeardOutcome::NothingRecognised { .. }) => Ok(nothing),
            Err(e) => Err(self
                .settle(utterance, Err(e))
                .await
                .expect_err("an error stays one")),
        }
    }
}
