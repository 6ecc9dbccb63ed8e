"""DIMC in-memory-compute NPU target descriptions: tiles, clusters, bandwidths, energy figures.

A DIMC tile is an SRAM array whose columns compute dot products in place: `columns_per_tile`
kernels (columns) of `bits_per_column` weight bits each, weights stationary, precision 1 to
`tile_max_bits` bits for weights and features. `tiles_per_cluster` tiles form a cluster (an
IMNPU) that shares one weight loader; `clusters` clusters form the NPU next to a Cortex-M host.
Layers up to `layer_max_bits` bits run by bit slicing (weights: one column per 4-bit slice)
and bit-serial passes (features: one pass per 4-bit slice).

The preset `dimc-18nm` holds the published figures of ST's 18 nm FD-SOI prototype (8 clusters
of 8 tiles of 32 x 1024 bits = 2 Mb, 600 MHz at 0.525 V, 32 feature bits per cycle into a tile,
8 weight bytes per cycle into a cluster; 176/770 TOPS/W per tile and 76/310 TOPS/W per IMNPU at
4/1 bits; chip peak 57/229 TOPS). The parameters marked "model assumption" are not published:
they are the cost model's choices, documented in README.md, and a file can override them.

Every field can be overridden from a JSON file (`load_target("my_chip.json")`, or `--target
my_chip.json` / `--target-config` on the command line): a preset under `"base"` plus any
fields; another DIMC chip is a new preset or a file, not new code. `imc` is the prototype
under the short name `edgeai generate --target imc` uses.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from edgeai.support.errors import EdgeAIError

__all__ = ["ImcTarget", "DIMC_18NM", "PRESETS", "load_target"]


def _pairs(d: dict[int, float]) -> tuple[tuple[int, float], ...]:
    return tuple(sorted((int(k), float(v)) for k, v in d.items()))


@dataclass(frozen=True)
class ImcTarget:
    """One DIMC NPU: geometry, bandwidths, clock, energy figures and cost-model constants."""

    name: str = "dimc-18nm"
    description: str = "ST 18 nm FD-SOI DIMC prototype: 8 IMNPU clusters x 8 tiles, 600 MHz"
    #: IMNPU clusters on the chip
    clusters: int = 8
    #: DIMC tiles per cluster (stripes x chains x parallel <= this)
    tiles_per_cluster: int = 8
    #: kernels (columns) per tile
    columns_per_tile: int = 32
    #: weight bits per column (256 weights at 4 bits, 1024 at 1 bit)
    bits_per_column: int = 1024
    #: weight and feature precision a tile computes at (1..this)
    tile_max_bits: int = 4
    #: precision a layer may have through bit slicing / bit-serial passes
    layer_max_bits: int = 8
    #: feature bits streamed into one tile per cycle
    feature_bits_per_cycle: int = 32
    #: weight bytes loaded into one cluster per cycle
    weight_load_bytes_per_cycle: int = 8
    #: clock of the NPU
    clock_mhz: float = 600.0
    #: measured energy efficiency of one tile, bits -> TOPS/W (1 op = 1 multiply or 1 add)
    tops_per_w_tile: tuple[tuple[int, float], ...] = field(
        default_factory=lambda: _pairs({1: 770.0, 4: 176.0})
    )
    #: measured energy efficiency of one IMNPU cluster (what the energy model uses)
    tops_per_w_cluster: tuple[tuple[int, float], ...] = field(
        default_factory=lambda: _pairs({1: 310.0, 4: 76.0})
    )
    #: published chip peak, bits -> TOPS (reported next to the model's own peak)
    peak_tops: tuple[tuple[int, float], ...] = field(
        default_factory=lambda: _pairs({1: 229.0, 4: 57.0})
    )
    #: model assumption: cycles for a partial sum to move one tile down a chain
    chain_hop_cycles: int = 1
    #: model assumption: cycles of the output unit (slice/pass shift-add, requantize, activation)
    #: after the last partial sum of a pass; pipelined with the next pass, paid once per round
    output_pipeline_cycles: int = 2
    #: model assumption: width of a partial sum kept between depth blocks of a kernel
    psum_bits: int = 32
    #: model assumption: bytes per cycle between a cluster's output unit and its memory, for
    #: spilling and reloading partial sums of depth-split kernels
    psum_bytes_per_cycle: int = 8
    #: model assumption: identical weights written into several tiles/clusters in one transfer
    weight_broadcast: bool = True
    #: model assumption: energy of loading one weight byte into a tile, in picojoules
    weight_load_pj_per_byte: float = 2.0
    #: model assumption: energy of moving one partial-sum byte between a cluster's output unit
    #: and its memory (a spill or a reload of a depth-split kernel), in picojoules; by default
    #: the same as a weight byte (both are SRAM transfers of the cluster)
    psum_pj_per_byte: float = 2.0
    #: model assumption: static power of one powered cluster, in milliwatts
    static_mw_per_cluster: float = 5.0
    #: the Cortex-M core that runs what the NPU cannot (the software fallback)
    host_target: str = "cortex-m4"

    # -- derived figures -------------------------------------------------------------------

    @property
    def tile_bits(self) -> int:
        """Weight bits one tile holds."""
        return self.columns_per_tile * self.bits_per_column

    @property
    def capacity_bits(self) -> int:
        """Weight bits of the whole NPU (2 Mb for the prototype)."""
        return self.clusters * self.tiles_per_cluster * self.tile_bits

    @property
    def clock_hz(self) -> float:
        return self.clock_mhz * 1e6

    def rows_per_tile(self, weight_bits: int) -> int:
        """Weights per column at a tile precision (1024 // bits: 1024, 512, 341, 256)."""
        return self.bits_per_column // weight_bits

    def tops_per_w(self, bits: int, level: str = "cluster") -> float:
        """Efficiency at `bits` (1..tile_max_bits), log-linear between the measured points."""
        table = dict(self.tops_per_w_cluster if level == "cluster" else self.tops_per_w_tile)
        return _interpolate(table, bits)

    def validate(self) -> None:
        """Raise EdgeAIError when a parameter is out of range."""
        positive = (
            "clusters",
            "tiles_per_cluster",
            "columns_per_tile",
            "bits_per_column",
            "tile_max_bits",
            "layer_max_bits",
            "feature_bits_per_cycle",
            "weight_load_bytes_per_cycle",
            "psum_bits",
            "psum_bytes_per_cycle",
        )
        for k in positive:
            if getattr(self, k) < 1:
                raise EdgeAIError(f"imc target {self.name}: {k} must be >= 1")
        if self.layer_max_bits < self.tile_max_bits:
            raise EdgeAIError(f"imc target {self.name}: layer_max_bits < tile_max_bits")
        if self.bits_per_column < self.tile_max_bits:
            raise EdgeAIError(f"imc target {self.name}: bits_per_column < tile_max_bits")
        if self.clock_mhz <= 0:
            raise EdgeAIError(f"imc target {self.name}: clock_mhz must be > 0")
        for k in ("weight_load_pj_per_byte", "psum_pj_per_byte", "static_mw_per_cluster"):
            if getattr(self, k) < 0:
                raise EdgeAIError(f"imc target {self.name}: {k} must be >= 0")
        for k in ("chain_hop_cycles", "output_pipeline_cycles"):
            if getattr(self, k) < 0:
                raise EdgeAIError(f"imc target {self.name}: {k} must be >= 0")
        for k in ("tops_per_w_tile", "tops_per_w_cluster", "peak_tops"):
            table = getattr(self, k)
            if not table or any(b < 1 or v <= 0 for b, v in table):
                raise EdgeAIError(
                    f"imc target {self.name}: {k} needs positive bits -> figure pairs"
                )

    def as_dict(self) -> dict:
        """JSON-ready fields (tables as `[[bits, figure], ...]`), the form target files use."""
        from edgeai.backends.base import target_to_dict

        return target_to_dict(self)


def _interpolate(table: dict[int, float], bits: int) -> float:
    """Log-linear interpolation of a bits -> figure table (clamped outside its range)."""
    if bits in table:
        return table[bits]
    keys = sorted(table)
    if bits <= keys[0]:
        return table[keys[0]]
    if bits >= keys[-1]:
        return table[keys[-1]]
    lo = max(k for k in keys if k < bits)
    hi = min(k for k in keys if k > bits)
    t = (bits - lo) / (hi - lo)
    return math.exp(math.log(table[lo]) * (1 - t) + math.log(table[hi]) * t)


DIMC_18NM = ImcTarget()

#: preset name -> target
PRESETS: dict[str, ImcTarget] = {DIMC_18NM.name: DIMC_18NM}

#: the name `edgeai generate --target imc` uses: the prototype under a short name
DEFAULT = "imc"
PRESETS[DEFAULT] = dataclasses.replace(DIMC_18NM, name=DEFAULT)


def load_target(spec: str | None = None, overrides: dict | str | None = None) -> ImcTarget:
    """A preset by name (default `imc`), or a JSON target file (`{"base": "<preset>", field:
    value, ...}`, tables as `[[bits, figure], ...]`), plus overrides (a dict or a JSON file).

    Read by the shared `backends.base.load_target`: unknown keys and wrong types are one-line
    `EdgeAIError`s naming the file and key; out-of-range values likewise (`validate`).
    """
    from edgeai.backends.base import load_target as load

    target = load(PRESETS, spec or DEFAULT, overrides)
    target.validate()
    return target
