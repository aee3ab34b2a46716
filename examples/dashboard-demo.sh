#!/usr/bin/env bash
# The clinic dashboard on a demo clinic: fills a clinic database the way examples/clinic-demo.sh
# does (virtual implants refilled, primed and programmed through `itdd programmer`, their event
# logs and delivery histories uploaded), adds a clinician and a staff account, and starts
# `itdd clinic serve`. Open the address it prints and log in as dr.demo / "demo password"
# (clinician) or desk / "desk password" (staff). Ctrl-C stops it and removes everything.
#
#   examples/dashboard-demo.sh [ITDD_BINARY] [LISTEN]
#     ITDD_BINARY  default build/release/apps/itdd
#     LISTEN       default 127.0.0.1:8080 (127.0.0.1:0 picks a free port)
#
# The front-end is served from the build (build/release/web/ui/dist, made by the itdd_web_ui
# target); without it the API still answers. The virtual implants run 1,000,000 times faster
# than real time, so the patients have weeks of history by the time the server starts.
set -euo pipefail
itdd=$(realpath "${1:-build/release/apps/itdd}")
listen=${2:-127.0.0.1:8080}
work=$(mktemp -d)
pids=()
implants=()
cleanup() {
  # Every process stopped, one already gone no error (a stopped one's status is not 0, which
  # under `set -e` ended this loop at the first and left the rest running), then the files.
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
quiet() { "$itdd" "$@" >/dev/null; }

quiet programmer keygen --key clinic.key
# serve_implant NAME [SPEED]: a virtual implant on a free port; sets $address.
serve_implant() {
  "$itdd" implant serve --state "$1" --listen 127.0.0.1:0 --provision clinician:clinic.key \
    --speed "${2:-1000000}" >"$1.log" 2>&1 &
  pids+=($!)
  address=""
  for _ in $(seq 100); do
    address=$(sed -n 's/^listening on //p' "$1.log")
    [ -n "$address" ] && return 0
    sleep 0.1
  done
  cat "$1.log" >&2
  exit 1
}
export ITDD_CLINIC_DB="$work/clinic.db"
who=(--clinician "Dr Demo")

quiet clinic init
# Two patients with implants the programmer talks to, a third whose pump has no refill
# recorded yet (the overview says: interrogate it).
quiet clinic patient add --mrn MRN-1001 --name "Ana Baclofen" --birth-date 1970-05-01 \
  --indication spasticity
quiet clinic patient add --mrn MRN-1002 --name "Ben Morphine" --birth-date 1961-09-12 \
  --indication pain
quiet clinic patient add --mrn MRN-1003 --name "Cy Unknown" --birth-date 1983-02-03 \
  --indication spasticity
quiet clinic pump add --patient MRN-1001 --model peristaltic-20 --serial SN-0001 \
  --implant-date 2025-11-21 --catheter-length-cm 50 --catheter-volume-ml 0.16
quiet clinic pump add --patient MRN-1002 --model peristaltic-20 --serial SN-0002 \
  --implant-date 2024-03-14 --catheter-length-cm 45 --catheter-volume-ml 0.15
quiet clinic pump add --patient MRN-1003 --model peristaltic-20 --serial SN-0003 \
  --implant-date 2026-10-02 --catheter-length-cm 50 --catheter-volume-ml 0.16

# fill PUMP STATE DRUG CONCENTRATION VOLUME DOSE: a first fill, priming and a program on a
# virtual implant; about twelve days of therapy; a refill of VOLUME mL (the withdrawn volume the
# implant's own estimate), which sets the next refill date; its log and history uploaded.
fill() {
  serve_implant "$2"
  local link=(--implant "$address" --key clinic.key --implant-key "$2/implant.pub")
  quiet programmer refill "${link[@]}" "${who[@]}" --pump "$1" --drug "$3" \
    --concentration "$4" --volume-ml 18 --yes
  quiet programmer prime "${link[@]}" "${who[@]}" --catheter-volume-ml 0.16 --yes
  quiet programmer program "${link[@]}" "${who[@]}" --drug "$3" --concentration "$4" \
    --dose "$6" --yes 2>/dev/null
  sleep 1
  local remaining
  remaining=$("$itdd" programmer interrogate "${link[@]}" --json 2>/dev/null |
    sed -n 's/^ *"remaining_ml": \([0-9.]*\).*/\1/p')
  quiet programmer refill "${link[@]}" "${who[@]}" --withdrawn-ml "$(printf '%.2f' "$remaining")" \
    --drug "$3" --concentration "$4" --volume-ml "$5" --yes 2>/dev/null
  # The fast implant's clock ran ahead: set it to now, so its history ends today.
  quiet programmer set-clock "${link[@]}" "${who[@]}" --now --yes 2>/dev/null
  quiet programmer log "${link[@]}" --out "$2-log.json" 2>/dev/null
  quiet programmer history "${link[@]}" --out "$2-history.json" 2>/dev/null
  quiet clinic upload --serial "$1" "$2-log.json" "$2-history.json"
  # From now on the implant runs at real speed, for the dashboard's actions.
  kill "${pids[-1]}" && wait "${pids[-1]}" 2>/dev/null || true
  serve_implant "$2" 1
  implants+=("$address")
  echo "filled $1 ($3): a virtual implant on $address"
}
# Baclofen (withdrawal risk high) refilled with a little: due soon. Morphine with a full 18 mL.
fill SN-0001 implant1 baclofen 500 5 100
fill SN-0002 implant2 morphine 10 18 2

printf 'demo password\n' >clinician.pw
printf 'desk password\n' >staff.pw
quiet clinic user add --user dr.demo --name "Dr Demo" --role clinician --password-file clinician.pw
quiet clinic user add --user desk --name "Front desk" --role staff --password-file staff.pw
echo "accounts: dr.demo / demo password (clinician), desk / desk password (staff)"
echo "virtual implants: SN-0001 on ${implants[0]}, SN-0002 on ${implants[1]} (for the actions)"
"$itdd" clinic serve --listen "$listen" --key clinic.key
