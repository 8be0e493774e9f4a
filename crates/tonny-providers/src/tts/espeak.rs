//! The local voice: espeak-ng, run as a program. It works offline and is in every Linux
//! distribution; the library (libespeak-ng) has no maintained Rust binding, and the program's
//! `--stdout` WAV is a stable interface, so we run it rather than link it.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;
use tonny_core::settings::TtsSettings;
use tonny_core::tts::{Speech, Tts, TtsError, check_text};
use wait_timeout::ChildExt;

/// espeak-ng's words per minute at speed 1.0.
const NORMAL_WPM: f64 = 175.0;

/// espeak-ng with a voice, rate and pitch from the `tts.*` settings.
#[derive(Debug, Clone)]
pub struct EspeakTts {
    // The program to run (`espeak-ng` on PATH unless a test or packager says otherwise).
    program: String,
    // espeak-ng voice name, e.g. `en-us`.
    voice: String,
    // Words per minute.
    wpm: u32,
    // 0–99.
    pitch: u32,
    // One synthesis may take this long before it is stopped.
    timeout: Duration,
}

impl EspeakTts {
    /// The voice the settings describe.
    pub fn from_settings(tts: &TtsSettings) -> Self {
        Self {
            program: "espeak-ng".into(),
            voice: tts.voice.clone(),
            wpm: (NORMAL_WPM * tts.speed).round() as u32,
            pitch: tts.pitch,
            timeout: Duration::from_millis(tts.timeout_ms),
        }
    }

    /// Runs another espeak-ng binary (packagers, tests).
    pub fn with_program(mut self, program: impl Into<String>) -> Self {
        self.program = program.into();
        self
    }
}

impl Tts for EspeakTts {
    fn name(&self) -> String {
        format!("espeak-ng {}", self.voice)
    }

    fn synthesize(&self, text: &str) -> Result<Speech, TtsError> {
        check_text(text)?;
        // The text goes in on stdin, never in argv: it cannot be read as an option and does
        // not show in the process list.
        let mut child = Command::new(&self.program)
            .args(["--stdout", "-v", &self.voice])
            .args(["-s", &self.wpm.to_string(), "-p", &self.pitch.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                TtsError::Unavailable(if e.kind() == std::io::ErrorKind::NotFound {
                    "the local voice needs espeak-ng, which is not installed \
                     (Debian/Ubuntu: sudo apt install espeak-ng)"
                        .to_owned()
                } else {
                    format!("could not start {}: {e}", self.program)
                })
            })?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        let text = text.to_owned();
        let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
        let mut stdout = child.stdout.take().expect("piped stdout");
        let reader = std::thread::spawn(move || {
            let mut wav = Vec::new();
            stdout.read_to_end(&mut wav).map(|_| wav)
        });
        let mut stderr = child.stderr.take().expect("piped stderr");
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let status = match child.wait_timeout(self.timeout) {
            Ok(Some(status)) => status,
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(TtsError::Timeout {
                    timeout_ms: self.timeout.as_millis() as u64,
                });
            }
            Err(e) => return Err(TtsError::Engine(format!("espeak-ng: {e}"))),
        };
        let _ = writer.join();
        let wav = reader
            .join()
            .expect("reader thread")
            .map_err(|e| TtsError::Engine(format!("reading espeak-ng's audio: {e}")))?;
        let stderr = errors.join().unwrap_or_default();
        if !status.success() {
            if stderr.contains("voice does not exist") || stderr.contains("Failed to read voice") {
                return Err(TtsError::UnknownVoice(format!(
                    "espeak-ng has no voice '{}' (tts.voice); `espeak-ng --voices` lists them",
                    self.voice
                )));
            }
            return Err(TtsError::Engine(format!(
                "espeak-ng failed ({status}): {}",
                stderr.trim()
            )));
        }
        parse_wav(&wav)
    }
}

// espeak-ng streams its WAV, so the header's data length is a placeholder (0x7ffff000): read
// samples until the bytes end instead of trusting it.
fn parse_wav(wav: &[u8]) -> Result<Speech, TtsError> {
    let bad =
        |e: hound::Error| TtsError::Engine(format!("espeak-ng produced unreadable audio: {e}"));
    let reader = hound::WavReader::new(wav).map_err(bad)?;
    let spec = reader.spec();
    if spec.channels != 1 || spec.bits_per_sample != 16 {
        return Err(TtsError::Engine(format!(
            "espeak-ng produced {} channel(s) of {}-bit audio; expected mono 16-bit",
            spec.channels, spec.bits_per_sample
        )));
    }
    let samples: Vec<f32> = reader
        .into_samples::<i16>()
        .map_while(Result::ok)
        .map(|s| f32::from(s) / 32768.0)
        .collect();
    Ok(Speech {
        samples,
        sample_rate: spec.sample_rate,
    })
}
