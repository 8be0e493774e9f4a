//! Asking the agents in order, and queueing a request no agent could take now.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use tonny_core::Profile;
use tonny_core::activity::ActivityStatus;
use tonny_core::agent::{Agent, AgentError, AgentReply, AgentRequest, no_remote_agent_reply};
use tonny_core::quick_action::QuickAction;
use tonny_store::NewOutboxEntry;

use super::live::LiveSpeech;
use super::outbox::payload;
use super::{Assistant, AssistantError, Request, Source};

/// What the agents made of a request.
pub(crate) struct Asked {
    /// The answer (or why there is none, or that the request was queued).
    pub reply: AgentReply,
    /// True when the answer was streamed into the live speech.
    pub streamed: bool,
    /// The outbox entry, when the request was queued.
    pub queued: Option<i64>,
    /// How the request ended: answered, queued, or every agent failed or timed out.
    pub status: ActivityStatus,
}

impl Assistant {
    /// Asks the agents in order (a quick action's `ask` step).
    pub(crate) async fn ask_agents(
        &self,
        text: &str,
        profile: &Profile,
        actions: &[QuickAction],
        now: DateTime<FixedOffset>,
    ) -> Result<AgentReply, AssistantError> {
        Ok(self
            .ask_agents_for(text, profile, actions, now, None, None)
            .await?
            .reply)
    }

    /// Asks the agents in order. One that does not understand passes to the next; one that
    /// fails is logged and passed over. When none answers and a deferrable agent (n8n,
    /// RabbitMQ) was only unreachable, the request is queued for it and the person told so; a
    /// deferrable agent with requests already queued gets new ones queued behind them, so they
    /// arrive in order. A streaming agent streams into `live`.
    pub(crate) async fn ask_agents_for(
        &self,
        text: &str,
        profile: &Profile,
        actions: &[QuickAction],
        now: DateTime<FixedOffset>,
        request: Option<&Request>,
        live: Option<&LiveSpeech>,
    ) -> Result<Asked, AssistantError> {
        let asked = self
            .agent_request(text, profile, actions, now, request)
            .await?;
        let mut failures = Vec::new();
        let mut timed_out = false;
        let mut defer_to: Option<(&Arc<dyn Agent>, String)> = None;
        let agents = self.agents();
        for agent in agents.iter() {
            if agent.deferrable()
                && !self
                    .store
                    .pending_outbox(Some(agent.name()))
                    .await?
                    .is_empty()
            {
                let why = format!("earlier requests are still waiting for {}", agent.name());
                return self.queue(agent, &asked, &why).await;
            }
            let result = match live {
                Some(live) if agent.streams() => agent.ask_streaming(&asked, &live.pieces).await,
                _ => agent.ask(&asked).await,
            };
            match result {
                Ok(reply) => {
                    return Ok(Asked {
                        streamed: live.is_some() && agent.streams(),
                        reply,
                        queued: None,
                        status: ActivityStatus::Success,
                    });
                }
                Err(AgentError::NotUnderstood { .. }) => {}
                Err(e) => {
                    tracing::warn!(
                        component = "agent",
                        agent = agent.name(),
                        "agent failed: {e}"
                    );
                    self.metrics.backend_failed(agent.name());
                    if e.is_transient() && agent.deferrable() && defer_to.is_none() {
                        defer_to = Some((agent, e.to_string()));
                    }
                    timed_out |= matches!(e, AgentError::TimedOut(_));
                    failures.push(format!("{}: {e}", agent.name()));
                }
            }
        }
        if let Some((agent, why)) = defer_to {
            return self.queue(agent, &asked, &why).await;
        }
        Ok(unanswered(&agents, &failures, timed_out))
    }

    /// What the agents are sent: the request with the conversation so far, the profile's
    /// timers, the quick actions, and where it came from.
    async fn agent_request(
        &self,
        text: &str,
        profile: &Profile,
        actions: &[QuickAction],
        now: DateTime<FixedOffset>,
        request: Option<&Request>,
    ) -> Result<AgentRequest, AssistantError> {
        let conversation = self.coordinator.context().await?;
        let conversation_id = {
            let mut id = self.conversation_id.lock().expect("conversation id lock");
            if conversation.is_empty() {
                *id = uuid::Uuid::new_v4().to_string();
            }
            id.clone()
        };
        Ok(AgentRequest {
            conversation,
            timers: self.store.pending_timers(Some(&profile.name)).await?,
            quick_actions: actions.iter().map(|a| a.phrase.clone()).collect(),
            source: match request.map(|r| r.source) {
                Some(Source::Voice { .. }) => "voice",
                _ => "typed",
            }
            .to_owned(),
            speaker: request.and_then(|r| r.speaker.clone()),
            conversation_id,
            ..AgentRequest::new(text, &profile.name, now)
        })
    }

    // Keeps the request in the outbox for `agent` and tells the person.
    async fn queue(
        &self,
        agent: &Arc<dyn Agent>,
        request: &AgentRequest,
        why: &str,
    ) -> Result<Asked, AssistantError> {
        let entry = self
            .store
            .enqueue_outbox(&NewOutboxEntry {
                idempotency_key: request.idempotency_key.clone(),
                backend: agent.name().to_owned(),
                payload: payload(request),
            })
            .await?;
        tracing::info!(
            component = "outbox",
            agent = agent.name(),
            id = entry.id,
            "request queued: {why}"
        );
        self.outbox_changed.notify_one();
        Ok(Asked {
            reply: AgentReply::say(
                agent.name(),
                format!(
                    "I can't reach {name} right now, so I've queued that; it will be sent as soon \
                     as {name} is back.",
                    name = agent.name()
                ),
            ),
            streamed: false,
            queued: Some(entry.id),
            status: ActivityStatus::Queued,
        })
    }
}

/// What the person hears when no agent answered: nothing set up knew how (a success: it was
/// answered, with "I don't know"), or every one asked failed (recorded as failed, or as a
/// timeout when one did not answer in time).
fn unanswered(agents: &[Arc<dyn Agent>], failures: &[String], timed_out: bool) -> Asked {
    let only_local = agents.iter().all(|a| a.name() == "local");
    let text = if failures.is_empty() && only_local {
        no_remote_agent_reply()
    } else if failures.is_empty() {
        "None of the assistants set up here knew how to answer that.".to_owned()
    } else {
        format!(
            "I couldn't reach an assistant to answer that ({}).",
            failures.join("; ")
        )
    };
    let status = match (failures.is_empty(), timed_out) {
        (true, _) => ActivityStatus::Success,
        (false, true) => ActivityStatus::Timeout,
        (false, false) => ActivityStatus::Failed,
    };
    Asked {
        reply: AgentReply::say("none", text),
        streamed: false,
        queued: None,
        status,
    }
}
