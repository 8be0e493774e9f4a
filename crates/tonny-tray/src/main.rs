//! TonnyTray's tray app. The daemon (`tonny serve`: assistant, timers, outbox, supervised
//! services, the API and web UI) runs in this process on a thread of its own; the tray icon
//! shows the pipeline's state; the menu talks, dictates, switches profile and response mode;
//! the global shortcuts from settings drive it; notifications are shown natively. The
//! dashboard window (the web UI from the daemon) is created when asked for and destroyed when
//! closed, so no web view costs memory while nobody looks at it.

mod icons;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_global_shortcut::{GlobalShortcutExt as _, ShortcutState};
use tauri_plugin_notification::NotificationExt as _;
use tokio::sync::mpsc;
use tonny_cli::cmd::pipeline::worker_loader;
use tonny_cli::cmd::run::{Control, Embedding, Ready, RunArgs};
use tonny_cli::ctx::Ctx;
use tonny_core::pipeline::Event;
use tonny_core::router::Purpose;
use tonny_core::settings::ResponseMode;

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
}

/// What the menu and the event loop share.
struct Shared {
    controls: mpsc::UnboundedSender<Control>,
    ready: Mutex<Option<Ready>>,
    pipeline: Mutex<TrayState>,
}

const TRAY: &str = "tonny";
const WINDOW: &str = "dashboard";

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (controls, controls_rx) = mpsc::unbounded_channel();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let shared = Arc::new(Shared {
        controls,
        ready: Mutex::new(None),
        pipeline: Mutex::new(TrayState::Idle),
    });
    let open_at_start = args.open;
    let app = tauri::Builder::default()
        // First: a second start shows this one's window instead of running twice.
        .plugin(tauri_plugin_single_instance::init(|app, _, _| {
            open_dashboard(app)
        }))
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
                .menu(&menu(&handle, &[], None, ResponseMode::Both)?)
                .show_menu_on_left_click(true)
                .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
                .build(app)?;
            start_daemon(handle.clone(), args, controls_rx, ready_tx);
            tauri::async_runtime::spawn(when_ready(handle, ready_rx, open_at_start));
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

/// Runs the daemon on its own thread and runtime (it blocks on stdin, signals and hotkey
/// events like `tonny serve`); when it stops, the app exits with it.
fn start_daemon(
    app: AppHandle,
    args: Args,
    controls: mpsc::UnboundedReceiver<Control>,
    ready: tokio::sync::oneshot::Sender<Ready>,
) {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("tonny-daemon")
            .build()
            .expect("a runtime for the daemon");
        let shortcuts_app = app.clone();
        let code = runtime.block_on(async move {
            let embedded = worker_loader(speech_worker_program());
            let mut ctx = match Ctx::new(args.home, false, embedded).await {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("tonny-tray: error: {e:#}");
                    return 1;
                }
            };
            tonny_cli::logging::init_logging(&mut ctx, 0);
            if !args.no_shortcuts {
                match ctx.settings().await {
                    Ok(loaded) => register_shortcuts(&shortcuts_app, &loaded.settings.hotkeys),
                    Err(e) => eprintln!("tonny-tray: shortcuts not registered: {e:#}"),
                }
            }
            let run_args = RunArgs {
                no_hotkeys: true,
                silent: false,
                hands_free: false,
                warm_up: false,
            };
            let embedding = Embedding { controls, ready };
            match tonny_cli::cmd::run::run(&mut ctx, run_args, Some(args.port), Some(embedding))
                .await
            {
                Ok(_) => 0,
                Err(e) => {
                    eprintln!("tonny-tray: error: {e:#}");
                    1
                }
            }
        });
        app.exit(code);
    });
}

/// The global shortcuts from `hotkeys.*`: hold push-to-talk, press toggle, press cancel.
fn register_shortcuts(app: &AppHandle, keys: &tonny_core::settings::HotkeySettings) {
    let shared = Arc::clone(app.state::<Arc<Shared>>().inner());
    for (setting, combo, hold) in [
        ("hotkeys.push_to_talk", &keys.push_to_talk, Some(true)),
        (
            "hotkeys.toggle_listening",
            &keys.toggle_listening,
            Some(false),
        ),
        ("hotkeys.cancel", &keys.cancel, None),
    ] {
        let shared = Arc::clone(&shared);
        let result =
            app.global_shortcut()
                .on_shortcut(combo.as_str(), move |_, _, event| {
                    let control = match (hold, event.state) {
                        (None, ShortcutState::Pressed) => Control::Cancel,
                        (Some(_), ShortcutState::Pressed)
                        | (Some(true), ShortcutState::Released) => Control::Talk(Purpose::Command),
                        _ => return,
                    };
                    let _ = shared.controls.send(control);
                });
        if let Err(e) = result {
            eprintln!(
                "tonny-tray: {setting} = {combo} is not available ({e}); choose another in Settings"
            );
        }
    }
}

/// Once the daemon is up: the menu with profiles, the icon following the pipeline, native
/// notifications, and the dashboard if asked for.
async fn when_ready(app: AppHandle, ready: tokio::sync::oneshot::Receiver<Ready>, open: bool) {
    let Ok(ready) = ready.await else { return };
    let shared = Arc::clone(app.state::<Arc<Shared>>().inner());
    let mut bus = ready.assistant.bus().subscribe();
    let supervisor = ready.supervisor.clone();
    *shared.ready.lock().expect("ready lock") = Some(ready);
    refresh_menu(&app).await;
    show(&app, TrayState::Idle);
    eprintln!("tonny-tray: ready");
    if open {
        open_dashboard(&app);
    }
    let mut services_down = false;
    let mut check = tokio::time::interval(Duration::from_secs(2));
    loop {
        tokio::select! {
            event = bus.recv() => match event {
                Ok(Event::StateChanged { to, .. }) => {
                    let state = TrayState::of_pipeline(to.name());
                    *shared.pipeline.lock().expect("pipeline lock") = state;
                    show(&app, if state == TrayState::Idle && services_down { TrayState::ServicesDown } else { state });
                }
                Ok(Event::Notification { title, body }) => {
                    if let Err(e) = app.notification().builder().title(&title).body(&body).show() {
                        eprintln!("tonny-tray: [{title}] {body} (no notification service: {e})");
                    }
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
            _ = check.tick() => {
                let down = supervisor.as_ref().is_some_and(|s| s.states().iter().any(|(_, st)| !st.is_running()));
                if down != services_down {
                    services_down = down;
                    let pipeline = *shared.pipeline.lock().expect("pipeline lock");
                    if pipeline == TrayState::Idle {
                        show(&app, if down { TrayState::ServicesDown } else { TrayState::Idle });
                    }
                }
            }
        }
    }
}

/// Shows `state` in the tray (icon and tooltip) and says so on stderr.
fn show(app: &AppHandle, state: TrayState) {
    if let Some(tray) = app.tray_by_id(TRAY) {
        let _ = tray.set_icon(Some(icon(state)));
        let _ = tray.set_tooltip(Some(format!("TonnyTray: {}", state.label())));
    }
    eprintln!("tonny-tray: state {}", state.label());
}

/// The menu: talk, dictate, profiles, response mode, services, dashboard, start at login, quit.
fn menu(
    app: &AppHandle,
    profiles: &[(String, bool)],
    _active: Option<&str>,
    mode: ResponseMode,
) -> tauri::Result<Menu<tauri::Wry>> {
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
            &PredefinedMenuItem::separator(app)?,
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
    let assistant = match shared.ready.lock().expect("ready lock").as_ref() {
        Some(r) => Arc::clone(&r.assistant),
        None => return,
    };
    let active = assistant
        .store()
        .active_profile()
        .await
        .ok()
        .map(|p| p.name);
    let profiles: Vec<(String, bool)> = assistant
        .store()
        .list_profiles()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let is = Some(&p.name) == active.as_ref();
            (p.name, is)
        })
        .collect();
    match menu(app, &profiles, active.as_deref(), assistant.mode()) {
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
        "talk" => {
            let _ = shared.controls.send(Control::Talk(Purpose::Command));
        }
        "dictate" => {
            let _ = shared.controls.send(Control::Talk(Purpose::Dictation));
        }
        "open" | "services" => open_dashboard(app),
        "quit" => {
            let _ = shared.controls.send(Control::Quit);
        }
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
                let assistant = match shared.ready.lock().expect("ready lock").as_ref() {
                    Some(r) => Arc::clone(&r.assistant),
                    None => return,
                };
                if let Some(mode) = other.strip_prefix("mode:") {
                    let mode = match mode {
                        "text_only" => ResponseMode::TextOnly,
                        "voice_only" => ResponseMode::VoiceOnly,
                        _ => ResponseMode::Both,
                    };
                    if let Err(e) = assistant.set_mode(mode).await {
                        notify(&app, "Replies", &format!("could not be changed: {e}"));
                    }
                } else if let Some(name) = other.strip_prefix("profile:") {
                    let switched = tonny_server::assistant::switch::switch_profile(
                        assistant.store().as_ref(),
                        name,
                        None,
                    )
                    .await;
                    if let Err(e) = switched {
                        // A PIN is typed in the dashboard, never in a menu.
                        notify(
                            &app,
                            "Profile not switched",
                            &format!("{e}; use the dashboard's Profiles view"),
                        );
                        open_dashboard(&app);
                    }
                }
                refresh_menu(&app).await;
            });
        }
    }
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
    let url = shared
        .ready
        .lock()
        .expect("ready lock")
        .as_ref()
        .and_then(|r| r.ui_url.clone());
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
