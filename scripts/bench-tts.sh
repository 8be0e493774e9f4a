#!/usr/bin/env bash
# Local voices side by side in one run: Piper (en_US-joe-medium from PyPI, 2 threads) and
# espeak-ng on the household sentences: time to first audio and real-time factor (p50/p95),
# and memory with the Piper voice loaded (crates/tonny-providers/examples/bench_tts.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_apt ca-certificates gcc g++ cmake pkg-config libasound2-dev espeak-ng python3-pip
ensure_rust
build_ui
select_target_dir
# Built as ./scripts/test.sh builds it, so nothing is compiled twice.
cargo test --workspace --locked --no-run
"${CARGO_TARGET_DIR:-target}/debug/examples/bench_tts"
