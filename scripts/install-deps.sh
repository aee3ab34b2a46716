#!/usr/bin/env bash
# Installs every Debian package the project builds and tests with. Safe to run again.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev
  googletest libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libsodium-dev
  nanopb libnanopb-dev
  libsqlitecpp-dev libsqlite3-dev libpqxx-dev postgresql
  libhowardhinnant-date-dev tzdata
  libcpp-httplib-dev  # the dashboard's server (web/server)
  librandom123-dev libopenmpi-dev openmpi-bin  # fleet campaigns (sim/fleet, itdd-fleet-mpi)
  # the Cortex-M4 target (board/): cross compiler, C and C++ libraries, the emulated board
  gcc-arm-none-eabi picolibc-arm-none-eabi libstdc++-arm-none-eabi-picolibc qemu-system-arm
  dpkg-dev
  nodejs chromium fonts-dejavu-core
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "installing: ${missing[*]}"
  $sudo_cmd apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}"
fi
# Sources the target build compiles from Debian's source packages (nanopb's runtime).
"$(dirname "$0")/fetch-target-sources.sh"

# npm: Debian's own package, unless the nodejs installed already carries npm (a nodejs from
# elsewhere conflicts with Debian's npm package).
if ! command -v npm >/dev/null; then
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo" || sudo_cmd=""
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y --no-install-recommends npm
fi
# The dashboard's npm packages (web/ui/package-lock.json), again only when the lock file changed.
ui="$(dirname "$0")/../web/ui"
if [ ! -f "$ui/node_modules/.package-lock.json" ] ||
  [ "$ui/package-lock.json" -nt "$ui/node_modules/.package-lock.json" ]; then
  (cd "$ui" && npm ci --no-audit --no-fund --ignore-scripts)
fi
