//! Nothing dictated is lost: a dictation's recording is kept as an unsent dictation
//! ([`crate::unsent`]) before it is transcribed, and let go only once its text was delivered
//! (or there was nothing to deliver). A retry hears the kept recording again.

use tonny_core::router::Purpose;

use super::recording::Recorded;
use super::{Session, SessionError};
use crate::assistant::{HeardOutcome, ReplyTo};
use crate::unsent::UnsentDictation;

impl Session {
    /// Keeps a dictation's recording until its text is delivered; its unsent id (a retry's
    /// own). A recording that cannot be kept (a full disk) is still transcribed.
    pub(super) async fn keep_unsent(&self, recorded: &mut Recorded) -> Option<String> {
        if recorded.purpose != Purpose::Dictation {
            return None;
        }
        if let Some(id) = &recorded.unsent {
            return Some(id.clone());
        }
        let unsent = self.unsent.clone()?;
        if recorded.samples.is_empty() {
            return None;
        }
        let samples = recorded.samples.clone();
        let (source, mode) = (recorded.source.clone(), recorded.reply_to.dictation_mode);
        match tokio::task::spawn_blocking(move || unsent.keep(&samples, &source, mode)).await {
            Ok(Ok(id)) => Some(id),
            Ok(Err(e)) => {
                tracing::warn!("{e}; the dictation goes on without a copy");
                None
            }
            Err(_) => None,
        }
    }

    /// Lets an unsent dictation go once its text was delivered (or nothing was to be), else
    /// notes why it is still unsent and tells the person it can be retried.
    pub(super) async fn settle_unsent(
        &self,
        id: &str,
        result: &Result<HeardOutcome, SessionError>,
    ) {
        let Some(unsent) = &self.unsent else {
            return;
        };
        let keep_audio = self.settings.current().history.keep_audio;
        let why = match result {
            Ok(HeardOutcome::Handled { outcome, .. })
                if outcome.delivery.is_some()
                    || outcome.dictated.as_ref().is_some_and(|d| d.text.is_empty()) =>
            {
                unsent.done(id, keep_audio);
                return;
            }
            // Nothing to type, or the person cancelled it.
            Ok(HeardOutcome::NothingRecognised { .. }) | Err(SessionError::Cancelled) => {
                unsent.done(id, false);
                return;
            }
            Ok(HeardOutcome::Handled { .. }) => "the text could not be typed".to_owned(),
            Err(e) => e.to_string(),
        };
        unsent.failed(id, &why);
        self.assistant
            .notify(
                "warn",
                "Dictation kept for later",
                &format!(
                    "{why}. The recording is kept: retry it from History or with \
                     `tonny history retry`."
                ),
            )
            .await;
    }

    /// The dictations whose text has not arrived, oldest first.
    pub fn unsent_dictations(&self) -> Vec<UnsentDictation> {
        self.unsent
            .as_ref()
            .map(crate::unsent::Unsent::list)
            .unwrap_or_default()
    }

    /// Hears unsent dictation `id` again and types it; it is let go once delivered.
    pub async fn retry_unsent(&self, id: &str) -> Result<HeardOutcome, SessionError> {
        let unsent = self
            .unsent
            .clone()
            .ok_or_else(|| crate::unsent::UnsentError::NotFound(id.to_owned()))?;
        let id_owned = id.to_owned();
        let (meta, samples) = tokio::task::spawn_blocking(move || unsent.load(&id_owned))
            .await
            .map_err(|e| SessionError::SpeechFailed(e.to_string()))??;
        self.hear(Recorded {
            samples,
            capture_ms: meta.audio_ms.min(u64::from(u32::MAX)) as u32,
            endpoint_ms: None,
            source: meta.source,
            purpose: Purpose::Dictation,
            reply_to: ReplyTo {
                dictation_mode: meta.mode,
                ..ReplyTo::HOST
            },
            live: None,
            unsent: Some(meta.id),
        })
        .await
    }
}
