"""Portable element-wise kernels: add/sub and mul (with broadcasting), clamp, requantize,
quantize and dequantize. They may run in place (the output buffer may be an input's).

Integer ADD follows TFLite: both inputs are shifted left by `left_shift`, brought to a common
scale with MultiplyByQuantizedMultiplierSmallerThanOneExp, added, and the sum requantized.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

from edgeai.backends.cortexm.cgen import Code, f32_literal, index_expr, strides
from edgeai.dialects import kernel as K
from edgeai.support.errors import EdgeAIError

from . import kernel
from .common import fclamp, plus
from .layer import Layer


@contextmanager
def elementwise_loops(
    code: Code, out_shape: Sequence[int], in_shapes: Sequence[Sequence[int]]
) -> Iterator[tuple[str, list[str]]]:
    """Loops over the output with NumPy broadcasting; yields the output index and each input's
    index (a single flat loop when every input is either full-size or a scalar)."""
    size = math.prod(out_shape)
    sizes = [math.prod(s) for s in in_shapes]
    if all(s in (size, 1) for s in sizes):
        with code.loop("i", size):
            yield "i", ["i" if s == size else "0" for s in sizes]
        return
    rank = len(out_shape)
    padded = [[1] * (rank - len(s)) + list(s) for s in in_shapes]
    ost = strides(out_shape)
    ist = [strides(s) for s in padded]
    dims = [d for d in range(rank) if out_shape[d] > 1]
    with ExitStack() as stack:
        for d in dims:
            stack.enter_context(code.loop(f"i{d}", out_shape[d]))
        out = index_expr([(f"i{d}", ost[d]) for d in dims])
        ins = [
            index_expr([(f"i{d}", st[d] if p[d] > 1 else 0) for d in dims])
            for p, st in zip(padded, ist, strict=True)
        ]
        yield out, ins


def _shift_le0(op: K.KernelOp, *names: str) -> None:
    for n in names:
        if op.prop(n) > 0:
            raise EdgeAIError(f"{op.name}: {n} = {op.prop(n)} must be <= 0 (TFLite ADD)")


@kernel(K.AddOp, K.MulOp, in_place=True)
def binary(op: K.AddOp | K.MulOp, layer: Layer) -> None:
    """Add (sign = -1: subtract) or multiply, integer (TFLite) or float."""
    code = layer.code
    a, b, y = op.lhs, op.rhs, op.output
    ra, rb, ry = layer.ref(a), layer.ref(b), layer.ref(y)
    cty = layer.ctype(y)
    add = isinstance(op, K.AddOp)
    sign = op.prop("sign", 1) if add else 1
    with elementwise_loops(code, layer.shape(y), [layer.shape(a), layer.shape(b)]) as (i, (ia, ib)):
        if not op.quantized:
            expr = f"{ra}[{ia}] {'*' if not add else ('+' if sign > 0 else '-')} {rb}[{ib}]"
            code(f"float v = {expr};")
            fclamp(code, "v", op)
            code(f"{ry}[{i}] = v;")
        elif add:
            _shift_le0(op, "input1_shift", "input2_shift", "output_shift")
            ls = op.prop("left_shift")
            for k, (r, idx) in enumerate(((ra, ia), (rb, ib)), start=1):
                shifted = f"ea_shl({plus(f'{r}[{idx}]', op.prop(f'input{k}_offset'))}, {ls})"
                m, s = op.prop(f"input{k}_multiplier"), op.prop(f"input{k}_shift")
                code(f"const int32_t v{k} = ea_mbqm_le1({shifted}, {m}, {s});")
            raw = "ea_wrap_add(v1, v2)" if sign > 0 else "ea_wrap_sub(v1, v2)"
            m, s = op.prop("output_multiplier"), op.prop("output_shift")
            core = plus(f"ea_mbqm_le1({raw}, {m}, {s})", op.prop("output_offset"))
            code(f"{ry}[{i}] = ({cty})ea_clamp({core}, {op.prop('qmin')}, {op.prop('qmax')});")
        else:
            x1 = plus(f"{ra}[{ia}]", op.prop("input1_offset"))
            x2 = plus(f"{rb}[{ib}]", op.prop("input2_offset"))
            code(f"const int32_t prod = ({x1}) * ({x2});")
            m, s = op.prop("output_multiplier"), op.prop("output_shift")
            core = plus(f"ea_mbqm(prod, {m}, {s})", op.prop("output_offset"))
            code(f"{ry}[{i}] = ({cty})ea_clamp({core}, {op.prop('qmin')}, {op.prop('qmax')});")


@kernel(K.ClampOp, K.RequantizeOp, K.QuantizeOp, K.DequantizeOp, in_place=True)
def unary(op: K.KernelOp, layer: Layer) -> None:
    """One flat loop applying the op to each element."""
    code = layer.code
    x, y = op.operands[0], op.operands[1]
    rx, ry = layer.ref(x), layer.ref(y)
    cty = layer.ctype(y)
    with code.loop("i", layer.size(y)):
        xv = f"{rx}[i]"
        if isinstance(op, K.ClampOp) and op.quantized:
            code(f"{ry}[i] = ({cty})ea_clamp({xv}, {op.prop('qmin')}, {op.prop('qmax')});")
        elif isinstance(op, K.ClampOp):
            code(f"float v = {xv};")
            fclamp(code, "v", op)
            code(f"{ry}[i] = v;")
        elif isinstance(op, K.RequantizeOp):
            off = op.prop("input_offset")
            shifted = f"ea_wrap_add({xv}, {off})" if layer.dtype(x).itemsize >= 4 else plus(xv, off)
            core = plus(
                f"ea_mbqm({shifted}, {op.prop('multiplier')}, {op.prop('shift')})",
                op.prop("output_offset"),
            )
            code(f"{ry}[i] = ({cty})ea_clamp({core}, {op.prop('qmin')}, {op.prop('qmax')});")
        elif isinstance(op, K.QuantizeOp):
            lo, hi = layer.type_range(y)
            scale, zp = f32_literal(op.prop("scale")), op.prop("zero_point")
            code(f"{ry}[i] = ({cty})ea_quantize_f32({xv}, {scale}, {zp}, {lo}, {hi});")
        else:
            scale, zp = f32_literal(op.prop("scale")), int(op.prop("zero_point"))
            if layer.dtype(x).itemsize >= 4:
                code(f"{ry}[i] = (float)((double){scale} * ((double){xv} - ({zp}.0)));")
            else:
                code(f"{ry}[i] = {scale} * (float)({plus(xv, -zp)});")
