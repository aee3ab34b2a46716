#!/usr/bin/env python3
"""A static bound on the target image's deepest stack (docs/footprint.md).

    scripts/stack_bound.py IMAGE.elf BUILD_DIR

Frames and calls come from GCC's -fcallgraph-info=su (a .ci file beside each C++ object: every
function's static frame and the calls it makes after optimisation); functions without one (the
C library, libgcc, the start-up code's assembly) are read from the image's disassembly (their
pushes and `sub sp`, their `bl` calls). Only functions the image links are counted.

An indirect call (a virtual call through a `hal` port, a sink or a visitor) is resolved to every
virtual function in the image (an entry of one of its vtables) with the name called at that
place in the source (read at the call's line and column), the caller itself excepted (a port
wrapping another port of the same interface, as the implant's supervised motor, calls the
wrapped one), and the maximum over them is taken. The signature narrows that where a class
overrides two interfaces' methods of one name (Implant::record for engine and alarm events):
RESOLVE below says which, and why.

The bound of a function is its frame plus the largest bound of what it calls; the image's bound
is that of Reset_Handler plus the interrupts that can preempt it (all IRQs at one priority: the
deepest handler, and the NMI on top of it), each with the 32-byte exception frame the core
pushes. Fails (exit 1, saying where) on recursion (a cycle in the graph), a frame that is not
static, an indirect call it cannot resolve, or a function the image calls that it cannot read.
Prints the bound and its path; the last line is `stack bound: N B`.
"""
import collections
import os
import re
import subprocess
import sys

EXCEPTION_FRAME = 32  # r0-r3, r12, lr, pc, xPSR (no FPU context: -mfloat-abi=soft)

# Indirect calls where the name alone would also reach an overload the call cannot: the caller
# (a prefix of its demangled name), the method called, and what its static type admits.
RESOLVE = [
    # Implant::record(TherapyEvent) tells its engine observer (an engine::EventSink): only
    # EventSink::record(const TherapyEvent&) overriders; likewise for alarm events. The observer
    # is the simulator's (null on the board); the implant itself, the one implementation in the
    # image, is never its own observer, so such a call counts as none.
    ("itdd::app::Implant::record(itdd::engine::TherapyEvent const&)", "record", "TherapyEvent const&"),
    ("itdd::app::Implant::record(itdd::alarms::AlarmEvent const&)", "record", "AlarmEvent const&"),
    # The alarm manager's only `record` is its AlarmEventSink's, the engine's its EventSink's.
    ("itdd::alarms::", "record", "AlarmEvent const&"),
    ("itdd::engine::", "record", "TherapyEvent const&"),
]


# Calls through function pointers in the C libraries the link brings (no .ci file: read from
# the disassembly), by caller: every function the pointer can hold in this image. nanopb's
# streams call nothing through a pointer (PB_BUFFER_ONLY on the target, protocol/CMakeLists.txt:
# the protocol's buffers read and written directly). The implant's view of the schema has one
# callback field, a prescription's days (schema/itdd_implant.options): the default field
# callback calls the functions protocol/src/implant_messages.cpp puts there (they decode and
# encode a day with nanopb's stream functions, never through pb_decode or pb_encode, so no
# cycle), and a program command's submessage callback (called where nanopb decodes a
# submessage) points the days at the radio's prescription. libsodium's implementation
# structs are its portable C ones (the board builds nothing else and picks nothing:
# board/crypto/src/sodium_board.c); randombytes' source is the board's; no misuse handler is
# set (sodium_misuse ends in the board's own stop) and the board's source has no stir.
NANOPB_TARGETS = {"pb_default_field_callback"}
IMPLANT_DAYS = {
    "_ZN4itdd8protocol12_GLOBAL__N_110decode_dayEP12pb_istream_sPK15pb_field_iter_sPPv",
    "_ZN4itdd8protocol19encode_implant_daysEP12pb_ostream_sPK15pb_field_iter_sPKPv",
}
PROGRAM_STARTS = \
    "_ZN4itdd8protocol12_GLOBAL__N_114program_startsEP12pb_istream_sPK15pb_field_iter_sPPv"
C_INDIRECT = {
    # A field calls its descriptor's callback.
    **{f: NANOPB_TARGETS for f in ("decode_field", "encode_basic_field", "encode_field",
                                   "pb_decode_inner", "pb_encode")},
    "decode_basic_field": NANOPB_TARGETS | {PROGRAM_STARTS},
    "pb_default_field_callback": IMPLANT_DAYS,
    "crypto_generichash_blake2b__update": {"blake2b_compress_ref"},
    "crypto_generichash_blake2b__final": {"blake2b_compress_ref"},
    "crypto_scalarmult_curve25519": {"crypto_scalarmult_curve25519_ref10"},
    "crypto_scalarmult_curve25519_base": {"crypto_scalarmult_curve25519_ref10_base"},
    "crypto_onetimeauth_poly1305_init": {"crypto_onetimeauth_poly1305_donna_init"},
    "crypto_onetimeauth_poly1305_final": {"crypto_onetimeauth_poly1305_donna_final"},
    "crypto_stream_chacha20_ietf_ext": {"stream_ietf_ext_ref"},
    "randombytes_buf": {"_ZN4itdd5board12_GLOBAL__N_14fillEPvj"},
    "randombytes_stir": set(),
    "sodium_misuse": set(),
}


# Recursion the code bounds and the graph cannot see: (caller, callee, why). The call is taken
# out of the graph and the callee's own frame added to the caller's (it calls nothing there).
BOUNDED_RECURSION = [
    # libsodium: randombytes_init_if_needed sets the implementation and then stirs it; the stir
    # asks init_if_needed again, which finds it set and returns.
    ("randombytes_stir", "randombytes_init_if_needed", "the implementation is set by then"),
]


# Recursion bounded by the depth of what it walks: nanopb encodes and decodes a submessage by
# calling itself, at most as deep as the protocol's messages nest (itdd.proto: Response ->
# ImplantStatus -> Prescription -> a day -> a step; Request -> ProgramPrescription -> ...: 4
# levels below the top, 5 counted). The back edge is taken out and the callee's bound taken
# that many times (each level needs at most what one level without recursion needs).
NESTED_RECURSION = [
    ("pb_encode_submessage", "pb_encode", 5),
    ("decode_basic_field", "pb_decode_inner", 5),
    # A message's defaults are set field by field, submessages by the same walk.
    ("pb_message_set_to_defaults", "decode_field", 5),
]


def fail(msg):
    print(f"stack bound: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


image, build = sys.argv[1], sys.argv[2]

# ---- the image: its function symbols, vtables and disassembly ----
symbols = {}  # name -> (address, size)
for line in run("arm-none-eabi-nm", "-S", "--defined-only", image).splitlines():
    f = line.split()
    if len(f) == 4 and f[2] in "TtWw":
        symbols.setdefault(f[3], (int(f[0], 16) & ~1, int(f[1], 16)))
    elif len(f) == 3 and f[2] in ("__init_array_start", "__init_array_end"):
        symbols[f[2]] = (int(f[0], 16), 0)
by_address = {addr: name for name, (addr, _) in symbols.items()}
# The implant's nanopb callbacks are listed by name: a renamed one would silently leave the
# graph, so each must be in an image that links the callers.
if "pb_default_field_callback" in symbols:
    for f in sorted(IMPLANT_DAYS | {PROGRAM_STARTS}):
        if f not in symbols:
            fail(f"{f}: a nanopb callback C_INDIRECT lists is not in the image (renamed?)")
names = list(symbols)
demangled = dict(zip(names, run("arm-none-eabi-c++filt", *names).splitlines())) if names else {}

# Virtual functions: the words of every vtable (_ZTV*) that are function addresses.
sections = {}
for line in run("arm-none-eabi-objdump", "-h", image).splitlines():
    f = line.split()
    if len(f) >= 7 and f[0].isdigit():
        sections[f[1]] = (int(f[3], 16), int(f[5], 16), int(f[2], 16))  # vma, file offset, size
blob = open(image, "rb").read()


def read_word(addr):
    for vma, off, size in sections.values():
        if vma <= addr < vma + size:
            return int.from_bytes(blob[off + addr - vma:off + addr - vma + 4], "little")
    return None


virtuals = set()
for line in run("arm-none-eabi-nm", "-S", "--defined-only", image).splitlines():
    f = line.split()
    if len(f) == 4 and f[3].startswith("_ZTV"):
        start, size = int(f[0], 16), int(f[1], 16)
        for a in range(start, start + size, 4):
            w = read_word(a)
            if w is not None and (w & ~1) in by_address:
                virtuals.add(by_address[w & ~1])

# ---- frames and calls: the .ci files ----
frame = {}  # function -> bytes
calls = collections.defaultdict(set)  # function -> callees
indirect = collections.defaultdict(list)  # function -> [(file, line, col)]
node_re = re.compile(r'^node: \{ title: "([^"]*)" label: "([^"]*)"')
edge_re = re.compile(r'^edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"(?: label: "([^"]*)")?')


def symbol_of(title):
    # Local functions are titled FILE:NAME; the image's symbol is NAME.
    return title.rsplit(":", 1)[-1] if title.startswith("/") else title


# The objects of another image built beside this one (the board's bench and product images:
# each its own board_main) are not this image's.
image_stem = os.path.splitext(os.path.basename(image))[0]


def other_image(root):
    m = re.search(r"(.*)/CMakeFiles/([^/]+)\.dir(/|$)", root)
    return (m is not None and m.group(2) != image_stem
            and os.path.exists(os.path.join(m.group(1), m.group(2) + ".elf")))


for root, _, files in os.walk(build):
    if "target_tests" in root or other_image(root):
        continue
    for fname in files:
        if not fname.endswith(".ci"):
            continue
        for line in open(os.path.join(root, fname), errors="replace"):
            m = node_re.match(line)
            if m:
                label = m.group(2).split("\\n")
                if len(label) >= 3 and "bytes" in label[-1]:
                    size, kind = re.match(r"(\d+) bytes \(([^)]*)\)", label[-1]).groups()
                    name = symbol_of(m.group(1))
                    if kind != "static":
                        if name in symbols:
                            fail(f"{demangled.get(name, name)}: a {kind} frame ({size} B)")
                        continue
                    frame[name] = max(frame.get(name, 0), int(size))
                continue
            m = edge_re.match(line)
            if m:
                src, dst, where = symbol_of(m.group(1)), m.group(2), m.group(3)
                if dst == "__indirect_call":
                    file, ln, col = where.rsplit(":", 2)
                    indirect[src].append((file, int(ln), int(col)))
                else:
                    calls[src].add(symbol_of(dst))

# ---- functions without a .ci: from the disassembly ----
disassembly = collections.defaultdict(list)
label_at = {}  # address -> the name objdump gives it (one of its aliases)
current = None
for line in run("arm-none-eabi-objdump", "-d", "--no-show-raw-insn", image).splitlines():
    m = re.match(r"^([0-9a-f]+) <([^>]+)>:$", line)
    if m:
        current = m.group(2)
        label_at[int(m.group(1), 16)] = current
        continue
    if current and re.match(r"^\s+[0-9a-f]+:\t", line):
        # "ADDR:<tab>MNEMONIC<tab>OPERANDS": the instruction is the mnemonic and its operands.
        disassembly[current].append(" ".join(p.strip() for p in line.split("\t")[1:3]))


def from_disassembly(name):
    size = 0
    for ins in disassembly.get(name, []):
        m = re.match(r"(push(?:\.w)?|stmdb(?:\.w)?\s+sp!,)\s*\{([^}]*)\}", ins)
        if m and ins.startswith(("push", "stmdb")):
            regs = 0
            for part in m.group(2).split(","):
                part = part.strip()
                r = re.match(r"r(\d+)-r(\d+)", part)
                regs += int(r.group(2)) - int(r.group(1)) + 1 if r else 1
            size += 4 * regs
        m = re.match(r"sub(?:\.w|w)?\s+sp,\s*(?:sp,\s*)?#(\d+)", ins)
        if m:
            size += int(m.group(1))
        elif re.match(r"sub(?:\.w)?\s+sp,\s*(?:sp,\s*)?r", ins) or re.match(r"mov\s+sp,", ins):
            fail(f"{name}: a stack adjustment the disassembly does not bound ({ins})")
        m = re.match(r"(?:bl|b(?:\.w|\.n)?)\s+[0-9a-f]+ <([^>+]+)>", ins)
        if m and m.group(1) != name and m.group(1) in symbols:
            calls[name].add(m.group(1))
        if re.match(r"blx\s+r", ins) or re.match(r"bx\s+r\d", ins):  # a call, or a tail call
            if name not in C_INDIRECT:
                fail(f"{name}: an indirect call outside the C++ code ({ins})")
            calls[name] |= {t for t in C_INDIRECT[name] if t in symbols}
    frame[name] = size


def methods_called(file, line, col):
    """The method named just before the call's column; where GCC placed the call at an
    enclosing (inlined) call instead, every method called in the rest of the statement."""
    try:
        lines = open(file, errors="replace").read().splitlines()
    except OSError:
        return None, [], []
    text = lines[line - 1] if line - 1 < len(lines) else ""
    # The last name whose opening parenthesis is at or before the column (GCC gives the
    # parenthesis, or the one after it).
    name = None
    before = []
    for m in re.finditer(r"([A-Za-z_]\w*)\s*\(", text):
        if m.end() - 1 <= col - 1:
            name = m.group(1)
            before.append(name)
    rest = text[col - 1:]
    for more in lines[line:line + 8]:  # bounded: a statement over a few lines
        if ";" in rest:
            break
        rest += " " + more
    rest = rest.split(";", 1)[0]
    return name, re.findall(r"([A-Za-z_]\w*)\s*\(", rest), before


def method_name(sym):
    # The name before the function's own (last) parameter list.
    d = demangled.get(sym, sym).removeprefix("non-virtual thunk to ")
    end = d.rfind(")")
    depth = 0
    for i in range(end, -1, -1):
        depth += {")": 1, "(": -1}.get(d[i], 0)
        if depth == 0:
            return d[:i].rsplit("::", 1)[-1]
    return None


def init_array():
    # The static constructors the start-up code calls through __init_array_start..end.
    start, end = symbols.get("__init_array_start"), symbols.get("__init_array_end")
    out = []
    if start and end:
        for a in range(start[0], end[0], 4):
            w = read_word(a)
            if w is not None and (w & ~1) in label_at:
                out.append(label_at[w & ~1])
    return out


def resolve(caller, file, line, col):
    if caller == "Reset_Handler":  # its one indirect call: the static constructors
        return init_array()
    name, inner, before = methods_called(file, line, col)
    caller_d = demangled.get(caller, caller)

    def implementations(name):
        targets = [v for v in virtuals if method_name(v) == name and v != caller]
        for prefix, method, signature in RESOLVE:
            if caller_d.startswith(prefix) and method == name:
                targets = [v for v in targets if signature in demangled.get(v, v)]
        # A thunk only adjusts `this` and jumps to its function.
        return [t for t in targets
                if not demangled.get(t, "").startswith(f"non-virtual thunk to {caller_d}")]

    targets = implementations(name) if name else []
    if not targets and any(caller_d.startswith(p) and m == name and p.endswith(")")
                           for p, m, _ in RESOLVE):
        return []  # only the caller itself implements it: an implant is not its own observer
    if not targets:
        targets = [t for n in inner for t in implementations(n)]
    if not targets:
        # The column after a call in the arguments (crypto.map_to_curve(uniform.value())):
        # every method named on the line before it.
        targets = [t for n in before for t in implementations(n)]
    if not targets:
        fail(f"{caller_d}: the indirect call at {file}:{line}:{col} names no virtual function "
             "with an implementation in the image (a function pointer?)")
    return targets


graph = {}
needed = ["Reset_Handler"] + sorted(s for s in symbols if s.endswith("_Handler") and s != "Reset_Handler")
seen = set()
stack = list(needed)
while stack:
    f = stack.pop()
    if f in seen:
        continue
    seen.add(f)
    if f not in frame:
        if f.startswith("_ZThn"):  # a non-virtual thunk: adjusts `this`, branches to its function
            frame[f] = 0
            target = demangled[f].removeprefix("non-virtual thunk to ")
            calls[f] |= {s for s, d in demangled.items() if d == target}
        elif f in disassembly:
            from_disassembly(f)
        elif f in symbols and label_at.get(symbols[f][0]) in disassembly:  # an alias
            alias = label_at[symbols[f][0]]
            if alias not in frame:
                from_disassembly(alias)
            frame[f] = frame[alias]
            calls[f] = set(calls.get(alias, ())) - {f}
        else:
            fail(f"{demangled.get(f, f)}: called, but neither a .ci file nor the image has it")
    edges = {c for c in calls.get(f, ()) if c in symbols or c in frame}
    for where in indirect.get(f, ()):
        edges |= set(resolve(f, *where))
    graph[f] = sorted(edges)
    stack.extend(edges)

for caller, callee, _ in BOUNDED_RECURSION:
    if callee in graph.get(caller, []):
        graph[caller] = [c for c in graph[caller] if c != callee]
        frame[caller] += frame.get(callee, 0)

for caller, callee, _ in NESTED_RECURSION:
    if callee in graph.get(caller, []):
        graph[caller] = [c for c in graph[caller] if c != callee]

# ---- the deepest path (depth-first, refusing cycles) ----
best = {}
on_path = []
state = {}


def bound(f):
    if state.get(f) == "done":
        return best[f]
    if state.get(f) == "open":
        cycle = on_path[on_path.index(f):] + [f]
        fail("recursion: " + " -> ".join(demangled.get(c, c) for c in cycle))
    state[f] = "open"
    on_path.append(f)
    deepest, via = 0, None
    for c in graph[f]:
        b = bound(c)[0]
        if b > deepest:
            deepest, via = b, c
    on_path.pop()
    state[f] = "done"
    best[f] = (frame[f] + deepest, via)
    return best[f]


sys.setrecursionlimit(10000)


def path(f):
    out = []
    while f is not None:
        out.append(f)
        f = best[f][1]
    return out


for caller, callee, depth in NESTED_RECURSION:
    if callee in graph:
        b, via = bound(callee)
        best[callee] = (b * depth, via)
main_bound = bound("Reset_Handler")[0]
irqs = [h for h in needed[1:] if h != "NMI_Handler"]
irq = max(irqs, key=lambda h: bound(h)[0]) if irqs else None
irq_bound = bound(irq)[0] + EXCEPTION_FRAME if irq else 0
nmi_bound = bound("NMI_Handler")[0] + EXCEPTION_FRAME if "NMI_Handler" in symbols else 0
total = main_bound + irq_bound + nmi_bound


def short(sym):
    d = demangled.get(sym, sym)
    return re.sub(r"\(.*", "", d).replace("itdd::", "")


print(f"deepest path from Reset_Handler: {main_bound} B "
      f"({len(graph)} functions, {sum(len(v) for v in indirect.values())} indirect call sites "
      f"resolved to {len(virtuals)} virtual functions)")
for f in path("Reset_Handler"):
    print(f"  {frame[f]:>6} B  {short(f)}")
if irq:
    print(f"interrupts on top: {short(irq)} {bound(irq)[0]} B + NMI_Handler "
          f"{nmi_bound - EXCEPTION_FRAME} B, each with its {EXCEPTION_FRAME}-byte exception frame")
print(f"stack bound: {total} B")
