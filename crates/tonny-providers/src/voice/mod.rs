//! The spoken-reply output: a [`Tts`] engine feeding the [`Player`] queue as the reply is
//! written. A voice that takes streamed text (ElevenLabs' socket) gets it word by word and
//! speaks after the first words; any other voice gets one sentence at a time, so the first
//! sentence plays while the next is synthesised (and, for a streaming agent, still written).

mod feeder;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};
use tonny_audio::playback::Player;
use tonny_core::output::{OutputError, Playing, VoiceOutput};
use tonny_core::sentences::SentenceSplitter;
use tonny_core::tts::{Speech, SpeechStream, Tts};

use feeder::StreamFeeder;

/// Synthesises with `tts` and plays on `player`.
pub struct SpokenVoice {
    tts: Arc<dyn Tts>,
    player: Player,
    // Bumped by `stop`, so text still arriving for a stopped reply is dropped.
    generation: Arc<AtomicU64>,
    first_words: usize,
}

impl SpokenVoice {
    /// Speech from `tts` played on `player`; a streaming voice speaks after the first word.
    pub fn new(tts: Arc<dyn Tts>, player: Player) -> Self {
        Self {
            tts,
            player,
            generation: Arc::new(AtomicU64::new(0)),
            first_words: 1,
        }
    }

    /// With a streaming voice, speak after this many words (`tts.stream_first_words`; 0 waits
    /// for the first sentence or clause).
    pub fn with_stream_first_words(mut self, words: usize) -> Self {
        self.first_words = words;
        self
    }
}

async fn synthesize(tts: &Arc<dyn Tts>, text: String) -> Result<Speech, OutputError> {
    let engine = Arc::clone(tts);
    tokio::task::spawn_blocking(move || engine.synthesize(&text))
        .await
        .map_err(|e| OutputError(format!("speech synthesis stopped unexpectedly: {e}")))?
        .map_err(|e| OutputError(format!("{} could not speak: {e}", tts.name())))
}

/// One reply being spoken.
struct Reply {
    tts: Arc<dyn Tts>,
    player: Player,
    current: Arc<AtomicU64>,
    generation: u64,
    started: Instant,
    // Told when the first audio is queued, or why nothing could be.
    first: Option<oneshot::Sender<Result<Duration, OutputError>>>,
    last: Option<oneshot::Receiver<()>>,
}

impl Reply {
    fn stopped(&self) -> bool {
        self.current.load(Ordering::SeqCst) != self.generation
    }

    /// Queues `speech`; false when playback failed and the reply is over.
    fn play(&mut self, speech: Speech) -> bool {
        match self.player.play(speech.samples, speech.sample_rate) {
            Ok(done) => {
                self.last = Some(done);
                if let Some(first) = self.first.take() {
                    let _ = first.send(Ok(self.started.elapsed()));
                }
                true
            }
            Err(e) => {
                self.fail(format!("reply cut short: {e}"));
                false
            }
        }
    }

    fn fail(&mut self, why: String) {
        match self.first.take() {
            Some(first) => {
                let _ = first.send(Err(OutputError(why)));
            }
            None => tracing::warn!(component = "playback", "{why}"),
        }
    }

    /// Speaks `sentences` one at a time.
    async fn sentences(&mut self, mut sentences: mpsc::UnboundedReceiver<String>) {
        while let Some(sentence) = sentences.recv().await {
            if self.stopped() {
                return;
            }
            match synthesize(&self.tts, sentence).await {
                // Stopped while this sentence was being synthesised.
                Ok(_) if self.stopped() => return,
                Ok(speech) => {
                    if !self.play(speech) {
                        return;
                    }
                }
                // Nothing said yet: the reply fails as a whole, with the reason.
                Err(e) if self.first.is_some() => return self.fail(e.0),
                Err(e) => tracing::warn!(component = "tts", "a sentence was skipped: {e}"),
            }
        }
    }

    /// Feeds `pieces` into `stream` and plays its audio; if the stream fails, the rest of the
    /// reply (from where its audio stopped) is spoken sentence by sentence instead.
    async fn streamed(
        &mut self,
        stream: SpeechStream,
        mut pieces: mpsc::UnboundedReceiver<String>,
        first_words: usize,
    ) {
        let SpeechStream { input, mut audio } = stream;
        let mut input = Some(input);
        let mut feeder = StreamFeeder::new(first_words);
        let mut spoken = 0usize;
        let mut pieces_open = true;
        loop {
            tokio::select! {
                piece = pieces.recv(), if pieces_open => {
                    let out = match piece {
                        Some(piece) => feeder.push(&piece),
                        None => {
                            pieces_open = false;
                            feeder.finish()
                        }
                    };
                    if let Some(tx) = &input {
                        for text in out {
                            let _ = tx.send(text);
                        }
                    }
                    if !pieces_open {
                        input = None; // the end of the text
                    }
                }
                made = audio.recv() => match made {
                    Some(Ok(made)) => {
                        if self.stopped() {
                            return; // dropping `audio` ends the session
                        }
                        spoken += made.chars;
                        if !self.play(made.speech) {
                            return;
                        }
                    }
                    Some(Err(e)) => {
                        tracing::warn!(
                            component = "tts",
                            "the voice stream failed, going on sentence by sentence: {e}"
                        );
                        break;
                    }
                    None => return,
                },
            }
        }
        // The stream failed: say what it did not, then whatever is still to come.
        drop(input);
        let (tx, rx) = mpsc::unbounded_channel();
        let mut splitter = SentenceSplitter::new();
        for sentence in splitter.push(&feeder.after(spoken)) {
            let _ = tx.send(sentence);
        }
        tokio::spawn(split_sentences(pieces, tx, splitter));
        self.sentences(rx).await;
    }
}

/// Cuts `pieces` into sentences for `sentences`, continuing `splitter`.
async fn split_sentences(
    mut pieces: mpsc::UnboundedReceiver<String>,
    sentences: mpsc::UnboundedSender<String>,
    mut splitter: SentenceSplitter,
) {
    while let Some(piece) = pieces.recv().await {
        for sentence in splitter.push(&piece) {
            let _ = sentences.send(sentence);
        }
    }
    if let Some(rest) = splitter.finish() {
        let _ = sentences.send(rest);
    }
}

#[async_trait]
impl VoiceOutput for SpokenVoice {
    async fn say_stream(
        &self,
        pieces: mpsc::UnboundedReceiver<String>,
    ) -> Result<Playing, OutputError> {
        let (first_tx, first_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        let mut reply = Reply {
            tts: Arc::clone(&self.tts),
            player: self.player.clone(),
            current: Arc::clone(&self.generation),
            generation: self.generation.load(Ordering::SeqCst),
            started: Instant::now(),
            first: Some(first_tx),
            last: None,
        };
        // Opened (or loaded) at once, so connecting or loading overlaps the agent's thinking.
        self.prepare();
        let stream = self.tts.open_stream();
        let first_words = self.first_words;
        tokio::spawn(async move {
            match stream {
                Some(stream) => reply.streamed(stream, pieces, first_words).await,
                None => {
                    let (tx, rx) = mpsc::unbounded_channel();
                    tokio::spawn(split_sentences(pieces, tx, SentenceSplitter::new()));
                    reply.sentences(rx).await;
                }
            }
            if reply.first.is_some() {
                reply.fail("there was nothing to say".into());
            }
            if let Some(last) = reply.last.take() {
                let _ = last.await;
            }
            let _ = done_tx.send(());
        });
        let first_audio_after = first_rx
            .await
            .map_err(|_| OutputError("speech stopped unexpectedly".into()))??;
        Ok(Playing {
            first_audio_after,
            done: done_rx,
            notice: self.tts.take_notice(),
            // Named after the first audio: a voice that failed over says so in its name.
            voice: self.tts.name(),
        })
    }

    fn prepare(&self) {
        let tts = Arc::clone(&self.tts);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(move || tts.prepare())),
            Err(_) => drop(std::thread::spawn(move || tts.prepare())),
        }
    }

    fn stop(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.player.stop();
    }

    fn is_speaking(&self) -> bool {
        self.player.is_playing()
    }
}
