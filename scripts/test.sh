#!/usr/bin/env bash
# The whole test suite: unit, property and scenario tests in Release and under ASan+UBSan,
# then a short fuzzing run of every parser of outside input. Ends with one line:
# "tests: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for preset in release asan; do
  echo "== ${preset}: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== ${preset}: test"
  status=0
  # A throwaway PostgreSQL server, so the clinic database's PostgreSQL tests run (and fail,
  # rather than skip, if it is missing).
  ITDD_REQUIRE_POSTGRES=1 scripts/with-postgres.sh ctest --preset "$preset" -j "$jobs" 2>&1 |
    tee "$log" || status=$?
  summary=$(grep -E '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
  total=$(echo "$summary" | sed -E 's/.* out of ([0-9]+).*/\1/')
  bad=$(echo "$summary" | sed -E 's/.* ([0-9]+) tests failed.*/\1/')
  passed=$((passed + ${total:-0} - ${bad:-0}))
  failed=$((failed + ${bad:-0}))
  if [ "$status" -ne 0 ] || [ -z "$summary" ]; then
    echo "tests: ${passed} passed, $((failed > 0 ? failed : 1)) failed"
    exit 1
  fi
done
if ITDD_FUZZ_SECONDS="${ITDD_FUZZ_SECONDS:-30}" scripts/fuzz.sh --seconds "${ITDD_FUZZ_SECONDS:-30}"; then
  passed=$((passed + 1))
else
  echo "tests: ${passed} passed, $((failed + 1)) failed"
  exit 1
fi
echo "tests: ${passed} passed, ${failed} failed"
