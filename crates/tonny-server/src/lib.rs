//! Wires TonnyTray together. [`assistant::Assistant`] takes one request (typed, or a transcript)
//! through the family rules, the router, the agents and their effects to the outputs, and
//! records it; [`assistant::timers`] fires stored timers when they fall due. The CLI and (later)
//! the daemon and tray all go through it, so they behave the same.

pub mod api;
pub mod assistant;
pub mod backend_check;
pub mod metrics;
pub mod voice;
pub mod wiring;
