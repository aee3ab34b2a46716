#!/usr/bin/env python3
"""The clinician programmer against the emulated board over its link UART: the board's UART2 is
QEMU's TCP serial port, carrying the same frames (protocol/frame.h) the virtual implant takes
over TCP, so `itdd programmer interrogate --implant 127.0.0.1:PORT` talks to the board unchanged.

The board is seeded and its first clinician provisioned over the bench (the factory path, as
`itdd implant serve --provision clinician:KEYFILE` does for the virtual implant); therapy is
programmed over the bench; the interrogation must report the board's drug, concentration,
prescription and reservoir; a patient device pairs over the link with a one-time code through a
window the clinician opens, and interrogates too. Then garbage, a truncated frame, a damaged frame, a header
announcing more than any frame and a whole frame one byte longer than the board's link buffer (the
implant's bound) are written on the link UART: each is refused (the bench's
`radio` counts them), the board keeps running, a second interrogation answers, a third one after a
power cut (identity, paired programmer and seed kept), and the therapy over two days is the host
build's (strokes and volumes).

usage: board_link_interrogate.py IMAGE.elf ITDD HOST_BENCH [QEMU]
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_driver import (DAY, Board, check, check_another_version_is_told_ours,  # noqa: E402
                          field, free_port, frame, qemu_argv, transcript)

# A test seed (the board's entropy at manufacture): fixed, so a failure can be replayed.
SEED = "6974646420626f617264206c696e6b2074657374207365656420313520ffee01"
THERAPY = [
    "refill 18000000 morphine mg 25000000 2000000",
    "prime 234000",
    "program morphine mg 25000000 4000000",
    f"run-until {DAY}",
]
POWER_CUT = "power-cut 60000"
AFTER = [f"run-until {2 * DAY}"]


def run_itdd(itdd, args):
    r = subprocess.run([itdd] + args, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"itdd {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r.stdout + r.stderr


def interrogate(itdd, port, key, implant_pub):
    argv = [itdd, "programmer", "interrogate", "--implant", f"127.0.0.1:{port}", "--key", key,
            "--implant-key", implant_pub, "--json", "--timeout-ms", "20000", "--attempts", "3"]
    # The clinic's zone for the clock check (the board's wall clock is unset: it says so).
    env = dict(os.environ, ITDD_TIME_ZONE="UTC")
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"interrogate failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return json.loads(r.stdout)


def find(j, *names):
    """The first value under any of `names`, searched through nested objects."""
    if isinstance(j, dict):
        for n in names:
            if n in j:
                return j[n]
        for v in j.values():
            got = find(v, *names)
            if got is not None:
                return got
    elif isinstance(j, list):
        for v in j:
            got = find(v, *names)
            if got is not None:
                return got
    return None


def check_status(status, bench_status):
    text = json.dumps(status)
    check("morphine" in text, f"the interrogation names no morphine: {text[:400]}")
    reservoir_nl = field(bench_status, "reservoir_nl")
    # The programmer reports mL (and may round to the microlitre); the board counts nL.
    reported = find(status, "reservoir_ml", "reservoir_remaining_ml", "remaining_ml")
    check(reported is not None, f"no reservoir in the interrogation: {text[:400]}")
    check(abs(float(reported) * 1e6 - reservoir_nl) <= 1000,
          f"reservoir: the programmer read {reported} mL, the board holds {reservoir_nl} nL")
    dose = find(status, "continuous_dose", "dose_per_day", "daily_dose")
    check(dose is not None and "4" in json.dumps(dose),
          f"the prescription's 4 mg/day is not in the interrogation: {text[:600]}")


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    image, itdd, host = sys.argv[1:4]
    qemu = sys.argv[4] if len(sys.argv) == 5 else "qemu-system-arm"
    port = free_port()
    argv = qemu_argv(qemu, image) + ["-serial", f"tcp:127.0.0.1:{port},server=on,wait=off"]
    with tempfile.TemporaryDirectory() as work:
        key = os.path.join(work, "clinic.key")
        k = subprocess.run([itdd, "programmer", "keygen", "--key", key], capture_output=True,
                           text=True, check=True)
        clinician = k.stdout.strip()
        board = Board(argv)
        try:
            boot = board.line()
            check(boot.startswith("boot ") and "radio=" not in boot, f"first boot: {boot}")
            # Unseeded, the radio is off and a frame gets no answer; the bench refuses a bad seed.
            check(board.run("provision clinician " + clinician)[-1].startswith("error "),
                  "provisioning before the seed was not refused")
            check(board.run("seed 1234")[-1].startswith("error seed takes"), "a short seed")
            radio = board.run("seed " + SEED)[-1]
            check(radio.startswith("ok radio on key="), radio)
            implant_key = radio.split("key=")[1].split()[0]
            check(board.run("seed " + SEED)[-1].startswith("error seed: the board was seeded"),
                  "a second seed was not refused")
            check(board.run("provision doctor " + clinician)[-1].startswith("error provision"),
                  "a bad role was not refused")
            prov = board.run("provision clinician " + clinician)[-1]
            check(prov.startswith("ok provisioned peer="), prov)
            for c in THERAPY:
                board.run(c)
            bench_status = board.run("status")[-1]
            implant_pub = os.path.join(work, "implant.pub")
            with open(implant_pub, "w") as f:
                f.write(implant_key + "\n")

            t0 = time.monotonic()
            first = interrogate(itdd, port, key, implant_pub)
            seconds = time.monotonic() - t0
            check_status(first, bench_status)
            check(first.get("implant_key") == implant_key, "another implant answered")

            # A patient device paired over the link through a window the clinician opens, with
            # the one-time code (the pairing's map to the curve and its proofs on the board).
            window = run_itdd(itdd, ["programmer", "pairing-window", "--implant",
                                     f"127.0.0.1:{port}", "--key", key, "--implant-key",
                                     implant_pub, "--role", "patient"])
            code = re.search(r"pairing code: (\d{6})", window)
            check(code is not None, f"no pairing code: {window}")
            patient_key = os.path.join(work, "patient.key")
            run_itdd(itdd, ["programmer", "keygen", "--key", patient_key])
            patient_implant = os.path.join(work, "patient-implant.pub")
            paired = run_itdd(itdd, ["programmer", "pair", "--implant", f"127.0.0.1:{port}",
                                     "--key", patient_key, "--code", code.group(1), "--out",
                                     patient_implant])
            check("as patient" in paired, f"pairing: {paired}")
            check("morphine" in json.dumps(interrogate(itdd, port, patient_key, patient_implant)),
                  "the paired patient device's interrogation")
            link_cost = board.run("cost")[-1]

            # Bad input on the link UART, from a connection of its own.
            bad = [
                bytes(range(256)) * 4,                          # noise, magic bytes among it
                frame(2, bytes(65))[:30],                       # a Hello cut short
                bytearray(frame(3, bytes(80))),                 # a record, damaged below
                bytes([0xA5, 0x1D, 1, 3, 0xFF, 0xFF]),          # 65,535 bytes announced
                bytes([0xA5, 0x1D, 1, 9, 0, 0]) + bytes(10),   # an unknown frame type
            ]
            bad[2][20] ^= 0x40
            before = board.run("radio")[-1]
            # A whole record frame with a good CRC, one byte longer than the board's link buffer
            # (the implant's bound, app::kLinkBufferSize; within the format's kMaxFrameSize):
            # refused at its header ("frame.length"), never read.
            buffer = field(before, "buffer")
            check(4000 < buffer < 10250, f"the link buffer: {before}")
            too_long = frame(3, bytes(buffer + 1 - 10))
            check(len(too_long) == buffer + 1, "the frame's size")
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                # First, while the receiver holds nothing: the frame one byte too long.
                s.sendall(too_long)
                time.sleep(0.5)
                refused_long = board.run("radio")[-1]
                for chunk in bad:
                    s.sendall(bytes(chunk))
                # The truncated Hello is completed by what follows and fails its CRC; a whole
                # frame of noise would too. What lingers in the receiver is pushed out by a
                # frame of zeros that is refused (a bad CRC) or answered with nothing.
                s.sendall(bytes(300))
                time.sleep(0.5)
                after = board.run("radio")[-1]
                # Another protocol version is answered, with an error frame naming version 1.
                check_another_version_is_told_ours(s)
            check(field(after, "refused") >= field(before, "refused") + 4,
                  f"bad frames not refused:\n  before: {before}\n  after:  {after}")
            check(field(refused_long, "refused") == field(before, "refused") + 1 and
                  "last_refused=frame.length" in refused_long and
                  field(refused_long, "replies") == field(before, "replies"),
                  f"a frame longer than the buffer was not refused:\n  before: {before}\n"
                  f"  after:  {refused_long}")
            check(field(after, "replies") == field(before, "replies"),
                  f"a bad frame was answered:\n  before: {before}\n  after:  {after}")
            now_status = board.run("status")[-1]
            for name in ("strokes", "delivered_nl", "missed_nl", "reservoir_nl"):
                check(field(now_status, name) == field(bench_status, name),
                      f"{name} changed with the bad frames: {bench_status} / {now_status}")
            second = interrogate(itdd, port, key, implant_pub)
            check_status(second, bench_status)
            # A power cut: the identity, the paired programmer and the seed survive it (the
            # NOR part and the backup domain); the programmer is answered as before.
            cut = board.run(POWER_CUT)
            check(cut[-1].endswith("radio=on"), f"the radio after the power cut: {cut}")
            third = interrogate(itdd, port, key, implant_pub)
            check(third.get("implant_key") == implant_key, "another identity after the cut")
            check("morphine" in json.dumps(third), "the therapy after the power cut")

            board_after = board.run(AFTER[0])[-1]
            cost = board.run("cost")[-1]
        finally:
            board.close()

    # The host build of the same therapy (no radio): the same strokes and volumes.
    host_lines = transcript([host], THERAPY + [POWER_CUT] + AFTER)
    host_after = host_lines[-1]
    for name in ("strokes", "delivered_nl", "missed_nl", "reservoir_nl"):
        check(field(board_after, name) == field(host_after, name),
              f"{name}: board {board_after} / host {host_after}")
    print(f"ok: interrogated the emulated board three times over its link UART (the third after a power cut) ({seconds:.2f} s the "
          f"first); bad frames refused: {after}; before the power cut: {link_cost}; after: {cost}")


if __name__ == "__main__":
    main()
