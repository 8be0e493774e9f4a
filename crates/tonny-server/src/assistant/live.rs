//! Speaking a streamed answer while it is being written: the agent's pieces go to the voice
//! as they come, and the voice starts as soon as it has enough to say.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tonny_core::output::{OutputError, Playing};
use tonny_core::pipeline::UtteranceId;
use tonny_core::settings::ResponseMode;

use super::{Assistant, VoiceTarget};

/// A reply being spoken as it streams in.
pub(crate) struct LiveSpeech {
    /// Where the agent sends its pieces.
    pub pieces: mpsc::UnboundedSender<String>,
    speaking: JoinHandle<Result<Playing, OutputError>>,
    called: Instant,
    // Cut when the request is cancelled mid-answer.
    voice: Arc<dyn tonny_core::output::VoiceOutput>,
}

impl LiveSpeech {
    /// Stops speaking a cancelled request's answer: nothing more is synthesised, and what was
    /// already playing is cut.
    pub fn abort(self) {
        self.speaking.abort();
        self.voice.stop();
    }

    /// Ends the stream and returns the speech with when it was asked for, if anything was
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
    /// Starts a live speech when replies are spoken, a voice exists and an agent streams.
    pub(crate) fn live_speech(&self, utterance: UtteranceId) -> Option<LiveSpeech> {
        let voice = self.voice()?;
        // Spoken here only: a caller that plays the reply gets it whole, after the answer; a
        // silent request is not spoken at all.
        if self.voice_target(utterance) != VoiceTarget::Host {
            return None;
        }
        // No agent streams: every answer arrives whole and is spoken after its effects, and a
        // voice session opened here would be wasted.
        if self.mode() == ResponseMode::TextOnly || !self.agents().iter().any(|a| a.streams()) {
            return None;
        }
        let (pieces, pieces_rx) = mpsc::unbounded_channel::<String>();
        let called = Instant::now();
        let voice = Arc::clone(&voice);
        let speaker = Arc::clone(&voice);
        let speaking = tokio::spawn(async move { speaker.say_stream(pieces_rx).await });
        Some(LiveSpeech {
            pieces,
            speaking,
            called,
            voice,
        })
    }
}
