"""The __NAME__ cycle model.

A layer on the accelerator costs `layer_overhead_cycles` (configuration, pipeline fill) plus
its work divided by the MAC array's width: `ceil(work / macs_per_cycle)`, where work is the
layer's multiply-accumulates (conv2d, depthwise, dense) or, for ops without MACs, its output
elements (one per lane and cycle). Reshapes are views: 0 cycles. Ops on the fallback cost 0
accelerator cycles (their time is the host's; `edgeai validate` on the Cortex-M path measures
it). Assumptions: weights and activations fit `sram_bytes`, no stalls on memory.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["layer_cycles", "schedule"]


def layer_cycles(op, target) -> int:
    """Cycles of one `nn` op on the accelerator (see the module docstring)."""
    from edgeai.analysis.layers import macc_of

    if op.name == "nn.reshape":
        return 0
    macc = macc_of(op)
    work = macc if macc else math.prod(op.results[0].type.get_shape())
    return target.layer_overhead_cycles + math.ceil(work / target.macs_per_cycle)


def schedule(placements, target, backend: str) -> dict[str, Any]:
    """Per-layer cycles and totals of partitioned ops (`base.Placement` rows whose `ir` is the
    op): `cycles`, `layers` (name, op, runs_on, macc, cycles), `inferences_per_s`."""
    from edgeai.analysis.layers import macc_of

    rows = []
    for p in placements:
        here = p.backend == backend
        rows.append(
            {
                "name": p.layer,
                "op": p.op,
                "runs_on": p.backend,
                "macc": macc_of(p.ir),
                "cycles": layer_cycles(p.ir, target) if here else 0,
            }
        )
    cycles = sum(r["cycles"] for r in rows)
    return {
        "cycles": cycles,
        "layers": rows,
        "inferences_per_s": target.clock_hz / cycles if cycles else None,
        "macc_on_accelerator": sum(r["macc"] for r in rows if r["runs_on"] == backend),
    }
