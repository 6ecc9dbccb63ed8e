"""Cortex-M backend: portable C99 from kernel-level programs (see README.md).

`BACKEND` is the backend's contract object (`backends/base.py`): presets from `target.py`,
legality rules in `legality.py`, phases in `pipeline.py`; `generate` writes the C through the
functions of `tools/generate.py`, `simulate` compiles the C with the host's gcc and runs it.
`emit.emit_c` writes the network's C files, `host.HostRunner` compiles and runs them on the
host, `sizes` gives the flash/RAM figures. Importing this package is cheap (only the target
presets are loaded here).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgeai.backends.base import (
    Backend,
    GenerateOptions,
    GenerateResult,
    Phase,
    SupportRow,
    Verdict,
    target_to_dict,
)
from edgeai.backends.cortexm import target as _target
from edgeai.support.errors import EdgeAIError

if TYPE_CHECKING:
    import numpy as np
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.ir import Operation

__all__ = ["BACKEND", "CortexMBackend"]


class CortexMBackend(Backend):
    """C99 for Cortex-M cores (and any host with a C99 compiler): the fallback of the
    accelerator backends."""

    name = "cortexm"
    description = (
        "Cortex-M cores (M4, M7, M33, M55): portable C99 with DSP and Helium kernels where the "
        "core has them, one static arena, the init/run/deinit API."
    )
    fallback = None
    has_simulator = True
    has_cost_model = False

    def targets(self) -> Mapping[str, _target.CortexMTarget]:
        """The cores QEMU emulates (`target.TARGETS`)."""
        return _target.TARGETS

    def legality(self, op: Operation) -> Verdict:
        """The verdict of the op's conversion to a kernel (`legality.py`)."""
        from edgeai.backends.cortexm.legality import legality

        return legality(op)

    def supported_ops(self) -> list[SupportRow]:
        """Every `nn` op with its rule (`legality.py`)."""
        from edgeai.backends.cortexm.legality import supported_ops

        return supported_ops()

    def phases(self) -> list[Phase]:
        """legalize, allocate, emit (`pipeline.py`)."""
        from edgeai.backends.cortexm.pipeline import PHASES

        return list(PHASES)

    def add_cli_options(self, group: argparse._ArgumentGroup) -> None:
        """--io-in-arena, --alignment, --ram-limit, --flash-limit."""
        group.add_argument(
            "--io-in-arena",
            action="store_true",
            help="plan the input and output buffers inside the arena (default: application-owned)",
        )
        group.add_argument(
            "--alignment", type=int, default=16, help="arena buffer alignment (default 16)"
        )
        group.add_argument(
            "--ram-limit", metavar="SIZE", help="fail when RAM (arena + I/O) exceeds SIZE, e.g. 64K"
        )
        group.add_argument(
            "--flash-limit", metavar="SIZE", help="fail when the constants exceed SIZE, e.g. 1M"
        )

    def check_options(self, options: GenerateOptions) -> None:
        """The core must be a preset as it is (the C path reads the preset by name); then the
        objective, alignment and network name (`tools/generate.check_options`)."""
        from edgeai.tools.generate import check_options

        t = options.target
        preset = _target.TARGETS.get(getattr(t, "name", ""))
        if preset is None or t != preset:
            base = preset or _target.TARGETS.get(getattr(t, "cpu", ""))
            ours, theirs = target_to_dict(t), target_to_dict(base) if base else {}
            diff = [k for k in ours if ours[k] != theirs.get(k)]
            raise EdgeAIError(
                f"--target-config: the Cortex-M C path runs its presets unchanged "
                f"(changed: {', '.join(diff)})"
            )
        check_options(
            options.model,
            t.name,
            options.objective,
            options.extra.get("alignment", 16),
            options.name,
        )

    def generate(
        self, module: ModuleOp, options: GenerateOptions, out_dir: Path | str
    ) -> GenerateResult:
        """The phases on a copy of `module`: C files and report.json in `out_dir`."""
        self.check_options(options)
        state = self.run_phases(module.clone(), options, out_dir, data={"nn_module": module})
        return GenerateResult(state.files, state.report)

    def summary(self, result: GenerateResult) -> str:
        """The report summary of `edgeai generate` (`tools/generate.summary`)."""
        from edgeai.tools.generate import summary

        return summary(result.report)

    def simulate(
        self, module: ModuleOp, inputs: Mapping[str, np.ndarray], options: GenerateOptions
    ) -> dict[str, np.ndarray]:
        """The generated C compiled by the host's gcc and run on one sample (the core's
        kernels; DSP helpers in portable C, Helium kernels replaced by DSP ones)."""
        from edgeai.backends.cortexm.host import HostRunner
        from edgeai.reference.interpreter import find_main, io_names
        from edgeai.tools.generate import Compiled, emit_options

        self.check_options(options)
        state = self.run_phases(module.clone(), options, until="allocate")
        report: dict[str, Any] = {"objective": options.objective}
        compiled = Compiled(options.net_name, options.target.name, module, state.module, report)
        host = HostRunner(state.module, compiled.name, emit_options(compiled, host=True))
        try:
            (outputs,) = host.run_many([dict(inputs)])
        finally:
            host.close()
        _, names = io_names(find_main(module))
        return dict(zip(names, outputs, strict=True))


BACKEND = CortexMBackend()
