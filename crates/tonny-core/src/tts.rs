//! Text-to-speech: what every voice takes and returns, so the pipeline never names one.

/// Synthesised speech: mono samples at the voice's own rate (playback resamples if it must).
#[derive(Debug, Clone, PartialEq)]
pub struct Speech {
    /// Mono samples in [-1, 1].
    pub samples: Vec<f32>,
    /// Samples per second.
    pub sample_rate: u32,
}

impl Speech {
    /// Length in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.samples.len() as u64 * 1000 / u64::from(self.sample_rate.max(1))
    }
}

/// Longest text one synthesis takes; longer replies are split into sentences by the caller.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Why a synthesis failed. Messages say what to do; none include the text being spoken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TtsError {
    /// Nothing to say.
    #[error("there is no text to speak")]
    EmptyText,
    /// The text is longer than one synthesis takes.
    #[error("the text is {chars} characters long; one reply may be at most {limit}")]
    TextTooLong {
        /// Characters given.
        chars: usize,
        /// [`MAX_TEXT_CHARS`].
        limit: usize,
    },
    /// The configured voice does not exist.
    #[error("{0}")]
    UnknownVoice(String),
    /// The engine is not installed or cannot be reached.
    #[error("{0}")]
    Unavailable(String),
    /// The engine took longer than the configured timeout.
    #[error(
        "the voice took longer than {timeout_ms} ms to answer (tts.timeout_ms) and was stopped"
    )]
    Timeout {
        /// The limit that was exceeded.
        timeout_ms: u64,
    },
    /// The engine failed while running.
    #[error("{0}")]
    Engine(String),
}

/// Text handed to a [`SpeechStream`] while a reply is being written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamText {
    /// More text, appended to what the voice holds (whole words; the caller keeps a word
    /// that may still grow until it is complete).
    Text(String),
    /// Speak everything held so far now, without waiting for more.
    Flush,
}

/// Audio a [`SpeechStream`] made, with how much of the text it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamAudio {
    /// The samples.
    pub speech: Speech,
    /// Characters of the sent text this audio speaks (0 when the voice does not say); lets a
    /// caller resume with another voice where a failed stream stopped.
    pub chars: usize,
}

/// A voice session fed text as it is written, so speech can start before a sentence ends
/// (ElevenLabs' `stream-input` socket). Dropping `input` ends the text; `audio` then yields
/// the rest and closes. An `Err` on `audio` ends the session.
#[derive(Debug)]
pub struct SpeechStream {
    /// Where text and flushes go.
    pub input: tokio::sync::mpsc::UnboundedSender<StreamText>,
    /// Audio as it is made, in order.
    pub audio: tokio::sync::mpsc::UnboundedReceiver<Result<StreamAudio, TtsError>>,
}

/// A voice. Implementations are safe to share between threads.
pub trait Tts: Send + Sync {
    /// A short name for logs and the UI ("espeak-ng en-us").
    fn name(&self) -> String;

    /// Speaks `text` into samples. Blocking: call it from a blocking thread.
    fn synthesize(&self, text: &str) -> Result<Speech, TtsError>;

    /// Something the person should be told about the voice since the last call (a cloud voice
    /// replaced by the local one, and why). Each notice is returned once.
    fn take_notice(&self) -> Option<String> {
        None
    }

    /// A session fed text while it is written, for voices that take text in pieces; `None`
    /// when this voice (or its configuration) speaks whole sentences only. Call it inside a
    /// Tokio runtime: the session runs as a task.
    fn open_stream(&self) -> Option<SpeechStream> {
        None
    }

    /// Loads what the first reply needs (a neural voice's model), so it loads while the person
    /// speaks or the agent thinks rather than while they wait for the first word. Blocking: call
    /// it from a blocking thread. Voices with nothing to load do nothing.
    fn prepare(&self) {}
}

/// Checks text against the limits every voice shares.
pub fn check_text(text: &str) -> Result<(), TtsError> {
    if text.trim().is_empty() {
        return Err(TtsError::EmptyText);
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(TtsError::TextTooLong {
            chars,
            limit: MAX_TEXT_CHARS,
        });
    }
    Ok(())
}
