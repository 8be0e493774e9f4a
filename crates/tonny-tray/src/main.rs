//! TonnyTray's tray app: a thin shell over the daemon (`tonny_server::daemon`: assistant,
//! timers, outbox, supervised services, the API and web UI), which runs in this process on a
//! thread of its own. The tray icon follows the daemon's events; the menu and the global
//! shortcuts from settings send it controls (registered by the tray on X11, by the daemon
//! through the GlobalShortcuts portal on Wayland desktops that have it); notifications are
//! shown natively. The dashboard window (the web UI from the daemon) is created when asked for
//! and destroyed when closed, so no web view costs memory while nobody looks at it. No business
//! logic lives here.

mod icons;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use clap::Parser;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_global_shortcut::{GlobalShortcutExt as _, ShortcutState};
use tauri_plugin_notification::NotificationExt as _;
use tonny_audio::typing::Display;
use tonny_core::pipeline::{Control, Event};
use tonny_core::router::Purpose;
use tonny_core::settings::{HotkeySettings, ResponseMode};
use tonny_core::timer::{Timer, TimerKind};
use tonny_server::api::{ApiToken, auth::TOKEN_FILE};
use tonny_server::daemon::{CoreConfig, Daemon, DaemonHandle, DaemonOptions, bind_api, terminated};
use tonny_server::home::Home;
use tonny_server::parts::{Providers, worker_loader};

use crate::icons::{TrayState, icon};

/// TonnyTray in the system tray.
#[derive(Debug, Parser)]
#[command(name = "tonny-tray", version, about)]
struct Args {
    /// Keep every TonnyTray file under DIR (same as TONNY_HOME).
    #[arg(long, value_name = "DIR", env = "TONNY_HOME", hide_env = true)]
    home: Option<PathBuf>,
    /// Serve the API and web UI on this port instead of `server.port` (0: any free port).
    #[arg(long)]
    port: Option<u16>,
    /// Open the dashboard window at start.
    #[arg(long)]
    open: bool,
    /// Do not register the global shortcuts.
    #[arg(long)]
    no_shortcuts: bool,
    /// Make this family profile the active one (given to a tray already running, it switches
    /// that one: a desktop launcher per person). A switch that needs an admin's PIN opens the
    /// dashboard's Profiles view instead.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Write this program's manual page (tonny-tray.1) into DIR and exit (for packages).
    #[arg(long, value_name = "DIR", hide = true)]
    manpage: Option<PathBuf>,
}

/// `--manpage DIR`: the manual page from the same definitions `--help` prints, written without
/// starting the tray (the packaging script runs it on a machine with no desktop).
fn write_manpage(dir: &std::path::Path) -> anyhow::Result<()> {
    use clap::CommandFactory as _;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    clap_mangen::generate_to(Args::command(), dir)
        .with_context(|| format!("writing the manual page into {}", dir.display()))
}

/// What the menu and the event loop share.
struct Shared {
    daemon: Mutex<Option<DaemonHandle>>,
    pipeline: Mutex<TrayState>,
}

impl Shared {
    fn daemon(&self) -> Option<DaemonHandle> {
        self.daemon.lock().expect("daemon lock").clone()
    }

    fn send(&self, control: Control) {
        if let Some(d) = self.daemon() {
            d.send(control);
        }
    }
}

const TRAY: &str = "tonny";
const WINDOW: &str = "dashboard";

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(dir) = &args.manpage {
        return write_manpage(dir);
    }
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let shared = Arc::new(Shared {
        daemon: Mutex::new(None),
        pipeline: Mutex::new(TrayState::Idle),
    });
    let open_at_start = args.open;
    // On Wayland desktops with the GlobalShortcuts portal the daemon binds the hotkeys there;
    // elsewhere the tray registers them (X11).
    let portal_hotkeys = !args.no_shortcuts
        && matches!(
            tonny_audio::portal::shortcut_path(),
            tonny_audio::portal::ShortcutPath::Portal { .. }
        );
    let shortcuts = !args.no_shortcuts && !portal_hotkeys;
    let profile_at_start = args.profile.clone();
    let app = tauri::Builder::default()
        // First: a second start shows this one's window instead of running twice.
        .plugin(tauri_plugin_single_instance::init(
            |app, argv, _| match Args::try_parse_from(argv).ok().and_then(|a| a.profile) {
                Some(name) => switch_profile(app, name),
                None => open_dashboard(app),
            },
        ))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .plugin(tauri_plugin_global_shortcut::Builder::new().build())
        .manage(Arc::clone(&shared))
        .setup(move |app| {
            let handle = app.handle().clone();
            TrayIconBuilder::with_id(TRAY)
                .icon(icon(TrayState::Idle))
                .tooltip("TonnyTray: starting")
                .menu(&menu(&handle, &[], ResponseMode::Both, &[], false)?)
                .show_menu_on_left_click(true)
                .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
                .build(app)?;
            start_daemon(handle.clone(), args, portal_hotkeys, ready_tx);
            let first = handle.clone();
            tauri::async_runtime::spawn(async move {
                let ready = when_ready(first.clone(), ready_rx, open_at_start, shortcuts);
                if let Some(name) = profile_at_start {
                    // After the daemon is up: `when_ready` runs until the tray quits.
                    let app = first.clone();
                    tauri::async_runtime::spawn(async move {
                        let shared = Arc::clone(app.state::<Arc<Shared>>().inner());
                        while shared.daemon().is_none() {
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        }
                        switch_profile(&app, name);
                    });
                }
                ready.await;
            });
            Ok(())
        })
        .build(tauri::generate_context!())?;
    app.run(|_, event| {
        // The last window closing leaves the tray running; only Quit (or a signal) ends it.
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            api.prevent_exit();
        }
    });
    Ok(())
}

/// The `tonny` program, which runs the speech engine for the tray (`tonny stt-worker`): the
/// one installed next to this program, else the one on PATH. The tray does not link the engine
/// (CTranslate2) itself, so its idle footprint stays small and an engine crash cannot take it
/// down.
fn speech_worker_program() -> PathBuf {
    std::env::current_exe()
        .ok()
        .map(|exe| exe.with_file_name("tonny"))
        .filter(|sibling| sibling.is_file())
        .unwrap_or_else(|| PathBuf::from("tonny"))
}

/// Runs the daemon on its own thread and runtime; when it stops, the app exits with it.
fn start_daemon(
    app: AppHandle,
    args: Args,
    portal_hotkeys: bool,
    ready: tokio::sync::oneshot::Sender<DaemonHandle>,
) {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("tonny-daemon")
            .build()
            .expect("a runtime for the daemon");
        let code = match runtime.block_on(run_daemon(args, portal_hotkeys, ready)) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("tonny-tray: error: {e:#}");
                // Started from the desktop there is no terminal: say it where it is seen (that
                // TonnyTray already runs as the service, a port in use, a damaged database).
                notify(&app, "TonnyTray could not start", &format!("{e:#}"));
                1
            }
        };
        app.exit(code);
    });
}

/// Builds the daemon over this home and runs it until Quit or a signal.
async fn run_daemon(
    args: Args,
    portal_hotkeys: bool,
    ready: tokio::sync::oneshot::Sender<DaemonHandle>,
) -> anyhow::Result<()> {
    let mut home = Home::open(args.home).await?;
    tonny_server::logging::init_logging(&mut home, 0);
    let settings = home.settings().await?.settings;
    let secrets = match home.secrets().await {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!("tonny-tray: secrets cannot be used or managed from the dashboard: {e:#}");
            None
        }
    };
    let build = Providers {
        models_dir: home.paths.models_dir(),
        voices_dir: home.paths.voices_dir(),
        embedded: worker_loader(speech_worker_program()),
        speak: true,
        display: Display::detect(),
        warm: false,
        text: None,
    };
    let options = DaemonOptions {
        hotkeys: portal_hotkeys,
        listen: true,
        hands_free: false,
        warm_up: false,
        supervise: true,
    };
    let token = ApiToken::load_or_create(&home.paths.data_dir.join(TOKEN_FILE))
        .context("creating the API token file")?;
    let (host, port) = (
        settings.server.host.clone(),
        args.port.unwrap_or(settings.server.port),
    );
    let listener = bind_api(&home.paths.data_dir, &host, port).await?;
    let config = CoreConfig {
        paths: home.paths.clone(),
        store: home.shared_store()?,
        secrets,
        build: Arc::new(build),
    };
    let daemon = Daemon::new(config, options, token).await?;
    let handle = daemon.handle();
    let announce = handle.clone();
    tokio::spawn(async move {
        announce.ready().await;
        let _ = ready.send(announce);
    });
    daemon.run(Some(listener), terminated()).await?;
    Ok(())
}

/// The global shortcuts from `hotkeys.*`: hold push-to-talk, press toggle, press cancel.
/// Called again when they change; the ones registered before are released first.
fn register_shortcuts(app: &AppHandle, keys: &HotkeySettings) {
    let shared = Arc::clone(app.state::<Arc<Shared>>().inner());
    let _ = app.global_shortcut().unregister_all();
    for (setting, combo, action) in [
        ("hotkeys.push_to_talk", &keys.push_to_talk, Some(true)),
        (
            "hotkeys.toggle_listening",
            &keys.toggle_listening,
            Some(false),
        ),
        ("hotkeys.cancel", &keys.cancel, None),
    ] {
        let shared = Arc::clone(&shared);
        let result = app
            .global_shortcut()
            .on_shortcut(combo.as_str(), move |_, _, event| {
                let control = match (action, event.state) {
                    (None, ShortcutState::Pressed) => Control::Cancel,
                    (Some(true), ShortcutState::Pressed) => Control::Hold(Purpose::Command),
                    (Some(true), ShortcutState::Released) => Control::Release,
                    (Some(false), ShortcutState::Pressed) => Control::Talk(Purpose::Command),
                    _ => return,
                };
                shared.send(control);
            });
        match result {
            Ok(()) => eprintln!("tonny-tray: shortcut {combo}: {setting}"),
            Err(e) => eprintln!(
                "tonny-tray: {setting} = {combo} is not available ({e}); choose another in Settings"
            ),
        }
    }
}

/// Once the daemon is up: the menu with profiles, the icon following the daemon's events,
/// native notifications, shortcuts that follow the settings, and the dashboard if asked for.
async fn when_ready(
    app: AppHandle,
    ready: tokio::sync::oneshot::Receiver<DaemonHandle>,
    open: bool,
    shortcuts: bool,
) {
    let Ok(daemon) = ready.await else { return };
    let shared = Arc::clone(app.state::<Arc<Shared>>().inner());
    let mut bus = daemon.subscribe();
    *shared.daemon.lock().expect("daemon lock") = Some(daemon.clone());
    if shortcuts {
        register_shortcuts(&app, &daemon.settings().current().hotkeys);
    }
    refresh_menu(&app).await;
    let mut services_down = daemon.core().services.any_down();
    show(
        &app,
        if services_down {
            TrayState::ServicesDown
        } else {
            TrayState::Idle
        },
    );
    eprintln!("tonny-tray: ready");
    if open {
        open_dashboard(&app);
    }
    loop {
        let event = match bus.recv().await {
            Ok(e) => e,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
        };
        match event {
            Event::StateChanged { to, .. } => {
                let state = TrayState::of_pipeline(to.name());
                *shared.pipeline.lock().expect("pipeline lock") = state;
                show(
                    &app,
                    if state == TrayState::Idle && services_down {
                        TrayState::ServicesDown
                    } else {
                        state
                    },
                );
            }
            Event::Notification { title, body } => {
                notify(&app, &title, &body);
                refresh_menu(&app).await;
            }
            Event::PartialTranscript {
                text, tentative, ..
            } => {
                if let Some(tray) = app.tray_by_id(TRAY) {
                    let _ = tray.set_tooltip(Some(live_tooltip(&text, &tentative)));
                }
            }
            Event::ServiceHealth { .. } => {
                let down = daemon.core().services.any_down();
                if down != services_down {
                    services_down = down;
                    if *shared.pipeline.lock().expect("pipeline lock") == TrayState::Idle {
                        show(
                            &app,
                            if down {
                                TrayState::ServicesDown
                            } else {
                                TrayState::Idle
                            },
                        );
                    }
                }
            }
            // A timer set by a request, or one that went off: the Timers submenu follows.
            Event::ProfileChanged { .. } | Event::RequestFinished { .. } => {
                refresh_menu(&app).await;
            }
            Event::SettingsChanged { keys, .. } => {
                if keys
                    .iter()
                    .any(|k| k == "response.mode" || k == "audio.muted")
                {
                    refresh_menu(&app).await;
                }
                if shortcuts && keys.iter().any(|k| k.starts_with("hotkeys.")) {
                    register_shortcuts(&app, &daemon.settings().current().hotkeys);
                }
            }
            _ => {}
        }
    }
}

/// The tooltip while someone speaks: the end of what is heard so far (a tooltip is short).
fn live_tooltip(stable: &str, tentative: &str) -> String {
    const SHOWN: usize = 60;
    let heard = format!("{stable} {tentative}");
    let heard = heard.split_whitespace().collect::<Vec<_>>().join(" ");
    let count = heard.chars().count();
    let tail: String = heard.chars().skip(count.saturating_sub(SHOWN)).collect();
    let ellipsis = if count > SHOWN { "…" } else { "" };
    format!("TonnyTray hears: {ellipsis}{tail}")
}

/// Shows `state` in the tray (icon and tooltip) and says so on stderr.
fn show(app: &AppHandle, state: TrayState) {
    if let Some(tray) = app.tray_by_id(TRAY) {
        let _ = tray.set_icon(Some(icon(state)));
        let _ = tray.set_tooltip(Some(format!("TonnyTray: {}", state.label())));
    }
    eprintln!("tonny-tray: state {}", state.label());
}

/// What the Timers submenu says for a pending timer: what it is and the clock time it goes off
/// (a clock time, so a menu left open never shows a stale countdown).
fn timer_item(timer: &Timer) -> String {
    let at = timer.due_at.with_timezone(&chrono::Local).format("%H:%M");
    match timer.kind {
        TimerKind::Timer => format!("Cancel the {} timer (done at {at})", timer.label),
        TimerKind::Reminder => {
            format!("Cancel the reminder \u{201c}{}\u{201d} ({at})", timer.label)
        }
    }
}

/// The running timers and reminders, each cancelled by choosing it.
fn timers_menu(app: &AppHandle, timers: &[Timer]) -> tauri::Result<Submenu<tauri::Wry>> {
    let items = if timers.is_empty() {
        vec![MenuItem::with_id(
            app,
            "timers:none",
            "No timers running",
            false,
            None::<&str>,
        )?]
    } else {
        timers
            .iter()
            .map(|t| {
                MenuItem::with_id(
                    app,
                    format!("timer:{}", t.id),
                    timer_item(t),
                    true,
                    None::<&str>,
                )
            })
            .collect::<tauri::Result<Vec<_>>>()?
    };
    let refs: Vec<&dyn tauri::menu::IsMenuItem<tauri::Wry>> = items
        .iter()
        .map(|i| i as &dyn tauri::menu::IsMenuItem<tauri::Wry>)
        .collect();
    let title = match timers.len() {
        0 => "Timers".to_owned(),
        n => format!("Timers ({n})"),
    };
    Submenu::with_items(app, title, true, &refs)
}

/// The menu: talk, dictate, mute, timers, profiles, response mode, services, dashboard, start
/// at login, quit.
fn menu(
    app: &AppHandle,
    profiles: &[(String, bool)],
    mode: ResponseMode,
    timers: &[Timer],
    muted: bool,
) -> tauri::Result<Menu<tauri::Wry>> {
    let timers_menu = timers_menu(app, timers)?;
    let profile_items = profiles
        .iter()
        .map(|(name, active)| {
            CheckMenuItem::with_id(
                app,
                format!("profile:{name}"),
                name,
                true,
                *active,
                None::<&str>,
            )
        })
        .collect::<tauri::Result<Vec<_>>>()?;
    let profile_refs: Vec<&dyn tauri::menu::IsMenuItem<tauri::Wry>> = profile_items
        .iter()
        .map(|i| i as &dyn tauri::menu::IsMenuItem<tauri::Wry>)
        .collect();
    let profiles_menu = Submenu::with_items(app, "Profile", !profiles.is_empty(), &profile_refs)?;
    let modes = [
        (ResponseMode::Both, "mode:both", "Speak and show"),
        (ResponseMode::VoiceOnly, "mode:voice_only", "Speak only"),
        (ResponseMode::TextOnly, "mode:text_only", "Show only"),
    ]
    .into_iter()
    .map(|(m, id, label)| CheckMenuItem::with_id(app, id, label, true, m == mode, None::<&str>))
    .collect::<tauri::Result<Vec<_>>>()?;
    let mode_refs: Vec<&dyn tauri::menu::IsMenuItem<tauri::Wry>> = modes
        .iter()
        .map(|i| i as &dyn tauri::menu::IsMenuItem<tauri::Wry>)
        .collect();
    let mode_menu = Submenu::with_items(app, "Replies", true, &mode_refs)?;
    let autostart = app.autolaunch().is_enabled().unwrap_or(false);
    Menu::with_items(
        app,
        &[
            &MenuItem::with_id(app, "talk", "Talk", true, None::<&str>)?,
            &MenuItem::with_id(app, "dictate", "Dictate", true, None::<&str>)?,
            &CheckMenuItem::with_id(app, "mute", "Mute microphone", true, muted, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &timers_menu,
            &profiles_menu,
            &mode_menu,
            &MenuItem::with_id(app, "services", "Services…", true, None::<&str>)?,
            &MenuItem::with_id(app, "open", "Open dashboard", true, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &CheckMenuItem::with_id(
                app,
                "autostart",
                "Start at login",
                true,
                autostart,
                None::<&str>,
            )?,
            &MenuItem::with_id(app, "quit", "Quit TonnyTray", true, None::<&str>)?,
        ],
    )
}

/// Rebuilds the menu from the store (profiles) and the assistant (mode).
async fn refresh_menu(app: &AppHandle) {
    let shared = Arc::clone(app.state::<Arc<Shared>>().inner());
    let Some(daemon) = shared.daemon() else {
        return;
    };
    let store = Arc::clone(&daemon.core().store);
    let active = store.active_profile().await.ok().map(|p| p.name);
    let profiles: Vec<(String, bool)> = store
        .list_profiles()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let is = Some(&p.name) == active.as_ref();
            (p.name, is)
        })
        .collect();
    let settings = daemon.settings().current();
    let timers = store.pending_timers(None).await.unwrap_or_default();
    match menu(
        app,
        &profiles,
        settings.response.mode,
        &timers,
        settings.audio.muted,
    ) {
        Ok(m) => {
            if let Some(tray) = app.tray_by_id(TRAY) {
                let _ = tray.set_menu(Some(m));
            }
        }
        Err(e) => eprintln!("tonny-tray: the menu could not be built: {e}"),
    }
}

fn on_menu(app: &AppHandle, id: &str) {
    let shared = Arc::clone(app.state::<Arc<Shared>>().inner());
    match id {
        "talk" => shared.send(Control::Talk(Purpose::Command)),
        "dictate" => shared.send(Control::Talk(Purpose::Dictation)),
        "open" | "services" => open_dashboard(app),
        "quit" => shared.send(Control::Quit),
        "autostart" => {
            let launch = app.autolaunch();
            let result = if launch.is_enabled().unwrap_or(false) {
                launch.disable()
            } else {
                launch.enable()
            };
            if let Err(e) = result {
                notify(app, "Start at login", &format!("could not be changed: {e}"));
            }
        }
        other => {
            let app = app.clone();
            let other = other.to_owned();
            tauri::async_runtime::spawn(async move {
                let Some(daemon) = shared.daemon() else {
                    return;
                };
                if other == "mute" {
                    // The one settings path, like the reply mode: stored, applied at once
                    // (the device closes), and the dashboard told.
                    let muted = !daemon.settings().current().audio.muted;
                    let patch = serde_json::Map::from_iter([(
                        "audio.muted".to_owned(),
                        serde_json::Value::Bool(muted),
                    )]);
                    if let Err(e) = daemon.settings().patch(&patch).await {
                        notify(&app, "Microphone", &format!("could not be changed: {e}"));
                    }
                } else if let Some(mode) = other.strip_prefix("mode:") {
                    // The one settings path: stored, applied, and the dashboard told.
                    let patch = serde_json::Map::from_iter([(
                        "response.mode".to_owned(),
                        serde_json::Value::String(mode.to_owned()),
                    )]);
                    if let Err(e) = daemon.settings().patch(&patch).await {
                        notify(&app, "Replies", &format!("could not be changed: {e}"));
                    }
                } else if let Some(name) = other.strip_prefix("profile:") {
                    switch_profile(&app, name.to_owned());
                } else if let Some(id) = other.strip_prefix("timer:") {
                    cancel_timer(&app, &daemon, id).await;
                }
                // The menu follows through the settings-changed and profile-changed events.
            });
        }
    }
}

/// Cancels the timer the Timers submenu named, and redraws the menu.
async fn cancel_timer(app: &AppHandle, daemon: &DaemonHandle, id: &str) {
    let Ok(id) = id.parse::<i64>() else {
        return;
    };
    let core = daemon.core();
    match core.store.cancel_timers(&[id]).await {
        Ok(0) => notify(app, "Timers", "it had already gone off or been cancelled"),
        Ok(_) => core.assistant.wake_timers(),
        Err(e) => notify(app, "Timers", &format!("could not be cancelled: {e}")),
    }
    refresh_menu(app).await;
}

/// Switches the active profile; a switch that needs an admin's PIN (a kid profile involved)
/// is not done from here: the dashboard's Profiles view asks for the PIN.
fn switch_profile(app: &AppHandle, name: String) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let shared = Arc::clone(app.state::<Arc<Shared>>().inner());
        let Some(daemon) = shared.daemon() else {
            notify(&app, "TonnyTray", "still starting; try again in a moment");
            return;
        };
        if let Err(e) = daemon.switch_profile(&name, None).await {
            notify(
                &app,
                "Profile not switched",
                &format!("{e}; use the dashboard's Profiles view"),
            );
            open_dashboard(&app);
        }
    });
}

fn notify(app: &AppHandle, title: &str, body: &str) {
    if app
        .notification()
        .builder()
        .title(title)
        .body(body)
        .show()
        .is_err()
    {
        eprintln!("tonny-tray: [{title}] {body}");
    }
}

/// Shows the dashboard, creating its window if there is none.
fn open_dashboard(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(WINDOW) {
        let _ = window.show();
        let _ = window.set_focus();
        eprintln!("tonny-tray: window shown");
        return;
    }
    let shared = Arc::clone(app.state::<Arc<Shared>>().inner());
    let url = shared.daemon().and_then(|d| d.ui_url());
    let Some(url) = url.and_then(|u| u.parse().ok()) else {
        notify(app, "TonnyTray", "still starting; try again in a moment");
        return;
    };
    match WebviewWindowBuilder::new(app, WINDOW, WebviewUrl::External(url))
        .title("TonnyTray")
        .inner_size(960.0, 720.0)
        .min_inner_size(360.0, 480.0)
        .build()
    {
        Ok(window) => {
            eprintln!("tonny-tray: window open");
            window.on_window_event(|event| {
                if let tauri::WindowEvent::Destroyed = event {
                    eprintln!("tonny-tray: window closed");
                }
            });
        }
        Err(e) => eprintln!("tonny-tray: the dashboard could not be opened: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{live_tooltip, timer_item};
    use tonny_core::timer::{Timer, TimerKind};

    #[test]
    fn a_timer_in_the_menu_says_what_it_is_and_when_it_goes_off() {
        let due = chrono::Utc::now() + chrono::Duration::minutes(10);
        let timer = Timer {
            id: 7,
            profile: "Default".into(),
            kind: TimerKind::Timer,
            label: "10 minutes".into(),
            due_at: due,
            created_at: chrono::Utc::now(),
        };
        let at = due
            .with_timezone(&chrono::Local)
            .format("%H:%M")
            .to_string();
        let item = timer_item(&timer);
        assert!(
            item.contains("10 minutes") && item.ends_with(&format!("{at})")),
            "{item}"
        );
        let reminder = Timer {
            kind: TimerKind::Reminder,
            label: "take the bins out".into(),
            ..timer
        };
        assert!(timer_item(&reminder).contains("take the bins out"));
    }

    #[test]
    fn the_live_tooltip_shows_the_end_of_what_is_heard() {
        assert_eq!(
            live_tooltip("Turn on", "the lights"),
            "TonnyTray hears: Turn on the lights"
        );
        let long = live_tooltip(&"word ".repeat(30), "last");
        assert!(long.starts_with("TonnyTray hears: …"), "{long}");
        assert!(long.ends_with("word last"), "{long}");
        assert_eq!(
            long.chars().count(),
            "TonnyTray hears: …".chars().count() + 60
        );
    }
}
