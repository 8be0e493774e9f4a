//! Agents implementing [`tonny_core::agent::Agent`].

pub mod chat;
pub mod guarded;
pub mod local;
pub mod n8n;
pub mod rabbitmq;

use serde_json::{Value, json};
use tonny_core::agent::AgentRequest;

/// The JSON a request travels as to a webhook or a message bus, and is queued as in the
/// outbox: `{text, profile, speaker, timestamp, source, conversation_id, idempotency_key}`.
pub fn request_json(request: &AgentRequest) -> Value {
    json!({
        "text": request.text,
        "profile": request.profile,
        "speaker": request.speaker,
        "timestamp": request.now.to_rfc3339(),
        "source": request.source,
        "conversation_id": request.conversation_id,
        "idempotency_key": request.idempotency_key,
    })
}
