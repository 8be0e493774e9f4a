//! Runs the real `tonny` binary the way a user would, isolated from the developer's machine.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::TempHome;

/// A `tonny` invocation being built.
pub struct Tonny {
    /// The command, with a scrubbed environment.
    cmd: Command,
    /// Bytes written to stdin, then closed.
    stdin: Vec<u8>,
}

/// What a finished `tonny` run produced.
#[derive(Debug)]
pub struct Output {
    /// Exit code (-1 if killed).
    pub code: i32,
    /// Standard output as text.
    pub stdout: String,
    /// Standard error as text.
    pub stderr: String,
}

impl Output {
    /// Panics with both streams unless the run succeeded.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "tonny failed\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics unless the run failed.
    pub fn failed(self) -> Self {
        assert_ne!(
            self.code, 0,
            "tonny unexpectedly succeeded\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl Tonny {
    /// `exe` in `home`: no inherited `TONNY_*` variables, no session bus, and the encrypted-file
    /// secrets backend unless a test opts into a keychain with [`Tonny::keychain`].
    pub fn new(exe: impl AsRef<Path>, home: &TempHome) -> Self {
        let mut cmd = Command::new(exe.as_ref());
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("TONNY_") {
                cmd.env_remove(&k);
            }
        }
        // No sound server unless a test starts one ([`Tonny::pulse`]), so nothing plays on the
        // developer's speakers; no display unless a test starts one.
        cmd.env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("PULSE_SERVER")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env("XDG_RUNTIME_DIR", home.path().join("no-runtime"))
            .env("TONNY_HOME", home.path())
            .env("TONNY_SECRETS_BACKEND", "file")
            // Live text decodes all through a recording; with several daemons and reference
            // engines sharing two cores, it took CPU other tests' real-time audio needed. The
            // tests about live text turn it on ([`Tonny::live_text`]).
            .env("TONNY_STT_LIVE_TEXT_MS", "0")
            .env("NO_COLOR", "1")
            .current_dir(home.path());
        Self {
            cmd,
            stdin: Vec::new(),
        }
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Adds one argument.
    pub fn arg(mut self, a: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(a);
        self
    }

    /// Adds a path argument.
    pub fn arg_path(mut self, p: &Path) -> Self {
        self.cmd.arg(p);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, k: &str, v: impl AsRef<OsStr>) -> Self {
        self.cmd.env(k, v);
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, k: &str) -> Self {
        self.cmd.env_remove(k);
        self
    }

    /// Uses the keychain on `bus` (auto backend selection, as for a real user).
    pub fn keychain(self, bus: &str) -> Self {
        self.env("DBUS_SESSION_BUS_ADDRESS", bus)
            .env("TONNY_SECRETS_BACKEND", "auto")
    }

    /// Uses the private sound server `pulse`.
    pub fn pulse(self, pulse: &crate::PulseServer) -> Self {
        self.env("XDG_RUNTIME_DIR", pulse.runtime_dir())
    }

    /// Uses the private X server `x` (typing, clipboard).
    pub fn x11(self, x: &crate::XServer) -> Self {
        self.env("DISPLAY", x.display())
    }

    /// Turns live text on (`stt.live_text_ms`), as it is by default outside the tests.
    pub fn live_text(self) -> Self {
        self.env("TONNY_STT_LIVE_TEXT_MS", "700")
    }

    /// Uses the private Wayland compositor `sway` (typing, the focused app id); the display is
    /// an absolute socket path, so `XDG_RUNTIME_DIR` stays free for PulseAudio.
    pub fn wayland(self, sway: &crate::Sway) -> Self {
        self.env("WAYLAND_DISPLAY", sway.wayland_display())
            .env("SWAYSOCK", sway.swaysock())
    }

    /// Starts the command in the background, stdin closed after `stdin` bytes.
    pub fn spawn(mut self) -> Running {
        let mut child = self
            .cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning tonny");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&std::mem::take(&mut self.stdin)).unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let stdout = Arc::new(Mutex::new(String::new()));
        let events = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            collect_lines(child.stderr.take().unwrap(), Arc::clone(&stderr), None),
            collect_lines(
                child.stdout.take().unwrap(),
                Arc::clone(&stdout),
                Some(Arc::clone(&events)),
            ),
        ];
        Running {
            child,
            stdin: Some(stdin),
            stderr,
            stdout,
            events,
            readers,
        }
    }

    /// Feeds `input` on stdin.
    pub fn stdin(mut self, input: impl AsRef<[u8]>) -> Self {
        self.stdin = input.as_ref().to_vec();
        self
    }

    /// Runs to completion.
    pub fn run(mut self) -> Output {
        let mut child = self
            .cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning tonny");
        let mut stdin = child.stdin.take().unwrap();
        let input = std::mem::take(&mut self.stdin);
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().expect("waiting for tonny");
        let _ = writer.join();
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Reads `pipe` line by line into `text` as it comes; with `events`, each line that is a JSON
/// object with a `type` (what `tonny run --events` prints) is kept there too.
fn collect_lines(
    pipe: impl Read + Send + 'static,
    text: Arc<Mutex<String>>,
    events: Option<Arc<Mutex<Vec<serde_json::Value>>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if let Some(events) = &events
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                && v.get("type").is_some()
            {
                events.lock().unwrap().push(v);
            }
            let mut s = text.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    })
}

/// A `tonny` started with [`Tonny::spawn`].
pub struct Running {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    stderr: Arc<Mutex<String>>,
    stdout: Arc<Mutex<String>>,
    events: Arc<Mutex<Vec<serde_json::Value>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Running {
    /// The events it printed on stdout (`tonny run --events`), as they come: wait on these,
    /// not on what it says to a person.
    pub fn events(&self) -> crate::daemon::Events {
        crate::daemon::Events::shared(Arc::clone(&self.events))
    }

    /// Everything it printed on stderr so far.
    pub fn stderr_text(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Writes a line to its stdin.
    pub fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills it at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Ends it with SIGTERM (a graceful stop) and returns what it printed.
    pub fn finish_after_kill(self) -> Output {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.finish()
    }

    /// Closes stdin and waits for it to exit.
    pub fn finish(mut self) -> Output {
        drop(self.stdin.take());
        let status = self.child.wait().expect("waiting for tonny");
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        Output {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout.lock().unwrap().clone(),
            stderr: self.stderr.lock().unwrap().clone(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every file under `dirs` whose bytes contain `needle`, for secret-leak checks.
pub fn files_containing(dirs: &[PathBuf], needle: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let needle = needle.as_bytes();
    let mut stack: Vec<PathBuf> = dirs.to_vec();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                stack.extend(rd.flatten().map(|e| e.path()));
            }
        } else if let Ok(bytes) = std::fs::read(&p)
            && bytes.windows(needle.len()).any(|w| w == needle)
        {
            hits.push(p);
        }
    }
    hits
}
