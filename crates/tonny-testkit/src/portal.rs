//! The XDG desktop portal for hotkeys and typing on Wayland desktops: the real
//! `xdg-desktop-portal` (Debian's frontend, the one applications talk to) on a private session
//! bus, with a backend of ours behind it in place of GNOME's or KDE's.
//!
//! Why a backend of ours: the desktops whose backends implement `GlobalShortcuts` and
//! `RemoteDesktop` (GNOME Shell, KWin) do not run headless here, and `xdg-desktop-portal-wlr`
//! implements neither. The backend speaks the `org.freedesktop.impl.portal.*` interfaces the
//! frontend calls, as the desktops do: it answers the binding of shortcuts with their triggers,
//! sends `Activated`/`Deactivated` when a test "presses" one, grants or refuses a remote
//! desktop session as a person on the permission dialog would, and records every key the
//! session sends. The client side under test is TonnyTray's, unchanged, through the frontend.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zbus::object_server::ObjectServer;
use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};

use crate::dbus::{SessionBus, require};

/// The backend's bus name, named by the `.portal` file the frontend reads.
const BACKEND_NAME: &str = "org.freedesktop.impl.portal.desktop.tonnytest";
/// Where backends serve their interfaces.
const BACKEND_PATH: &str = "/org/freedesktop/portal/desktop";
/// `XDG_CURRENT_DESKTOP` for which the frontend picks our backend.
const DESKTOP: &str = "tonnytest";
const SHORTCUTS_IFACE: &str = "org.freedesktop.impl.portal.GlobalShortcuts";
const REMOTE_DESKTOP_IFACE: &str = "org.freedesktop.impl.portal.RemoteDesktop";
/// Keyboard in the portal's device-type bit field.
const KEYBOARD: u32 = 1;

/// Which portal interfaces the desktop offers.
#[derive(Debug, Clone, Copy)]
pub struct Offers {
    /// `GlobalShortcuts`.
    pub shortcuts: bool,
    /// `RemoteDesktop`.
    pub remote_desktop: bool,
}

/// One shortcut as an application asked for it in `BindShortcuts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// The application's id for it (`push_to_talk`).
    pub id: String,
    /// What it is for, as shown to the person.
    pub description: String,
    /// The trigger the application would like, in the shortcuts specification's syntax.
    pub preferred_trigger: Option<String>,
}

/// A key the remote desktop session sent: an X keysym, pressed or released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The keysym (`0x61` is "a", `0x1000000 + code point` for other characters).
    pub keysym: i32,
    /// Pressed (`true`) or released.
    pub pressed: bool,
}

#[derive(Default)]
struct State {
    /// Every `BindShortcuts` call: the session and what it bound.
    bindings: Vec<(String, Vec<Bound>)>,
    /// Sessions the frontend or the application closed.
    closed: Vec<String>,
    /// Remote desktop: how many sessions were started, and refused.
    started: u32,
    refuse: bool,
    keys: Vec<Key>,
}

type Shared = Arc<Mutex<State>>;

fn results(pairs: Vec<(&str, Value<'_>)>) -> HashMap<String, OwnedValue> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.try_to_owned().expect("a plain value")))
        .collect()
}

/// The `org.freedesktop.impl.portal.Session` every session object carries.
struct Session {
    state: Shared,
    path: String,
}

#[zbus::interface(name = "org.freedesktop.impl.portal.Session")]
impl Session {
    /// The session ends; the object stays exported (removing it from inside its own call
    /// would wait on itself), which costs nothing in a test.
    fn close(&self) {
        self.state.lock().unwrap().closed.push(self.path.clone());
    }

    #[zbus(property)]
    fn version(&self) -> u32 {
        1
    }
}

async fn export_session(server: &ObjectServer, state: &Shared, path: &ObjectPath<'_>) {
    let session = Session {
        state: state.clone(),
        path: path.to_string(),
    };
    server
        .at(path.to_owned(), session)
        .await
        .expect("exporting the session object");
}

struct Shortcuts {
    state: Shared,
}

#[zbus::interface(name = "org.freedesktop.impl.portal.GlobalShortcuts")]
impl Shortcuts {
    async fn create_session(
        &self,
        _handle: OwnedObjectPath,
        session_handle: OwnedObjectPath,
        _app_id: String,
        _options: HashMap<String, OwnedValue>,
        #[zbus(object_server)] server: &ObjectServer,
    ) -> (u32, HashMap<String, OwnedValue>) {
        export_session(server, &self.state, &session_handle).await;
        (0, HashMap::new())
    }

    async fn bind_shortcuts(
        &self,
        _handle: OwnedObjectPath,
        session_handle: OwnedObjectPath,
        shortcuts: Vec<(String, HashMap<String, OwnedValue>)>,
        _parent_window: String,
        _options: HashMap<String, OwnedValue>,
    ) -> (u32, HashMap<String, OwnedValue>) {
        let text = |m: &HashMap<String, OwnedValue>, k: &str| {
            m.get(k).and_then(|v| String::try_from(v.clone()).ok())
        };
        let bound: Vec<Bound> = shortcuts
            .iter()
            .map(|(id, info)| Bound {
                id: id.clone(),
                description: text(info, "description").unwrap_or_default(),
                preferred_trigger: text(info, "preferred_trigger"),
            })
            .collect();
        // The desktop gives each shortcut the trigger asked for, as GNOME and KDE do when it
        // is free.
        let answer: Vec<(String, HashMap<String, Value<'_>>)> = bound
            .iter()
            .map(|b| {
                let mut info = HashMap::new();
                info.insert("description".to_owned(), Value::from(b.description.clone()));
                info.insert(
                    "trigger_description".to_owned(),
                    Value::from(b.preferred_trigger.clone().unwrap_or_default()),
                );
                (b.id.clone(), info)
            })
            .collect();
        self.state
            .lock()
            .unwrap()
            .bindings
            .push((session_handle.to_string(), bound));
        (0, results(vec![("shortcuts", Value::from(answer))]))
    }

    async fn list_shortcuts(
        &self,
        _handle: OwnedObjectPath,
        _session_handle: OwnedObjectPath,
    ) -> (u32, HashMap<String, OwnedValue>) {
        (0, HashMap::new())
    }

    #[zbus(property)]
    fn version(&self) -> u32 {
        1
    }
}

struct RemoteDesktop {
    state: Shared,
}

#[zbus::interface(name = "org.freedesktop.impl.portal.RemoteDesktop")]
impl RemoteDesktop {
    async fn create_session(
        &self,
        _handle: OwnedObjectPath,
        session_handle: OwnedObjectPath,
        _app_id: String,
        _options: HashMap<String, OwnedValue>,
        #[zbus(object_server)] server: &ObjectServer,
    ) -> (u32, HashMap<String, OwnedValue>) {
        export_session(server, &self.state, &session_handle).await;
        (0, HashMap::new())
    }

    async fn select_devices(
        &self,
        _handle: OwnedObjectPath,
        _session_handle: OwnedObjectPath,
        _app_id: String,
        _options: HashMap<String, OwnedValue>,
    ) -> (u32, HashMap<String, OwnedValue>) {
        (0, HashMap::new())
    }

    /// The permission dialog: granted with the keyboard, or refused (response 1, "cancelled
    /// by the user").
    async fn start(
        &self,
        _handle: OwnedObjectPath,
        _session_handle: OwnedObjectPath,
        _app_id: String,
        _parent_window: String,
        _options: HashMap<String, OwnedValue>,
    ) -> (u32, HashMap<String, OwnedValue>) {
        let mut state = self.state.lock().unwrap();
        state.started += 1;
        if state.refuse {
            return (1, HashMap::new());
        }
        let token = format!("tonnytest-restore-{}", state.started);
        (
            0,
            results(vec![
                ("devices", Value::from(KEYBOARD)),
                ("restore_token", Value::from(token)),
            ]),
        )
    }

    fn notify_keyboard_keysym(
        &self,
        _session_handle: OwnedObjectPath,
        _options: HashMap<String, OwnedValue>,
        keysym: i32,
        state: u32,
    ) {
        self.state.lock().unwrap().keys.push(Key {
            keysym,
            pressed: state == 1,
        });
    }

    fn notify_keyboard_keycode(
        &self,
        _session_handle: OwnedObjectPath,
        _options: HashMap<String, OwnedValue>,
        _keycode: i32,
        _state: u32,
    ) {
    }

    #[zbus(property)]
    fn available_device_types(&self) -> u32 {
        KEYBOARD
    }

    #[zbus(property)]
    fn version(&self) -> u32 {
        1
    }
}

/// The frontend and our backend on a private bus; everything is stopped on drop.
pub struct DesktopPortal {
    // Dropped in this order: the frontend (by PID), the backend's connection, the bus, the files.
    frontend: Child,
    backend: zbus::blocking::Connection,
    bus: SessionBus,
    state: Shared,
    _dir: tempfile::TempDir,
}

/// The frontend's path on Debian.
const FRONTEND: &str = "/usr/libexec/xdg-desktop-portal";

impl DesktopPortal {
    /// Starts the bus, our backend offering `offers`, and the frontend, and waits until the
    /// frontend owns `org.freedesktop.portal.Desktop`.
    pub fn start(offers: Offers) -> Self {
        assert!(
            Path::new(FRONTEND).exists(),
            "{FRONTEND} is missing; the portal tests need it (apt-get install xdg-desktop-portal; scripts/test.sh does this)"
        );
        require("dbus-daemon", "dbus", "the portal tests");
        let dir = tempfile::Builder::new()
            .prefix("tonny-portal-")
            .tempdir()
            .expect("temp dir for the portal");
        let bus = SessionBus::start(dir.path());
        let state = Shared::default();
        let mut builder = zbus::blocking::connection::Builder::address(bus.address())
            .expect("the bus address")
            .name(BACKEND_NAME)
            .expect("the backend name");
        let mut interfaces = Vec::new();
        if offers.shortcuts {
            builder = builder
                .serve_at(
                    BACKEND_PATH,
                    Shortcuts {
                        state: state.clone(),
                    },
                )
                .expect("serving GlobalShortcuts");
            interfaces.push(SHORTCUTS_IFACE);
        }
        if offers.remote_desktop {
            builder = builder
                .serve_at(
                    BACKEND_PATH,
                    RemoteDesktop {
                        state: state.clone(),
                    },
                )
                .expect("serving RemoteDesktop");
            interfaces.push(REMOTE_DESKTOP_IFACE);
        }
        let backend = builder.build().expect("connecting the portal backend");
        let portals = dir.path().join("portals");
        std::fs::create_dir_all(&portals).unwrap();
        std::fs::write(
            portals.join(format!("{DESKTOP}.portal")),
            format!(
                "[portal]\nDBusName={BACKEND_NAME}\nInterfaces={};\nUseIn={DESKTOP}\n",
                interfaces.join(";")
            ),
        )
        .unwrap();
        let frontend = Command::new(FRONTEND)
            .arg("--replace")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
            .env("XDG_DESKTOP_PORTAL_DIR", &portals)
            .env("XDG_CURRENT_DESKTOP", DESKTOP)
            .env("XDG_RUNTIME_DIR", dir.path())
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting xdg-desktop-portal");
        bus.wait_for_name("org.freedesktop.portal.Desktop", Duration::from_secs(20));
        Self {
            frontend,
            backend,
            bus,
            state,
            _dir: dir,
        }
    }

    /// `DBUS_SESSION_BUS_ADDRESS` for the programs under test.
    pub fn bus_address(&self) -> &str {
        self.bus.address()
    }

    /// Waits for the `n`th `BindShortcuts` call (1-based) and returns what it bound; `None`
    /// when it did not come within `timeout`.
    pub fn wait_bound(&self, n: usize, timeout: Duration) -> Option<Vec<Bound>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some((_, bound)) = self.state.lock().unwrap().bindings.get(n - 1) {
                return Some(bound.clone());
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sessions closed so far (by the application or the frontend).
    pub fn closed_sessions(&self) -> Vec<String> {
        self.state.lock().unwrap().closed.clone()
    }

    fn shortcut_signal(&self, member: &str, id: &str) {
        let session = {
            let state = self.state.lock().unwrap();
            let (session, bound) = state.bindings.last().expect("no shortcut was bound");
            assert!(
                bound.iter().any(|b| b.id == id),
                "{id} is not among the bound shortcuts {bound:?}"
            );
            session.clone()
        };
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let session = ObjectPath::try_from(session.as_str()).unwrap();
        let options: HashMap<&str, Value<'_>> = HashMap::new();
        self.backend
            .emit_signal(
                None::<&str>,
                BACKEND_PATH,
                SHORTCUTS_IFACE,
                member,
                &(session, id, timestamp, options),
            )
            .expect("emitting the shortcut signal");
    }

    /// The person presses the shortcut `id` (as last bound).
    pub fn press(&self, id: &str) {
        self.shortcut_signal("Activated", id);
    }

    /// The person lets go of the shortcut `id`.
    pub fn release(&self, id: &str) {
        self.shortcut_signal("Deactivated", id);
    }

    /// From now on the person refuses remote desktop sessions on the permission dialog.
    pub fn refuse_remote_desktop(&self) {
        self.state.lock().unwrap().refuse = true;
    }

    /// How many remote desktop sessions were started (each would show the dialog).
    pub fn remote_desktop_starts(&self) -> u32 {
        self.state.lock().unwrap().started
    }

    /// Every key sent through the remote desktop session, in order.
    pub fn keys(&self) -> Vec<Key> {
        self.state.lock().unwrap().keys.clone()
    }

    /// The text the keys typed: each press of a character's keysym is that character, Return
    /// a newline; a press of V while Control is held is written `<paste>`.
    pub fn typed(&self) -> String {
        let mut text = String::new();
        let mut control = false;
        for key in self.keys() {
            match (key.keysym, key.pressed) {
                (0xffe3 | 0xffe4, down) => control = down,
                (_, false) => {}
                (0x76 | 0x56, true) if control => text.push_str("<paste>"),
                (0xff0d, true) => text.push('\n'),
                (0xff09, true) => text.push('\t'),
                (k, true) => {
                    let code = if k >= 0x0100_0000 { k - 0x0100_0000 } else { k };
                    text.extend(char::from_u32(code as u32));
                }
            }
        }
        text
    }

    /// Waits until [`DesktopPortal::typed`] ends with `suffix`.
    pub fn wait_typed(&self, suffix: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let typed = self.typed();
            if typed.ends_with(suffix) {
                return typed;
            }
            assert!(
                Instant::now() < deadline,
                "{suffix:?} was not typed within {timeout:?}; typed {typed:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for DesktopPortal {
    fn drop(&mut self) {
        let _ = self.frontend.kill();
        let _ = self.frontend.wait();
    }
}
