"""Drives a board's bench (board/README.md) over a pipe: the emulated board under QEMU or the
host build. Shared by the board's tests."""
import queue
import socket
import struct
import subprocess
import threading
import zlib

DAY = 86_400_000
HOUR = 3_600_000


def qemu_argv(qemu, image):
    # -icount shift=0,sleep=off: one nanosecond per instruction, and the time the core sleeps
    # (WFI) is skipped, so days of therapy take seconds.
    return [qemu, "-M", "mps2-an386", "-display", "none", "-monitor", "none", "-serial", "null",
            "-serial", "stdio", "-icount", "shift=0,sleep=off", "-kernel", image]


class Board:
    # The longest a board may take to answer one line (a month of therapy takes seconds).
    TIMEOUT_S = 120

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, bufsize=0)
        # Its output is read as it comes, so the emulator never finds its serial port's pipe
        # full (QEMU may drop what it cannot write).
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("latin-1").rstrip("\n"))
        self.lines.put(None)

    def line(self):
        try:
            text = self.lines.get(timeout=self.TIMEOUT_S)
        except queue.Empty:
            raise RuntimeError(f"{self.proc.args[0]} gave no answer in {self.TIMEOUT_S} s") from None
        if text is None:
            raise RuntimeError(f"{self.proc.args[0]} stopped answering")
        return text

    def send(self, data):
        self.proc.stdin.write(data if isinstance(data, bytes) else (data + "\n").encode())
        self.proc.stdin.flush()

    def answer(self):
        """The lines of one answer: up to its "ok"/"error" line (a power cut: and the boot)."""
        out = []
        while True:
            out.append(self.line())
            if out[-1] == "ok power cut":
                out.append(self.line())
                return out
            if out[-1].startswith(("ok", "error")):
                return out

    def run(self, command):
        self.send(command)
        return self.answer()

    def close(self):
        self.proc.stdin.close()
        self.proc.kill()
        self.proc.wait()


def transcript(argv, commands, after=()):
    """The first boot line, then each command ("> command") and its answer. With `after`: those
    commands' answers too, apart (what only the board can tell, kept out of a comparison)."""
    board = Board(argv)
    try:
        lines = [board.line()]
        for command in commands:
            lines.append("> " + command)
            lines.extend(board.run(command))
        if after:
            return lines, [board.run(c)[-1] for c in after]
        return lines
    finally:
        board.close()


def field(line, name):
    for word in line.split():
        if word.startswith(name + "="):
            return int(word.split("=", 1)[1])
    raise ValueError(f"no {name} in: {line}")


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"line {i + 1} differs:\n  board: {x}\n  host:  {y}"
    if len(a) != len(b):
        return f"the board answered {len(a)} lines, the host {len(b)}"
    return None


def free_port():
    """A TCP port free on this machine now (for QEMU's serial port)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def frame(kind, payload, version=1):
    """A link frame (protocol/frame.h): header, payload and CRC-32."""
    head = bytes([0xA5, 0x1D, version, kind]) + struct.pack("<H", len(payload))
    return head + payload + struct.pack("<I", zlib.crc32(head + payload))


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def check_another_version_is_told_ours(s):
    """A frame of protocol version 2 on the link socket `s`: the implant answers it with one
    frame of version 1, kind 4 (a link error), naming version 1."""
    s.sendall(frame(2, bytes(65), version=2))
    s.settimeout(30)
    reply = b""
    while len(reply) < 6 or len(reply) < 10 + struct.unpack("<H", reply[4:6])[0]:
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
    check(reply[:4] == bytes([0xA5, 0x1D, 1, 4]) and b"version 1" in reply,
          f"another version was answered {reply!r}")
