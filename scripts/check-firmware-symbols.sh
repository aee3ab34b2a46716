#!/usr/bin/env bash
# Fails if a firmware library needs the heap, exceptions, RTTI, stdio or the OS: the linker
# would have to pull those from the C/C++ runtime, which the implant does not have.
set -euo pipefail
forbidden='^(malloc|calloc|realloc|free|_Znwm|_Znam|_ZdlPv|_ZdaPv|_ZdlPvm|__cxa_throw|__cxa_allocate_exception|__cxa_begin_catch|__gxx_personality_v0|_ZTI.*|_ZTV.*|__dynamic_cast|printf|fprintf|puts|fopen|fwrite|write|read|open|time|clock_gettime|gettimeofday|pthread_.*|_Unwind_Resume)$'
status=0
for lib in "$@"; do
  bad=$(nm -u --format=posix "$lib" | awk '{print $1}' | grep -E "$forbidden" | sort -u || true)
  if [ -n "$bad" ]; then
    echo "$lib uses what the implant does not have:"; echo "$bad" | sed 's/^/  /'
    status=1
  else
    echo "$lib: no heap, exceptions, RTTI, stdio or OS calls"
  fi
done
exit $status
