#!/usr/bin/env bash
# Fails if a nanopb-generated header has a field nanopb would allocate (FT_POINTER) or hand to
# a callback (FT_CALLBACK): the protocol must be statically allocated on the implant.
set -euo pipefail
status=0
for header in "$@"; do
  bad=$(grep -nE '^X\(a, (POINTER|CALLBACK),' "$header" || true)
  if [ -n "$bad" ] || grep -q 'pb_callback_t' "$header"; then
    echo "$header has fields that are not statically allocated:"; echo "$bad" | sed 's/^/  /'
    status=1
  elif ! grep -qE '^X\(a, STATIC,' "$header"; then
    echo "$header: no nanopb field list found"; status=1
  else
    echo "$header: every field statically allocated"
  fi
done
exit $status
