#!/usr/bin/env bash
# Voice-pipeline benchmark: per-stage latency of the timer request spoken into a virtual
# microphone (private PulseAudio server), BENCH_RUNS times (default 20) answered in espeak-ng's
# voice and BENCH_RUNS times in the Piper voice, side by side, from the timings TonnyTray stores
# (end of speech → first audio queued among them); then idle RSS and CPU of `tonny run` with
# its model loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_apt ca-certificates gcc g++ cmake pkg-config libasound2-dev espeak-ng python3-pip \
    pulseaudio pulseaudio-utils xvfb xdotool
ensure_rust
build_ui
select_target_dir
# Built as ./scripts/test.sh builds it, so nothing native is compiled twice.
cargo test --workspace --locked --no-run
"${CARGO_TARGET_DIR:-target}/debug/examples/bench_pipeline"
