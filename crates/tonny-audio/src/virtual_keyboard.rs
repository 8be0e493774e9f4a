//! Typing on Wayland through the virtual-keyboard protocol (`zwp_virtual_keyboard_v1`, offered by
//! sway, Hyprland, river, labwc, Wayfire and other wlroots desktops), spoken by us rather than by
//! `wtype` so that we can see the one thing that makes typing lose its first character.
//!
//! Why the first character goes missing: when the seat has no keyboard yet (a headless session,
//! a tablet, a kiosk), our virtual keyboard is the seat's first, and the focused application only
//! asks for a `wl_keyboard` once the compositor announces the keyboard capability. Keys sent in
//! the meantime reach nobody; the focused window learns of a key already held only through the
//! `enter` event's "pressed keys", which applications rightly do not type. `wtype "hello"` in
//! headless sway therefore types "ello". We read the seat's capabilities before creating our
//! keyboard and, when it had none, give the focused application [`KEYBOARD_PICKUP`] to take the
//! new keyboard before the first key. (With a physical keyboard present nothing waits: the
//! compositor sends our keymap to the window ahead of our first key.)
//!
//! The keymap is our own: every character of the text gets a key whose only symbol is that
//! character, so the person's layout (German, French, Dvorak) does not change what is typed and
//! any Unicode character can be typed, as `wtype` does it. Hand-written on `wayland-client`
//! because no maintained crate types text through this protocol as a library.

use std::io::Write;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use wayland_client::globals::{BindError, GlobalError, GlobalListContents, registry_queue_init};
use wayland_client::protocol::{wl_registry, wl_seat};
use wayland_client::{Connection, Dispatch, EventQueue, QueueHandle, WEnum, delegate_noop};
use wayland_protocols_misc::zwp_virtual_keyboard_v1::client::{
    zwp_virtual_keyboard_manager_v1::ZwpVirtualKeyboardManagerV1,
    zwp_virtual_keyboard_v1::ZwpVirtualKeyboardV1,
};

/// How long the focused application gets to take a keyboard the seat did not have before.
/// It answers the capability within a few milliseconds; the margin is for a busy machine.
pub const KEYBOARD_PICKUP: Duration = Duration::from_millis(150);

/// Most distinct characters in one keymap: X11 clients behind Xwayland see key codes up to 255.
const KEYS_PER_KEYMAP: usize = 200;

/// `wl_keyboard.keymap_format.xkb_v1`.
const XKB_V1: u32 = 1;

/// Why the virtual keyboard could not type.
#[derive(Debug, thiserror::Error)]
pub enum VirtualKeyboardError {
    /// No Wayland session to connect to.
    #[error("could not connect to the Wayland display: {0}")]
    Connect(#[source] wayland_client::ConnectError),
    /// The compositor's socket could not be reached.
    #[error("could not connect to the Wayland compositor's socket: {0}")]
    Socket(#[source] std::io::Error),
    /// The compositor does not offer virtual keyboards (GNOME and KDE do not).
    #[error(
        "this desktop does not offer virtual keyboards to applications (zwp_virtual_keyboard_v1; \
         GNOME and KDE do not)"
    )]
    Unsupported(#[source] BindError),
    /// The compositor has no seat to type on.
    #[error("the Wayland compositor has no seat: {0}")]
    NoSeat(#[source] BindError),
    /// The compositor closed the connection or refused a request.
    #[error("the Wayland compositor stopped the typing: {0}")]
    Protocol(String),
    /// The keymap could not be written to a temporary file.
    #[error("the keymap could not be written: {0}")]
    Keymap(#[source] std::io::Error),
}

impl From<GlobalError> for VirtualKeyboardError {
    fn from(e: GlobalError) -> Self {
        Self::Protocol(e.to_string())
    }
}

impl From<wayland_client::DispatchError> for VirtualKeyboardError {
    fn from(e: wayland_client::DispatchError) -> Self {
        Self::Protocol(e.to_string())
    }
}

/// Whether to wait for the focused application to take a new keyboard (tests turn it off to
/// show the first character lost without it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pickup {
    /// Wait [`KEYBOARD_PICKUP`] when the seat had no keyboard before ours.
    WhenSeatHadNoKeyboard,
    /// Type at once.
    Never,
}

#[derive(Default)]
struct SeatState {
    has_keyboard: Option<bool>,
}

impl Dispatch<wl_registry::WlRegistry, GlobalListContents> for SeatState {
    fn event(
        _: &mut Self,
        _: &wl_registry::WlRegistry,
        _: wl_registry::Event,
        _: &GlobalListContents,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<wl_seat::WlSeat, ()> for SeatState {
    fn event(
        state: &mut Self,
        _: &wl_seat::WlSeat,
        event: wl_seat::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let wl_seat::Event::Capabilities {
            capabilities: WEnum::Value(caps),
        } = event
        {
            state.has_keyboard = Some(caps.contains(wl_seat::Capability::Keyboard));
        }
    }
}

delegate_noop!(SeatState: ignore ZwpVirtualKeyboardManagerV1);
delegate_noop!(SeatState: ignore ZwpVirtualKeyboardV1);

/// What one call typed, for the log and the benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Typed {
    /// Characters sent as keys.
    pub chars: usize,
    /// Whether we waited for the focused application to take the keyboard.
    pub waited_for_pickup: bool,
}

/// Types `text` into the focused window of the Wayland session in the environment
/// (`WAYLAND_DISPLAY`, `XDG_RUNTIME_DIR`). Blocking.
pub fn type_text(text: &str, pickup: Pickup) -> Result<Typed, VirtualKeyboardError> {
    let conn = Connection::connect_to_env().map_err(VirtualKeyboardError::Connect)?;
    type_on(&conn, text, pickup)
}

/// Whether the Wayland session in the environment offers virtual keyboards, without typing
/// (`tonny doctor`).
pub fn probe() -> Result<(), VirtualKeyboardError> {
    let conn = Connection::connect_to_env().map_err(VirtualKeyboardError::Connect)?;
    let (globals, queue) = registry_queue_init::<SeatState>(&conn)?;
    let qh = queue.handle();
    let _: wl_seat::WlSeat = globals
        .bind(&qh, 1..=7, ())
        .map_err(VirtualKeyboardError::NoSeat)?;
    let _: ZwpVirtualKeyboardManagerV1 = globals
        .bind(&qh, 1..=1, ())
        .map_err(VirtualKeyboardError::Unsupported)?;
    Ok(())
}

/// [`type_text`] on the compositor listening at `socket` (tests run several at once).
pub fn type_text_at(
    socket: &std::path::Path,
    text: &str,
    pickup: Pickup,
) -> Result<Typed, VirtualKeyboardError> {
    let stream =
        std::os::unix::net::UnixStream::connect(socket).map_err(VirtualKeyboardError::Socket)?;
    let conn = Connection::from_socket(stream).map_err(VirtualKeyboardError::Connect)?;
    type_on(&conn, text, pickup)
}

fn type_on(conn: &Connection, text: &str, pickup: Pickup) -> Result<Typed, VirtualKeyboardError> {
    let (globals, mut queue) = registry_queue_init::<SeatState>(conn)?;
    let qh = queue.handle();
    let seat: wl_seat::WlSeat = globals
        .bind(&qh, 1..=7, ())
        .map_err(VirtualKeyboardError::NoSeat)?;
    let manager: ZwpVirtualKeyboardManagerV1 = globals
        .bind(&qh, 1..=1, ())
        .map_err(VirtualKeyboardError::Unsupported)?;
    let mut state = SeatState::default();
    queue.roundtrip(&mut state)?;
    let seat_had_keyboard = state.has_keyboard.unwrap_or(false);

    let keyboard = manager.create_virtual_keyboard(&seat, &qh, ());
    let mut session = Session {
        keyboard: &keyboard,
        queue: &mut queue,
        state: &mut state,
        started: Instant::now(),
    };
    let chars = text.chars().filter(|c| key_symbol(*c).is_some()).count();
    let mut waited = false;
    let result = (|| {
        for (n, chunk) in chunks(text)
            .iter()
            .filter(|c| !c.text.is_empty())
            .enumerate()
        {
            session.upload_keymap(chunk)?;
            if n == 0 && !seat_had_keyboard && pickup == Pickup::WhenSeatHadNoKeyboard {
                std::thread::sleep(KEYBOARD_PICKUP);
                waited = true;
            }
            session.type_chunk(chunk)?;
        }
        Ok(())
    })();
    keyboard.destroy();
    let _ = conn.flush();
    result.map(|()| Typed {
        chars,
        waited_for_pickup: waited,
    })
}

/// The keysym name xkbcommon reads for `c` (`U00E9`), or `None` for characters no key types.
fn key_symbol(c: char) -> Option<String> {
    match c {
        '\n' => Some("Return".into()),
        '\t' => Some("Tab".into()),
        c if c.is_control() => None,
        c => Some(format!("U{:04X}", u32::from(c))),
    }
}

/// The text cut so that no piece holds more than [`KEYS_PER_KEYMAP`] distinct characters; each
/// piece lists its characters in the order they get key codes.
fn chunks(text: &str) -> Vec<Chunk> {
    let mut out = vec![Chunk::default()];
    for c in text.chars().filter(|c| key_symbol(*c).is_some()) {
        let last = out.last_mut().expect("never empty");
        if !last.keys.contains(&c) && last.keys.len() == KEYS_PER_KEYMAP {
            out.push(Chunk::default());
        }
        let last = out.last_mut().expect("never empty");
        if !last.keys.contains(&c) {
            last.keys.push(c);
        }
        last.text.push(c);
    }
    out
}

#[derive(Default, Debug)]
struct Chunk {
    keys: Vec<char>,
    text: Vec<char>,
}

impl Chunk {
    /// The keymap giving character `keys[i]` the key code `i + 9` (evdev code `i + 1`).
    fn keymap(&self) -> String {
        let mut codes = String::new();
        let mut symbols = String::new();
        for (i, c) in self.keys.iter().enumerate() {
            let sym = key_symbol(*c).expect("only typable characters are kept");
            codes.push_str(&format!("<K{i}> = {};\n", i + 9));
            symbols.push_str(&format!("key <K{i}> {{[ {sym} ]}};\n"));
        }
        format!(
            "xkb_keymap {{\nxkb_keycodes \"tonny\" {{\nminimum = 8;\nmaximum = {};\n{codes}}};\n\
             xkb_types \"tonny\" {{ include \"complete\" }};\n\
             xkb_compatibility \"tonny\" {{ include \"complete\" }};\n\
             xkb_symbols \"tonny\" {{\n{symbols}}};\n}};\n",
            self.keys.len() + 9
        )
    }

    fn evdev_code(&self, c: char) -> u32 {
        let i = self.keys.iter().position(|k| *k == c).expect("in keymap");
        i as u32 + 1
    }
}

struct Session<'a> {
    keyboard: &'a ZwpVirtualKeyboardV1,
    queue: &'a mut EventQueue<SeatState>,
    state: &'a mut SeatState,
    started: Instant,
}

impl Session<'_> {
    fn upload_keymap(&mut self, chunk: &Chunk) -> Result<(), VirtualKeyboardError> {
        let mut file = tempfile::tempfile().map_err(VirtualKeyboardError::Keymap)?;
        let mut keymap = chunk.keymap().into_bytes();
        keymap.push(0); // the compositor reads a C string
        file.write_all(&keymap)
            .map_err(VirtualKeyboardError::Keymap)?;
        self.keyboard
            .keymap(XKB_V1, file.as_fd(), keymap.len() as u32);
        self.keyboard.modifiers(0, 0, 0, 0);
        self.queue.roundtrip(self.state)?;
        Ok(())
    }

    fn type_chunk(&mut self, chunk: &Chunk) -> Result<(), VirtualKeyboardError> {
        for c in &chunk.text {
            let code = chunk.evdev_code(*c);
            for pressed in [1, 0] {
                let time = self.started.elapsed().as_millis() as u32;
                self.keyboard.key(time, code, pressed);
                // One round trip per key event: the compositor has passed it on before the next,
                // so a fast burst is not merged or reordered by a busy client.
                self.queue.roundtrip(self.state)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_character_gets_one_key_whatever_the_layout() {
        let chunk = &chunks("café\nça")[0];
        assert_eq!(chunk.keys, ['c', 'a', 'f', 'é', '\n', 'ç']);
        let keymap = chunk.keymap();
        assert!(keymap.contains("key <K3> {[ U00E9 ]};"), "{keymap}");
        assert!(keymap.contains("key <K4> {[ Return ]};"), "{keymap}");
        assert!(keymap.contains("maximum = 15;"), "{keymap}");
        assert_eq!(chunk.evdev_code('a'), 2);
    }

    #[test]
    fn long_texts_of_many_characters_are_typed_in_pieces() {
        let text: String = (0..450u32)
            .filter_map(|i| char::from_u32(0x4e00 + i))
            .collect();
        let pieces = chunks(&text);
        assert_eq!(pieces.len(), 3);
        assert!(pieces.iter().all(|p| p.keys.len() <= KEYS_PER_KEYMAP));
        assert_eq!(pieces.iter().map(|p| p.text.len()).sum::<usize>(), 450);
    }

    #[test]
    fn control_characters_other_than_line_breaks_and_tabs_are_skipped() {
        assert_eq!(chunks("a\u{7}b\tc")[0].text, ['a', 'b', '\t', 'c']);
    }
}
