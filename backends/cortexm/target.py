"""Cortex-M target descriptions: core, compiler flags, features, emulated board and memory map.

One frozen `CortexMTarget` per supported core, each bound to the MPS2/MPS3 FPGA image that QEMU
emulates for it (`qemu-system-arm -machine <board>`). The memory map is the one the project's own
linker script (`qemu/sections.ld`) places the image in; it was read from QEMU 7.2's board models
(`info mtree`) and checked by booting:

| core | board | boot (vector table) | flash (code, rodata, .data image) | RAM (data, bss, arena, stack) |
|---|---|---|---|---|
| M4  | mps2-an386 | in flash | ZBT SSRAM1 4 MiB @ 0x00000000 | ZBT SSRAM2/3 4 MiB @ 0x20000000 |
| M7  | mps2-an500 | in flash | ZBT SSRAM1 4 MiB @ 0x00000000 | ZBT SSRAM2/3 4 MiB @ 0x20000000 |
| M33 | mps2-an505 | in flash | SSRAM1 4 MiB @ 0x10000000 (secure alias) | SSRAM2+3 4 MiB @ 0x38000000 (secure) |
| M55 | mps3-an547 | ITCM 512 KiB @ 0x10000000 | QSPI flash 8 MiB @ 0x38000000 (ROM, secure) | ISRAM0+1 4 MiB @ 0x31000000 (secure) |

The M33 and M55 boards boot in the secure state (INITSVTOR 0x10000000), so their images live at
the secure aliases. The AN547 cannot boot from QSPI: its vector table sits in the ITCM and the
rest of the image in the read-only QSPI flash (writes to `const` data are ignored, as on silicon).

`clock_hz` is a nominal product clock (for cycle estimates), not the FPGA's: QEMU has no timing.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgeai.support.errors import EdgeAIError

__all__ = [
    "MemoryRegion",
    "CortexMTarget",
    "CORTEX_M4",
    "CORTEX_M7",
    "CORTEX_M33",
    "CORTEX_M55",
    "TARGETS",
    "get_target",
]


@dataclass(frozen=True)
class MemoryRegion:
    """A contiguous memory of the board, as the linker script sees it."""

    name: str
    origin: int
    size: int

    @property
    def end(self) -> int:
        """One past the last byte."""
        return self.origin + self.size

    def contains(self, address: int, size: int = 1) -> bool:
        """Whether `[address, address + size)` lies inside the region."""
        return self.origin <= address and address + size <= self.end


@dataclass(frozen=True)
class CortexMTarget:
    """One Cortex-M core and the QEMU board that runs it.

    `features` holds the ISA extensions the emitter may use: `fpu` (single-precision hard float),
    `fpu_dp` (double precision too), `dsp` (the DSP extension: SMLAD-style dual 16-bit MACs and
    SIMD on 8/16-bit lanes), `mve` (Helium, integer and float). `boot` is where the vector table
    goes when the board cannot boot from `flash`.
    """

    name: str
    cpu: str
    gcc_flags: tuple[str, ...]
    features: frozenset[str]
    qemu_machine: str
    flash: MemoryRegion
    ram: MemoryRegion
    clock_hz: int
    boot: MemoryRegion | None = None
    secure: bool = False
    stack_bytes: int = 16 * 1024

    @property
    def has_dsp(self) -> bool:
        """The DSP extension (dual 16-bit MAC, 8/16-bit SIMD)."""
        return "dsp" in self.features

    @property
    def has_mve(self) -> bool:
        """Helium (M-profile Vector Extension)."""
        return "mve" in self.features

    @property
    def has_fpu(self) -> bool:
        """A single-precision hardware FPU."""
        return "fpu" in self.features

    @property
    def arch_v8m(self) -> bool:
        """Armv8-M (M33, M55): stack limit registers, TrustZone."""
        return self.cpu in ("cortex-m33", "cortex-m55")


_MPS2_FLASH = MemoryRegion("ssram1", 0x0000_0000, 4 * 1024 * 1024)
_MPS2_RAM = MemoryRegion("ssram23", 0x2000_0000, 4 * 1024 * 1024)

CORTEX_M4 = CortexMTarget(
    name="cortex-m4",
    cpu="cortex-m4",
    gcc_flags=("-mthumb", "-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"),
    features=frozenset({"dsp", "fpu"}),
    qemu_machine="mps2-an386",
    flash=_MPS2_FLASH,
    ram=_MPS2_RAM,
    clock_hz=120_000_000,  # STM32L4R5, the MLPerf Tiny reference M4
)

CORTEX_M7 = CortexMTarget(
    name="cortex-m7",
    cpu="cortex-m7",
    gcc_flags=("-mthumb", "-mcpu=cortex-m7", "-mfpu=fpv5-d16", "-mfloat-abi=hard"),
    features=frozenset({"dsp", "fpu", "fpu_dp"}),
    qemu_machine="mps2-an500",
    flash=_MPS2_FLASH,
    ram=_MPS2_RAM,
    clock_hz=480_000_000,  # STM32H7
)

CORTEX_M33 = CortexMTarget(
    name="cortex-m33",
    cpu="cortex-m33",
    gcc_flags=("-mthumb", "-mcpu=cortex-m33", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard"),
    features=frozenset({"dsp", "fpu"}),
    qemu_machine="mps2-an505",
    flash=MemoryRegion("ssram1", 0x1000_0000, 4 * 1024 * 1024),
    ram=MemoryRegion("ssram23", 0x3800_0000, 4 * 1024 * 1024),
    clock_hz=160_000_000,  # STM32U5
    secure=True,
)

CORTEX_M55 = CortexMTarget(
    name="cortex-m55",
    cpu="cortex-m55",
    gcc_flags=("-mthumb", "-mcpu=cortex-m55", "-mfloat-abi=hard"),
    features=frozenset({"dsp", "fpu", "fpu_dp", "mve"}),
    qemu_machine="mps3-an547",
    flash=MemoryRegion("qspi", 0x3800_0000, 8 * 1024 * 1024),
    ram=MemoryRegion("isram", 0x3100_0000, 4 * 1024 * 1024),
    boot=MemoryRegion("itcm", 0x1000_0000, 512 * 1024),
    clock_hz=800_000_000,  # STM32N6 host core
    secure=True,
)

#: named presets, by `--target` name
TARGETS: dict[str, CortexMTarget] = {
    t.name: t for t in (CORTEX_M4, CORTEX_M7, CORTEX_M33, CORTEX_M55)
}


def get_target(name: str | CortexMTarget) -> CortexMTarget:
    """The preset called `name` (`cortex-m4`, `m4` ...); one-line EdgeAIError when unknown."""
    if isinstance(name, CortexMTarget):
        return name
    key = name.strip().lower()
    if not key.startswith("cortex-"):
        key = "cortex-" + key
    if key not in TARGETS:
        raise EdgeAIError(f"unknown Cortex-M target '{name}' (known: {', '.join(sorted(TARGETS))})")
    return TARGETS[key]
