//! Audio for TonnyTray that needs no device: decode files and streams, convert to the 16 kHz mono
//! `f32` every speech engine takes, and find speech with voice-activity detection.
//!
//! # Layout
//! - [`capture`]: one utterance from a microphone: pre-roll, VAD endpointing, levels, unplugging.
//! - [`decode`]: WAV, FLAC, MP3, OGG/Vorbis via symphonia, with size limits checked up front.
//! - [`resample`]: channel mix-down and sample-rate conversion (rubato).
//! - [`devices`]: whether any sound system exists, before ALSA is asked.
//! - [`focus`]: which application has the focused window (X11 WM_CLASS, sway, Hyprland).
//! - [`echo`]: echo cancellation on the sound server (PulseAudio's `module-echo-cancel`), so
//!   the microphone can stay open while TonnyTray speaks.
//! - [`portal`]: the desktop portals on Wayland desktops without a virtual keyboard (GNOME,
//!   KDE): GlobalShortcuts for the hotkeys, RemoteDesktop for typing.
//! - [`playback`]: a queue of speech clips on an output device (rodio), stoppable at once.
//! - [`typing`]: text into the focused window (the Wayland virtual keyboard, the RemoteDesktop
//!   portal, xdotool, wtype, ydotool) or the clipboard, which is restored after a paste.
//! - [`vad`]: speech regions and pauses (earshot's neural VAD), used to cut long recordings and,
//!   tracked as audio arrives ([`vad::SpeechTracker`]), to see when a recording's speech ended.
//! - [`virtual_keyboard`]: Wayland typing through `zwp_virtual_keyboard_v1`, without losing the
//!   first character when the seat had no keyboard.

pub mod capture;
pub mod decode;
pub mod devices;
pub mod echo;
pub mod focus;
pub mod playback;
pub mod portal;
pub mod resample;
pub mod typing;
pub mod vad;
pub mod virtual_keyboard;

/// The sample rate every TonnyTray speech engine takes.
pub const SAMPLE_RATE: u32 = 16_000;

pub use decode::{AudioError, Decoded, decode_bytes, decode_file};
