//! Putting text into the focused window: type it with the display server's tool, else paste it
//! from the clipboard, else leave it on the clipboard — and always say which happened (peers'
//! most common complaint is text that silently goes nowhere).
//!
//! On Wayland, our own virtual keyboard ([`crate::virtual_keyboard`]) where the compositor
//! offers one (wlroots), else the desktop's RemoteDesktop portal ([`crate::portal`]; GNOME,
//! KDE), then the tools. Elsewhere we drive the standard command-line tools (`xdotool`, `wtype`, `ydotool`, `xclip`/`xsel`,
//! `wl-copy`) instead of linking a keyboard-injection crate: each one already handles its display
//! server's keymaps and Unicode, Wayland has no in-process alternative, and the person can run the
//! same tool by hand to see what we see. Text goes through stdin, never argv, so dictated words do
//! not show up in the process list.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use async_trait::async_trait;
use tonny_core::output::{Delivery, OutputError, TextOutput};
use tonny_core::settings::{Trailing, TypingMethod, TypingSettings};

use crate::portal::RemoteKeyboard;
use crate::virtual_keyboard::Pickup;
use wait_timeout::ChildExt;

/// Which display server the session runs, from its environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// `WAYLAND_DISPLAY` is set.
    Wayland,
    /// `DISPLAY` is set (and not Wayland).
    X11,
    /// Neither: a console or a service.
    None,
}

impl Display {
    /// Reads `WAYLAND_DISPLAY` and `DISPLAY`.
    pub fn detect() -> Self {
        let set = |v| std::env::var_os(v).is_some_and(|s| !s.is_empty());
        if set("WAYLAND_DISPLAY") {
            Display::Wayland
        } else if set("DISPLAY") {
            Display::X11
        } else {
            Display::None
        }
    }
}

/// Longest a tool may take before it is stopped.
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);

/// Types text with the configured or detected tool.
#[derive(Debug, Clone)]
pub struct Typist {
    settings: TypingSettings,
    display: Display,
}

fn find(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(tool))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Runs `program args` and returns its output when it exits 0 within two seconds with text.
fn read_output(program: &Path, args: &[&str]) -> Option<String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut out).map(|_| out)
    });
    match child.wait_timeout(Duration::from_secs(2)) {
        Ok(Some(status)) if status.success() => {}
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        _ => return None,
    }
    let out = String::from_utf8(reader.join().ok()?.ok()?).ok()?;
    (!out.is_empty()).then_some(out)
}

// Runs `program args` with `input` on stdin; Ok when it exits 0. Output is discarded, not piped:
// `xclip` leaves a child serving the selection, which would hold a pipe open forever.
fn run(program: &Path, args: &[&str], input: Option<&str>) -> Result<(), String> {
    let name = program
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let mut child = Command::new(program)
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{name} could not start: {e}"))?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin
            .write_all(text.as_bytes())
            .map_err(|e| format!("{name} did not take the text: {e}"))?;
    }
    match child.wait_timeout(TOOL_TIMEOUT) {
        Ok(Some(status)) if status.success() => Ok(()),
        Ok(Some(status)) => Err(format!("{name} failed ({status})")),
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!(
                "{name} did not finish in {} s",
                TOOL_TIMEOUT.as_secs()
            ))
        }
        Err(e) => Err(format!("{name}: {e}")),
    }
}

/// How one tool types text and presses keys.
struct Keyboard {
    tool: &'static str,
    type_args: &'static [&'static str],
    enter_args: &'static [&'static str],
    paste_args: &'static [&'static str],
    /// Types with a US layout's key codes, so only ASCII on a US layout comes out right.
    us_keycodes_only: bool,
}

const XDOTOOL: Keyboard = Keyboard {
    tool: "xdotool",
    type_args: &["type", "--clearmodifiers", "--file", "-"],
    enter_args: &["key", "--clearmodifiers", "Return"],
    paste_args: &["key", "--clearmodifiers", "ctrl+v"],
    us_keycodes_only: false,
};
// `-s 150` first: wtype's virtual keyboard may be the seat's first keyboard, and the focused
// window needs a moment to take it or the first character is lost (see `virtual_keyboard`).
const WTYPE: Keyboard = Keyboard {
    tool: "wtype",
    type_args: &["-s", "150", "-"],
    enter_args: &["-s", "150", "-k", "Return"],
    paste_args: &["-s", "150", "-M", "ctrl", "v", "-m", "ctrl"],
    us_keycodes_only: false,
};
const YDOTOOL: Keyboard = Keyboard {
    tool: "ydotool",
    type_args: &["type", "--file", "-"],
    // Linux input key codes: 28 Enter, 29 left Ctrl, 47 V.
    enter_args: &["key", "28:1", "28:0"],
    paste_args: &["key", "29:1", "47:1", "47:0", "29:0"],
    us_keycodes_only: true,
};

/// One way of typing, in the order tried.
#[derive(Clone, Copy)]
enum Typer {
    /// Our own Wayland virtual keyboard ([`crate::virtual_keyboard`]).
    VirtualKeyboard,
    /// The desktop's RemoteDesktop portal ([`crate::portal::RemoteKeyboard`]).
    Portal,
    /// A command-line tool.
    Tool(&'static Keyboard),
}

/// The name reported for the built-in Wayland keyboard.
const VIRTUAL_KEYBOARD: &str = "wayland virtual keyboard";
/// The name reported for typing through the RemoteDesktop portal.
const PORTAL: &str = "remote desktop portal";

impl Typer {
    fn name(self) -> &'static str {
        match self {
            Typer::VirtualKeyboard => VIRTUAL_KEYBOARD,
            Typer::Portal => PORTAL,
            Typer::Tool(kb) => kb.tool,
        }
    }

    /// Whether this typer can still press Ctrl+V after failing to type `text`: a tool that is
    /// installed, or the portal when only the characters stopped it.
    fn can_paste_after_failing(self, text: &str) -> bool {
        match self {
            Typer::VirtualKeyboard => false,
            Typer::Portal => RemoteKeyboard::cannot_type(text).is_some(),
            Typer::Tool(kb) => find(kb.tool).is_some(),
        }
    }
}

/// The session's first keyboard layout when the system says (`XKB_DEFAULT_LAYOUT`, Debian's
/// `/etc/default/keyboard`); `None` when unknown.
fn keyboard_layout() -> Option<String> {
    if let Some(l) = std::env::var_os("XKB_DEFAULT_LAYOUT") {
        return Some(l.to_string_lossy().split(',').next()?.trim().to_owned());
    }
    let conf = std::fs::read_to_string("/etc/default/keyboard").ok()?;
    conf.lines()
        .find_map(|l| l.trim().strip_prefix("XKBLAYOUT="))
        .and_then(|v| v.trim_matches('"').split(',').next().map(str::to_owned))
        .filter(|l| !l.is_empty())
}

/// Why `kb` would type `text` wrongly, if it would.
fn cannot_type(kb: &Keyboard, text: &str) -> Option<String> {
    if !kb.us_keycodes_only {
        return None;
    }
    if !text.is_ascii() {
        return Some(format!(
            "{} types only ASCII characters (the text has others)",
            kb.tool
        ));
    }
    match keyboard_layout() {
        Some(layout) if layout != "us" => Some(format!(
            "{} types US key codes and the keyboard layout is {layout}",
            kb.tool
        )),
        _ => None,
    }
}

/// How long the window gets to read a pasted clipboard before the person's own is put back.
const PASTE_SETTLE: Duration = Duration::from_millis(300);

impl Typist {
    /// A typist for the current session's display server.
    pub fn from_settings(settings: &TypingSettings) -> Self {
        Self::for_display(settings, Display::detect())
    }

    /// A typist for `display` (tests pick it explicitly).
    pub fn for_display(settings: &TypingSettings, display: Display) -> Self {
        Self {
            settings: settings.clone(),
            display,
        }
    }

    fn typers(&self) -> Vec<Typer> {
        use Typer::{Portal, Tool, VirtualKeyboard};
        match (self.settings.method, self.display) {
            (TypingMethod::Clipboard, _) => vec![],
            (TypingMethod::Wayland, _) => vec![VirtualKeyboard],
            (TypingMethod::Portal, _) => vec![Portal],
            (TypingMethod::Xdotool, _) => vec![Tool(&XDOTOOL)],
            (TypingMethod::Wtype, _) => vec![Tool(&WTYPE)],
            (TypingMethod::Ydotool, _) => vec![Tool(&YDOTOOL)],
            (TypingMethod::Auto, Display::Wayland) => {
                vec![VirtualKeyboard, Portal, Tool(&WTYPE), Tool(&YDOTOOL)]
            }
            (TypingMethod::Auto, Display::X11) => vec![Tool(&XDOTOOL), Tool(&YDOTOOL)],
            (TypingMethod::Auto, Display::None) => vec![Tool(&YDOTOOL)],
        }
    }

    fn clipboards(&self) -> Vec<(&'static str, &'static [&'static str])> {
        match self.display {
            Display::Wayland => vec![("wl-copy", &[])],
            Display::X11 => vec![
                ("xclip", &["-selection", "clipboard", "-in"]),
                ("xsel", &["--clipboard", "--input"]),
            ],
            Display::None => vec![],
        }
    }

    /// The text on the clipboard now, to put back after a paste; `None` when empty, not text,
    /// or unreadable.
    fn clipboard_text(&self) -> Option<String> {
        let readers: &[(&str, &[&str])] = match self.display {
            Display::Wayland => &[("wl-paste", &["--no-newline", "--type", "text/plain"])],
            Display::X11 => &[
                ("xclip", &["-selection", "clipboard", "-out"]),
                ("xsel", &["--clipboard", "--output"]),
            ],
            Display::None => &[],
        };
        readers
            .iter()
            .find_map(|(tool, args)| read_output(&find(tool)?, args))
    }

    fn copy(&self, text: &str) -> Result<String, String> {
        let mut why = Vec::new();
        for (tool, args) in self.clipboards() {
            match find(tool) {
                Some(path) => match run(&path, args, Some(text)) {
                    Ok(()) => return Ok(tool.to_owned()),
                    Err(e) => why.push(e),
                },
                None => why.push(format!("{tool} is not installed")),
            }
        }
        if self.display == Display::None {
            why.push("there is no graphical session to hold a clipboard".into());
        }
        Err(why.join("; "))
    }

    /// Types `text` with `typer`, pressing Enter after it when asked.
    fn type_with(&self, typer: Typer, text: &str) -> Result<(), String> {
        match typer {
            Typer::VirtualKeyboard => {
                let mut keys = text.to_owned();
                if self.settings.press_enter {
                    keys.push('\n');
                }
                crate::virtual_keyboard::type_text(&keys, Pickup::WhenSeatHadNoKeyboard)
                    .map(|_| ())
                    .map_err(|e| format!("{VIRTUAL_KEYBOARD}: {e}"))
            }
            Typer::Portal => {
                let mut keys = text.to_owned();
                if self.settings.press_enter {
                    keys.push('\n');
                }
                RemoteKeyboard::type_text(&keys)
            }
            Typer::Tool(kb) => {
                let path = find(kb.tool).ok_or_else(|| format!("{} is not installed", kb.tool))?;
                if let Some(why) = cannot_type(kb, text) {
                    return Err(why);
                }
                run(&path, kb.type_args, Some(text))?;
                if self.settings.press_enter
                    && let Err(e) = run(&path, kb.enter_args, None)
                {
                    tracing::warn!("text typed but Enter not pressed: {e}");
                }
                Ok(())
            }
        }
    }

    /// Presses Ctrl+V with `typer`.
    fn press_paste(typer: Typer) -> Result<(), String> {
        match typer {
            Typer::Tool(kb) => {
                let path = find(kb.tool).ok_or_else(|| format!("{} is not installed", kb.tool))?;
                run(&path, kb.paste_args, None)
            }
            Typer::Portal => RemoteKeyboard::paste(),
            Typer::VirtualKeyboard => Err("the virtual keyboard does not paste".into()),
        }
    }

    /// Puts `text` on the clipboard and has `presser` press Ctrl+V, then puts the person's own
    /// clipboard text back. `Err` carries why the text is only on the clipboard.
    fn paste(&self, presser: Option<Typer>, text: &str) -> Result<Delivery, String> {
        let previous = presser.and_then(|_| self.clipboard_text());
        let clip = self.copy(text)?;
        let Some(presser) = presser else {
            return Ok(Delivery::Clipboard {
                tool: clip,
                reason: String::new(),
            });
        };
        if let Err(e) = Self::press_paste(presser) {
            tracing::debug!("Ctrl+V could not be pressed: {e}");
            return Ok(Delivery::Clipboard {
                tool: clip,
                reason: String::new(),
            });
        }
        if let Some(previous) = previous {
            std::thread::sleep(PASTE_SETTLE);
            if let Err(e) = self.copy(&previous) {
                tracing::warn!("the clipboard could not be put back after pasting: {e}");
            }
        }
        Ok(Delivery::Pasted {
            tool: format!("{clip} + {}", presser.name()),
        })
    }

    /// Types, pastes or copies `text` (blocking; run it off the async runtime).
    pub fn deliver_blocking(&self, text: &str) -> Result<Delivery, OutputError> {
        let mut full = text.to_owned();
        match self.settings.trailing {
            Trailing::None => {}
            Trailing::Space => full.push(' '),
            Trailing::Newline => full.push('\n'),
        }
        let mut why = Vec::new();
        let mut can_paste = None;
        for typer in self.typers() {
            match self.type_with(typer, &full) {
                Ok(()) => {
                    return Ok(Delivery::Typed {
                        tool: typer.name().to_owned(),
                    });
                }
                Err(e) => {
                    why.push(e);
                    // A typer that could not type may still paste (characters missing from
                    // its keymap, another layout).
                    if typer.can_paste_after_failing(&full) {
                        can_paste.get_or_insert(typer);
                    }
                }
            }
        }
        if self.settings.method == TypingMethod::Clipboard {
            why.push("typing.method is clipboard".into());
        } else if self.display == Display::None && why.is_empty() {
            why.push("there is no graphical session to type into".into());
        }
        let reason = if why.is_empty() {
            "no typing tool applies".to_owned()
        } else {
            why.join("; ")
        };
        match self.paste(can_paste, &full) {
            Ok(Delivery::Clipboard { tool, .. }) => Ok(Delivery::Clipboard { tool, reason }),
            Ok(delivery) => Ok(delivery),
            Err(clip_why) => Err(OutputError(format!(
                "the text could not be typed ({reason}) nor copied to the clipboard ({clip_why}); \
                 install xdotool and xclip (X11) or wl-clipboard (Wayland)"
            ))),
        }
    }
}

#[async_trait]
impl TextOutput for Typist {
    async fn deliver(&self, text: &str) -> Result<Delivery, OutputError> {
        let (me, text) = (self.clone(), text.to_owned());
        tokio::task::spawn_blocking(move || me.deliver_blocking(&text))
            .await
            .map_err(|e| OutputError(format!("typing stopped unexpectedly: {e}")))?
    }

    async fn focused_app(&self) -> Option<tonny_core::dictation::FocusedApp> {
        let display = self.display;
        match tokio::task::spawn_blocking(move || crate::focus::focused_app(display)).await {
            Ok(Ok(app)) => Some(app),
            Ok(Err(why)) => {
                tracing::debug!("focused application unknown: {why}");
                None
            }
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tools(method: TypingMethod, display: Display) -> Vec<&'static str> {
        let settings = TypingSettings {
            method,
            ..TypingSettings::default()
        };
        Typist::for_display(&settings, display)
            .typers()
            .iter()
            .map(|t| t.name())
            .collect()
    }

    #[test]
    fn the_typing_tool_follows_the_display_server_unless_one_is_chosen() {
        assert_eq!(
            tools(TypingMethod::Auto, Display::X11),
            ["xdotool", "ydotool"]
        );
        assert_eq!(
            tools(TypingMethod::Auto, Display::Wayland),
            [VIRTUAL_KEYBOARD, PORTAL, "wtype", "ydotool"]
        );
        assert_eq!(tools(TypingMethod::Portal, Display::Wayland), [PORTAL]);
        assert_eq!(
            tools(TypingMethod::Wayland, Display::Wayland),
            [VIRTUAL_KEYBOARD]
        );
        assert_eq!(tools(TypingMethod::Auto, Display::None), ["ydotool"]);
        assert_eq!(tools(TypingMethod::Wtype, Display::X11), ["wtype"]);
        assert!(tools(TypingMethod::Clipboard, Display::X11).is_empty());
    }

    #[test]
    fn without_a_session_nothing_is_lost_silently() {
        let t = Typist::for_display(
            &TypingSettings {
                method: TypingMethod::Clipboard,
                ..TypingSettings::default()
            },
            Display::None,
        );
        let e = t.deliver_blocking("hello").unwrap_err().to_string();
        assert!(e.contains("typing.method is clipboard"), "{e}");
        assert!(e.contains("no graphical session"), "{e}");
        assert!(e.contains("install xdotool"), "{e}");
    }
}
