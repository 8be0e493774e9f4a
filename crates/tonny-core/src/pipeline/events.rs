//! The typed events everything else reacts to (API, tray icon, metrics, store), and the bus that
//! carries them. Publishers never wait for subscribers: a subscriber that falls behind loses the
//! oldest events and is told how many (tokio's broadcast semantics), instead of stalling the
//! pipeline.

use super::context::ClearReason;
use super::state::State;
use serde::Serialize;
use tokio::sync::broadcast;

/// Numbers each utterance (voice or typed) so a late result from a cancelled one is recognised.
pub type UtteranceId = u64;

/// Something the pipeline did, for anyone who wants to show, count or store it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The pipeline moved from one state to another.
    StateChanged {
        /// The utterance the change belongs to (the latest one).
        utterance: UtteranceId,
        /// The state before.
        from: State,
        /// The state now.
        to: State,
    },
    /// Microphone loudness while listening, for the level meter.
    AudioLevel {
        /// Utterance being recorded.
        utterance: UtteranceId,
        /// RMS level in dBFS (0 is full scale, about −60 is silence).
        dbfs: f32,
    },
    /// Text recognised so far while the person is still speaking.
    PartialTranscript {
        /// Utterance being transcribed.
        utterance: UtteranceId,
        /// The stable prefix so far.
        text: String,
    },
    /// The final transcript.
    Transcript {
        /// Utterance it belongs to.
        utterance: UtteranceId,
        /// What was said.
        text: String,
        /// 0–1, from the engine's token probabilities.
        confidence: f32,
    },
    /// An agent's answer.
    AgentReply {
        /// Utterance it answers.
        utterance: UtteranceId,
        /// Which agent answered (`local`, `n8n`, ...).
        agent: String,
        /// The answer.
        text: String,
    },
    /// A spoken reply started playing.
    SpeechStarted {
        /// Utterance whose reply is spoken.
        utterance: UtteranceId,
    },
    /// A spoken reply finished or was cut.
    SpeechFinished {
        /// Utterance whose reply was spoken.
        utterance: UtteranceId,
    },
    /// Something to tell the person outside the conversation (a timer went off, a fallback).
    Notification {
        /// Short headline.
        title: String,
        /// The message.
        body: String,
    },
    /// A stage failed; the pipeline is in the error state with this message.
    Error {
        /// Utterance that failed.
        utterance: UtteranceId,
        /// What the person should read.
        message: String,
    },
    /// A step arrived that does not fit the current state; it was ignored.
    StepRejected {
        /// Utterance the step named.
        utterance: UtteranceId,
        /// Why it was ignored.
        reason: String,
    },
    /// The conversation context was emptied.
    ContextCleared {
        /// Asked for, or idle too long.
        reason: ClearReason,
    },
}

/// Capacity of the bus: a subscriber may fall this many events behind before it loses some.
pub const BUS_CAPACITY: usize = 1024;

/// The broadcast bus. Cheap to clone; every clone publishes to the same subscribers.
#[derive(Debug, Clone)]
pub struct EventBus {
    // The sending half; receivers are made from it on demand.
    tx: broadcast::Sender<Event>,
}

impl EventBus {
    /// A bus with [`BUS_CAPACITY`] slots.
    pub fn new() -> Self {
        Self {
            tx: broadcast::channel(BUS_CAPACITY).0,
        }
    }

    /// Publishes to every current subscriber; having none is not an error.
    pub fn publish(&self, event: Event) {
        let _ = self.tx.send(event);
    }

    /// A receiver for every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}
