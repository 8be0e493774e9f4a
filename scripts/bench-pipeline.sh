#!/usr/bin/env bash
# Voice-pipeline benchmark: per-stage latency of the timer request spoken into a virtual
# microphone (private PulseAudio server), BENCH_RUNS times (default 20), from the timings
# TonnyTray stores; then idle RSS and CPU of `tonny run` with its model loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_apt ca-certificates gcc g++ cmake pkg-config libasound2-dev espeak-ng python3-pip \
    pulseaudio pulseaudio-utils xvfb xdotool
ensure_rust
select_target_dir
# Built as ./scripts/test.sh builds it, so nothing native is compiled twice.
cargo test --workspace --locked --no-run
"${CARGO_TARGET_DIR:-target}/debug/examples/bench_pipeline"
