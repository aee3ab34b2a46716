#!/usr/bin/env bash
# Builds the libFuzzer targets (the `sanitize` preset: clang, ASan+UBSan, coverage feedback from
# every library) and runs each on its checked-in corpus. The time is shared fairly: every target
# gets the same number of seconds, two at a time on two cores.
#   scripts/fuzz.sh [--seconds N] [--jobs J] [--no-build] [TARGET...]
#   N seconds per target (default 40), J targets at once (default: the number of cores, at most
#   2); targets: scenario frame link command drug_library data_files (default: all).
# A crash prints, besides libFuzzer's report, the failing input in base64 and the commands that
# replay it, because a CI run's temporary directory is gone afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=40
jobs=$(nproc)
((jobs > 2)) && jobs=2
build=1
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -*) echo "usage: $0 [--seconds N] [--jobs J] [--no-build] [TARGET...]" >&2; exit 2 ;;
    *) break ;;
  esac
done
targets=("$@")
if ((${#targets[@]} == 0)); then targets=(scenario frame link command drug_library data_files); fi
bin=build/sanitize/fuzz
if ((build)); then
  cmake --preset sanitize >/dev/null
  cmake --build --preset sanitize --target "${targets[@]/%/_fuzz}"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One target: its own new-input directory, log and exit status under $work/TARGET/.
fuzz_one() {
  local target=$1 dir="$work/$1"
  mkdir -p "$dir/new"
  local status=0
  "$bin/${target}_fuzz" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$dir/" "$dir/new" "fuzz/corpus/${target}" \
    >"$dir/log" 2>&1 || status=$?
  echo "$status" >"$dir/status"
}

echo "== fuzzing ${targets[*]}: ${seconds} s each, ${jobs} at a time"
for target in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  fuzz_one "$target" &
done
wait

failed=0
for target in "${targets[@]}"; do
  dir="$work/$target"
  status=$(cat "$dir/status" 2>/dev/null || echo 1)
  runs=$(grep -E '^stat::number_of_executed_units' "$dir/log" | awk '{print $2}')
  if [ "$status" -eq 0 ]; then
    echo "fuzzing ${target}: no crashes in ${seconds} s (${runs:-?} runs)"
    continue
  fi
  failed=1
  echo "fuzzing ${target} FAILED (exit ${status}); the end of its log:"
  tail -n 60 "$dir/log" | sed 's/^/  | /'
  for input in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*; do
    [ -e "$input" ] || continue
    name=$(basename "$input")
    echo "failing input ${name} ($(wc -c <"$input") bytes), base64:"
    base64 -w 0 "$input"; echo
    echo "replay it from the repository root:"
    echo "  echo '$(base64 -w 0 "$input")' | base64 -d > ${name}"
    echo "  cmake --preset sanitize && cmake --build --preset sanitize --target ${target}_fuzz"
    echo "  ${bin}/${target}_fuzz ${name}"
    echo "then keep it as a regression: cp ${name} fuzz/corpus/${target}/ (CTest runs the corpus)"
  done
done
exit $failed
