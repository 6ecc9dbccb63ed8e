"""The IMC backend's phases.

| phase | what | how |
|---|---|---|
| partition | each op on the tiles when `legality.py` accepts it, else on the Cortex-M host (when the Cortex-M backend runs it; an op neither runs is an error naming every such layer) | `partition` |
| tile | every accepted layer mapped onto the tiles (stripes, chains, parallel groups, copies, depth blocks, cluster split: the mapper's optimum or the `--imc-mapping` entry) and replaced by an `imc.layer`; the `imc.schedule` with the totals | `imc-map-tiles` (`tile`) |
| emit | the mapping table's JSON (`imc_schedule.json`), the `imc` IR (`schedule.mlir`) and `report.json` | `emit.py` |
"""

from __future__ import annotations

from edgeai.backends.base import Phase, PhaseState

__all__ = ["PHASES", "partition", "tile"]


def partition(state: PhaseState) -> None:
    """Place every op (`Backend.partition`); ops that neither the tiles nor the Cortex-M host
    run are reported at once (one line, every layer named)."""
    from edgeai.support.errors import UnsupportedError

    assert state.backend is not None
    placements = state.backend.partition(state.module)
    refused = [p for p in placements if p.backend is None]
    if refused:
        raise UnsupportedError("imc", [f"layer '{p.layer}': {p.reason}" for p in refused])
    state.placements = placements


def tile(state: PhaseState) -> None:
    """`imc-map-tiles` on the entry function with the options' target object (a preset or a
    target file with overrides), objective and forced mappings; the decisions are kept in
    `state.data["mapped"]`."""
    from edgeai.backends.imc.imc_map_tiles import load_forced, map_function
    from edgeai.reference.interpreter import find_main

    o = state.options
    path = o.extra.get("imc_mapping")
    forced = load_forced(path) if path else {}
    objective = o.extra.get("imc_objective") or "cycles"
    f = find_main(state.module)
    state.data["mapped"] = map_function(f, o.target, objective, forced)


def emit(state: PhaseState) -> None:
    """`emit.emit`: the schedule JSON, the IR and report.json (all or nothing)."""
    from edgeai.backends.imc.emit import emit as write

    write(state)


PARTITION = (
    "Each op on the tiles when legality.py accepts it, else on the Cortex-M host; an op that "
    "neither runs is an error naming every such layer."
)
TILE = (
    "imc-map-tiles: every accepted layer mapped onto the tiles (the mapper's optimum under "
    "--imc-objective, or the --imc-mapping entry) and replaced by an imc.layer; the "
    "imc.schedule with the network totals."
)
EMIT = "The mapping table as imc_schedule.json, the imc IR as schedule.mlir, and report.json."

PHASES: list[Phase] = [
    Phase("partition", PARTITION, run=partition),
    Phase("tile", TILE, run=tile, message="mapping the layers onto the tiles (imc-map-tiles)"),
    Phase("emit", EMIT, run=emit),
]
