#!/usr/bin/env python3
"""The product image (no bench: the link on UART2 its only way in) under QEMU, with its factory
record (board/tools/provisioning_record.py) loaded into the factory page:

- without a record, and with a damaged one (a flipped bit: its CRC), and one of another version:
  UART1 says in one line why the radio is off; a frame on the link gets no answer, UART1 notes
  it, and the board goes on (a second frame is noted too);
- with a good record: the radio is on with the record's programmer provisioned; `itdd
  programmer refill` and `program` (confirmed with --yes, read back) and `interrogate` over UART2
  work and read the therapy back; noise, a truncated frame, a damaged record and an over-long
  header on the link get no answer; a frame of protocol version 2 is answered with an error
  frame naming version 1; a second interrogation answers, and a third after a reset (the
  identity and the programmer kept, not provisioned twice, the therapy resumed).

The product's clock runs in real time (no -icount: nobody holds it), so this takes a few
seconds of real time.

usage: board_product_link.py PRODUCT_IMAGE.elf ITDD [QEMU]
"""
import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from bench_driver import (Board, check, check_another_version_is_told_ours, frame,  # noqa: E402
                          free_port)
from provisioning_record import record as make_record  # noqa: E402

SEED = bytes.fromhex("6974646420626f6172642070726f6475637420696d61676520736565642031ff")
FACTORY_PAGE = 0x3F000


def start(qemu, image, port, record_file, qmp_port=None):
    argv = [qemu, "-M", "mps2-an386", "-display", "none", "-monitor", "none", "-serial", "null",
            "-serial", "stdio", "-serial", f"tcp:127.0.0.1:{port},server=on,wait=off",
            "-kernel", image]
    if qmp_port:  # the emulator's control port: a reset of the board, as its reset pin
        argv += ["-qmp", f"tcp:127.0.0.1:{qmp_port},server=on,wait=off"]
    if record_file:
        argv += ["-device", f"loader,file={record_file},addr={FACTORY_PAGE:#x},force-raw=on"]
    return Board(argv)


def connect(port):
    for _ in range(100):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no link UART on port {port}")


def silent(s, seconds=0.3):
    """Nothing comes back on the link within `seconds`."""
    s.settimeout(seconds)
    try:
        got = s.recv(4096)
    except socket.timeout:
        return True
    return not got


def next_line(board, seconds=10):
    try:
        line = board.lines.get(timeout=seconds)
    except queue.Empty:
        raise RuntimeError(f"the board said nothing in {seconds} s") from None
    if line is None:
        raise RuntimeError("the board stopped")
    return line


def radio_stays_off(qemu, image, record_file, why):
    port = free_port()
    board = start(qemu, image, port, record_file)
    try:
        boot = next_line(board)
        check(boot.startswith("boot now=") and "radio=" not in boot, f"boot: {boot}")
        radio = next_line(board)
        check(radio.startswith("radio off: " + why), f"expected 'radio off: {why}', got: {radio}")
        with connect(port) as s:
            for _ in range(2):
                s.sendall(frame(2, bytes(range(65))))
                note = next_line(board)
                check(note == "link: a frame, not answered: the radio is off", note)
                check(silent(s), "a frame was answered with the radio off")
        check(board.proc.poll() is None, "the board stopped")
        return radio
    finally:
        board.close()


def reset_board(qmp_port):
    """The board's reset (RAM kept as the emulator keeps it; the NOR part and the backup domain
    as on a real board), through QEMU's control protocol."""
    with connect(qmp_port) as s:
        f = s.makefile("rw")
        json.loads(f.readline())  # the greeting
        for command in ("qmp_capabilities", "system_reset"):
            f.write(json.dumps({"execute": command}) + "\n")
            f.flush()
            while "return" not in json.loads(f.readline()):
                pass


def run_itdd(itdd, args, env=None):
    r = subprocess.run([itdd] + args, capture_output=True, text=True, timeout=120, env=env)
    if r.returncode != 0:
        raise RuntimeError(
            f"itdd {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r.stdout


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    image, itdd = sys.argv[1:3]
    qemu = sys.argv[3] if len(sys.argv) == 4 else "qemu-system-arm"
    t0 = time.monotonic()
    env = dict(os.environ, ITDD_TIME_ZONE="UTC")
    with tempfile.TemporaryDirectory() as work:
        key = os.path.join(work, "clinic.key")
        clinician = run_itdd(itdd, ["programmer", "keygen", "--key", key]).strip()
        good = make_record(SEED, "clinician", bytes.fromhex(clinician))
        files = {}
        damaged = bytearray(good)
        damaged[50] ^= 0x08  # a bit of the key: the CRC no longer matches
        other_version = bytearray(good)
        other_version[4] = 2
        for name, data in (("good", good), ("damaged", damaged), ("v2", other_version)):
            files[name] = os.path.join(work, name + ".rec")
            with open(files[name], "wb") as f:
                f.write(bytes(data))

        off = [radio_stays_off(qemu, image, None, "provisioning.magic: none"),
               radio_stays_off(qemu, image, files["damaged"], "provisioning.crc:"),
               radio_stays_off(qemu, image, files["v2"], "provisioning.version:")]

        port = free_port()
        qmp_port = free_port()
        board = start(qemu, image, port, files["good"], qmp_port)
        try:
            boot = next_line(board)
            check(boot.startswith("boot now="), f"boot: {boot}")
            radio = next_line(board)
            check(radio.startswith("radio on key=") and radio.endswith(" peers=1"), radio)
            implant_key = radio.split("key=")[1].split()[0]
            implant_pub = os.path.join(work, "implant.pub")
            with open(implant_pub, "w") as f:
                f.write(implant_key + "\n")
            link = ["--implant", f"127.0.0.1:{port}", "--key", key, "--implant-key", implant_pub,
                    "--timeout-ms", "20000"]
            first = json.loads(run_itdd(itdd, ["programmer", "interrogate"] + link + ["--json"],
                                        env))
            check(first.get("implant_key") == implant_key, "another implant answered")
            run_itdd(itdd, ["programmer", "refill"] + link + [
                "--drug", "morphine", "--concentration", "25", "--volume-ml", "18", "--yes"], env)
            programmed = run_itdd(itdd, ["programmer", "program"] + link + [
                "--drug", "morphine", "--concentration", "25", "--dose", "4", "--yes"], env)
            check("read back" in programmed, f"program: {programmed}")
            status = json.loads(run_itdd(itdd, ["programmer", "interrogate"] + link + ["--json"],
                                         env))
            text = json.dumps(status)
            check("morphine" in text, f"the interrogation names no morphine: {text[:400]}")

            bad = [bytes(range(256)) * 4, frame(2, bytes(65))[:30], bytearray(frame(3, bytes(80))),
                   bytes([0xA5, 0x1D, 1, 3, 0xFF, 0xFF]),
                   bytes([0xA5, 0x1D, 1, 9, 0, 0]) + bytes(10),
                   bytes(300)]
            bad[2][20] ^= 0x40
            with connect(port) as s:
                for chunk in bad:
                    s.sendall(bytes(chunk))
                check(silent(s, 0.5), "bad input on the link was answered")
                check_another_version_is_told_ours(s)
            again = json.loads(run_itdd(itdd, ["programmer", "interrogate"] + link + ["--json"],
                                        env))
            check("morphine" in json.dumps(again), "the second interrogation")
            # A reset: the record read again, the seed and identity kept, the programmer not
            # provisioned a second time, the therapy resumed; the programmer answered as before.
            reset_board(qmp_port)
            boot = next_line(board)
            check(boot.startswith("boot now=") and "resumed=1" in boot
                  and boot.endswith("radio=on"), f"boot after the reset: {boot}")
            after = next_line(board)
            check(after == f"radio on key={implant_key} peers=1", f"after the reset: {after}")
            third = json.loads(run_itdd(itdd, ["programmer", "interrogate"] + link + ["--json"],
                                        env))
            check(third.get("implant_key") == implant_key and "morphine" in json.dumps(third),
                  "the interrogation after the reset")
            check(board.proc.poll() is None, "the board stopped")
        finally:
            board.close()
    print(f"ok: product image: radio off without a record, with a damaged one and one of version "
          f"2 ({'; '.join(off)}); with its record: refill, program and interrogate over UART2, bad "
          f"input unanswered, interrogated after a reset ({time.monotonic() - t0:.1f} s)")


if __name__ == "__main__":
    main()
