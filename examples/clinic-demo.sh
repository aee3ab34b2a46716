#!/usr/bin/env bash
# A clinic's first months with a new pump, against a virtual implant on this machine: the clinic
# database, a screening bolus, the first fill, priming, a program checked against the drug library, a refill 60
# days later with the withdrawn volume checked, the refill calendar and a session report.
#
#   examples/clinic-demo.sh [ITDD_BINARY]     (default: build/release/apps/itdd)
#
# The virtual implant runs 1,000,000 times faster than real time (a day every 0.09 s), so the
# months pass while you watch. Everything it makes lives in a temporary folder, removed at exit
# (ITDD_DEMO_DOCUMENTS=DIR keeps the PDFs it prints there).
set -euo pipefail
itdd=$(realpath "${1:-build/release/apps/itdd}")
work=$(mktemp -d)
serve_pid=""
cleanup() {
  # The implant stopped (its status then is not 0: no error here), then the files.
  if [ -n "$serve_pid" ]; then
    kill "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
step() { printf '\n$ itdd %s\n' "$*"; "$itdd" "$@"; }

step programmer keygen --key clinic.key
"$itdd" implant serve --state implant1 --listen 127.0.0.1:0 --provision clinician:clinic.key \
  --speed 1000000 >serve.log 2>&1 &
serve_pid=$!
for _ in $(seq 100); do grep -q "listening on" serve.log && break; sleep 0.1; done
address=$(sed -n 's/^listening on //p' serve.log)
[ -n "$address" ] || { cat serve.log; exit 1; }
echo "(a virtual implant listens on $address)"
link=(--implant "$address" --key clinic.key --implant-key implant1/implant.pub)
export ITDD_CLINIC_DB="$work/clinic.db"
who=(--clinician "Dr Lee")

step clinic init
step clinic patient add --mrn MRN-1001 --name "A. Patient" --birth-date 1970-05-01 \
  --indication spasticity
# The screening bolus before the implant: 50 mcg worked for 6 hours, so the starting infusion
# is twice that per day (the rule and its source are shown).
step trial record --patient MRN-1001 --drug baclofen --step "50:effective:6h:ashworth=3-1" \
  --notes "walked unaided at 3 h"
step clinic pump add --patient MRN-1001 --model peristaltic-20 --serial SN-0001 \
  --implant-date 2025-11-21 --catheter-length-cm 50 --catheter-volume-ml 0.16
step programmer refill "${link[@]}" "${who[@]}" --pump SN-0001 --drug baclofen \
  --concentration 500 --volume-ml 18 --yes
step programmer prime "${link[@]}" "${who[@]}" --catheter-volume-ml 0.16 --yes
step programmer program "${link[@]}" "${who[@]}" --drug baclofen --concentration 500 \
  --dose 100 --yes

# 60 days of therapy pass (about 5 s here).
sleep 5.5
step programmer interrogate "${link[@]}"
# At the refill the clinician withdraws what is left; here the body holds what the implant
# expects (no fault), so the withdrawn volume is the implant's own estimate.
remaining=$("$itdd" programmer interrogate "${link[@]}" --json |
  sed -n 's/^ *"remaining_ml": \([0-9.]*\).*/\1/p')
withdrawn=$(printf '%.2f' "$remaining")
step programmer refill "${link[@]}" "${who[@]}" --withdrawn-ml "$withdrawn" --drug baclofen \
  --concentration 500 --volume-ml 18 --yes
# The calendar counts from this computer's today (the fast virtual implant's own dates run ahead).
step clinic due --within 180d
step clinic report --session 4
# The implant's event log and delivery history, kept in the clinic database (an upload stores
# only what is new).
step programmer log "${link[@]}" --out log.json
step programmer history "${link[@]}" --out history.json
step clinic upload log.json history.json
again=$("$itdd" clinic upload log.json)
echo "$again"
case "$again" in *", 0 new"*) ;; *) echo "a second upload stored records again" >&2; exit 1 ;; esac
# What the clinic prints: the session report, the patient's summary and the implant ID card
# (the card names the clinic and its emergency phone, and the catheter tip from the imaging).
step clinic settings --name "Clinique Saint-Éloi" --emergency-phone "+33 1 23 45 67 89"
step clinic pump catheter-tip --serial SN-0001 --level T10
step clinic report --session 4 --pdf session-4.pdf
step clinic summary --patient MRN-1001 --pdf summary.pdf
step clinic card --patient MRN-1001 --pdf card.pdf
step clinic pump list
if [ -n "${ITDD_DEMO_DOCUMENTS:-}" ]; then cp session-4.pdf summary.pdf card.pdf "$ITDD_DEMO_DOCUMENTS"/; fi
