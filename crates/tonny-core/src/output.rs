//! Where replies and dictated text go: the [`TextOutput`] (typing into the focused window, the
//! clipboard, a terminal) and the [`VoiceOutput`] (speech played on a device). The pipeline
//! only sees these traits, so it runs the same with a desktop, a terminal or a test.

use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

/// How text reached the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Delivery {
    /// Typed into the focused window.
    Typed {
        /// The tool that typed (`xdotool`, `wtype`, ...).
        tool: String,
    },
    /// Put on the clipboard and pasted into the focused window.
    Pasted {
        /// The tool that pasted.
        tool: String,
    },
    /// Left on the clipboard for the person to paste: typing was not possible.
    Clipboard {
        /// The clipboard tool.
        tool: String,
        /// Why typing did not happen, for the notification.
        reason: String,
    },
    /// Printed or shown (a terminal, the web UI).
    Shown,
}

/// Why text or speech could not be delivered at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OutputError(pub String);

/// Delivers text: typing, clipboard, or a screen.
#[async_trait]
pub trait TextOutput: Send + Sync {
    /// Delivers `text`; falls back (typing → paste → clipboard) rather than fail, and says how.
    async fn deliver(&self, text: &str) -> Result<Delivery, OutputError>;

    /// The application whose window would receive the text, when the desktop says (it picks
    /// the dictation mode); `None` when unknown.
    async fn focused_app(&self) -> Option<crate::dictation::FocusedApp> {
        None
    }
}

/// Speech that has started: when its first audio was queued, and when it ends.
#[derive(Debug)]
pub struct Playing {
    /// From the call to the first sample queued on the device (synthesis time, and for a
    /// stream also the wait for the first sentence).
    pub first_audio_after: Duration,
    /// Resolves when playback finishes or is stopped.
    pub done: oneshot::Receiver<()>,
    /// Something to tell the person about the voice (the cloud voice failed and the local one
    /// speaks instead, and why).
    pub notice: Option<String>,
    /// The voice heard ("Piper en_US-joe-medium", "espeak-ng de"), so the person can see
    /// which one spoke after changing it.
    pub voice: String,
}

/// Speaks text aloud.
#[async_trait]
pub trait VoiceOutput: Send + Sync {
    /// Speaks a reply while it is written: `pieces` are its text as it arrives (a streaming
    /// agent's tokens), and the voice starts as soon as it has enough to say (a sentence, or
    /// for a voice that takes streamed text, a word). Returns once the first audio is queued
    /// (an error if nothing could be said); `done` resolves after the last.
    async fn say_stream(
        &self,
        pieces: mpsc::UnboundedReceiver<String>,
    ) -> Result<Playing, OutputError>;

    /// Speaks `text`; returns once audio is playing.
    async fn say(&self, text: &str) -> Result<Playing, OutputError> {
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(text.to_owned());
        drop(tx);
        self.say_stream(rx).await
    }

    /// Starts loading what the first reply needs (see [`crate::tts::Tts::prepare`]) without
    /// waiting for it: call it when a reply is likely (a command is being spoken or handled).
    fn prepare(&self) {}

    /// Cuts whatever is playing or queued (a new utterance, the stop hotkey).
    fn stop(&self);
    /// True while TonnyTray itself is making sound; capture ignores the microphone then.
    fn is_speaking(&self) -> bool;
}
