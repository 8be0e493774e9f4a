//! The decoding loop: faster-whisper's `generate_segments`, without word timestamps.
//!
//! Within a clip of features, a 30 s window is encoded once, decoded with timestamps, and cut
//! into segments at consecutive timestamp tokens; the next window starts at the last complete
//! timestamp (or after the window when the model signalled that speech ended). A decode that
//! looks wrong — too repetitive (gzip compression ratio > 2.4) or too unsure (mean log-prob
//! < −1) — is retried at rising temperatures. A window whose no-speech probability is above
//! 0.6 and whose text is unsure is skipped: that is what keeps silence from turning into words.

use std::io::Write;
use std::ops::Range;

use ct2rs::sys::{Device, StorageView, WhisperGenerationResult, WhisperOptions};
use flate2::Compression;
use flate2::write::ZlibEncoder;
use tonny_core::stt::Segment;

use crate::engine::{EngineError, WhisperEngine};
use crate::features::{FRAMES_PER_WINDOW, HOP, LogMel, SAMPLE_RATE};

/// Seconds per timestamp token step.
const TIME_PRECISION: f64 = 0.02;
/// Mel frames per encoder output position.
const INPUT_STRIDE: usize = 2;
/// Longest token sequence the decoder accepts, prompt included.
const MAX_LENGTH: usize = 448;

/// Decoding settings, faster-whisper's defaults unless noted.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeOptions {
    /// Beam width for the first (temperature 0) attempt.
    pub beam_size: usize,
    /// Candidates sampled at each fallback temperature.
    pub best_of: usize,
    /// Temperatures tried in order until a decode passes the checks.
    pub temperatures: Vec<f32>,
    /// Retry when the text's gzip compression ratio is above this (repetition loops).
    pub compression_ratio_threshold: Option<f32>,
    /// Retry when the mean token log-probability is below this.
    pub log_prob_threshold: Option<f32>,
    /// Skip a window when the no-speech probability is above this and the text is unsure.
    pub no_speech_threshold: Option<f32>,
    /// Give the previous window's text as context to the next one.
    pub condition_on_previous_text: bool,
    /// Decode without timestamp tokens (faster; one segment per window).
    pub without_timestamps: bool,
    /// Shortest encoder input, in 10 ms frames, or `None` to always encode a full 30 s window
    /// as faster-whisper does. See [`DecodeOptions::encoder_frames`].
    pub min_encoder_frames: Option<usize>,
    /// Names and terms to expect, given before every window (faster-whisper's `hotwords`).
    pub vocabulary: Vec<String>,
}

/// Frames of silence kept after the speech when the encoder input is shortened.
const ENCODER_MARGIN_FRAMES: usize = 200;

impl DecodeOptions {
    /// How many frames to encode for `content` frames of audio.
    ///
    /// Whisper's encoder costs the same for 3 s of speech as for 30 s, because the input is
    /// padded to 30 s; most of a voice command's latency is spent encoding that padding.
    /// CTranslate2 accepts shorter inputs, so short recordings are encoded as
    /// `max(min_encoder_frames, content + 2 s)` frames instead. With 10 s as the minimum the
    /// transcripts of the shared test set and the 70 s recording keep the same word error rate
    /// (measured in `scripts/bench-stt.sh`), and encoding is ~5x faster; below ~6 s, accuracy
    /// drops, so the minimum is a setting, not zero.
    ///
    /// A vocabulary prompt gets the whole 30 s window: with the shorter one the prompted
    /// decoder loops ("Open TonnyTray Padding, Assistant Open, TonnyTray Padding, …" for a
    /// 1.7 s command) where faster-whisper's padded window does not
    /// (`scripts/bench-vocab.sh`: WER with the vocabulary 53 % short, 32 % full, beam 5).
    pub fn encoder_frames(&self, content: usize) -> usize {
        match self.min_encoder_frames {
            _ if !self.vocabulary.is_empty() => FRAMES_PER_WINDOW,
            None => FRAMES_PER_WINDOW,
            Some(min) => (content + ENCODER_MARGIN_FRAMES)
                .div_ceil(100)
                .saturating_mul(100)
                .max(min)
                .min(FRAMES_PER_WINDOW),
        }
    }
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            beam_size: 5,
            best_of: 5,
            temperatures: vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
            compression_ratio_threshold: Some(2.4),
            log_prob_threshold: Some(-1.0),
            no_speech_threshold: Some(0.6),
            condition_on_previous_text: true,
            without_timestamps: false,
            min_encoder_frames: Some(1_000),
            vocabulary: Vec::new(),
        }
    }
}

/// Mean log-probability below which a short-window result is checked against the padded
/// window. Clear speech decodes at about −0.1 to −0.3; garbled text ("The quick round-fark
/// stump, silver blazy dog") well below −0.5.
const SHORT_WINDOW_DOUBT: f32 = -0.5;

/// Whether a short-window attempt should be checked against the padded window: it needed the
/// temperature fallback, or the decoder was unsure of it.
fn doubtful(attempt: &Attempt) -> bool {
    attempt.temperature > 0.0 || attempt.avg_logprob < SHORT_WINDOW_DOUBT
}

/// `len(text) / len(zlib(text))`, as faster-whisper computes it.
pub fn compression_ratio(text: &str) -> f32 {
    if text.is_empty() {
        return 0.0;
    }
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
    enc.write_all(text.as_bytes()).expect("writing to memory");
    let compressed = enc.finish().expect("finishing in memory");
    text.len() as f32 / compressed.len().max(1) as f32
}

/// One attempt's outcome.
struct Attempt {
    result: WhisperGenerationResult,
    avg_logprob: f32,
    temperature: f32,
    compression_ratio: f32,
}

/// Decoding state carried across windows and clips of one recording.
pub(crate) struct Decoder<'e> {
    engine: &'e WhisperEngine,
    opts: DecodeOptions,
    /// `<|startoftranscript|>` plus language and task tokens, as strings.
    sot_sequence: Vec<String>,
    /// Text tokens emitted so far (context for the next window).
    all_tokens: Vec<usize>,
    /// Context starts here (reset after a high-temperature decode).
    prompt_reset_since: usize,
    /// The vocabulary's tokens, given before every window.
    hotwords: Vec<String>,
}

impl<'e> Decoder<'e> {
    pub(crate) fn new(
        engine: &'e WhisperEngine,
        opts: DecodeOptions,
        language: Option<usize>,
    ) -> Self {
        let v = engine.vocab();
        let mut sot_sequence = vec![v.token(v.specials.sot).to_owned()];
        if engine.is_multilingual() {
            if let Some(lang) = language {
                sot_sequence.push(v.token(lang).to_owned());
            }
            sot_sequence.push(v.token(v.specials.transcribe).to_owned());
        }
        // As faster-whisper: at most half the context, the previous text after it.
        let hotwords = engine
            .prompt_encoder()
            .tokens(&opts.vocabulary, MAX_LENGTH / 2 - 1);
        Self {
            engine,
            opts,
            sot_sequence,
            all_tokens: Vec::new(),
            prompt_reset_since: 0,
            hotwords,
        }
    }

    fn prompt(&self) -> Vec<String> {
        let v = self.engine.vocab();
        let mut prompt = Vec::new();
        let previous = &self.all_tokens[self.prompt_reset_since..];
        let previous = if self.opts.condition_on_previous_text {
            previous
        } else {
            &[]
        };
        if !previous.is_empty() || !self.hotwords.is_empty() {
            prompt.push(v.token(v.specials.sot_prev).to_owned());
            prompt.extend(self.hotwords.iter().cloned());
        }
        if !previous.is_empty() {
            let keep = MAX_LENGTH / 2 - 1;
            let start = previous.len().saturating_sub(keep);
            prompt.extend(previous[start..].iter().map(|&id| v.token(id).to_owned()));
        }
        prompt.extend(self.sot_sequence.iter().cloned());
        if self.opts.without_timestamps {
            prompt.push(v.token(v.specials.no_timestamps).to_owned());
        }
        prompt
    }

    /// Decodes the frames `clip` of `mel` into segments (times from the recording's start).
    pub(crate) fn decode_clip(
        &mut self,
        mel: &LogMel,
        clip: Range<usize>,
    ) -> Result<Vec<Segment>, EngineError> {
        let content_frames = mel.n_frames.saturating_sub(1);
        let clip_end = clip.end.min(content_frames);
        let mut seek = clip.start;
        let mut out = Vec::new();
        while seek < clip_end {
            let segment_size = FRAMES_PER_WINDOW.min(clip_end - seek);
            let time_offset = seek as f64 * HOP as f64 / SAMPLE_RATE as f64;
            let segment_duration = segment_size as f64 * HOP as f64 / SAMPLE_RATE as f64;
            let frames = self.opts.encoder_frames(segment_size);
            let mut attempt = self.encode_and_decode(mel, seek, segment_size, frames)?;
            if frames < FRAMES_PER_WINDOW && doubtful(&attempt) {
                // The short window saves most of a command's encoding time, but on some
                // recordings (and some CPUs' int8 kernels) it leaves the decoder unsure where
                // the padded 30 s window would not; then the padded window decides too, and the
                // surer of the two is kept. A clear command pays nothing.
                let padded = self.encode_and_decode(mel, seek, segment_size, FRAMES_PER_WINDOW)?;
                if padded.avg_logprob > attempt.avg_logprob {
                    attempt = padded;
                }
            }

            if let Some(threshold) = self.opts.no_speech_threshold {
                let unsure = self
                    .opts
                    .log_prob_threshold
                    .is_none_or(|lp| attempt.avg_logprob <= lp);
                if attempt.result.no_speech_prob > threshold && unsure {
                    seek += segment_size;
                    continue;
                }
            }
            let tokens = attempt
                .result
                .sequences_ids
                .first()
                .cloned()
                .unwrap_or_default();
            let (pieces, next_seek) = self.split_by_timestamps(
                &tokens,
                time_offset,
                segment_size,
                segment_duration,
                seek,
            );
            for (start, end, toks) in pieces {
                let text = self.engine.vocab().decode(&toks);
                if start == end || text.trim().is_empty() {
                    continue;
                }
                self.all_tokens.extend(
                    toks.iter()
                        .copied()
                        .filter(|&t| t < self.engine.vocab().specials.eot),
                );
                out.push(Segment {
                    start_ms: (start * 1000.0).round() as u64,
                    end_ms: (end * 1000.0).round() as u64,
                    text,
                    avg_logprob: attempt.avg_logprob,
                    no_speech_prob: attempt.result.no_speech_prob,
                });
            }
            if !self.opts.condition_on_previous_text || attempt.temperature > 0.5 {
                self.prompt_reset_since = self.all_tokens.len();
            }
            // Always move forward, even if the model produced a timestamp at 0.
            seek = next_seek.max(seek + 1);
        }
        Ok(out)
    }

    /// Encodes `segment_size` frames from `seek` as a window of `frames` and decodes it with
    /// the temperature fallback.
    fn encode_and_decode(
        &self,
        mel: &LogMel,
        seek: usize,
        segment_size: usize,
        frames: usize,
    ) -> Result<Attempt, EngineError> {
        let mut window = mel.window(seek, segment_size, frames);
        let features = StorageView::new(&[1, mel.n_mels, frames], &mut window, Device::CPU)
            .map_err(EngineError::engine)?;
        let encoded = self
            .engine
            .model()
            .encode(&features, false)
            .map_err(EngineError::engine)?;
        self.generate_with_fallback(&encoded, &self.prompt(), frames)
    }

    /// Timestamp tokens past the end of an encoded window shorter than 30 s: nothing is there,
    /// and a decoder allowed to place text there repeats the command it has just written ("Turn
    /// the heating up by 2 degrees." a dozen times), which faster-whisper's padded 30 s window
    /// never invites. Suppressing them leaves the end of text as the way out.
    fn timestamps_past(&self, frames: usize) -> Vec<i32> {
        if frames >= FRAMES_PER_WINDOW {
            return Vec::new();
        }
        // One timestamp step is 0.02 s, two 10 ms frames.
        let tb = self.engine.vocab().specials.timestamp_begin();
        let last = FRAMES_PER_WINDOW / 2;
        (frames / 2 + 1..=last).map(|i| (tb + i) as i32).collect()
    }

    fn generate_with_fallback(
        &self,
        encoded: &StorageView<'_>,
        prompt: &[String],
        frames: usize,
    ) -> Result<Attempt, EngineError> {
        let mut suppress = vec![-1];
        suppress.extend(self.timestamps_past(frames));
        let mut attempts: Vec<Attempt> = Vec::new();
        let temperatures = if self.opts.temperatures.is_empty() {
            vec![0.0]
        } else {
            self.opts.temperatures.clone()
        };
        for &temperature in &temperatures {
            let mut options = WhisperOptions {
                max_length: MAX_LENGTH,
                return_scores: true,
                return_no_speech_prob: true,
                suppress_blank: true,
                suppress_tokens: suppress.clone(),
                // faster-whisper: max_initial_timestamp 1.0 s / 0.02 s.
                max_initial_timestamp_index: 50,
                ..WhisperOptions::default()
            };
            if temperature > 0.0 {
                options.beam_size = 1;
                options.num_hypotheses = self.opts.best_of.max(1);
                options.sampling_topk = 0;
                options.sampling_temperature = temperature;
            } else {
                options.beam_size = self.opts.beam_size.max(1);
                options.num_hypotheses = 1;
                options.sampling_topk = 1;
                options.patience = 1.0;
            }
            let result = self
                .engine
                .model()
                .generate(encoded, &[prompt.to_vec()], &options)
                .map_err(EngineError::engine)?
                .into_iter()
                .next()
                .ok_or_else(|| EngineError::engine("the model returned no result"))?;
            let tokens = result.sequences_ids.first().map_or(0, Vec::len);
            let score = result.scores.first().copied().unwrap_or(f32::NEG_INFINITY);
            // CTranslate2 returns the length-normalised cumulative log-prob (length penalty 1).
            let avg_logprob = score * tokens as f32 / (tokens as f32 + 1.0);
            let text = self
                .engine
                .vocab()
                .decode(result.sequences_ids.first().map_or(&[][..], Vec::as_slice));
            let attempt = Attempt {
                compression_ratio: compression_ratio(text.trim()),
                avg_logprob,
                temperature,
                result,
            };
            let mut needs_fallback = false;
            if self
                .opts
                .compression_ratio_threshold
                .is_some_and(|t| attempt.compression_ratio > t)
            {
                needs_fallback = true;
            }
            if self
                .opts
                .log_prob_threshold
                .is_some_and(|t| avg_logprob < t)
            {
                needs_fallback = true;
            }
            if let (Some(ns), Some(lp)) =
                (self.opts.no_speech_threshold, self.opts.log_prob_threshold)
                && attempt.result.no_speech_prob > ns
                && avg_logprob < lp
            {
                needs_fallback = false; // silence: no point retrying
            }
            if !needs_fallback {
                return Ok(attempt);
            }
            attempts.push(attempt);
        }
        // Every attempt failed a check: keep the surest one that is not a repetition loop.
        let threshold = self
            .opts
            .compression_ratio_threshold
            .unwrap_or(f32::INFINITY);
        let last_temperature = *temperatures.last().unwrap_or(&0.0);
        let best = {
            let below: Vec<usize> = (0..attempts.len())
                .filter(|&i| attempts[i].compression_ratio <= threshold)
                .collect();
            let pool: Vec<usize> = if below.is_empty() {
                (0..attempts.len()).collect()
            } else {
                below
            };
            *pool
                .iter()
                .max_by(|&&a, &&b| attempts[a].avg_logprob.total_cmp(&attempts[b].avg_logprob))
                .expect("at least one attempt")
        };
        let mut chosen = attempts.swap_remove(best);
        chosen.temperature = last_temperature;
        Ok(chosen)
    }

    /// Cuts `tokens` into `(start_s, end_s, tokens)` at consecutive timestamp tokens; returns
    /// them with the seek position for the next window.
    fn split_by_timestamps(
        &self,
        tokens: &[usize],
        time_offset: f64,
        segment_size: usize,
        segment_duration: f64,
        seek: usize,
    ) -> (Vec<(f64, f64, Vec<usize>)>, usize) {
        let tb = self.engine.vocab().specials.timestamp_begin();
        let is_ts = |t: usize| t >= tb;
        let n = tokens.len();
        let single_timestamp_ending = n >= 2 && !is_ts(tokens[n - 2]) && is_ts(tokens[n - 1]);
        let consecutive: Vec<usize> = (1..n)
            .filter(|&i| is_ts(tokens[i]) && is_ts(tokens[i - 1]))
            .collect();
        let mut pieces = Vec::new();
        if !consecutive.is_empty() {
            let mut slices = consecutive;
            if single_timestamp_ending {
                slices.push(n);
            }
            let mut last = 0;
            for cut in slices {
                let sliced = &tokens[last..cut];
                let start = time_offset + (sliced[0].saturating_sub(tb)) as f64 * TIME_PRECISION;
                let end = time_offset
                    + (sliced[sliced.len() - 1].saturating_sub(tb)) as f64 * TIME_PRECISION;
                pieces.push((start, end, sliced.to_vec()));
                last = cut;
            }
            let next = if single_timestamp_ending {
                seek + segment_size
            } else {
                seek + (tokens[last - 1].saturating_sub(tb)) * INPUT_STRIDE
            };
            (pieces, next)
        } else {
            let mut duration = segment_duration;
            if let Some(&lastts) = tokens.iter().rev().find(|&&t| is_ts(t))
                && lastts != tb
            {
                duration = (lastts - tb) as f64 * TIME_PRECISION;
            }
            pieces.push((time_offset, time_offset + duration, tokens.to_vec()));
            (pieces, seek + segment_size)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{DecodeOptions, compression_ratio};

    #[test]
    fn short_recordings_encode_a_shorter_window_with_a_margin() {
        let o = DecodeOptions::default();
        assert_eq!(o.encoder_frames(250), 1_000);
        assert_eq!(o.encoder_frames(950), 1_200);
        assert_eq!(o.encoder_frames(2_900), 3_000);
        let full = DecodeOptions {
            min_encoder_frames: None,
            ..DecodeOptions::default()
        };
        assert_eq!(full.encoder_frames(250), 3_000);
        let prompted = DecodeOptions {
            vocabulary: vec!["TonnyTray".into()],
            ..DecodeOptions::default()
        };
        assert_eq!(prompted.encoder_frames(250), 3_000);
    }

    #[test]
    fn repetitive_text_compresses_far_better_than_speech() {
        let normal = "Remind everyone that dinner is ready in five minutes.";
        let loop_ = "Thank you. ".repeat(30);
        assert!(
            compression_ratio(normal) < 2.4,
            "{}",
            compression_ratio(normal)
        );
        assert!(
            compression_ratio(&loop_) > 2.4,
            "{}",
            compression_ratio(&loop_)
        );
        assert_eq!(compression_ratio(""), 0.0);
    }
}
