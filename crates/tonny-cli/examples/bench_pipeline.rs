//! Voice-pipeline benchmark (run by `scripts/bench-pipeline.sh`): the timer request spoken into
//! a virtual microphone N times through `tonny listen`, answered in espeak-ng's voice and then in
//! the Piper voice, with the per-stage latencies TonnyTray stores; then `tonny run` idle with its hotkeys, microphone and model loaded, for RSS and CPU.
//! Figures are printed beside the goals.

use std::time::{Duration, Instant};

use tonny_testkit::{PulseServer, TempHome, Tonny, XServer, built_exe, percentile, speech};

fn proc_stat(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = stat.rsplit_once(')').unwrap().1;
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name.
    let ticks = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    (rss_kb, ticks)
}

/// The stages TonnyTray stores per request, in order.
const STAGES: [&str; 6] = [
    "endpoint_ms",
    "stt_ms",
    "route_ms",
    "agent_ms",
    "tts_ms",
    "total_ms",
];

/// `runs` spoken timer requests through `tonny listen` in `home`: each stage's figures, then
/// our own overhead and end of speech → first audio queued.
fn pipeline(home: &TempHome, pulse: &PulseServer, runs: usize) -> Vec<Vec<u64>> {
    let model = speech::model_dir();
    let wav = speech::shared_audio_dir().join("timer.wav");
    let mut figures: Vec<Vec<u64>> = vec![Vec::new(); STAGES.len() + 2];
    for i in 0..runs {
        let run = Tonny::new(built_exe("tonny"), home)
            .pulse(pulse)
            .env("TONNY_STT_MODEL", &model)
            .env("TONNY_AUDIO_VAD_SILENCE_MS", "300")
            .args(["--json", "listen"])
            .spawn();
        pulse.wait_for_recording(Duration::from_secs(120));
        pulse.speak_wav(&wav);
        let out = run.finish().ok();
        let t = out.json()["timings"].clone();
        let get = |k: &str| {
            t[k].as_u64()
                .unwrap_or_else(|| panic!("run {i}: no {k} in {t}"))
        };
        for (j, s) in STAGES.iter().enumerate() {
            figures[j].push(get(s));
        }
        // Our own overhead: everything but model compute and speech synthesis.
        figures[STAGES.len()].push(get("total_ms") - get("stt_ms") - get("tts_ms"));
        // The person stops speaking → the reply's first sample is queued.
        figures[STAGES.len() + 1].push(get("endpoint_ms") + get("total_ms"));
    }
    for v in &mut figures {
        v.sort_unstable();
    }
    figures
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let pulse = PulseServer::start();
    // The same requests answered in espeak-ng's voice (no Piper voice installed) and in the
    // Piper voice (en_US-joe-medium imported), one after the other in this run.
    let espeak_home = TempHome::new();
    let piper_home = TempHome::new();
    let (voice_wheel, _) = speech::piper_voice();
    Tonny::new(built_exe("tonny"), &piper_home)
        .args(["voices", "import"])
        .arg_path(&voice_wheel)
        .run()
        .ok();
    println!(
        "voice pipeline: {runs} × \"Set a timer for ten minutes\" per voice (vad_silence_ms = 300, \
         local agent, `tonny listen` per request)"
    );
    let espeak = pipeline(&espeak_home, &pulse, runs);
    let piper = pipeline(&piper_home, &pulse, runs);
    println!(
        "{:<38} {:>13} {:>13} {:>7}",
        "stage (ms)", "espeak-ng p50/p95", "Piper p50/p95", "max"
    );
    let names = [
        "end of speech → VAD end",
        "→ transcript (model)",
        "→ routed",
        "→ reply text",
        "→ first audio queued (synthesis)",
        "transcript+reply+voice, total",
        "our overhead (total − model − voice)",
        "end of speech → first audio queued",
    ];
    for (i, name) in names.iter().enumerate() {
        let (e, p) = (&espeak[i], &piper[i]);
        println!(
            "{name:<38} {:>7}/{:<7} {:>7}/{:<7} {:>7}",
            percentile(e, 0.5),
            percentile(e, 0.95),
            percentile(p, 0.5),
            percentile(p, 0.95),
            e[e.len() - 1].max(p[p.len() - 1])
        );
    }
    let last = names.len() - 1;
    println!(
        "goals: endpointing ≤ 350 ms (p95 {} ms); overhead ≤ 20 ms p95 ({} ms); end of speech → \
         first audio with Piper ≤ 700 ms p95 ({} ms; espeak-ng {} ms, ratio {:.2})",
        percentile(&piper[0], 0.95),
        percentile(&piper[STAGES.len()], 0.95),
        percentile(&piper[last], 0.95),
        percentile(&espeak[last], 0.95),
        percentile(&piper[last], 0.95) as f64 / percentile(&espeak[last], 0.95).max(1) as f64
    );

    // Idle: first timers and stdin only; then hotkeys registered, the model loaded and the
    // microphone paused until a hotkey.
    let x = XServer::start();
    for (what, args) in [
        (
            "timers only (--no-hotkeys)",
            &["run", "--silent", "--no-hotkeys"][..],
        ),
        (
            "hotkeys registered, model loaded, microphone paused until a hotkey",
            &["run", "--silent"][..],
        ),
    ] {
        let idle = Tonny::new(built_exe("tonny"), &espeak_home)
            .pulse(&pulse)
            .x11(&x)
            .env("TONNY_STT_MODEL", speech::model_dir())
            .args(args)
            .arg("--events")
            .spawn();
        idle.events()
            .wait_for(Duration::from_secs(120), tonny_testkit::of_type("ready"));
        std::thread::sleep(Duration::from_secs(2));
        let pid = idle.pid();
        let (_, t0) = proc_stat(pid);
        let start = Instant::now();
        std::thread::sleep(Duration::from_secs(20));
        let (rss_kb, t1) = proc_stat(pid);
        let secs = start.elapsed().as_secs_f64();
        // Linux reports CPU time in clock ticks of 1/100 s.
        let cpu = (t1 - t0) as f64 / 100.0 / secs * 100.0;
        println!(
            "idle `tonny run`, {what}: RSS {:.1} MiB, CPU {cpu:.2} % over {secs:.0} s",
            rss_kb as f64 / 1024.0
        );
        idle.kill();
    }
}
