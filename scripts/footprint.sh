#!/usr/bin/env bash
# The implant's footprint on the Cortex-M4 target (docs/footprint.md): flash and RAM per module
# and in total from the linker map, the heap (zero: nothing of malloc is linked), and the
# largest stack frames from -fstack-usage, against the budget (128 KiB flash with crypto, 32 KiB
# RAM with stacks).
#   scripts/footprint.sh [--check] IMAGE.elf BUILD_DIR
#   --check: fail when flash is over budget, RAM (variables + the static stack bound) is over
#            budget, a heap is linked, or the stack has no static bound within the stack the
#            image reserves (recursion, a dynamic frame, an unresolved indirect call:
#            scripts/stack_bound.py).
#            ITDD_FLASH_CEILING=BYTES, ITDD_RAM_CEILING=BYTES: while flash or RAM is over budget
#            (the link and libsodium in the image), fail above that figure instead (a ratchet,
#            not a budget).
set -euo pipefail
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
image=${1:?usage: $0 [--check] IMAGE.elf BUILD_DIR}
build=${2:?usage: $0 [--check] IMAGE.elf BUILD_DIR}
scripts=$(cd "$(dirname "$0")" && pwd)
exec python3 - "$image" "$build" "$check" "$scripts" <<'PY'
import collections, os, re, subprocess, sys
image, build, check, scripts = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
FLASH_BUDGET, RAM_BUDGET = 128 * 1024, 32 * 1024
sections = {}
for line in subprocess.run(["arm-none-eabi-size", "-A", image], capture_output=True, text=True,
                           check=True).stdout.splitlines():
    f = line.split()
    if len(f) == 3 and f[1].isdigit():
        sections[f[0]] = int(f[1])
flash = sum(sections.get(s, 0) for s in (".vectors", ".text", ".ARM.exidx", ".data"))
ram_static = sections.get(".data", 0) + sections.get(".bss", 0)
reserved = sections.get(".stack", 0)
# The static bound on the deepest stack (scripts/stack_bound.py), the path that sets it.
bound_run = subprocess.run([sys.executable, os.path.join(scripts, "stack_bound.py"), image, build],
                           capture_output=True, text=True)
stack_ok = bound_run.returncode == 0
m = re.search(r"^stack bound: (\d+) B$", bound_run.stdout, re.M)
stack = int(m.group(1)) if stack_ok and m else reserved
ram = ram_static + stack

# Per module: the input sections the map assigns to each library (or object) in flash and RAM.
per = collections.defaultdict(lambda: [0, 0])
pending = None
in_layout = False  # the map lists the sections the linker discarded first: not counted
for line in open(image + ".map", errors="replace"):
    if not in_layout:
        in_layout = line.startswith("Linker script and memory map")
        continue
    m = re.match(r"^ (\.(text|rodata|data|bss)[^\s]*)\s*$", line)
    if m:
        pending = m.group(2)
        continue
    m = re.match(r"^ (\.(text|rodata|data|bss)[^\s]*)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
    if m and (m.group(1) or pending):
        kind = m.group(2) or pending
        pending = None
        addr, size, origin = int(m.group(3), 16), int(m.group(4), 16), m.group(5)
        if addr == 0 and kind != "text":
            continue
        lib = re.search(r"lib([\w+-]+)\.a\(", origin)
        name = lib.group(1) if lib else os.path.basename(origin).split(".")[0]
        per[name][0 if kind in ("text", "rodata") else 1] += size
        if kind == "data":
            per[name][0] += size
    else:
        pending = None

heap = subprocess.run(["arm-none-eabi-nm", image], capture_output=True, text=True,
                      check=True).stdout
heap_linked = re.search(r" [TtWw] (malloc|_sbrk|sbrk)$", heap, re.M) is not None

frames = []
stem = os.path.splitext(os.path.basename(image))[0]
for root, _, files in os.walk(build):
    if "target_tests" in root or "sodium" in root:
        continue
    # Another image's own objects (the bench image's beside the product's) are not this one's.
    other = re.search(r"(.*)/CMakeFiles/([^/]+)\.dir(/|$)", root)
    if other and other.group(2) != stem and os.path.exists(
            os.path.join(other.group(1), other.group(2) + ".elf")):
        continue
    for f in files:
        if f.endswith(".su"):
            for line in open(os.path.join(root, f)):
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 3 and parts[1].isdigit():
                    fn = parts[0].split(":", 3)[-1]
                    frames.append((int(parts[1]), fn[:100]))
frames.sort(reverse=True)

def kib(n): return f"{n / 1024:.1f} KiB"
print(f"footprint of {os.path.basename(image)} (Cortex-M4, -Os)")
print(f"{'module':28} {'flash':>10} {'RAM':>10}")
for name, (fl, rm) in sorted(per.items(), key=lambda kv: -kv[1][0]):
    if fl or rm:
        print(f"{name:28} {fl:>8} B {rm:>8} B")
print(f"flash total   {flash:>7} B = {kib(flash)} of {kib(FLASH_BUDGET)} budget: "
      f"{'under by ' + kib(FLASH_BUDGET - flash) if flash <= FLASH_BUDGET else 'OVER by ' + kib(flash - FLASH_BUDGET)}")
print("static stack bound (scripts/stack_bound.py):")
for line in (bound_run.stdout + bound_run.stderr).splitlines():
    print("  " + line)
print(f"RAM total     {ram:>7} B = {kib(ram)} ({kib(ram_static)} variables + {kib(stack)} stack bound; "
      f"{kib(reserved)} reserved) "
      f"of {kib(RAM_BUDGET)} budget: "
      f"{'under by ' + kib(RAM_BUDGET - ram) if ram <= RAM_BUDGET else 'OVER by ' + kib(ram - RAM_BUDGET)}")
print(f"heap          {'LINKED (malloc is in the image)' if heap_linked else '0 B (no malloc in the image)'}")
print("largest stack frames (-fstack-usage):")
for size, fn in frames[:6]:
    print(f"  {size:>6} B  {fn}")
flash_ceiling = int(os.environ.get("ITDD_FLASH_CEILING", FLASH_BUDGET))
ram_ceiling = int(os.environ.get("ITDD_RAM_CEILING", RAM_BUDGET))
if flash_ceiling != FLASH_BUDGET:
    print(f"flash ceiling {flash_ceiling:>7} B (over budget: the check holds flash to this figure)")
if ram_ceiling != RAM_BUDGET:
    print(f"RAM ceiling   {ram_ceiling:>7} B (over budget: the check holds RAM to this figure)")
if check:
    failures = []
    if flash > flash_ceiling:
        failures.append(f"flash {flash} B over {flash_ceiling} B")
    if ram > ram_ceiling:
        failures.append(f"RAM {ram} B (variables + stack bound) over {ram_ceiling} B")
    # What the image takes of the part's RAM is its variables and the stack it reserves (the
    # bound and its margin): that must fit too, not only the bound.
    if ram_static + reserved > ram_ceiling:
        failures.append(f"RAM {ram_static + reserved} B (variables + the {reserved} B of stack "
                        f"reserved) over {ram_ceiling} B")
    if heap_linked:
        failures.append("a heap is linked (malloc or sbrk in the image)")
    if not stack_ok:
        failures.append("no static stack bound (see above)")
    elif stack > reserved:
        failures.append(f"the stack bound {stack} B exceeds the {reserved} B the image reserves "
                        "(STACK_SIZE in board/mps2_an386/mps2_an386.ld)")
    if failures:
        sys.exit("FAIL: " + "; ".join(failures))
PY
