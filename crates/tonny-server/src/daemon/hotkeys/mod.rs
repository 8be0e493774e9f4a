//! Global hotkeys (`hotkeys.*`): pressed keys become [`Control`]s. Two paths, chosen by
//! [`tonny_audio::portal::shortcut_path`]: X11 key grabs ([`x11`]), and on Wayland desktops
//! the GlobalShortcuts portal ([`portal`]), where the desktop owns the keys and tells us when
//! ours are pressed and let go. The key handling is a small pure state machine ([`Keys`]) so
//! X11's auto-repeat filtering is tested without a display; [`Hotkeys`] holds the
//! registrations and registers them again when the settings change.

mod portal;
mod x11;

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tonny_audio::portal::ShortcutPath;
use tonny_core::pipeline::Control;
use tonny_core::router::Purpose;
use tonny_core::settings::HotkeySettings;

/// X11 auto-repeat sends a release and a press together; a release not followed by a press
/// within this long is a real one.
pub const AUTOREPEAT_GAP: Duration = Duration::from_millis(80);

/// What a hotkey is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Start listening, or end the recording early.
    Toggle,
    /// Record while held.
    PushToTalk,
    /// Stop everything.
    Cancel,
}

/// A key going down or up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEvent {
    /// Pressed (or auto-repeated).
    Pressed,
    /// Released (or the release half of an auto-repeat).
    Released,
}

/// The registered keys and what is held: turns raw key events into controls.
#[derive(Debug, Default)]
pub struct Keys {
    bindings: Vec<(u32, Action)>,
    held: std::collections::HashSet<u32>,
    // A push-to-talk release waiting to see whether a repeat press follows.
    pending_release: Option<(u32, Instant)>,
}

impl Keys {
    /// Keys bound to actions by id.
    pub fn new(bindings: Vec<(u32, Action)>) -> Self {
        Self {
            bindings,
            ..Self::default()
        }
    }

    /// The control a key event asks for, if any. A press while the key is held, or right after
    /// its release, is X11's auto-repeat, not the person; a push-to-talk release is held back
    /// for [`AUTOREPEAT_GAP`] ([`Keys::due`] says when to ask [`Keys::on_gap`]).
    pub fn on_event(&mut self, id: u32, state: KeyEvent, now: Instant) -> Option<Control> {
        let &(_, action) = self.bindings.iter().find(|(i, _)| *i == id)?;
        match state {
            KeyEvent::Pressed => {
                let repeat =
                    self.held.contains(&id) || self.pending_release.is_some_and(|(i, _)| i == id);
                if self.pending_release.is_some_and(|(i, _)| i == id) {
                    self.pending_release = None;
                }
                self.held.insert(id);
                if repeat {
                    return None;
                }
                Some(match action {
                    Action::Toggle => Control::Talk(Purpose::Command),
                    Action::PushToTalk => Control::Hold(Purpose::Command),
                    Action::Cancel => Control::Cancel,
                })
            }
            KeyEvent::Released => {
                self.held.remove(&id);
                if action == Action::PushToTalk {
                    self.pending_release = Some((id, now + AUTOREPEAT_GAP));
                }
                None
            }
        }
    }

    /// When a held-back release becomes real, if one waits.
    pub fn due(&self) -> Option<Instant> {
        self.pending_release.map(|(_, at)| at)
    }

    /// The held-back release, once its gap has passed with no repeat press.
    pub fn on_gap(&mut self, now: Instant) -> Option<Control> {
        match self.pending_release {
            Some((_, at)) if at <= now => {
                self.pending_release = None;
                Some(Control::Release)
            }
            _ => None,
        }
    }
}

/// What a hotkey thread tells the daemon.
enum FromThread {
    /// A key went down or up.
    Key(u32, KeyEvent),
    /// The keys now registered (after a start or a change).
    Bound(Vec<(u32, Action)>),
}

/// Each action, its setting and its combination in `keys`: the order ids are given in.
fn actions(keys: &HotkeySettings) -> [(&'static str, &str, Action); 3] {
    [
        (
            "hotkeys.toggle_listening",
            &keys.toggle_listening,
            Action::Toggle,
        ),
        (
            "hotkeys.push_to_talk",
            &keys.push_to_talk,
            Action::PushToTalk,
        ),
        ("hotkeys.cancel", &keys.cancel, Action::Cancel),
    ]
}

/// The global hotkeys of this session. Each path runs on a thread of its own (the X11 manager
/// is not `Send`; the portal's D-Bus session is driven there too); the daemon talks to it
/// through channels.
pub struct Hotkeys {
    /// The key state machine for the registered keys.
    pub keys: Keys,
    events: mpsc::UnboundedReceiver<FromThread>,
    rebind: mpsc::UnboundedSender<HotkeySettings>,
}

impl Hotkeys {
    /// Registers `keys` on the session's path ([`tonny_audio::portal::shortcut_path`]); a
    /// combination another program holds is reported with the setting to change, and the
    /// others still work. When the portal fails, X11 grabs are tried where there is an X
    /// server. `None` when there is nowhere to register.
    pub fn start(keys: &HotkeySettings) -> Option<Self> {
        let path = tonny_audio::portal::shortcut_path();
        let (tx, events) = mpsc::unbounded_channel();
        let (rebind, wanted) = mpsc::unbounded_channel::<HotkeySettings>();
        let bindings = match path {
            ShortcutPath::Portal { .. } => match portal::start(keys, tx.clone(), wanted) {
                Ok(bindings) => bindings,
                Err((why, wanted)) => {
                    let x11 = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty());
                    tracing::warn!(
                        component = "hotkeys",
                        "the desktop's GlobalShortcuts portal did not bind the hotkeys: {why}{}",
                        if x11 {
                            "; trying X11 grabs (they see keys only while an X11 window has the focus)"
                        } else {
                            ""
                        }
                    );
                    if !x11 {
                        return None;
                    }
                    x11::start(keys, tx, wanted)?
                }
            },
            ShortcutPath::X11 { why } => {
                if !why.is_empty() {
                    tracing::info!(
                        component = "hotkeys",
                        "hotkeys through X11 grabs, seen only while an X11 window has the focus: {why}"
                    );
                }
                x11::start(keys, tx, wanted)?
            }
            ShortcutPath::None { why } => {
                tracing::warn!(
                    component = "hotkeys",
                    "global hotkeys are not available: {why}"
                );
                return None;
            }
        };
        Some(Self {
            keys: Keys::new(bindings),
            events,
            rebind,
        })
    }

    /// Registers `keys` in place of the ones registered before (`hotkeys.*` changed).
    pub fn register(&self, keys: &HotkeySettings) {
        let _ = self.rebind.send(keys.clone());
    }

    /// The next control a key asks for; `None` when the hotkey thread has ended. Bindings
    /// arriving from the thread are taken in on the way.
    pub async fn next(&mut self) -> Option<Option<Control>> {
        match self.events.recv().await? {
            FromThread::Key(id, state) => Some(self.keys.on_event(id, state, Instant::now())),
            FromThread::Bound(bindings) => {
                self.keys = Keys::new(bindings);
                Some(None)
            }
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::new(vec![
            (1, Action::Toggle),
            (2, Action::PushToTalk),
            (3, Action::Cancel),
        ])
    }

    #[test]
    fn a_held_push_to_talk_key_auto_repeating_is_one_hold_and_one_release() {
        let mut k = keys();
        let t0 = Instant::now();
        assert_eq!(
            k.on_event(2, KeyEvent::Pressed, t0),
            Some(Control::Hold(Purpose::Command))
        );
        // X11 auto-repeat: release and press together, many times.
        for i in 1..5 {
            let t = t0 + Duration::from_millis(30 * i);
            assert_eq!(k.on_event(2, KeyEvent::Released, t), None);
            assert_eq!(k.on_event(2, KeyEvent::Pressed, t), None);
        }
        let up = t0 + Duration::from_millis(200);
        assert_eq!(k.on_event(2, KeyEvent::Released, up), None);
        assert_eq!(k.on_gap(up + AUTOREPEAT_GAP / 2), None, "too early");
        assert_eq!(k.due(), Some(up + AUTOREPEAT_GAP));
        assert_eq!(k.on_gap(up + AUTOREPEAT_GAP), Some(Control::Release));
        assert_eq!(k.due(), None);
    }

    #[test]
    fn toggle_and_cancel_act_on_press_only_and_unknown_keys_do_nothing() {
        let mut k = keys();
        let t = Instant::now();
        assert_eq!(
            k.on_event(1, KeyEvent::Pressed, t),
            Some(Control::Talk(Purpose::Command))
        );
        assert_eq!(k.on_event(1, KeyEvent::Released, t), None);
        assert_eq!(k.due(), None, "only push-to-talk releases wait");
        assert_eq!(k.on_event(3, KeyEvent::Pressed, t), Some(Control::Cancel));
        assert_eq!(k.on_event(9, KeyEvent::Pressed, t), None);
    }
}
