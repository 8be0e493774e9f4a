//! A private PulseAudio server per test: a null sink (a speaker whose monitor can be recorded)
//! and a pipe source (a microphone fed in real time from a FIFO), as in TESTING.md.
//!
//! The virtual microphone streams silence continuously, like a real one, and plays queued
//! speech at real-time pace; [`PulseServer::unplug_mic`] removes it mid-recording.

use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Samples per feeder write (20 ms at 16 kHz).
const CHUNK: usize = 320;

/// Real-time audio tests take turns: run side by side with speech-model tests on two cores, the
/// playback and recording threads miss deadlines and the audio they check comes out garbled.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A running PulseAudio server with `vsink` (default sink) and `vmic` (default source).
pub struct PulseServer {
    _turn: std::sync::MutexGuard<'static, ()>,
    dir: TempDir,
    mic_module: Mutex<Option<String>>,
    queue: Arc<Mutex<VecDeque<i16>>>,
    stop: Arc<AtomicBool>,
    feeder: Mutex<Option<JoinHandle<()>>>,
}

fn pactl(runtime: &Path, args: &[&str]) -> String {
    let out = Command::new("pactl")
        .args(args)
        .env("XDG_RUNTIME_DIR", runtime)
        .env_remove("PULSE_SERVER")
        .output()
        .expect("running pactl (apt package pulseaudio-utils)");
    assert!(
        out.status.success(),
        "pactl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

impl PulseServer {
    /// Starts the server and the virtual devices; panics with the server log if it cannot.
    pub fn start() -> Self {
        // A test that failed while holding the turn poisons it; the next one may still run.
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::Builder::new()
            .prefix("tonny-pulse-")
            .tempdir()
            .unwrap();
        let runtime = dir.path();
        std::fs::set_permissions(runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .unwrap();
        let log = runtime.join("pa.log");
        let status = Command::new("pulseaudio")
            .args([
                "-D",
                "--exit-idle-time=-1",
                "--system=false",
                "--disallow-exit",
                // The server mixes in real time; on a two-core machine busy with speech models
                // it must not wait behind them (it may, as root in CI).
                "--high-priority=yes",
                "--realtime=yes",
                "-n",
                "--load=module-native-protocol-unix",
            ])
            .arg(format!("--log-target=file:{}", log.display()))
            .env("XDG_RUNTIME_DIR", runtime)
            .env("HOME", runtime)
            .status()
            .expect("running pulseaudio (apt package pulseaudio)");
        assert!(
            status.success(),
            "pulseaudio did not start: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        let server = Self {
            _turn: turn,
            dir,
            mic_module: Mutex::new(None),
            queue: Arc::new(Mutex::new(VecDeque::new())),
            stop: Arc::new(AtomicBool::new(false)),
            feeder: Mutex::new(None),
        };
        server.plug_mic();
        server
    }

    /// Adds the speaker and the microphone (again, after [`PulseServer::unplug_mic`]), as the
    /// defaults, with the microphone fed in real time from here.
    pub fn plug_mic(&self) {
        let runtime = self.runtime_dir();
        if self.mic_module.lock().unwrap().is_some() {
            return;
        }
        pactl(
            runtime,
            &["load-module", "module-null-sink", "sink_name=vsink"],
        );
        let fifo = runtime.join("vmic.fifo");
        let module = pactl(
            runtime,
            &[
                "load-module",
                "module-pipe-source",
                "source_name=vmic",
                &format!("file={}", fifo.display()),
                "format=s16le",
                "rate=16000",
                "channels=1",
            ],
        );
        pactl(runtime, &["set-default-sink", "vsink"]);
        pactl(runtime, &["set-default-source", "vmic"]);
        // The feeder of the unplugged microphone ended when its pipe closed.
        if let Some(old) = self.feeder.lock().unwrap().take() {
            let _ = old.join();
        }
        let (queue, stop) = (Arc::clone(&self.queue), Arc::clone(&self.stop));
        *self.feeder.lock().unwrap() = Some(thread::spawn(move || feed(&fifo, &queue, &stop)));
        *self.mic_module.lock().unwrap() = Some(module);
    }

    /// Makes a room: what the speaker plays reaches the microphone too (as a laptop's speakers
    /// reach its microphone), mixed with what is spoken into it ([`PulseServer::speak`]). The
    /// default microphone becomes `vroom.monitor`, that mix.
    pub fn loop_speaker_into_mic(&self) {
        let runtime = self.runtime_dir();
        pactl(
            runtime,
            &["load-module", "module-null-sink", "sink_name=vroom"],
        );
        for source in ["vmic", "vsink.monitor"] {
            pactl(
                runtime,
                &[
                    "load-module",
                    "module-loopback",
                    &format!("source={source}"),
                    "sink=vroom",
                    "latency_msec=20",
                    // A fixed path, as from a laptop's speaker to its microphone: the
                    // loopback's rate adjustment would make the echo's delay drift.
                    "adjust_time=0",
                ],
            );
        }
        pactl(runtime, &["set-default-source", "vroom.monitor"]);
    }

    /// The `XDG_RUNTIME_DIR` clients need to find this server.
    pub fn runtime_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Queues 16 kHz mono speech for the microphone; it plays after what is already queued.
    pub fn speak(&self, samples_16k: &[f32]) {
        let mut q = self.queue.lock().unwrap();
        q.extend(
            samples_16k
                .iter()
                .map(|s| (s.clamp(-1.0, 1.0) * 32767.0) as i16),
        );
    }

    /// Queues a 16 kHz mono WAV file for the microphone.
    pub fn speak_wav(&self, path: &Path) {
        self.speak(&crate::speech::read_wav(path));
    }

    /// True once everything queued has been played into the microphone.
    pub fn mic_idle(&self) -> bool {
        self.queue.lock().unwrap().is_empty()
    }

    /// Waits until a program records from the microphone (a running, uncorked stream on
    /// `vmic`): the moment to speak, read from the sound server rather than from what the
    /// program prints. Panics after `timeout`.
    pub fn wait_for_recording(&self, timeout: Duration) {
        let start = Instant::now();
        loop {
            if self.mic_recorded() {
                return;
            }
            assert!(
                start.elapsed() < timeout,
                "nothing recorded from the microphone within {timeout:?}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// How many streams have the microphone open, recording or paused (the desktop's
    /// "microphone in use" indicator counts them all).
    pub fn mic_streams(&self) -> usize {
        self.mic_outputs().len()
    }

    fn mic_recorded(&self) -> bool {
        self.mic_outputs().iter().any(|o| o["corked"] == false)
    }

    /// The streams recording from the virtual microphone, as `pactl` describes them.
    fn mic_outputs(&self) -> Vec<serde_json::Value> {
        let list = |what: &str| -> Vec<serde_json::Value> {
            serde_json::from_str(&pactl(self.runtime_dir(), &["-f", "json", "list", what]))
                .unwrap_or_default()
        };
        let Some(mic) = list("sources")
            .into_iter()
            .find(|s| s["name"] == "vmic")
            .and_then(|s| s["index"].as_u64())
        else {
            return Vec::new();
        };
        list("source-outputs")
            .into_iter()
            .filter(|o| o["source"].as_u64() == Some(mic))
            .collect()
    }

    /// Removes the microphone, as if it were unplugged. The speaker goes too: PulseAudio
    /// moves a recording whose source disappears to any other source (the speaker's monitor),
    /// which is a desktop's rescue, not the unplug the application must cope with.
    pub fn unplug_mic(&self) {
        if let Some(m) = self.mic_module.lock().unwrap().take() {
            let modules = pactl(self.runtime_dir(), &["list", "short", "modules"]);
            for line in modules.lines().filter(|l| l.contains("module-null-sink")) {
                if let Some(id) = line.split_whitespace().next() {
                    pactl(self.runtime_dir(), &["unload-module", id]);
                }
            }
            pactl(self.runtime_dir(), &["unload-module", &m]);
        }
    }

    /// Starts recording what is played on the speaker into `out` (16 kHz mono WAV).
    pub fn record_speaker(&self, out: &Path) -> SpeakerRecording {
        let child = Command::new("parecord")
            .args([
                "--device=vsink.monitor",
                "--file-format=wav",
                "--rate=16000",
                "--channels=1",
                "--format=s16le",
            ])
            .arg(out)
            .env("XDG_RUNTIME_DIR", self.runtime_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("running parecord (apt package pulseaudio-utils)");
        // Let the recording stream connect before anything plays.
        thread::sleep(Duration::from_millis(300));
        SpeakerRecording {
            child,
            path: out.to_path_buf(),
        }
    }
}

// Writes 20 ms of queued speech (or silence) every 20 ms, on an absolute schedule so the
// microphone runs at real time without drift.
fn feed(fifo: &Path, queue: &Mutex<VecDeque<i16>>, stop: &AtomicBool) {
    let Ok(mut pipe) = OpenOptions::new().write(true).open(fifo) else {
        return;
    };
    let start = Instant::now();
    let mut chunk = [0i16; CHUNK];
    for n in 0u64.. {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        {
            let mut q = queue.lock().unwrap();
            for s in chunk.iter_mut() {
                *s = q.pop_front().unwrap_or(0);
            }
        }
        let bytes: Vec<u8> = chunk.iter().flat_map(|s| s.to_le_bytes()).collect();
        if pipe.write_all(&bytes).is_err() {
            return; // the source was unloaded
        }
        let due = start + Duration::from_millis(20 * (n + 1));
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
    }
}

impl Drop for PulseServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // The server we started, by the PID it wrote in its own runtime directory.
        let pid = std::fs::read_to_string(self.dir.path().join("pulse/pid"))
            .ok()
            .and_then(|p| p.trim().parse::<u32>().ok());
        let _ = Command::new("pulseaudio")
            .arg("--kill")
            .env("XDG_RUNTIME_DIR", self.dir.path())
            .env("HOME", self.dir.path())
            .status();
        if let Some(f) = self.feeder.lock().unwrap().take() {
            let _ = f.join();
        }
        // `--kill` only signals; a server still shutting down writes into the runtime directory
        // while it is removed, and the directory was left behind in /tmp. Wait for it to go.
        if let Some(pid) = pid {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// A `parecord` of the speaker's monitor.
pub struct SpeakerRecording {
    child: Child,
    path: PathBuf,
}

impl SpeakerRecording {
    /// Stops recording and returns the WAV's path.
    pub fn stop(mut self) -> PathBuf {
        // SIGINT lets parecord finish the WAV header.
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        self.path.clone()
    }
}
