"""Per-operator rules of `convert-tfl-to-nn`: one handler per `tfl` op, building `nn` ops.

TFLite's integer conventions are kept exactly, through the element types:

* weights keep their per-channel scales (`!nn.q<i8:0, {...}>` for conv/dense, axis 3 for
  depthwise); a bias is re-typed `!nn.q<i32, s_in * s_w>` (per channel when the weights are),
  the product taken in double on the float32 scales as TFLite's `GetQuantizedConvolutionMultiplier`
  does; the bias scale recorded in the file is not used (TFLite does not use it either);
* fused activations become the `act` property (`RELU` -> clamp [0, inf), `RELU6` -> [0, 6],
  `RELU_N1_TO_1` -> [-1, 1]); on quantized results the reference kernels clamp on the quantized
  range `[max(qmin, z + round(lo / s)), min(qmax, z + round(hi / s))]` as TFLite does;
* SAME/VALID padding becomes explicit `[top, left, bottom, right]` (TFLite's
  `ComputePaddingHeightWidth`: the odd pixel at the bottom/right);
* SOFTMAX's `beta` is folded into the input scale with `nn.storage_cast`;
* FULLY_CONNECTED flattens its input to `[-1, K]` unless `keep_num_dims`;
* STRIDED_SLICE masks and negative indices are normalized into `nn.slice` bounds;
* a float UNIDIRECTIONAL_SEQUENCE_LSTM (no peephole/projection/layer norm) is unrolled over
  time into dense/add/mul/sigmoid/tanh ops, starting from the stored (zero) state;
* a bias that is a constant of zeros is dropped (what ONNX exporters do, so the same network
  from both frameworks meets in the same `nn` program).

Layout: TFLite is NHWC with OHWI filters and 1HWC depthwise filters, which is the `nn` layout, so
no transpose is ever inserted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from xdsl.dialects.builtin import Float32Type, NoneType, TensorType
from xdsl.ir import Attribute, Block, SSAValue

from edgeai.dialects import nn
from edgeai.dialects import tfl as T
from edgeai.dialects.common import TensorOp
from edgeai.dialects.nn_types import ActivationAttr, QuantType
from edgeai.support.attrs import f32_attr, i64_array, i64_attr, str_attr
from edgeai.support.errors import UnsupportedError


class Unsupported(Exception):
    """An operator or option without an `nn` form; the message is one reason."""


# ---------------------------------------------------------------------------------------------
# TFLite conventions


def same_valid_padding(
    padding: str,
    in_hw: Sequence[int],
    k_hw: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
) -> list[int]:
    """TFLite `ComputePaddingHeightWidth` as explicit `[top, left, bottom, right]`: total
    `max((out - 1) * s + (k - 1) * d + 1 - in, 0)`, the odd pixel at the bottom/right."""
    lo, hi = [], []
    for size, k, s, d in zip(in_hw, k_hw, stride, dilation, strict=True):
        eff = (k - 1) * d + 1
        out = (size + s - 1) // s if padding == "SAME" else (size + s - eff) // s
        total = max((out - 1) * s + eff - size, 0)
        lo.append(total // 2)
        hi.append(total - total // 2)
    return [lo[0], lo[1], hi[0], hi[1]]


_FUSED = {"NONE": None, "RELU": (0.0, math.inf), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}


def fused_activation(op: T.TflOp) -> ActivationAttr | None:
    """The `act` property for the op's `fused_activation_function`."""
    name = op.prop("fused_activation_function", "NONE")
    if name not in _FUSED:
        raise Unsupported(f"fused activation {name}")
    bounds = _FUSED[name]
    return None if bounds is None else ActivationAttr.clamp(*bounds)


def normalize_strided_slice(
    shape: Sequence[int],
    begin: Sequence[int],
    end: Sequence[int],
    strides: Sequence[int],
    options: dict[str, Any],
) -> tuple[list[int], list[int], list[int]]:
    """TensorFlow STRIDED_SLICE -> `nn.slice` bounds `(starts, ends, steps)`; masks select the
    full range, negative indices count from the end, bounds are clamped to `[0, d]` (positive
    step) or `[-1, d - 1]` (negative step), a shrunk axis takes the element at `begin` (the
    caller reshapes the result). Ellipsis/new-axis masks and `offset` are refused."""
    if options.get("ellipsis_mask") or options.get("new_axis_mask") or options.get("offset"):
        raise Unsupported("STRIDED_SLICE with ellipsis/new-axis masks or offset")
    bm, em, sm = (int(options.get(k, 0)) for k in ("begin_mask", "end_mask", "shrink_axis_mask"))
    starts, ends, steps = [], [], []
    for i, d in enumerate(shape):
        s = int(strides[i]) if i < len(strides) else 1
        if s == 0:
            raise Unsupported("STRIDED_SLICE with a zero stride")
        b = int(begin[i]) if i < len(begin) else 0
        e = int(end[i]) if i < len(end) else d
        if sm >> i & 1:
            b = b + d if b < 0 else b
            if not 0 <= b < d:
                raise Unsupported("STRIDED_SLICE shrinks an axis at an out-of-range index")
            starts.append(b)
            ends.append(b + 1)
            steps.append(1)
            continue
        lo, hi = (0, d) if s > 0 else (-1, d - 1)
        b = (0 if s > 0 else d - 1) if bm >> i & 1 else min(max(b + d if b < 0 else b, lo), hi)
        e = (d if s > 0 else -1) if em >> i & 1 else min(max(e + d if e < 0 else e, lo), hi)
        if len(range(b, e, s)) == 0 or b < 0:
            b, e = 0, 0
        starts.append(b)
        ends.append(e)
        steps.append(s)
    return starts, ends, steps


# ---------------------------------------------------------------------------------------------
# the converter state


def elt(v: SSAValue) -> Attribute:
    """Element type of a tensor value."""
    assert isinstance(v.type, TensorType)
    return v.type.element_type


def shape(v: SSAValue) -> tuple[int, ...]:
    """Static shape of a tensor value."""
    assert isinstance(v.type, TensorType)
    return tuple(v.type.get_shape())


class Converter:
    """The new block being filled and the `tfl` value -> `nn` value map."""

    def __init__(self, block: Block) -> None:
        self.block = block
        self.vals: dict[SSAValue, SSAValue] = {}
        self.layer: str | None = None

    def add(self, op: TensorOp) -> SSAValue:
        self.block.add_op(op)
        return op.results[0]

    def const_data(self, v: SSAValue) -> np.ndarray | None:
        """Stored values of a `tfl.const` operand (None for computed values)."""
        owner = v.owner
        return owner.to_numpy() if isinstance(owner, T.ConstOp) else None

    def need_const(self, v: SSAValue, what: str) -> np.ndarray:
        data = self.const_data(v)
        if data is None:
            raise Unsupported(f"{what} must be a constant")
        return data

    def get(self, v: SSAValue, element: Attribute | None = None) -> SSAValue:
        """The `nn` value of `v`; a `tfl.const` becomes an `nn.constant` (re-typed with
        `element` when given, e.g. a bias)."""
        if element is None and v in self.vals:
            return self.vals[v]
        data = self.const_data(v)
        if data is None:
            if v in self.vals:
                return self.vals[v]
            raise Unsupported(f"operand {v.name_hint or ''} has no nn value")
        c = self.add(nn.ConstantOp.from_numpy(data, element or elt(v)))
        if element is None:
            self.vals[v] = c
        return c

    def bias(self, v: SSAValue, element: Attribute) -> SSAValue | None:
        """The bias operand re-typed `element`; None when absent or a constant of zeros (the
        form TFLite converters give bias-free layers, and ONNX exporters drop)."""
        if isinstance(v.type, NoneType):
            return None
        data = self.const_data(v)
        if data is not None and not data.any():
            return None
        return self.get(v, element)

    def make(
        self,
        cls: type[TensorOp],
        operands: Sequence[SSAValue | None],
        result: SSAValue,
        props: dict[str, Attribute | None] | None = None,
    ) -> SSAValue:
        """Build `cls` typed like the `tfl` result; a shape difference with the same element
        count (FULLY_CONNECTED flattening, shrunk slices) is bridged with `nn.reshape`."""
        y = self.add(cls.make(list(operands), elt(result), props or {}, layer=self.layer))
        return self.reshape_to(y, result)

    def reshape_to(self, y: SSAValue, result: SSAValue) -> SSAValue:
        if shape(y) == shape(result):
            return y
        if math.prod(shape(y)) != math.prod(shape(result)):
            raise Unsupported(f"result shape {shape(y)} != TFLite output {shape(result)}")
        return self.add(nn.ReshapeOp.make([y], elt(y), shapes=[shape(result)], layer=self.layer))


def bias_type(bias: SSAValue, x: SSAValue, w: SSAValue, channels: int) -> Attribute:
    """`!nn.q<i32, s_in * s_w>` for an int32 bias of a quantized conv/dense (per channel when the
    weights are); float biases keep their type."""
    be, xe, we = elt(bias), elt(x), elt(w)
    if not isinstance(xe, QuantType) or not isinstance(we, QuantType):
        return be
    if not (isinstance(be, QuantType) and be.width == 32):
        raise Unsupported(f"bias of type {be} with quantized operands (expected int32)")
    sx = float(xe.scale_array()[0])
    sw = we.scale_array().astype(np.float64)
    if sw.size == 1:
        return QuantType.get(32, True, sx * float(sw[0]), 0)
    sb = sx * np.broadcast_to(sw, (channels,))
    return QuantType.get(32, True, sb, np.zeros(channels, np.int64), 0)


# ---------------------------------------------------------------------------------------------
# handlers

Handler = Callable[[Converter, T.TflOp], SSAValue]


def _conv(c: Converter, op: T.TflOp) -> SSAValue:
    x, w, b = op.operands[0], op.operands[1], op.operands[2]
    depthwise = isinstance(op, T.TFL_OPS["DEPTHWISE_CONV_2D"])
    cout = shape(w)[3 if depthwise else 0]
    stride = [op.prop("stride_h"), op.prop("stride_w")]
    dil = [op.prop("dilation_h_factor"), op.prop("dilation_w_factor")]
    bias = None if isinstance(b.type, NoneType) else c.bias(b, bias_type(b, x, w, cout))
    pad = same_valid_padding(op.prop("padding"), shape(x)[1:3], shape(w)[1:3], stride, dil)
    props: dict[str, Attribute | None] = {
        "strides": i64_array(stride),
        "dilations": i64_array(dil),
        "padding": i64_array(pad),
        "act": fused_activation(op),
    }
    operands = [c.get(x), c.get(w), bias]
    if depthwise:
        return c.make(nn.DepthwiseConv2dOp, operands, op.results[0], props)
    props["groups"] = i64_attr(shape(x)[3] // shape(w)[3])
    return c.make(nn.Conv2dOp, operands, op.results[0], props)


def _fully_connected(c: Converter, op: T.TflOp) -> SSAValue:
    x_t, w, b = op.operands[0], op.operands[1], op.operands[2]
    if op.prop("weights_format") != "DEFAULT":
        raise Unsupported("FULLY_CONNECTED with shuffled weights")
    if op.prop("asymmetric_quantize_inputs") and not isinstance(elt(x_t), QuantType):
        if isinstance(elt(w), QuantType):
            raise Unsupported("hybrid FULLY_CONNECTED (float input, quantized weights)")
    n, k = shape(w)
    x = c.get(x_t)
    if not op.prop("keep_num_dims") and len(shape(x_t)) != 2:
        flat = (math.prod(shape(x_t)) // k, k)
        x = c.add(nn.ReshapeOp.make([x], elt(x_t), shapes=[flat], layer=c.layer))
    bias = None if isinstance(b.type, NoneType) else c.bias(b, bias_type(b, x_t, w, n))
    props = {"act": fused_activation(op)}
    return c.make(nn.DenseOp, [x, c.get(w), bias], op.results[0], props)


def _transpose_conv(c: Converter, op: T.TflOp) -> SSAValue:
    shape_v, w, x, b = op.operands[0], op.operands[1], op.operands[2], op.operands[3]
    out = shape(op.results[0])
    data = c.need_const(shape_v, "TRANSPOSE_CONV output_shape")
    if tuple(int(v) for v in data.reshape(-1)) != out:
        raise Unsupported("TRANSPOSE_CONV output_shape differs from the output tensor")
    stride = [op.prop("stride_h"), op.prop("stride_w")]
    cout, kh, kw, _ = shape(w)
    top, left, _, _ = same_valid_padding(op.prop("padding"), out[1:3], (kh, kw), stride, (1, 1))
    bottom = (shape(x)[1] - 1) * stride[0] + kh - top - out[1]
    right = (shape(x)[2] - 1) * stride[1] + kw - left - out[2]
    bias = None if isinstance(b.type, NoneType) else c.bias(b, bias_type(b, x, w, cout))
    props: dict[str, Attribute | None] = {
        "strides": i64_array(stride),
        "dilations": i64_array([1, 1]),
        "padding": i64_array([top, left, bottom, right]),
        "groups": i64_attr(1),
        "act": fused_activation(op),
    }
    return c.make(nn.Conv2dTransposeOp, [c.get(x), c.get(w), bias], op.results[0], props)


def _pool(c: Converter, op: T.TflOp) -> SSAValue:
    x = op.operands[0]
    k = [op.prop("filter_height"), op.prop("filter_width")]
    s = [op.prop("stride_h"), op.prop("stride_w")]
    props: dict[str, Attribute | None] = {
        "kernel": i64_array(k),
        "strides": i64_array(s),
        "dilations": i64_array([1, 1]),
        "padding": i64_array(same_valid_padding(op.prop("padding"), shape(x)[1:3], k, s, (1, 1))),
        "act": fused_activation(op),
    }
    if op.name == "tfl.average_pool_2d":
        props["count_include_pad"] = i64_attr(0)
        return c.make(nn.AvgPool2dOp, [c.get(x)], op.results[0], props)
    return c.make(nn.MaxPool2dOp, [c.get(x)], op.results[0], props)


def _binary(cls: type[TensorOp]) -> Handler:
    def convert(c: Converter, op: T.TflOp) -> SSAValue:
        operands = [c.get(op.operands[0]), c.get(op.operands[1])]
        return c.make(cls, operands, op.results[0], {"act": fused_activation(op)})

    return convert


def _unary(cls: type[TensorOp], **props: Attribute) -> Handler:
    def convert(c: Converter, op: T.TflOp) -> SSAValue:
        return c.make(cls, [c.get(op.operands[0])], op.results[0], dict(props))

    return convert


def _leaky_relu(c: Converter, op: T.TflOp) -> SSAValue:
    props = {"alpha": f32_attr(op.prop("alpha"))}
    return c.make(nn.LeakyReluOp, [c.get(op.operands[0])], op.results[0], props)


def _softmax(c: Converter, op: T.TflOp) -> SSAValue:
    x_t = op.operands[0]
    x = c.get(x_t)
    beta = op.prop("beta")
    if beta != 1.0:
        xe = elt(x_t)
        if not isinstance(xe, QuantType) or beta <= 0:
            raise Unsupported("SOFTMAX with beta != 1 on a float input")
        # softmax(beta * s * (q - z)): the stored values under scale beta * s (in double, as
        # TFLite's PreprocessSoftmaxScaling)
        scaled = QuantType.get(xe.width, xe.is_signed, xe.scale * beta, xe.zero_point)
        x = c.add(nn.StorageCastOp.make([x], scaled, layer=c.layer))
    axis = i64_attr(len(shape(x_t)) - 1)
    return c.make(nn.SoftmaxOp, [x], op.results[0], {"axis": axis})


def _quantize(c: Converter, op: T.TflOp) -> SSAValue:
    float_in = not isinstance(elt(op.operands[0]), QuantType)
    cls = nn.QuantizeOp if float_in else nn.RequantizeOp
    return c.make(cls, [c.get(op.operands[0])], op.results[0])


def _mean(c: Converter, op: T.TflOp) -> SSAValue:
    rank = len(shape(op.operands[0]))
    axes = sorted({int(a) % rank for a in c.need_const(op.operands[1], "MEAN axis").reshape(-1)})
    props = {"axes": i64_array(axes), "keepdims": i64_attr(int(bool(op.prop("keep_dims"))))}
    return c.make(nn.ReduceMeanOp, [c.get(op.operands[0])], op.results[0], props)


def _pad(c: Converter, op: T.TflOp) -> SSAValue:
    x_t = op.operands[0]
    pads = c.need_const(op.operands[1], "PAD paddings").reshape(-1, 2)
    value = 0.0
    if len(op.operands) > 2:
        raw = c.need_const(op.operands[2], "PADV2 constant_values").reshape(-1)[0]
        xe = elt(x_t)
        value = (
            float(raw) if not isinstance(xe, QuantType) else xe.scale * (int(raw) - xe.zero_point)
        )
    props = {
        "pads": i64_array([int(p) for p in pads[:, 0]] + [int(p) for p in pads[:, 1]]),
        "mode": str_attr("constant"),
        "value": f32_attr(value),
    }
    return c.make(nn.PadOp, [c.get(x_t)], op.results[0], props)


def _concatenation(c: Converter, op: T.TflOp) -> SSAValue:
    if op.prop("fused_activation_function") != "NONE":
        raise Unsupported("CONCATENATION with a fused activation")
    axis = op.prop("axis") % len(shape(op.results[0]))
    operands = [c.get(v) for v in op.operands]
    return c.make(nn.ConcatOp, operands, op.results[0], {"axis": i64_attr(axis)})


def _strided_slice(c: Converter, op: T.TflOp) -> SSAValue:
    x = op.operands[0]
    begin, end, strides = (
        c.need_const(v, "STRIDED_SLICE bounds").reshape(-1) for v in op.operands[1:4]
    )
    starts, ends, steps = normalize_strided_slice(shape(x), begin, end, strides, op.options())
    props = {"starts": i64_array(starts), "ends": i64_array(ends), "steps": i64_array(steps)}
    y = c.add(nn.SliceOp.make([c.get(x)], elt(x), props, layer=c.layer))
    return c.reshape_to(y, op.results[0])


def _transpose(c: Converter, op: T.TflOp) -> SSAValue:
    perm = [int(p) for p in c.need_const(op.operands[1], "TRANSPOSE perm").reshape(-1)]
    return c.make(nn.TransposeOp, [c.get(op.operands[0])], op.results[0], {"perm": i64_array(perm)})


def _reshape(c: Converter, op: T.TflOp) -> SSAValue:
    return c.reshape_to(c.get(op.operands[0]), op.results[0])


def _svdf(c: Converter, op: T.TflOp) -> SSAValue:
    raise Unsupported("no nn form yet (nn has no recurrent cell op)")


_LSTM_ACT = {"TANH": nn.TanhOp, "RELU": nn.ReluOp, "NONE": None}


def _lstm(c: Converter, op: T.TflOp) -> SSAValue:
    """A float UNIDIRECTIONAL_SEQUENCE_LSTM unrolled over time into `nn` ops (one invocation
    from the stored initial state): per step, gates `i, f, o = sigmoid(W x + R h + b)`,
    `g = act(W_c x + R_c h + b_c)`, `c = clip(f * c + i * g)`, `h = o * act(c)`; the outputs
    `h` of every step are concatenated on the time axis."""
    v = dict(zip(op.INPUTS, op.operands, strict=False))
    present = {k for k, x in v.items() if not isinstance(x.type, NoneType)}
    extras = {"input_to_input_weights", "cell_to_forget_weights", "projection_weights"}
    extras |= {"input_layer_norm_coefficients", "forget_layer_norm_coefficients"}
    if "input_to_input_weights" not in present:
        raise Unsupported("coupled input/forget gate (CIFG) LSTM")
    if present & (extras - {"input_to_input_weights"}):
        raise Unsupported("LSTM with peephole, projection or layer normalization")
    if any(not isinstance(elt(v[k]), Float32Type) for k in present):
        raise Unsupported("quantized LSTM (only float32 LSTMs are unrolled)")
    if op.prop("fused_activation_function") not in _LSTM_ACT:
        raise Unsupported(f"LSTM activation {op.prop('fused_activation_function')}")
    if op.prop("proj_clip"):
        raise Unsupported("LSTM with proj_clip")
    act_cls = _LSTM_ACT[op.prop("fused_activation_function")]
    x = c.get(v["input"])
    xs = shape(v["input"])
    time_major = bool(op.prop("time_major"))
    steps, batch = (xs[0], xs[1]) if time_major else (xs[1], xs[0])
    f32 = elt(v["input"])

    def add(cls: type[TensorOp], operands: list[SSAValue], props: dict | None = None) -> SSAValue:
        return c.add(cls.make(operands, f32, props or {}, layer=c.layer))

    def act(y: SSAValue) -> SSAValue:
        return y if act_cls is None else add(act_cls, [y])

    gates = ("input", "forget", "cell", "output")
    w = {g: c.get(v[f"input_to_{g}_weights"]) for g in gates}
    r = {g: c.get(v[f"recurrent_to_{g}_weights"]) for g in gates}
    b = {g: c.get(v[f"{'cell' if g == 'cell' else g}_gate_bias"]) for g in gates}
    h = c.get(v["output_state"])
    cell = c.get(v["cell_state"])
    clip = op.prop("cell_clip")
    outs = []
    for t in range(steps):
        starts = [t, 0, 0] if time_major else [0, t, 0]
        ends = [t + 1, batch, xs[2]] if time_major else [batch, t + 1, xs[2]]
        props = {"starts": i64_array(starts), "ends": i64_array(ends), "steps": i64_array([1] * 3)}
        xt = c.add(nn.SliceOp.make([x], f32, props, layer=c.layer))
        xt = c.add(nn.ReshapeOp.make([xt], f32, shapes=[(batch, xs[2])], layer=c.layer))
        pre = {
            g: add(nn.AddOp, [add(nn.DenseOp, [xt, w[g], b[g]]), add(nn.DenseOp, [h, r[g]])])
            for g in gates
        }
        i, f, o = (add(nn.SigmoidOp, [pre[g]]) for g in ("input", "forget", "output"))
        g_ = act(pre["cell"])
        cell = add(nn.AddOp, [add(nn.MulOp, [f, cell]), add(nn.MulOp, [i, g_])])
        if clip:
            cell = add(nn.ClampOp, [cell], {"min": f32_attr(-clip), "max": f32_attr(clip)})
        h = add(nn.MulOp, [o, act(cell)])
        outs.append(h)
    y = outs[0] if steps == 1 else add(nn.ConcatOp, outs, {"axis": i64_attr(0)})
    if steps == 1:
        return c.reshape_to(y, op.results[0])
    y = c.add(nn.ReshapeOp.make([y], f32, shapes=[(steps, batch, shape(h)[1])], layer=c.layer))
    if not time_major:
        perm = i64_array([1, 0, 2])
        y = c.add(nn.TransposeOp.make([y], f32, {"perm": perm}, layer=c.layer))
    return c.reshape_to(y, op.results[0])


CONVERTERS: dict[str, Handler] = {
    "CONV_2D": _conv,
    "DEPTHWISE_CONV_2D": _conv,
    "FULLY_CONNECTED": _fully_connected,
    "TRANSPOSE_CONV": _transpose_conv,
    "AVERAGE_POOL_2D": _pool,
    "MAX_POOL_2D": _pool,
    "ADD": _binary(nn.AddOp),
    "SUB": _binary(nn.SubOp),
    "MUL": _binary(nn.MulOp),
    "RESHAPE": _reshape,
    "SQUEEZE": _reshape,
    "EXPAND_DIMS": _reshape,
    "SOFTMAX": _softmax,
    "LOGISTIC": _unary(nn.SigmoidOp),
    "TANH": _unary(nn.TanhOp),
    "RELU": _unary(nn.ReluOp),
    "RELU6": _unary(nn.ClampOp, min=f32_attr(0.0), max=f32_attr(6.0)),
    "RELU_N1_TO_1": _unary(nn.ClampOp, min=f32_attr(-1.0), max=f32_attr(1.0)),
    "LEAKY_RELU": _leaky_relu,
    "HARD_SWISH": _unary(nn.HardSwishOp),
    "QUANTIZE": _quantize,
    "DEQUANTIZE": _unary(nn.DequantizeOp),
    "MEAN": _mean,
    "PAD": _pad,
    "PADV2": _pad,
    "CONCATENATION": _concatenation,
    "STRIDED_SLICE": _strided_slice,
    "TRANSPOSE": _transpose,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": _lstm,
    "SVDF": _svdf,
}


def unsupported(where: str, items: list[str]) -> UnsupportedError:
    """The error listing every operator that did not convert."""
    return UnsupportedError(where, items)
