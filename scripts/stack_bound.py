#!/usr/bin/env python3
"""A static bound on the target image's deepest stack (docs/footprint.md).

    scripts/stack_bound.py IMAGE.elf BUILD_DIR

Frames and calls come from GCC's -fcallgraph-info=su (a .ci file beside each C++ object: every
function's static frame and the calls it makes after optimisation); functions without one (the
C of libsodium, nanopb and picolibc, libgcc, the start-up code's assembly) are read from the
image's disassembly (their pushes and `sub sp`, their `bl` calls; a `sub sp` by a register
fails). Only functions the image links are counted.

An indirect call (a virtual call through a `hal` port, a sink or a visitor) is resolved to every
virtual function in the image (an entry of one of its vtables) with the name called at that
place in the source (read at the call's line and column), the caller itself excepted (a port
wrapping another port of the same interface, as the implant's supervised motor, calls the
wrapped one), and the maximum over them is taken. The signature narrows that where a class
overrides two interfaces' methods of one name (Implant::record for engine and alarm events):
RESOLVE below says which, and why. A C call through a pointer resolves to what the caller's own
constants point to (c_pointer_targets); nanopb's callbacks to every function whose address the
image takes. Two recursions the source bounds are counted rather than refused: libsodium's
randombytes initialisation (once) and nanopb's submessages (to the depth the generated schema
nests messages).

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


# Recursion the source bounds: libsodium's randombytes_stir() calls randombytes_init_if_needed(),
# which calls randombytes_stir() only while no implementation is set, and sets one first: the
# inner call does not come back. Counted as one more frame of the callee without that edge.
BOUNDED_RECURSION = {("randombytes_init_if_needed", "randombytes_stir")}


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
names = list(symbols)
demangled = dict(zip(names, run("arm-none-eabi-c++filt", *names).splitlines())) if names else {}

# Virtual functions: the words of every vtable (_ZTV*) that are function addresses.
sections = {}
for line in run("arm-none-eabi-objdump", "-h", image).splitlines():
    f = line.split()
    if len(f) >= 7 and f[0].isdigit() and "bss" not in f[1] and "stack" not in f[1]:
        sections[f[1]] = (int(f[3], 16), int(f[5], 16), int(f[2], 16))  # vma, file offset, size
blob = open(image, "rb").read()


def read_word(addr):
    for vma, off, size in sections.values():
        if vma <= addr < vma + size:
            return int.from_bytes(blob[off + addr - vma:off + addr - vma + 4], "little")
    return None


# nanopb's functions: those the linker map takes from its library.
nanopb = set()
pending_section = None
for line in open(image + ".map", errors="replace"):
    m = re.match(r"^ \.text\.(\S+)(\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+(\S+))?\s*$", line)
    if m:
        pending_section = m.group(1)
        if m.group(3) and "nanopb" in m.group(3):
            nanopb.add(pending_section)
        continue
    if pending_section and re.match(r"^\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+\S*nanopb", line):
        nanopb.add(pending_section)
    pending_section = None
data_objects = []  # (address, size) of the image's variables and constants
for line in run("arm-none-eabi-nm", "-S", "--defined-only", image).splitlines():
    f = line.split()
    if len(f) == 4 and f[2] in "dDbBrR":
        data_objects.append((int(f[0], 16), int(f[1], 16), f[3]))


def object_words(addr):
    # The words of the variable or constant at `addr` (its initial value).
    for start, size, _ in data_objects:
        if start <= addr < start + size:
            return [read_word(a) for a in range(start, start + size, 4)]
    return []


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


for root, _, files in os.walk(build):
    if "target_tests" in root:
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
        disassembly[current].append(" ".join(p.strip() for p in line.split("\t")[1:]))


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
        if re.match(r"blx\s+r", ins) or (re.match(r"bx\s+r", ins) and ins != "bx lr"):
            calls[name] |= c_pointer_targets(name)
    frame[name] = size


def c_pointer_targets(name):
    """A C function's call through a pointer (libsodium's implementation tables, its BLAKE2b
    compression function, nanopb's stream callbacks): the functions whose addresses the
    function's own constants hold, directly or in a variable or table they point to (two hops:
    a pointer to an implementation table); for a pointer set at run time, the function tables
    named most like the caller (randombytes_buf: randombytes_sysrandom_implementation). Fails
    when it finds none."""
    found = set()
    words = [int(w, 16) for ins in disassembly[name]
             for w in re.findall(r"^\.word\s+0x([0-9a-f]+)", ins)]
    for w in words:
        for hop1 in [w] + object_words(w):
            if hop1 is None:
                continue
            if (hop1 & ~1) in label_at and hop1 & 1:
                found.add(label_at[hop1 & ~1])
                continue
            for hop2 in object_words(hop1):
                if hop2 is not None and hop2 & 1 and (hop2 & ~1) in label_at:
                    found.add(label_at[hop2 & ~1])
    found.discard(name)
    if not found and name == "sodium_misuse" and "sodium_set_misuse_handler" not in symbols:
        return found  # its handler is never set in this image: it calls abort() instead
    if not found:
        # A pointer set at run time (randombytes_set_implementation): the function tables whose
        # names share the most leading words with the caller's.
        def shared(table):
            n = 0
            for a, b in zip(table.split("_"), name.split("_")):
                if a != b:
                    break
                n += 1
            return n
        tables = []
        for start, size, table in data_objects:
            words = [read_word(a) for a in range(start, start + size, 4)]
            if words and all(w is not None and (w == 0 or (w & 1 and (w & ~1) in label_at))
                             for w in words) and any(words):
                tables.append((shared(table), words))
        best = max((n for n, _ in tables), default=0)
        for n, words in tables:
            if n == best and best > 0:
                found |= {label_at[w & ~1] for w in words if w}
        found.discard(name)
    if not found and name in nanopb:
        # nanopb calls its streams' and fields' callbacks through the structs it is handed: any
        # function whose address the image takes (not a virtual function, a vector or a
        # static constructor) may be one.
        found = address_taken() - {name}
    if not found:
        fail(f"{name}: a call through a pointer whose targets its constants do not show")
    return found


def address_taken():
    vectors = set(init_array())
    for vma, off, size in [sections[k] for k in sections if k == ".vectors"]:
        for a in range(vma, vma + size, 4):
            w = read_word(a)
            if w is not None and (w & ~1) in label_at:
                vectors.add(label_at[w & ~1])
    taken = set()
    for fn, code in disassembly.items():
        for ins in code:
            for w in re.findall(r"^\.word\s+0x([0-9a-f]+)", ins):
                w = int(w, 16)
                if w & 1 and (w & ~1) in label_at:
                    taken.add(label_at[w & ~1])
    for start, size, _ in data_objects:
        for a in range(start, start + size, 4):
            w = read_word(a)
            if w is not None and w & 1 and (w & ~1) in label_at:
                taken.add(label_at[w & ~1])
    return taken - virtuals - vectors


def methods_called(file, line, col):
    """The method named just before the call's column; where GCC placed the call at another
    call of the statement (an inlined one, an argument's), every method the statement calls."""
    try:
        lines = open(file, errors="replace").read().splitlines()
    except OSError:
        return None, []
    text = lines[line - 1] if line - 1 < len(lines) else ""
    # The last name whose opening parenthesis is at or before the column (GCC gives the
    # parenthesis, or the one after it).
    name = None
    for m in re.finditer(r"([A-Za-z_]\w*)\s*\(", text):
        if m.end() - 1 <= col - 1:
            name = m.group(1)
    rest = text
    for more in lines[line:line + 8]:  # bounded: a statement over a few lines
        if ";" in rest:
            break
        rest += " " + more
    rest = rest.split(";", 1)[0]
    return name, re.findall(r"([A-Za-z_]\w*)\s*\(", rest)


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
    name, inner = methods_called(file, line, col)
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

# nanopb encodes and decodes a submessage by calling itself: recursion as deep as the schema
# nests messages. The depth is read from nanopb's generated headers (each message field's
# _MSGTYPE), and must be finite (a message that contains itself fails); the calls that close
# a cycle among nanopb's functions are unrolled that many times.
def schema_depth():
    headers = []
    for root, _, files in os.walk(build):
        headers += [os.path.join(root, f) for f in files if f.endswith(".pb.h")]
    messages, fields = set(), []
    for h in headers:
        text = open(h, errors="replace").read()
        messages |= set(re.findall(r"typedef struct _(\w+) \{", text))
        fields += re.findall(r"#define (\w+)_MSGTYPE (\w+)", text)
    edges = collections.defaultdict(set)
    for field, target in fields:
        owner = max((m for m in messages if field.startswith(m + "_")), key=len, default=None)
        if owner is None:
            fail(f"nanopb: {field} belongs to no message in the generated headers")
        edges[owner].add(target)
    depth, open_ = {}, set()

    def walk(m):
        if m in open_:
            fail(f"nanopb: message {m} contains itself: its recursion is unbounded")
        if m not in depth:
            open_.add(m)
            depth[m] = 1 + max((walk(t) for t in edges[m]), default=0)
            open_.discard(m)
        return depth[m]

    return max((walk(m) for m in messages), default=1), headers


if any(f in nanopb for f in graph):
    nesting, _ = schema_depth()
    # The back edges among nanopb's functions (depth-first from its entry points).
    back, colour = set(), {}

    def dfs(f):
        colour[f] = "grey"
        for c in graph[f]:
            if c not in nanopb:
                continue
            if colour.get(c) == "grey":
                back.add((f, c))
            elif c not in colour:
                dfs(c)
        colour[f] = "black"

    for f in sorted(f for f in graph if f in nanopb):
        if f not in colour:
            dfs(f)
    # Layer k holds nanopb's functions at submessage level k; a back edge goes one level down,
    # none below the schema's depth.
    for k in range(1, nesting):
        for f in [f for f in list(graph) if f in nanopb and "#" not in f]:
            layered = f"{f}#{k}"
            frame[layered] = frame[f]
            demangled[layered] = f"{demangled.get(f, f)} (submessage level {k})"
    original = {f: list(graph[f]) for f in graph if f in nanopb}
    for f in original:
        for k in range(0, nesting):
            name = f if k == 0 else f"{f}#{k}"
            out = []
            for c in original[f]:
                if (f, c) in back:
                    if k + 1 < nesting:
                        out.append(f"{c}#{k + 1}")
                elif c in nanopb and k > 0:
                    out.append(f"{c}#{k}")
                else:
                    out.append(c)
            graph[name] = out
    print(f"nanopb: messages nest {nesting} deep (the generated headers); {len(back)} recursive "
          f"calls unrolled that many times")

for caller, callee in BOUNDED_RECURSION:
    if caller in graph and callee in graph and callee in graph[caller]:
        inner = callee + "#inner"
        frame[inner] = frame[callee]
        graph[inner] = [c for c in graph[callee] if c != caller]
        graph[caller] = [inner if c == callee else c for c in graph[caller]]
        demangled[inner] = demangled.get(callee, callee) + " (its inner call, once)"

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
