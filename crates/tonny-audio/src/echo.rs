//! Echo cancellation on the sound server, so the microphone can stay open while TonnyTray
//! speaks (barge-in) without hearing itself: PulseAudio's `module-echo-cancel` (also served by
//! PipeWire's pulse server) with WebRTC's canceller puts a virtual microphone and a virtual
//! speaker in front of the real ones; what is played on the virtual speaker is subtracted from
//! what the virtual microphone records.
//!
//! The module is loaded with `pactl` rather than through a client library: cpal's PulseAudio
//! client (the `pulseaudio` crate) has no module calls, `libpulse-binding` would add a C
//! library to link for two requests, and `pactl` is installed wherever a PulseAudio or PipeWire
//! pulse server is (`pulseaudio-utils`). Only the canceller is enabled: the gain controls
//! would change the person's microphone volume and noise suppression colours speech the
//! recogniser hears better untouched.

use std::process::Command;

use crate::devices::pulse_server_present;

/// Prefix of the devices' names; the owner's process id follows, so a module left behind by a
/// killed TonnyTray is recognised and removed by the next one.
const NAME_PREFIX: &str = "tonny_echo_cancel";

/// Why echo cancellation could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum EchoError {
    /// No PulseAudio or PipeWire server runs.
    #[error("echo cancellation needs a PulseAudio or PipeWire sound server, and none is running")]
    NoServer,
    /// `pactl` is not installed.
    #[error("echo cancellation needs pactl (install pulseaudio-utils): {0}")]
    NoPactl(#[source] std::io::Error),
    /// The server refused to load the module.
    #[error(
        "the sound server could not start echo cancellation ({0}); check that the microphone and speaker exist"
    )]
    Refused(String),
}

/// The echo-cancelled microphone and speaker while this value lives; dropping it removes them.
#[derive(Debug)]
pub struct EchoCanceller {
    module: String,
    source: String,
    sink: String,
}

fn pactl(args: &[&str]) -> Result<String, EchoError> {
    let out = Command::new("pactl")
        .args(args)
        .output()
        .map_err(EchoError::NoPactl)?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(EchoError::Refused(
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        ))
    }
}

/// Whether process `pid` is alive (its module is still in use).
fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Unloads the echo cancellers of TonnyTray processes that are gone (killed before they could
/// remove their own).
fn remove_stale() {
    let Ok(modules) = pactl(&["list", "short", "modules"]) else {
        return;
    };
    for line in modules.lines() {
        let mut fields = line.split('\t');
        let (Some(index), Some(name), Some(args)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if name != "module-echo-cancel" {
            continue;
        }
        let owner = args
            .split_whitespace()
            .find_map(|a| a.strip_prefix(&format!("source_name={NAME_PREFIX}_source_")))
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = owner
            && !alive(pid)
        {
            tracing::info!(
                component = "audio",
                "removing the echo canceller a stopped TonnyTray ({pid}) left behind"
            );
            let _ = pactl(&["unload-module", index]);
        }
    }
}

impl EchoCanceller {
    /// Puts echo cancellation in front of `microphone` and `speaker` (the server's defaults
    /// when `None`).
    pub fn start(microphone: Option<&str>, speaker: Option<&str>) -> Result<Self, EchoError> {
        if !pulse_server_present() {
            return Err(EchoError::NoServer);
        }
        remove_stale();
        let pid = std::process::id();
        let source = format!("{NAME_PREFIX}_source_{pid}");
        let sink = format!("{NAME_PREFIX}_sink_{pid}");
        let mut args = vec![
            "load-module".to_owned(),
            "module-echo-cancel".to_owned(),
            "aec_method=webrtc".to_owned(),
            "aec_args='analog_gain_control=0 digital_gain_control=0 noise_suppression=0'"
                .to_owned(),
            format!("source_name={source}"),
            format!("sink_name={sink}"),
            "source_properties='device.description=\"TonnyTray microphone (echo cancelled)\"'"
                .to_owned(),
            "sink_properties='device.description=\"TonnyTray speaker (echo cancelled)\"'"
                .to_owned(),
        ];
        if let Some(m) = microphone {
            args.push(format!("source_master={m}"));
        }
        if let Some(s) = speaker {
            args.push(format!("sink_master={s}"));
        }
        let mut with_fixed_alignment: Vec<&str> = args.iter().map(String::as_str).collect();
        // PulseAudio re-measures every second how far the speaker's and the microphone's
        // streams are apart and, when its estimate says the microphone is ahead, drops
        // speaker samples to re-align them. The estimate jitters by a few milliseconds, each
        // drop moves the echo against the canceller's filter, and for the next second
        // TonnyTray's voice comes back 10-20 dB louder (measured: 45 drops in a 40 s session,
        // residue bursts up to -26 dBFS). Aligned once when the streams start, the canceller
        // follows the slow drift of two clocks itself. PipeWire's pulse server aligns on its
        // graph clock and may refuse the argument: then it is loaded without it.
        with_fixed_alignment.push("adjust_time=0");
        let module = match pactl(&with_fixed_alignment) {
            Ok(module) => module,
            Err(EchoError::Refused(_)) => {
                with_fixed_alignment.pop();
                pactl(&with_fixed_alignment)?
            }
            Err(e) => return Err(e),
        };
        tracing::info!(
            component = "audio",
            "echo cancellation on: recording from {source}, playing on {sink}"
        );
        Ok(Self {
            module,
            source,
            sink,
        })
    }

    /// The echo-cancelled microphone's name, for the capture stream.
    pub fn microphone(&self) -> &str {
        &self.source
    }

    /// The speaker whose sound is cancelled, for playback.
    pub fn speaker(&self) -> &str {
        &self.sink
    }

    /// True while the server still has the module (it unloads it when the real microphone or
    /// speaker behind it disappears).
    pub fn is_running(&self) -> bool {
        pactl(&["list", "short", "modules"]).is_ok_and(|list| {
            list.lines()
                .any(|l| l.split('\t').next() == Some(self.module.as_str()))
        })
    }
}

impl Drop for EchoCanceller {
    fn drop(&mut self) {
        if let Err(e) = pactl(&["unload-module", &self.module]) {
            tracing::debug!(component = "audio", "echo cancellation already gone: {e}");
        }
    }
}
