//! Hotkeys through X11 key grabs (`global-hotkey`), on a thread of their own: the manager is
//! not `Send`.

use global_hotkey::hotkey::HotKey;
use global_hotkey::{GlobalHotKeyEvent, GlobalHotKeyManager, HotKeyState};
use tokio::sync::mpsc;
use tonny_core::settings::HotkeySettings;

use super::{Action, FromThread, KeyEvent, actions};

/// Registers `keys` on a new thread that then registers each settings change from `wanted`;
/// returns the first bindings once they are registered, `None` when there is no X server.
pub(super) fn start(
    keys: &HotkeySettings,
    tx: mpsc::UnboundedSender<FromThread>,
    mut wanted: mpsc::UnboundedReceiver<HotkeySettings>,
) -> Option<Vec<(u32, Action)>> {
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
            while let Some(keys) = wanted.blocking_recv() {
                let bindings = register(&manager, &mut registered, &keys);
                if tx.send(FromThread::Bound(bindings)).is_err() {
                    break;
                }
            }
            GlobalHotKeyEvent::set_event_handler(None::<fn(GlobalHotKeyEvent)>);
        })
        .ok()?;
    // Registered before this returns: a key pressed once the daemon says it runs works.
    started.recv().ok().flatten()
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
    for (setting, combo, action) in actions(keys) {
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
