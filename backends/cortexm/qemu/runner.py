"""Target runner: build a bare-metal image of a network and run it under `qemu-system-arm`.

    result = run_network(kernel_module, "cortex-m4", [x])       # emit C, build, run
    result = build_and_run(c_files, [include_dir], "cortex-m4", "net", [x],
                           [((1, 10), np.float32)], "digits")   # C files with the emitted API
    result.outputs, result.instructions, result.flash_bytes, result.ram_bytes

The image is the network's C files, a generated harness (`main.c`) and the project's own startup
code, semihosting layer and linker script (this folder), compiled with `arm-none-eabi-gcc -O2`
for the target's core (`target.py`) and linked with newlib-nano but none of its start files. The
harness embeds the inputs as `const` arrays (section `.testdata`), calls `NET_init`, then
`NET_run` between two marker functions, writes each output to a host file through semihosting
and exits with a status. QEMU runs it on the target's MPS2/MPS3 board with a TCG plugin
(`plugin/insn_count.c`, built on first use with the host compiler and cached) that counts the
instructions executed between the markers. An empty marker pair measured first (the start
marker's return and the call of the stop marker) is subtracted, so `instructions` is exactly the
call of `NET_run`: its body plus the argument set-up, the call and the move of its result
(5 instructions on the M4). Counts are exact and repeatable; they are not cycles.

Figures (bytes, from the ELF section headers, as `arm-none-eabi-size -A` reports them):

* `flash_bytes` = `.vectors + .text + .rodata + .data` (the `.data` image lives in flash): the
  whole program less the embedded inputs (`.testdata`); the harness' code (startup, semihosting,
  `main`: about 1 KiB) is in it, `flash_parts` splits it per object (map file);
* `ram_bytes` = `.data + .bss + .arena` + the measured stack peak (`stack_peak_bytes`: the
  deepest stack use of `NET_run`, with the frames of `main` and the startup code beneath it,
  found by painting the free stack before the call); the harness' output buffers (`.testbuf`)
  are left out, and so is the unused part of the reserved stack (`stack_reserved_bytes`).

Every failure (missing toolchain, compile or link error, fault on the target, non-zero return
code, timeout) is one `EdgeAIError` line.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgeai.backends.cortexm.qemu.elf import ElfImage, read_elf
from edgeai.backends.cortexm.target import CortexMTarget, get_target
from edgeai.support.errors import EdgeAIError

__all__ = [
    "QEMU_DIR",
    "TARGET_CFLAGS",
    "TOOLS",
    "QemuImage",
    "QemuResult",
    "HARNESSES",
    "require_toolchain",
    "plugin_library",
    "build_image",
    "run_image",
    "build_and_run",
    "run_network",
]

QEMU_DIR = Path(__file__).resolve().parent
PLUGIN_SOURCES = (QEMU_DIR / "plugin" / "insn_count.c", QEMU_DIR / "plugin" / "qemu_plugin_api.h")
SUPPORT_SOURCES = (QEMU_DIR / "startup.c", QEMU_DIR / "semihost.c")

#: flags of every target compilation (besides the core's own `gcc_flags`)
TARGET_CFLAGS: tuple[str, ...] = (
    "-std=gnu99",
    "-O2",
    "-ffunction-sections",
    "-fdata-sections",
    "-Wall",
    "-Wextra",
)
LINK_FLAGS: tuple[str, ...] = ("-Wl,--gc-sections", "--specs=nano.specs", "-nostartfiles")

ARM_GCC = "arm-none-eabi-gcc"
QEMU = "qemu-system-arm"
HOST_CC = "gcc"

#: the programs the runner calls and the Debian package of each (Debian 12)
TOOLS: dict[str, str] = {
    ARM_GCC: "gcc-arm-none-eabi",
    QEMU: "qemu-system-arm",
    HOST_CC: "gcc",
}
NEWLIB_PACKAGE = "libnewlib-arm-none-eabi"

MARKER_START = "edgeai_marker_start"
MARKER_STOP = "edgeai_marker_stop"

#: exit statuses of the harness (faults: 100 + exception number, see startup.c)
_STATUS = {
    2: "init",
    3: "run",
    4: "cannot write the outputs to the host (semihosting)",
}
_EXCEPTIONS = {
    2: "NMI",
    3: "HardFault",
    4: "MemManage fault",
    5: "BusFault",
    6: "UsageFault",
    7: "SecureFault",
    11: "SVCall",
    12: "DebugMonitor",
    14: "PendSV",
    15: "SysTick",
}
#: Configurable Fault Status Register bits (MMFSR, BFSR, UFSR), Armv7-M/Armv8-M ARM
_CFSR_BITS = {
    0: "instruction access violation (IACCVIOL)",
    1: "data access violation (DACCVIOL)",
    3: "MemManage fault on exception return unstacking (MUNSTKERR)",
    4: "MemManage fault on exception entry stacking (MSTKERR)",
    5: "MemManage fault on lazy FP state preservation (MLSPERR)",
    8: "instruction bus error (IBUSERR)",
    9: "precise data bus error (PRECISERR)",
    10: "imprecise data bus error (IMPRECISERR)",
    11: "bus error on exception return unstacking (UNSTKERR)",
    12: "bus error on exception entry stacking (STKERR)",
    13: "bus error on lazy FP state preservation (LSPERR)",
    16: "undefined instruction (UNDEFINSTR)",
    17: "invalid execution state (INVSTATE)",
    18: "invalid EXC_RETURN (INVPC)",
    19: "coprocessor disabled or absent (NOCP)",
    20: "stack limit reached (STKOF, MSPLIM)",
    24: "unaligned access (UNALIGNED)",
    25: "integer division by zero (DIVBYZERO)",
}
_SFSR_BITS = {
    0: "invalid entry point (INVEP)",
    1: "invalid integrity signature (INVIS)",
    2: "invalid exception return (INVER)",
    3: "attribution unit violation (AUVIOL)",
    4: "invalid transition (INVTRAN)",
    5: "lazy state preservation error (LSPERR)",
    7: "lazy state error (LSERR)",
}

FLASH_SECTIONS = (".vectors", ".text", ".rodata", ".data")
STATIC_RAM_SECTIONS = (".data", ".bss", ".arena")
#: harness-only sections, excluded from the figures
HARNESS_SECTIONS = (".testdata", ".testbuf")


@dataclass(frozen=True)
class QemuImage:
    """A linked image ready to run: the ELF, the board, the network's I/O and the figures.

    `flash_parts` maps each contributor (the network's C files by stem, `harness`, the
    libraries by archive name, `linker` for alignment padding) to its bytes per section."""

    elf: Path
    target: CortexMTarget
    net_name: str
    output_specs: tuple[tuple[tuple[int, ...], np.dtype], ...]
    sections: dict[str, int]
    marker_start: int
    marker_stop: int
    workdir: Path
    image: ElfImage | None = None
    flash_parts: dict[str, dict[str, int]] = field(default_factory=dict)
    build_seconds: float = 0.0

    @property
    def flash_bytes(self) -> int:
        """`.vectors + .text + .rodata + .data` (the harness inputs excluded)."""
        return sum(self.sections.get(s, 0) for s in FLASH_SECTIONS)

    @property
    def static_ram_bytes(self) -> int:
        """`.data + .bss + .arena` (the harness output buffers and the stack excluded)."""
        return sum(self.sections.get(s, 0) for s in STATIC_RAM_SECTIONS)

    @property
    def stack_reserved_bytes(self) -> int:
        """The stack the linker script reserves (`.stack`)."""
        return self.sections.get(".stack", 0)


@dataclass
class QemuResult:
    """What one run on the emulated target gave (see the module docstring for the figures).

    `instructions`: executed by the call of `NET_run` (None when not counted);
    `total_instructions`: the whole run, reset to exit; `stack_peak_bytes`: deepest stack use
    up to the end of `NET_run`; `sections`: every allocated section's size; `flash_parts`:
    bytes per contributor and section (`QemuImage`); `layers`: `(layer function, kernel
    implementation)` when the C was emitted here; `timings`: seconds of `emit` (C emission),
    `build` (arm-none-eabi-gcc compile and link) and `run` (QEMU)."""

    outputs: list[np.ndarray]
    instructions: int | None
    flash_bytes: int
    ram_bytes: int
    stdout: str
    stack_peak_bytes: int | None = None
    total_instructions: int | None = None
    sections: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    arena_bytes: int = 0
    bss_bytes: int = 0
    data_bytes: int = 0
    stack_reserved_bytes: int = 0
    flash_parts: dict[str, dict[str, int]] = field(default_factory=dict)
    layers: list[tuple[str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# toolchain


def require_toolchain(*, plugin: bool = True) -> None:
    """Raise one `EdgeAIError` line naming what is missing and its Debian package: the Arm
    cross compiler, newlib-nano, QEMU, and (for the instruction-counting plugin) the host
    compiler."""
    needed = [ARM_GCC, QEMU, *([HOST_CC] if plugin else [])]
    for tool in needed:
        if shutil.which(tool) is None:
            raise EdgeAIError(
                f"{tool} not found: install the Debian package {TOOLS[tool]} "
                "(`make setup` does, as root)"
            )
    if not _nano_specs_present():
        raise EdgeAIError(
            f"newlib-nano for {ARM_GCC} not found (nano.specs): install the Debian package "
            f"{NEWLIB_PACKAGE} (`make setup` does, as root)"
        )


def _nano_specs_present() -> bool:
    proc = subprocess.run(
        [ARM_GCC, "-print-file-name=nano.specs"], capture_output=True, text=True, check=False
    )
    found = proc.stdout.strip()
    return proc.returncode == 0 and os.path.isabs(found) and os.path.exists(found)


def _writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=path)
        os.close(fd)
        os.unlink(probe)
        return True
    except OSError:
        return False


def _cache_root() -> Path:
    """`$EDGEAI_CACHE`, else `$XDG_CACHE_HOME/edgeai`, else `~/.cache/edgeai`; a per-user
    folder of the temporary directory when none of them is writable."""
    explicit = os.environ.get("EDGEAI_CACHE")
    if explicit:
        root = Path(explicit)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = (Path(xdg) if xdg else Path.home() / ".cache") / "edgeai"
    if _writable_dir(root):
        return root
    fallback = Path(tempfile.gettempdir()) / f"edgeai-cache-{os.getuid()}"
    if not _writable_dir(fallback):
        raise EdgeAIError(f"no writable cache folder ({root}, {fallback}): set EDGEAI_CACHE")
    return fallback


def plugin_library() -> Path:
    """The instruction-counting plugin, compiled with the host compiler on first use and cached
    under `<cache>/qemu-plugin/<hash of its sources>/insn_count.so` (see `_cache_root`). The
    library is built under a unique temporary name and renamed into place (atomic), so
    parallel processes (pytest workers) never load a half-written file."""
    digest = hashlib.sha256()
    for src in PLUGIN_SOURCES:
        digest.update(src.read_bytes())
    key = digest.hexdigest()[:16]
    lib = _cache_root() / "qemu-plugin" / key / "insn_count.so"
    if lib.is_file():
        return lib
    if shutil.which(HOST_CC) is None:
        raise EdgeAIError(
            f"{HOST_CC} not found: the QEMU instruction-counting plugin is built with the host "
            f"compiler; install the Debian package {TOOLS[HOST_CC]} (`make setup` does)"
        )
    lib.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix="insn_count.", suffix=".so.tmp", dir=lib.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        proc = subprocess.run(
            [
                HOST_CC,
                "-shared",
                "-fPIC",
                "-O2",
                "-Wall",
                "-Wextra",
                "-fvisibility=hidden",
                "-o",
                str(tmp),
                str(PLUGIN_SOURCES[0]),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise EdgeAIError(f"building the QEMU plugin failed: {_first_error(proc.stderr)}")
        os.replace(tmp, lib)
    finally:
        tmp.unlink(missing_ok=True)
    return lib


def _first_error(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in lines:
        if re.search(
            r"\berror\b|overflowed|will not fit|undefined reference|multiple definition", ln
        ):
            return ln
    return lines[0] if lines else "no diagnostic"


# ---------------------------------------------------------------------------------------------
# harness


def _c_bytes(data: bytes, per_line: int = 24) -> str:
    if not data:
        return "    0"
    rows = []
    for i in range(0, len(data), per_line):
        rows.append("    " + ", ".join(f"0x{b:02x}" for b in data[i : i + per_line]) + ",")
    return "\n".join(rows)


def _net_harness(net: str, inputs: Sequence[np.ndarray], n_outputs: int) -> str:
    """`main.c` for the emitted API: `NET_init(&ctx, arena)`, `NET_run(&ctx, inputs, outputs)`
    with arrays of pointers, `NET_deinit`; sizes from `NET_IN<i>_BYTES`/`NET_OUT<i>_BYTES`."""
    decls = []
    for i, a in enumerate(inputs):
        raw = np.ascontiguousarray(a).tobytes()
        decls.append(
            f"static const uint8_t edgeai_in{i}[{max(len(raw), 1)}]\n"
            f'    __attribute__((section(".testdata"), aligned(16))) = {{\n{_c_bytes(raw)}\n}};\n'
            f"_Static_assert(sizeof(edgeai_in{i}) == {net}_IN{i}_BYTES || "
            f"({len(raw)} == 0 && {net}_IN{i}_BYTES == 0),\n"
            f'               "input {i}: the array given does not have {net}_IN{i}_BYTES bytes");'
        )
    for i in range(n_outputs):
        decls.append(
            f"static uint8_t edgeai_out{i}[{net}_OUT{i}_BYTES > 0 ? {net}_OUT{i}_BYTES : 1]\n"
            f'    __attribute__((section(".testbuf"), aligned(16)));'
        )
    in_list = ", ".join(f"edgeai_in{i}" for i in range(len(inputs))) or "0"
    out_list = ", ".join(f"edgeai_out{i}" for i in range(n_outputs)) or "0"
    writes = "\n".join(
        f'    if (edgeai_write("out{i}.bin", edgeai_out{i}, {net}_OUT{i}_BYTES) != 0) {{\n'
        f"        return 4;\n"
        f"    }}"
        for i in range(n_outputs)
    )
    return f"""/* Target test harness of {net} (generated by edgeai's QEMU runner). */
#include <stdint.h>

#include "semihost.h"
#include "{net}.h"

#define EDGEAI_STACK_PAINT 0xC5ACCE55u

extern uint32_t __stack_limit[];
extern uint32_t __stack_top[];

{chr(10).join(decls)}

#if {net}_ARENA_BYTES > 0
static uint8_t edgeai_arena[{net}_ARENA_BYTES]
    __attribute__((section(".arena"), aligned({net}_ARENA_ALIGN)));
#else
static uint8_t edgeai_arena[{net}_ARENA_ALIGN]
    __attribute__((section(".arena"), aligned({net}_ARENA_ALIGN)));
#endif

static {net}_ctx edgeai_ctx;
static const void *const edgeai_inputs[] = {{{in_list}}};
static void *const edgeai_outputs[] = {{{out_list}}};

/* The instruction counter measures from the first instruction of the start marker to the first
 * instruction of the stop marker. noipa: never inlined, cloned, merged or dropped. */
__attribute__((noipa)) void {MARKER_START}(void)
{{
    __asm__ volatile("" ::: "memory");
}}

__attribute__((noipa)) void {MARKER_STOP}(void)
{{
    __asm__ volatile("" ::: "memory");
}}

/* Fill the stack below the stack pointer with a pattern (the deepest use is found afterwards).
 * Assembly that touches no stack itself, so everything below the caller's frame is painted. */
__attribute__((naked, noinline)) static void edgeai_paint_stack(void)
{{
    __asm__ volatile(
        "ldr r0, =__stack_limit\\n"
        "ldr r1, =0xC5ACCE55\\n"
        "mov r2, sp\\n"
        "1: cmp r0, r2\\n"
        "bhs 2f\\n"
        "str r1, [r0], #4\\n"
        "b 1b\\n"
        "2: bx lr\\n"
        ".ltorg\\n");
}}

static uint32_t edgeai_stack_peak(void)
{{
    const volatile uint32_t *p = __stack_limit;
    while (p < __stack_top && *p == EDGEAI_STACK_PAINT) {{
        ++p;
    }}
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}}

static int edgeai_write(const char *path, const void *data, uint32_t size)
{{
    int fd = sh_open(path, SH_MODE_WB);
    if (fd < 0) {{
        return -1;
    }}
    int rest = size > 0u ? sh_write(fd, data, size) : 0;
    sh_close(fd);
    return rest == 0 ? 0 : -1;
}}

int main(void)
{{
    int rc;
    /* calibration: the markers alone (subtracted from the inference's count) */
    {MARKER_START}();
    {MARKER_STOP}();

    rc = {net}_init(&edgeai_ctx, edgeai_arena);
    if (rc != {net}_OK) {{
        sh_put_dec("edgeai: init returned -", (uint32_t)(-rc));
        sh_puts("\\n");
        return 2;
    }}
    edgeai_paint_stack();
    {MARKER_START}();
    rc = {net}_run(&edgeai_ctx, edgeai_inputs, edgeai_outputs);
    {MARKER_STOP}();
    sh_put_dec("edgeai-result stack_peak ", edgeai_stack_peak());
    sh_puts("\\n");
    if (rc != {net}_OK) {{
        sh_put_dec("edgeai: run returned -", (uint32_t)(-rc));
        sh_puts("\\n");
        return 3;
    }}
    {net}_deinit(&edgeai_ctx);
{writes}
    return 0;
}}
"""


#: harness generators by `harness_kind`: (net name, inputs, number of outputs) -> main.c
HARNESSES: dict[str, Callable[[str, Sequence[np.ndarray], int], str]] = {
    "net": _net_harness,
}


# ---------------------------------------------------------------------------------------------
# build


def _memory_script(target: CortexMTarget, stack_bytes: int) -> str:
    def region(name: str, attrs: str, r) -> str:
        return f"    {name} ({attrs}) : ORIGIN = 0x{r.origin:08x}, LENGTH = 0x{r.size:x}"

    lines = [
        f"/* {target.name} on {target.qemu_machine} (generated from backends/cortexm/target.py) */",
        "MEMORY",
        "{",
        region("FLASH", "rx", target.flash),
        region("RAM", "rwx", target.ram),
    ]
    if target.boot is not None:
        lines.append(region("BOOT", "rx", target.boot))
    lines.append("}")
    if target.boot is None:
        lines.append('REGION_ALIAS("BOOT", FLASH);')
    lines.append(f"__stack_size = 0x{stack_bytes:x};")
    return "\n".join(lines) + "\n"


def _run_tool(cmd: Sequence[str], what: str, cwd: Path | None = None) -> None:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, cwd=cwd, check=False)
    if proc.returncode != 0:
        raise EdgeAIError(f"{what} failed: {_first_error(proc.stderr)}")


def _compile_all(jobs: Sequence[tuple[Path, Path, Sequence[str]]]) -> None:
    """Compile every (source, object, flags), two at a time per core; the first failure (in
    source order) as one line."""
    width = max(2, 2 * (os.cpu_count() or 1))
    failures: dict[int, str] = {}
    running: list[tuple[int, subprocess.Popen[str]]] = []

    def reap(entry: tuple[int, subprocess.Popen[str]]) -> None:
        i, p = entry
        _, err = p.communicate()
        if p.returncode != 0:
            failures[i] = f"target compilation of {jobs[i][0].name} failed: {_first_error(err)}"

    for i, (src, obj, flags) in enumerate(jobs):
        if len(running) >= width:
            reap(running.pop(0))
        running.append(
            (
                i,
                subprocess.Popen(
                    [ARM_GCC, *flags, "-c", str(src), "-o", str(obj)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    for entry in running:
        reap(entry)
    if failures:
        raise EdgeAIError(failures[min(failures)])


_MAP_INPUT = re.compile(r"^ (\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$")
_MAP_CONT = re.compile(r"^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$")
_MAP_OUTPUT = re.compile(r"^(\.\S+)(?:\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+))?")


def map_contributions(
    map_file: Path, labels: Mapping[str, str], sections: Mapping[str, int]
) -> dict[str, dict[str, int]]:
    """Bytes of each output section by contributor, from a GNU ld map file: an object in
    `labels` (path -> label) counts under its label, an archive member under the archive's
    name (`libc_nano`, `libm`, `libgcc`), anything else and the alignment padding (the rest
    of each section's size in `sections`) under `linker`."""
    parts: dict[str, dict[str, int]] = {}
    text = map_file.read_text(errors="replace")
    start = text.find("Linker script and memory map")
    current: str | None = None
    pending: str | None = None

    def add(label: str, section: str, size: int) -> None:
        if size:
            d = parts.setdefault(label, {})
            d[section] = d.get(section, 0) + size

    def label_of(path: str) -> str:
        path = path.strip()
        if path in labels:
            return labels[path]
        archive = re.match(r"(.+\.a)\(", path)
        if archive:
            return Path(archive.group(1)).name.removesuffix(".a")
        return "linker"

    for line in text[start:].splitlines()[1:] if start >= 0 else []:
        if line.startswith("."):
            m = _MAP_OUTPUT.match(line)
            current = m.group(1) if m else None
            pending = None
            continue
        if current not in sections:
            continue
        if pending is not None:
            m = _MAP_CONT.match(line)
            if m:
                add(label_of(m.group(3)), current, int(m.group(2), 16))
            pending = None
            continue
        if line.startswith(" *fill*") or line.startswith(" COMMON") and "0x" not in line:
            continue
        m = _MAP_INPUT.match(line)
        if m and not line.startswith(" *"):
            add(label_of(m.group(4)), current, int(m.group(3), 16))
        elif re.fullmatch(r" \.\S+|\s?COMMON", line):
            pending = line.strip()
    for section, size in sections.items():
        counted = sum(d.get(section, 0) for d in parts.values())
        if size > counted:
            add("linker", section, size - counted)
    return parts


def build_image(
    c_files: Sequence[Path],
    include_dirs: Sequence[Path],
    core: str | CortexMTarget,
    harness_kind: str,
    inputs: Sequence[np.ndarray],
    output_shapes_dtypes: Sequence[tuple[Sequence[int], np.dtype | type | str]],
    net_name: str,
    *,
    workdir: Path | None = None,
    extra_cflags: Sequence[str] = (),
    stack_bytes: int | None = None,
) -> QemuImage:
    """Compile and link the network's `c_files` with a `harness_kind` harness into an ELF image
    for `core` (see the module docstring). The image goes to `workdir` (a new temporary
    directory when None, left in place for inspection). `stack_bytes` overrides the core's
    reserved stack."""
    require_toolchain(plugin=False)
    target = get_target(core)
    if harness_kind not in HARNESSES:
        raise EdgeAIError(
            f"unknown harness kind '{harness_kind}' (known: {', '.join(sorted(HARNESSES))})"
        )
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", net_name):
        raise EdgeAIError(f"network name '{net_name}' is not a C identifier")
    for c in c_files:
        if not Path(c).is_file():
            raise EdgeAIError(f"C source '{c}' not found")
    t0 = time.perf_counter()
    d = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="edgeai-qemu-"))
    d.mkdir(parents=True, exist_ok=True)
    specs = tuple(
        (tuple(int(s) for s in shape), np.dtype(dtype)) for shape, dtype in output_shapes_dtypes
    )
    main_c = d / "edgeai_main.c"
    main_c.write_text(HARNESSES[harness_kind](net_name, list(inputs), len(specs)))
    stack = stack_bytes if stack_bytes is not None else target.stack_bytes
    (d / "memory.ld").write_text(_memory_script(target, stack))

    sources = [Path(c).resolve() for c in c_files] + [main_c, *SUPPORT_SOURCES]
    objects = [d / f"{i:02d}_{s.stem}.o" for i, s in enumerate(sources)]
    flags = [
        *target.gcc_flags,
        *TARGET_CFLAGS,
        *extra_cflags,
        f"-I{QEMU_DIR}",
        *(f"-I{Path(p).resolve()}" for p in include_dirs),
    ]
    # our own files: no loops turned into memcpy/memset/strlen calls (keeps newlib's out)
    own = [*flags, "-fno-tree-loop-distribute-patterns"]
    n_net = len(c_files)
    _compile_all(
        [
            (s, o, flags if i < n_net else own)
            for i, (s, o) in enumerate(zip(sources, objects, strict=True))
        ]
    )
    elf = d / f"{net_name}_{target.name}.elf"
    map_file = d / "image.map"
    _run_tool(
        [
            ARM_GCC,
            *target.gcc_flags,
            *LINK_FLAGS,
            "-T",
            str(QEMU_DIR / "sections.ld"),
            f"-L{d}",
            f"-Wl,-Map={map_file}",
            *map(str, objects),
            "-lm",
            "-o",
            str(elf),
        ],
        f"linking the {target.name} image of {net_name}",
    )
    image = read_elf(elf)
    for marker in (MARKER_START, MARKER_STOP):
        if marker not in image.symbols:
            raise EdgeAIError(f"{elf.name}: the harness marker {marker} is missing")
    sections = {name: s.size for name, s in image.sections.items() if s.alloc and s.size > 0}
    labels = {str(o): ("harness" if i >= n_net else sources[i].stem) for i, o in enumerate(objects)}
    return QemuImage(
        elf=elf,
        target=target,
        net_name=net_name,
        output_specs=specs,
        sections=sections,
        marker_start=image.symbols[MARKER_START].value & ~1,
        marker_stop=image.symbols[MARKER_STOP].value & ~1,
        workdir=d,
        image=image,
        flash_parts=map_contributions(map_file, labels, sections),
        build_seconds=time.perf_counter() - t0,
    )


# ---------------------------------------------------------------------------------------------
# run


def _opt(value: object) -> str:
    """A value inside a QEMU `-opt key=value,...` argument (a comma is written twice)."""
    return str(value).replace(",", ",,")


def qemu_command(
    image: QemuImage, console: str | Path, plugin_args: str | None = None
) -> list[str]:
    """The `qemu-system-arm` command line that runs `image` (semihosting console to a file)."""
    cmd = [
        QEMU,
        "-machine",
        image.target.qemu_machine,
        "-display",
        "none",
        "-monitor",
        "none",
        "-serial",
        "null",
        "-chardev",
        f"file,id=edgeai_console,path={_opt(console)}",
        "-semihosting-config",
        "enable=on,target=native,chardev=edgeai_console",
        "-kernel",
        str(image.elf),
    ]
    if plugin_args is not None:
        cmd += ["-plugin", plugin_args]
    return cmd


def _no_core_dump() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_image(
    image: QemuImage,
    *,
    timeout: float = 60.0,
    count_instructions: bool = True,
    count_mode: str = "tb",
) -> QemuResult:
    """Run a built image once under QEMU; outputs, counts and figures (module docstring).
    `count_mode` is the plugin's counting granularity (`tb`: per translation block, or `insn`:
    per instruction; they agree, `tb` is faster)."""
    require_toolchain(plugin=count_instructions)
    if count_mode not in ("tb", "insn"):
        raise EdgeAIError(f"unknown instruction count mode '{count_mode}' (tb, insn)")
    where = f"{image.net_name} on {image.target.name} ({image.target.qemu_machine})"
    with tempfile.TemporaryDirectory(prefix="run-", dir=image.workdir) as tmp:
        run_dir = Path(tmp)
        plugin_args = None
        if count_instructions:
            # paths relative to the run folder (QEMU's working directory)
            plugin_args = (
                f"{_opt(plugin_library())},start=0x{image.marker_start:x},"
                f"stop=0x{image.marker_stop:x},out=counts.txt,mode={count_mode}"
            )
        cmd = qemu_command(image, "console.txt", plugin_args)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd,
                cwd=run_dir,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                preexec_fn=_no_core_dump if os.name == "posix" else None,
            )
        except subprocess.TimeoutExpired:
            raise EdgeAIError(
                f"QEMU run of {where} timed out after {timeout:g} s (the program hangs or is "
                "too slow: raise the timeout)"
            ) from None
        seconds = time.perf_counter() - t0
        console = run_dir / "console.txt"
        text = console.read_text(errors="replace") if console.exists() else ""
        _check_status(proc, text, where, image)
        outputs = []
        for i, (shape, dtype) in enumerate(image.output_specs):
            path = run_dir / f"out{i}.bin"
            expect = math.prod(shape) * dtype.itemsize
            data = path.read_bytes() if path.exists() else b""
            if len(data) != expect:
                raise EdgeAIError(
                    f"QEMU run of {where}: output {i} has {len(data)} bytes, {expect} expected "
                    f"for {shape} {dtype}"
                )
            outputs.append(np.frombuffer(data, dtype=dtype).reshape(shape).copy())
        instructions = total = None
        if count_instructions:
            instructions, total = _parse_counts(run_dir / "counts.txt", where)
    peak_match = re.search(r"edgeai-result stack_peak (\d+)", text)
    peak = int(peak_match.group(1)) if peak_match else None
    stack = peak if peak is not None else image.stack_reserved_bytes
    return QemuResult(
        outputs=outputs,
        instructions=instructions,
        flash_bytes=image.flash_bytes,
        ram_bytes=image.static_ram_bytes + stack,
        stdout=text,
        stack_peak_bytes=peak,
        total_instructions=total,
        sections=dict(image.sections),
        seconds=seconds,
        arena_bytes=image.sections.get(".arena", 0),
        bss_bytes=image.sections.get(".bss", 0),
        data_bytes=image.sections.get(".data", 0),
        stack_reserved_bytes=image.stack_reserved_bytes,
        flash_parts={k: dict(v) for k, v in image.flash_parts.items()},
        timings={"build": image.build_seconds, "run": seconds},
    )


def _bits(value: int, names: Mapping[int, str]) -> list[str]:
    return [text for bit, text in names.items() if value >> bit & 1]


def _fault_message(line: str, image: QemuImage) -> str:
    """`<fault> on the target: <causes> at PC 0x.. in <function> (CFSR=0x..)` from the
    startup code's fault line."""
    exc = int(re.search(r"fault (\d+)", line).group(1))
    regs = {k: int(v, 16) for k, v in re.findall(r"(\w+)=0x([0-9a-fA-F]+)", line)}
    name = _EXCEPTIONS.get(exc, f"exception {exc}")
    cfsr = regs.get("CFSR", 0)
    causes = _bits(cfsr, _CFSR_BITS)
    if exc == 7:
        causes += _bits(regs.get("SFSR", 0), _SFSR_BITS)
    if regs.get("HFSR", 0) >> 30 & 1:
        causes.append("escalated to HardFault (FORCED)")
    if regs.get("HFSR", 0) >> 1 & 1:
        causes.append("vector table read error (VECTTBL)")
    address = None
    if cfsr >> 7 & 1 and "MMFAR" in regs:
        address = regs["MMFAR"]
    elif cfsr >> 15 & 1 and "BFAR" in regs:
        address = regs["BFAR"]
    if address is not None:
        causes.append(f"address 0x{address:08x}")
    syms = image.image.symbols if image.image is not None else {}
    guard, limit = syms.get("__stack_guard"), syms.get("__stack_limit")
    in_guard = (
        address is not None
        and guard is not None
        and limit is not None
        and guard.value <= address < limit.value
    )
    if in_guard or cfsr >> 20 & 1:
        causes.append(f"stack overflow (more than the {image.stack_reserved_bytes} bytes reserved)")
    msg = f"{name} on the target"
    if causes:
        msg += ": " + ", ".join(causes)
    if "PC" in regs:
        msg += f" at PC 0x{regs['PC']:08x}"
        fn = image.image.function_at(regs["PC"]) if image.image is not None else None
        if fn:
            msg += f" in {fn}()"
    return msg + f" (CFSR=0x{cfsr:08x})"


def _check_status(
    proc: subprocess.CompletedProcess[str], console: str, where: str, image: QemuImage
) -> None:
    rc = proc.returncode
    if rc == 0:
        return
    net = image.net_name
    fault = next((ln for ln in console.splitlines() if ln.startswith("edgeai: fault ")), None)
    if "Lockup" in proc.stderr:
        msg = "the core locked up (a fault while handling a fault, e.g. the stack overflowed RAM)"
    elif fault is not None:
        msg = _fault_message(fault, image)
    elif rc in (2, 3):
        func = f"{net}_{_STATUS[rc]}"
        said = re.search(r"edgeai: \w+ returned -(\d+)", console)
        code = f"-{said.group(1)}" if said else "an error"
        names = {-1: "ERR_NULL", -2: "ERR_ALIGN", -3: "ERR_STATE"}
        label = names.get(int(code), "") if said else ""
        msg = f"{func}() returned {code}" + (f" ({net}_{label})" if label else "")
    elif rc in _STATUS:
        msg = _STATUS[rc]
    elif rc > 0 and not proc.stderr.strip():
        msg = f"the program exited with status {rc}"
    else:
        err = _first_error(proc.stderr) if proc.stderr.strip() else f"exit status {rc}"
        msg = f"qemu-system-arm failed: {err}"
    raise EdgeAIError(f"QEMU run of {where}: {msg}")


def _parse_counts(path: Path, where: str) -> tuple[int, int | None]:
    text = path.read_text() if path.exists() else ""
    regions = [int(m) for m in re.findall(r"^region \d+ (\d+)$", text, re.M)]
    total = re.search(r"^total (\d+)$", text, re.M)
    if len(regions) != 2:
        raise EdgeAIError(
            f"QEMU run of {where}: the instruction counter saw {len(regions)} marked regions, "
            "2 expected (calibration, inference)"
        )
    return regions[1] - regions[0], int(total.group(1)) if total else None


def build_and_run(
    c_files: Sequence[Path],
    include_dirs: Sequence[Path],
    core: str | CortexMTarget,
    harness_kind: str,
    inputs: Sequence[np.ndarray],
    output_shapes_dtypes: Sequence[tuple[Sequence[int], np.dtype | type | str]],
    net_name: str,
    *,
    workdir: Path | None = None,
    timeout: float = 60.0,
    count_instructions: bool = True,
    extra_cflags: Sequence[str] = (),
    stack_bytes: int | None = None,
) -> QemuResult:
    """Build the image (`build_image`) and run it once (`run_image`). A temporary `workdir` is
    removed afterwards; a given one keeps the sources, objects, map file and ELF."""
    keep = workdir is not None
    d = Path(workdir) if keep else Path(tempfile.mkdtemp(prefix="edgeai-qemu-"))
    try:
        image = build_image(
            c_files,
            include_dirs,
            core,
            harness_kind,
            inputs,
            output_shapes_dtypes,
            net_name,
            workdir=d,
            extra_cflags=extra_cflags,
            stack_bytes=stack_bytes,
        )
        return run_image(image, timeout=timeout, count_instructions=count_instructions)
    finally:
        if not keep:
            shutil.rmtree(d, ignore_errors=True)


def run_network(
    module,
    core: str | CortexMTarget,
    inputs: Sequence[np.ndarray] | Mapping[str, np.ndarray],
    name: str | None = None,
    *,
    workdir: Path | None = None,
    timeout: float = 120.0,
    count_instructions: bool = True,
    max_scratch: int | None = None,
) -> QemuResult:
    """Emit the C of a kernel-level `module` for `core` (`emit.Program` with the core's
    features) and run it on the target: the outputs in the network's order, counts, figures,
    the kernel implementation of each layer and the time of each step."""
    from edgeai.backends.cortexm.emit import EmitOptions, Program, default_name, write_program
    from edgeai.backends.cortexm.host import input_arrays

    target = get_target(core)
    keep = workdir is not None
    d = Path(workdir) if keep else Path(tempfile.mkdtemp(prefix="edgeai-qemu-"))
    try:
        t0 = time.perf_counter()
        options = EmitOptions(cpu=target.cpu, max_scratch=max_scratch)
        program = Program(module, name or default_name(module), options)
        src = d / "src"
        files = write_program(program, src)
        emit_seconds = time.perf_counter() - t0
        arrays = input_arrays(program.inputs, inputs)
        image = build_image(
            [p for p in files if p.suffix == ".c"],
            [src],
            target,
            "net",
            arrays,
            [(b.shape, b.dtype) for b in program.outputs],
            program.name,
            workdir=d,
        )
        result = run_image(image, timeout=timeout, count_instructions=count_instructions)
        result.layers = [
            (f"{program.name}_{layer.tag}", impl.name) for layer, impl in program.layers
        ]
        result.timings = {"emit": emit_seconds, **result.timings}
        return result
    finally:
        if not keep:
            shutil.rmtree(d, ignore_errors=True)
