"""Portable softmax over the last axis.

Integer: TFLite's int8 softmax with gemmlowp fixed point. Per row: the difference to the row
maximum, rescaled by `input_beta_multiplier << input_beta_left_shift` into Q5.26, exp in Q0.31,
the sum of exps in Q12.19, its reciprocal, and each output `exp * 1/sum` shifted to the output
type and offset to its minimum (int8: scale 1/256, zero point -128). Differences below
`diff_min` give the minimum. Float: `exp(beta * x - max) / sum` with `expf` (math.h).
"""

from __future__ import annotations

from edgeai.backends.cortexm.cgen import f32_literal
from edgeai.dialects import kernel as K

from . import kernel
from .layer import Layer


@kernel(K.SoftmaxOp)
def softmax(op: K.SoftmaxOp, layer: Layer) -> None:
    """Softmax of each row of the last axis."""
    code = layer.code
    x, y = op.input, op.output
    depth = layer.shape(x)[-1]
    rows = layer.size(x) // depth
    rx, ry = layer.ref(x), layer.ref(y)
    ctx, cty = layer.ctype(x), layer.ctype(y)
    with code.loop("r", rows):
        code(f"const {ctx} *const xr = {rx} + r * {depth};")
        code(f"{cty} *const yr = {ry} + r * {depth};")
        if not op.quantized:
            _float_row(op, layer, depth)
        else:
            _int_row(op, layer, depth)


def _float_row(op: K.SoftmaxOp, layer: Layer, depth: int) -> None:
    code = layer.code
    layer.uses_math = True
    beta = f32_literal(op.prop("beta"))
    code(f"float mx = xr[0] * {beta};")
    code("float sum = 0.0f;")
    with code.loop("i", depth, 1):
        code(f"const float v = xr[i] * {beta};")
        code("mx = v > mx ? v : mx;")
    with code.loop("i", depth):
        code(f"const float e = expf(xr[i] * {beta} - mx);")
        code("yr[i] = e;")
        code("sum += e;")
    with code.loop("i", depth):
        code("yr[i] = yr[i] / sum;")


def _int_row(op: K.SoftmaxOp, layer: Layer, depth: int) -> None:
    code = layer.code
    y = op.output
    lo, hi = layer.type_range(y)
    out_bits = layer.dtype(y).itemsize * 8
    m, ls = op.prop("input_beta_multiplier"), op.prop("input_beta_left_shift")
    diff_min = op.prop("diff_min")
    exp = f"ea_exp_on_negative_values(ea_srdhm(ea_shl(diff, {ls}), {m}), 5)"
    code("int32_t mx = xr[0];")
    code("int32_t sum = 0;")
    code("int bits;")
    code("int32_t recip;")
    with code.loop("i", depth, 1):
        code("mx = xr[i] > mx ? xr[i] : mx;")
    with code.loop("i", depth):
        code("const int32_t diff = xr[i] - mx;")
        with code.block(f"if (diff >= {diff_min})"):
            code(f"sum = ea_wrap_add(sum, ea_rdbpot({exp}, 12));")
    code("recip = ea_get_reciprocal(sum, 12, &bits);")
    with code.loop("i", depth):
        code("const int32_t diff = xr[i] - mx;")
        with code.block(f"if (diff >= {diff_min})"):
            code(f"const int shift = bits + {31 - out_bits};")
            value = f"ea_rdbpot(ea_srdhm(recip, {exp}), shift)"
            if depth >= 2048:  # the sum may reach 2**30: the shift can exceed 31 (result 0)
                value = f"(shift < 32 ? {value} : 0)"
            code(f"yr[i] = ({cty_of(layer)})ea_clamp({value} - {-lo}, {lo}, {hi});")
        with code.block("else"):
            code(f"yr[i] = {lo};")


def cty_of(layer: Layer) -> str:
    return layer.ctype(layer.op.outputs()[0])
