"""__NAME__ target descriptions: the accelerator's parameters and its named presets.

A `__Name__Target` is a frozen dataclass: every field is a parameter the legality rules, the
phases and the cost model read. The presets are the `--target` names (unique over all
backends); any field can be overridden from a JSON file (`--target-config FILE.json`, or
`BACKEND.load_target("chip.json")` with `{"base": "__NAME__", "macs_per_cycle": 32}`).
"""

from __future__ import annotations

from dataclasses import dataclass

from edgeai.support.errors import EdgeAIError

__all__ = ["PRESETS", "__Name__Target"]


@dataclass(frozen=True)
class __Name__Target:
    """One __NAME__ accelerator: a MAC array next to a Cortex-M host."""

    name: str
    #: accelerator clock
    clock_hz: int
    #: multiply-accumulates per cycle of the MAC array (also elements per cycle of other ops)
    macs_per_cycle: int
    #: cycles to configure a layer and fill the pipeline
    layer_overhead_cycles: int
    #: on-chip memory for activations
    sram_bytes: int

    def __post_init__(self) -> None:
        for key in ("clock_hz", "macs_per_cycle", "sram_bytes"):
            if getattr(self, key) <= 0:
                raise EdgeAIError(f"'{key}' must be > 0, got {getattr(self, key)}")
        if self.layer_overhead_cycles < 0:
            raise EdgeAIError(
                f"'layer_overhead_cycles' must be >= 0, got {self.layer_overhead_cycles}"
            )


#: named presets, by `--target` name
PRESETS: dict[str, __Name__Target] = {
    "__NAME__": __Name__Target(
        name="__NAME__",
        clock_hz=100_000_000,
        macs_per_cycle=16,
        layer_overhead_cycles=64,
        sram_bytes=256 * 1024,
    ),
}
