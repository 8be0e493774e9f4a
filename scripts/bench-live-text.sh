#!/usr/bin/env bash
# What live text costs on this machine: the shared recordings fed at a microphone's pace into the
# embedded engine (tiny.en, int8, 2 threads) with live text off and on (stt.live_text_ms 700),
# at beam 5 and 1; prints the time from the endpoint to the final text (p50, p95) and the CPU
# time per second of audio. Asserts nothing. BENCH_RUNS (default 2) repeats the set.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_apt ca-certificates gcc g++ cmake pkg-config libasound2-dev python3-pip python3-venv
ensure_rust
select_target_dir

# Optimised, as a packaged daemon runs (the feature extraction and the decoding loop are Rust).
cargo build --release --locked -p tonny-whisper --example live_text_cost
ensure_reference_engine
for beam in 5 1; do
    "${CARGO_TARGET_DIR:-target}/release/examples/live_text_cost" "$BENCH_MODEL" "$beam" \
        "${BENCH_RUNS:-2}" ../shared/audio/*.wav
done
