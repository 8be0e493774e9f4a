//! The tray app for real: under its own D-Bus session (`dbus-run-session`) and a real X server
//! (Xvfb), with WebKitGTK rendering in software. Its dashboard window shows the web UI (a
//! screenshot of the screen is checked for a rendered page), the state it shows in the tray
//! follows an utterance, it hears a spoken request through the speech worker it starts, and
//! SIGTERM stops it (and the worker) cleanly. Its binary does not carry the speech engine.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tonny_testkit::{DaemonApi, TempHome, XServer};

/// The tray running, with what it printed so far.
struct Tray {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Tray {
    fn start(home: &TempHome, x: &XServer, args: &[&str]) -> Self {
        let mut child = Command::new("dbus-run-session")
            .arg("--")
            .arg(env!("CARGO_BIN_EXE_tonny-tray"))
            .args(["--port", "0"])
            .args(args)
            .env("TONNY_HOME", home.path())
            .env("TONNY_STT_MODEL", tonny_testkit::speech::model_dir())
            .env("DISPLAY", x.display())
            .env_remove("WAYLAND_DISPLAY")
            // Xvfb has no GPU: WebKitGTK draws in software.
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .env("NO_AT_BRIDGE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dbus-run-session (apt package dbus-bin; the test command installs it)");
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().unwrap();
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        Self { child, stderr }
    }

    fn text(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn wait_for(&self, needle: &str, timeout: Duration) {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if self.text().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the tray never printed {needle:?}:\n{}", self.text());
    }

    /// Sends SIGTERM (to the tray, not the D-Bus wrapper) and waits for the session to end.
    fn stop(mut self) -> i32 {
        let _ = Command::new("pkill")
            .args(["-TERM", "-P", &self.child.id().to_string()])
            .status();
        let end = Instant::now() + Duration::from_secs(20);
        while Instant::now() < end {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code().unwrap_or(-1);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!(
            "the tray did not stop within 20 s of SIGTERM:\n{}",
            self.text()
        );
    }
}

impl Drop for Tray {
    fn drop(&mut self) {
        let _ = Command::new("pkill")
            .args(["-KILL", "-P", &self.child.id().to_string()])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Distinct colours in a screenshot of the whole screen: a blank screen has one.
fn colours_on_screen(x: &XServer, out: &Path) -> usize {
    let status = Command::new("import")
        .args(["-display", x.display(), "-window", "root"])
        .arg(out)
        .status()
        .expect("import (apt package imagemagick)");
    assert!(status.success(), "import failed");
    let counted = Command::new("identify")
        .args(["-format", "%k"])
        .arg(out)
        .output()
        .expect("identify (imagemagick)");
    String::from_utf8_lossy(&counted.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

#[test]
fn the_tray_shows_the_dashboard_and_follows_an_utterance() {
    let home = TempHome::new();
    let x = XServer::start();
    let tray = Tray::start(&home, &x, &["--open"]);
    tray.wait_for("tonny-tray: ready", Duration::from_secs(60));
    tray.wait_for("tonny-tray: state idle", Duration::from_secs(5));
    tray.wait_for("tonny-tray: window open", Duration::from_secs(10));

    // The window shows the web UI: the screen fills with a rendered page.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tray-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("dashboard.png");
    let end = Instant::now() + Duration::from_secs(60);
    let mut colours = 0;
    while Instant::now() < end {
        colours = colours_on_screen(&x, &shot);
        if colours > 50 {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        colours > 50,
        "the dashboard did not render ({colours} colours on screen; see {})\n{}",
        shot.display(),
        tray.text()
    );

    // An utterance (typed, through the daemon the tray runs) moves the tray's state.
    let api = DaemonApi::wait(home.path(), Duration::from_secs(30));
    let events = api.events();
    let (address, token) = (format!("{}/", api.url), api.token.clone());
    let reply: serde_json::Value = reqwest::blocking::Client::new()
        .post(format!("{}api/v1/ask", address.trim()))
        .bearer_auth(token.trim())
        .json(&serde_json::json!({"text": "what time is it"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        reply["reply"].as_str().unwrap_or("").contains("It's"),
        "{reply}"
    );
    tray.wait_for("tonny-tray: state thinking", Duration::from_secs(10));
    let after = tray.text();
    let thinking = after.rfind("tonny-tray: state thinking").unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    while !tray.text()[thinking..].contains("tonny-tray: state idle") {
        assert!(
            Instant::now() < end,
            "the tray stayed thinking:\n{}",
            tray.text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // A spoken request: the tray hears through `tonny stt-worker`, which it starts on this
    // first need (it does not link the engine itself).
    let wav = std::fs::read(tonny_testkit::speech::shared_audio_dir().join("timer.wav")).unwrap();
    let heard: serde_json::Value = reqwest::blocking::Client::new()
        .post(format!("{}api/v1/talk/upload", address.trim()))
        .bearer_auth(token.trim())
        .header("content-type", "application/octet-stream")
        .body(wav)
        .timeout(Duration::from_secs(60))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let transcript = heard["transcript"].as_str().unwrap_or("").to_lowercase();
    assert!(transcript.contains("timer"), "{heard}\n{}", tray.text());
    assert!(
        heard["outcome"]["reply"]
            .as_str()
            .unwrap_or("")
            .contains("10 minutes"),
        "{heard}"
    );
    let worker = speech_worker_of(&tray).expect("a `tonny stt-worker` started by the tray");

    // A second start hands over to the first (single instance): it exits, and the first
    // shows its window.
    hand_over(&tray, &home, &x, &[]);
    tray.wait_for("tonny-tray: window shown", Duration::from_secs(10));

    // A start with --profile switches the running tray's profile: one profile-changed event.
    api.call(
        reqwest::Method::PUT,
        "/api/v1/profiles/Mia",
        Some(serde_json::json!({"permission": "user"})),
    );
    hand_over(&tray, &home, &x, &["--profile", "Mia"]);
    events.wait_for(Duration::from_secs(20), |e| {
        e["type"] == "profile_changed" && e["profile"] == "Mia"
    });
    assert_eq!(api.get("/api/v1/status")["profile"], "Mia");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(events.of("profile_changed").len(), 1, "{:?}", events.all());

    assert_eq!(tray.stop(), 0, "the tray did not exit cleanly");
    assert!(
        !Path::new(&format!("/proc/{worker}")).exists(),
        "the speech worker outlived the tray"
    );
}

/// Starts the tray again with `args` (it hands them to the running one and exits).
fn hand_over(tray: &Tray, home: &TempHome, x: &XServer, args: &[&str]) {
    let mut second = Command::new(env!("CARGO_BIN_EXE_tonny-tray"))
        .args(args)
        .env("TONNY_HOME", home.path())
        .env("DISPLAY", x.display())
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            session_bus_of(tray).expect("the tray's session bus"),
        )
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > end {
            let _ = second.kill();
            panic!(
                "a second tray kept running beside the first:\n{}",
                tray.text()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "the second start failed: {status}");
}

/// Processes whose parent is `pid`.
fn children_of(pid: &str) -> Vec<String> {
    let out = Command::new("pgrep").args(["-P", pid]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// The speech worker the tray started (the tray is a child of the D-Bus wrapper).
fn speech_worker_of(tray: &Tray) -> Option<String> {
    children_of(&tray.child.id().to_string())
        .iter()
        .flat_map(|app| children_of(app))
        .find(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains("stt-worker"))
        })
}

/// What of the speech engine's C++ library a program carries: the shared libraries it needs
/// (CTranslate2 is linked from its prebuilt library on x86_64 Linux) and the names in its symbol
/// table (where it is built in).
fn engine_references(program: &Path) -> usize {
    let mut found = 0;
    for (tool, args) in [("readelf", vec!["-d"]), ("nm", vec![])] {
        let out = Command::new(tool)
            .args(args)
            .arg(program)
            .output()
            .expect("readelf and nm (binutils, installed with gcc)");
        assert!(out.status.success(), "{tool} {}", program.display());
        found += String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains("ctranslate2") || l.contains("dnnl"))
            .count();
    }
    found
}

#[test]
fn the_tray_does_not_link_the_speech_engine() {
    // CTranslate2's library (MKL and oneDNN inside) faults in megabytes of code at start through
    // its static initialisers; the tray runs it in `tonny stt-worker` instead. `tonny`, built
    // beside it, shows what the check finds when it is linked.
    let tray = Path::new(env!("CARGO_BIN_EXE_tonny-tray"));
    let tonny = tray.with_file_name("tonny");
    assert!(
        tonny.is_file(),
        "{} is missing: build the workspace (the tray hears through it)",
        tonny.display()
    );
    assert!(engine_references(&tonny) > 10, "the check finds nothing");
    assert_eq!(
        engine_references(tray),
        0,
        "the tray links the speech engine"
    );
}

#[test]
fn the_tray_writes_its_manual_page_without_a_desktop() {
    let home = TempHome::new();
    let dir = home.path().join("man");
    let out = Command::new(env!("CARGO_BIN_EXE_tonny-tray"))
        .arg("--manpage")
        .arg(&dir)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("tonny-tray runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rendered = Command::new("man")
        .arg("-l")
        .arg(dir.join("tonny-tray.1"))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("man (man-db) runs");
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(rendered.status.success(), "{text}");
    for option in ["--open", "--profile", "--no-shortcuts"] {
        assert!(text.contains(option), "{option} documented: {text}");
    }
    assert!(
        !text.contains("--manpage"),
        "the packaging option is hidden"
    );
}

/// The D-Bus session address the tray's wrapper started (read from the tray's environment).
fn session_bus_of(tray: &Tray) -> Option<String> {
    let children = Command::new("pgrep")
        .args(["-P", &tray.child.id().to_string()])
        .output()
        .ok()?;
    for pid in String::from_utf8_lossy(&children.stdout).split_whitespace() {
        let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
        for var in environ.split(|b| *b == 0) {
            if let Some(v) = var.strip_prefix(b"DBUS_SESSION_BUS_ADDRESS=") {
                return Some(String::from_utf8_lossy(v).into_owned());
            }
        }
    }
    None
}
