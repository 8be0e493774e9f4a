//! Agents implementing [`tonny_core::agent::Agent`].

pub mod chat;
pub mod guarded;
pub mod local;
pub mod n8n;
