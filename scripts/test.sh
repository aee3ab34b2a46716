#!/usr/bin/env bash
# The whole test suite: unit, property and scenario tests in Release and under ASan+UBSan,
# then a short fuzzing run of every parser of outside input.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)
for preset in release asan; do
  echo "== ${preset}: build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== ${preset}: test"
  ctest --preset "$preset" -j "$jobs"
done
if [ -x scripts/fuzz.sh ]; then
  scripts/fuzz.sh --seconds "${ITDD_FUZZ_SECONDS:-30}"
fi
