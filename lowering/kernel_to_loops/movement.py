"""Data movement kernels as loop nests: copy, transpose, concat, pad."""

from __future__ import annotations

from xdsl.dialects.builtin import Float32Type
from xdsl.ir import SSAValue

from edgeai.dialects import kernel as K
from edgeai.lowering.kernel_to_loops.builder import LoopBuilder, elt_of, shape_of


def copy(b: LoopBuilder, op: K.CopyOp) -> None:
    """`kernel.copy`: element by element over both buffers flattened."""
    n = 1
    for d in shape_of(op.output):
        n *= d
    src = b.reshape(op.input, [n])
    dst = b.reshape(op.output, [n])
    b.for_(0, n, lambda b, i: b.store(b.load(src, [i]), dst, [i]), hint="i")


def transpose(b: LoopBuilder, op: K.TransposeOp) -> None:
    """`kernel.transpose`: `y[i_0..i_k] = x[j]` with `j[perm[k]] = i_k`."""
    perm = list(op.prop("perm"))
    x, y = op.input, op.output

    def point(b: LoopBuilder, ivs: list[SSAValue]) -> None:
        src: list[SSAValue | None] = [None] * len(perm)
        for k, p in enumerate(perm):
            src[p] = ivs[k]
        b.store(b.load(x, src), y, ivs)  # type: ignore[arg-type]

    b.nest(list(shape_of(y)), point)


def concat(b: LoopBuilder, op: K.ConcatOp) -> None:
    """`kernel.concat`: each input copied at its running offset along `axis`."""
    *ins, y = list(op.operands)
    axis = int(op.prop("axis")) % len(shape_of(y))
    offset = 0
    for v in ins:
        start = offset

        def point(b: LoopBuilder, ivs: list[SSAValue], v: SSAValue = v, start: int = start) -> None:
            dst = list(ivs)
            dst[axis] = b.add(ivs[axis], start)
            b.store(b.load(v, ivs), y, dst)

        b.nest(list(shape_of(v)), point)
        offset += shape_of(v)[axis]


def pad(b: LoopBuilder, op: K.PadOp) -> None:
    """`kernel.pad`: fill the output with the pad value, then copy the input at `begin`."""
    x, y = op.input, op.output
    pads = list(op.prop("pads"))
    et = elt_of(y)
    fill = (
        b.const(float(op.prop("fvalue")), et)
        if isinstance(et, Float32Type)
        else b.const(int(op.prop("value")), et)
    )
    b.nest(list(shape_of(y)), lambda b, ivs: b.store(fill, y, ivs))

    def point(b: LoopBuilder, ivs: list[SSAValue]) -> None:
        dst = [b.add(iv, pads[k]) for k, iv in enumerate(ivs)]
        b.store(b.load(x, ivs), y, dst)

    b.nest(list(shape_of(x)), point)


__all__ = ["concat", "copy", "pad", "transpose"]
