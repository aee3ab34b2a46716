#!/usr/bin/env python3
"""What the implant's processor spends waking up, on the emulated Cortex-M4 (docs/footprint.md).

Runs a week of continuous therapy at 0.5 mL/day on the board (QEMU, one instruction per
nanosecond), reads the instructions each kind of wake-up took (the bench's `cost`), and turns
them into cycles, charge and energy per year with the processor figures of data/mcu-energy.json
(unconfirmed) and the cell of data/pump-models.json: the share of the battery it takes, and the
average current it adds to what the battery model assumes for the electronics.

The battery model takes these figures from data/pump-models.json (`processor_stroke_wake_uj`, a
stroke's wake-up, and `processor_idle_wake_na`, the hourly and daily wake-ups as a current, both
rounded up): this fails, saying what to write there, when the board no longer measures them.

usage: wakeup_energy.py IMAGE.elf [QEMU]
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_driver import DAY, Board, qemu_argv  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DAYS = 7
# Morphine 10 mg/mL at 5 mg/day: 0.5 mL/day, 500 strokes of 1 uL a day.
SCENARIO = ["refill 18000000 morphine mg 10000000 2000000", "prime 234000",
            "program morphine mg 10000000 5000000", f"run-until {DAY}", "cost",
            f"run-until {(DAYS + 1) * DAY}", "cost"]
YEAR_S = 365.25 * 86400


def value(d, key):
    return d[key]["value"]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    qemu = sys.argv[2] if len(sys.argv) == 3 else "qemu-system-arm"
    mcu = json.load(open(os.path.join(ROOT, "data", "mcu-energy.json")))
    cell = json.load(open(os.path.join(ROOT, "data", "pump-models.json")))
    battery = cell["models"]["peristaltic-20"]["battery"]
    board = Board(qemu_argv(qemu, sys.argv[1]))
    try:
        board.line()
        answers = [board.run(c)[-1] for c in SCENARIO]
    finally:
        board.close()
    for a in answers:
        if not a.startswith("ok"):
            sys.exit(f"the board refused the scenario: {a}")

    def kinds(line):
        out = {}
        for word in line.split()[2:]:
            name, figures = word.split("=")
            if name == "stack":
                continue
            out[name] = [int(x) for x in figures.split("/")]
        return out

    first, last = kinds(answers[4]), kinds(answers[-1])
    cpi = value(mcu, "cycles_per_instruction")
    ua_per_mhz = value(mcu, "active_current_ua_per_mhz")
    overhead = value(mcu, "wake_overhead_cycles")
    volts = value(battery, "nominal_voltage_v")
    capacity_j = value(battery, "capacity_j")
    sleep_ua = value(battery, "sleep_current_ua")
    # Charge per cycle: (uA/MHz) x 1e-6 A / 1e6 Hz = uA/MHz x 1e-12 C.
    joules_per_cycle = ua_per_mhz * 1e-12 * volts
    print(f"wake-ups on the emulated Cortex-M4, {DAYS} days at 0.5 mL/day "
          f"(instructions: mean / dearest; to 40 instructions)")
    cycles_per_day = 0.0
    idle_cycles_per_day = 0.0
    stroke_cycles = 0.0
    for name, (count, _, most) in last.items():
        c0, m0, _ = first[name]
        n = count - c0
        total = count * last[name][1] - c0 * m0
        mean = total / n if n else 0
        per_day = n / DAYS
        cycles_per_day += per_day * (mean * cpi + overhead)
        if name == "stroke":
            stroke_cycles = mean * cpi + overhead
        else:
            idle_cycles_per_day += per_day * (mean * cpi + overhead)
        print(f"  {name:7} {per_day:8.1f} a day  {mean:10.0f} / {most:8d} instructions")
    joules_year = cycles_per_day * 365.25 * joules_per_cycle
    avg_ua = joules_year / YEAR_S / volts * 1e6
    stack = int(answers[-1].split("stack=")[1].split()[0])
    print(f"  deepest stack so far (painted stack's high-water mark): {stack} bytes")
    print(f"  {cycles_per_day:,.0f} cycles a day at {cpi} cycles per instruction plus {overhead} "
          f"a wake-up (data/mcu-energy.json, unconfirmed)")
    print(f"  {joules_year:.3f} J a year at {ua_per_mhz} uA/MHz and {volts} V: "
          f"{100 * joules_year / capacity_j:.4f} % of the {capacity_j} J cell a year, "
          f"{avg_ua:.3f} uA on average beside the {sleep_ua} uA the battery model assumes "
          f"for the electronics")
    # What the battery model spends on them (rounded up: the cell never lasts longer on paper).
    stroke_uj = math.ceil(stroke_cycles * joules_per_cycle * 1e6)
    idle_na = math.ceil(idle_cycles_per_day * joules_per_cycle / 86400 / volts * 1e9)
    print(f"  the battery model: {stroke_uj} uJ a stroke's wake-up, {idle_na} nA for the hourly "
          f"and daily ones")
    wrong = []
    for name, model in cell["models"].items():
        b = model.get("battery")
        if b is None:
            continue
        for key, measured in (("processor_stroke_wake_uj", stroke_uj),
                              ("processor_idle_wake_na", idle_na)):
            if value(b, key) != measured:
                wrong.append(f"models.{name}.battery.{key}.value is {value(b, key)}, "
                             f"the board measures {measured}: write {measured} there")
    if wrong:
        sys.exit("data/pump-models.json no longer matches the board:\n  " + "\n  ".join(wrong))


if __name__ == "__main__":
    main()
