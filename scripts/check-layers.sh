#!/usr/bin/env bash
# Dependencies point down (docs/design.md): fails if a layer reaches one above or beside it.
#   host/        includes nothing of programmer/, ptm/ or sim/
#   programmer/  includes nothing of ptm/ or sim/
#   ptm/         includes nothing of sim/
#   apps/itdd/   the programmer's and the patient device's commands include nothing of sim/: only
#                the simulator's and the virtual implant's faces may (main.cpp, serve.cpp,
#                sim_commands.*)
# and programmer/ (its libraries and tests) configures without sim/ at all: the tree is
# configured with ITDD_NO_SIM=ON and CMAKE_LINK_LIBRARIES_ONLY_TARGETS=ON, so a link to a sim/
# library (absent there) is an error, not a silent -litdd_sim.
# Usage: check-layers.sh SOURCE_DIR [extra cmake -D options for the configure...]
set -euo pipefail
src=$(cd "$1" && pwd)
shift
status=0

# The include prefixes a layer's modules publish: <layer>/*/include/itdd/<prefix>/ (and
# <layer>/include/itdd/<prefix>/ for a layer that is one module).
prefixes_of() {
  local layer=$1
  find "$src/$layer" -path '*/include/itdd/*' -mindepth 1 -maxdepth 4 -type d \
    -regex ".*/include/itdd/[^/]*" 2>/dev/null | sed 's|.*/include/itdd/||' | sort -u
}

# Fails when a file under $1 includes a header under one of the other layers given. The files
# named in $except (basenames, space-separated) are not checked.
except=""
check_includes() {
  local layer=$1
  shift
  [ -d "$src/$layer" ] || return 0
  local prefixes=()
  for above in "$@"; do
    while read -r p; do [ -n "$p" ] && prefixes+=("$p"); done < <(prefixes_of "$above")
  done
  [ ${#prefixes[@]} -gt 0 ] || return 0
  local alternation layers
  alternation=$(IFS='|'; echo "${prefixes[*]}")
  layers=$(IFS='|'; echo "$*")
  local bad excluded=()
  for f in $except; do excluded+=("--exclude=$f"); done
  bad=$(grep -rnE "^\s*#\s*include\s*[<\"](itdd/($alternation)/|(\.\./)+($layers)/)" \
          --include='*.h' --include='*.hpp' --include='*.cpp' "${excluded[@]}" "$src/$layer" \
          || true)
  if [ -n "$bad" ]; then
    echo "$layer/ includes what $* own (dependencies point down):"
    echo "$bad" | sed "s|^$src/|  |"
    status=1
  else
    echo "$layer/: includes nothing of $* (${prefixes[*]})"
  fi
}

check_includes host programmer ptm sim
check_includes programmer ptm sim
check_includes ptm sim
except="main.cpp serve.cpp sim_commands.cpp sim_commands.h" check_includes apps/itdd sim

# The programmer side without the simulator: configure only (a few seconds).
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
if cmake -S "$src" -B "$build" -G Ninja -DITDD_NO_SIM=ON -DCMAKE_LINK_LIBRARIES_ONLY_TARGETS=ON \
     -DITDD_BUILD_APP=OFF -DITDD_BUILD_BENCH=OFF -DITDD_SYSTEM_TESTS=OFF -DITDD_FUZZ=OFF \
     -DITDD_SANITIZE=OFF "$@" > "$build/configure.log" 2>&1; then
  echo "programmer/ configures without sim/ (every link a target)"
else
  echo "programmer/ does not configure without sim/:"
  grep -E "CMake Error|Target|itdd_" "$build/configure.log" | head -20 | sed 's/^/  /'
  status=1
fi
exit $status
