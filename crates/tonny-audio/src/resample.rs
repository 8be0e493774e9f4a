//! Mixing down to mono and converting to 16 kHz.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

use crate::SAMPLE_RATE;

/// Averages interleaved `channels` into one and resamples from `rate` to 16 kHz.
pub fn to_mono_16k(interleaved: &[f32], channels: usize, rate: u32) -> Vec<f32> {
    let mono: Vec<f32> = if channels <= 1 {
        interleaved.to_vec()
    } else {
        interleaved
            .chunks_exact(channels)
            .map(|frame| frame.iter().sum::<f32>() / channels as f32)
            .collect()
    };
    resample(&mono, rate, SAMPLE_RATE)
}

/// Band-limited (FFT) sample-rate conversion of a whole mono clip.
pub fn resample(mono: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || mono.is_empty() {
        return mono.to_vec();
    }
    let mut resampler = Fft::<f32>::new(from as usize, to as usize, 1024, 1, FixedSync::Input)
        .expect("valid resampler parameters for positive rates");
    let input = InterleavedSlice::new(mono, 1, mono.len()).expect("one channel, exact length");
    let out = resampler
        .process_all(&input, mono.len(), None)
        .expect("resampling a complete clip");
    out.take_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stereo_8k_becomes_mono_16k_with_the_same_duration_and_tone() {
        let rate = 8_000;
        let tone = |i: usize| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / rate as f32).sin();
        let stereo: Vec<f32> = (0..rate as usize)
            .flat_map(|i| [tone(i), tone(i)])
            .collect();
        let out = to_mono_16k(&stereo, 2, rate);
        assert!((out.len() as i64 - 16_000).abs() <= 2, "{}", out.len());
        // Zero crossings of a 440 Hz tone over one second: ~880.
        let crossings = out.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        assert!((430..=450).contains(&crossings), "{crossings}");
    }
}
