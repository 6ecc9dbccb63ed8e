"""Element-wise kernels as loop nests over the output (NumPy broadcasting for binary ops).

* ADD/SUB (TFLite): `x_i = MBQM((v_i + off_i) << left_shift, m_i, s_i)`, `raw = x1 +- x2`,
  `y = clamp(MBQM(raw, m_out, s_out) + off_out)` (the multipliers are SmallerThanOneExp ones);
* MUL: `clamp(MBQM((a + off1) * (b + off2), m, s) + off_out)`;
* clamp, requantize, quantize (`round_half_away(x / scale) + zp`, saturated; f32 divide),
  dequantize (`f32(f64(scale) * (q - zp))`); float forms with `fmin..fmax`.
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerType, f32, f64, i64
from xdsl.ir import SSAValue

from edgeai.dialects import kernel as K
from edgeai.lowering.kernel_to_loops.builder import LoopBuilder, elt_of, int_range, shape_of
from edgeai.lowering.kernel_to_loops.common import (
    broadcast_index,
    float_act,
    require_int,
    unsupported,
)
from edgeai.lowering.kernel_to_loops.fixedpoint import mbqm

_NAMES = ["i0", "i1", "i2", "i3", "i4", "i5", "i6", "i7"]


def _over(b: LoopBuilder, out: SSAValue, body) -> None:
    shape = shape_of(out)
    b.nest(list(shape), body, _NAMES[: len(shape)] if len(shape) <= len(_NAMES) else None)


def binary(b: LoopBuilder, op: K.AddOp | K.MulOp) -> None:
    """`kernel.add` (with `sign`) and `kernel.mul`."""
    a, c, y = op.lhs, op.rhs, op.output
    sa, sc, sy = shape_of(a), shape_of(c), shape_of(y)
    quant = op.quantized
    is_add = isinstance(op, K.AddOp)
    sign = int(op.prop("sign", 1)) if is_add else 1
    if quant:
        require_int(op, a, c, y)
        p = {k: int(op.prop(k)) for k in op.QUANT_PROPS}
    et = elt_of(y)

    def point(b: LoopBuilder, ivs: list[SSAValue]) -> None:
        va = b.load(a, broadcast_index(sa, sy, ivs))
        vc = b.load(c, broadcast_index(sc, sy, ivs))
        if not quant:
            if is_add:
                v = b.addf(va, vc) if sign > 0 else b.subf(va, vc)
            else:
                v = b.mulf(va, vc)
            b.store(float_act(b, op, v), y, ivs)
            return
        x1 = b.add(b.i32(va), p["input1_offset"])
        x2 = b.add(b.i32(vc), p["input2_offset"])
        if is_add:
            x1 = mbqm(b, b.shl(x1, p["left_shift"]), p["input1_multiplier"], p["input1_shift"])
            x2 = mbqm(b, b.shl(x2, p["left_shift"]), p["input2_multiplier"], p["input2_shift"])
            raw = b.add(x1, x2) if sign > 0 else b.sub(x1, x2)
        else:
            raw = b.mul(x1, x2)
        v = b.add(mbqm(b, raw, p["output_multiplier"], p["output_shift"]), p["output_offset"])
        b.store(b.sext(b.clamp(v, p["qmin"], p["qmax"]), et), y, ivs)  # type: ignore[arg-type]

    _over(b, y, point)


def clamp(b: LoopBuilder, op: K.ClampOp) -> None:
    """`kernel.clamp` on stored integers or floats."""
    x, y = op.input, op.output
    if op.quantized:
        require_int(op, x, y)
    lo, hi = (op.prop("qmin"), op.prop("qmax")) if op.quantized else (0, 0)

    def point(b: LoopBuilder, ivs: list[SSAValue]) -> None:
        v = b.load(x, ivs)
        if op.quantized:
            out = b.sext(b.clamp(b.i32(v), int(lo), int(hi)), elt_of(y))  # type: ignore[arg-type]
        else:
            out = float_act(b, op, v)
        b.store(out, y, ivs)

    _over(b, y, point)


def requantize(b: LoopBuilder, op: K.RequantizeOp) -> None:
    """`kernel.requantize`: `clamp(MBQM(x + input_offset, m, s) + output_offset)`."""
    x, y = op.input, op.output
    require_int(op, x, y)
    p = {k: int(op.prop(k)) for k in ("input_offset", "output_offset", "multiplier", "shift")}
    lo, hi = int(op.prop("qmin")), int(op.prop("qmax"))

    def point(b: LoopBuilder, ivs: list[SSAValue]) -> None:
        d = b.add(b.i32(b.load(x, ivs)), p["input_offset"])
        v = b.add(mbqm(b, d, p["multiplier"], p["shift"]), p["output_offset"])
        b.store(b.sext(b.clamp(v, lo, hi), elt_of(y)), y, ivs)  # type: ignore[arg-type]

    _over(b, y, point)


def quantize(b: LoopBuilder, op: K.QuantizeOp) -> None:
    """`kernel.quantize` (TFLite AffineQuantize): `round_half_away(x / scale) + zp` in f32,
    saturated to the output type; NaN gives `zp` as the reference's nan_to_num does."""
    x, y = op.input, op.output
    et = elt_of(y)
    if not isinstance(et, IntegerType) or et.width.data > 32:
        raise unsupported(op, f"quantize to {et}")
    scale = float(op.prop("scale"))
    zp = int(op.prop("zero_point"))
    lo, hi = int_range(et)
    bound = float(2**40)

    def point(b: LoopBuilder, ivs: list[SSAValue]) -> None:
        r = b.round(b.divf(b.load(x, ivs), scale))
        r = b.fclamp(r, -bound, bound)  # NaN stays NaN; fptosi saturates it to 0
        q = b.add(b.fptosi(r, i64), zp)
        b.store(b.sext(b.clamp(q, lo, hi), et), y, ivs)

    _over(b, y, point)


def dequantize(b: LoopBuilder, op: K.DequantizeOp) -> None:
    """`kernel.dequantize` (TFLite Dequantize): `f32(f64(scale) * f64(q - zp))`."""
    x, y = op.input, op.output
    require_int(op, x)
    scale = float(op.prop("scale"))
    zp = int(op.prop("zero_point"))

    def point(b: LoopBuilder, ivs: list[SSAValue]) -> None:
        d = b.sub(b.i64(b.load(x, ivs)), zp)
        b.store(b.truncf(b.mulf(b.sitofp(d, f64), scale), f32), y, ivs)

    _over(b, y, point)


__all__ = ["binary", "clamp", "dequantize", "quantize", "requantize"]
