#!/usr/bin/env bash
# A newcomer's first command: install dependencies, build Release, and run the main job
# (a simulated year of therapy from an example scenario, summarised).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release
cmake --build --preset release
build/release/apps/itdd sim run examples/baclofen-flex-ptm.json
