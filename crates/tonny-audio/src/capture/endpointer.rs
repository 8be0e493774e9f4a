//! Voice-activity endpointing: when an utterance has started and when it has ended.

use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Instant;

use super::{CaptureEvent, Ending, RecordOptions, Recording, Stopper};
use crate::SAMPLE_RATE;
use crate::vad::FRAME;

fn dbfs(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return -100.0;
    }
    let rms = (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt();
    (20.0 * rms.max(1e-5).log10()).max(-100.0)
}

/// Voice-activity endpointing over 16 kHz mono audio pushed in pieces: the microphone worker
/// uses it, and so can any other source of PCM frames (the web UI's microphone stream).
pub struct Endpointer {
    opts: RecordOptions,
    stop: Stopper,
    events: mpsc::Sender<CaptureEvent>,
    samples: Vec<f32>,
    detector: Box<earshot::Detector>,
    pending: Vec<f32>,
    speech_frames: usize,
    heard: bool,
    last_speech_end: Option<usize>,
    level_buf: Vec<f32>,
    ending: Ending,
}

impl Endpointer {
    /// Starts an utterance; levels and speech onset are reported on `events`.
    pub fn new(opts: RecordOptions, stop: Stopper, events: mpsc::Sender<CaptureEvent>) -> Self {
        Self {
            opts,
            stop,
            events,
            samples: Vec::new(),
            detector: earshot::Detector::default_boxed(),
            pending: Vec::new(),
            speech_frames: 0,
            heard: false,
            last_speech_end: None,
            level_buf: Vec::new(),
            ending: Ending::MaxLength,
        }
    }

    /// Appends 16 kHz mono audio; true when the utterance has ended (then call
    /// [`Endpointer::finish`]). Audio pushed while `muted` says so is dropped.
    pub fn push(&mut self, audio: &[f32]) -> bool {
        if (self.opts.muted)() {
            return self.check_stop();
        }
        self.samples.extend_from_slice(audio);
        if self.opts.stream_audio && !audio.is_empty() {
            let _ = self.events.send(CaptureEvent::Audio(audio.to_vec()));
        }
        self.level_buf.extend_from_slice(audio);
        let level_len = SAMPLE_RATE as usize / 20;
        while self.level_buf.len() >= level_len {
            let chunk: Vec<f32> = self.level_buf.drain(..level_len).collect();
            let _ = self.events.send(CaptureEvent::Level(dbfs(&chunk)));
        }
        self.pending.extend_from_slice(audio);
        let mut ended = false;
        while self.pending.len() >= FRAME {
            let frame: Vec<f32> = self.pending.drain(..FRAME).collect();
            let score = self.detector.predict_f32(&frame);
            let frame_end = self.samples.len() - self.pending.len();
            if score >= self.opts.threshold && dbfs(&frame) >= self.opts.min_dbfs {
                self.speech_frames += 1;
                // A few frames in a row before it counts: a click is not speech.
                if self.speech_frames >= self.opts.onset_frames.max(1) {
                    if !self.heard {
                        self.heard = true;
                        let _ = self.events.send(CaptureEvent::SpeechStarted);
                    }
                    self.last_speech_end = Some(frame_end);
                }
            } else {
                self.speech_frames = 0;
            }
            if let (Some(silence), Some(last)) = (self.opts.silence, self.last_speech_end) {
                let quiet = (frame_end - last) as u64 * 1000 / u64::from(SAMPLE_RATE);
                if self.heard && quiet >= silence.as_millis() as u64 {
                    self.ending = Ending::Silence;
                    ended = true;
                    break;
                }
            }
        }
        if self.opts.wait_for_speech && !self.heard {
            let keep = self.opts.pre_roll.as_millis() as usize * SAMPLE_RATE as usize / 1000;
            let excess = self
                .samples
                .len()
                .saturating_sub(keep.max(self.pending.len()));
            self.samples.drain(..excess);
        }
        let max = self.opts.max_len.as_millis() as usize * SAMPLE_RATE as usize / 1000;
        if !ended && self.samples.len() >= max {
            self.samples.truncate(max);
            self.ending = Ending::MaxLength;
            ended = true;
        }
        ended || self.check_stop()
    }

    fn check_stop(&mut self) -> bool {
        if self.stop.0.load(Ordering::SeqCst) {
            self.ending = Ending::Stopped;
            return true;
        }
        false
    }

    /// The recording so far, ended now (also when the input simply ran out).
    pub fn finish(mut self) -> Recording {
        if !matches!(self.ending, Ending::Silence | Ending::Stopped)
            && self.samples.len() < self.opts.max_len.as_millis() as usize * 16
        {
            self.ending = Ending::Stopped;
        }
        let len = self.samples.len();
        let endpoint_ms = self
            .last_speech_end
            .map(|last| (len - last.min(len)) as u64 * 1000 / u64::from(SAMPLE_RATE));
        Recording {
            samples: self.samples,
            ending: self.ending,
            heard_speech: self.heard,
            endpoint_ms,
            ended_at: Instant::now(),
        }
    }
}

// A microphone job in progress.

#[cfg(test)]
mod tests {
    use super::dbfs;

    #[test]
    fn levels_are_in_dbfs() {
        assert!((dbfs(&[1.0; 100]) - 0.0).abs() < 0.01);
        assert!((dbfs(&[0.1; 100]) + 20.0).abs() < 0.01);
        assert_eq!(dbfs(&[0.0; 100]), -100.0_f32.max(20.0 * 1e-5f32.log10()));
    }
}
