//! Benchmark worker: loads a model once, then transcribes the files named on stdin.
//!
//! Protocol (one JSON object per line, both ways), shared with the faster-whisper worker in
//! `scripts/bench_stt.py`: request `{"file": "...", "beam": 5}`, reply
//! `{"text": "...", "ms": 123.4}` where `ms` covers decoding the file and transcribing it.
//! Usage: `stt_worker MODEL_DIR THREADS`.

use std::io::{BufRead, Write};
use std::time::Instant;

use tonny_whisper::{ComputeChoice, DecodeOptions, EngineOptions, WhisperEngine};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: stt_worker MODEL_DIR THREADS");
    let threads: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(2);
    let engine = WhisperEngine::load(
        std::path::Path::new(&dir),
        EngineOptions {
            threads,
            compute: ComputeChoice::Int8,
        },
    )
    .expect("loading the model");
    println!("{{\"ready\": true}}");
    std::io::stdout().flush().unwrap();
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let req: serde_json::Value = serde_json::from_str(&line).expect("a JSON request");
        let started = Instant::now();
        let audio =
            tonny_audio::decode_file(std::path::Path::new(req["file"].as_str().unwrap())).unwrap();
        let opts = DecodeOptions {
            beam_size: req["beam"].as_u64().unwrap_or(5) as usize,
            ..Default::default()
        };
        let t = engine
            .transcribe_with(&audio.samples, Some("en"), opts)
            .unwrap();
        let ms = started.elapsed().as_secs_f64() * 1e3;
        println!("{}", serde_json::json!({ "text": t.text, "ms": ms }));
        std::io::stdout().flush().unwrap();
    }
}
