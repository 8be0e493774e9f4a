#!/usr/bin/env bash
# Fetches the prebuilt native libraries into .native/ (see scripts/lib.sh), for a plain `cargo
# build`; the other scripts do this themselves: CTranslate2, which the speech engine links, and
# ONNX Runtime, which Piper voices load at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_apt ca-certificates python3-pip
ensure_ctranslate2
ensure_onnxruntime
echo "CTranslate2 is in $(readlink .native/ctranslate2)"
echo "ONNX Runtime is in $(readlink .native/onnxruntime)"
