//! The footprint reference for `scripts/bench-daemon.sh`: a bare Tauri app with only a tray
//! icon, or with one 400×300 window (`--window`), built with the same profile and Tauri as
//! `tonny-tray`, so the two are measured side by side in one run.

use tauri::tray::TrayIconBuilder;
use tauri::{WebviewUrl, WebviewWindowBuilder};

fn main() {
    let window = std::env::args().any(|a| a == "--window");
    tauri::Builder::default()
        .setup(move |app| {
            let icon = app.default_window_icon().cloned().expect("the bundle icon");
            TrayIconBuilder::new().icon(icon).build(app)?;
            if window {
                WebviewWindowBuilder::new(app, "bare", WebviewUrl::App("index.html".into()))
                    .inner_size(400.0, 300.0)
                    .build()?;
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("a bare Tauri app")
        .run(|_, event| {
            if let tauri::RunEvent::ExitRequested {
                api, code: None, ..
            } = event
            {
                api.prevent_exit();
            }
        });
}
