//! Remote-backends benchmark (run by `scripts/bench-remote.sh`).
//!
//! 1. Voice to voice through the remote path: a recording transcribed by the fake
//!    WhisperLiveKit, answered by the fake chat server (first token after 300 ms, then 20
//!    tokens/s), spoken by the fake ElevenLabs (first byte after 200 ms, real espeak-ng audio)
//!    into a private PulseAudio sink — the same `tonny listen` a person runs — three ways side
//!    by side, N runs each: the agent's text streamed into ElevenLabs' `stream-input` socket
//!    (speaking after the first word), streamed sentence by sentence over HTTP, and the whole
//!    answer first; reported as medians, p95 and ratios to the whole-answer path.
//! 2. Supervision: the fake WhisperLiveKit program under the product's policy, killed N times;
//!    time from the kill to healthy again.

use std::time::{Duration, Instant};

use tonny_supervisor::{Policy, ServiceState, Supervisor};
use tonny_testkit::fakes::whisperlivekit::fake_wlk_spec;
use tonny_testkit::fakes::{FakeChat, FakeElevenLabs, FakeWhisperLiveKit, WlkScript};
use tonny_testkit::{PulseServer, TempHome, Tonny, built_exe, free_port, percentile, speech};

const XI_KEY: &str = "xi-bench-key-123";

struct Run {
    stt_ms: u64,
    first_audio_ms: u64,
}

/// How the reply reaches the voice.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Socket,
    Sentences,
    Whole,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::Socket => "stream-input socket",
            Mode::Sentences => "sentence by sentence",
            Mode::Whole => "whole answer",
        }
    }
}

fn one(home: &TempHome, pulse: &PulseServer, urls: (&str, &str, &str), mode: Mode) -> Run {
    let flag = |on: bool| if on { "true" } else { "false" };
    let (wlk, chat, xi) = urls;
    let out = Tonny::new(built_exe("tonny"), home)
        .pulse(pulse)
        .env("TONNY_STT_BACKEND", "whisperlivekit")
        .env("TONNY_WHISPERLIVEKIT_MANAGE", "false")
        .env("TONNY_STT_WHISPERLIVEKIT_URL", wlk)
        .env("TONNY_AGENT_FALLBACK_ORDER", "chat,local")
        .env("TONNY_CHAT_BASE_URL", chat)
        .env("TONNY_CHAT_STREAM", flag(mode != Mode::Whole))
        .env(
            "TONNY_TTS_ELEVENLABS_STREAM_INPUT",
            flag(mode == Mode::Socket),
        )
        .env("TONNY_TTS_ENGINE", "elevenlabs")
        .env("TONNY_TTS_ELEVENLABS_URL", xi)
        .env("TONNY_ELEVENLABS_API_KEY", XI_KEY)
        .env("TONNY_RESPONSE_MODE", "voice_only")
        .args(["--json", "listen", "--file"])
        .arg(speech::shared_audio_dir().join("weather.wav"))
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    Run {
        stt_ms: j["timings"]["stt_ms"].as_u64().unwrap(),
        first_audio_ms: j["first_audio_ms"].as_u64().expect("the reply was spoken"),
    }
}

fn voice_to_voice(runs: usize) {
    let home = TempHome::new();
    let pulse = PulseServer::start();
    let wlk = FakeWhisperLiveKit::start(WlkScript {
        say: "What is the sun?".into(),
        ..WlkScript::default()
    });
    let chat = FakeChat::start();
    chat.set_pace(Duration::from_millis(300), 20.0);
    let xi = FakeElevenLabs::start(XI_KEY);
    xi.set_first_byte(Duration::from_millis(200));
    let urls = (wlk.asr_url(), chat.url(), xi.url());
    let urls = (urls.0.as_str(), urls.1.as_str(), urls.2.as_str());
    println!(
        "voice to voice: {runs} runs each; chat first token 300 ms then 20 tokens/s \
         (3 sentences, 14 tokens); ElevenLabs first byte 200 ms"
    );
    let _ = one(&home, &pulse, urls, Mode::Socket); // warm-up: caches, first connections
    let mut results = Vec::new();
    for mode in [Mode::Socket, Mode::Sentences, Mode::Whole] {
        let mut stt = Vec::new();
        let mut first = Vec::new();
        let mut total = Vec::new();
        for _ in 0..runs {
            let r = one(&home, &pulse, urls, mode);
            stt.push(r.stt_ms);
            first.push(r.first_audio_ms);
            total.push(r.stt_ms + r.first_audio_ms);
        }
        for v in [&mut stt, &mut first, &mut total] {
            v.sort_unstable();
        }
        let label = mode.label();
        println!(
            "  {label:>20}: transcript → first audio p50 {} ms p95 {} ms; \
             end of speech → first audio p50 {} ms p95 {} ms (stt p50 {} ms)",
            percentile(&first, 0.5),
            percentile(&first, 0.95),
            percentile(&total, 0.5),
            percentile(&total, 0.95),
            percentile(&stt, 0.5)
        );
        results.push((percentile(&total, 0.5), percentile(&total, 0.95)));
    }
    let whole = results[2];
    for (mode, r) in [Mode::Socket, Mode::Sentences].into_iter().zip(&results) {
        println!(
            "  ratio {} / whole answer: p50 {:.2}, p95 {:.2}",
            mode.label(),
            r.0 as f64 / whole.0 as f64,
            r.1 as f64 / whole.1 as f64
        );
    }
    println!(
        "  (goals: transcript → first audio ≤ 600 ms, end of speech → first audio < 1000 ms; \
         design estimate for the sequential path 3.4–4.6 s)"
    );
}

fn supervision(kills: usize) {
    let port = free_port();
    let spec = fake_wlk_spec("whisperlivekit", port, &[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // The product's policy, except a window wide enough to allow every kill: the bench
        // measures one restart at a time.
        let policy = Policy {
            max_restarts: kills + 1,
            ..Policy::default()
        };
        let sup = Supervisor::new(vec![spec], policy);
        sup.start("whisperlivekit").unwrap();
        let mut detect = Vec::new();
        let mut healthy = Vec::new();
        for _ in 0..kills {
            let pid = loop {
                if let ServiceState::Running { pid } = sup.state("whisperlivekit").unwrap() {
                    // A ready server stays up through one health interval before the next kill,
                    // so the breaker's count is reset as in real use.
                    tokio::time::sleep(Duration::from_secs(6)).await;
                    break pid;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            };
            let killed = Instant::now();
            std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status()
                .unwrap();
            while sup.state("whisperlivekit").unwrap().is_running() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            detect.push(killed.elapsed().as_millis() as u64);
            while !sup.state("whisperlivekit").unwrap().is_running() {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            healthy.push(killed.elapsed().as_millis() as u64);
        }
        sup.stop_all().await;
        detect.sort_unstable();
        healthy.sort_unstable();
        println!(
            "supervisor, {kills} kills of the WhisperLiveKit fake (product policy: first restart \
             after 1 s): crash detected p50 {} ms max {} ms; crash → healthy again p50 {} ms \
             max {} ms",
            percentile(&detect, 0.5),
            detect[detect.len() - 1],
            percentile(&healthy, 0.5),
            healthy[healthy.len() - 1]
        );
    });
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    voice_to_voice(runs);
    supervision(runs.min(5));
}
