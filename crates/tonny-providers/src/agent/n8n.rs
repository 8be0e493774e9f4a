//! The n8n webhook agent: POSTs the request as JSON to a workflow's webhook and reads the
//! workflow's reply.
//!
//! Wire format (n8n's Webhook node): the body is `{text, profile, speaker, timestamp, source,
//! conversation_id, idempotency_key}` (the key is also sent as an `Idempotency-Key` header);
//! the reply is whatever the workflow returns: JSON with a `text`, `response`, `output` or
//! `message` field (or an array whose first item has one), a JSON string, or plain text.
//! `{"message":"Workflow was started"}` is n8n's answer when the webhook responds immediately.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tonny_core::agent::{Agent, AgentError, AgentReply, AgentRequest};

use crate::remote::{self, RemoteError, looks_like_html};

const SERVICE: &str = "n8n";

/// Fields a workflow's JSON reply is read from, in order.
const TEXT_FIELDS: &[&str] = &["text", "response", "output", "message", "answer", "reply"];

/// What the person hears when a workflow answered without text to read out.
pub const RAN_WITHOUT_TEXT: &str = "Done: n8n ran the workflow.";

/// How to reach one n8n webhook.
#[derive(Clone)]
pub struct N8nConfig {
    /// The webhook URL (a secret: its path works like a password).
    pub url: String,
    /// Header auth credential as (name, value), when the webhook uses header auth.
    pub header: Option<(String, String)>,
    /// Give up on one call after this long.
    pub timeout_ms: u64,
}

impl std::fmt::Debug for N8nConfig {
    // The URL and the credential are secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("N8nConfig")
            .field("header", &self.header.as_ref().map(|(n, _)| n))
            .field("timeout_ms", &self.timeout_ms)
            .finish_non_exhaustive()
    }
}

/// Splits the `n8n_header_credential` secret (`Name: value`) into its parts.
pub fn parse_header_credential(secret: &str) -> Option<(String, String)> {
    let (name, value) = secret.split_once(':')?;
    let (name, value) = (name.trim(), value.trim());
    (!name.is_empty() && !value.is_empty()).then(|| (name.to_owned(), value.to_owned()))
}

/// The n8n agent.
pub struct N8nAgent {
    config: N8nConfig,
    http: reqwest::Client,
}

impl N8nAgent {
    /// An agent for the webhook in `config`.
    pub fn new(config: N8nConfig) -> Self {
        let http = remote::client(Duration::from_millis(config.timeout_ms));
        Self { config, http }
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => items.first().and_then(text_of),
        Value::Object(map) => {
            // n8n items are sometimes wrapped as {"json": {...}}.
            if let Some(inner) = map.get("json") {
                return text_of(inner);
            }
            TEXT_FIELDS
                .iter()
                .find_map(|k| map.get(*k))
                .and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    other => text_of(other),
                })
        }
        _ => None,
    }
}

/// The text to say for a successful webhook reply body; `json` when the server labelled it
/// JSON (then it must parse).
pub fn reply_text(body: &[u8], json: bool) -> Result<String, RemoteError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(RAN_WITHOUT_TEXT.to_owned());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => {
            let text = text_of(&v).map(|t| t.trim().to_owned());
            Ok(match text.as_deref() {
                Some("Workflow was started") => "OK, I've passed that on.".to_owned(),
                Some(t) if !t.is_empty() => t.to_owned(),
                _ => RAN_WITHOUT_TEXT.to_owned(),
            })
        }
        Err(e) if json => Err(RemoteError::Malformed {
            service: SERVICE.into(),
            detail: format!("the workflow's answer is labelled JSON but is not ({e})"),
        }),
        Err(_) if looks_like_html(body) => Err(RemoteError::Malformed {
            service: SERVICE.into(),
            detail: "an HTML page came back instead of the workflow's answer; check \
                     n8n_webhook_url"
                .into(),
        }),
        Err(_) => match std::str::from_utf8(body) {
            Ok(text) => Ok(text.trim().to_owned()),
            Err(_) => Err(RemoteError::Malformed {
                service: SERVICE.into(),
                detail: "the answer is neither JSON nor text".into(),
            }),
        },
    }
}

/// Turns a failed call into what the person is told, and whether it may be retried.
pub fn agent_error(e: RemoteError) -> AgentError {
    if let RemoteError::Timeout { .. } = e {
        return AgentError::TimedOut(e.to_string());
    }
    if e.is_transient() {
        return AgentError::Unavailable(e.to_string());
    }
    match &e {
        RemoteError::Status { status: 404, .. } => AgentError::Rejected(
            "the n8n workflow is not active (n8n says its webhook is not registered); activate \
             the workflow in n8n, and use its production webhook URL, not the test one"
                .into(),
        ),
        RemoteError::Status {
            status: 401 | 403, ..
        } => AgentError::Rejected(
            "n8n rejected the header auth credential; set the right one with `tonny secrets set \
             n8n_header_credential` (as `Header-Name: value`)"
                .into(),
        ),
        RemoteError::Status {
            status: 500,
            message,
            ..
        } => AgentError::Rejected(format!(
            "the n8n workflow failed while running (n8n says: {message}); its Executions list \
             in n8n shows why"
        )),
        _ => AgentError::Rejected(e.to_string()),
    }
}

impl N8nAgent {
    /// Asks n8n whether the webhook is active and takes POST, without running the workflow:
    /// a CORS preflight (`OPTIONS` with an `Origin`), which n8n answers from its webhook
    /// registry (204 and `Access-Control-Allow-Methods`, or 404 when nothing is registered at
    /// that path). Header auth is not part of a preflight, so it is checked by the first real
    /// request. Returns what was found, for a person.
    pub async fn check_webhook(&self) -> Result<String, AgentError> {
        let call = self
            .http
            .request(reqwest::Method::OPTIONS, &self.config.url)
            .header(reqwest::header::ORIGIN, "http://127.0.0.1")
            .header("Access-Control-Request-Method", "POST");
        let (_, headers, _) = remote::call(SERVICE, self.config.timeout_ms, call)
            .await
            .map_err(agent_error)?;
        let allowed = headers
            .get("access-control-allow-methods")
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(',')
                    .map(|m| m.trim().to_ascii_uppercase())
                    .filter(|m| !m.is_empty() && m != "OPTIONS")
                    .collect::<Vec<_>>()
            });
        match allowed {
            Some(methods) if methods.iter().any(|m| m == "POST") => {
                Ok("n8n has an active webhook at this address that takes POST".to_owned())
            }
            Some(methods) if methods.is_empty() => Err(AgentError::Rejected(
                "n8n has no active webhook at this address; activate the workflow in n8n, and \
                 use its production webhook URL, not the test one"
                    .into(),
            )),
            Some(methods) => Err(AgentError::Rejected(format!(
                "the n8n webhook takes only {}; set its Webhook node's HTTP Method to POST",
                methods.join(", ")
            ))),
            None => Err(AgentError::Rejected(
                "the server answered, but not as n8n does (no Access-Control-Allow-Methods in \
                 its answer to a preflight); check n8n_webhook_url"
                    .into(),
            )),
        }
    }
}

#[async_trait]
impl Agent for N8nAgent {
    fn name(&self) -> &str {
        SERVICE
    }

    async fn ask(&self, request: &AgentRequest) -> Result<AgentReply, AgentError> {
        let mut call = self
            .http
            .post(&self.config.url)
            .header("Idempotency-Key", &request.idempotency_key)
            .json(&super::request_json(request));
        if let Some((name, value)) = &self.config.header {
            call = call.header(name.as_str(), value.as_str());
        }
        let (_, headers, body) = remote::call(SERVICE, self.config.timeout_ms, call)
            .await
            .map_err(agent_error)?;
        let json = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.contains("json"));
        let text = reply_text(&body, json).map_err(|e| AgentError::Rejected(e.to_string()))?;
        Ok(AgentReply::say(SERVICE, text))
    }

    fn deferrable(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_in_every_shape_n8n_sends() {
        let cases: &[(&str, &str)] = &[
            (r#"{"text":"Lights on"}"#, "Lights on"),
            (r#"{"output":"Done it"}"#, "Done it"),
            (r#"[{"response":"First"},{"response":"Second"}]"#, "First"),
            (r#"[{"json":{"message":"Wrapped"}}]"#, "Wrapped"),
            (r#""just a string""#, "just a string"),
            ("plain text answer\n", "plain text answer"),
            (
                r#"{"message":"Workflow was started"}"#,
                "OK, I've passed that on.",
            ),
            ("", RAN_WITHOUT_TEXT),
            ("[]", RAN_WITHOUT_TEXT),
            (r#"{"status":"ok","count":3}"#, RAN_WITHOUT_TEXT),
        ];
        for (body, want) in cases {
            assert_eq!(reply_text(body.as_bytes(), false).unwrap(), *want, "{body}");
        }
        assert!(reply_text(b"<html><body>Login</body></html>", false).is_err());
        assert!(reply_text(b"{\"text\": \"unterminated", true).is_err());
    }

    #[test]
    fn header_credentials_parse() {
        assert_eq!(
            parse_header_credential("X-Api-Key: abc:def "),
            Some(("X-Api-Key".into(), "abc:def".into()))
        );
        assert_eq!(parse_header_credential("novalue:"), None);
        assert_eq!(parse_header_credential("nocolon"), None);
    }
}
