#!/usr/bin/env bash
# Speech-to-text benchmark: TonnyTray's embedded engine against faster-whisper, side by side, on
# the same model directory (int8, 2 threads, beam 1 and 5), over ../shared/audio and a 70 s
# recording. Set BENCH_ROUNDS (default 3) and BENCH_THREADS (default 2) to change the run;
# `--also NAME=WORKER` adds another build of the worker to the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_apt ca-certificates gcc g++ cmake pkg-config libasound2-dev espeak-ng python3-pip python3-venv
ensure_rust
select_target_dir

# Built exactly as ./scripts/test.sh builds it (which compiles the examples too), so the engine
# measured is the one tested and nothing is compiled a second time: building one package alone
# unifies features differently (libc's, for instance), which gives build scripts new hashes.
cargo test --workspace --locked --no-run
worker="${CARGO_TARGET_DIR:-target}/debug/examples/stt_worker"

ensure_reference_engine
venv="$FW_VENV"
model="$BENCH_MODEL"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/long.wav" <<'PY'
import subprocess, sys
# The same 14 sentences the long-recording test speaks.
sentences = open("crates/tonny-testkit/fixtures/household-sentences.txt").read().splitlines()
ssml = "<speak>" + "".join(f'{s}<break time="900ms"/>' for s in sentences) + "</speak>"
subprocess.run(["espeak-ng", "-m", "-v", "en-us", "-s", "150", "-w", sys.argv[1], ssml], check=True)
open(sys.argv[1] + ".txt", "w").write(" ".join(sentences))
PY
audio=$(PYTHONPATH=scripts python3 -c 'import bench_common; print(bench_common.shared_audio())')
python3 scripts/bench_stt.py "$worker" "$venv/bin/python" "$model" "$audio"/*.wav --long "$work/long.wav" "$@"
