//! Hotkeys through the desktop's GlobalShortcuts portal (Wayland desktops that offer it). The
//! desktop owns the keys: TonnyTray offers its three shortcuts with the settings' combinations
//! as preferred triggers, the desktop binds them (it may ask the person, or let them choose
//! others) and says when one is pressed and let go. A settings change closes the session and
//! binds again. The portal's D-Bus session is driven on a thread of its own.

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tonny_audio::portal::{PortalShortcuts, ShortcutEvent, ShortcutSpec, xdg_trigger};
use tonny_core::settings::HotkeySettings;

use super::{Action, FromThread, KeyEvent, actions};

/// The shortcuts offered for `keys`, with the id each key event carries (1-based, in
/// [`actions`] order).
fn specs(keys: &HotkeySettings) -> Vec<(u32, ShortcutSpec, Action)> {
    actions(keys)
        .into_iter()
        .enumerate()
        .map(|(i, (setting, combo, action))| {
            let id = setting.trim_start_matches("hotkeys.");
            let description = match action {
                Action::Toggle => "Start or stop listening",
                Action::PushToTalk => "Talk while held",
                Action::Cancel => "Cancel what TonnyTray is doing",
            };
            let trigger = xdg_trigger(combo);
            if trigger.is_none() {
                tracing::warn!(
                    component = "hotkeys",
                    "{setting} = {combo:?} is not a key combination the desktop understands; \
                     it is offered without a trigger, for you to choose in the desktop's settings"
                );
            }
            let spec = ShortcutSpec {
                id: id.to_owned(),
                description: format!("TonnyTray: {description}"),
                trigger,
            };
            (i as u32 + 1, spec, action)
        })
        .collect()
}

/// Binds the shortcuts of `keys`; the bindings, or why not.
async fn bind(
    keys: &HotkeySettings,
) -> Result<(PortalShortcuts, Vec<(u32, Action)>, Vec<(String, u32)>), String> {
    let specs = specs(keys);
    let offered: Vec<ShortcutSpec> = specs.iter().map(|(_, s, _)| s.clone()).collect();
    let (session, triggers) = PortalShortcuts::bind(&offered)
        .await
        .map_err(|e| e.to_string())?;
    for (id, trigger) in &triggers {
        // Scripts and tests read which keys are live from this line.
        eprintln!("hotkey {trigger}: {id} (desktop portal)");
    }
    let bindings = specs.iter().map(|(n, _, a)| (*n, *a)).collect();
    let ids = specs.into_iter().map(|(n, s, _)| (s.id, n)).collect();
    Ok((session, bindings, ids))
}

/// The first bindings from the portal thread, or why there are none (with the settings
/// channel handed back for another path).
type Started = Result<Vec<(u32, Action)>, (String, mpsc::UnboundedReceiver<HotkeySettings>)>;

/// Binds `keys` through the portal on a new thread that then follows settings changes from
/// `wanted`; returns once the first bindings are in place.
pub(super) fn start(
    keys: &HotkeySettings,
    tx: mpsc::UnboundedSender<FromThread>,
    wanted: mpsc::UnboundedReceiver<HotkeySettings>,
) -> Started {
    let (started_tx, started) = std::sync::mpsc::channel::<Started>();
    let first = keys.clone();
    let spawned = std::thread::Builder::new()
        .name("tonny-hotkeys-portal".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = started_tx.send(Err((format!("no runtime: {e}"), wanted)));
                    return;
                }
            };
            runtime.block_on(follow(first, tx, wanted, started_tx));
        });
    if let Err(e) = spawned {
        return Err((
            format!("no thread for the portal: {e}"),
            mpsc::unbounded_channel().1,
        ));
    }
    started.recv().unwrap_or_else(|_| {
        Err((
            "the portal thread ended".into(),
            mpsc::unbounded_channel().1,
        ))
    })
}

/// Binds, reports the first bindings through `started`, then passes key events on and binds
/// again on each settings change until the daemon lets go.
async fn follow(
    first: HotkeySettings,
    tx: mpsc::UnboundedSender<FromThread>,
    mut wanted: mpsc::UnboundedReceiver<HotkeySettings>,
    started: std::sync::mpsc::Sender<Started>,
) {
    let (mut session, bindings, mut ids) = match bind(&first).await {
        Ok(bound) => bound,
        Err(why) => {
            let _ = started.send(Err((why, wanted)));
            return;
        }
    };
    let _ = started.send(Ok(bindings));
    loop {
        let mut events = match session.events().await {
            Ok(events) => Box::pin(events),
            Err(e) => {
                tracing::warn!(component = "hotkeys", "{e}");
                return;
            }
        };
        let keys = loop {
            tokio::select! {
                event = events.next() => {
                    let Some(event) = event else { return };
                    let (id, state) = match &event {
                        ShortcutEvent::Pressed(id) => (id, KeyEvent::Pressed),
                        ShortcutEvent::Released(id) => (id, KeyEvent::Released),
                    };
                    if let Some((_, n)) = ids.iter().find(|(i, _)| i == id)
                        && tx.send(FromThread::Key(*n, state)).is_err()
                    {
                        return;
                    }
                }
                keys = wanted.recv() => match keys {
                    Some(keys) => break keys,
                    None => {
                        session.close().await;
                        return;
                    }
                },
            }
        };
        drop(events);
        session.close().await;
        match bind(&keys).await {
            Ok((s, bindings, i)) => {
                (session, ids) = (s, i);
                if tx.send(FromThread::Bound(bindings)).is_err() {
                    return;
                }
            }
            Err(why) => {
                tracing::warn!(
                    component = "hotkeys",
                    "the desktop did not bind the changed hotkeys: {why}"
                );
                let _ = tx.send(FromThread::Bound(Vec::new()));
                return;
            }
        }
    }
}
