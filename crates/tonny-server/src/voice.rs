//! The spoken-reply output: a [`Tts`] engine feeding the [`Player`] queue, one sentence at a
//! time, so the first sentence plays while the next is synthesised (and, for a streaming
//! agent, while the next is still being written).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};
use tonny_audio::playback::Player;
use tonny_core::output::{OutputError, Playing, VoiceOutput};
use tonny_core::tts::{Speech, Tts};

/// Synthesises with `tts` and plays on `player`.
pub struct SpokenVoice {
    tts: Arc<dyn Tts>,
    player: Player,
    // Bumped by `stop`, so sentences still arriving for a stopped reply are dropped.
    generation: Arc<AtomicU64>,
}

impl SpokenVoice {
    /// Speech from `tts` played on `player`.
    pub fn new(tts: Arc<dyn Tts>, player: Player) -> Self {
        Self {
            tts,
            player,
            generation: Arc::new(AtomicU64::new(0)),
        }
    }
}

async fn synthesize(tts: &Arc<dyn Tts>, text: String) -> Result<Speech, OutputError> {
    let engine = Arc::clone(tts);
    tokio::task::spawn_blocking(move || engine.synthesize(&text))
        .await
        .map_err(|e| OutputError(format!("speech synthesis stopped unexpectedly: {e}")))?
        .map_err(|e| OutputError(format!("{} could not speak: {e}", tts.name())))
}

#[async_trait]
impl VoiceOutput for SpokenVoice {
    async fn say_stream(
        &self,
        mut sentences: mpsc::UnboundedReceiver<String>,
    ) -> Result<Playing, OutputError> {
        let started = Instant::now();
        let generation = self.generation.load(Ordering::SeqCst);
        let Some(first) = sentences.recv().await else {
            return Err(OutputError("there was nothing to say".into()));
        };
        let speech = synthesize(&self.tts, first).await?;
        let first_done = self
            .player
            .play(speech.samples, speech.sample_rate)
            .map_err(|e| OutputError(e.to_string()))?;
        let first_audio_after = started.elapsed();
        let notice = self.tts.take_notice();

        let (done_tx, done_rx) = oneshot::channel();
        let (tts, player, current) = (
            Arc::clone(&self.tts),
            self.player.clone(),
            Arc::clone(&self.generation),
        );
        tokio::spawn(async move {
            let mut last = first_done;
            while let Some(sentence) = sentences.recv().await {
                if current.load(Ordering::SeqCst) != generation {
                    break;
                }
                match synthesize(&tts, sentence).await {
                    // Stopped while this sentence was being synthesised.
                    Ok(_) if current.load(Ordering::SeqCst) != generation => break,
                    Ok(speech) => match player.play(speech.samples, speech.sample_rate) {
                        Ok(done) => last = done,
                        Err(e) => {
                            tracing::warn!(component = "playback", "reply cut short: {e}");
                            break;
                        }
                    },
                    Err(e) => tracing::warn!(component = "tts", "a sentence was skipped: {e}"),
                }
            }
            let _ = last.await;
            let _ = done_tx.send(());
        });
        Ok(Playing {
            first_audio_after,
            done: done_rx,
            notice,
        })
    }

    fn stop(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.player.stop();
    }

    fn is_speaking(&self) -> bool {
        self.player.is_playing()
    }
}
