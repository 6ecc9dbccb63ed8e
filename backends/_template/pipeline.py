"""The __NAME__ backend's phases.

| phase | what | how |
|---|---|---|
| partition | each op on the accelerator when `legality.py` accepts it, else on the fallback (Cortex-M); recorded on the op as `edgeai.backend` | `partition` |
| legalize | activations fused into the layer before them (the MAC array applies them on its output) | `nn-fuse-activation` |
| schedule | layers in program order with their cycles (`cost.py`) | `schedule` |
| emit | the partitioned program, the schedule and report.json | `emit.py` |
"""

from __future__ import annotations

from edgeai.backends.base import Phase, PhaseState

from . import cost
from .emit import emit

__all__ = ["PHASES", "partition", "schedule"]


def partition(state: PhaseState) -> None:
    """Place every op (`Backend.partition`) and record the placement on it; ops no backend
    runs, or that would fall back when `--__NAME__-fallback none` is given, are reported at
    once."""
    from xdsl.dialects.builtin import StringAttr

    from edgeai.support.errors import UnsupportedError

    assert state.backend is not None
    placements = state.backend.partition(state.module)
    strict = state.options.extra.get("__NAME___fallback") == "none"
    refused = [
        p for p in placements if p.backend is None or (strict and p.backend != state.backend.name)
    ]
    if refused:
        raise UnsupportedError(
            f"{state.backend.name}", [f"layer '{p.layer}': {p.reason}" for p in refused]
        )
    for p in placements:
        p.ir.attributes["edgeai.backend"] = StringAttr(p.backend)
    state.placements = placements


def schedule(state: PhaseState) -> None:
    """The cycles of every op left after legalization (`cost.schedule`), each where
    `partition` placed it."""
    import dataclasses

    from xdsl.dialects.builtin import StringAttr

    assert state.backend is not None
    placements = []
    for p in state.backend.partition(state.module):
        recorded = p.ir.attributes.get("edgeai.backend")
        if isinstance(recorded, StringAttr) and recorded.data != p.backend:
            p = dataclasses.replace(p, backend=recorded.data)
        placements.append(p)
    state.placements = placements
    state.data["schedule"] = cost.schedule(placements, state.options.target, state.backend.name)


PARTITION = (
    "Each op on the accelerator when legality.py accepts it, else on the fallback (Cortex-M); "
    "the placement is recorded on the op (`edgeai.backend`)."
)
LEGALIZE = "Activations fused into the layer before them: the MAC array applies them on its output."
SCHEDULE = "Layers in program order with their cycles (cost.py)."
EMIT = "The partitioned program (NAME.mlir), the schedule (NAME_schedule.json) and report.json."

PHASES: list[Phase] = [
    Phase("partition", PARTITION, run=partition),
    Phase("legalize", LEGALIZE, pipeline="nn-fuse-activation"),
    Phase("schedule", SCHEDULE, run=schedule),
    Phase("emit", EMIT, run=emit),
]
