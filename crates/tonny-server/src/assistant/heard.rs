//! From a transcript to a handled request: shared by every way of hearing someone (the hotkey's
//! microphone, `tonny listen`, the web UI's Talk button), so each stores, announces and routes
//! speech the same way.

use tonny_core::pipeline::{Event, Step, UtteranceId};
use tonny_core::router::Purpose;
use tonny_core::stt::Transcript;
use tonny_store::NewTranscription;

use super::{Assistant, AssistantError, Outcome, Request, Source, VoiceTarget};

/// A finished recording's transcript and where it came from.
#[derive(Debug, Clone)]
pub struct Heard {
    /// What the engine recognised.
    pub transcript: Transcript,
    /// Where the audio came from, stored with the transcription ("mic", "browser", a path).
    pub source: String,
    /// Recording time up to the end of speech.
    pub capture_ms: u32,
    /// End of speech to the end of the recording, when voice activity ended it.
    pub endpoint_ms: Option<u32>,
}

/// What became of what was heard.
#[derive(Debug)]
pub enum HeardOutcome {
    /// No words were recognised; nothing was sent (the pipeline is idle again).
    NothingRecognised,
    /// The request was handled.
    Handled {
        /// The stored transcription, when history is kept.
        transcription_id: Option<i64>,
        /// What happened to it.
        outcome: Box<Outcome>,
    },
}

impl Assistant {
    /// Handles `heard` for `utterance` (which must have ended recording): announces the
    /// transcript, stores it when `history.enabled`, and handles it as a request.
    pub async fn handle_heard(
        &self,
        utterance: UtteranceId,
        heard: Heard,
        purpose: Purpose,
        voice: VoiceTarget,
    ) -> Result<HeardOutcome, AssistantError> {
        let transcript = heard.transcript;
        if transcript.text.trim().is_empty() {
            self.coordinator.step(utterance, Step::NothingHeard).await?;
            return Ok(HeardOutcome::NothingRecognised);
        }
        self.bus.publish(Event::Transcript {
            utterance,
            text: transcript.text.clone(),
            confidence: transcript.confidence,
        });
        self.coordinator.step(utterance, Step::Transcribed).await?;
        let stt_ms = transcript.elapsed_ms.min(u64::from(u32::MAX)) as u32;
        let keep = self.settings.lock().expect("settings lock").history.enabled;
        // Read once: the transcript is kept under the profile the request then runs under,
        // so History can filter by person.
        let profile = self.store.active_profile().await?;
        let transcription_id = if keep {
            Some(
                self.store
                    .insert_transcription(&NewTranscription {
                        text: transcript.text.clone(),
                        profile: Some(profile.name.clone()),
                        speaker: transcript.speaker.clone(),
                        confidence: Some(transcript.confidence),
                        language: Some(transcript.language.clone()),
                        source: Some(heard.source),
                        audio_ms: Some(transcript.audio_ms.min(u64::from(u32::MAX)) as u32),
                        stt_ms: Some(stt_ms),
                        ..Default::default()
                    })
                    .await?,
            )
        } else {
            None
        };
        let outcome = self
            .handle(
                utterance,
                Request {
                    text: transcript.text,
                    purpose,
                    source: Source::Voice {
                        transcription_id,
                        capture_ms: heard.capture_ms,
                        stt_ms,
                        endpoint_ms: heard.endpoint_ms,
                    },
                    speaker: transcript.speaker,
                    voice,
                    profile: Some(profile),
                },
            )
            .await?;
        Ok(HeardOutcome::Handled {
            transcription_id,
            outcome: Box::new(outcome),
        })
    }
}
