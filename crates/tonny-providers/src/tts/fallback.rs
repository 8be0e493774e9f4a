//! A cloud voice with the local voice behind it: when the cloud voice fails (quota used up,
//! wrong key, offline), the reply is still spoken, and the person is told once why the voice
//! changed.

use std::sync::{Arc, Mutex};

use tonny_core::tts::{Speech, SpeechStream, Tts, TtsError};

/// Speaks with `primary`, or with `fallback` when `primary` fails.
pub struct FallbackTts {
    primary: Arc<dyn Tts>,
    fallback: Arc<dyn Tts>,
    // Set once a failure was announced, until the cloud voice works again: a steady failure is
    // told once, not per reply.
    announced: Mutex<bool>,
    notice: Mutex<Option<String>>,
}

impl FallbackTts {
    /// `primary`, falling back to `fallback`.
    pub fn new(primary: Arc<dyn Tts>, fallback: Arc<dyn Tts>) -> Self {
        Self {
            primary,
            fallback,
            announced: Mutex::new(false),
            notice: Mutex::new(None),
        }
    }
}

impl Tts for FallbackTts {
    fn name(&self) -> String {
        format!(
            "{} (falls back to {})",
            self.primary.name(),
            self.fallback.name()
        )
    }

    fn synthesize(&self, text: &str) -> Result<Speech, TtsError> {
        match self.primary.synthesize(text) {
            Ok(speech) => {
                if std::mem::take(&mut *self.announced.lock().expect("lock")) {
                    tracing::info!(component = "tts", "the cloud voice works again");
                }
                Ok(speech)
            }
            Err(e @ (TtsError::EmptyText | TtsError::TextTooLong { .. })) => Err(e),
            Err(e) => {
                let reason = e.to_string();
                let mut announced = self.announced.lock().expect("lock");
                if !*announced {
                    tracing::warn!(
                        component = "tts",
                        "cloud voice failed, using the local voice: {reason}"
                    );
                    *self.notice.lock().expect("lock") = Some(format!(
                        "{} could not speak, so the local voice is used for now: {reason}",
                        self.primary.name()
                    ));
                    *announced = true;
                }
                self.fallback.synthesize(text)
            }
        }
    }

    fn open_stream(&self) -> Option<SpeechStream> {
        // While the cloud voice is known to fail, replies go sentence by sentence, where each
        // falls back on its own; a stream that fails is finished by the caller with
        // `synthesize`, which lands here too.
        if *self.announced.lock().expect("lock") {
            return None;
        }
        self.primary.open_stream()
    }

    fn take_notice(&self) -> Option<String> {
        self.notice.lock().expect("lock").take()
    }

    // Only the voice that speaks: the local voice behind a cloud voice loads when it is needed.
    fn prepare(&self) {
        self.primary.prepare();
    }
}
