"""The Cortex-M backend's phases: `nn` -> kernels -> planned arena -> C.

Before the phases, the shared driver brings the model to `nn` (`tools/generate.lower_to_nn`):
ONNX through `NN_PIPELINE` (layout conversion, graph optimizer, quantize/dequantize pairs folded
into integer ops with TFLite's rounding, which the C kernels implement bit for bit), TFLite
through `edgeai.TFL_TO_NN`. Then:

| phase | what | how |
|---|---|---|
| legalize | every `nn` op becomes one `kernel` op on buffers, integer parameters computed with TFLite Micro's formulas; every op it cannot run is reported at once | `convert-nn-to-kernel` |
| allocate | offsets of the intermediate buffers in one arena (peak at the planner's lower bound; `-O` objective, alignment, I/O inside or outside) | `mem-plan-arena{...}` |
| emit | the C files (one specialized function per layer, kernels chosen per core: portable, DSP, Helium) and `report.json` | `emit.write_program` via `tools/generate.py` |

There is no partition phase: this backend is the fallback of the accelerators and runs every
op of a program or none. `tools/generate.compile_model` (used by `edgeai validate`) runs the
same two pipelines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edgeai.backends.base import GenerateOptions, Phase
from edgeai.tools.generate import NN_PIPELINE

if TYPE_CHECKING:
    from edgeai.backends.base import PhaseState

__all__ = ["LEGALIZE", "NN_PIPELINE", "PHASES", "allocate_pipeline", "emit"]

#: nn -> kernel
LEGALIZE = "convert-nn-to-kernel"


def allocate_pipeline(
    objective: str = "balanced", alignment: int = 16, io_in_arena: bool = False
) -> str:
    """The arena planner with the `-O` objective, buffer alignment and I/O placement."""
    io = "true" if io_in_arena else "false"
    return f"mem-plan-arena{{objective={objective} alignment={alignment} io-in-arena={io}}}"


def _allocate(options: GenerateOptions) -> str:
    return allocate_pipeline(
        options.objective,
        options.extra.get("alignment", 16),
        options.extra.get("io_in_arena", False),
    )


def emit(state: PhaseState) -> None:
    """Write the C and report.json for the planned kernel program `state.module` (its `nn`
    program is `state.data["nn_module"]`): the report's layer table and memory figures, the
    C program with the core's kernels, the RAM/flash budget checks, then the files (moved into
    the output folder only when all succeeded)."""
    from edgeai.tools.generate import (
        Compiled,
        Progress,
        add_c_figures,
        check_limits,
        compile_report,
        program_of,
        write_outputs,
    )

    o = state.options
    assert state.out_dir is not None
    target = o.target.name
    report = compile_report(
        state.data["nn_module"],
        state.module,
        o.model,
        o.net_name,
        target,
        o.objective,
        o.extra.get("alignment", 16),
    )
    compiled = Compiled(o.net_name, target, state.data["nn_module"], state.module, report)
    program = program_of(compiled)
    add_c_figures(compiled, program)
    check_limits(report, o.extra.get("ram_limit"), o.extra.get("flash_limit"))
    progress = o.progress if o.progress is not None else Progress(False)
    state.files = write_outputs(compiled, program, str(state.out_dir), progress)
    state.report = report


PHASES: list[Phase] = [
    Phase(
        "legalize",
        "nn -> kernel: one kernel op per nn op with TFLite Micro's integer parameters "
        "(convert-nn-to-kernel); every op without a Cortex-M kernel is reported at once.",
        pipeline=LEGALIZE,
        message="lowering to kernels (convert-nn-to-kernel)",
    ),
    Phase(
        "allocate",
        "Static arena plan of the intermediate buffers (mem-plan-arena: the -O objective, "
        "--alignment, --io-in-arena).",
        pipeline=_allocate,
        message=lambda o: f"planning the arena (-O {o.objective})",
    ),
    Phase(
        "emit",
        "C99 files (one function per layer, kernels chosen for the core's DSP/Helium "
        "features) and report.json, after the --ram-limit/--flash-limit checks.",
        run=emit,
        message=lambda o: f"choosing the C kernels for {o.target.name}",
    ),
]
