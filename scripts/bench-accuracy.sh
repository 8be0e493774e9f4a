#!/usr/bin/env bash
# Accuracy benchmark (issue #18, item 7): the accuracy test's 36 short commands and three 40 s+
# passages (Piper and espeak-ng, pauses, noise; made once per machine by the test, which this
# runs first), TonnyTray beside faster-whisper on the same tiny.en directory, beam 1 and 5,
# BENCH_ROUNDS times (default 3). About eight minutes once built; prints figures, asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_apt ca-certificates gcc g++ cmake pkg-config libasound2-dev espeak-ng sox libsox-fmt-all \
    python3-pip python3-venv
ensure_rust
select_target_dir
# The test makes the recordings (and checks them against faster-whisper once).
cargo test --locked -p tonny-cli --test it -- made_up_short_and_long_sets
# Optimised for the times, as a packaged daemon runs.
cargo build --release --locked -p tonny-cli
ensure_reference_engine
python3 scripts/bench_accuracy.py "${CARGO_TARGET_DIR:-target}/release/tonny" "$FW_VENV/bin/python" \
    "$BENCH_MODEL" "$HOME/.cache/tonnytray/accuracy-sets-v1" "${BENCH_ROUNDS:-3}"
