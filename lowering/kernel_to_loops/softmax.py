"""Softmax over the last axis as three passes per row (max, sum of exps, outputs).

Integer form: TFLite's reference int8 softmax with gemmlowp fixed point. Per row,
`d = x - max`; entries with `d >= diff_min` contribute `exp_on_negative_values(
MBQM_GreaterThanOne(d, input_beta_multiplier, input_beta_left_shift), 5)` (Q0.31), rescaled to
Q12.19 and summed; `GetReciprocal(sum, 12)` gives a Q0.31 scale and `num_bits_over_unit`, and
each output is `RoundingDivideByPOT(SRDHM(scale, exp), num_bits_over_unit + 31 - bits) + min`,
saturated (entries below `diff_min` give the type minimum). The exponential is recomputed in the
third pass, as TFLite does, instead of being stored.

Float form: `v = x * beta`, `e = exp(v - max)`, `y = e / sum(e)` in f32 (`math.exp`).
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerType, f32, i32
from xdsl.ir import SSAValue

from edgeai.dialects import kernel as K
from edgeai.lowering.kernel_to_loops.builder import LoopBuilder, elt_of, int_range, shape_of
from edgeai.lowering.kernel_to_loops.common import require_int, unsupported
from edgeai.lowering.kernel_to_loops.fixedpoint import (
    exp_on_negative_values,
    get_reciprocal,
    mbqm,
    rdbpot,
    srdhm,
)


def softmax(b: LoopBuilder, op: K.SoftmaxOp) -> None:
    """`kernel.softmax` (last axis)."""
    x, y = op.input, op.output
    shape = shape_of(x)
    depth = shape[-1]
    rows = 1
    for d in shape[:-1]:
        rows *= d
    x2 = b.reshape(x, [rows, depth])
    y2 = b.reshape(y, [rows, depth])
    if op.quantized:
        _int_softmax(b, op, x2, y2, rows, depth)
    else:
        _float_softmax(b, op, x2, y2, rows, depth)


def _int_softmax(
    b: LoopBuilder, op: K.SoftmaxOp, x: SSAValue, y: SSAValue, rows: int, depth: int
) -> None:
    require_int(op, x, y)
    et = elt_of(y)
    assert isinstance(et, IntegerType)
    bits = et.width.data
    if bits not in (8, 16):
        raise unsupported(op, f"integer softmax output {et} (int8 or int16 expected)")
    lo, hi = int_range(et)
    mult = int(op.prop("input_beta_multiplier"))
    left = int(op.prop("input_beta_left_shift"))
    diff_min = int(op.prop("diff_min"))

    def row(b: LoopBuilder, r: SSAValue) -> None:
        def load(b: LoopBuilder, j: SSAValue) -> SSAValue:
            return b.i32(b.load(x, [r, j]))

        top = b.for_(
            0,
            depth,
            lambda b, j, m: [b.maxs(m, load(b, j))],
            [b.const(int_range(elt_of(x))[0], i32)],
            hint="j",
        )[0]

        def exp_of(b: LoopBuilder, diff: SSAValue) -> SSAValue:
            return exp_on_negative_values(b, mbqm(b, diff, mult, left), 5)

        def add(b: LoopBuilder, j: SSAValue, total: SSAValue) -> list[SSAValue]:
            diff = b.sub(load(b, j), top)
            term = rdbpot(b, exp_of(b, diff), 12)  # Rescale<12> of a Q0.31 value
            return [b.select(b.cmp("sge", diff, diff_min), b.add(total, term), total)]

        total = b.for_(0, depth, add, [b.const(0, i32)], hint="j")[0]
        scale, bits_over_unit = get_reciprocal(b, total, 12)
        exponent = b.add(bits_over_unit, 31 - bits)

        def out(b: LoopBuilder, j: SSAValue) -> None:
            diff = b.sub(load(b, j), top)
            unsat = rdbpot(b, srdhm(b, scale, exp_of(b, diff)), exponent)
            v = b.clamp(b.add(unsat, lo), lo, hi)
            v = b.select(b.cmp("sge", diff, diff_min), v, lo)
            b.store(b.sext(v, et), y, [r, j])

        b.for_(0, depth, out, hint="j")

    b.for_(0, rows, row, hint="r")


def _float_softmax(
    b: LoopBuilder, op: K.SoftmaxOp, x: SSAValue, y: SSAValue, rows: int, depth: int
) -> None:
    beta = float(op.prop("beta"))

    def row(b: LoopBuilder, r: SSAValue) -> None:
        def load(b: LoopBuilder, j: SSAValue) -> SSAValue:
            return b.mulf(b.load(x, [r, j]), beta)

        top = b.for_(
            0,
            depth,
            lambda b, j, m: [b.maxf(m, load(b, j))],
            [b.const(float("-inf"), f32)],
            hint="j",
        )[0]
        total = b.for_(
            0,
            depth,
            lambda b, j, s: [b.addf(s, b.exp(b.subf(load(b, j), top)))],
            [b.const(0.0, f32)],
            hint="j",
        )[0]
        b.for_(
            0,
            depth,
            lambda b, j: b.store(b.divf(b.exp(b.subf(load(b, j), top)), total), y, [r, j]),
            hint="j",
        )

    b.for_(0, rows, row, hint="r")


__all__ = ["softmax"]
