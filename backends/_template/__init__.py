"""__NAME__ backend: a toy accelerator (a MAC array beside a Cortex-M host), see README.md.

`BACKEND` is the backend's contract object (`backends/base.py`): presets in `target.py`,
rules in `legality.py`, phases in `pipeline.py` (partition, legalize, schedule, emit),
functional simulator in `sim.py`, cycle model in `cost.py`. Importing this package is cheap:
only the presets are loaded here.
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

from .target import PRESETS, __Name__Target

if TYPE_CHECKING:
    import numpy as np
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.ir import Operation

__all__ = ["BACKEND", "__Name__Backend"]


class __Name__Backend(Backend):
    """The __NAME__ accelerator: MAC layers and simple vector ops, the rest on Cortex-M."""

    name = "__NAME__"
    description = "__NAME__: a MAC array beside a Cortex-M host (a toy accelerator)."
    fallback = "cortexm"
    has_simulator = True
    has_cost_model = True

    def targets(self) -> Mapping[str, __Name__Target]:
        """The presets of `target.py`."""
        return PRESETS

    def legality(self, op: Operation) -> Verdict:
        """The op's rule in `legality.py`."""
        from .legality import legality

        return legality(op)

    def supported_ops(self) -> list[SupportRow]:
        """Every `nn` op with its rule."""
        from .legality import supported_ops

        return supported_ops()

    def phases(self) -> list[Phase]:
        """partition, legalize, schedule, emit (`pipeline.py`)."""
        from .pipeline import PHASES

        return list(PHASES)

    def add_cli_options(self, group: argparse._ArgumentGroup) -> None:
        """--__NAME__-fallback cortexm|none."""
        group.add_argument(
            "--__NAME__-fallback",
            dest="__NAME___fallback",
            choices=["cortexm", "none"],
            default="cortexm",
            help="where the ops the accelerator cannot run go (none: they are an error)",
        )

    def summary(self, result: GenerateResult) -> str:
        """One line per layer: where it runs and its cycles; then the totals."""
        r = result.report
        lines = [f"{r['model']} -> {r['name']} for {r['target']} ({r['backend']} backend)"]
        lines.append(f"  {'layer':24} {'op':22} {'runs on':10} {'MACC':>10} {'cycles':>10}")
        for row in r["layers"]:
            lines.append(
                f"  {row['name'][:24]:24} {row['op'][:22]:22} {row['runs_on'] or '-':10} "
                f"{row['macc']:10,} {row['cycles']:10,}"
            )
        ips = r["inferences_per_s"]
        lines.append(
            f"  accelerator cycles {r['cycles']:,}"
            + (f"   inferences/s {ips:,.0f}" if ips else "")
            + f"   ops on the fallback {len(r['fallback'])}"
        )
        return "\n".join(lines)

    def simulate(
        self, module: ModuleOp, inputs: Mapping[str, np.ndarray], options: GenerateOptions
    ) -> dict[str, np.ndarray]:
        """The functional simulator (`sim.py`)."""
        from .sim import simulate

        return simulate(module, inputs)

    def cost(self, module: ModuleOp, options: GenerateOptions) -> dict[str, Any]:
        """The cycle model (`cost.py`) on the partitioned program."""
        from .cost import schedule

        return schedule(self.partition(module), options.target, self.name)


BACKEND = __Name__Backend()
