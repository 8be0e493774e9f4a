#!/usr/bin/env bash
# Measures the daemon at the centre: settings change → effect on the next request, `tonny ask`
# through a running daemon vs in its own process, and idle memory of `tonny serve` and the tray
# (beside another build's, given as BASELINE_DIR holding its `tonny` and `tonny-tray`). Prints
# figures; asserts nothing (see scripts/bench_live.py).
# Usage: scripts/bench-live.sh [BASELINE_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_apt xvfb dbus-bin libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
ensure_rust
build_ui
select_target_dir
# As the test command builds (one feature resolution for all: no native rebuilds).
cargo build --workspace --all-targets --locked -q
target="${CARGO_TARGET_DIR:-target}"
model="${TONNY_BENCH_MODEL:-$HOME/.cache/tonnytray/test-model/tiny.en}"
[ -f "$model/model.bin" ] || cargo test --workspace --locked -q -- flac_ogg_mp3 >/dev/null
if [ -n "${1:-}" ]; then
    python3 scripts/bench_live.py "$target/debug" "$model" "$1"
else
    python3 scripts/bench_live.py "$target/debug" "$model"
fi
