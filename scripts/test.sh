#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run; docs/ci.md says what each phase costs):
#   1. sanitizer build (clang, ASan + UBSan, coverage for the fuzzers): every module's unit and
#      property tests, and each fuzzer once over its checked-in corpus;
#   2. Release build: the `itdd` app end to end (virtual implants, the clinic, the CLI), year-long
#      scenarios, checks on the firmware's objects, a benchmark smoke run;
#   3. Cortex-M4 target build: the firmware's image checked against its rules and budget;
#   4. fuzzing: every parser of outside input, the time shared fairly (scripts/fuzz.sh).
# Ends with one line, "tests: N passed, M failed", after the time each phase took.
#
#   scripts/test.sh                  everything (installs what is missing first)
#   scripts/test.sh --quick [REGEX]  a developer's loop: rebuild the sanitizer tree and run its
#                                    unit tests (those matching REGEX); no install, no Release,
#                                    no fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
regex=()
if [ "${1:-}" = "--quick" ]; then
  quick=1
  [ -n "${2:-}" ] && regex=(-R "$2")
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--quick [CTEST_REGEX]]" >&2
  exit 2
fi
((quick)) || scripts/install-deps.sh
jobs=$(nproc)
passed=0
failed=0
timings=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
phase_start=$SECONDS

# end_phase NAME: records how long the phase took.
end_phase() {
  timings+=("$(printf '%-28s %5d s' "$1" $((SECONDS - phase_start)))")
  phase_start=$SECONDS
}

finish() {
  echo "== time per phase"
  printf '  %s\n' "${timings[@]}"
  echo "tests: ${passed} passed, ${failed} failed"
  if ((failed)); then exit 1; fi
  exit 0
}

# build_and_test PRESET [CTEST ARGS...]
build_and_test() {
  local preset=$1
  shift
  echo "== ${preset}: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  end_phase "${preset} build"
  echo "== ${preset}: test"
  local status=0
  # A throwaway PostgreSQL server, so the clinic database's PostgreSQL tests run (and fail,
  # rather than skip, if it is missing).
  ITDD_REQUIRE_POSTGRES=1 scripts/with-postgres.sh ctest --preset "$preset" -j "$jobs" "$@" 2>&1 |
    tee "$log" || status=$?
  end_phase "${preset} tests"
  local summary total bad
  summary=$(grep -E '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
  total=$(echo "$summary" | sed -E 's/.* out of ([0-9]+).*/\1/')
  bad=$(echo "$summary" | sed -E 's/.* ([0-9]+) tests failed.*/\1/')
  passed=$((passed + ${total:-0} - ${bad:-0}))
  failed=$((failed + ${bad:-0}))
  if [ "$status" -ne 0 ] || [ -z "$summary" ]; then
    ((failed > 0)) || failed=1
    finish
  fi
}

end_phase "install"
build_and_test sanitize "${regex[@]}"
((quick)) && finish
build_and_test release
# The firmware built for the Cortex-M4 target: its images' rules (no heap, exceptions, RTTI) and
# their footprint: the product image's against the budget, the bench image's (a test driver)
# beside it (board/README.md, docs/footprint.md).
build_and_test cortex-m4
scripts/footprint.sh build/cortex-m4/board/mps2_an386/itdd_mps2_an386_product.elf build/cortex-m4
scripts/footprint.sh build/cortex-m4/board/mps2_an386/itdd_mps2_an386.elf build/cortex-m4
if scripts/fuzz.sh --no-build --seconds "${ITDD_FUZZ_SECONDS:-20}"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi
end_phase "fuzzing"
finish
