"""What the __NAME__ backend writes: the partitioned program, its schedule and the report.

    NAME.mlir            the `nn` program, each op with `edgeai.backend` (where it runs)
    NAME_schedule.json   per layer: name, op, runs_on, macc, cycles; totals
    report.json          model, target, totals, layers and the fallback ops with the reasons

A real accelerator writes what its hardware consumes here (a command stream, a tile schedule,
C for the host that drives it).
"""

from __future__ import annotations

import json
import os

from edgeai.backends.base import PhaseState, target_to_dict, write_artifacts

__all__ = ["emit"]


def emit(state: PhaseState) -> None:
    """Write the three files into `state.out_dir` (all or nothing)."""
    assert state.backend is not None and state.out_dir is not None
    o = state.options
    name = o.net_name
    sched = state.data["schedule"]
    here = state.backend.name
    report = {
        "model": os.path.basename(o.model),
        "name": name,
        "target": o.target.name,
        "backend": here,
        "objective": o.objective,
        "target_parameters": target_to_dict(o.target),
        "cycles": sched["cycles"],
        "inferences_per_s": sched["inferences_per_s"],
        "macc_on_accelerator": sched["macc_on_accelerator"],
        "layers": sched["layers"],
        "fallback": [p.as_dict() for p in state.placements if p.backend != here],
    }
    state.report = report
    state.files = write_artifacts(
        state.out_dir,
        {
            f"{name}.mlir": str(state.module) + "\n",
            f"{name}_schedule.json": json.dumps(
                {"target": o.target.name, "cycles": sched["cycles"], "layers": sched["layers"]},
                indent=2,
            )
            + "\n",
            "report.json": json.dumps(report, indent=2) + "\n",
        },
    )
