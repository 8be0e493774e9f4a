#!/usr/bin/env bash
# Barge-in reaction time: runs the barge-in acceptance test (a private PulseAudio server, the
# speaker looped into the microphone, WebRTC echo cancellation, the Piper voice) RUNS times
# (default 5) and reports, from the person's words leaving the echo canceller to the last
# sound of the reply on the speaker, p50/p95 in milliseconds, and how many runs passed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_apt ca-certificates gcc g++ cmake pkg-config libasound2-dev espeak-ng python3-pip \
  pulseaudio pulseaudio-utils sox
ensure_rust
build_ui
select_target_dir
cargo test --workspace --locked --no-run
runs=${RUNS:-5}
passed=0
times=()
for i in $(seq "$runs"); do
  if out=$(cargo test --workspace --locked -q -- barge_in --nocapture 2>&1); then
    passed=$((passed + 1))
    verdict=passed
  else
    log=$(mktemp "${TMPDIR:-/tmp}/bench-barge-in-XXXXXX")
    printf '%s\n' "$out" >"$log"
    verdict="FAILED (output in $log)"
  fi
  ms=$(grep -o 'barge-in reaction: [0-9]*' <<<"$out" | grep -o '[0-9]*$' || true)
  echo "run $i: ${ms:-no reaction measured} ms, $verdict"
  [ -n "$ms" ] && times+=("$ms")
done
echo "passed $passed of $runs"
if [ ${#times[@]} -gt 0 ]; then
  printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR]=$1} END {
    p50=v[int((NR+1)/2)]; i95=int(NR*0.95+0.999); if (i95<1) i95=1;
    printf "barge-in reaction (ms): p50 %d, p95 %d, n=%d\n", p50, v[i95], NR }'
fi
