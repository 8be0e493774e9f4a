//! Partial results while audio is still arriving, for live text in the UI.
//!
//! The growing buffer is re-decoded on a cadence (greedy, no context: fast and independent of
//! earlier guesses). Words that two consecutive decodes agree on, from the start, become stable
//! and are never taken back ("local agreement", the policy WhisperLiveKit uses); the rest of the
//! latest decode is shown as tentative. Up to 30 s every decode costs one encoder pass whatever
//! the length, since Whisper always encodes a full 30 s window.

use std::sync::Arc;

use tonny_core::stt::{
    PartialSink, PartialTranscript, Stt, SttError, SttSession, TranscribeOptions, Transcript,
};

use crate::decode::DecodeOptions;
use crate::engine::{EngineError, WhisperEngine};
use crate::features::SAMPLE_RATE;

/// Accumulates audio and reports partial transcripts.
pub struct LiveTranscriber {
    /// The shared engine.
    engine: Arc<WhisperEngine>,
    /// Language code, or `None` for the model's default / detection.
    language: Option<String>,
    /// Everything received so far, 16 kHz mono.
    buffer: Vec<f32>,
    /// Buffer length at the last decode.
    decoded_at: usize,
    /// Samples to wait between decodes.
    cadence: usize,
    /// Words of the previous decode.
    previous: Vec<String>,
    /// Words confirmed so far; only ever grows.
    stable: Vec<String>,
}

impl LiveTranscriber {
    /// Starts a live transcription that re-decodes every `cadence_ms` of new audio.
    pub fn new(engine: Arc<WhisperEngine>, language: Option<String>, cadence_ms: u32) -> Self {
        Self {
            engine,
            language,
            buffer: Vec::new(),
            decoded_at: 0,
            cadence: (cadence_ms.max(100) as usize) * SAMPLE_RATE / 1000,
            previous: Vec::new(),
            stable: Vec::new(),
        }
    }

    /// Adds audio; returns a new partial transcript when a decode was due.
    pub fn push(&mut self, samples: &[f32]) -> Result<Option<PartialTranscript>, EngineError> {
        self.buffer.extend_from_slice(samples);
        if self.buffer.len() - self.decoded_at < self.cadence {
            return Ok(None);
        }
        self.decoded_at = self.buffer.len();
        let quick = DecodeOptions {
            beam_size: 1,
            temperatures: vec![0.0],
            condition_on_previous_text: false,
            ..DecodeOptions::default()
        };
        let text = self
            .engine
            .transcribe_with(&self.buffer, self.language.as_deref(), quick)?
            .text;
        let current: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        self.stable = extend_stable(&self.stable, &self.previous, &current);
        let tentative = tentative_after(&self.stable, &current);
        self.previous = current;
        Ok(Some(PartialTranscript {
            stable: self.stable.join(" "),
            tentative,
        }))
    }

    /// Audio received so far.
    pub fn audio(&self) -> &[f32] {
        &self.buffer
    }

    /// The final transcript of everything received, decoded with `opts`.
    pub fn finish(self, opts: DecodeOptions) -> Result<Transcript, EngineError> {
        self.engine
            .transcribe_with(&self.buffer, self.language.as_deref(), opts)
    }
}

/// The stable words after a decode: `stable` grown by the words that the previous and the
/// current decode agree on right after it. A decode that no longer starts with the stable words
/// (Whisper re-reading "Hello," as "The Lotani,") adds nothing, so stable words are never taken
/// back, only waited on.
fn extend_stable(stable: &[String], previous: &[String], current: &[String]) -> Vec<String> {
    let n = stable.len();
    if !(current.starts_with(stable) && previous.starts_with(stable)) {
        return stable.to_vec();
    }
    let agreed = previous[n..]
        .iter()
        .zip(&current[n..])
        .take_while(|(a, b)| a == b)
        .count();
    current[..n + agreed].to_vec()
}

/// What the current decode says beyond the stable words. When it disagrees with them, the
/// words past as many as are stable, so the line stays readable while it settles.
fn tentative_after(stable: &[String], current: &[String]) -> String {
    current
        .get(stable.len().min(current.len())..)
        .unwrap_or_default()
        .join(" ")
}

/// The embedded engine with live text: [`Stt`] like [`WhisperEngine`], and while a recording
/// is made, a [`LiveTranscriber`] on a thread of its own reports partial text every
/// `cadence_ms` of new audio. What is typed still comes from one decode of the whole recording
/// with the person's options (beam, vocabulary), so live text never changes the result.
pub struct LiveEngine {
    engine: Arc<WhisperEngine>,
    cadence_ms: u32,
}

impl LiveEngine {
    /// `engine` with live text every `cadence_ms` (0: none, [`Stt::start_session`] declines).
    pub fn new(engine: Arc<WhisperEngine>, cadence_ms: u32) -> Self {
        Self { engine, cadence_ms }
    }
}

impl Stt for LiveEngine {
    fn name(&self) -> String {
        self.engine.name()
    }

    fn transcribe(&self, audio: &[f32], opts: &TranscribeOptions) -> Result<Transcript, SttError> {
        self.engine.transcribe(audio, opts)
    }

    fn start_session(
        &self,
        opts: &TranscribeOptions,
        partial: PartialSink,
    ) -> Option<Box<dyn SttSession>> {
        if self.cadence_ms == 0 {
            return None;
        }
        let (audio, received) = std::sync::mpsc::channel::<Vec<f32>>();
        let mut live = LiveTranscriber::new(
            Arc::clone(&self.engine),
            opts.language.clone(),
            self.cadence_ms,
        );
        let decoding = std::thread::Builder::new()
            .name("tonny-live-text".into())
            .spawn(move || {
                while let Ok(mut chunk) = received.recv() {
                    // Audio that arrived during the last decode is taken in one go, so a slow
                    // decode never queues more decodes behind it.
                    while let Ok(more) = received.try_recv() {
                        chunk.extend_from_slice(&more);
                    }
                    match live.push(&chunk) {
                        Ok(Some(p)) => partial(&p),
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(component = "stt", "live text stopped: {e}");
                            return;
                        }
                    }
                }
            })
            .ok()?;
        Some(Box::new(LiveSession {
            engine: Arc::clone(&self.engine),
            opts: opts.clone(),
            audio: Some(audio),
            decoding: Some(decoding),
        }))
    }
}

/// A recording being made with live text (see [`LiveEngine`]).
struct LiveSession {
    engine: Arc<WhisperEngine>,
    opts: TranscribeOptions,
    audio: Option<std::sync::mpsc::Sender<Vec<f32>>>,
    decoding: Option<std::thread::JoinHandle<()>>,
}

impl SttSession for LiveSession {
    fn push(&mut self, audio: &[f32]) {
        if let Some(tx) = &self.audio {
            // The decoding thread may have stopped on an error: then there is no live text,
            // and the final pass still runs.
            let _ = tx.send(audio.to_vec());
        }
    }

    fn finish(mut self: Box<Self>, recorded: &[f32]) -> Result<Transcript, SttError> {
        drop(self.audio.take());
        // A decode in progress ends first (the engine runs one at a time anyway); no partial
        // text is reported after the final pass starts.
        if let Some(d) = self.decoding.take() {
            let _ = d.join();
        }
        self.engine.transcribe(recorded, &self.opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn stable_words_grow_by_agreement_and_are_never_taken_back() {
        let stable = extend_stable(&[], &words("Hello, Lotani"), &words("Hello, Lotani please"));
        assert_eq!(stable, words("Hello, Lotani"));
        // Both decodes now read the start differently: nothing new is stable, nothing is lost.
        let again = extend_stable(
            &stable,
            &words("The Lotani, please send"),
            &words("The Lotani, please send a"),
        );
        assert_eq!(again, stable);
        assert_eq!(
            tentative_after(&again, &words("The Lotani, please")),
            "please"
        );
        let grown = extend_stable(
            &stable,
            &words("Hello, Lotani please send"),
            &words("Hello, Lotani please send a"),
        );
        assert_eq!(grown, words("Hello, Lotani please send"));
    }
}
