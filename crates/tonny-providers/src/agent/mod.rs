//! Agents implementing [`tonny_core::agent::Agent`].

pub mod local;
