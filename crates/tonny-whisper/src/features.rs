//! Whisper's log-mel spectrogram, computed exactly as faster-whisper's `FeatureExtractor` does.
//!
//! Matching faster-whisper matters: the model was run against those features in every accuracy
//! figure we compare with, and ct2rs's own extractor differs enough to derail some transcripts.
//! The steps (all in `f32` except the filter bank, built in `f64` like NumPy does):
//! 1. append 160 zero samples; reflect-pad by `n_fft / 2` on both sides;
//! 2. frames of 400 samples every 160, periodic Hann window, real FFT, power spectrum;
//! 3. drop the last frame; project on the Slaney-style mel filter bank;
//! 4. `log10(max(x, 1e-10))`, floor at (global max − 8), then `(x + 4) / 4`.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

/// Samples per second Whisper expects.
pub const SAMPLE_RATE: usize = 16_000;
/// FFT size (25 ms).
pub const N_FFT: usize = 400;
/// Hop between frames (10 ms).
pub const HOP: usize = 160;
/// Frames in one 30 s model window.
pub const FRAMES_PER_WINDOW: usize = 3_000;

/// A log-mel spectrogram, mel-major (`data[m * n_frames + t]`), as the encoder takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogMel {
    /// Mel bands (80 or 128).
    pub n_mels: usize,
    /// Frames (one per 10 ms).
    pub n_frames: usize,
    /// Values, mel-major.
    pub data: Vec<f32>,
}

impl LogMel {
    /// Frames `[start, start + take)`, zero-padded (faster-whisper's `pad_or_trim` on the
    /// features) to exactly `len` frames, mel-major.
    pub fn window(&self, start: usize, take: usize, len: usize) -> Vec<f32> {
        let mut out = vec![0.0f32; self.n_mels * len];
        let end = (start + take.min(len)).min(self.n_frames);
        if start < end {
            for m in 0..self.n_mels {
                let src = &self.data[m * self.n_frames + start..m * self.n_frames + end];
                out[m * len..m * len + src.len()].copy_from_slice(src);
            }
        }
        out
    }
}

/// Computes log-mel spectrograms; build once per model (the filter bank and FFT plan are reused).
pub struct MelExtractor {
    /// Mel bands.
    n_mels: usize,
    /// `n_mels × (N_FFT / 2 + 1)` filter weights, row-major.
    filters: Vec<f32>,
    /// Periodic Hann window of `N_FFT` samples.
    window: Vec<f32>,
    /// The FFT plan.
    fft: Arc<dyn RealToComplex<f32>>,
}

impl MelExtractor {
    /// An extractor for `n_mels` bands (80 for most Whisper models, 128 for large-v3).
    pub fn new(n_mels: usize) -> Self {
        let window = (0..N_FFT)
            .map(|i| {
                // np.hanning(N + 1)[:-1]: 0.5 - 0.5 cos(2πi / N), computed in f64 then cast.
                (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / N_FFT as f64).cos()) as f32
            })
            .collect();
        Self {
            n_mels,
            filters: mel_filters(SAMPLE_RATE as f64, N_FFT, n_mels),
            window,
            fft: RealFftPlanner::<f32>::new().plan_fft_forward(N_FFT),
        }
    }

    /// Mel bands this extractor produces.
    pub fn n_mels(&self) -> usize {
        self.n_mels
    }

    /// The log-mel spectrogram of 16 kHz mono `audio`. Audio shorter than one FFT window after
    /// padding gives an empty spectrogram.
    pub fn compute(&self, audio: &[f32]) -> LogMel {
        let pad = N_FFT / 2;
        let mut padded_audio = Vec::with_capacity(audio.len() + HOP);
        padded_audio.extend_from_slice(audio);
        padded_audio.extend(std::iter::repeat_n(0.0, HOP));
        let n = padded_audio.len();
        if n <= pad {
            return LogMel {
                n_mels: self.n_mels,
                n_frames: 0,
                data: Vec::new(),
            };
        }
        // Reflect padding (NumPy "reflect": the edge sample is not repeated).
        let mut x = Vec::with_capacity(n + 2 * pad);
        x.extend((1..=pad).rev().map(|i| padded_audio[i]));
        x.extend_from_slice(&padded_audio);
        x.extend((n - 1 - pad..n - 1).rev().map(|i| padded_audio[i]));

        let total_frames = 1 + (x.len() - N_FFT) / HOP;
        let n_frames = total_frames - 1; // faster-whisper drops the last frame
        let n_bins = N_FFT / 2 + 1;
        let mut power = vec![0.0f32; n_bins * n_frames]; // frame-major
        let mut frame = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        for t in 0..n_frames {
            let src = &x[t * HOP..t * HOP + N_FFT];
            for ((f, s), w) in frame.iter_mut().zip(src).zip(&self.window) {
                *f = s * w;
            }
            self.fft
                .process_with_scratch(&mut frame, &mut spectrum, &mut scratch)
                .expect("FFT buffers have the planned sizes");
            for (p, c) in power[t * n_bins..(t + 1) * n_bins]
                .iter_mut()
                .zip(&spectrum)
            {
                *p = c.re * c.re + c.im * c.im;
            }
        }

        let mut data = vec![0.0f32; self.n_mels * n_frames];
        let mut max = f32::NEG_INFINITY;
        for m in 0..self.n_mels {
            let weights = &self.filters[m * n_bins..(m + 1) * n_bins];
            // Most weights are zero: restrict the dot product to the filter's support.
            let first = weights.iter().position(|w| *w != 0.0).unwrap_or(0);
            let last = weights.iter().rposition(|w| *w != 0.0).map_or(0, |i| i + 1);
            for t in 0..n_frames {
                let p = &power[t * n_bins..(t + 1) * n_bins];
                let mut acc = 0.0f32;
                for k in first..last {
                    acc += weights[k] * p[k];
                }
                let v = acc.max(1e-10).log10();
                max = max.max(v);
                data[m * n_frames + t] = v;
            }
        }
        let floor = max - 8.0;
        for v in &mut data {
            *v = (v.max(floor) + 4.0) / 4.0;
        }
        LogMel {
            n_mels: self.n_mels,
            n_frames,
            data,
        }
    }
}

/// Slaney-style mel filter bank as in faster-whisper's `get_mel_filters` (librosa's formula),
/// built in `f64` and returned as `f32`, row-major `n_mels × (n_fft / 2 + 1)`.
fn mel_filters(sr: f64, n_fft: usize, n_mels: usize) -> Vec<f32> {
    let n_bins = n_fft / 2 + 1;
    let fftfreqs: Vec<f64> = (0..n_bins).map(|i| i as f64 * sr / n_fft as f64).collect();
    let (min_mel, max_mel) = (0.0f64, 45.245_640_471_924_965_f64);
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    let freqs: Vec<f64> = (0..n_mels + 2)
        .map(|i| {
            let mel = min_mel + (max_mel - min_mel) * i as f64 / (n_mels + 1) as f64;
            if mel >= min_log_mel {
                min_log_hz * (logstep * (mel - min_log_mel)).exp()
            } else {
                f_sp * mel
            }
        })
        .collect();
    let mut out = vec![0.0f32; n_mels * n_bins];
    for m in 0..n_mels {
        let enorm = 2.0 / (freqs[m + 2] - freqs[m]);
        for (k, f) in fftfreqs.iter().enumerate() {
            let lower = -(freqs[m] - f) / (freqs[m + 1] - freqs[m]);
            let upper = (freqs[m + 2] - f) / (freqs[m + 2] - freqs[m + 1]);
            out[m * n_bins + k] = (0.0f64.max(lower.min(upper)) * enorm) as f32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_count_matches_faster_whisper() {
        let ex = MelExtractor::new(80);
        // 1 s of audio: (16000 + 160 + 400 - 400) / 160 + 1 - 1 = 101 frames.
        let mel = ex.compute(&vec![0.1; 16_000]);
        assert_eq!(mel.n_frames, 101);
        assert_eq!(mel.data.len(), 80 * 101);
        assert!(ex.compute(&[]).n_frames == 0 || ex.compute(&[]).n_frames == 1);
    }

    #[test]
    fn silence_is_flat_and_a_tone_peaks_in_its_band() {
        let ex = MelExtractor::new(80);
        let silent = ex.compute(&vec![0.0; 8_000]);
        assert!(
            silent
                .data
                .iter()
                .all(|v| (*v - silent.data[0]).abs() < 1e-6)
        );
        let tone: Vec<f32> = (0..16_000)
            .map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 16_000.0).sin())
            .collect();
        let mel = ex.compute(&tone);
        let mid = mel.n_frames / 2;
        let loudest = (0..80)
            .max_by(|a, b| {
                mel.data[a * mel.n_frames + mid].total_cmp(&mel.data[b * mel.n_frames + mid])
            })
            .unwrap();
        // 440 Hz sits in the linear part of the scale: 440 / (200/3) = mel 6.6; bands are
        // 45.25 / 81 = 0.559 mel apart, so filter ≈ 6.6 / 0.559 - 1 ≈ 10.8.
        assert!((10..=12).contains(&loudest), "{loudest}");
    }

    #[test]
    fn filters_match_faster_whisper_values() {
        // Reference values printed by faster-whisper 1.2.1's FeatureExtractor().mel_filters.
        let f = mel_filters(16_000.0, 400, 80);
        assert!((f[1] - 0.024_862_59).abs() < 1e-7, "{}", f[1]);
        assert_eq!((f[0], f[2], f[3]), (0.0, 0.0, 0.0));
        let row = |m: usize| &f[m * 201..(m + 1) * 201];
        assert!((row(40).iter().sum::<f32>() - 0.026_664_86).abs() < 1e-6);
        assert!((row(79).iter().sum::<f32>() - 0.024_925_34).abs() < 1e-6);
        let peak = row(40)
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert_eq!(peak, 43);
    }

    #[test]
    fn window_pads_features_with_zeros() {
        let mel = LogMel {
            n_mels: 2,
            n_frames: 3,
            data: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        };
        assert_eq!(
            mel.window(1, 4, 4),
            vec![2.0, 3.0, 0.0, 0.0, 5.0, 6.0, 0.0, 0.0]
        );
        assert_eq!(mel.window(0, 1, 3), vec![1.0, 0.0, 0.0, 4.0, 0.0, 0.0]);
    }
}
