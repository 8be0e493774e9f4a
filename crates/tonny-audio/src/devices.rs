//! Whether this machine has any sound system at all, checked before asking ALSA: with neither a
//! sound card nor a PulseAudio/PipeWire server, ALSA prints a page of errors to stderr on every
//! open attempt, and the person only needs one clear sentence.

use std::path::PathBuf;

/// True if a PulseAudio-compatible server socket or an ALSA sound card exists.
pub fn sound_system_present() -> bool {
    pulse_server_present() || alsa_card_present()
}

pub(crate) fn pulse_server_present() -> bool {
    if std::env::var_os("PULSE_SERVER").is_some_and(|s| !s.is_empty()) {
        return true;
    }
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(format!("/run/user/{}", nix_uid())));
    runtime.join("pulse/native").exists()
}

fn alsa_card_present() -> bool {
    std::fs::read_to_string("/proc/asound/cards").is_ok_and(|cards| {
        cards
            .lines()
            .any(|l| !l.trim().is_empty() && !l.contains("no soundcards"))
    })
}

// The real user id from /proc (avoids a libc dependency for one number).
fn nix_uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// The sentence for "no sound system": what is missing and what to do.
pub const NO_SOUND_SYSTEM: &str = "there is no sound card and no PulseAudio or PipeWire server \
                                   on this machine; start one (or plug in a device), or set \
                                   PULSE_SERVER";

/// The display names of `devices`, for messages and the device picker.
pub fn device_names(devices: impl Iterator<Item = cpal::Device>) -> Vec<String> {
    devices.map(|d| d.to_string()).collect()
}

/// The device called `wanted` in what `list` gives, asking again (three listings over about a
/// second) before saying there is none: a sound server under load, or one that has just loaded
/// a module (the echo canceller's microphone and speaker), can leave a device out of one
/// listing. `list` should ask `cpal::default_host()` each time: when PulseAudio does not answer
/// at once, cpal's default host is ALSA's, which knows no PulseAudio device by name.
/// `Err` is the listing's own failure.
pub fn find_listed<I, E>(
    mut list: impl FnMut() -> Result<I, E>,
    wanted: &str,
) -> Result<Option<cpal::Device>, E>
where
    I: Iterator<Item = cpal::Device>,
{
    for _ in 0..3 {
        if let Some(d) = find_device(list()?, wanted) {
            return Ok(Some(d));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    Ok(find_device(list()?, wanted))
}

/// The device whose display name or id is `wanted` (ids may be written without the host
/// prefix: `vsink.monitor` for `pulseaudio:vsink.monitor`).
pub fn find_device(
    mut devices: impl Iterator<Item = cpal::Device>,
    wanted: &str,
) -> Option<cpal::Device> {
    use cpal::traits::DeviceTrait;
    devices.find(|d| {
        d.to_string() == wanted
            || d.id().is_ok_and(|id| {
                let id = id.to_string();
                id == wanted
                    || id
                        .rsplit_once(':')
                        .is_some_and(|(_, short)| short == wanted)
            })
    })
}

/// The microphones and speakers a person can pick (`audio.input_device`,
/// `audio.output_device`), by the names those settings take; empty lists without a sound
/// system.
pub fn available() -> (Vec<String>, Vec<String>) {
    use cpal::traits::HostTrait;
    if !sound_system_present() {
        return (Vec::new(), Vec::new());
    }
    let host = cpal::default_host();
    let inputs = host.input_devices().map(device_names).unwrap_or_default();
    let outputs = host.output_devices().map(device_names).unwrap_or_default();
    (inputs, outputs)
}

/// The sound server could not be asked which devices it has (busy, restarting): whether the
/// microphone is still there is unknown, which is not the same as gone.
#[derive(Debug, thiserror::Error)]
#[error("the sound server did not answer ({0})")]
pub struct ProbeFailed(String);

/// The name of the microphone [`crate::capture::Microphone::open`] would open for `device`
/// now (the named one, or the current default), or `None` when there is none: a daemon compares
/// it with the microphone it holds to notice an unplugged device or a changed default.
///
/// A PulseAudio server that does not answer within cpal's 2 s (a machine busy synthesising
/// speech) makes cpal fall back to plain ALSA, where the server's virtual devices do not
/// exist: that is an error here, so a held microphone is not dropped for it.
pub fn current_input(device: Option<&str>) -> Result<Option<String>, ProbeFailed> {
    use cpal::traits::HostTrait;
    if !sound_system_present() {
        return Ok(None);
    }
    let host = cpal::default_host();
    if pulse_server_present() && host.id() != cpal::HostId::PulseAudio {
        return Err(ProbeFailed("no answer from the PulseAudio server".into()));
    }
    match device {
        Some(wanted) => {
            let devices = host
                .input_devices()
                .map_err(|e| ProbeFailed(e.to_string()))?;
            Ok(find_device(devices, wanted).map(|d| d.to_string()))
        }
        None => Ok(host.default_input_device().map(|d| d.to_string())),
    }
}
