"""Flash and RAM figures of a Cortex-M network.

`memory_figures(module)` computes from the kernel-level module (before any C exists): the
weights (the bytes of its `kernel.constant`s, i.e. flash for parameters), the arena (the
planned intermediate tensors, RAM; planned the way the emitter plans it when the module has
no plan yet), the planner's lower bound when it recorded one, and the I/O buffers the
application owns. `emitted_figures(program)` gives what the emitter actually placed: the
flash arrays of `<NET>_weights.c` (constants in use, biases with the input offset folded in)
and the `static const` requantization tables of `<NET>_kernels.c`. `object_sizes` reads
section sizes from compiled objects (`size`, Berkeley format) for code size per model.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from xdsl.dialects.builtin import IntegerAttr, MemRefType, ModuleOp

from edgeai.backends.cortexm.plan import planned
from edgeai.dialects import kernel as K
from edgeai.dialects import mem
from edgeai.reference.interpreter import find_main
from edgeai.support.errors import EdgeAIError


@dataclass(frozen=True)
class MemoryFigures:
    """Memory of one network, in bytes."""

    weights_bytes: int
    arena_bytes: int
    arena_lower_bound_bytes: int | None
    input_bytes: int
    output_bytes: int

    def as_dict(self) -> dict[str, int | None]:
        return asdict(self)


def _int_attr(f, name: str) -> int | None:
    a = f.attributes.get(name)
    return a.value.data if isinstance(a, IntegerAttr) else None


def memory_figures(module: ModuleOp) -> MemoryFigures:
    """Weights, arena and I/O bytes of a kernel-level module (see the module docstring)."""
    m = planned(module)
    f = find_main(m)
    n_out = _int_attr(f, "edgeai.num_outputs")
    if n_out is None:
        raise EdgeAIError("memory figures need a kernel-level module (run convert-nn-to-kernel)")
    weights = sum(op.nbytes for op in f.walk() if isinstance(op, K.ConstantOp))
    end = max(
        (
            op.offset.value.data + op.nbytes
            for op in f.walk()
            if isinstance(op, mem.AllocOp) and op.offset is not None
        ),
        default=0,
    )
    arena = max(_int_attr(f, "edgeai.arena_bytes") or 0, end)
    sizes = [mem.buffer_bytes(a.type) for a in f.args if isinstance(a.type, MemRefType)]
    n_in = len(sizes) - n_out
    return MemoryFigures(
        weights_bytes=weights,
        arena_bytes=arena,
        arena_lower_bound_bytes=_int_attr(f, "edgeai.arena_lower_bound_bytes"),
        input_bytes=sum(sizes[:n_in]),
        output_bytes=sum(sizes[n_in:]),
    )


def emitted_figures(program) -> dict[str, int]:
    """Bytes the emitter placed in flash for an `emit.Program`: `weights` (`<NET>_weights.c`)
    and `tables` (per-layer `static const` requantization tables)."""
    return {
        "weights": sum(a.nbytes for a in program.flash_arrays),
        "tables": sum(layer.table_bytes for layer, _ in program.layers),
    }


def object_sizes(
    objects: Sequence[Path], size_tool: str = "arm-none-eabi-size"
) -> dict[str, dict[str, int]]:
    """`{object name: {"text", "data", "bss"}}` from `size` (Berkeley format; `text` includes
    read-only data such as the weights)."""
    proc = subprocess.run(
        [size_tool, *map(str, objects)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise EdgeAIError(f"{size_tool} failed: {proc.stderr.strip().splitlines()[:1]}")
    out: dict[str, dict[str, int]] = {}
    for line in proc.stdout.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 6:
            out[Path(parts[5]).name] = {
                "text": int(parts[0]),
                "data": int(parts[1]),
                "bss": int(parts[2]),
            }
    return out
