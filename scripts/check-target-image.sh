#!/usr/bin/env bash
# The firmware rules (docs/design.md) on the linked target image: no heap (malloc, free, sbrk,
# operator new/delete), no exceptions (the C++ runtime's throw, catch and unwinder), no RTTI
# (type_info), no exit or OS calls. Fails, naming what it found and who pulled it in (from the
# linker map beside the image), if any of them is in the image.
#   scripts/check-target-image.sh IMAGE.elf [IMAGE.elf...]   (each image in turn)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 IMAGE.elf [IMAGE.elf...]" >&2; exit 2; }
if [ $# -gt 1 ]; then
  for image in "$@"; do "$0" "$image"; done
  exit 0
fi
image=$1
nm=${NM:-arm-none-eabi-nm}
forbidden='^(malloc|free|calloc|realloc|_sbrk|sbrk|_malloc_r|_free_r|__cxa_allocate_exception|__cxa_throw|__cxa_begin_catch|__cxa_end_catch|__gxx_personality_v0|_Unwind_.*|__aeabi_unwind_cpp_pr[0-9]|_Znwj|_Znaj|_ZdlPv|_ZdlPvj|_ZdaPv|_ZTI.*|_ZTS.*|_ZTVN10__cxxabiv1.*|exit|_exit|abort|atexit|__cxa_atexit|kill|getpid|open|read|write|close|printf|puts)$'
found=$("$nm" "$image" | awk '$2 ~ /^[TtWwDdBbRrVv]$/ {print $3}' | grep -E "$forbidden" || true)
if [ -n "$found" ]; then
  echo "FAIL: the target image ${image} contains what the firmware rules forbid:" >&2
  echo "$found" | sed 's/^/  /' >&2
  if [ -f "${image}.map" ]; then
    echo "pulled in by (linker map):" >&2
    for s in $found; do grep -F "($s)" "${image}.map" | head -n 2 | sed 's/^ */  /' >&2 || true; done
  fi
  exit 1
fi
symbols=$("$nm" "$image" | wc -l)
echo "ok: ${image##*/}: no heap, exceptions, RTTI, exit or OS calls among its ${symbols} symbols"
