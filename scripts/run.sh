#!/usr/bin/env bash
# Builds TonnyTray and runs it on its embedded defaults: no external service is needed.
# For now the "main job" is the health check and the database summary; later milestones make
# this the voice pipeline. Honors TONNY_HOME (defaults to the usual per-user folders).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_apt ca-certificates gcc
ensure_rust
select_target_dir

cargo build --release --locked -p tonny-cli
tonny="${CARGO_TARGET_DIR:-target}/release/tonny"

echo "==> tonny doctor"
"$tonny" doctor
echo
echo "==> tonny db stats"
"$tonny" db stats
