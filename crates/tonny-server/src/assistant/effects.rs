//! Applying what an answer asks for ([`Effect`]) and running quick actions step by step.

use chrono::{DateTime, FixedOffset};
use tonny_core::Profile;
use tonny_core::agent::{AgentReply, Effect};
use tonny_core::pipeline::UtteranceId;
use tonny_core::quick_action::{QuickAction, Step};

use super::Assistant;

impl Assistant {
    /// Applies the reply's effects. One that fails replaces the reply with what went wrong, so
    /// the person never hears "timer set" for a timer that was not stored.
    pub(crate) async fn apply_effects(
        &self,
        utterance: UtteranceId,
        profile: &Profile,
        mut reply: AgentReply,
        now: DateTime<FixedOffset>,
    ) -> AgentReply {
        for effect in std::mem::take(&mut reply.effects) {
            match &effect {
                Effect::SetTimer(t) => match self.store.add_timer(t).await {
                    Ok(stored) => {
                        tracing::info!(id = stored.id, due = %stored.due_at, "timer set");
                        self.timers_changed.notify_one();
                    }
                    Err(e) => reply.text = format!("I couldn't save that {}: {e}", t.kind.as_str()),
                },
                Effect::CancelTimers { ids } => match self.store.cancel_timers(ids).await {
                    Ok(_) => self.timers_changed.notify_one(),
                    Err(e) => reply.text = format!("I couldn't cancel that: {e}"),
                },
                Effect::SetResponseMode(mode) => {
                    if let Err(e) = self.set_mode(*mode).await {
                        reply.text = format!("I couldn't change how I reply: {e}");
                    }
                }
                Effect::RunQuickAction { phrase } => {
                    let found = match self.store.list_quick_actions().await {
                        Ok(all) => all.into_iter().flatten().find(|a| &a.phrase == phrase),
                        Err(e) => {
                            reply.text = format!("I couldn't read the quick actions: {e}");
                            continue;
                        }
                    };
                    reply.text = match found {
                        Some(action) => {
                            Box::pin(self.run_quick_action(utterance, profile, &action, now)).await
                        }
                        None => format!("The quick action \"{phrase}\" no longer exists."),
                    };
                }
            }
            reply.effects.push(effect);
        }
        reply
    }

    /// Runs `action`'s steps in order, each finished before the next (speech included). Returns
    /// what to say afterwards: nothing when every step worked, else which steps failed and why.
    pub(crate) async fn run_quick_action(
        &self,
        utterance: UtteranceId,
        profile: &Profile,
        action: &QuickAction,
        now: DateTime<FixedOffset>,
    ) -> String {
        tracing::info!(action = action.name, "running quick action");
        let mut failed = Vec::new();
        for (i, step) in action.steps.iter().enumerate() {
            let n = i + 1;
            match step {
                Step::Type { text } => {
                    if self.deliver_text(text).await.is_none() {
                        failed.push(format!("step {n} could not type"));
                    }
                }
                Step::Speak { text } => match self.speak(utterance, text).await {
                    Ok(speech) => {
                        let _ = speech.done.await;
                    }
                    Err(why) => {
                        // Shown instead, so the words still reach the person.
                        let _ = self.deliver_reply_text(utterance, text).await;
                        failed.push(format!("step {n} could not speak ({why})"));
                    }
                },
                Step::Ask { prompt } => {
                    let answer = match self.ask_agents(prompt, profile, &[], now).await {
                        Ok(r) => Box::pin(self.apply_effects(utterance, profile, r, now)).await,
                        Err(e) => {
                            failed.push(format!("step {n} could not ask: {e}"));
                            continue;
                        }
                    };
                    if !answer.text.is_empty() {
                        let replied = self.reply(utterance, &answer.agent, &answer.text).await;
                        if let Some(speech) = replied.speech {
                            let _ = speech.done.await;
                        }
                    }
                }
                Step::OpenUrl { url } => {
                    if let Err(e) = open::that_detached(url) {
                        failed.push(format!("step {n} could not open {url} ({e})"));
                    }
                }
            }
        }
        if failed.is_empty() {
            String::new()
        } else {
            format!(
                "The quick action \"{}\" did not fully work: {}.",
                action.phrase,
                failed.join("; ")
            )
        }
    }
}
