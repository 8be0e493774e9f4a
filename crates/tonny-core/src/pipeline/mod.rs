//! The voice pipeline's heart: the state machine, the coordinator task that owns it, the event
//! bus everything else listens to, and the conversation context.
//!
//! - [`state`]: [`State`] and the pure transition function [`State::after`].
//! - [`coordinator`]: the [`Coordinator`] task; the only owner of the state.
//! - [`events`]: the typed [`Event`]s and the [`EventBus`].
//! - [`context`]: the in-memory [`Conversation`] context.
//! - [`control`]: what front ends ask of the daemon ([`Control`]).

pub mod context;
pub mod control;
pub mod coordinator;
pub mod events;
pub mod state;

pub use context::{ClearReason, Conversation, Turn};
pub use control::Control;
pub use coordinator::{Coordinator, CoordinatorError};
pub use events::{BackendKind, DeviceKind, Event, EventBus, InstallPhase, UtteranceId};
pub use state::{Rejected, State, Step};
