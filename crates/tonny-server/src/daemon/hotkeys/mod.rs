//! Global hotkeys on X11 (`hotkeys.*`): pressed keys become [`Control`]s. The key handling is a
//! small pure state machine ([`Keys`]) so X11's auto-repeat filtering is tested without a
//! display; [`Hotkeys`] holds the registrations and registers them again when the settings
//! change.

use std::time::Duration;

use global_hotkey::hotkey::HotKey;
use global_hotkey::{GlobalHotKeyEvent, GlobalHotKeyManager, HotKeyState};
use tokio::sync::mpsc;
use tokio::time::Instant;
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

/// What the hotkey thread tells the daemon.
enum FromThread {
    /// A key went down or up.
    Key(u32, KeyEvent),
    /// The keys now registered (after a start or a change).
    Bound(Vec<(u32, Action)>),
}

/// The global hotkeys of this X11 session. The X11 manager is not `Send`, so it lives on a
/// thread of its own; the daemon talks to it through channels.
pub struct Hotkeys {
    /// The key state machine for the registered keys.
    pub keys: Keys,
    events: mpsc::UnboundedReceiver<FromThread>,
    rebind: std::sync::mpsc::Sender<HotkeySettings>,
}

impl Hotkeys {
    /// Registers `keys` on a thread of their own; a combination another program holds is
    /// reported with the setting to change, and the others still work. `None` when there is
    /// no X11 session to register in.
    pub fn start(keys: &HotkeySettings) -> Option<Self> {
        let (tx, events) = mpsc::unbounded_channel();
        let (rebind, wanted) = std::sync::mpsc::channel::<HotkeySettings>();
        // The first bindings, or none when there is no X11 session.
        let (started_tx, started) = std::sync::mpsc::channel::<Option<Vec<(u32, Action)>>>();
        let first = keys.clone();
        std::thread::Builder::new()
            .name("tonny-hotkeys".into())
            .spawn(move || {
                let manager = match GlobalHotKeyManager::new() {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::warn!(
                            component = "hotkeys",
                            "global hotkeys are not available: {e}"
                        );
                        let _ = started_tx.send(None);
                        return;
                    }
                };
                let keys_tx = tx.clone();
                GlobalHotKeyEvent::set_event_handler(Some(move |e: GlobalHotKeyEvent| {
                    let state = match e.state() {
                        HotKeyState::Pressed => KeyEvent::Pressed,
                        HotKeyState::Released => KeyEvent::Released,
                    };
                    let _ = keys_tx.send(FromThread::Key(e.id(), state));
                }));
                let mut registered = Vec::new();
                let _ = started_tx.send(Some(register(&manager, &mut registered, &first)));
                while let Ok(keys) = wanted.recv() {
                    let bindings = register(&manager, &mut registered, &keys);
                    if tx.send(FromThread::Bound(bindings)).is_err() {
                        break;
                    }
                }
                GlobalHotKeyEvent::set_event_handler(None::<fn(GlobalHotKeyEvent)>);
            })
            .ok()?;
        // Registered before this returns: a key pressed once the daemon says it runs works.
        let bindings = started.recv().ok().flatten()?;
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

/// Registers `keys` on `manager` in place of `registered`; returns the new bindings.
fn register(
    manager: &GlobalHotKeyManager,
    registered: &mut Vec<HotKey>,
    keys: &HotkeySettings,
) -> Vec<(u32, Action)> {
    if !registered.is_empty() {
        let _ = manager.unregister_all(registered);
        registered.clear();
    }
    let mut bindings = Vec::new();
    for (setting, combo, action) in [
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
    ] {
        match combo.parse::<HotKey>() {
            Ok(hk) => match manager.register(hk) {
                Ok(()) => {
                    // Scripts and tests read which keys are live from this line.
                    eprintln!("hotkey {combo}: {}", setting.trim_start_matches("hotkeys."));
                    bindings.push((hk.id(), action));
                    registered.push(hk);
                }
                Err(e) => tracing::warn!(
                    component = "hotkeys",
                    "hotkey {combo} is not available ({e}); another program may hold it — \
                     choose another with `tonny config set {setting} KEYS`"
                ),
            },
            Err(e) => tracing::warn!(
                component = "hotkeys",
                "{setting} = {combo:?} is not a key combination ({e}); write it like \
                 Ctrl+Shift+Space"
            ),
        }
    }
    bindings
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
