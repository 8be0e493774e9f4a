#!/usr/bin/env bash
# Fetches the prebuilt CTranslate2 library the speech engine links into .native/ctranslate2 (see
# scripts/lib.sh), for a plain `cargo build`; the other scripts do this themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_apt ca-certificates python3-pip
ensure_ctranslate2
echo "CTranslate2 is in $(readlink .native/ctranslate2)"
