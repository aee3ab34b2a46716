#!/usr/bin/env bash
# Runs the README's by-hand clinic demo exactly as written (the ```sh block after the line
# "<!-- by-hand demo -->"), as a person would type it, and checks every figure the README shows
# in a "#=> TEXT" line appears in the output of the command above it.
#
#   tests/readme_demo.sh ITDD_BINARY README
#
# Only the port is changed (the README's 127.0.0.1:4100 may be taken on this machine), and the
# script waits for `implant serve` to listen before the next line, as a person waits for
# "listening on". The confirmation questions are answered "y" on stdin.
set -euo pipefail
itdd=$(realpath "$1")
readme=$(realpath "$2")
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"

# A free port: one nothing answers on.
port=""
for _ in $(seq 50); do
  p=$((20000 + RANDOM % 40000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "no free port found" >&2; exit 1; }

# The block, as written.
awk '/<!-- by-hand demo -->/ {f = 1; next} f && /^```sh/ {inb = 1; next} inb && /^```/ {exit}
     inb {print}' "$readme" >block.sh
[ -s block.sh ] || { echo "no by-hand demo block in $readme" >&2; exit 1; }

# The script to run: each command (with its continuation lines), then the waits and checks the
# README's lines ask for. Each command's output goes to out.N and is shown.
{
  echo 'set -euo pipefail'
  # The implants it starts in the background are its own jobs, not this script's: it stops them
  # itself (else the README's second `implant serve` was left running after the test).
  echo 'trap '"'"'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true'"'"' EXIT'
  echo "I=$itdd"
  n=0
  command=""
  while IFS= read -r line; do
    line=${line//127.0.0.1:4100/127.0.0.1:$port}
    if [ -n "$command" ] || [[ "$line" == \$I* ]]; then
      command+="$line"$'\n'
      [[ "$line" == *"\\" ]] && continue
      n=$((n + 1))
      if [[ "$line" == *"&" ]]; then  # implant serve in the background: wait for it to listen
        printf '%s >out.%d 2>&1 &\n' "${command%&$'\n'}" "$n"
        printf 'for _ in $(seq 100); do grep -q "listening on" out.%d && break; sleep 0.1; done\n' "$n"
        printf 'grep -q "listening on" out.%d || { cat out.%d; exit 1; }\n' "$n" "$n"
      else
        # The closing brace on a line of its own: the README's command may end in a comment.
        printf '{ %s\n} >out.%d 2>&1 < <(yes y) || { cat out.%d; echo "failed: %s"; exit 1; }\n' \
          "${command%$'\n'}" "$n" "$n" "${line//%/%%}"
        printf 'cat out.%d\n' "$n"
      fi
      command=""
    elif [[ "$line" == "#=> "* ]]; then
      want=${line#"#=> "}
      printf 'grep -qF -- %q out.%d || { echo "README figure not in the output: %s"; exit 1; }\n' \
        "$want" "$n" "${want//%/%%}"
    else
      echo "$line"
    fi
  done <block.sh
} >run.sh
bash run.sh
# Nothing it started is left running (the implant on this run's port).
if pgrep -f "implant serve .*127.0.0.1:$port" >/dev/null; then
  echo "an implant the demo started was left running after it" >&2
  exit 1
fi
echo "the README's by-hand demo ran as written; every figure it shows was found"
