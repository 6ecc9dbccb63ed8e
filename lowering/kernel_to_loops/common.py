"""Pieces shared by the kernel lowerings: requantization, float activation clamps, broadcasting."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import IntegerType, MemRefType, i32
from xdsl.ir import SSAValue

from edgeai.dialects import kernel as K
from edgeai.lowering.kernel_to_loops.builder import LoopBuilder, elt_of
from edgeai.lowering.kernel_to_loops.fixedpoint import mbqm
from edgeai.support.errors import UnsupportedError


def layer_hint(op: K.KernelOp, what: str) -> str:
    """A readable global name for data belonging to `op`."""
    base = (op.layer or op.name.split(".")[1])[:32]
    safe = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in base)
    return f"{safe}_{what}"


def unsupported(op: K.KernelOp, why: str) -> UnsupportedError:
    where = f"layer '{op.layer}'" if op.layer else op.name
    return UnsupportedError("convert-kernel-to-loops", [f"{where}: {op.name}: {why}"])


def require_int(op: K.KernelOp, *values: SSAValue) -> None:
    """Integer kernels take signless integers up to 32 bits."""
    for v in values:
        t = elt_of(v)
        if not isinstance(t, IntegerType) or t.width.data > 32:
            raise unsupported(op, f"element type {t} (integers up to 32 bits expected)")


class PerChannel:
    """A compile-time integer per channel: a constant when all channels agree, else a load from
    a constant global."""

    def __init__(self, b: LoopBuilder, op: K.KernelOp, values: Sequence[int], what: str):
        vals = np.asarray(values, dtype=np.int64).ravel()
        self.uniform: int | None = int(vals[0]) if np.all(vals == vals[0]) else None
        self.buf: SSAValue | None = None
        if self.uniform is None:
            name = b.state.constant_array(layer_hint(op, what), vals, i32)
            self.buf = b.get_global(name, MemRefType(i32, [len(vals)]))

    def at(self, b: LoopBuilder, channel: SSAValue) -> SSAValue:
        if self.uniform is not None:
            return b.const(self.uniform, i32)
        assert self.buf is not None
        return b.load(self.buf, [channel])


class Requant:
    """`clamp(MultiplyByQuantizedMultiplier(acc, mult[c], shift[c]) + output_offset, qmin, qmax)`
    stored into the output element type (TFLite's per-channel requantization)."""

    def __init__(self, b: LoopBuilder, op: K.KernelOp, out: SSAValue):
        self.mult = PerChannel(b, op, op.prop("output_multiplier"), "multiplier")
        self.shift = PerChannel(b, op, op.prop("output_shift"), "shift")
        self.offset = int(op.prop("output_offset"))
        self.qmin, self.qmax = int(op.prop("qmin")), int(op.prop("qmax"))
        self.out_type = elt_of(out)

    def __call__(self, b: LoopBuilder, acc: SSAValue, channel: SSAValue) -> SSAValue:
        y = mbqm(b, acc, self.mult.at(b, channel), self.shift.at(b, channel))
        y = b.clamp(b.add(y, self.offset), self.qmin, self.qmax)
        return b.sext(y, self.out_type)  # type: ignore[arg-type]


def float_act(b: LoopBuilder, op: K.KernelOp, y: SSAValue) -> SSAValue:
    """The float kernels' fused activation: `np.clip(y, fmin, fmax)`."""
    return b.fclamp(y, float(op.prop("fmin")), float(op.prop("fmax")))


def broadcast_index(
    shape: Sequence[int], out_shape: Sequence[int], ivs: Sequence[SSAValue]
) -> list[SSAValue | int]:
    """Indices into an operand of `shape` broadcast (NumPy rules) to `out_shape` at `ivs`."""
    skip = len(out_shape) - len(shape)
    return [
        0 if d == 1 and out_shape[skip + k] != 1 else ivs[skip + k] for k, d in enumerate(shape)
    ]


__all__ = [
    "PerChannel",
    "Requant",
    "broadcast_index",
    "float_act",
    "layer_hint",
    "require_int",
    "unsupported",
]
