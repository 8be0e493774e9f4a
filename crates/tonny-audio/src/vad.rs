//! Voice-activity detection: where the speech is, and where to cut long recordings.

use std::ops::Range;

use crate::SAMPLE_RATE;

/// Samples per VAD frame (16 ms at 16 kHz), fixed by earshot.
pub const FRAME: usize = 256;

/// Tuning for [`speech_regions`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VadOptions {
    /// Frames scoring at least this are speech.
    pub threshold: f32,
    /// Pauses shorter than this join the speech around them.
    pub min_silence_ms: u32,
    /// Speech shorter than this is ignored (clicks, breaths).
    pub min_speech_ms: u32,
    /// Kept around each region so word edges are not clipped.
    pub pad_ms: u32,
}

impl Default for VadOptions {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            min_silence_ms: 300,
            min_speech_ms: 120,
            pad_ms: 200,
        }
    }
}

fn ms_to_frames(ms: u32) -> usize {
    (ms as usize * SAMPLE_RATE as usize / 1000).div_ceil(FRAME)
}

/// Per-frame speech scores (0–1) for 16 kHz mono audio. Samples outside [-1, 1] (a resampler's
/// overshoot on a loud recording) are clipped: the detector panics on them.
pub fn frame_scores(samples: &[f32]) -> Vec<f32> {
    let mut detector = earshot::Detector::default();
    samples
        .chunks(FRAME)
        .map(|chunk| score_frame(&mut detector, chunk))
        .collect()
}

/// One frame's score; a short last frame is padded with silence.
fn score_frame(detector: &mut earshot::Detector, chunk: &[f32]) -> f32 {
    let mut frame = [0.0f32; FRAME];
    for (out, s) in frame.iter_mut().zip(chunk) {
        *out = if s.is_finite() {
            s.clamp(-1.0, 1.0)
        } else {
            0.0
        };
    }
    detector.predict_f32(&frame)
}

/// Speech found in audio that is still arriving: each frame is scored once, as it completes,
/// so asking for the regions of a recording in progress costs nothing per call. The detector
/// runs frame by frame from the start either way, so for the frames pushed so far the regions
/// are the ones [`speech_regions`] finds in the same samples.
pub struct SpeechTracker {
    detector: Box<earshot::Detector>,
    scores: Vec<f32>,
    pending: Vec<f32>,
}

impl Default for SpeechTracker {
    fn default() -> Self {
        Self {
            detector: earshot::Detector::default_boxed(),
            scores: Vec::new(),
            pending: Vec::new(),
        }
    }
}

impl SpeechTracker {
    /// Adds 16 kHz mono audio.
    pub fn push(&mut self, samples: &[f32]) {
        self.pending.extend_from_slice(samples);
        let whole = self.pending.len() / FRAME * FRAME;
        for chunk in self.pending[..whole].chunks(FRAME) {
            self.scores.push(score_frame(&mut self.detector, chunk));
        }
        self.pending.drain(..whole);
    }

    /// Samples scored so far (whole frames).
    pub fn scored(&self) -> usize {
        self.scores.len() * FRAME
    }

    /// Samples since the last frame that scored as speech (all of them when none did).
    pub fn quiet_for(&self, opts: &VadOptions) -> usize {
        let last = self.scores.iter().rposition(|s| *s >= opts.threshold);
        last.map_or(self.scored(), |i| (self.scores.len() - 1 - i) * FRAME)
    }

    /// The speech regions of the scored samples.
    pub fn regions(&self, opts: &VadOptions) -> Vec<Range<usize>> {
        regions_from_scores(&self.scores, self.scored(), opts)
    }
}

/// Sample ranges that hold speech, padded and merged across short pauses.
pub fn speech_regions(samples: &[f32], opts: &VadOptions) -> Vec<Range<usize>> {
    regions_from_scores(&frame_scores(samples), samples.len(), opts)
}

/// [`speech_regions`] from frame scores of `len` samples.
fn regions_from_scores(scores: &[f32], len: usize, opts: &VadOptions) -> Vec<Range<usize>> {
    let min_silence = ms_to_frames(opts.min_silence_ms);
    let min_speech = ms_to_frames(opts.min_speech_ms);
    let pad = ms_to_frames(opts.pad_ms);
    let mut frames: Vec<Range<usize>> = Vec::new();
    let mut start = None;
    for (i, s) in scores.iter().enumerate() {
        match (start, *s >= opts.threshold) {
            (None, true) => start = Some(i),
            (Some(st), false) => {
                frames.push(st..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(st) = start {
        frames.push(st..scores.len());
    }
    // Merge across short pauses, then drop blips, then pad.
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in frames {
        match merged.last_mut() {
            Some(last) if r.start - last.end < min_silence => last.end = r.end,
            _ => merged.push(r),
        }
    }
    merged
        .into_iter()
        .filter(|r| r.len() >= min_speech)
        .map(|r| {
            let s = r.start.saturating_sub(pad) * FRAME;
            let e = ((r.end + pad) * FRAME).min(len);
            s..e
        })
        .fold(Vec::new(), |mut acc: Vec<Range<usize>>, r| {
            match acc.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => acc.push(r),
            }
            acc
        })
}

/// Cuts `samples` into windows of at most `max_len` samples, each ending in the middle of a
/// pause between speech regions (never inside speech unless a single region is longer than
/// `max_len`, which is then cut at its quietest frame). Windows cover only speech plus padding;
/// silence between them is skipped.
pub fn windows_at_pauses(samples: &[f32], max_len: usize, opts: &VadOptions) -> Vec<Range<usize>> {
    windows_from_regions(samples, speech_regions(samples, opts), max_len)
}

/// Groups speech `regions` (in order) into windows of at most `max_len` samples.
pub fn windows_from_regions(
    samples: &[f32],
    regions: Vec<Range<usize>>,
    max_len: usize,
) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut current: Option<Range<usize>> = None;
    for r in regions {
        for piece in split_long(samples, r, max_len) {
            current = match current {
                Some(c) if piece.end - c.start <= max_len => Some(c.start..piece.end),
                Some(c) => {
                    out.push(c);
                    Some(piece)
                }
                None => Some(piece),
            };
        }
    }
    out.extend(current);
    out
}

/// Splits a single region longer than `max_len` at its quietest 16 ms frames.
fn split_long(samples: &[f32], r: Range<usize>, max_len: usize) -> Vec<Range<usize>> {
    let mut pieces = Vec::new();
    let mut start = r.start;
    while r.end - start > max_len {
        // Look for the quietest frame in the last third of the allowed length.
        let lo = start + max_len * 2 / 3;
        let hi = start + max_len - FRAME;
        let cut = (lo..hi)
            .step_by(FRAME)
            .min_by(|a, b| {
                energy(&samples[*a..*a + FRAME]).total_cmp(&energy(&samples[*b..*b + FRAME]))
            })
            .unwrap_or(hi)
            + FRAME / 2;
        pieces.push(start..cut);
        start = cut;
    }
    pieces.push(start..r.end);
    pieces
}

fn energy(frame: &[f32]) -> f32 {
    frame.iter().map(|s| s * s).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_beyond_full_scale_are_clipped_not_a_panic() {
        let loud: Vec<f32> = (0..FRAME * 4)
            .map(|i| if i % 2 == 0 { 1.2 } else { f32::NAN })
            .collect();
        assert_eq!(frame_scores(&loud).len(), 4);
    }

    #[test]
    fn digital_silence_has_no_speech() {
        assert!(speech_regions(&vec![0.0; 16_000 * 3], &VadOptions::default()).is_empty());
    }

    #[test]
    fn regions_group_into_windows_cut_at_pauses() {
        let sec = 16_000;
        let samples = vec![0.1f32; 100 * sec];
        // Speech 0–12 s, 13–25 s, 26–40 s: the first two fit one 30 s window.
        let regions = vec![0..12 * sec, 13 * sec..25 * sec, 26 * sec..40 * sec];
        let w = windows_from_regions(&samples, regions, 30 * sec);
        assert_eq!(w, vec![0..25 * sec, 26 * sec..40 * sec]);
    }

    #[test]
    fn a_region_longer_than_the_limit_is_cut_at_its_quietest_point() {
        let sec = 16_000;
        let mut samples = vec![0.5f32; 70 * sec];
        // A quiet dip at 25 s.
        for s in &mut samples[25 * sec..25 * sec + 4_000] {
            *s = 0.0;
        }
        let one_region = std::iter::once(0..70 * sec).collect();
        let w = windows_from_regions(&samples, one_region, 30 * sec);
        assert!(w.iter().all(|r| r.len() <= 30 * sec), "{w:?}");
        assert_eq!(w.first().unwrap().start, 0);
        assert_eq!(w.last().unwrap().end, 70 * sec);
        let cut = w[0].end;
        assert!((25 * sec..25 * sec + 4_000).contains(&cut), "{cut}");
        assert!(w.windows(2).all(|p| p[0].end == p[1].start));
    }
}
