//! The OpenAI-compatible chat agent (Open WebUI, OpenAI, Ollama, LiteLLM, …).
//!
//! Wire format: `POST /api/chat/completions` (Open WebUI) or `/v1/chat/completions` (OpenAI),
//! `Authorization: Bearer <key>`, body `{model, messages, stream}` plus
//! `files: [{"type":"collection","id"}]` for an Open WebUI knowledge collection. With
//! `stream: true` the answer comes as server-sent events `data: {chunk}` ending `data: [DONE]`,
//! each chunk's text in `choices[0].delta.content` (chunks without `choices`, such as usage
//! reports, are skipped). Errors: OpenAI `{"error":{"message"}}`, Open WebUI `{"detail"}`.

use std::time::Duration;

use async_trait::async_trait;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;
use tonny_core::agent::{Agent, AgentError, AgentReply, AgentRequest};
use tonny_core::settings::ChatApi;

use crate::remote::{self, MAX_BODY_BYTES, RemoteError, json_error_message};

const SERVICE: &str = "chat";

/// How to reach the chat server.
#[derive(Clone)]
pub struct ChatConfig {
    /// Server base URL (`http://127.0.0.1:8080`, `https://api.openai.com/v1`).
    pub base_url: String,
    /// Which dialect it speaks.
    pub api: ChatApi,
    /// Model name.
    pub model: String,
    /// Bearer key, if the server needs one (a secret).
    pub api_key: Option<String>,
    /// Open WebUI knowledge collection to ground answers in.
    pub knowledge_collection: Option<String>,
    /// Instructions sent first in every conversation.
    pub system_prompt: String,
    /// Ask for a streamed answer.
    pub stream: bool,
    /// Longest wait for the first byte of an answer, and between streamed pieces.
    pub timeout_ms: u64,
}

impl std::fmt::Debug for ChatConfig {
    // The key is a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatConfig")
            .field("base_url", &self.base_url)
            .field("api", &self.api)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "set"))
            .finish_non_exhaustive()
    }
}

/// The chat agent.
pub struct ChatAgent {
    config: ChatConfig,
    http: reqwest::Client,
}

impl ChatAgent {
    /// An agent for the server in `config`.
    pub fn new(config: ChatConfig) -> Self {
        Self {
            config,
            http: remote::streaming_client(),
        }
    }

    fn url(&self, what: &str) -> String {
        let base = self.config.base_url.trim_end_matches('/');
        match self.config.api {
            ChatApi::OpenWebui => format!("{base}/api/{what}"),
            ChatApi::Openai if base.ends_with("/v1") => format!("{base}/{what}"),
            ChatApi::Openai => format!("{base}/v1/{what}"),
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.config.timeout_ms)
    }

    fn authorized(&self, call: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.config.api_key {
            Some(key) => call.bearer_auth(key),
            None => call,
        }
    }

    /// The request body for `request`.
    pub fn body(&self, request: &AgentRequest, stream: bool) -> Value {
        let mut messages = Vec::new();
        if !self.config.system_prompt.trim().is_empty() {
            messages.push(json!({"role": "system", "content": self.config.system_prompt}));
        }
        for turn in &request.conversation {
            messages.push(json!({"role": "user", "content": turn.user}));
            if let Some(reply) = &turn.reply {
                messages.push(json!({"role": "assistant", "content": reply}));
            }
        }
        messages.push(json!({"role": "user", "content": request.text}));
        let mut body = json!({"model": self.config.model, "messages": messages, "stream": stream});
        if let Some(id) = &self.config.knowledge_collection {
            body["files"] = json!([{"type": "collection", "id": id}]);
        }
        body
    }

    /// The models the server offers, by id.
    pub async fn models(&self) -> Result<Vec<String>, AgentError> {
        let call = self.authorized(self.http.get(self.url("models")).timeout(self.timeout()));
        let (_, _, body) = remote::call(SERVICE, self.config.timeout_ms, call)
            .await
            .map_err(|e| self.agent_error(e))?;
        let v: Value = serde_json::from_slice(&body).map_err(|e| {
            AgentError::Rejected(format!("the chat server's model list is not JSON ({e})"))
        })?;
        let list = v.get("data").and_then(Value::as_array).ok_or_else(|| {
            AgentError::Rejected("the chat server's model list has no `data` array".into())
        })?;
        Ok(list
            .iter()
            .filter_map(|m| m.get("id").and_then(Value::as_str).map(str::to_owned))
            .collect())
    }

    /// Checks that the configured model exists; the error names close matches.
    pub async fn check_model(&self) -> Result<(), AgentError> {
        let models = self.models().await?;
        if models.iter().any(|m| m == &self.config.model) {
            return Ok(());
        }
        Err(AgentError::Rejected(format!(
            "the chat server has no model {:?}; it offers: {}. Set one with `tonny config set \
             chat.model NAME`",
            self.config.model,
            if models.is_empty() {
                "none".to_owned()
            } else {
                models.join(", ")
            }
        )))
    }

    fn agent_error(&self, e: RemoteError) -> AgentError {
        if let RemoteError::Timeout { .. } = e {
            return AgentError::TimedOut(e.to_string());
        }
        if e.is_transient() {
            return AgentError::Unavailable(e.to_string());
        }
        match &e {
            RemoteError::Status {
                status: 401 | 403, ..
            } => AgentError::Rejected(
                "the chat server rejected the API key; set the right one with `tonny secrets set \
                 chat_api_key`"
                    .into(),
            ),
            RemoteError::Status {
                status: 404,
                message,
                ..
            } => AgentError::Rejected(format!(
                "the chat server does not know model {:?} or this address ({message}); check \
                 chat.model and chat.base_url (`tonny agents models` lists the models)",
                self.config.model
            )),
            _ => AgentError::Rejected(e.to_string()),
        }
    }

    async fn send(&self, body: &Value) -> Result<reqwest::Response, AgentError> {
        let call = self.authorized(self.http.post(self.url("chat/completions")).json(body));
        let response = tokio::time::timeout(self.timeout(), call.send())
            .await
            .map_err(|_| {
                self.agent_error(RemoteError::Timeout {
                    service: SERVICE.into(),
                    ms: self.config.timeout_ms,
                })
            })?
            .map_err(|e| {
                self.agent_error(RemoteError::from_reqwest(
                    SERVICE,
                    self.config.timeout_ms,
                    e,
                ))
            })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let body = tokio::time::timeout(
            self.timeout(),
            remote::read_body(SERVICE, self.config.timeout_ms, response, MAX_BODY_BYTES),
        )
        .await
        .unwrap_or_else(|_| Ok(Vec::new()))
        .unwrap_or_default();
        Err(self.agent_error(RemoteError::Status {
            service: SERVICE.into(),
            status,
            message: remote::error_message(&body),
        }))
    }

    fn whole_answer(&self, body: &[u8]) -> Result<String, AgentError> {
        let malformed = |detail: String| {
            self.agent_error(RemoteError::Malformed {
                service: SERVICE.into(),
                detail,
            })
        };
        if remote::looks_like_html(body) {
            return Err(malformed(
                "an HTML page came back; check chat.base_url and chat.api".into(),
            ));
        }
        let v: Value =
            serde_json::from_slice(body).map_err(|e| malformed(format!("not JSON: {e}")))?;
        if let Some(m) = json_error_message(&v) {
            return Err(AgentError::Rejected(format!("the chat server said: {m}")));
        }
        v.pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .map(|t| t.trim().to_owned())
            .ok_or_else(|| malformed("no choices[0].message.content".into()))
    }

    async fn stream_answer(
        &self,
        response: reqwest::Response,
        pieces: &UnboundedSender<String>,
    ) -> Result<String, AgentError> {
        let cut_off = |reason: String| {
            self.agent_error(RemoteError::CutOff {
                service: SERVICE.into(),
                reason,
            })
        };
        let mut events = response.bytes_stream().eventsource();
        let mut text = String::new();
        loop {
            let next = tokio::time::timeout(self.timeout(), events.next())
                .await
                .map_err(|_| {
                    cut_off(format!(
                        "no more text for {} ms (chat.timeout_ms)",
                        self.config.timeout_ms
                    ))
                })?;
            let event = match next {
                None => return Err(cut_off("the stream ended before [DONE]".into())),
                Some(Err(e)) => return Err(cut_off(e.to_string())),
                Some(Ok(event)) => event,
            };
            let data = event.data.trim();
            if data.is_empty() {
                continue;
            }
            if data == "[DONE]" {
                return Ok(text.trim().to_owned());
            }
            let chunk: Value = serde_json::from_str(data).map_err(|e| {
                self.agent_error(RemoteError::Malformed {
                    service: SERVICE.into(),
                    detail: format!("a streamed piece is not JSON ({e})"),
                })
            })?;
            if let Some(m) = json_error_message(&chunk) {
                return Err(AgentError::Rejected(format!(
                    "the chat server stopped with an error: {m}"
                )));
            }
            let Some(piece) = chunk
                .pointer("/choices/0/delta/content")
                .and_then(Value::as_str)
                .filter(|p| !p.is_empty())
            else {
                continue;
            };
            if text.len() + piece.len() > MAX_BODY_BYTES {
                return Err(self.agent_error(RemoteError::TooLarge {
                    service: SERVICE.into(),
                    limit: MAX_BODY_BYTES,
                }));
            }
            text.push_str(piece);
            let _ = pieces.send(piece.to_owned());
        }
    }
}

#[async_trait]
impl Agent for ChatAgent {
    fn name(&self) -> &str {
        SERVICE
    }

    async fn ask(&self, request: &AgentRequest) -> Result<AgentReply, AgentError> {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        self.ask_streaming(request, &tx).await
    }

    async fn ask_streaming(
        &self,
        request: &AgentRequest,
        pieces: &UnboundedSender<String>,
    ) -> Result<AgentReply, AgentError> {
        let response = self.send(&self.body(request, self.config.stream)).await?;
        let is_sse = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/event-stream"));
        let text = if is_sse {
            self.stream_answer(response, pieces).await?
        } else {
            // Not streamed (asked not to, or the server ignores `stream`): one piece.
            let body = tokio::time::timeout(
                self.timeout(),
                remote::read_body(SERVICE, self.config.timeout_ms, response, MAX_BODY_BYTES),
            )
            .await
            .map_err(|_| {
                self.agent_error(RemoteError::Timeout {
                    service: SERVICE.into(),
                    ms: self.config.timeout_ms,
                })
            })?
            .map_err(|e| self.agent_error(e))?;
            let text = self.whole_answer(&body)?;
            let _ = pieces.send(text.clone());
            text
        };
        if text.is_empty() {
            return Err(AgentError::Rejected(
                "the chat server answered with no text".into(),
            ));
        }
        Ok(AgentReply::say(SERVICE, text))
    }

    fn streams(&self) -> bool {
        self.config.stream
    }
}
