//! Wayland desktops that keep the keyboard to themselves (GNOME, KDE): hotkeys through the
//! GlobalShortcuts portal and typing through the RemoteDesktop portal, each found by
//! detection and named by `tonny doctor`. The real `xdg-desktop-portal` frontend runs with
//! the testkit's backend standing in for the desktop's (see `tonny_testkit::portal`).

use std::time::Duration;

use serde_json::json;
use tonny_testkit::portal::Offers;
use tonny_testkit::{
    DaemonApi, DesktopPortal, PulseServer, Sway, TempHome, of_type, speech, text_of,
};

use crate::tonny;

const BOTH: Offers = Offers {
    shortcuts: true,
    remote_desktop: true,
};

fn trigger_of(bound: &[tonny_testkit::portal::Bound], id: &str) -> Option<String> {
    bound
        .iter()
        .find(|b| b.id == id)
        .unwrap_or_else(|| panic!("{id} was not bound: {bound:?}"))
        .preferred_trigger
        .clone()
}

#[test]
fn hotkeys_come_through_the_global_shortcuts_portal_and_follow_a_settings_change() {
    let home = TempHome::new();
    let (pulse, sway) = (PulseServer::start(), Sway::start());
    let portal = DesktopPortal::start(BOTH);
    let run = tonny(&home)
        .pulse(&pulse)
        .wayland(&sway)
        .env("DBUS_SESSION_BUS_ADDRESS", portal.bus_address())
        .env("TONNY_STT_MODEL", speech::model_dir())
        .args(["serve", "--port", "0", "--silent"])
        .spawn();
    let api = DaemonApi::wait(home.path(), Duration::from_secs(120));
    let events = api.events();
    // The settings' combinations are offered to the desktop as preferred triggers.
    let bound = portal
        .wait_bound(1, Duration::from_secs(10))
        .unwrap_or_else(|| panic!("no shortcuts bound: {}", run.stderr_text()));
    assert_eq!(
        trigger_of(&bound, "push_to_talk").as_deref(),
        Some("CTRL+SHIFT+space")
    );
    assert_eq!(
        trigger_of(&bound, "toggle_listening").as_deref(),
        Some("CTRL+SHIFT+l")
    );
    assert_eq!(
        trigger_of(&bound, "cancel").as_deref(),
        Some("CTRL+SHIFT+Escape")
    );

    // Held while speaking: the recording lasts until the desktop says the keys were let go.
    portal.press("push_to_talk");
    events.wait_for(Duration::from_secs(30), of_type("listening"));
    pulse.wait_for_recording(Duration::from_secs(10));
    pulse.speak_wav(&speech::shared_audio_dir().join("timer.wav"));
    std::thread::sleep(Duration::from_millis(3000));
    assert!(
        events.of("transcript").is_empty(),
        "still recording while held: {}",
        run.stderr_text()
    );
    portal.release("push_to_talk");
    let heard = events.wait_for(Duration::from_secs(60), of_type("transcript"));
    assert!(text_of(&heard).contains("timer"), "{heard}");

    // A changed combination is offered again in a new session; the old one is closed.
    api.patch_settings(json!({"hotkeys.toggle_listening": "Ctrl+Alt+T"}));
    let bound = portal
        .wait_bound(2, Duration::from_secs(10))
        .unwrap_or_else(|| panic!("not bound again: {}", run.stderr_text()));
    assert_eq!(
        trigger_of(&bound, "toggle_listening").as_deref(),
        Some("CTRL+ALT+t")
    );
    assert!(
        !portal.closed_sessions().is_empty(),
        "the old session stays"
    );
    events.wait_for(Duration::from_secs(30), |e| {
        e["type"] == "state_changed" && e["to"]["state"] == "idle"
    });
    portal.press("toggle_listening");
    portal.release("toggle_listening");
    let listening = events.of("listening").len();
    let start = std::time::Instant::now();
    while events.of("listening").len() == listening {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the rebound toggle did not listen: {}",
            run.stderr_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = run.finish_after_kill();
}

/// `tonny dictate --file` with the RemoteDesktop portal as the typing method.
fn dictate_through_portal(
    home: &TempHome,
    sway: &Sway,
    portal: &DesktopPortal,
) -> serde_json::Value {
    tonny(home)
        .wayland(sway)
        .env("DBUS_SESSION_BUS_ADDRESS", portal.bus_address())
        .env("TONNY_STT_MODEL", speech::model_dir())
        .env("TONNY_TYPING_METHOD", "portal")
        .args(["--json", "dictate", "--mode", "verbatim", "--file"])
        .arg_path(&speech::shared_audio_dir().join("lights.wav"))
        .run()
        .ok()
        .json()
}

fn wl_clipboard(sway: &Sway, set: Option<&str>) -> String {
    let mut cmd = std::process::Command::new(if set.is_some() { "wl-copy" } else { "wl-paste" });
    cmd.env("WAYLAND_DISPLAY", sway.wayland_display());
    match set {
        Some(text) => {
            let status = cmd.arg(text).status().expect("wl-copy");
            assert!(status.success());
            String::new()
        }
        None => {
            let out = cmd.arg("--no-newline").output().expect("wl-paste");
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    }
}

#[test]
fn dictation_types_through_the_remote_desktop_portal_and_pastes_what_it_cannot_type() {
    let home = TempHome::new();
    let sway = Sway::start();
    let portal = DesktopPortal::start(BOTH);

    // ASCII: every character typed as a keysym, the trailing space too.
    let out = dictate_through_portal(&home, &sway, &portal);
    assert_eq!(out["delivery"]["how"], "typed", "{out}");
    assert_eq!(out["delivery"]["tool"], "remote desktop portal", "{out}");
    let text = out["dictated"]["text"].as_str().unwrap().to_owned();
    assert!(text.is_ascii() && !text.is_empty(), "{out}");
    assert_eq!(
        portal.wait_typed(" ", Duration::from_secs(5)),
        format!("{text} ")
    );
    assert_eq!(portal.remote_desktop_starts(), 1);

    // Not ASCII: pasted with Ctrl+V through the portal; the person's clipboard comes back.
    wl_clipboard(&sway, Some("the person's own clipboard"));
    tonny(&home)
        .args(["vocab", "replace", "lights", "lumières"])
        .run()
        .ok();
    let out = dictate_through_portal(&home, &sway, &portal);
    assert!(
        out["dictated"]["text"]
            .as_str()
            .unwrap()
            .contains("lumières"),
        "{out}"
    );
    assert_eq!(out["delivery"]["how"], "pasted", "{out}");
    assert_eq!(
        out["delivery"]["tool"], "wl-copy + remote desktop portal",
        "{out}"
    );
    portal.wait_typed("<paste>", Duration::from_secs(5));
    assert_eq!(wl_clipboard(&sway, None), "the person's own clipboard");

    // Refused on the desktop's dialog: nothing typed, the text waits on the clipboard.
    tonny(&home)
        .args(["vocab", "unreplace", "lights"])
        .run()
        .ok();
    portal.refuse_remote_desktop();
    let typed_before = portal.typed();
    let out = dictate_through_portal(&home, &sway, &portal);
    assert_eq!(out["delivery"]["how"], "clipboard", "{out}");
    assert_eq!(
        wl_clipboard(&sway, None),
        format!("{} ", out["dictated"]["text"].as_str().unwrap())
    );
    assert_eq!(portal.typed(), typed_before);
}

fn doctor(home: &TempHome, sway: &Sway, bus: &str) -> serde_json::Value {
    tonny(home)
        .wayland(sway)
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .args(["--json", "doctor"])
        .run()
        .json()
}

fn check<'a>(checks: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {checks:#}"))
}

#[test]
fn doctor_names_the_hotkey_path_the_session_gets() {
    let home = TempHome::new();
    let sway = Sway::start();
    // Wayland without a portal and without X: no hotkeys, and doctor says so.
    let out = doctor(&home, &sway, "unix:path=/nonexistent/tonny-test-bus");
    assert_eq!(check(&out, "hotkeys")["status"], "WARN", "{out:#}");
    // A desktop portal without GlobalShortcuts (xdg-desktop-portal-wlr's case): still none.
    let portal = DesktopPortal::start(Offers {
        shortcuts: false,
        remote_desktop: true,
    });
    let out = doctor(&home, &sway, portal.bus_address());
    let hotkeys = check(&out, "hotkeys");
    assert_eq!(hotkeys["status"], "WARN", "{out:#}");
    assert!(
        hotkeys["message"]
            .as_str()
            .unwrap()
            .contains("GlobalShortcuts"),
        "{hotkeys}"
    );
    drop(portal);
    // With GlobalShortcuts: the portal is the path.
    let portal = DesktopPortal::start(BOTH);
    let out = doctor(&home, &sway, portal.bus_address());
    let hotkeys = check(&out, "hotkeys");
    assert_eq!(hotkeys["status"], "OK", "{out:#}");
    assert!(
        hotkeys["message"]
            .as_str()
            .unwrap()
            .contains("GlobalShortcuts portal"),
        "{hotkeys}"
    );
}
