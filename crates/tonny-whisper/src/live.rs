//! Partial results while audio is still arriving, for live text in the UI.
//!
//! The growing buffer is re-decoded on a cadence (greedy, no context: fast and independent of
//! earlier guesses). Words that two consecutive decodes agree on, from the start, become stable
//! and are never taken back ("local agreement", the policy WhisperLiveKit uses); the rest of the
//! latest decode is shown as tentative. Up to 30 s every decode costs one encoder pass whatever
//! the length, since Whisper always encodes a full 30 s window.
//!
//! The final pass starts early: once the speech has been followed by enough silence to be
//! settled (before the endpointer's longer wait ends the recording), the session decodes the
//! recording up to there with the person's options. The final pass never decodes the silence
//! after the speech ([`crate::engine::spoken_len`]), so if the recording that ends is the same
//! up to there, that decode *is* the final transcript, and it is ready when the endpoint comes.

use std::sync::Arc;

use tonny_core::stt::{
    PartialSink, PartialTranscript, Stt, SttError, SttSession, TranscribeOptions, Transcript,
};

use tonny_audio::vad::{SpeechTracker, VadOptions};

use crate::decode::DecodeOptions;
use crate::engine::{EngineError, WhisperEngine, spoken_end, spoken_len};
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
        self.partial_if_due()
    }

    /// A new partial transcript when `cadence` of audio has arrived since the last decode.
    fn partial_if_due(&mut self) -> Result<Option<PartialTranscript>, EngineError> {
        if self.buffer.len() - self.decoded_at < self.cadence {
            return Ok(None);
        }
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
        Ok(Some(self.observe(&text)))
    }

    /// Takes `text`, a decode of all the audio so far, as the latest reading: the partial
    /// transcript it makes.
    fn observe(&mut self, text: &str) -> PartialTranscript {
        self.decoded_at = self.buffer.len();
        let current: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        self.stable = extend_stable(&self.stable, &self.previous, &current);
        let tentative = tentative_after(&self.stable, &current);
        self.previous = current;
        PartialTranscript {
            stable: self.stable.join(" "),
            tentative,
        }
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
/// is made, a thread of its own reports partial text every `cadence_ms` of new audio (when
/// `cadence_ms` is not 0) and runs the final pass as soon as the speech has settled. What is
/// typed still comes from one decode of the recording with the person's options (beam,
/// vocabulary), so neither changes the result, only when it is ready.
pub struct LiveEngine {
    engine: Arc<WhisperEngine>,
    cadence_ms: u32,
}

impl LiveEngine {
    /// `engine` with live text every `cadence_ms` (0: no partial text; the early final pass
    /// still runs).
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
        let (audio, received) = std::sync::mpsc::channel::<Vec<f32>>();
        let finishing = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let listening = SessionThread {
            engine: Arc::clone(&self.engine),
            opts: opts.clone(),
            live: LiveTranscriber::new(
                Arc::clone(&self.engine),
                opts.language.clone(),
                self.cadence_ms,
            ),
            live_text: self.cadence_ms > 0,
            speech: SpeechTracker::default(),
            early: None,
            finishing: Arc::clone(&finishing),
        };
        let decoding = std::thread::Builder::new()
            .name("tonny-live-text".into())
            .spawn(move || listening.run(&received, &partial))
            .ok()?;
        Some(Box::new(LiveSession {
            engine: Arc::clone(&self.engine),
            opts: opts.clone(),
            audio: Some(audio),
            finishing,
            decoding: Some(decoding),
        }))
    }
}

/// The final pass run before the recording ended: the first `len` samples' transcript.
struct EarlyFinal {
    len: usize,
    result: Result<Transcript, SttError>,
}

/// What a session's thread hands back: the audio it received and its early final pass.
type Received = (Vec<f32>, Option<EarlyFinal>);

/// Quiet after speech from which no partial decode starts (100 ms): the early final pass
/// follows at 300 ms, and a decode already under way would delay it.
const PAUSING: usize = SAMPLE_RATE / 10;

/// The longest speech decoded early (30 s, one window): commands and short dictations. A long
/// dictation's pauses would each cost a decode of everything said so far, and for a long
/// recording the final pass's wait matters less.
const EARLY_AT_MOST: usize = 30 * SAMPLE_RATE;

/// The work of a [`LiveSession`]'s thread.
struct SessionThread {
    engine: Arc<WhisperEngine>,
    opts: TranscribeOptions,
    /// Everything received, and partial text from it.
    live: LiveTranscriber,
    /// Whether partial text is wanted (and has not failed).
    live_text: bool,
    /// Where the speech is in the audio received.
    speech: SpeechTracker,
    early: Option<EarlyFinal>,
    /// Set by [`SttSession::finish`]: it decodes what is left itself, so nothing new starts.
    finishing: Arc<std::sync::atomic::AtomicBool>,
}

impl SessionThread {
    fn run(
        mut self,
        received: &std::sync::mpsc::Receiver<Vec<f32>>,
        partial: &PartialSink,
    ) -> Received {
        while let Ok(mut chunk) = received.recv() {
            // Audio that arrived during the last decode is taken in one go, so a slow decode
            // never queues more decodes behind it.
            while let Ok(more) = received.try_recv() {
                chunk.extend_from_slice(&more);
            }
            if self.finishing.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            self.live.buffer.extend_from_slice(&chunk);
            self.speech.push(&chunk);
            match self.settled_speech_end() {
                Some(end) if self.early.as_ref().is_some_and(|e| e.len == end) => {
                    // Only silence since the early final pass: no new words to show.
                }
                Some(end) => {
                    let result = self
                        .engine
                        .transcribe_speech(self.live.audio(), &self.opts, end);
                    // Everything said so far, decoded the best way: live text too (if the
                    // person goes on, these are the surest words of the pause).
                    if let (true, Ok(t)) = (self.live_text, &result) {
                        partial(&self.live.observe(&t.text));
                    }
                    self.early = Some(EarlyFinal { len: end, result });
                }
                // Speech that has stopped for a moment is decoded by the final pass as soon
                // as it has settled: a partial decode started now would only hold it up.
                None if self.speech.quiet_for(&VadOptions::default()) >= PAUSING => {}
                None => self.partial(partial),
            }
        }
        (self.live.buffer, self.early)
    }

    /// Where the final pass would end, once the last speech has been followed by enough
    /// silence that the detector's regions will not change unless new speech comes.
    fn settled_speech_end(&self) -> Option<usize> {
        let opts = VadOptions::default();
        let regions = self.speech.regions(&opts);
        let last = regions.last()?;
        // A region is closed after `min_silence_ms` without speech; its end is padded by
        // `pad_ms` past the last speech frame.
        let closing = opts.min_silence_ms.saturating_sub(opts.pad_ms) as usize * SAMPLE_RATE / 1000;
        let end = spoken_end(&regions, self.speech.scored());
        (self.speech.scored() >= (last.end + closing).max(end) && end <= EARLY_AT_MOST)
            .then_some(end)
    }

    fn partial(&mut self, partial: &PartialSink) {
        if !self.live_text {
            return;
        }
        match self.live.partial_if_due() {
            Ok(Some(p)) => partial(&p),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(component = "stt", "live text stopped: {e}");
                self.live_text = false;
            }
        }
    }
}

/// A recording being made with live text (see [`LiveEngine`]).
struct LiveSession {
    engine: Arc<WhisperEngine>,
    opts: TranscribeOptions,
    audio: Option<std::sync::mpsc::Sender<Vec<f32>>>,
    finishing: Arc<std::sync::atomic::AtomicBool>,
    decoding: Option<std::thread::JoinHandle<Received>>,
}

impl SttSession for LiveSession {
    fn push(&mut self, audio: &[f32]) {
        if let Some(tx) = &self.audio {
            // The decoding thread may have stopped: then there is no live text, and the final
            // pass still runs.
            let _ = tx.send(audio.to_vec());
        }
    }

    fn finish(mut self: Box<Self>, recorded: &[f32]) -> Result<Transcript, SttError> {
        self.finishing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        drop(self.audio.take());
        // A decode in progress ends first (the engine runs one at a time anyway); no partial
        // text is reported after the final pass starts.
        let received = self.decoding.take().and_then(|d| d.join().ok());
        let end = spoken_len(recorded);
        // The early pass counts only for the very samples the final pass would decode; one
        // that failed is tried again.
        if let Some((audio, Some(early))) = received
            && early.len == end
            && audio.get(..end) == Some(&recorded[..end])
            && let Ok(mut t) = early.result
        {
            t.audio_ms = recorded.len() as u64 * 1000 / SAMPLE_RATE as u64;
            return Ok(t);
        }
        self.engine.transcribe_speech(recorded, &self.opts, end)
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
