//! Integration tests for tonny-audio with real recordings.

mod endpoint;
mod wayland;
