//! Speech-to-text: what every engine takes and returns, so the pipeline never names one.

use serde::{Deserialize, Serialize};

/// Samples per second of the audio every engine takes (mono `f32` in [-1, 1]).
pub const SAMPLE_RATE: u32 = 16_000;

/// How to transcribe one recording.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscribeOptions {
    /// ISO 639-1 code, or `None` to detect it (multilingual models) / use English (`.en`).
    pub language: Option<String>,
    /// Beam width; 1 is greedy decoding.
    pub beam_size: usize,
    /// Names and terms to expect (the household's and the speaker's vocabulary), so they are
    /// spelled as the household spells them; engines that cannot take them ignore them.
    pub vocabulary: Vec<String>,
}

impl Default for TranscribeOptions {
    fn default() -> Self {
        Self {
            language: None,
            beam_size: 5,
            vocabulary: Vec::new(),
        }
    }
}

/// A stretch of recognised speech.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Start, from the beginning of the recording.
    pub start_ms: u64,
    /// End, from the beginning of the recording.
    pub end_ms: u64,
    /// The words.
    pub text: String,
    /// Mean log-probability of the decoded tokens (higher is surer; ~0 is certain).
    pub avg_logprob: f32,
    /// Probability the engine gave to "there is no speech here".
    pub no_speech_prob: f32,
}

/// The result of transcribing one recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// All segments' text, joined.
    pub text: String,
    /// Timed segments, in order.
    pub segments: Vec<Segment>,
    /// Language spoken (given or detected).
    pub language: String,
    /// 0–1: the exponential of the mean token log-probability; 0 when nothing was said.
    pub confidence: f32,
    /// Length of the audio.
    pub audio_ms: u64,
    /// Time the engine took.
    pub elapsed_ms: u64,
    /// The speaker id a diarising engine (WhisperLiveKit) gave the first words, if any.
    pub speaker: Option<String>,
}

impl Transcript {
    /// Builds the joined text and confidence from segments.
    pub fn from_segments(
        segments: Vec<Segment>,
        language: String,
        audio_ms: u64,
        elapsed_ms: u64,
    ) -> Self {
        let text = segments
            .iter()
            .map(|s| s.text.trim())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let weights: f32 = segments
            .iter()
            .map(|s| (s.end_ms - s.start_ms).max(1) as f32)
            .sum();
        let confidence = if segments.is_empty() {
            0.0
        } else {
            let mean: f32 = segments
                .iter()
                .map(|s| s.avg_logprob * (s.end_ms - s.start_ms).max(1) as f32)
                .sum::<f32>()
                / weights;
            mean.exp().clamp(0.0, 1.0)
        };
        Self {
            text,
            segments,
            language,
            confidence,
            audio_ms,
            elapsed_ms,
            speaker: None,
        }
    }
}

/// Text recognised so far while audio is still arriving.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialTranscript {
    /// Words that two consecutive decodes agreed on: they will not change.
    pub stable: String,
    /// The rest of the current guess: may still change.
    pub tentative: String,
}

/// Why a transcription failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SttError {
    /// The model is missing, incomplete or damaged.
    #[error(transparent)]
    Model(Box<dyn std::error::Error + Send + Sync>),
    /// The audio cannot be used (empty, too long, not audio).
    #[error(transparent)]
    Audio(Box<dyn std::error::Error + Send + Sync>),
    /// The engine failed while running.
    #[error(transparent)]
    Engine(Box<dyn std::error::Error + Send + Sync>),
    /// A remote engine could not be reached.
    #[error(transparent)]
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
}

/// A transcription that is fed audio while it is being recorded, so a streaming engine
/// (WhisperLiveKit) works while the person speaks and only the last words remain at the end.
pub trait SttSession: Send {
    /// Adds 16 kHz mono audio; never blocks.
    fn push(&mut self, audio: &[f32]);

    /// Ends the audio and waits for the transcript. `recorded` is the whole recording as the
    /// capture kept it: an engine whose live pass only shows text decodes it, so what is typed
    /// is exactly what the same recording gives without live text; a streaming server, which
    /// heard it all already, ignores it. Blocking: call it from a blocking thread.
    fn finish(self: Box<Self>, recorded: &[f32]) -> Result<Transcript, SttError>;
}

/// Called with the text recognised so far while audio is still arriving.
pub type PartialSink = Box<dyn Fn(&PartialTranscript) + Send + Sync>;

/// A speech-to-text engine. Implementations are safe to share between threads; whether calls
/// run in parallel or one after another is documented by each.
pub trait Stt: Send + Sync {
    /// A short name for logs and the UI ("embedded whisper tiny.en").
    fn name(&self) -> String;

    /// Transcribes a whole 16 kHz mono recording. Blocking: call it from a blocking thread.
    fn transcribe(&self, audio: &[f32], opts: &TranscribeOptions) -> Result<Transcript, SttError>;

    /// Starts a session fed while recording, for engines that gain from it; `None` means
    /// "record first, then call [`Stt::transcribe`]". Must be called inside a tokio runtime.
    fn start_session(
        &self,
        _opts: &TranscribeOptions,
        _partial: PartialSink,
    ) -> Option<Box<dyn SttSession>> {
        None
    }

    /// A recording has just started: an engine that loads on demand starts loading now, so
    /// the load overlaps the speech instead of following it. Never blocks.
    fn prepare(&self) {}

    /// Something the person should be told about the engine since the last call (the server
    /// is down and the embedded engine transcribes instead). Each notice is returned once.
    fn take_notice(&self) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: u64, end: u64, text: &str, lp: f32) -> Segment {
        Segment {
            start_ms: start,
            end_ms: end,
            text: text.into(),
            avg_logprob: lp,
            no_speech_prob: 0.0,
        }
    }

    #[test]
    fn text_joins_segments_and_confidence_weights_by_duration() {
        let t = Transcript::from_segments(
            vec![
                seg(0, 3000, " Turn on", -0.1),
                seg(3000, 4000, " the lights.", -1.0),
            ],
            "en".into(),
            4000,
            120,
        );
        assert_eq!(t.text, "Turn on the lights.");
        let expected = ((-0.1 * 3000.0 - 1.0 * 1000.0) / 4000.0f32).exp();
        assert!((t.confidence - expected).abs() < 1e-6);
        let empty = Transcript::from_segments(vec![], "en".into(), 1000, 5);
        assert_eq!((empty.text.as_str(), empty.confidence), ("", 0.0));
    }
}
