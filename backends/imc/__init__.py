"""IMC backend: the DIMC in-memory-compute NPU (tiles of SRAM columns computing in place).

`BACKEND` is the backend's contract object (`backends/base.py`): presets in `target.py`
(`imc` = `dimc-18nm`, ST's 18 nm prototype), rules in `legality.py`, phases in `pipeline.py`
(partition, tile = `imc-map-tiles`, emit), the shared geometry in `mapping.py`, the mapper in
`mapper.py`, the cycle/energy model in `cost.py`, the `imc` dialect in `dialect.py`, the
tile-by-tile simulator in `sim.py`, the writers in `emit.py`. What the tiles cannot run stays
on the Cortex-M host. See README.md. Importing this package is cheap: only the presets load.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from edgeai.backends.base import (
    Backend,
    GenerateOptions,
    GenerateResult,
    Phase,
    SupportRow,
    Verdict,
)
from edgeai.support.errors import EdgeAIError

from .target import PRESETS, ImcTarget

if TYPE_CHECKING:
    import numpy as np
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.ir import Operation

__all__ = ["BACKEND", "ImcBackend"]


class ImcBackend(Backend):
    """The DIMC NPU: conv2d, depthwise and dense layers of 1-8-bit integers on the tiles, the
    rest on the Cortex-M host."""

    name = "imc"
    description = (
        "imc: a digital in-memory-compute NPU (DIMC tiles chained, striped and in parallel); "
        "writes the tile schedule and its imc IR."
    )
    fallback = "cortexm"
    has_simulator = True
    has_cost_model = True

    def targets(self) -> Mapping[str, ImcTarget]:
        """The presets of `target.py`."""
        return PRESETS

    def load_target(self, spec: Any, overrides: Any = None) -> ImcTarget:
        """A preset, a target file or a description, with overrides, validated."""
        target = super().load_target(spec, overrides)
        target.validate()
        return target

    def legality(self, op: Operation) -> Verdict:
        """`legality.verdict` on the default preset."""
        from .legality import verdict

        return verdict(op)

    def supported_ops(self) -> list[SupportRow]:
        """Every `nn` op with its rule (`legality.supported_ops`)."""
        from .legality import supported_ops

        return supported_ops()

    def phases(self) -> list[Phase]:
        """partition, tile, emit (`pipeline.py`)."""
        from .pipeline import PHASES

        return list(PHASES)

    def add_cli_options(self, group: argparse._ArgumentGroup) -> None:
        """--imc-mapping FILE, --imc-objective cycles|energy."""
        group.add_argument(
            "--imc-mapping",
            dest="imc_mapping",
            metavar="FILE.json",
            help='forced mappings: {"<layer name>": {"stripes": s, "chains": c, '
            '"parallel": p}, ...} (missing fields chosen by the mapper)',
        )
        group.add_argument(
            "--imc-objective",
            dest="imc_objective",
            choices=["cycles", "energy"],
            default="cycles",
            help="what the mapper minimizes per layer (default cycles)",
        )

    def check_options(self, options: GenerateOptions) -> None:
        """The forced-mapping file must exist and be JSON (read before the model)."""
        from .imc_map_tiles import load_forced

        path = options.extra.get("imc_mapping")
        if path:
            load_forced(path)
        if options.extra.get("imc_objective", "cycles") not in ("cycles", "energy"):
            raise EdgeAIError(
                f"--imc-objective {options.extra['imc_objective']}: choose cycles or energy"
            )

    def summary(self, result: GenerateResult) -> str:
        """The mapping table (`emit.format_table`)."""
        from .emit import format_table

        return format_table(result.report["schedule"])

    def _mapped(self, module: ModuleOp, options: GenerateOptions):
        state = self.run_phases(module.clone(), options, until="tile")
        return state

    def simulate(
        self, module: ModuleOp, inputs: Mapping[str, np.ndarray], options: GenerateOptions
    ) -> dict[str, np.ndarray]:
        """Map the program, then run it: imc.layers tile by tile (`sim.py`), host ops through
        the `nn` reference."""
        from .sim import run

        state = self._mapped(module, options)
        return run(state.module, dict(inputs))

    def cost(self, module: ModuleOp, options: GenerateOptions) -> dict[str, Any]:
        """The cycle/energy model on the mapped program: `cycles` (all clusters) and one row
        per layer on the tiles (`name`, `cycles`, `cycles_1cluster`, energy ...), host ops
        listed with their reason (no NPU cycles)."""
        from .emit import schedule_report

        rep = schedule_report(self._mapped(module, options).data["mapped"])
        layers = [{**r, "cycles": r["cycles_all_clusters"]} for r in rep["layers"]]
        return {
            "cycles": int(sum(r["cycles"] for r in layers)),
            "cycles_1cluster": rep["totals"]["cycles_1cluster"],
            "layers": layers,
            "host": rep["host"],
            "totals": rep["totals"],
        }


BACKEND = ImcBackend()
