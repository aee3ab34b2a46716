#!/usr/bin/env bash
# The C sources the Cortex-M4 target build compiles that Debian ships only prebuilt for the
# host: nanopb's runtime, from Debian's own source package (the same version as libnanopb-dev),
# into build/third_party/. Adds a deb-src entry for the same suites as the deb one when there is
# none. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=build/third_party
[ -f "$dest/nanopb/pb_encode.c" ] && exit 0
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  src=/etc/apt/sources.list.d/debian.sources
  [ -f "$src" ] || { echo "no deb-src entry and no $src to copy one from" >&2; exit 1; }
  sed 's/^Types: deb$/Types: deb-src/' "$src" | $sudo_cmd tee /etc/apt/sources.list.d/itdd-deb-src.sources >/dev/null
  $sudo_cmd apt-get update
fi
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source --download-only nanopb >/dev/null)
tar -xzf "$work"/nanopb_*.orig.tar.gz -C "$work"
rm -rf "$dest/nanopb"
mv "$work"/nanopb-*/ "$dest/nanopb"
echo "nanopb source: $dest/nanopb"
