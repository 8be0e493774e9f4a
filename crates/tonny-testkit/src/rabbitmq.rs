//! A real RabbitMQ broker for tests (Debian package `rabbitmq-server`), private to the test:
//! its own node name, data and log directories, and AMQP port on 127.0.0.1. Started as the
//! current user (the packaged wrapper would switch to the `rabbitmq` user), stopped with
//! `rabbitmqctl shutdown`, and restartable in place to test reconnection.
//!
//! Brokers take ~5 s to start and a few hundred MB, so tests take turns, like the sound server.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tempfile::TempDir;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const BIN: &str = "/usr/lib/rabbitmq/bin";

/// A running broker; shut down (with its `epmd`) when dropped.
pub struct RabbitServer {
    _turn: std::sync::MutexGuard<'static, ()>,
    dir: TempDir,
    node: String,
    port: u16,
    server: Option<Child>,
    // The Erlang port mapper this broker registers with: started by the test on a port of its
    // own (not the shared 4369), so ending it by PID ends no other broker's.
    epmd: Child,
    epmd_port: u16,
}

impl RabbitServer {
    /// Starts a broker and waits until it accepts AMQP connections; panics with its log if it
    /// does not within a minute.
    pub fn start() -> Self {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        assert!(
            Path::new(BIN).join("rabbitmq-server").exists(),
            "rabbitmq-server is not installed (apt package rabbitmq-server)"
        );
        let dir = tempfile::Builder::new()
            .prefix("tonny-rabbitmq-")
            .tempdir()
            .unwrap();
        std::fs::write(dir.path().join("enabled_plugins"), "[].").unwrap();
        let epmd_port = crate::free_port();
        let epmd = Command::new("epmd")
            .args(["-port", &epmd_port.to_string(), "-address", "127.0.0.1"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting epmd (it comes with rabbitmq-server's Erlang)");
        // Listening before the broker looks for it (else Erlang would start another one).
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", epmd_port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "epmd did not listen on port {epmd_port} within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut server = Self {
            _turn: turn,
            node: format!("tonny{}@localhost", std::process::id()),
            port: crate::free_port(),
            dir,
            server: None,
            epmd,
            epmd_port,
        };
        server.boot();
        server
    }

    fn env(&self, cmd: &mut Command) {
        let d = self.dir.path();
        cmd.env("HOME", d)
            .env("RABBITMQ_MNESIA_BASE", d.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", d.join("log"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", d.join("enabled_plugins"))
            .env("RABBITMQ_NODENAME", &self.node)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env(
                "RABBITMQ_DIST_PORT",
                (u32::from(self.port) % 20_000 + 30_000).to_string(),
            )
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .env("ERL_EPMD_PORT", self.epmd_port.to_string());
    }

    fn ctl(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(Path::new(BIN).join("rabbitmqctl"));
        cmd.args(["-n", &self.node, "-q"]).args(args);
        self.env(&mut cmd);
        cmd.output().expect("running rabbitmqctl")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    fn boot(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log())
            .unwrap();
        let mut cmd = Command::new(Path::new(BIN).join("rabbitmq-server"));
        self.env(&mut cmd);
        cmd.current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0);
        self.server = Some(cmd.spawn().expect("starting rabbitmq-server"));
        let started = Instant::now();
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && self.ctl(&["await_startup"]).status.success()
            {
                return;
            }
            if let Some(Ok(Some(status))) = self.server.as_mut().map(Child::try_wait) {
                panic!(
                    "rabbitmq-server exited ({status}):\n{}",
                    std::fs::read_to_string(self.log()).unwrap_or_default()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "rabbitmq-server did not start within a minute:\n{}",
                std::fs::read_to_string(self.log()).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn halt(&mut self) {
        let _ = self.ctl(&["shutdown"]);
        if let Some(mut child) = self.server.take() {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // Still there: end the whole process group.
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
        }
    }

    /// `amqp://guest:guest@127.0.0.1:PORT/%2f`.
    pub fn amqp_url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// Stops the broker (connections drop) and starts it again on the same port and data.
    pub fn restart(&mut self) {
        self.halt();
        self.boot();
    }

    /// Stops the broker without starting it again (until [`RabbitServer::start_again`]).
    pub fn stop(&mut self) {
        self.halt();
    }

    /// Starts a stopped broker on the same port and data.
    pub fn start_again(&mut self) {
        self.boot();
    }
}

impl Drop for RabbitServer {
    fn drop(&mut self) {
        self.halt();
        // Only the port mapper this test started, by its PID.
        let _ = self.epmd.kill();
        let _ = self.epmd.wait();
    }
}
