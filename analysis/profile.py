"""Op-type profile and weight profile of `nn` ops, in the customary `s<op>_<bits>_<bits>` form.

Every count is a number of element operations; a layer's profile maps an op type to its count.

**Multiply-accumulate ops** (`nn.conv2d`, `nn.depthwise_conv2d`, `nn.conv2d_transpose`,
`nn.dense`, `nn.matmul`) count their MACC (`layers.macc_of`) under one name, weight bits first,
activation bits second (`<bitsW>_<bitsA>`; for `nn.matmul` the right-hand operand plays the
weight):

| weight x activation        | name                 | e.g.            |
|----------------------------|----------------------|-----------------|
| integer x integer          | `smult_<w>_<a>`      | `smult_8_8`     |
| float x float              | `sfmult_32_32`       |                 |
| binary x binary            | `sxor_1_1`           | xnor-popcount   |
| binary x float             | `sfmult_1_32`        |                 |
| binary x integer           | `smux_1_<a>`         | `smux_1_16`     |
| integer x binary           | `smux_<w>_1`         |                 |
| integer x float (any float)| `sfmult_<w>_<a>`     | `sfmult_8_32`   |

A bias is the accumulator's initial value (not counted); the requantization of the accumulator
is not counted either.

**Other ops** count one name per op class, `s<op>_<bits>` for one operand and
`s<op>_<bitsA>_<bitsB>` for two; `f` follows the `s` when the arithmetic is float (an operand,
or for conversions the input or the result, is float; float is 32 bits):

| ops                                        | name               | count                      |
|--------------------------------------------|--------------------|----------------------------|
| add, sub, mul, div, maximum, minimum, prelu| `sadd_8_8`, `sfmul_32_32`, `smax_8_8`, `sprelu_8_8` ... | output elements |
| relu, clamp, threshold; a fused activation (`act`) | `scmp_8`, `sfcmp_32` | output elements    |
| leaky_relu, sigmoid, tanh, hard_sigmoid, hard_swish | `slrelu_8`, `ssigmoid_8`, `stanh_8`, `shsigmoid_8`, `shswish_8` | output elements |
| softmax, log_softmax                       | `sexp_8`, `sfexp_32` | output elements          |
| batch_norm                                 | `sfbnorm_32`       | output elements            |
| max_pool2d / avg_pool2d                    | `smax_8` / `savg_8` | output elements x window  |
| reduce_max / reduce_mean / reduce_sum      | `smax_8` / `savg_8` / `ssum_8` | input elements  |
| quantize / dequantize / requantize         | `sfquant_32_8`, `sfdequant_8_32`, `srequant_32_8` (input bits, result bits) | output elements |
| transpose, concat, pad, slice, split, gather | `smov_8`         | output elements (all results) |
| resize                                     | `sresize_8`        | output elements            |

`nn.reshape` and `nn.storage_cast` move no data (a view) and count nothing.

**Effective widths.** An operand produced by `nn.dequantize` (or `nn.storage_cast`) counts at
the width of the quantized value it reads: in quantize/dequantize (QDQ) form, as QONNX models
are, an op fed by `dequantize(quantize(x))` computes on values of the quantized grid, and an
integer or binary kernel is what a deployment runs (the conversions themselves are counted as
`quant`/`dequant`). Widths: `!nn.q<iN>` N bits, `!nn.bin` 1 bit, plain `iN` N bits, float 32.

**Weight profile.** The constant operands of a layer (weights, bias, scales) grouped by bit
width: `{"unit": "8-bit", "bits": 8, "count": <number of values>}` in operand order (an int32
bias and a float tensor are both the `32-bit` unit).
"""

from __future__ import annotations

import math

from xdsl.dialects.builtin import IntegerType, TensorType
from xdsl.ir import Attribute, Operation, SSAValue

from edgeai.dialects import nn
from edgeai.dialects.nn_types import BinaryType, QuantType

#: op classes that multiply-accumulate (their MACC is counted under one MAC name)
MAC_OPS = (nn.Conv2dOp, nn.DepthwiseConv2dOp, nn.Conv2dTransposeOp, nn.DenseOp, nn.MatMulOp)

_TWO_OPERANDS: dict[type[Operation], str] = {
    nn.AddOp: "add",
    nn.SubOp: "sub",
    nn.MulOp: "mul",
    nn.DivOp: "div",
    nn.MaximumOp: "max",
    nn.MinimumOp: "min",
    nn.PReluOp: "prelu",
}
_ONE_OPERAND: dict[type[Operation], str] = {
    nn.ReluOp: "cmp",
    nn.ClampOp: "cmp",
    nn.ThresholdOp: "cmp",
    nn.LeakyReluOp: "lrelu",
    nn.SigmoidOp: "sigmoid",
    nn.TanhOp: "tanh",
    nn.HardSigmoidOp: "hsigmoid",
    nn.HardSwishOp: "hswish",
    nn.SoftmaxOp: "exp",
    nn.LogSoftmaxOp: "exp",
    nn.BatchNormOp: "bnorm",
    nn.ResizeOp: "resize",
}
_POOL: dict[type[Operation], str] = {nn.MaxPool2dOp: "max", nn.AvgPool2dOp: "avg"}
_REDUCE: dict[type[Operation], str] = {
    nn.ReduceMaxOp: "max",
    nn.ReduceMeanOp: "avg",
    nn.ReduceSumOp: "sum",
}
_CONVERT: dict[type[Operation], str] = {
    nn.QuantizeOp: "quant",
    nn.DequantizeOp: "dequant",
    nn.RequantizeOp: "requant",
}
_MOVE = (nn.TransposeOp, nn.ConcatOp, nn.PadOp, nn.SliceOp, nn.SplitOp, nn.GatherOp)


def kind_bits(elt: Attribute) -> tuple[str, int]:
    """('f', 32) for floats, ('q', N) for `!nn.q<iN>`, ('b', 1) for `!nn.bin`, ('i', N) for
    plain integers."""
    if isinstance(elt, QuantType):
        return "q", elt.width
    if isinstance(elt, BinaryType):
        return "b", 1
    if isinstance(elt, IntegerType):
        return "i", elt.width.data
    return "f", 32


def effective_type(v: SSAValue) -> Attribute:
    """The element type an operand's values carry: through `nn.dequantize` and
    `nn.storage_cast` to the quantized value they read (see the module docstring)."""
    while isinstance(v.owner, nn.DequantizeOp | nn.StorageCastOp):
        v = v.owner.input
    t = v.type
    return t.element_type if isinstance(t, TensorType) else t


def _elements(v: SSAValue) -> int:
    t = v.type
    return math.prod(t.get_shape()) if isinstance(t, TensorType) else 0


def mac_name(weight: tuple[str, int], act: tuple[str, int]) -> str:
    """The MAC op type of a (kind, bits) weight and activation (see the module docstring)."""
    (wk, wb), (ak, ab) = weight, act
    if wk == "b" and ak == "b":
        return "sxor_1_1"
    if wk == "f" or ak == "f":
        return f"sfmult_{wb}_{ab}"
    if wk == "b":
        return f"smux_1_{ab}"
    if ak == "b":
        return f"smux_{wb}_1"
    return f"smult_{wb}_{ab}"


def _name(op: str, *types: tuple[str, int], floating: bool | None = None) -> str:
    f = any(k == "f" for k, _ in types) if floating is None else floating
    return f"s{'f' if f else ''}{op}_" + "_".join(str(b) for _, b in types)


def _add(profile: dict[str, int], key: str, count: int) -> None:
    if count:
        profile[key] = profile.get(key, 0) + count


def op_profile(op: Operation, macc: int | None = None) -> dict[str, int]:
    """Op type -> count of one `nn` op (`macc`: its MACC when already known)."""
    from edgeai.analysis.layers import macc_of

    out: dict[str, int] = {}
    y = op.results[0] if op.results else None
    n_out = sum(_elements(r) for r in op.results)
    if isinstance(op, MAC_OPS):
        a, w = op.operands[0], op.operands[1]
        name = mac_name(kind_bits(effective_type(w)), kind_bits(effective_type(a)))
        _add(out, name, macc_of(op) if macc is None else macc)
    elif type(op) in _TWO_OPERANDS:
        types = [kind_bits(effective_type(v)) for v in op.operands[:2]]
        _add(out, _name(_TWO_OPERANDS[type(op)], *types), n_out)
    elif type(op) in _ONE_OPERAND:
        _add(out, _name(_ONE_OPERAND[type(op)], kind_bits(effective_type(op.operands[0]))), n_out)
    elif type(op) in _POOL:
        kh, kw = op.prop("kernel")  # type: ignore[attr-defined]
        t = kind_bits(effective_type(op.operands[0]))
        _add(out, _name(_POOL[type(op)], t), n_out * kh * kw)
    elif type(op) in _REDUCE:
        t = kind_bits(effective_type(op.operands[0]))
        _add(out, _name(_REDUCE[type(op)], t), _elements(op.operands[0]))
    elif type(op) in _CONVERT:
        assert y is not None
        src = op.operands[0].type
        x = kind_bits(src.element_type if isinstance(src, TensorType) else src)
        r = kind_bits(y.type.element_type)  # type: ignore[union-attr]
        _add(out, _name(_CONVERT[type(op)], x, r), n_out)
    elif isinstance(op, _MOVE):
        _add(out, _name("mov", kind_bits(effective_type(op.operands[0]))), n_out)
    act = op.properties.get("act")
    if act is not None and y is not None:
        _add(out, _name("cmp", kind_bits(y.type.element_type)), _elements(y))  # type: ignore[union-attr]
    return out


def weight_profile(constants: list[tuple[int, int]]) -> list[dict]:
    """[(count, bits)] of a layer's constant operands -> the weight profile entries, by bit
    width in order of first appearance."""
    counts: dict[int, int] = {}
    for n, bits in constants:
        counts[bits] = counts.get(bits, 0) + n
    return [{"unit": f"{b}-bit", "bits": b, "count": n} for b, n in counts.items()]


def merge(profiles: list[dict[str, int]]) -> dict[str, int]:
    """The sum of several profiles, most frequent op type first (ties by name)."""
    total: dict[str, int] = {}
    for p in profiles:
        for k, v in p.items():
            total[k] = total.get(k, 0) + v
    return dict(sorted(total.items(), key=lambda kv: (-kv[1], kv[0])))


def percent(profile: dict[str, int]) -> dict[str, float]:
    """Each op type's share of all counted operations, in percent (2 decimals)."""
    total = sum(profile.values())
    return {k: round(100.0 * v / total, 2) if total else 0.0 for k, v in profile.items()}


__all__ = [
    "MAC_OPS",
    "effective_type",
    "kind_bits",
    "mac_name",
    "merge",
    "op_profile",
    "percent",
    "weight_profile",
]
