//! `tonny run`: stay running. Global hotkeys start listening (toggle, push-to-talk) or cancel;
//! lines typed on stdin are requests; stored timers fire when due. Ends on Ctrl+C or SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use global_hotkey::hotkey::HotKey;
use global_hotkey::{GlobalHotKeyEvent, GlobalHotKeyManager, HotKeyState};
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;
use tonny_audio::capture::{Microphone, Stopper};
use tonny_audio::typing::{Display, Typist};
use tonny_core::output::TextOutput;
use tonny_core::pipeline::Event;
use tonny_core::router::Purpose;
use tonny_core::settings::HotkeySettings;
use tonny_server::api::SpeechParts;
use tonny_server::assistant::Assistant;
use tonny_store::Store;

use crate::cmd::listen::{Input, PRE_ROLL, hear_and_do};
use crate::cmd::pipeline::{Printed, parts};
use crate::ctx::{Ctx, blocking};

/// Options for `tonny run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Do not register global hotkeys (stdin requests and timers only).
    #[arg(long)]
    pub no_hotkeys: bool,
    /// Do not speak replies or timer announcements.
    #[arg(long)]
    pub silent: bool,
    /// Listen all the time: every utterance the voice-activity detector hears is a request (no
    /// hotkey needed; Cancel still cuts the current one).
    #[arg(long)]
    pub hands_free: bool,
    /// Load the speech model before taking requests, so the first one does not wait for it.
    #[arg(long)]
    pub warm_up: bool,
}

/// What starting a recording needs.
struct Hearing<'a> {
    ctx: &'a Ctx,
    assistant: &'a Arc<Assistant>,
    engine: &'a Arc<dyn tonny_core::stt::Stt>,
    mic: &'a Arc<Microphone>,
    settings: &'a tonny_core::Settings,
    voice_out: &'a Option<Arc<dyn tonny_core::output::VoiceOutput>>,
}

impl Hearing<'_> {
    /// Starts hearing one utterance on a task (ended by voice activity when `vad`, else by
    /// the returned stopper); a reply still being spoken is cut first.
    fn start(self, vad: bool, purpose: Purpose) -> (Stopper, tokio::task::JoinHandle<()>) {
        if let Some(v) = self.voice_out {
            v.stop();
        }
        let stop = Stopper::default();
        let input = Input::Mic {
            mic: Arc::clone(self.mic),
            stop: stop.clone(),
            vad,
            announce: true,
        };
        let (c, a, e, s, v) = (
            self.ctx.clone_for_task(),
            Arc::clone(self.assistant),
            Arc::clone(self.engine),
            self.settings.clone(),
            self.voice_out.clone(),
        );
        let task = tokio::spawn(async move {
            if let Err(err) = hear_and_do(&c, &a, &e, input, purpose, &s, v).await {
                eprintln!("tonny: {err:#}");
            }
        });
        (stop, task)
    }
}

/// What an embedding program (the tray) asks of the running daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Start listening for a request (or dictation), or end the recording in progress.
    Talk(Purpose),
    /// Cut the reply being spoken and drop the recording in progress.
    Cancel,
    /// Stop the daemon (as SIGTERM does).
    Quit,
}

/// Handed to an embedding program once the daemon is up.
pub struct Ready {
    /// The assistant: its bus for state, its store for profiles.
    pub assistant: Arc<Assistant>,
    /// The web UI's address with the token (`tonny ui-url`), when the API is served.
    pub ui_url: Option<String>,
    /// Supervised services, when any are configured.
    pub supervisor: Option<Arc<tonny_supervisor::Supervisor>>,
}

/// How a program that embeds the daemon (the tray) drives it instead of global hotkeys.
pub struct Embedding {
    /// Talk, dictate, cancel, quit.
    pub controls: mpsc::UnboundedReceiver<Control>,
    /// Told once the daemon is up.
    pub ready: tokio::sync::oneshot::Sender<Ready>,
}

/// X11 auto-repeat sends a release and a press together; a release not followed by a press
/// within this long is a real one.
const AUTOREPEAT_GAP: std::time::Duration = std::time::Duration::from_millis(80);

/// What a hotkey asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Toggle,
    PushToTalk,
    Cancel,
}

// Registers the configured hotkeys; a combination another program holds is reported with the
// setting to change, and the others still work.
fn register(manager: &GlobalHotKeyManager, keys: &HotkeySettings) -> Vec<(u32, Action)> {
    let mut ids = Vec::new();
    for (setting, combo, action) in [
        (
            "hotkeys.toggle_listening",
            &keys.toggle_listening,
            Action::Toggle,
        ),
        (
            "hotkeys.push_to_talk",
            &keys.push_to_talk,
            Action::PushToTalk,
        ),
        ("hotkeys.cancel", &keys.cancel, Action::Cancel),
    ] {
        match combo.parse::<HotKey>() {
            Ok(hk) => match manager.register(hk) {
                Ok(()) => {
                    eprintln!("hotkey {combo}: {}", setting.trim_start_matches("hotkeys."));
                    ids.push((hk.id(), action));
                }
                Err(e) => eprintln!(
                    "tonny: hotkey {combo} is not available ({e}); another program may hold it — \
                     choose another with `tonny config set {setting} KEYS`"
                ),
            },
            Err(e) => eprintln!(
                "tonny: {setting} = {combo:?} is not a key combination ({e}); write it like \
                 Ctrl+Shift+Space"
            ),
        }
    }
    ids
}

/// The engine for a recording: the one already set up, or asked for again (a model
/// installed since the daemon started is picked up). While there is none, the person is
/// told why they cannot be heard (the message says how to install a model).
async fn engine_for_talk(
    speech: &SpeechParts,
    loaded: &mut Option<Arc<dyn tonny_core::stt::Stt>>,
    assistant: &Assistant,
) -> Option<Arc<dyn tonny_core::stt::Stt>> {
    if let Some(e) = loaded {
        return Some(Arc::clone(e));
    }
    match speech.engine().await {
        Ok(e) => {
            *loaded = Some(Arc::clone(&e));
            Some(e)
        }
        Err(why) => {
            assistant.notify("warn", "Cannot listen", &why).await;
            None
        }
    }
}

/// Runs `tonny run`; with `api` (`tonny serve`, an optional port override), the daemon API
/// and web UI too.
pub async fn run(
    ctx: &mut Ctx,
    args: RunArgs,
    api: Option<Option<u16>>,
    embedding: Option<Embedding>,
) -> anyhow::Result<ExitCode> {
    let settings = ctx.settings().await?.settings;
    let display = Display::detect();
    let text_out: Arc<dyn TextOutput> = if display == Display::None {
        Arc::new(Printed { show: true })
    } else {
        Arc::new(Typist::from_settings(&settings.typing))
    };
    let parts = parts(ctx, &settings, !args.silent).await?;
    for w in &parts.warnings {
        eprintln!("tonny: {w}");
    }
    let voice_out = parts.voice.clone();
    let store: Arc<dyn Store> = Arc::new(ctx.store()?.clone());
    let assistant = Assistant::new(
        store,
        settings.clone(),
        parts.agents,
        text_out,
        voice_out.clone(),
    );

    // Announcements (timers, fallbacks) are shown on the terminal; replies go to the text output.
    let mut events = assistant.bus().subscribe();
    tokio::spawn(async move {
        while let Ok(e) = events.recv().await {
            if let Event::Notification { title, body } = e {
                eprintln!("[{title}] {body}");
            }
        }
    });
    let (stop_timers, timers_stopped) = tokio::sync::oneshot::channel::<()>();
    let timers = tokio::spawn(Arc::clone(&assistant).run_timers(async {
        let _ = timers_stopped.await;
    }));
    // Supervised services (the WhisperLiveKit server, extra ones), dependencies first.
    let mut service_warnings = Vec::new();
    let service_specs = tonny_server::wiring::services(
        &settings,
        &crate::cmd::pipeline::secrets(ctx, &settings, &mut service_warnings).await?,
    );
    let supervisor = if service_specs.is_empty() {
        None
    } else {
        let s = crate::cmd::services::supervise(ctx, service_specs)?;
        s.start_all()?;
        Some(s)
    };
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    // One speech engine for the hotkeys and the web UI, loaded on first need (or now).
    let speech = Arc::new(crate::cmd::serve::speech_parts(ctx, &settings, args.warm_up).await?);
    if args.warm_up {
        let started = std::time::Instant::now();
        match speech.engine().await {
            Ok(_) => eprintln!(
                "speech model loaded in {} ms",
                started.elapsed().as_millis()
            ),
            Err(e) => eprintln!("tonny: the speech model could not be loaded: {e}"),
        }
    }
    let served = match api {
        Some(port) => Some(
            crate::cmd::serve::start(
                ctx,
                port,
                Arc::clone(&assistant),
                supervisor.clone(),
                Arc::clone(&speech),
            )
            .await?,
        ),
        None => None,
    };

    // Requests queued while a backend was down (by this process or an earlier one) go out.
    let outbox = tokio::spawn(Arc::clone(&assistant).run_outbox(std::future::pending()));

    // Hotkeys: the manager lives on this task; events cross into tokio through a channel.
    let (keys_tx, mut keys_rx) = mpsc::unbounded_channel::<(u32, HotKeyState)>();
    let mut _manager = None;
    let mut bindings = Vec::new();
    let mut mic = None;
    let mut engine_loaded = None;
    if !args.no_hotkeys && display == Display::X11 {
        match GlobalHotKeyManager::new() {
            Ok(m) => {
                bindings = register(&m, &settings.hotkeys);
                GlobalHotKeyEvent::set_event_handler(Some(move |e: GlobalHotKeyEvent| {
                    let _ = keys_tx.send((e.id(), e.state()));
                }));
                _manager = Some(m);
            }
            Err(e) => eprintln!("tonny: global hotkeys are not available: {e}"),
        }
    } else if !args.no_hotkeys {
        eprintln!("tonny: global hotkeys need an X11 session; type requests below instead");
    }
    let (mut controls, ready) = match embedding {
        Some(e) => (Some(e.controls), Some(e.ready)),
        None => (None, None),
    };
    if !bindings.is_empty() || args.hands_free || controls.is_some() {
        let device = settings.audio.input_device.clone();
        match blocking(move || Microphone::open(device.as_deref(), PRE_ROLL * 2)).await? {
            Ok(m) => mic = Some(Arc::new(m)),
            Err(e) => eprintln!("tonny: {e}; hotkeys cannot listen, type requests below instead"),
        }
        if mic.is_some() {
            // A missing model does not stop the daemon: the dashboard's wizard can install
            // one, and the next Talk asks for the engine again.
            match speech.engine().await {
                Ok(e) => engine_loaded = Some(e),
                Err(e) => eprintln!(
                    "tonny: {e}; listening waits until a speech model is installed (the \
                     dashboard's setup, or `tonny models install tiny.en`)"
                ),
            }
        }
    }

    // Hands-free: one utterance after another, for as long as TonnyTray runs.
    let hands_free_stop = Stopper::default();
    let shutting_down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let hands_free = match (args.hands_free, &mic, &engine_loaded) {
        (true, Some(mic), Some(engine)) => {
            let (c, a, e, s, v) = (
                ctx.clone_for_task(),
                Arc::clone(&assistant),
                Arc::clone(engine),
                settings.clone(),
                voice_out.clone(),
            );
            let (mic, stop) = (Arc::clone(mic), hands_free_stop.clone());
            let ending = Arc::clone(&shutting_down);
            eprintln!("hands-free: listening on {} all the time", mic.device());
            Some(tokio::spawn(async move {
                while !ending.load(std::sync::atomic::Ordering::SeqCst) {
                    stop.reset();
                    let input = Input::Mic {
                        mic: Arc::clone(&mic),
                        stop: stop.clone(),
                        vad: true,
                        announce: false,
                    };
                    if let Err(err) =
                        hear_and_do(&c, &a, &e, input, Purpose::Command, &s, v.clone()).await
                    {
                        eprintln!("tonny: {err:#}");
                        // A lost microphone: wait before trying again rather than spin.
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    }
                }
            }))
        }
        (true, Some(_), None) => {
            eprintln!("tonny: hands-free needs a speech model; type requests below instead");
            None
        }
        (true, _, _) => {
            eprintln!("tonny: hands-free needs a microphone; type requests below instead");
            None
        }
        _ => None,
    };
    // With hotkeys only, the stream is paused while nobody talks (no capture, no CPU, no
    // "microphone in use" indicator); each utterance resumes it and pauses it again.
    if let (Some(m), None) = (&mic, &hands_free) {
        m.pause();
    }
    if let Some(ready) = ready {
        let _ = ready.send(Ready {
            assistant: Arc::clone(&assistant),
            ui_url: served.as_ref().map(|s| s.ui_url().to_owned()),
            supervisor: supervisor.clone(),
        });
    }
    let mut held = std::collections::HashSet::new();
    let mut pending_release: Option<(u32, tokio::time::Instant)> = None;
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    // The recording in progress, if any, and how to end it.
    let mut recording: Option<(Stopper, tokio::task::JoinHandle<()>)> = None;
    eprintln!("TonnyTray is running; type a request and press Enter, or Ctrl+C to stop");
    loop {
        tokio::select! {
            line = stdin.next_line(), if stdin_open => match line {
                Ok(Some(line)) if !line.trim().is_empty() => {
                    if let Err(e) = assistant.ask(&line).await {
                        eprintln!("tonny: {e}");
                    }
                }
                Ok(Some(_)) => {}
                _ => stdin_open = false,
            },
            Some((id, state)) = keys_rx.recv() => {
                tracing::debug!(id, ?state, "hotkey");
                let Some(&(_, action)) = bindings.iter().find(|(i, _)| *i == id) else { continue };
                recording = recording.filter(|(_, task)| !task.is_finished());
                // A held key auto-repeats as release+press pairs: a press right after a release
                // of the same key, or while it is held, is the repeat, not the person.
                let now = tokio::time::Instant::now();
                match state {
                    HotKeyState::Pressed => {
                        let repeat = held.contains(&id)
                            || pending_release.is_some_and(|(i, _)| i == id);
                        if pending_release.is_some_and(|(i, _)| i == id) {
                            pending_release = None;
                        }
                        held.insert(id);
                        if repeat {
                            continue;
                        }
                    }
                    HotKeyState::Released => {
                        held.remove(&id);
                        if action == Action::PushToTalk {
                            // Acted on only if no repeat press follows at once.
                            pending_release = Some((id, now + AUTOREPEAT_GAP));
                            continue;
                        }
                    }
                }
                match (action, state, &recording) {
                    (Action::Cancel, HotKeyState::Pressed, _) => {
                        if let Some(v) = &voice_out { v.stop(); }
                        if let Some((stop, _)) = &recording { stop.stop(); }
                        hands_free_stop.stop();
                        let _ = assistant.coordinator().cancel().await;
                    }
                    (Action::Toggle, HotKeyState::Pressed, Some((stop, _))) => stop.stop(),
                    (Action::Toggle | Action::PushToTalk, HotKeyState::Pressed, None) if hands_free.is_none() => {
                        let Some(mic) = &mic else { continue };
                        let Some(engine) = engine_for_talk(&speech, &mut engine_loaded, &assistant).await else { continue };
                        let hearing = Hearing { ctx, assistant: &assistant, engine: &engine, mic, settings: &settings, voice_out: &voice_out };
                        recording = Some(hearing.start(action == Action::Toggle, Purpose::Command));
                    }
                    _ => {}
                }
            },
            Some(control) = async { controls.as_mut()?.recv().await }, if controls.is_some() => {
                recording = recording.filter(|(_, task)| !task.is_finished());
                match (control, &recording) {
                    (Control::Quit, _) => break,
                    (Control::Cancel, _) => {
                        if let Some(v) = &voice_out { v.stop(); }
                        if let Some((stop, _)) = &recording { stop.stop(); }
                        hands_free_stop.stop();
                        let _ = assistant.coordinator().cancel().await;
                    }
                    // A second Talk ends the recording early, like the toggle hotkey.
                    (Control::Talk(_), Some((stop, _))) => stop.stop(),
                    (Control::Talk(purpose), None) if hands_free.is_none() => {
                        let Some(mic) = &mic else {
                            assistant.notify("warn", "Cannot listen", "no microphone could be opened; type the request in the dashboard instead").await;
                            continue;
                        };
                        let Some(engine) = engine_for_talk(&speech, &mut engine_loaded, &assistant).await else { continue };
                        let hearing = Hearing { ctx, assistant: &assistant, engine: &engine, mic, settings: &settings, voice_out: &voice_out };
                        recording = Some(hearing.start(true, purpose));
                    }
                    _ => {}
                }
            }
            _ = tokio::time::sleep_until(pending_release.map_or(tokio::time::Instant::now(), |(_, at)| at)), if pending_release.is_some() => {
                pending_release = None;
                if let Some((stop, task)) = &recording && !task.is_finished() {
                    stop.stop();
                }
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
            _ = hangup.recv() => {
                // `tonny services restart NAME` leaves a request and sends SIGHUP.
                if let Some(s) = &supervisor {
                    for name in crate::cmd::services::take_restart_requests(ctx) {
                        let _ = s.restart(&name);
                    }
                }
            }
        }
    }
    eprintln!("stopping");
    // A recording holds a blocking thread that the runtime waits for at exit: end it now.
    shutting_down.store(true, std::sync::atomic::Ordering::SeqCst);
    hands_free_stop.stop();
    if let Some((stop, _)) = &recording {
        stop.stop();
    }
    if let Some(task) = hands_free {
        // It ends after the utterance in hand; stop that one again in case it had just begun.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        hands_free_stop.stop();
        task.abort();
    }
    // Requests in flight finish before the rest stops.
    if let Some(served) = served {
        served.shut_down().await;
    }
    let _ = stop_timers.send(());
    let _ = timers.await;
    // An undelivered request stays queued for the next start.
    outbox.abort();
    if let Some(s) = supervisor {
        s.stop_all().await;
        crate::cmd::services::clear_records(ctx, &s);
    }
    Ok(ExitCode::SUCCESS)
}
