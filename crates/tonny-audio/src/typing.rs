//! Putting text into the focused window: type it with the display server's tool, else paste it
//! from the clipboard, else leave it on the clipboard — and always say which happened (peers'
//! most common complaint is text that silently goes nowhere).
//!
//! We drive the standard command-line tools (`xdotool`, `wtype`, `ydotool`, `xclip`/`xsel`,
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
}

const XDOTOOL: Keyboard = Keyboard {
    tool: "xdotool",
    type_args: &["type", "--clearmodifiers", "--file", "-"],
    enter_args: &["key", "--clearmodifiers", "Return"],
    paste_args: &["key", "--clearmodifiers", "ctrl+v"],
};
const WTYPE: Keyboard = Keyboard {
    tool: "wtype",
    type_args: &["-"],
    enter_args: &["-k", "Return"],
    paste_args: &["-M", "ctrl", "v", "-m", "ctrl"],
};
const YDOTOOL: Keyboard = Keyboard {
    tool: "ydotool",
    type_args: &["type", "--file", "-"],
    // Linux input key codes: 28 Enter, 29 left Ctrl, 47 V.
    enter_args: &["key", "28:1", "28:0"],
    paste_args: &["key", "29:1", "47:1", "47:0", "29:0"],
};

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

    fn keyboards(&self) -> Vec<&'static Keyboard> {
        match (self.settings.method, self.display) {
            (TypingMethod::Clipboard, _) => vec![],
            (TypingMethod::Xdotool, _) => vec![&XDOTOOL],
            (TypingMethod::Wtype, _) => vec![&WTYPE],
            (TypingMethod::Ydotool, _) => vec![&YDOTOOL],
            (TypingMethod::Auto, Display::Wayland) => vec![&WTYPE, &YDOTOOL],
            (TypingMethod::Auto, Display::X11) => vec![&XDOTOOL, &YDOTOOL],
            (TypingMethod::Auto, Display::None) => vec![&YDOTOOL],
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

    /// Types, pastes or copies `text` (blocking; run it off the async runtime).
    pub fn deliver_blocking(&self, text: &str) -> Result<Delivery, OutputError> {
        let mut full = text.to_owned();
        match self.settings.trailing {
            Trailing::None => {}
            Trailing::Space => full.push(' '),
            Trailing::Newline => full.push('\n'),
        }
        let mut why = Vec::new();
        let mut failed_keyboard = None;
        for kb in self.keyboards() {
            let Some(path) = find(kb.tool) else {
                why.push(format!("{} is not installed", kb.tool));
                continue;
            };
            match run(&path, kb.type_args, Some(&full)) {
                Ok(()) => {
                    if self.settings.press_enter
                        && let Err(e) = run(&path, kb.enter_args, None)
                    {
                        tracing::warn!("text typed but Enter not pressed: {e}");
                    }
                    return Ok(Delivery::Typed {
                        tool: kb.tool.to_owned(),
                    });
                }
                Err(e) => {
                    why.push(e);
                    failed_keyboard.get_or_insert((kb, path));
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
        match self.copy(&full) {
            Ok(clip) => {
                // A keyboard that exists but could not type may still paste (e.g. characters
                // missing from the keymap).
                if let Some((kb, path)) = failed_keyboard
                    && run(&path, kb.paste_args, None).is_ok()
                {
                    return Ok(Delivery::Pasted {
                        tool: format!("{clip} + {}", kb.tool),
                    });
                }
                Ok(Delivery::Clipboard { tool: clip, reason })
            }
            Err(clip_why) => Err(OutputError(format!(
                "the text could not be typed ({reason}) nor copied to the clipboard ({clip_why}); \
                 install xdotool and xclip (X11) or wtype and wl-clipboard (Wayland)"
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
            .keyboards()
            .iter()
            .map(|k| k.tool)
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
            ["wtype", "ydotool"]
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
