#!/usr/bin/env bash
# Remote-backends benchmark: voice to voice through fake WhisperLiveKit + fake chat (first
# token 300 ms, 20 tokens/s) + fake ElevenLabs (first byte 200 ms) with `tonny listen`,
# streaming and non-streaming side by side (BENCH_RUNS each, default 10); then the time from a
# supervised server's crash to healthy again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_apt ca-certificates gcc g++ cmake pkg-config libasound2-dev espeak-ng sox \
    libsox-fmt-all python3-pip pulseaudio pulseaudio-utils
ensure_rust
select_target_dir
# Built as ./scripts/test.sh builds it, so nothing native is compiled twice.
cargo test --workspace --locked --no-run
"${CARGO_TARGET_DIR:-target}/debug/examples/bench_remote"
