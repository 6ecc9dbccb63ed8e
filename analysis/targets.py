"""Memory presets of the devices `edgeai analyze --target` checks a model against.

Each preset states the RAM and the non-volatile memory ("flash") a network may use, with the
core and its clock, from the vendor's datasheet (figures in the comments; K = 1024 bytes, as
the datasheets use it). RAM is the total SRAM of the part, all banks together (TCM included):
on parts with several banks the activation arena must also fit one contiguous region, which
the note says. Flash is the internal flash; parts without internal flash (STM32N6) state the
external flash of the vendor's board. Code is not counted by the fit check, only the model's
constants (flash) and its activations + input/output buffers (RAM).

`ispu` and `imc` are the two accelerator targets of `../shared/DESIGN.md`: the ISPU's data RAM
and program RAM (weights and code share the program RAM), and the DIMC NPU's in-memory-compute
weight capacity (its activation memory is a shared system memory without a stated size: no RAM
limit).
"""

from __future__ import annotations

from dataclasses import dataclass

from edgeai.support.errors import EdgeAIError

K = 1024
M = 1024 * K


@dataclass(frozen=True)
class Target:
    """A device's memory budget for a network."""

    name: str
    ram: int | None  # bytes of RAM for activations + I/O (None: not limited)
    flash: int | None  # bytes for the constants (None: not limited)
    core: str
    mhz: int
    note: str = ""


#: preset name (lower case) -> target
PRESETS: dict[str, Target] = {
    t.name: t
    for t in (
        # STM32F401xD/xE datasheet: 512 KB flash, 96 KB SRAM, Cortex-M4F up to 84 MHz
        Target("stm32f401re", 96 * K, 512 * K, "cortex-m4", 84),
        # STM32F411xC/xE datasheet: 512 KB flash, 128 KB SRAM, Cortex-M4F up to 100 MHz
        Target("stm32f411re", 128 * K, 512 * K, "cortex-m4", 100),
        # STM32F446xC/xE datasheet: 512 KB flash, 128 KB SRAM (+4 KB backup), M4F 180 MHz
        Target("stm32f446re", 128 * K, 512 * K, "cortex-m4", 180),
        # STM32F745xx/746xx datasheet: 1 MB flash, 320 KB SRAM (incl. 64 KB DTCM), M7 216 MHz
        Target(
            "stm32f746ng",
            320 * K,
            1 * M,
            "cortex-m7",
            216,
            "SRAM in banks: 64 KB DTCM, 240 KB SRAM1, 16 KB SRAM2",
        ),
        # STM32F765xx/767xx datasheet: 2 MB flash, 512 KB SRAM (incl. 128 KB DTCM),
        # M7 216 MHz
        Target(
            "stm32f767zi",
            512 * K,
            2 * M,
            "cortex-m7",
            216,
            "SRAM in banks: 128 KB DTCM, 368 KB SRAM1, 16 KB SRAM2",
        ),
        # STM32H742xx/743xx datasheet: 2 MB flash, "up to 1 Mbyte of RAM": 192 KB TCM (64 KB ITCM
        # + 128 KB DTCM) + 864 KB user SRAM = 1,056 KB, M7 480 MHz
        Target(
            "stm32h743zi",
            1056 * K,
            2 * M,
            "cortex-m7",
            480,
            "RAM in banks: largest 512 KB AXI SRAM, 128 KB DTCM",
        ),
        # STM32H723xE/xG datasheet: 1 MB flash, 564 KB RAM (headline figure: DTCM, ITCM, AXI SRAM,
        # AHB SRAM, SRAM4), M7 550 MHz
        Target(
            "stm32h723zg",
            564 * K,
            1 * M,
            "cortex-m7",
            550,
            "RAM in banks: largest 320 KB AXI SRAM, 128 KB DTCM",
        ),
        # STM32H7B3xI datasheet: 2 MB flash, 1.4 MB RAM = 192 KB TCM + 1,184 KB user SRAM (1 MB
        # AXI SRAM, 128 KB AHB SRAM, 32 KB SRD SRAM) = 1,376 KB, M7 280 MHz
        Target(
            "stm32h7b3ri",
            1376 * K,
            2 * M,
            "cortex-m7",
            280,
            "RAM in banks: largest 1 MB AXI SRAM (256 + 384 + 384 KB), 128 KB DTCM",
        ),
        # STM32L476xx datasheet: 1 MB flash, 128 KB SRAM (96 KB SRAM1 + 32 KB SRAM2),
        # M4F 80 MHz
        Target(
            "stm32l476rg",
            128 * K,
            1 * M,
            "cortex-m4",
            80,
            "SRAM in banks: 96 KB SRAM1, 32 KB SRAM2",
        ),
        # STM32L4R5xx datasheet: 2 MB flash, 640 KB SRAM, M4F 120 MHz (the MLPerf Tiny
        # reference platform, NUCLEO-L4R5ZI)
        Target(
            "stm32l4r5zi",
            640 * K,
            2 * M,
            "cortex-m4",
            120,
            "SRAM in banks: 192 KB SRAM1, 64 KB SRAM2, 384 KB SRAM3",
        ),
        # STM32U575xx datasheet: 2 MB flash, 786 KB SRAM (192 + 64 + 512 + 16 KB), Cortex-M33 160 MHz
        Target("stm32u575zi", 786 * K, 2 * M, "cortex-m33", 160),
        # STM32U585xx datasheet: 2 MB flash, 786 KB SRAM (192 + 64 + 512 + 16 KB), Cortex-M33 160 MHz
        Target("stm32u585ai", 786 * K, 2 * M, "cortex-m33", 160),
        # STM32N657x0 datasheet: no internal flash (boot ROM, code and weights in external
        # memory over XSPI), 4.2 MB SRAM (taken as 4,200 KB; incl. 4 x 448 KB npuRAM), Cortex-M55 800 MHz + the
        # Neural-ART NPU at 1 GHz; flash = the STM32N6570-DK board's 1 Gbit (128 MB) Octo-SPI NOR
        Target(
            "stm32n657x0",
            4200 * K,
            128 * M,
            "cortex-m55",
            800,
            "no internal flash: flash is the STM32N6570-DK's external 128 MB Octo-SPI NOR",
        ),
        # ISPU in LSM6DSO16IS / ISM330IS (their datasheets): 8 KB data RAM, 32 KB
        # program RAM (code and constants), 5 or 10 MHz
        Target(
            "ispu",
            8 * K,
            32 * K,
            "ispu",
            10,
            "32 KB program RAM holds code and constants; code is not counted here",
        ),
        # DIMC in-memory-compute NPU (ST 18 nm FD-SOI prototype, ../shared/DESIGN.md): 2 Mb = 256
        # KB of weights stationary in the IMC tiles, 600 MHz; activations in shared system memory
        Target(
            "imc",
            None,
            256 * K,
            "imc",
            600,
            "flash = the 2 Mb IMC weight capacity (weights stationary in the tiles); "
            "activations use shared system memory (no RAM limit stated)",
        ),
    )
}


def target_names() -> list[str]:
    """The preset names, in table order."""
    return list(PRESETS)


def get_target(name: str) -> Target:
    """The preset `name` (case-insensitive); a one-line error listing the choices otherwise."""
    t = PRESETS.get(name.strip().lower())
    if t is None:
        raise EdgeAIError(
            f"--target {name}: unknown device (choose from {', '.join(target_names())})"
        )
    return t


def resolve_limits(
    target: str | None, ram_limit: int | None, flash_limit: int | None
) -> tuple[str, int | None, int | None] | None:
    """(target name, RAM limit, flash limit) of the fit check: the preset's figures overridden
    by the explicit limits; "custom" when only limits are given; None when nothing is."""
    if target is None:
        if ram_limit is None and flash_limit is None:
            return None
        return "custom", ram_limit, flash_limit
    t = get_target(target)
    return (
        t.name,
        t.ram if ram_limit is None else ram_limit,
        t.flash if flash_limit is None else flash_limit,
    )


__all__ = ["PRESETS", "Target", "get_target", "resolve_limits", "target_names"]
