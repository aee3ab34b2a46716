#!/usr/bin/env python3
"""Bad input on the emulated board's UART: garbage bytes, truncated and malformed commands, an
over-long line and a flood of junk sent without waiting, in the middle of therapy. Every bad line
must be refused with an error that says what is allowed, counted (the status's `refused=`), and
change nothing: the board keeps running, and its therapy (strokes, volumes, the whole event log)
matches the host build's run of the same therapy without the bad input.

usage: board_bad_input.py IMAGE.elf HOST_BENCH [QEMU]
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_driver import DAY, Board, field, first_difference, qemu_argv, transcript  # noqa: E402

SETUP = [
    "refill 18000000 morphine mg 25000000 2000000",
    "prime 234000",
    "program morphine mg 25000000 4000000",
    f"run-until {DAY}",
]
AFTER = [f"run-until {2 * DAY}", "log"]

BAD_LINES = [
    b"\x00\xff\xfe\x1b[31m garbage \x7f\r\n",  # binary noise and a terminal escape
    b"refill 18000\n",  # truncated: arguments missing
    b"program morphine mg 25000000\n",
    b"run-until 99999999999999999999\n",  # more digits than any time
    b"run-until -5\n",
    b"run-until 1000\n",  # before now
    b"prime abc\n",
    b"stall sideways\n",
    b"power-cut -1\n",
    b"a b c d e f g h i j\n",  # too many words
    b"\n",  # empty
    b"x" * 500 + b"\n",  # longer than the bench's line
]
FLOOD = 300


def therapy(lines):
    """What the therapy did: the status lines without the refusal count, and the log."""
    out = []
    for line in lines:
        if line.startswith("ok now="):
            out.append(" ".join(w for w in line.split() if not w.startswith("refused=")))
        elif line.startswith(("log ", "ok records=", "boot ")):
            out.append(line)
    return out


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    image, host = sys.argv[1], sys.argv[2]
    qemu = sys.argv[3] if len(sys.argv) == 4 else "qemu-system-arm"
    rng = random.Random(15)
    flood = [bytes(rng.choice([b for b in range(1, 256) if b != 0x0A])
                   for _ in range(rng.randrange(0, 200))) + b"\n" for _ in range(FLOOD)]
    failures = []
    start = time.monotonic()
    board = Board(qemu_argv(qemu, image))
    try:
        lines = [board.line()]
        for command in SETUP:
            lines.extend(board.run(command))
        for bad in BAD_LINES:
            answer = board.run(bad)
            if len(answer) != 1 or not answer[0].startswith("error "):
                failures.append(f"{bad[:40]!r} was answered {answer}, not refused")
        board.send(b"".join(flood))  # all at once, without waiting for the answers
        flood_answers = [board.answer() for _ in flood]
        refused_in_flood = sum(1 for a in flood_answers if a[-1].startswith("error "))
        status = board.run("status")
        lines.extend(status)
        for command in AFTER:
            lines.extend(board.run(command))
        lines.extend(board.run("status"))
    finally:
        board.close()
    target_s = time.monotonic() - start
    # Junk can spell a command by chance only if it is one: none of the flood did.
    if refused_in_flood != FLOOD:
        failures.append(f"{FLOOD - refused_in_flood} of the flood's {FLOOD} junk lines were not refused")
    refused = field(status[-1], "refused")
    if refused != len(BAD_LINES) + FLOOD:
        failures.append(f"the board counted {refused} refusals, not {len(BAD_LINES) + FLOOD}")
    reference = transcript([host], SETUP + ["status"] + AFTER + ["status"])
    difference = first_difference(therapy(lines), therapy(reference))
    if difference:
        failures.append("the therapy differs from the host build's without bad input: " + difference)
    print(f"board: {len(BAD_LINES)} bad lines and a flood of {FLOOD} refused ({refused} counted), "
          f"therapy unchanged over 2 days; emulator {target_s:.1f} s")
    if failures:
        print("FAIL:\n" + "\n".join(failures))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
