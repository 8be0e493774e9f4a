//! The XDG desktop portals TonnyTray uses where the Wayland desktop keeps the keyboard to
//! itself (GNOME, KDE): `GlobalShortcuts` for the hotkeys and `RemoteDesktop` for typing.
//! Through [`ashpd`], the Rust client of the portals.
//!
//! - [`offers`] asks the portal whether it has an interface (for the choice of path and
//!   `tonny doctor`); [`shortcut_path`] is that choice for the hotkeys.
//! - [`PortalShortcuts`] binds TonnyTray's shortcuts in a session and turns the desktop's
//!   `Activated`/`Deactivated` signals for that session into [`ShortcutEvent`]s.
//! - [`RemoteKeyboard`] types through a remote desktop session, opened once per process (the
//!   desktop asks the person once; with a restore token kept in the data directory, desktops
//!   that support it do not ask again).

use std::sync::Mutex;
use std::time::Duration;

use ashpd::desktop::global_shortcuts::{BindShortcutsOptions, GlobalShortcuts, NewShortcut};
use ashpd::desktop::remote_desktop::{
    DeviceType, KeyState, NotifyKeyboardKeysymOptions, RemoteDesktop, SelectDevicesOptions,
    StartOptions,
};
use ashpd::desktop::{CreateSessionOptions, PersistMode, ResponseError, Session};
use futures_util::{Stream, StreamExt};

/// The portal's GlobalShortcuts interface.
pub const GLOBAL_SHORTCUTS: &str = "org.freedesktop.portal.GlobalShortcuts";
/// The portal's RemoteDesktop interface.
pub const REMOTE_DESKTOP: &str = "org.freedesktop.portal.RemoteDesktop";

/// How long asking the portal whether it offers an interface may take (it may be started on
/// demand by D-Bus).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The version of `interface` the desktop portal offers, or why it offers none.
pub fn offers(interface: &str) -> Result<u32, String> {
    use zbus::fdo::Error as Fdo;
    let short = interface.rsplit('.').next().unwrap_or(interface);
    let conn = zbus::blocking::connection::Builder::session()
        .and_then(|b| b.method_timeout(PROBE_TIMEOUT).build())
        .map_err(|e| format!("no D-Bus session bus to reach the desktop portal ({e})"))?;
    let props = zbus::blocking::fdo::PropertiesProxy::builder(&conn)
        .destination("org.freedesktop.portal.Desktop")
        .and_then(|b| b.path("/org/freedesktop/portal/desktop"))
        .and_then(|b| b.build())
        .map_err(|e| format!("the desktop portal cannot be reached ({e})"))?;
    let name = zbus::names::InterfaceName::try_from(interface).map_err(|e| e.to_string())?;
    match props.get(name, "version") {
        Ok(v) => u32::try_from(v).map_err(|e| format!("the portal's {short} version: {e}")),
        Err(Fdo::ServiceUnknown(_) | Fdo::NameHasNoOwner(_)) => Err(
            "no desktop portal runs (xdg-desktop-portal is not installed or not started)".into(),
        ),
        Err(Fdo::InvalidArgs(_) | Fdo::UnknownInterface(_) | Fdo::UnknownProperty(_)) => Err(
            format!("the desktop portal has no {short} (the desktop does not implement it)"),
        ),
        Err(e) => Err(format!("the desktop portal did not answer ({e})")),
    }
}

/// How the hotkeys reach TonnyTray in this session, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShortcutPath {
    /// The desktop's GlobalShortcuts portal (Wayland desktops that offer it).
    Portal {
        /// The interface version.
        version: u32,
    },
    /// X11 key grabs. On Wayland they are Xwayland's and see keys only while an X11 window has
    /// the focus; `why` then says why the portal is not used.
    X11 {
        /// Why not the portal (empty on an X11 session).
        why: String,
    },
    /// No way to have global hotkeys.
    None {
        /// Why.
        why: String,
    },
}

/// Chooses the hotkey path from the session's environment and the portal: on Wayland the
/// portal when it offers GlobalShortcuts, else Xwayland's grabs; on X11 the grabs.
pub fn shortcut_path() -> ShortcutPath {
    let set = |v| std::env::var_os(v).is_some_and(|s| !s.is_empty());
    let (wayland, x11) = (set("WAYLAND_DISPLAY"), set("DISPLAY"));
    if wayland {
        return match offers(GLOBAL_SHORTCUTS) {
            Ok(version) => ShortcutPath::Portal { version },
            Err(why) if x11 => ShortcutPath::X11 { why },
            Err(why) => ShortcutPath::None { why },
        };
    }
    if x11 {
        return ShortcutPath::X11 { why: String::new() };
    }
    ShortcutPath::None {
        why: "there is no graphical session (neither WAYLAND_DISPLAY nor DISPLAY)".into(),
    }
}

/// A key combination in TonnyTray's settings (`Ctrl+Shift+Space`) written as the XDG
/// shortcuts specification wants a preferred trigger (`CTRL+SHIFT+space`): modifiers in
/// capitals, the key as its XKB keysym name. `None` when a part is not understood; the desktop
/// then lets the person choose.
pub fn xdg_trigger(combo: &str) -> Option<String> {
    let mut parts = Vec::new();
    let tokens: Vec<&str> = combo.split('+').map(str::trim).collect();
    let (key, modifiers) = tokens.split_last()?;
    for m in modifiers {
        parts.push(match m.to_ascii_lowercase().as_str() {
            "ctrl" | "control" => "CTRL",
            "shift" => "SHIFT",
            "alt" | "option" => "ALT",
            "super" | "meta" | "cmd" | "command" | "win" | "logo" => "LOGO",
            _ => return None,
        });
    }
    let lower = key.to_ascii_lowercase();
    let stripped = lower
        .strip_prefix("key")
        .or_else(|| lower.strip_prefix("digit"))
        .filter(|k| k.len() == 1)
        .unwrap_or(&lower);
    let keysym = match stripped {
        k if k.len() == 1 && k.chars().all(|c| c.is_ascii_alphanumeric()) => k.to_owned(),
        "space" => "space".into(),
        "escape" | "esc" => "Escape".into(),
        "enter" | "return" => "Return".into(),
        "tab" => "Tab".into(),
        "backspace" => "BackSpace".into(),
        "delete" | "del" => "Delete".into(),
        "insert" => "Insert".into(),
        "home" => "Home".into(),
        "end" => "End".into(),
        "pageup" => "Page_Up".into(),
        "pagedown" => "Page_Down".into(),
        "up" | "arrowup" => "Up".into(),
        "down" | "arrowdown" => "Down".into(),
        "left" | "arrowleft" => "Left".into(),
        "right" | "arrowright" => "Right".into(),
        "pause" => "Pause".into(),
        "printscreen" => "Print".into(),
        k if k.starts_with('f') && k[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) => {
            k.to_ascii_uppercase()
        }
        _ => return None,
    };
    parts.push(&keysym);
    Some(parts.join("+"))
}

/// One of TonnyTray's shortcuts as it is offered to the desktop.
#[derive(Debug, Clone)]
pub struct ShortcutSpec {
    /// Stable id (`push_to_talk`); the desktop remembers the person's trigger under it.
    pub id: String,
    /// What it does, shown by the desktop.
    pub description: String,
    /// The combination from the settings, as a preferred trigger ([`xdg_trigger`]).
    pub trigger: Option<String>,
}

/// A bound shortcut pressed or let go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShortcutEvent {
    /// Pressed (`Activated`).
    Pressed(String),
    /// Let go (`Deactivated`).
    Released(String),
}

/// Something the portal refused or could not do, in words for the person.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PortalError(String);

fn failed(what: &str, e: ashpd::Error) -> PortalError {
    PortalError(match e {
        ashpd::Error::Response(ResponseError::Cancelled) => {
            format!("{what}: the request was declined on the desktop's dialog")
        }
        e => format!("{what}: {e}"),
    })
}

/// The object path of `session`, to tell its signals from other applications'.
fn session_path<T: ashpd::desktop::SessionPortal>(session: &Session<T>) -> Option<String> {
    serde_json::to_value(session)
        .ok()?
        .as_str()
        .map(str::to_owned)
}

/// TonnyTray's shortcuts bound in a GlobalShortcuts session. Closing it (or dropping the
/// process) releases them.
pub struct PortalShortcuts {
    portal: GlobalShortcuts,
    session: Session<GlobalShortcuts>,
    path: Option<String>,
}

impl PortalShortcuts {
    /// Opens a session and binds `shortcuts`; returns it with each shortcut's id and the
    /// trigger the desktop gave it (its own words, e.g. "Ctrl+Shift+Space").
    pub async fn bind(
        shortcuts: &[ShortcutSpec],
    ) -> Result<(Self, Vec<(String, String)>), PortalError> {
        let portal = GlobalShortcuts::new()
            .await
            .map_err(|e| failed("the GlobalShortcuts portal", e))?;
        let session = portal
            .create_session(CreateSessionOptions::default())
            .await
            .map_err(|e| failed("a GlobalShortcuts session", e))?;
        let wanted: Vec<NewShortcut> = shortcuts
            .iter()
            .map(|s| {
                NewShortcut::new(s.id.clone(), s.description.clone())
                    .preferred_trigger(s.trigger.as_deref())
            })
            .collect();
        let bound = portal
            .bind_shortcuts(&session, &wanted, None, BindShortcutsOptions::default())
            .await
            .and_then(|r| r.response())
            .map_err(|e| failed("binding the shortcuts", e))?;
        let triggers = bound
            .shortcuts()
            .iter()
            .map(|s| (s.id().to_owned(), s.trigger_description().to_owned()))
            .collect();
        let path = session_path(&session);
        Ok((
            Self {
                portal,
                session,
                path,
            },
            triggers,
        ))
    }

    /// Presses and releases of this session's shortcuts, as the desktop reports them.
    pub async fn events(&self) -> Result<impl Stream<Item = ShortcutEvent> + use<>, PortalError> {
        let pressed = self
            .portal
            .receive_activated()
            .await
            .map_err(|e| failed("listening for shortcuts", e))?;
        let released = self
            .portal
            .receive_deactivated()
            .await
            .map_err(|e| failed("listening for shortcuts", e))?;
        let (p1, p2) = (self.path.clone(), self.path.clone());
        let ours =
            move |mine: &Option<String>, theirs: &str| mine.as_deref().is_none_or(|m| m == theirs);
        let pressed = pressed.filter_map(move |a| {
            let event = ours(&p1, a.session_handle().as_str())
                .then(|| ShortcutEvent::Pressed(a.shortcut_id().to_owned()));
            async move { event }
        });
        let released = released.filter_map(move |d| {
            let event = ours(&p2, d.session_handle().as_str())
                .then(|| ShortcutEvent::Released(d.shortcut_id().to_owned()));
            async move { event }
        });
        Ok(futures_util::stream::select(pressed, released))
    }

    /// Ends the session: the desktop forgets the bindings until the next [`Self::bind`].
    pub async fn close(self) {
        let _ = self.session.close().await;
    }
}

/// The X keysym that types `c`: Latin-1 characters are their own code, Enter and Tab their
/// function keys, everything else `0x0100_0000 + code point` (the XKB convention).
pub fn keysym(c: char) -> i32 {
    match c {
        '\n' => 0xff0d,
        '\t' => 0xff09,
        ' '..='~' | '\u{a0}'..='\u{ff}' => c as i32,
        c => 0x0100_0000 + c as i32,
    }
}

const CONTROL_L: i32 = 0xffe3;
const LETTER_V: i32 = 0x76;

/// A started remote desktop session with the keyboard granted.
struct Held {
    portal: RemoteDesktop,
    session: Session<RemoteDesktop>,
}

/// The session of this process; `Err` remembers a refusal so the person is not asked on
/// every dictation (a restart of TonnyTray asks again).
static SESSION: Mutex<Option<Result<Held, String>>> = Mutex::new(None);

/// Where the desktop's restore token is kept (data directory, 0600), so desktops that
/// support it start the next session without asking.
fn token_file() -> Option<std::path::PathBuf> {
    tonny_core::paths::Paths::from_env()
        .ok()
        .map(|p| p.data_dir.join("remote-desktop-token"))
}

fn save_token(token: &str) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let Some(path) = token_file() else { return };
    let written = path
        .parent()
        .map_or(Ok(()), tonny_core::paths::create_missing_private_dir)
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&path)
        })
        .and_then(|mut f| f.write_all(token.as_bytes()));
    if let Err(e) = written {
        tracing::debug!("the remote desktop restore token could not be kept: {e}");
    }
}

async fn start_session() -> Result<Held, String> {
    let portal = RemoteDesktop::new()
        .await
        .map_err(|e| failed("the RemoteDesktop portal", e).0)?;
    let session = portal
        .create_session(CreateSessionOptions::default())
        .await
        .map_err(|e| failed("a remote desktop session", e).0)?;
    let token = token_file().and_then(|p| std::fs::read_to_string(p).ok());
    let options = SelectDevicesOptions::default()
        .set_devices(Some(DeviceType::Keyboard.into()))
        .set_persist_mode(PersistMode::ExplicitlyRevoked)
        .set_restore_token(token.as_deref().map(str::trim));
    portal
        .select_devices(&session, options)
        .await
        .and_then(|r| r.response())
        .map_err(|e| failed("choosing the keyboard", e).0)?;
    let started = portal
        .start(&session, None, StartOptions::default())
        .await
        .and_then(|r| r.response())
        .map_err(|e| failed("starting the remote desktop session", e).0)?;
    if !started.devices().contains(DeviceType::Keyboard) {
        let _ = session.close().await;
        return Err("the desktop did not grant the keyboard to the remote desktop session".into());
    }
    if let Some(token) = started.restore_token() {
        save_token(token);
    }
    Ok(Held { portal, session })
}

impl Held {
    async fn key(&self, keysym: i32, state: KeyState) -> Result<(), ashpd::Error> {
        self.portal
            .notify_keyboard_keysym(
                &self.session,
                keysym,
                state,
                NotifyKeyboardKeysymOptions::default(),
            )
            .await
    }

    async fn tap(&self, keysym: i32) -> Result<(), ashpd::Error> {
        self.key(keysym, KeyState::Pressed).await?;
        self.key(keysym, KeyState::Released).await
    }

    async fn send(&self, keys: Keys<'_>) -> Result<(), ashpd::Error> {
        match keys {
            Keys::Text(text) => {
                for c in text.chars() {
                    self.tap(keysym(c)).await?;
                }
                Ok(())
            }
            Keys::Paste => {
                self.key(CONTROL_L, KeyState::Pressed).await?;
                self.tap(LETTER_V).await?;
                self.key(CONTROL_L, KeyState::Released).await
            }
        }
    }
}

/// What a remote desktop session is asked to press.
#[derive(Clone, Copy)]
enum Keys<'t> {
    /// Each character of the text.
    Text(&'t str),
    /// Ctrl+V.
    Paste,
}

/// Typing through the desktop's RemoteDesktop portal (GNOME, KDE).
///
/// Keys are sent as keysyms, so the desktop finds them on the person's own layout. Only ASCII
/// text is typed: a keysym missing from the layout (é on a US layout) is dropped by GNOME and
/// KWin without an error, so other text is pasted instead ([`RemoteKeyboard::paste`]).
pub struct RemoteKeyboard;

impl RemoteKeyboard {
    /// Why this text cannot be typed through the portal, if it cannot.
    pub fn cannot_type(text: &str) -> Option<String> {
        (!text.is_ascii()).then(|| {
            "the remote desktop portal types only ASCII reliably (the text has other characters)"
                .to_owned()
        })
    }

    /// Sends `keys` in this process's session, opening it first (the desktop may ask the
    /// person); a session the desktop ended is opened again once.
    fn send(keys: Keys<'_>) -> Result<(), String> {
        let mut slot = SESSION.lock().unwrap_or_else(|p| p.into_inner());
        for attempt in 0..2 {
            let held = match slot.get_or_insert_with(|| zbus::block_on(start_session())) {
                Ok(held) => held,
                Err(why) => return Err(why.clone()),
            };
            match zbus::block_on(held.send(keys)) {
                Ok(()) => return Ok(()),
                Err(e) if attempt == 0 => {
                    tracing::info!("the remote desktop session ended ({e}); opening another");
                    *slot = None;
                }
                Err(e) => return Err(failed("typing through the remote desktop portal", e).0),
            }
        }
        Err("the remote desktop session kept ending".into())
    }

    /// Types `text` (ASCII; see [`Self::cannot_type`]).
    pub fn type_text(text: &str) -> Result<(), String> {
        if let Some(why) = Self::cannot_type(text) {
            return Err(why);
        }
        Self::send(Keys::Text(text))
    }

    /// Presses Ctrl+V.
    pub fn paste() -> Result<(), String> {
        Self::send(Keys::Paste)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_combinations_become_preferred_triggers() {
        assert_eq!(
            xdg_trigger("Ctrl+Shift+Space").as_deref(),
            Some("CTRL+SHIFT+space")
        );
        assert_eq!(xdg_trigger("Ctrl+Shift+L").as_deref(), Some("CTRL+SHIFT+l"));
        assert_eq!(
            xdg_trigger("Ctrl+Shift+Escape").as_deref(),
            Some("CTRL+SHIFT+Escape")
        );
        assert_eq!(xdg_trigger("Super+KeyD").as_deref(), Some("LOGO+d"));
        assert_eq!(xdg_trigger("Alt+F9").as_deref(), Some("ALT+F9"));
        assert_eq!(
            xdg_trigger("Ctrl+PageDown").as_deref(),
            Some("CTRL+Page_Down")
        );
        assert_eq!(xdg_trigger("Hyper+X"), None, "unknown modifier");
        assert_eq!(xdg_trigger("Ctrl+Whatever"), None, "unknown key");
    }

    #[test]
    fn characters_become_keysyms() {
        assert_eq!(keysym('a'), 0x61);
        assert_eq!(keysym('A'), 0x41);
        assert_eq!(keysym('\n'), 0xff0d);
        assert_eq!(keysym('é'), 0xe9);
        assert_eq!(keysym('☕'), 0x0100_2615);
    }
}
