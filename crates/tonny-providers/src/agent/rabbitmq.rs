//! The RabbitMQ agent: publishes each request to a topic exchange for whatever listens on the
//! household bus, optionally waiting for an answer (RPC).
//!
//! Wire format: exchange `amq.topic` (configurable), routing key `thread.tonny.prompt.<profile>`,
//! a persistent JSON message `{text, profile, speaker, timestamp, source, conversation_id,
//! idempotency_key}` with `message_id` = the idempotency key, `content_type` JSON, published
//! `mandatory` with publisher confirms: the broker's ack means it is stored, a returned message
//! means nobody is listening (treated as "not delivered", so the outbox keeps it). RPC uses
//! direct reply-to: consume `amq.rabbitmq.reply-to` (no-ack) before publishing with `reply_to`
//! and a `correlation_id`; the answer is `{"text": …}` (or `response`/`output`/`message`) or plain
//! text.
//!
//! The connection is opened on first use and kept; when it breaks (the broker restarted) the
//! next call opens a new one, retrying once inside the call before giving up.

use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use lapin::Confirmation;
use lapin::options::{
    BasicCancelOptions, BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions,
    ExchangeDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use tokio::sync::Mutex;
use tonny_core::agent::{Agent, AgentError, AgentReply, AgentRequest};

use super::n8n::{RAN_WITHOUT_TEXT, reply_text};

const SERVICE: &str = "rabbitmq";
const REPLY_TO: &str = "amq.rabbitmq.reply-to";

/// How to reach the broker and where to publish.
#[derive(Clone)]
pub struct RabbitMqConfig {
    /// `amqp(s)://user:pass@host:port/vhost` (a secret: it carries the credentials).
    pub url: String,
    /// Topic exchange.
    pub exchange: String,
    /// Routing key; `{profile}` becomes the profile's name.
    pub routing_key_template: String,
    /// Wait for an answer through direct reply-to.
    pub rpc: bool,
    /// Longest wait for a connection, a confirm, or an answer.
    pub timeout_ms: u64,
}

impl std::fmt::Debug for RabbitMqConfig {
    // The URL carries credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RabbitMqConfig")
            .field("exchange", &self.exchange)
            .field("routing_key_template", &self.routing_key_template)
            .field("rpc", &self.rpc)
            .finish_non_exhaustive()
    }
}

/// The routing key for `profile`: routing keys are dot-separated words, so the name is
/// lowercased and anything but letters, digits, `-` and `_` becomes `_`.
pub fn routing_key(template: &str, profile: &str) -> String {
    let word: String = profile
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                '_'
            }
        })
        .collect();
    template.replace("{profile}", &word)
}

/// The RabbitMQ agent.
pub struct RabbitMqAgent {
    config: RabbitMqConfig,
    // One channel, used by one request at a time (direct reply-to is per channel).
    link: Mutex<Option<(Connection, Channel)>>,
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> AgentError {
    AgentError::Unavailable(format!("RabbitMQ {what} failed ({e})"))
}

impl RabbitMqAgent {
    /// An agent for `config`; nothing is opened until the first request.
    pub fn new(config: RabbitMqConfig) -> Self {
        Self {
            config,
            link: Mutex::new(None),
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.config.timeout_ms)
    }

    async fn connect(&self) -> Result<(Connection, Channel), AgentError> {
        let opening = async {
            let conn = Connection::connect(&self.config.url, ConnectionProperties::default())
                .await
                .map_err(|e| {
                    AgentError::Unavailable(format!(
                        "RabbitMQ is not reachable ({e}); check that the broker is running and \
                         rabbitmq_url is right"
                    ))
                })?;
            let channel = conn
                .create_channel()
                .await
                .map_err(|e| unavailable("opening a channel", e))?;
            channel
                .confirm_select(ConfirmSelectOptions::default())
                .await
                .map_err(|e| unavailable("enabling publisher confirms", e))?;
            Ok((conn, channel))
        };
        tokio::time::timeout(self.timeout(), opening)
            .await
            .map_err(|_| {
                AgentError::TimedOut(format!(
                    "RabbitMQ did not accept a connection within {} ms",
                    self.config.timeout_ms
                ))
            })?
    }

    /// Logs in and looks the exchange up (a passive declare, which changes nothing), on a
    /// connection of its own that is closed afterwards. Returns what was found, for a person.
    pub async fn check(&self) -> Result<String, AgentError> {
        let (conn, channel) = self.connect().await?;
        let looked_up = tokio::time::timeout(
            self.timeout(),
            channel.exchange_declare(
                self.config.exchange.as_str().into(),
                lapin::ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    passive: true,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            ),
        )
        .await;
        let _ = conn.close(200, "checked".into()).await;
        match looked_up {
            Ok(Ok(())) => Ok(format!(
                "RabbitMQ accepted the login and has exchange {:?}",
                self.config.exchange
            )),
            Ok(Err(e)) => Err(AgentError::Rejected(format!(
                "RabbitMQ accepted the login but has no exchange {:?} ({e}); declare it, or \
                 set rabbitmq.exchange",
                self.config.exchange
            ))),
            Err(_) => Err(AgentError::Unavailable(format!(
                "RabbitMQ did not answer within {} ms",
                self.config.timeout_ms
            ))),
        }
    }

    async fn publish_once(
        &self,
        channel: &Channel,
        request: &AgentRequest,
    ) -> Result<AgentReply, AgentError> {
        let key = routing_key(&self.config.routing_key_template, &request.profile);
        let body = serde_json::to_vec(&super::request_json(request))
            .map_err(|e| AgentError::Rejected(format!("the request could not be encoded ({e})")))?;
        let mut properties = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/json".into())
            .with_message_id(request.idempotency_key.as_str().into())
            .with_app_id("tonnytray".into())
            .with_timestamp(request.now.timestamp().max(0) as u64);
        let mut replies = None;
        if self.config.rpc {
            let consumer = channel
                .basic_consume(
                    REPLY_TO.into(),
                    "".into(),
                    BasicConsumeOptions {
                        no_ack: true,
                        ..BasicConsumeOptions::default()
                    },
                    FieldTable::default(),
                )
                .await
                .map_err(|e| unavailable("listening for the answer", e))?;
            properties = properties
                .with_reply_to(REPLY_TO.into())
                .with_correlation_id(request.idempotency_key.as_str().into());
            replies = Some(consumer);
        }
        let confirm = channel
            .basic_publish(
                self.config.exchange.as_str().into(),
                key.as_str().into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..BasicPublishOptions::default()
                },
                &body,
                properties,
            )
            .await
            .map_err(|e| unavailable("publishing", e))?;
        let confirmation = tokio::time::timeout(self.timeout(), confirm)
            .await
            .map_err(|_| {
                AgentError::TimedOut(format!(
                    "RabbitMQ did not confirm the message within {} ms",
                    self.config.timeout_ms
                ))
            })?
            .map_err(|e| unavailable("confirming the message", e))?;
        match confirmation {
            Confirmation::Ack(None) | Confirmation::NotRequested => {}
            Confirmation::Ack(Some(_)) => {
                return Err(AgentError::Unavailable(format!(
                    "nothing is listening on RabbitMQ for routing key {key} (the message came \
                     back unroutable); start the consumer or bind a queue to it"
                )));
            }
            Confirmation::Nack(_) => {
                return Err(AgentError::Unavailable(
                    "RabbitMQ refused to store the message (nack); check the broker's disk and \
                     memory alarms"
                        .into(),
                ));
            }
        }
        let Some(mut replies) = replies else {
            return Ok(AgentReply::say(SERVICE, "OK, I've passed that on."));
        };
        let waiting = async {
            while let Some(delivery) = replies.next().await {
                let Ok(delivery) = delivery else { break };
                let matches = delivery
                    .properties
                    .correlation_id()
                    .as_ref()
                    .is_some_and(|c| c.as_str() == request.idempotency_key);
                if matches {
                    return Some(delivery.data);
                }
            }
            None
        };
        let answer = tokio::time::timeout(self.timeout(), waiting).await;
        // One direct reply-to consumer per channel at a time.
        let _ = channel
            .basic_cancel(replies.tag(), BasicCancelOptions::default())
            .await;
        match answer {
            Ok(Some(data)) => {
                let json = serde_json::from_slice::<serde_json::Value>(&data).is_ok();
                let text = reply_text(&data, json)
                    .map_err(|e| AgentError::Rejected(e.to_string()))?
                    .replace(RAN_WITHOUT_TEXT, "Done.");
                Ok(AgentReply::say(SERVICE, text))
            }
            Ok(None) => Err(AgentError::Unavailable(
                "the RabbitMQ connection closed while waiting for the answer".into(),
            )),
            // Delivered (confirmed) but unanswered: queueing it again would run it twice.
            Err(_) => Ok(AgentReply::say(
                SERVICE,
                format!(
                    "I sent that, but no answer came back within {} seconds.",
                    self.config.timeout_ms.div_ceil(1000)
                ),
            )),
        }
    }
}

#[async_trait]
impl Agent for RabbitMqAgent {
    fn name(&self) -> &str {
        SERVICE
    }

    async fn ask(&self, request: &AgentRequest) -> Result<AgentReply, AgentError> {
        let mut link = self.link.lock().await;
        // A broken link (the broker restarted) is replaced, and the publish tried once more.
        for attempt in 0..2 {
            let reuse = link
                .as_ref()
                .is_some_and(|(c, ch)| c.status().connected() && ch.status().connected());
            if !reuse {
                *link = Some(self.connect().await?);
            }
            let (_, channel) = link.as_ref().expect("connected above");
            match self.publish_once(channel, request).await {
                Ok(reply) => return Ok(reply),
                Err(e) => {
                    let broken = !link
                        .as_ref()
                        .is_some_and(|(c, ch)| c.status().connected() && ch.status().connected());
                    if broken {
                        *link = None;
                    }
                    if attempt == 0 && reuse && broken {
                        tracing::info!(component = "agent", agent = SERVICE, "reconnecting: {e}");
                        continue;
                    }
                    return Err(e);
                }
            }
        }
        unreachable!("the second attempt always returns")
    }

    fn deferrable(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_become_one_routing_key_word() {
        let t = "thread.tonny.prompt.{profile}";
        assert_eq!(routing_key(t, "Mia"), "thread.tonny.prompt.mia");
        assert_eq!(
            routing_key(t, "Grand Pa.Joe"),
            "thread.tonny.prompt.grand_pa_joe"
        );
    }
}
