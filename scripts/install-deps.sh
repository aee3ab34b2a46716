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
  # the Cortex-M4 target (board/): cross compiler, C and C++ libraries, the emulated board
  gcc-arm-none-eabi picolibc-arm-none-eabi libstdc++-arm-none-eabi-picolibc qemu-system-arm
  dpkg-dev
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
