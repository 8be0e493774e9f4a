//! Decoding audio files and streams into 16 kHz mono `f32`.

use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

use crate::SAMPLE_RATE;
use crate::resample::to_mono_16k;

/// Largest input accepted (1 GiB: about 1.7 hours of 44.1 kHz stereo 16-bit WAV). Checked from
/// the file's size before anything is read, so a huge or sparse file is refused at once.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Formats we decode, for messages.
pub const SUPPORTED: &str = "WAV, FLAC, MP3, OGG/Vorbis, and Opus in Ogg or WebM";

/// Symphonia's codecs plus Opus (what browsers record: `MediaRecorder` makes WebM/Opus).
/// Symphonia has no Opus decoder of its own; the adapter wraps libopus.
fn codecs() -> &'static symphonia::core::codecs::registry::CodecRegistry {
    static CODECS: std::sync::LazyLock<symphonia::core::codecs::registry::CodecRegistry> =
        std::sync::LazyLock::new(|| {
            let mut registry = symphonia::core::codecs::registry::CodecRegistry::new();
            symphonia::default::register_enabled_codecs(&mut registry);
            registry.register_audio_decoder::<symphonia_adapter_libopus::OpusDecoder>();
            registry
        });
    &CODECS
}

/// Why audio could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The input is larger than [`MAX_INPUT_BYTES`].
    #[error(
        "{} is {} MiB, larger than the {} MiB limit for one recording; split it (e.g. `sox in.wav out.wav trim 0 3600 : newfile : restart`) and transcribe the parts",
        what, size / (1 << 20), limit / (1 << 20)
    )]
    TooLarge {
        /// What was too large (a path or "standard input").
        what: String,
        /// Its size in bytes (at least).
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// Zero bytes.
    #[error("{0} is empty (0 bytes)")]
    Empty(String),
    /// Not a format we recognise.
    #[error("{what} is not audio TonnyTray can read ({detail}); supported formats: {SUPPORTED}")]
    Unsupported {
        /// The input.
        what: String,
        /// What the demuxer said.
        detail: String,
    },
    /// A recognised format, but the data is damaged beyond the header.
    #[error("{what} is damaged and could not be decoded ({detail})")]
    Malformed {
        /// The input.
        what: String,
        /// What the decoder said.
        detail: String,
    },
    /// A valid file that holds no samples.
    #[error("{0} contains no audio samples (its length is 0)")]
    NoSamples(String),
}

/// Decoded audio, ready for a speech engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// 16 kHz mono samples in [-1, 1].
    pub samples: Vec<f32>,
    /// Sample rate of the source.
    pub source_rate: u32,
    /// Channels of the source.
    pub source_channels: usize,
    /// True when the data ended early (a truncated file): what was there was decoded.
    pub truncated: bool,
}

impl Decoded {
    /// Length in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE)
    }
}

/// Decodes a file, refusing it before reading if it is larger than [`MAX_INPUT_BYTES`].
pub fn decode_file(path: &Path) -> Result<Decoded, AudioError> {
    let io_err = |source| AudioError::Io {
        path: path.to_path_buf(),
        source,
    };
    let what = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(io_err)?;
    if meta.is_dir() {
        return Err(io_err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory",
        )));
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(AudioError::TooLarge {
            what,
            size: meta.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    if meta.len() == 0 {
        return Err(AudioError::Empty(what));
    }
    let file = File::open(path).map_err(io_err)?;
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    decode_source(Box::new(file), hint, &what)
}

/// Reads at most [`MAX_INPUT_BYTES`] from `reader` (e.g. standard input) and decodes it.
pub fn decode_reader(reader: impl Read, what: &str) -> Result<Decoded, AudioError> {
    let mut buf = Vec::new();
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|source| AudioError::Io {
            path: PathBuf::from(what),
            source,
        })?;
    if buf.len() as u64 > MAX_INPUT_BYTES {
        return Err(AudioError::TooLarge {
            what: what.to_owned(),
            size: buf.len() as u64,
            limit: MAX_INPUT_BYTES,
        });
    }
    decode_bytes(buf, what)
}

/// Decodes an in-memory file.
pub fn decode_bytes(bytes: Vec<u8>, what: &str) -> Result<Decoded, AudioError> {
    if bytes.is_empty() {
        return Err(AudioError::Empty(what.to_owned()));
    }
    decode_source(Box::new(Cursor::new(bytes)), Hint::new(), what)
}

fn decode_source(
    source: Box<dyn MediaSource>,
    hint: Hint,
    what: &str,
) -> Result<Decoded, AudioError> {
    let unsupported = |e: SymphoniaError| match e {
        SymphoniaError::IoError(io) if io.kind() == io::ErrorKind::UnexpectedEof => {
            AudioError::Malformed {
                what: what.to_owned(),
                detail: "the file ends before its header does; it is truncated".into(),
            }
        }
        other => AudioError::Unsupported {
            what: what.to_owned(),
            detail: other.to_string(),
        },
    };
    let mss = MediaSourceStream::new(source, Default::default());
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(unsupported)?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| AudioError::Unsupported {
            what: what.to_owned(),
            detail: "it has no audio track".into(),
        })?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| AudioError::Unsupported {
            what: what.to_owned(),
            detail: "its audio track has no codec parameters".into(),
        })?
        .clone();
    let track_id = track.id;
    let mut decoder = codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(unsupported)?;

    let mut interleaved: Vec<f32> = Vec::new();
    let mut chunk: Vec<f32> = Vec::new();
    let mut rate = params.sample_rate.unwrap_or(0);
    let mut channels = params.channels.as_ref().map_or(0, |c| c.count());
    let mut truncated = false;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(SymphoniaError::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                truncated = true;
                break;
            }
            Err(e) => {
                if interleaved.is_empty() {
                    return Err(AudioError::Malformed {
                        what: what.to_owned(),
                        detail: e.to_string(),
                    });
                }
                truncated = true;
                break;
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                rate = buf.spec().rate();
                channels = buf.spec().channels().count();
                chunk.resize(buf.samples_interleaved(), 0.0);
                buf.copy_to_slice_interleaved(&mut chunk);
                interleaved.extend_from_slice(&chunk);
            }
            // A damaged packet is skipped, as players do; the rest still counts.
            Err(SymphoniaError::DecodeError(_)) => truncated = true,
            Err(e) => {
                return Err(AudioError::Malformed {
                    what: what.to_owned(),
                    detail: e.to_string(),
                });
            }
        }
    }
    if interleaved.is_empty() || rate == 0 || channels == 0 {
        return Err(AudioError::NoSamples(what.to_owned()));
    }
    Ok(Decoded {
        samples: to_mono_16k(&interleaved, channels, rate),
        source_rate: rate,
        source_channels: channels,
        truncated,
    })
}
