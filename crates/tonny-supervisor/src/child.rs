//! A child process in its own process group: spawned without a shell and with a controlled
//! environment, its output captured line by line into the logs, stopped as a group.

use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use crate::ServiceSpec;

/// Environment variables passed through from ours; everything else the child gets is in its
/// spec.
const PASSED_THROUGH: &[&str] = &[
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "XDG_RUNTIME_DIR",
];

/// Spawns `spec`'s program as the leader of a new process group, logging its output.
pub fn spawn(spec: &ServiceSpec) -> std::io::Result<Child> {
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .env_clear()
        .envs(
            PASSED_THROUGH
                .iter()
                .filter_map(|k| std::env::var(k).ok().map(|v| (*k, v))),
        )
        .envs(spec.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        // If TonnyTray itself is killed, the group is still stopped by the next start
        // (see `stop_group`), but a dropped handle should not leave a running child behind.
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    if let Some(out) = child.stdout.take() {
        tokio::spawn(log_lines(spec.name.clone(), "stdout", out));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(log_lines(spec.name.clone(), "stderr", err));
    }
    Ok(child)
}

async fn log_lines(service: String, stream: &'static str, pipe: impl AsyncRead + Unpin) {
    let mut lines = BufReader::new(pipe).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if !line.trim().is_empty() {
            tracing::info!(component = service.as_str(), stream, "{line}");
        }
    }
}

/// Stops the group led by `child`: SIGTERM, then SIGKILL after `grace`. Returns once the
/// leader has exited (its exit status is collected, so no zombie remains).
pub async fn stop_group(child: &mut Child, grace: Duration) {
    let Some(pid) = child.id() else {
        return; // Already reaped.
    };
    let group = Pid::from_raw(pid as i32);
    let _ = killpg(group, Signal::SIGTERM);
    if tokio::time::timeout(grace, child.wait()).await.is_err() {
        let _ = killpg(group, Signal::SIGKILL);
        let _ = child.wait().await;
    }
    // Anything the service forked that ignored SIGTERM goes too.
    let _ = killpg(group, Signal::SIGKILL);
}
