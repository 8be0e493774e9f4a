//! What is kept of each request: its activity row (text only while `history.enabled`), its
//! metrics, and the [`Event::RequestFinished`] that says how it ended. A failure to record is
//! logged, never returned: the reply already delivered must not be lost to it.

use tonny_core::Profile;
use tonny_core::activity::ActivityStatus;
use tonny_core::pipeline::{Event, UtteranceId};
use tonny_core::router::{Intent, Purpose};
use tonny_store::{NewActivity, StageTimings};

use super::handle::{Handling, ms};
use super::{Assistant, AssistantError, Outcome, Request, Source};

/// One finished request, as recorded.
struct Finished<'a> {
    utterance: UtteranceId,
    request: Option<&'a Request>,
    profile: Option<&'a Profile>,
    intent: Intent,
    status: ActivityStatus,
    backend: Option<String>,
    reply: Option<String>,
    error: Option<String>,
    timings: StageTimings,
}

impl Assistant {
    /// Records a handled request.
    pub(crate) async fn record(
        &self,
        h: &Handling<'_>,
        outcome: &Outcome,
        refused: Option<String>,
    ) {
        self.store_finished(Finished {
            utterance: h.utterance,
            request: Some(h.request),
            profile: Some(&h.profile),
            intent: outcome.intent,
            status: outcome.status,
            backend: outcome.agent.clone(),
            reply: outcome.reply.clone(),
            error: refused,
            timings: outcome.timings,
        })
        .await;
    }

    /// Records a request cancelled while it was handled.
    pub(crate) async fn record_cancelled(&self, h: &Handling<'_>) {
        let mut timings = h.timings;
        timings.total_ms = Some(ms(h.started) + timings.stt_ms.unwrap_or(0));
        let intent = match h.request.purpose {
            Purpose::Dictation => Intent::Dictation,
            Purpose::Command => Intent::Agent,
        };
        self.store_finished(Finished {
            utterance: h.utterance,
            request: Some(h.request),
            profile: Some(&h.profile),
            intent,
            status: ActivityStatus::Cancelled,
            backend: None,
            reply: None,
            error: Some("cancelled".into()),
            timings,
        })
        .await;
    }

    /// Records an utterance that ended before it became a request it could handle: cancelled
    /// while it was transcribed, or failed there (the speech engine could not be reached).
    pub async fn record_unhandled(
        &self,
        utterance: UtteranceId,
        purpose: Purpose,
        status: ActivityStatus,
        error: &str,
        timings: StageTimings,
    ) {
        let profile = self.store.active_profile().await.ok();
        let intent = match purpose {
            Purpose::Dictation => Intent::Dictation,
            Purpose::Command => Intent::Agent,
        };
        self.store_finished(Finished {
            utterance,
            request: None,
            profile: profile.as_ref(),
            intent,
            status,
            backend: None,
            reply: None,
            error: Some(error.to_owned()),
            timings,
        })
        .await;
    }

    async fn store_finished(&self, f: Finished<'_>) {
        let keep_text = self.settings.current().history.enabled;
        let row = NewActivity {
            transcription_id: match f.request.map(|r| r.source) {
                Some(Source::Voice {
                    transcription_id, ..
                }) => transcription_id,
                _ => None,
            },
            profile: f.profile.map(|p| p.name.clone()),
            intent: f.intent,
            backend: f.backend,
            request: f.request.filter(|_| keep_text).map(|r| r.text.clone()),
            response: f.reply.filter(|_| keep_text),
            status: f.status,
            error: f.error,
            timings: f.timings,
        };
        self.metrics
            .request_done(row.intent.as_str(), row.status.as_str(), &row.timings);
        if let Err(e) = self.store.insert_activity(&row).await {
            tracing::error!("could not store the activity record: {e}");
        }
        self.bus.publish(Event::RequestFinished {
            utterance: f.utterance,
            intent: Some(f.intent),
            status: f.status,
        });
    }

    /// The quick actions `profile` may run now.
    pub(crate) async fn usable_actions(
        &self,
        profile: &Profile,
    ) -> Result<Vec<tonny_core::quick_action::QuickAction>, AssistantError> {
        let mut usable = Vec::new();
        for action in self.store.list_quick_actions().await? {
            match action {
                Ok(a)
                    if a.enabled
                        && a.profile
                            .as_deref()
                            .is_none_or(|p| p.eq_ignore_ascii_case(&profile.name)) =>
                {
                    usable.push(a)
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("skipping a quick action: {e}"),
            }
        }
        Ok(usable)
    }
}
