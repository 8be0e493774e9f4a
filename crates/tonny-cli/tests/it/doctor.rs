//! `tonny doctor`.

use tonny_testkit::{SecretService, TempHome};

use crate::tonny;

fn find<'a>(checks: &'a serde_json::Value, name: &str, needle: &str) -> &'a serde_json::Value {
    checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name && c["message"].as_str().unwrap().contains(needle))
        .unwrap_or_else(|| panic!("no {name} check mentioning {needle:?} in {checks:#}"))
}

#[test]
fn fresh_home_only_lacks_the_speech_model_and_passes_once_it_is_there() {
    let home = TempHome::new();
    let out = tonny(&home).args(["doctor"]).run().failed();
    assert!(out.stdout.contains("OK    database"), "{}", out.stdout);
    assert!(out.stdout.contains("1 failures"), "{}", out.stdout);
    assert!(
        out.stdout.contains("model \"tiny.en\" is not installed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("fix: tonny models install tiny.en"),
        "{}",
        out.stdout
    );

    let model = tonny_testkit::speech::model_dir();
    tonny(&home)
        .args(["config", "set", "stt.model"])
        .arg_path(&model)
        .run()
        .ok();
    let out = tonny(&home).args(["doctor"]).run().ok();
    assert!(out.stdout.contains("0 failures"), "{}", out.stdout);
    assert!(
        out.stdout.contains("embedded Whisper, model tiny.en"),
        "{}",
        out.stdout
    );
    for line in out.stdout.lines().filter(|l| l.starts_with("WARN")) {
        assert!(!line.contains("database"), "{line}");
    }
}

#[test]
fn missing_backend_secrets_fail_with_the_command_that_fixes_them() {
    let home = TempHome::new();
    let model = tonny_testkit::speech::model_dir();
    tonny(&home)
        .args(["config", "set", "stt.model"])
        .arg_path(&model)
        .run()
        .ok();
    tonny(&home)
        .args(["config", "set", "agent.fallback_order", "n8n,local"])
        .run()
        .ok();
    let out = tonny(&home).args(["doctor", "--json"]).run().failed();
    let checks = out.json();
    let n8n = find(&checks, "backends", "n8n_webhook_url");
    assert_eq!(n8n["status"], "FAIL");
    assert!(
        n8n["fix"]
            .as_str()
            .unwrap()
            .contains("tonny secrets set n8n_webhook_url")
    );
    tonny(&home)
        .args(["secrets", "set", "n8n_webhook_url"])
        .stdin("https://n8n.example.com/webhook/abc")
        .run()
        .ok();
    let out = tonny(&home).args(["doctor", "--json"]).run().ok();
    assert_eq!(
        find(&out.json(), "backends", "n8n_webhook_url is configured")["status"],
        "OK"
    );
}

#[test]
fn keychain_backend_and_typos_in_environment_variables_are_reported() {
    let service = SecretService::start();
    let home = TempHome::new();
    let out = tonny(&home)
        .keychain(service.bus_address())
        .env("TONNY_AUDIO_VAD_SILENCE", "900")
        .args(["doctor", "--json"])
        .run();
    let checks = out.json();
    assert_eq!(find(&checks, "keychain", "Secret Service")["status"], "OK");
    let typo = find(&checks, "settings", "TONNY_AUDIO_VAD_SILENCE is set");
    assert!(
        typo["fix"]
            .as_str()
            .unwrap()
            .contains("TONNY_AUDIO_VAD_SILENCE_MS")
    );
}

#[test]
fn on_x11_the_typing_tool_and_the_focused_application_are_reported() {
    let home = TempHome::new();
    let x = tonny_testkit::XServer::start();
    let typed = home.path().join("typed.txt");
    let mut xterm = x.xterm_cat_as(&typed, "Mailer");
    let out = tonny(&home).x11(&x).args(["--json", "doctor"]).run().json();
    let typing = find(&out, "typing", "xdotool");
    assert_eq!(typing["status"], "OK", "{typing}");
    let modes = find(&out, "dictation modes", "Mailer");
    assert_eq!(modes["status"], "OK", "{modes}");
    // Without xdotool on the PATH, typing is not possible and doctor says so.
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let out = tonny(&home)
        .x11(&x)
        .env("PATH", &bin)
        .args(["--json", "doctor"])
        .run()
        .json();
    assert_eq!(find(&out, "typing", "X11")["status"], "WARN");
    x.key("ctrl+d");
    let _ = xterm.wait();
}

#[test]
fn on_sway_the_built_in_virtual_keyboard_and_the_focused_app_are_reported() {
    let home = TempHome::new();
    let sway = tonny_testkit::Sway::start();
    let _foot = sway.foot_cat();
    let out = tonny(&home)
        .wayland(&sway)
        .args(["--json", "doctor"])
        .run()
        .json();
    let typing = find(&out, "typing", "virtual keyboard");
    assert_eq!(typing["status"], "OK", "{typing}");
    let modes = find(&out, "dictation modes", "foot");
    assert_eq!(modes["status"], "OK", "{modes}");
}
