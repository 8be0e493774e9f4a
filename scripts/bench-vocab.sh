#!/usr/bin/env bash
# Vocabulary benchmark: WER on espeak-ng sentences with household names and terms, without and
# with the vocabulary (stt.vocabulary / --vocab), TonnyTray beside faster-whisper's `hotwords`
# on the same tiny.en directory, beam 1 and 5. About two minutes once built.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_apt ca-certificates gcc g++ cmake pkg-config libasound2-dev espeak-ng sox python3-pip python3-venv
ensure_rust
select_target_dir
cargo build --locked -p tonny-cli
tonny="${CARGO_TARGET_DIR:-target}/debug/tonny"

ensure_reference_engine
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/bench_vocab.py "$tonny" "$FW_VENV/bin/python" "$BENCH_MODEL" "$work"
