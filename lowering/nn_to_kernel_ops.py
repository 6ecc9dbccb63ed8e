"""Per-op conversions `nn` -> `kernel` (see convert_nn_to_kernel.py for the contract).

Each function receives the converter (buffers of the op's operands, the output buffer to write)
and emits one kernel op with its compile-time parameters. Integer parameters follow TFLite Micro's
Prepare functions exactly (double arithmetic on the float32 scales, `QuantizeMultiplier`), so
the kernel program computes what the `nn` reference computes, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    f32,
    i32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue

from edgeai.dialects import kernel as K
from edgeai.dialects import nn
from edgeai.dialects.nn_types import ActivationAttr, QuantType
from edgeai.reference import fixedpoint as fp
from edgeai.reference.nn_ops import _quantized_bound, quant_act_range
from edgeai.support.attrs import i64_array
from edgeai.support.errors import UnsupportedError

FLT_MAX = float(np.finfo(np.float32).max)


class Emit:
    """What a conversion needs from the converter: operand buffers and the output buffer."""

    def __init__(
        self,
        operands: list[SSAValue | None],
        output: SSAValue,
        add: Callable[[Operation], None],
        layer: str | None,
    ):
        self.operands = operands
        self.output = output
        self.add = add
        self.layer = layer

    def op(
        self, cls: type[K.KernelOp], operands: list[SSAValue | None], props: dict[str, Attribute]
    ) -> None:
        attrs = {"layer": StringAttr(self.layer)} if self.layer else {}
        present = [o for o in operands if o is not None]
        op = cls.create(
            operands=present,
            properties={k: v for k, v in props.items() if v is not None},
            attributes=attrs,
        )
        # IRDL ops with an optional operand need the segment layout only when it is absent:
        op.verify()
        self.add(op)


def _i(v: int) -> IntegerAttr:
    return IntegerAttr(int(v), i64)


def _f(v: float) -> FloatAttr:
    return FloatAttr(float(np.float32(v)), f32)


def _i32_array(values) -> DenseArrayBase:
    return DenseArrayBase.from_list(i32, [int(v) for v in np.ravel(values)])


def _et(v: SSAValue) -> Attribute:
    return v.type.element_type  # type: ignore[union-attr]


def _f32(x: float) -> float:
    return float(np.float32(x))


def _unsupported(op: Operation, why: str) -> UnsupportedError:
    layer = op.attributes.get("layer")
    where = f"layer '{layer.data}'" if isinstance(layer, StringAttr) else f"op {op.name}"
    return UnsupportedError(where, [f"{op.name}: {why}"])


def _float_act(op: Operation) -> dict[str, Attribute]:
    a = op.properties.get("act")
    lo, hi = a.bounds if isinstance(a, ActivationAttr) else (-math.inf, math.inf)
    return {"fmin": _f(max(lo, -FLT_MAX)), "fmax": _f(min(hi, FLT_MAX))}


def _require_tflite(op: Operation, *types: Attribute) -> None:
    """The integer kernels implement TFLite's conventions on per-tensor int8 activations."""
    r = op.properties.get("rounding")
    if isinstance(r, StringAttr) and r.data != "tflite":
        raise _unsupported(
            op,
            "quantized ops with ONNX rounding have no integer kernel here; lower with "
            "nn-fold-qdq{rounding=tflite} (the default of `edgeai generate`)",
        )
    for t in types:
        if not isinstance(t, QuantType) or t.width != 8 or not t.is_signed:
            raise _unsupported(op, f"element type {t}: the Cortex-M kernels take int8 activations")
        if t.channel_axis is not None:
            raise _unsupported(op, "per-axis quantized activations")


def _window_props(op: Operation) -> dict[str, Attribute]:
    return {k: op.properties[k] for k in ("strides", "dilations", "padding") if k in op.properties}


# ---------------------------------------------------------------------------------------------
# convolutions / dense


def conv_like(e: Emit, op: Operation) -> None:
    x, w, b = (e.operands + [None])[:3]
    cls = {
        nn.Conv2dOp: K.Conv2dOp,
        nn.DepthwiseConv2dOp: K.DepthwiseConv2dOp,
        nn.DenseOp: K.FullyConnectedOp,
    }[type(op)]
    props: dict[str, Attribute] = {}
    if not isinstance(op, nn.DenseOp):
        props.update(_window_props(op))
    if isinstance(op, nn.Conv2dOp):
        props["groups"] = op.properties["groups"]
    xt, wt, yt = _et(op.operands[0]), _et(op.operands[1]), _et(op.results[0])
    if isinstance(yt, Float32Type):
        if not (isinstance(xt, Float32Type) and isinstance(wt, Float32Type)):
            raise _unsupported(op, f"mixed element types ({xt}, {wt}) -> f32")
        props.update(_float_act(op))
        e.op(cls, [x, w, b, e.output], props)
        return
    _require_tflite(op, xt, yt)
    if (
        not isinstance(wt, QuantType)
        or wt.width != 8
        or not wt.is_signed
        or np.any(wt.zero_point_array() != 0)
    ):
        raise _unsupported(op, f"weights {wt}: the kernels take symmetric int8 weights")
    if b is not None:
        bt = _et(op.operands[2])
        if not (isinstance(bt, QuantType) and bt.width == 32) and str(bt) != "i32":
            raise _unsupported(op, f"bias element type {bt} (int32 expected)")
    channels = op.results[0].type.get_shape()[-1]
    ws = np.broadcast_to(np.asarray([_f32(s) for s in wt.scale_array()]), (channels,))
    eff = (_f32(xt.scale) * ws) / _f32(yt.scale)
    mult, shift = fp.quantize_multiplier(eff)
    qmin, qmax = quant_act_range(op, yt)
    props.update(
        input_offset=_i(-xt.zero_point),
        output_offset=_i(yt.zero_point),
        output_multiplier=_i32_array(mult),
        output_shift=_i32_array(shift),
        qmin=_i(qmin),
        qmax=_i(qmax),
    )
    e.op(cls, [x, w, b, e.output], props)


# ---------------------------------------------------------------------------------------------
# pooling / reductions


def pool(e: Emit, op: Operation) -> None:
    (x,) = e.operands
    xt, yt = _et(op.operands[0]), _et(op.results[0])
    if tuple(op.prop("dilations")) != (1, 1):
        raise _unsupported(op, "dilated pooling")
    props: dict[str, Attribute] = {k: op.properties[k] for k in ("kernel", "strides", "padding")}
    cls = K.AvgPool2dOp if isinstance(op, nn.AvgPool2dOp) else K.MaxPool2dOp
    if isinstance(op, nn.AvgPool2dOp) and op.prop("count_include_pad") and any(op.prop("padding")):
        raise _unsupported(op, "average pooling that counts padding")
    if isinstance(yt, Float32Type):
        props.update(_float_act(op))
    else:
        _require_tflite(op, xt, yt)
        if xt != yt:
            raise _unsupported(op, "pooling that changes quantization parameters")
        qmin, qmax = quant_act_range(op, yt)
        props.update(qmin=_i(qmin), qmax=_i(qmax))
    e.op(cls, [x, e.output], props)


def mean(e: Emit, op: Operation) -> None:
    (x,) = e.operands
    xt, yt = _et(op.operands[0]), _et(op.results[0])
    axes = [a % len(op.operands[0].type.get_shape()) for a in op.prop("axes")]
    props: dict[str, Attribute] = {"axes": i64_array(axes)}
    if not isinstance(yt, Float32Type):
        _require_tflite(op, xt, yt)
        shape = op.operands[0].type.get_shape()
        n = int(np.prod([shape[a] for a in axes]))
        m, ex = fp.quantize_multiplier(_f32(xt.scale) / _f32(yt.scale))
        m, ex = int(m), int(ex)
        k = min(n.bit_length() - 1, 32, 31 + ex)
        m2 = int(fp.wrap_int32((m << k) // n))
        props.update(
            input_offset=_i(-xt.zero_point * n),
            output_offset=_i(yt.zero_point),
            multiplier=_i(m2),
            shift=_i(ex - k),
        )
    e.op(K.MeanOp, [x, e.output], props)


# ---------------------------------------------------------------------------------------------
# element-wise


def binary(e: Emit, op: Operation) -> None:
    a, b = e.operands
    at, bt, yt = _et(op.operands[0]), _et(op.operands[1]), _et(op.results[0])
    if isinstance(yt, Float32Type):
        props = _float_act(op)
        if isinstance(op, nn.SubOp):
            props["sign"] = _i(-1)
        e.op(K.MulOp if isinstance(op, nn.MulOp) else K.AddOp, [a, b, e.output], props)
        return
    _require_tflite(op, at, bt, yt)
    qmin, qmax = quant_act_range(op, yt)
    if isinstance(op, nn.MulOp):
        m, s = fp.quantize_multiplier(_f32(at.scale) * _f32(bt.scale) / _f32(yt.scale))
        props = dict(
            input1_offset=_i(-at.zero_point),
            input2_offset=_i(-bt.zero_point),
            output_offset=_i(yt.zero_point),
            output_multiplier=_i(m),
            output_shift=_i(s),
            qmin=_i(qmin),
            qmax=_i(qmax),
        )
        e.op(K.MulOp, [a, b, e.output], props)
        return
    left_shift = 20
    twice = 2.0 * max(_f32(at.scale), _f32(bt.scale))
    p1 = fp.quantize_multiplier_smaller_than_one_exp(_f32(at.scale) / twice)
    p2 = fp.quantize_multiplier_smaller_than_one_exp(_f32(bt.scale) / twice)
    po = fp.quantize_multiplier_smaller_than_one_exp(
        twice / (float(1 << left_shift) * _f32(yt.scale))
    )
    props = dict(
        input1_offset=_i(-at.zero_point), input2_offset=_i(-bt.zero_point), output_offset=_i(yt.zero_point),
        left_shift=_i(left_shift), input1_multiplier=_i(p1[0]), input1_shift=_i(p1[1]),
        input2_multiplier=_i(p2[0]), input2_shift=_i(p2[1]), output_multiplier=_i(po[0]),
        output_shift=_i(po[1]), qmin=_i(qmin), qmax=_i(qmax),
        sign=_i(-1) if isinstance(op, nn.SubOp) else None,
    )  # fmt: skip
    e.op(K.AddOp, [a, b, e.output], props)


def softmax(e: Emit, op: Operation) -> None:
    (x,) = e.operands
    xt, yt = _et(op.operands[0]), _et(op.results[0])
    rank = len(op.operands[0].type.get_shape())
    if op.prop("axis") % rank != rank - 1:
        raise _unsupported(op, "softmax over another axis than the last")
    beta = float(op.prop("beta", 1.0))
    if isinstance(yt, Float32Type):
        e.op(K.SoftmaxOp, [x, e.output], {"beta": _f(beta)})
        return
    _require_tflite(op, xt)
    if not (
        isinstance(yt, QuantType)
        and yt.width == 8
        and (yt.scale, yt.zero_point) == (1.0 / 256, -128)
    ):
        raise _unsupported(op, f"softmax output {yt} (TFLite's int8 softmax writes 1/256:-128)")
    m, ex = fp.preprocess_softmax_scaling(beta, _f32(xt.scale), 5)
    diff_min = -fp.calculate_input_radius(5, ex)
    e.op(
        K.SoftmaxOp,
        [x, e.output],
        {"input_beta_multiplier": _i(m), "input_beta_left_shift": _i(ex), "diff_min": _i(diff_min)},
    )


def clamp_like(e: Emit, op: Operation) -> None:
    (x,) = e.operands
    xt, yt = _et(op.operands[0]), _et(op.results[0])
    lo, hi = (0.0, math.inf) if isinstance(op, nn.ReluOp) else (op.prop("min"), op.prop("max"))
    if isinstance(yt, Float32Type):
        e.op(
            K.ClampOp, [x, e.output], {"fmin": _f(max(lo, -FLT_MAX)), "fmax": _f(min(hi, FLT_MAX))}
        )
        return
    _require_tflite(op, xt, yt)
    z = yt.zero_point
    qlo = yt.qmin if lo == -math.inf else max(yt.qmin, _quantized_bound(lo, yt, "tflite"))
    qhi = yt.qmax if hi == math.inf else min(yt.qmax, _quantized_bound(hi, yt, "tflite"))
    if xt == yt:
        e.op(K.ClampOp, [x, e.output], {"qmin": _i(qlo), "qmax": _i(qhi)})
        return
    m, sh = fp.quantize_multiplier(_f32(xt.scale) / _f32(yt.scale))
    e.op(
        K.RequantizeOp,
        [x, e.output],
        {
            "input_offset": _i(-xt.zero_point),
            "output_offset": _i(z),
            "multiplier": _i(m),
            "shift": _i(sh),
            "qmin": _i(qlo),
            "qmax": _i(qhi),
        },
    )


def quantize(e: Emit, op: Operation) -> None:
    (x,) = e.operands
    yt = _et(op.results[0])
    _require_tflite(op, yt)
    e.op(K.QuantizeOp, [x, e.output], {"scale": _f(yt.scale), "zero_point": _i(yt.zero_point)})


def dequantize(e: Emit, op: Operation) -> None:
    (x,) = e.operands
    xt = _et(op.operands[0])
    if not isinstance(xt, QuantType) or xt.channel_axis is not None or xt.width != 8:
        raise _unsupported(op, f"dequantize of {xt}")
    e.op(K.DequantizeOp, [x, e.output], {"scale": _f(xt.scale), "zero_point": _i(xt.zero_point)})


def requantize(e: Emit, op: Operation) -> None:
    (x,) = e.operands
    xt, yt = _et(op.operands[0]), _et(op.results[0])
    _require_tflite(op, xt, yt)
    m, s = fp.quantize_multiplier(_f32(xt.scale) / _f32(yt.scale))
    e.op(
        K.RequantizeOp,
        [x, e.output],
        {
            "input_offset": _i(-xt.zero_point),
            "output_offset": _i(yt.zero_point),
            "multiplier": _i(m),
            "shift": _i(s),
            "qmin": _i(yt.qmin),
            "qmax": _i(yt.qmax),
        },
    )


# ---------------------------------------------------------------------------------------------
# data movement


def transpose(e: Emit, op: Operation) -> None:
    e.op(K.TransposeOp, [e.operands[0], e.output], {"perm": op.properties["perm"]})


def concat(e: Emit, op: Operation) -> None:
    yt = _et(op.results[0])
    if isinstance(yt, QuantType) and any(_et(v) != yt for v in op.operands):
        raise _unsupported(
            op, "concatenation of differently quantized operands (requantize them first)"
        )
    axis = op.prop("axis") % len(op.results[0].type.get_shape())
    e.op(K.ConcatOp, [*e.operands, e.output], {"axis": _i(axis)})


def pad(e: Emit, op: Operation) -> None:
    if op.prop("mode") != "constant":
        raise _unsupported(op, f"{op.prop('mode')} padding")
    pads = op.prop("pads")
    if min(pads) < 0:
        raise _unsupported(op, "negative padding (cropping)")
    xt = _et(op.operands[0])
    value = op.prop("value")
    if isinstance(xt, Float32Type):
        props: dict[str, Any] = {"fvalue": _f(value)}
    else:
        _require_tflite(op, xt)
        q = int(
            np.clip(
                xt.zero_point + fp.round_half_away(np.float64(value / xt.scale)), xt.qmin, xt.qmax
            )
        )
        props = {"value": _i(q)}
    e.op(K.PadOp, [e.operands[0], e.output], {"pads": op.properties["pads"], **props})


CONVERSIONS: dict[type[Operation], Callable[[Emit, Operation], None]] = {
    nn.Conv2dOp: conv_like,
    nn.DepthwiseConv2dOp: conv_like,
    nn.DenseOp: conv_like,
    nn.MaxPool2dOp: pool,
    nn.AvgPool2dOp: pool,
    nn.ReduceMeanOp: mean,
    nn.AddOp: binary,
    nn.SubOp: binary,
    nn.MulOp: binary,
    nn.SoftmaxOp: softmax,
    nn.ReluOp: clamp_like,
    nn.ClampOp: clamp_like,
    nn.QuantizeOp: quantize,
    nn.DequantizeOp: dequantize,
    nn.RequantizeOp: requantize,
    nn.TransposeOp: transpose,
    nn.ConcatOp: concat,
    nn.PadOp: pad,
}
