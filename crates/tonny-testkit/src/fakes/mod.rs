//! Protocol-faithful fakes of the services TonnyTray talks to: real HTTP servers on
//! 127.0.0.1 speaking each service's documented wire format, errors included, with scriptable
//! latency and faults. (RabbitMQ is never faked: tests start a real broker.)

pub mod chat;
pub mod elevenlabs;
pub mod n8n;
pub mod whisperlivekit;

pub use chat::{ChatFault, FakeChat};
pub use elevenlabs::FakeElevenLabs;
pub use n8n::{FakeN8n, N8nMode};
pub use whisperlivekit::{FakeWhisperLiveKit, WlkScript};
