//! Speaking a streamed answer while it is being written: the agent's pieces are cut into
//! sentences and each goes to the voice as soon as it is complete.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tonny_core::output::{OutputError, Playing};
use tonny_core::sentences::SentenceSplitter;
use tonny_core::settings::ResponseMode;

use super::Assistant;

/// A reply being spoken as it streams in.
pub(crate) struct LiveSpeech {
    /// Where the agent sends its pieces.
    pub pieces: mpsc::UnboundedSender<String>,
    speaking: JoinHandle<Result<Playing, OutputError>>,
    called: Instant,
}

impl LiveSpeech {
    /// Ends the stream and returns the speech with when it was asked for, if any sentence was
    /// spoken (a non-streaming agent sends nothing here, and its reply is spoken normally).
    pub async fn finish(self) -> Option<(Playing, Instant)> {
        drop(self.pieces);
        match self.speaking.await {
            Ok(Ok(playing)) => Some((playing, self.called)),
            Ok(Err(e)) => {
                tracing::debug!(component = "tts", "nothing spoken while streaming: {e}");
                None
            }
            Err(_) => None,
        }
    }
}

impl Assistant {
    /// Starts a live speech when replies are spoken and a voice exists.
    pub(crate) fn live_speech(&self) -> Option<LiveSpeech> {
        let voice = self.voice_out.clone()?;
        if self.mode() == ResponseMode::TextOnly {
            return None;
        }
        let (pieces, mut pieces_rx) = mpsc::unbounded_channel::<String>();
        let (sentences, sentences_rx) = mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            let mut splitter = SentenceSplitter::new();
            while let Some(piece) = pieces_rx.recv().await {
                for sentence in splitter.push(&piece) {
                    let _ = sentences.send(sentence);
                }
            }
            if let Some(rest) = splitter.finish() {
                let _ = sentences.send(rest);
            }
        });
        let called = Instant::now();
        let voice = Arc::clone(&voice);
        let speaking = tokio::spawn(async move { voice.say_stream(sentences_rx).await });
        Some(LiveSpeech {
            pieces,
            speaking,
            called,
        })
    }
}
