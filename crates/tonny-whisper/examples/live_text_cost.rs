//! What live text costs: each recording is fed in 100 ms chunks at the pace of a microphone,
//! followed by 700 ms of silence (the endpointer's wait): recorded and then transcribed, and
//! streamed into a session with live text off and on (both run the final pass early); reported are
//! the time from the endpoint to the final text (p50, p95) and the CPU time per second of audio.
//! Prints figures, asserts nothing (`scripts/bench-live-text.sh` runs it).
//!
//! Usage: `live_text_cost MODEL_DIR BEAM RUNS WAV...`

use std::sync::Arc;
use std::time::{Duration, Instant};

use tonny_core::stt::{PartialTranscript, Stt, TranscribeOptions};
use tonny_whisper::{ComputeChoice, EngineOptions, LiveEngine, WhisperEngine};

/// CPU time this process has used (user + system), from `/proc/self/stat`.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<u64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 ticks/s.
    let ticks = fields.get(11).unwrap_or(&0) + fields.get(12).unwrap_or(&0);
    Duration::from_millis(ticks * 10)
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let i = ((values.len() as f64 - 1.0) * p).round() as usize;
    values[i]
}

/// One recording's figures.
struct Run {
    /// Endpoint → final text.
    latency: Duration,
    cpu: Duration,
    partials: usize,
    /// The final text came from the pass run while the endpointer waited.
    early: bool,
}

/// Feeds `audio` in real time.
/// `streamed`: through a session, as the daemon feeds one; otherwise recorded first and then
/// transcribed (how every recording was handled before the early final pass).
fn run(
    whisper: &WhisperEngine,
    engine: &LiveEngine,
    streamed: bool,
    audio: &[f32],
    opts: &TranscribeOptions,
) -> Run {
    let partials = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = Arc::clone(&partials);
    let cpu = cpu_time();
    let mut session = streamed
        .then(|| {
            engine.start_session(
                opts,
                Box::new(move |_: &PartialTranscript| {
                    count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }),
            )
        })
        .flatten();
    let started = Instant::now();
    for (i, chunk) in audio.chunks(1_600).enumerate() {
        if let Some(s) = session.as_mut() {
            s.push(chunk);
        }
        let due = started + Duration::from_millis(100 * (i as u64 + 1));
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
    let endpoint = Instant::now();
    let passes = whisper.passes();
    let text = match session {
        Some(s) => s.finish(audio),
        None => engine.transcribe(audio, opts),
    }
    .expect("transcribing");
    let latency = endpoint.elapsed();
    assert!(!text.text.is_empty() || audio.is_empty());
    Run {
        latency,
        cpu: cpu_time().saturating_sub(cpu),
        partials: partials.load(std::sync::atomic::Ordering::Relaxed),
        early: whisper.passes() == passes,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, beam, runs, wavs @ ..] = args.as_slice() else {
        eprintln!("usage: live_text_cost MODEL_DIR BEAM RUNS WAV...");
        std::process::exit(2);
    };
    let (beam, runs): (usize, usize) = (beam.parse().unwrap(), runs.parse().unwrap());
    let opts = EngineOptions {
        threads: 2,
        compute: ComputeChoice::Int8,
    };
    let engine = Arc::new(WhisperEngine::load(std::path::Path::new(model), opts).unwrap());
    let stt = TranscribeOptions {
        language: Some("en".into()),
        beam_size: beam,
        vocabulary: Vec::new(),
    };
    let recordings: Vec<Vec<f32>> = wavs
        .iter()
        .map(|w| {
            let mut a = tonny_audio::decode_file(std::path::Path::new(w))
                .unwrap()
                .samples;
            a.extend(std::iter::repeat_n(0.0, 11_200));
            a
        })
        .collect();
    let audio_s: f64 = recordings
        .iter()
        .map(|a| a.len() as f64 / 16_000.0)
        .sum::<f64>();
    println!(
        "beam {beam}, {} recordings ({audio_s:.1} s with the endpoint silence), {runs} runs",
        recordings.len()
    );
    for (label, cadence, streamed) in [
        ("recorded, then transcribed", 0, false),
        ("live text off", 0, true),
        ("live text on (700 ms)", 700, true),
    ] {
        let live = LiveEngine::new(Arc::clone(&engine), cadence);
        let (mut latencies, mut cpu, mut partials, mut early) = (Vec::new(), Duration::ZERO, 0, 0);
        for _ in 0..runs {
            for audio in &recordings {
                let r = run(&engine, &live, streamed, audio, &stt);
                latencies.push(r.latency.as_secs_f64() * 1000.0);
                cpu += r.cpu;
                partials += r.partials;
                early += usize::from(r.early);
            }
        }
        let cpu_per_audio_s = cpu.as_secs_f64() / (audio_s * runs as f64);
        println!(
            "{label}: endpoint → final text p50 {:.0} ms, p95 {:.0} ms; CPU {:.2} s per s of audio; {:.1} partials per recording; final pass done before the endpoint {early} of {}",
            percentile(&mut latencies, 0.5),
            percentile(&mut latencies, 0.95),
            cpu_per_audio_s,
            partials as f64 / (runs * recordings.len()) as f64,
            runs * recordings.len(),
        );
    }
}
