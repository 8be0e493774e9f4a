//! From a transcript to a handled request: shared by every way of hearing someone (the hotkey's
//! microphone, `tonny listen`, the web UI's Talk button), so each stores and routes speech the
//! same way. The session announces the transcript and moves the pipeline on; this keeps it and
//! handles it.

use tokio_util::sync::CancellationToken;
use tonny_core::pipeline::UtteranceId;
use tonny_core::router::Purpose;
use tonny_core::stt::Transcript;
use tonny_store::NewTranscription;

use super::{Assistant, AssistantError, Outcome, ReplyTo, Request, Source};

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
    /// No speech, or no words in it; nothing was sent (the pipeline is idle again).
    NothingRecognised {
        /// Why, in the words of the `nothing_heard` event: for a caller that did not watch
        /// the events.
        why: String,
    },
    /// The request was handled.
    Handled {
        /// What was heard.
        text: String,
        /// 0–1, how sure the engine was.
        confidence: f32,
        /// The stored transcription, when history is kept.
        transcription_id: Option<i64>,
        /// What happened to it.
        outcome: Box<Outcome>,
    },
}

impl Assistant {
    /// Stores `heard`'s transcript when `history.enabled` (under the active profile, read once
    /// so the transcript and its request agree) and handles it as a request.
    pub async fn handle_heard(
        &self,
        utterance: UtteranceId,
        heard: Heard,
        purpose: Purpose,
        reply_to: ReplyTo,
        cancel: &CancellationToken,
    ) -> Result<HeardOutcome, AssistantError> {
        let settings = self.settings.current();
        let profile = self.store.active_profile().await?;
        let mut transcript = heard.transcript;
        // The household's spelling, then the speaker's, before the text is kept, typed or
        // routed.
        let rules = [settings.stt.replacements.as_slice(), &profile.replacements].concat();
        transcript.text = replaced(&transcript.text, &rules);
        let stt_ms = transcript.elapsed_ms.min(u64::from(u32::MAX)) as u32;
        let keep = settings.history.enabled;
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
        let (text, confidence) = (transcript.text.clone(), transcript.confidence);
        let request = Request {
            text: transcript.text,
            purpose,
            source: Source::Voice {
                transcription_id,
                capture_ms: heard.capture_ms,
                stt_ms,
                endpoint_ms: heard.endpoint_ms,
            },
            speaker: transcript.speaker,
            voice: reply_to.voice,
            text_target: reply_to.text,
            profile: Some(profile),
            dictation_mode: reply_to.dictation_mode,
        };
        let outcome = self.handle(utterance, request, cancel).await?;
        Ok(HeardOutcome::Handled {
            text,
            confidence,
            transcription_id,
            outcome: Box::new(outcome),
        })
    }
}

/// `text` with `stt.replacements` applied (settings are validated, so every entry parses).
pub fn replaced(text: &str, entries: &[String]) -> String {
    match tonny_core::replacements::Replacements::parse(entries) {
        Ok(r) => r.apply(text),
        Err(e) => {
            tracing::warn!(component = "stt", "replacements not applied: {e}");
            text.to_owned()
        }
    }
}
