//! The desktop checks of `tonny doctor`: how dictation types, how it learns the focused
//! application, and which way the hotkeys reach TonnyTray.

use tonny_audio::portal::ShortcutPath;

use super::{Check, Status, check, on_path};

/// On Wayland: our own virtual keyboard where the compositor offers one (wlroots desktops),
/// else the desktop's RemoteDesktop portal (GNOME, KDE),
/// else what is left (ydotool, the clipboard) and why.
fn wayland_typing(checks: &mut Vec<Check>) {
    let why = match tonny_audio::virtual_keyboard::probe() {
        Ok(()) => {
            checks.push(check(
                "typing",
                Status::Ok,
                "Wayland: built-in virtual keyboard (every character, whatever the keyboard layout)",
                None,
            ));
            return;
        }
        Err(why) => why,
    };
    match tonny_audio::portal::offers(tonny_audio::portal::REMOTE_DESKTOP) {
        Ok(version) => checks.push(check(
            "typing",
            Status::Ok,
            format!(
                "Wayland: {why}; the desktop's RemoteDesktop portal types (version {version}; \
                 the desktop asks once for permission; ASCII is typed on any layout, other \
                 text is pasted)"
            ),
            None,
        )),
        Err(portal) if on_path("ydotool") => checks.push(check(
            "typing",
            Status::Warn,
            format!(
                "Wayland: {why}; {portal}; ydotool types instead (ASCII on a US layout only; other text is \
                 pasted, and ydotoold must be running)"
            ),
            Some("systemctl --user enable --now ydotool".into()),
        )),
        Err(portal) => checks.push(check(
            "typing",
            Status::Warn,
            format!(
                "Wayland: {why}; {portal}; and ydotool is not installed: dictation goes to the clipboard"
            ),
            Some("sudo apt-get install ydotool wl-clipboard".into()),
        )),
    }
}

pub(super) fn typing(checks: &mut Vec<Check>) {
    let wayland = std::env::var_os("WAYLAND_DISPLAY").is_some();
    let x11 = std::env::var_os("DISPLAY").is_some();
    if wayland {
        wayland_typing(checks);
    } else if x11 {
        if on_path("xdotool") {
            checks.push(check("typing", Status::Ok, "X11: xdotool", None));
        } else {
            checks.push(check(
                "typing",
                Status::Warn,
                "X11 session without xdotool: dictation cannot type into windows (the text goes to the clipboard)",
                Some("sudo apt-get install xdotool".into()),
            ));
        }
    } else {
        checks.push(check(
            "typing",
            Status::Warn,
            "no graphical session (neither DISPLAY nor WAYLAND_DISPLAY): dictation cannot type into windows",
            Some("run TonnyTray from your desktop session".into()),
        ));
    }
}

/// How dictation learns the focused application (its mode: verbatim in a terminal, mail in a
/// mail client), when there is a desktop to ask.
pub(super) fn dictation_modes(checks: &mut Vec<Check>) {
    let display = tonny_audio::typing::Display::detect();
    if display == tonny_audio::typing::Display::None {
        return; // the typing check already says there is no session
    }
    match tonny_audio::focus::focused_app(display) {
        Ok(app) => checks.push(check(
            "dictation modes",
            Status::Ok,
            format!(
                "the focused application is known (now {}): dictation.apps picks each one's mode",
                app.label()
            ),
            None,
        )),
        Err(why) => checks.push(check(
            "dictation modes",
            Status::Warn,
            format!(
                "the focused application cannot be told ({why}): dictation is written in \
                 dictation.mode everywhere"
            ),
            Some("tonny dictate --mode verbatim|clean|mail chooses one per dictation".into()),
        )),
    }
}

/// Which way the hotkeys reach TonnyTray and why ([`tonny_audio::portal::shortcut_path`], the
/// choice the daemon makes).
pub(super) fn hotkeys(checks: &mut Vec<Check>) {
    let without = "the tray's and the web UI's Talk work without hotkeys";
    checks.push(match tonny_audio::portal::shortcut_path() {
        ShortcutPath::Portal { version } => check(
            "hotkeys",
            Status::Ok,
            format!(
                "the desktop's GlobalShortcuts portal (version {version}): the desktop binds \
                 hotkeys.* and may ask you to confirm or choose other keys"
            ),
            None,
        ),
        ShortcutPath::X11 { why } if why.is_empty() => {
            check("hotkeys", Status::Ok, "X11 key grabs", None)
        }
        ShortcutPath::X11 { why } => check(
            "hotkeys",
            Status::Warn,
            format!(
                "X11 key grabs through Xwayland, which see the keys only while an X11 window \
                 has the focus ({why})"
            ),
            Some(format!(
                "a desktop with the GlobalShortcuts portal (GNOME 48, KDE Plasma 5.27 or later) \
                 gives TonnyTray hotkeys everywhere; {without}"
            )),
        ),
        ShortcutPath::None { why } => check(
            "hotkeys",
            Status::Warn,
            format!("no global hotkeys: {why}"),
            Some(without.into()),
        ),
    });
}
