//! Which application has the focused window, so dictation can be written the way it wants
//! (verbatim in a terminal, full sentences in mail).
//!
//! X11 is asked directly over its socket (x11rb, no tool needed): the window manager's
//! `_NET_ACTIVE_WINDOW`, else the input focus, walking up to the window that carries
//! `WM_CLASS`. On Wayland only some compositors say: sway (`swaymsg -t get_tree`) and Hyprland
//! (`hyprctl activewindow -j`); elsewhere the answer is "unknown" and the default mode applies.

use std::process::{Command, Stdio};

use serde_json::Value;
use tonny_core::dictation::FocusedApp;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt, Window};

use crate::typing::Display;

/// The focused application on `display`, or why it is unknown.
pub fn focused_app(display: Display) -> Result<FocusedApp, String> {
    match display {
        Display::X11 => x11_focused(),
        Display::Wayland => wayland_focused(),
        Display::None => Err("there is no graphical session".into()),
    }
}

fn x11_error(e: impl std::fmt::Display) -> String {
    format!("the X server did not say which window is focused ({e})")
}

/// `WM_CLASS` of `window` (instance, then class), when it has one.
fn wm_class(conn: &impl Connection, window: Window) -> Result<Option<Vec<String>>, String> {
    let reply = conn
        .get_property(false, window, AtomEnum::WM_CLASS, AtomEnum::STRING, 0, 256)
        .map_err(x11_error)?
        .reply()
        .map_err(x11_error)?;
    let names: Vec<String> = reply
        .value
        .split(|b| *b == 0)
        .filter(|n| !n.is_empty())
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    Ok((!names.is_empty()).then_some(names))
}

/// The window manager's active window, when it keeps `_NET_ACTIVE_WINDOW`.
fn active_window(conn: &impl Connection, root: Window) -> Result<Option<Window>, String> {
    let atom = conn
        .intern_atom(true, b"_NET_ACTIVE_WINDOW")
        .map_err(x11_error)?
        .reply()
        .map_err(x11_error)?
        .atom;
    if atom == 0 {
        return Ok(None);
    }
    let reply = conn
        .get_property(false, root, atom, AtomEnum::WINDOW, 0, 1)
        .map_err(x11_error)?
        .reply()
        .map_err(x11_error)?;
    Ok(reply
        .value32()
        .and_then(|mut v| v.next())
        .filter(|w| *w != 0))
}

fn x11_focused() -> Result<FocusedApp, String> {
    let (conn, screen) = x11rb::connect(None).map_err(x11_error)?;
    let root = conn.setup().roots[screen].root;
    let mut window = match active_window(&conn, root)? {
        Some(w) => w,
        None => {
            conn.get_input_focus()
                .map_err(x11_error)?
                .reply()
                .map_err(x11_error)?
                .focus
        }
    };
    // Focus often sits on a child of the application's window (xterm's text area): walk up.
    // 0 is "none", 1 "pointer root"; the depth bound guards against a broken tree.
    for _ in 0..32 {
        if window <= 1 || window == root {
            break;
        }
        if let Some(names) = wm_class(&conn, window)? {
            return Ok(FocusedApp { names });
        }
        window = conn
            .query_tree(window)
            .map_err(x11_error)?
            .reply()
            .map_err(x11_error)?
            .parent;
    }
    Err("no window is focused".into())
}

/// Runs a compositor's query tool and parses its JSON answer.
fn ask_json(program: &str, args: &[&str]) -> Result<Value, String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("{program} could not run: {e}"))?;
    if !out.status.success() {
        return Err(format!("{program} failed ({})", out.status));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("{program} gave no JSON: {e}"))
}

fn wayland_focused() -> Result<FocusedApp, String> {
    let set = |v| std::env::var_os(v).is_some_and(|s| !s.is_empty());
    if set("SWAYSOCK") {
        let tree = ask_json("swaymsg", &["-t", "get_tree", "--raw"])?;
        return sway_focused(&tree).ok_or_else(|| "sway reports no focused window".into());
    }
    if set("HYPRLAND_INSTANCE_SIGNATURE") {
        let window = ask_json("hyprctl", &["activewindow", "-j"])?;
        let names: Vec<String> = ["initialClass", "class"]
            .iter()
            .filter_map(|k| window.get(k).and_then(Value::as_str))
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
        return if names.is_empty() {
            Err("Hyprland reports no focused window".into())
        } else {
            Ok(FocusedApp { names })
        };
    }
    Err("this Wayland compositor does not tell applications which window is focused".into())
}

/// The focused window in sway's tree: its Wayland app id, or an X11 window's class.
pub fn sway_focused(node: &Value) -> Option<FocusedApp> {
    if node.get("focused").and_then(Value::as_bool) == Some(true) {
        let props = node.get("window_properties");
        let names: Vec<String> = [
            node.get("app_id"),
            props.and_then(|p| p.get("instance")),
            props.and_then(|p| p.get("class")),
        ]
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
        if !names.is_empty() {
            return Some(FocusedApp { names });
        }
    }
    ["nodes", "floating_nodes"]
        .iter()
        .filter_map(|k| node.get(k).and_then(Value::as_array))
        .flatten()
        .find_map(sway_focused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sways_focused_window_is_found_anywhere_in_its_tree() {
        let tree = serde_json::json!({
            "type": "root", "focused": false, "nodes": [{
                "type": "output", "focused": false, "nodes": [{
                    "type": "workspace", "focused": false, "nodes": [
                        {"type": "con", "focused": false, "app_id": "firefox"},
                    ],
                    "floating_nodes": [
                        {"type": "con", "focused": true, "app_id": null,
                         "window_properties": {"class": "XTerm", "instance": "xterm"}},
                    ]
                }]
            }]
        });
        assert_eq!(
            sway_focused(&tree).unwrap().names,
            ["xterm".to_string(), "XTerm".to_string()]
        );
        let workspace_focused = serde_json::json!({"focused": true, "nodes": []});
        assert_eq!(sway_focused(&workspace_focused), None);
    }

    #[test]
    fn without_a_session_the_reason_is_given() {
        assert!(focused_app(Display::None).is_err());
    }
}
