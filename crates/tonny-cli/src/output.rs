//! Printing: JSON for scripts, aligned tables and short sentences for people.

use std::io::Write;

use chrono::{DateTime, Local, Utc};
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

/// `writeln!` to stdout that returns the I/O error (a closed pipe ends the command quietly)
/// instead of panicking like `println!`.
macro_rules! out {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}
pub(crate) use out;

/// Prints `value` as pretty JSON.
pub fn json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value)?;
    writeln!(stdout)?;
    Ok(())
}

/// A borderless table with a header row, wrapped to the terminal.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    t
}

/// Prints a table.
pub fn print_table(t: &Table) -> anyhow::Result<()> {
    out!("{t}");
    Ok(())
}

/// `1536` → `1.5 KiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// A timestamp in local time, to the second.
pub fn when(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// What a person at the terminal sees of a daemon event, if anything: when to speak, what was
/// heard (unless `heard` is false: a command that prints the transcript itself), why nothing
/// was sent, notifications, services, devices, settings that wait for a restart. The one
/// rendering `tonny run`, `tonny listen` and `tonny dictate` share, in-process or through a
/// daemon.
pub fn event_line(e: &tonny_core::pipeline::Event, heard: bool) -> Option<String> {
    use tonny_core::pipeline::Event;
    Some(match e {
        // The person waits for this before speaking (programs use `--events`).
        Event::Listening { device, .. } => format!("listening on {device} — speak now"),
        Event::Transcript { text, .. } if heard => format!("heard: {text}"),
        Event::NothingHeard { message, .. } => format!("tonny: {message}"),
        Event::Notification { title, body } => format!("[{title}] {body}"),
        Event::ServiceHealth { service, state, .. } => format!("[{service}] {state}"),
        Event::DeviceChanged { message, .. } => format!("tonny: {message}"),
        Event::SettingsChanged {
            restart_required, ..
        } if !restart_required.is_empty() => format!(
            "tonny: {} takes effect after a restart",
            restart_required.join(", ")
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn bytes_are_human() {
        assert_eq!(super::bytes(512), "512 B");
        assert_eq!(super::bytes(1536), "1.5 KiB");
        assert_eq!(super::bytes(10 * 1024 * 1024), "10.0 MiB");
    }
}
