//! What a front end asks of the daemon. Hotkeys, the tray menu and its shortcuts, and the CLI's
//! `tonny run` send these; only the daemon's session acts on them (it alone steps the
//! [`super::Coordinator`]), so every front end behaves the same.

use crate::router::Purpose;

/// One request from a front end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Start listening on the microphone until voice activity ends the utterance, or end the
    /// recording in progress early (a toggle: the Talk menu item, the toggle hotkey).
    Talk(Purpose),
    /// Push-to-talk pressed: record until [`Control::Release`].
    Hold(Purpose),
    /// Push-to-talk released: the recording ends and is handled.
    Release,
    /// Stop whatever is happening: the recording is dropped, transcription, the agent's
    /// request, synthesis and typing are abandoned, and the reply is neither typed nor spoken.
    Cancel,
    /// Stop the daemon (as SIGTERM does).
    Quit,
}
