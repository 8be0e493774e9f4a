#!/usr/bin/env bash
# Store benchmark: 100k transcriptions + 1M log lines, figures beside the design's claims.
# Scale with TONNY_BENCH_TRANSCRIPTIONS / TONNY_BENCH_LOGS.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_rust
select_target_dir
cargo bench --locked -p tonny-store --bench store
