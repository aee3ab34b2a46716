#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for a while on its
# checked-in corpus. Usage: scripts/fuzz.sh [--seconds N] [TARGET...]
#   N seconds per target (default 60); targets: scenario frame link command drug_library
#   (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
if [ "${1:-}" = "--seconds" ]; then
  seconds="$2"
  shift 2
fi
targets=("$@")
if ((${#targets[@]} == 0)); then targets=(scenario frame link command drug_library); fi
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
for target in "${targets[@]}"; do
  corpus="fuzz/corpus/${target}"
  work=$(mktemp -d)
  echo "== fuzzing ${target} for ${seconds} s (corpus ${corpus}, new inputs kept in ${work})"
  status=0
  build/fuzz/fuzz/${target}_fuzz -max_total_time="$seconds" -max_len=16384 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$work/" "$work" "$corpus" >"$work/log" 2>&1 || status=$?
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+ +DONE' "$work/log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$work/log"
    echo "fuzzing ${target} failed (exit ${status}); failing inputs:"; ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null || true
    exit 1
  fi
  echo "fuzzing ${target}: no crashes"
  rm -rf "$work"
done
