//! Telling systemd how the daemon is doing when systemd started it (`Type=notify` in the user
//! unit, `packaging/systemd/tonnytray.service`): ready once the API answers and the runtime
//! file is written, reloading while SIGHUP's settings are applied, stopping, and a watchdog
//! ping so that a daemon whose runtime has wedged is restarted. Without `NOTIFY_SOCKET` (any
//! other way of starting it) every call does nothing.

use std::time::Duration;

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;

/// The daemon takes requests; `status` is shown by `systemctl --user status tonnytray`.
pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// The settings are being read again (SIGHUP); [`reloaded`] follows.
pub fn reloading() {
    // systemd 253+ wants the monotonic time with RELOADING=1 to tell reloads apart.
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now]),
        Err(_) => send(&[NotifyState::Reloading]),
    }
}

/// The settings have been applied again.
pub fn reloaded() {
    send(&[NotifyState::Ready]);
}

/// The daemon is stopping in order (see `Daemon::run`).
pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

/// Pings systemd's watchdog at half the interval the unit asks for (`WatchdogSec=`), until
/// `stop`. The ping comes from a task on the daemon's own runtime, so it stops when the runtime
/// stops making progress, and systemd restarts the daemon. Returns at once without a watchdog.
pub async fn watchdog(stop: CancellationToken) {
    let mut usec = 0;
    if !sd_notify::watchdog_enabled(false, &mut usec) || usec == 0 {
        return;
    }
    let every = Duration::from_micros(usec / 2);
    loop {
        send(&[NotifyState::Watchdog]);
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

fn send(states: &[NotifyState]) {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    if let Err(e) = sd_notify::notify(false, states) {
        tracing::warn!(component = "daemon", "telling systemd failed: {e}");
    }
}
