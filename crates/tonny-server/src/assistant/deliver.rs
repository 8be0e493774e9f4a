//! Getting text and speech to the person, never silently: a typing fallback or a failed voice
//! becomes a notification (stored, and on the bus) that says what happened and where the text is.

use std::time::Instant;

use tokio::sync::oneshot;
use tonny_core::output::{Delivery, Playing};
use tonny_core::pipeline::{Event, UtteranceId};
use tonny_core::settings::ResponseMode;

use super::{Assistant, TextTarget, VoiceTarget};

/// Where one request's reply goes, when not to this machine's outputs, and what was said for
/// a caller that plays the reply itself.
#[derive(Debug, Default)]
pub(crate) struct Targets {
    pub voice: VoiceTarget,
    pub text: TextTarget,
    pub said: Vec<String>,
    // Texts handed back to a caller that shows them, in order.
    pub shown: Vec<String>,
}

impl Assistant {
    /// Tells the person something outside the conversation: in the store, then on the bus, so
    /// a client that reads the notifications when the event arrives finds it there.
    pub async fn notify(&self, level: &str, title: &str, body: &str) {
        if let Err(e) = self.store.add_notification(level, title, Some(body)).await {
            tracing::error!("could not store a notification: {e}");
        }
        self.bus.publish(Event::Notification {
            title: title.to_owned(),
            body: body.to_owned(),
        });
    }

    /// The reply's text for `utterance`: handed back to a caller that shows it itself (the
    /// web UI, the CLI), else typed on this machine.
    pub(crate) async fn deliver_reply_text(
        &self,
        utterance: UtteranceId,
        text: &str,
    ) -> Option<Delivery> {
        let to_caller = self.with_targets(utterance, |t| {
            let caller = t.text == TextTarget::Caller;
            if caller {
                t.shown.push(text.to_owned());
            }
            caller
        });
        if to_caller == Some(true) {
            return Some(Delivery::Shown);
        }
        self.deliver_text(text).await
    }

    /// `f` of `utterance`'s targets, when they are not this machine's.
    pub(crate) fn with_targets<T>(
        &self,
        utterance: UtteranceId,
        f: impl FnOnce(&mut Targets) -> T,
    ) -> Option<T> {
        self.targets
            .lock()
            .expect("targets lock")
            .get_mut(&utterance)
            .map(f)
    }

    /// Types (or pastes, or leaves on the clipboard) `text`; every fallback is announced.
    pub(crate) async fn deliver_text(&self, text: &str) -> Option<Delivery> {
        match self.text_output().deliver(text).await {
            Ok(d @ Delivery::Clipboard { .. }) => {
                if let Delivery::Clipboard { tool, reason } = &d {
                    tracing::warn!(
                        tool,
                        "typing not possible, text left on the clipboard: {reason}"
                    );
                    self.notify(
                        "warn",
                        "Text is on the clipboard",
                        &format!(
                            "I couldn't type into the window ({reason}), so the text is on the \
                             clipboard: paste it with Ctrl+V."
                        ),
                    )
                    .await;
                }
                Some(d)
            }
            Ok(d) => Some(d),
            Err(e) => {
                tracing::error!("text could not be delivered: {e}");
                self.notify(
                    "error",
                    "Text could not be delivered",
                    &format!("{e}. The text was: {text}"),
                )
                .await;
                None
            }
        }
    }

    /// Announces speech that has started: the bus event, the voice's notice (a cloud voice
    /// replaced by the local one), and a receiver for its end.
    pub(crate) async fn started(
        &self,
        utterance: UtteranceId,
        playing: Playing,
        called: Instant,
    ) -> Started {
        self.bus.publish(Event::SpeechStarted {
            utterance,
            voice: playing.voice.clone(),
        });
        if let Some(notice) = &playing.notice {
            self.notify("warn", "Using the local voice", notice).await;
        }
        let (tx, rx) = oneshot::channel();
        let bus = self.bus.clone();
        let done = playing.done;
        tokio::spawn(async move {
            let _ = done.await;
            bus.publish(Event::SpeechFinished { utterance });
            let _ = tx.send(());
        });
        Started {
            done: rx,
            tts_ms: playing.first_audio_after.as_millis().min(u32::MAX as u128) as u32,
            first_audio: called + playing.first_audio_after,
            voice: Some(playing.voice),
        }
    }

    /// Where `utterance`'s spoken reply goes (this machine's speakers unless it said otherwise).
    pub(crate) fn voice_target(&self, utterance: UtteranceId) -> VoiceTarget {
        self.with_targets(utterance, |t| t.voice)
            .unwrap_or_default()
    }

    /// Says `text` the way `utterance` asked: aloud on this machine, kept for a caller that
    /// plays the reply itself, or — for a silent request — shown instead of spoken. Returns
    /// when it is playing (at once when nothing plays here).
    pub(crate) async fn speak(
        &self,
        utterance: UtteranceId,
        text: &str,
    ) -> Result<Started, String> {
        let target = self.with_targets(utterance, |t| {
            if t.voice == VoiceTarget::Caller {
                t.said.push(text.to_owned());
            }
            t.voice
        });
        match target.unwrap_or_default() {
            VoiceTarget::Host => {}
            VoiceTarget::Caller => return Ok(Started::at_once()),
            VoiceTarget::Silent => {
                self.deliver_reply_text(utterance, text).await;
                return Ok(Started::at_once());
            }
        }
        let Some(voice) = self.voice() else {
            return Err("no voice output is available".to_owned());
        };
        let called = Instant::now();
        let playing = voice.say(text).await.map_err(|e| e.to_string())?;
        Ok(self.started(utterance, playing, called).await)
    }

    /// Delivers a reply as `response.mode` says. A voice that fails falls back to text, and the
    /// person is told why.
    pub(crate) async fn reply(&self, utterance: UtteranceId, agent: &str, text: &str) -> Replied {
        let mut mode = self.mode();
        let target = self.voice_target(utterance);
        if target == VoiceTarget::Silent || self.voice().is_none() && target == VoiceTarget::Host {
            // Not spoken for this request, or no voice (reported when it was built): the text
            // is the reply now.
            mode = ResponseMode::TextOnly;
        }
        let mut delivery = None;
        if matches!(mode, ResponseMode::TextOnly | ResponseMode::Both) {
            delivery = self.deliver_reply_text(utterance, text).await;
        }
        if matches!(mode, ResponseMode::VoiceOnly | ResponseMode::Both) {
            match self.speak(utterance, text).await {
                Ok(speech) => {
                    return Replied {
                        delivery,
                        speech: Some(speech),
                    };
                }
                Err(why) => {
                    tracing::warn!(agent, "reply not spoken: {why}");
                    self.notify(
                        "warn",
                        "Reply not spoken",
                        &format!("I couldn't speak the reply: {why}."),
                    )
                    .await;
                    if delivery.is_none() {
                        delivery = self.deliver_reply_text(utterance, text).await;
                    }
                }
            }
        }
        Replied {
            delivery,
            speech: None,
        }
    }
}

/// Speech that started for a reply.
pub(crate) struct Started {
    /// Resolves when it has finished (or was stopped).
    pub done: oneshot::Receiver<()>,
    /// From the call to the first sample queued.
    pub tts_ms: u32,
    /// When the first sample was queued.
    pub first_audio: Instant,
    /// The voice speaking here (`None` when the caller plays it).
    pub voice: Option<String>,
}

impl Started {
    /// Nothing plays here (the caller plays it, or it was shown): already finished.
    fn at_once() -> Self {
        let (done, rx) = oneshot::channel();
        let _ = done.send(());
        Started {
            done: rx,
            tts_ms: 0,
            first_audio: Instant::now(),
            voice: None,
        }
    }
}

/// How a reply was delivered.
pub(crate) struct Replied {
    /// The text delivery, if text was delivered.
    pub delivery: Option<Delivery>,
    /// The speech, if it was spoken.
    pub speech: Option<Started>,
}

impl Replied {
    /// Nothing delivered (an empty answer).
    pub fn nothing() -> Self {
        Self {
            delivery: None,
            speech: None,
        }
    }
}
