#!/usr/bin/env bash
# The web UI's cost to a person (issue #19): the bundle's size (raw and gzip), and the time from
# starting `tonny serve` to Home showing the state in headless Chromium (median of BENCH_RUNS,
# default 5, each with a fresh home and a cold browser), plus how many settings are reachable
# without opening Advanced. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_apt chromium
ensure_rust
build_ui
select_target_dir
# As the test command builds (one feature resolution for all: no native rebuilds); the
# integration tests need the `tonny` binary, so it is built too.
cargo test --workspace --locked --no-run -q
target="${CARGO_TARGET_DIR:-target}"
echo "==> bundle (ui/dist)"
for f in ui/dist/assets/*; do
    printf '%-40s %8d bytes, gzip %7d\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done
node ui/e2e/first-render.mjs "$target/debug/tonny" "${BENCH_RUNS:-5}"
