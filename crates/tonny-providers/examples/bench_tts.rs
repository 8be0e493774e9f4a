//! Local voices side by side in one run: Piper (`en_US-joe-medium`, ONNX Runtime, 2 threads)
//! and espeak-ng, on the household sentences. For each: time to first audio of a one-sentence
//! reply (text in → the samples ready to queue) and real-time factor (synthesis time / audio
//! length), p50 and p95; and the process's resident memory before and after the voice loads.
//! Run by `scripts/bench-tts.sh`.

use std::time::Instant;

use tonny_core::settings::TtsSettings;
use tonny_core::tts::Tts;
use tonny_providers::stt::models::NoProgress;
use tonny_providers::tts::espeak::EspeakTts;
use tonny_providers::tts::piper::LocalVoice;
use tonny_providers::tts::voices::VoiceStore;
use tonny_testkit::speech::{household_sentences, piper_voice};

const ROUNDS: usize = 3;

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let i = ((values.len() as f64 - 1.0) * p).round() as usize;
    values[i]
}

/// First-audio times (ms) and real-time factors for every sentence, `ROUNDS` times.
fn measure(voice: &dyn Tts, sentences: &[&str]) -> (Vec<f64>, Vec<f64>) {
    let (mut first, mut rtf) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        for s in sentences {
            let started = Instant::now();
            let speech = voice.synthesize(s).expect("the voice speaks");
            let took = started.elapsed().as_secs_f64();
            first.push(took * 1000.0);
            rtf.push(took / (speech.samples.len() as f64 / f64::from(speech.sample_rate)));
        }
    }
    (first, rtf)
}

fn main() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = VoiceStore::new(dir.path().join("voices"), "http://127.0.0.1:9".into());
    let (wheel, _) = piper_voice();
    store
        .import(&wheel, None, &NoProgress)
        .expect("the voice imports");
    let sentences: Vec<&str> = household_sentences();
    let mut settings = TtsSettings {
        threads: 2,
        ..TtsSettings::default()
    };
    let espeak = EspeakTts::from_settings(&settings);
    settings.voice = "en-us".into();
    let piper = LocalVoice::new(&settings, "en-us", &store);
    assert!(piper.piper_voice().is_some(), "the Piper voice is chosen");

    let before = rss_mb();
    let load = Instant::now();
    piper.synthesize("Ready.").expect("the voice loads");
    let load_ms = load.elapsed().as_secs_f64() * 1000.0;
    let loaded = rss_mb();

    println!(
        "{} sentences x {ROUNDS}; Piper {} on 2 threads, espeak-ng {}",
        sentences.len(),
        piper.name(),
        espeak.name()
    );
    println!(
        "Piper voice load + first sentence: {load_ms:.0} ms; RSS {before:.0} MB -> {loaded:.0} MB"
    );
    println!(
        "{:<10} {:>14} {:>14} {:>8} {:>8}",
        "voice", "first p50 ms", "first p95 ms", "RTF p50", "RTF p95"
    );
    for (name, voice) in [("piper", &piper as &dyn Tts), ("espeak-ng", &espeak)] {
        let (mut first, mut rtf) = measure(voice, &sentences);
        println!(
            "{name:<10} {:>14.1} {:>14.1} {:>8.3} {:>8.3}",
            percentile(&mut first, 0.5),
            percentile(&mut first, 0.95),
            percentile(&mut rtf, 0.5),
            percentile(&mut rtf, 0.95)
        );
    }
    println!("RSS after both: {:.0} MB", rss_mb());
}
