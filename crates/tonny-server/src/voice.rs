//! The spoken-reply output: a [`Tts`] engine feeding the [`Player`] queue.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use tonny_audio::playback::Player;
use tonny_core::output::{OutputError, Playing, VoiceOutput};
use tonny_core::tts::Tts;

/// Synthesises with `tts` and plays on `player`.
pub struct SpokenVoice {
    tts: Arc<dyn Tts>,
    player: Player,
}

impl SpokenVoice {
    /// Speech from `tts` played on `player`.
    pub fn new(tts: Arc<dyn Tts>, player: Player) -> Self {
        Self { tts, player }
    }
}

#[async_trait]
impl VoiceOutput for SpokenVoice {
    async fn say(&self, text: &str) -> Result<Playing, OutputError> {
        let started = Instant::now();
        let (tts, text) = (Arc::clone(&self.tts), text.to_owned());
        let speech = tokio::task::spawn_blocking(move || tts.synthesize(&text))
            .await
            .map_err(|e| OutputError(format!("speech synthesis stopped unexpectedly: {e}")))?
            .map_err(|e| OutputError(format!("{} could not speak: {e}", self.tts.name())))?;
        let done = self
            .player
            .play(speech.samples, speech.sample_rate)
            .map_err(|e| OutputError(e.to_string()))?;
        Ok(Playing {
            first_audio_after: started.elapsed(),
            done,
        })
    }

    fn stop(&self) {
        self.player.stop();
    }

    fn is_speaking(&self) -> bool {
        self.player.is_playing()
    }
}
