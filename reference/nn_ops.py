"""Reference semantics of the `nn` dialect (the golden model), NHWC.

Float ops compute in float32 (accumulations in float32 as a C kernel would; pooling sums in
float64). Quantized ops follow TFLite's reference kernels bit for bit by default: integer
accumulation, fixed-point multiplier + shift requantization, saturation to the storage range,
fused activations clamped on the quantized range. Ops marked `rounding = "onnx"` rescale in
float with round-half-to-even (ONNX QLinearConv / QuantizeLinear). Element-wise and
non-linear ops on quantized values use TFLite's integer kernels where TFLite has them.
"""

from __future__ import annotations

import math

import numpy as np
from xdsl.dialects.builtin import IntegerType, TensorType

from edgeai.dialects import nn
from edgeai.dialects.nn_types import ActivationAttr, BinaryType, QuantType
from edgeai.reference import binary
from edgeai.reference import kernels as K
from edgeai.reference import qops as fp
from edgeai.reference.interpreter import impl
from edgeai.support.attrs import storage_dtype


def _et(v) -> object:
    t = v.type
    assert isinstance(t, TensorType)
    return t.element_type


def _mode(op) -> str:
    return op.prop("rounding") or "tflite"


def _act_bounds(op) -> tuple[float, float]:
    a = op.properties.get("act")
    return a.bounds if isinstance(a, ActivationAttr) else (-math.inf, math.inf)


def _apply_act_float(op, y: np.ndarray) -> np.ndarray:
    lo, hi = _act_bounds(op)
    if lo == -math.inf and hi == math.inf:
        return y
    return np.clip(y, lo, hi).astype(y.dtype)


def _quantized_bound(value: float, out: QuantType, mode: str) -> int:
    """`zp + round_half_away(value / scale)`; TFLite divides in float32 (its Quantize lambda in
    CalculateActivationRangeQuantized and ReluX), which differs from a double division when the
    quotient is within float32 rounding of a half (e.g. 6 / 0.0585365854 -> 103 vs 102)."""
    s, z = out.scale, out.zero_point
    if mode == "tflite":
        return z + int(fp.round_half_away(np.float32(value) / np.float32(s)))
    return z + int(fp.round_half_away(np.float64(value / s)))


def quant_act_range(op, out: QuantType) -> tuple[int, int]:
    """TFLite CalculateActivationRangeQuantized: the fused clamp mapped onto the output range."""
    lo, hi = _act_bounds(op)
    qmin, qmax = out.qmin, out.qmax
    if lo != -math.inf:
        qmin = max(qmin, _quantized_bound(lo, out, _mode(op)))
    if hi != math.inf:
        qmax = min(qmax, _quantized_bound(hi, out, _mode(op)))
    return qmin, qmax


def dequant(x: np.ndarray, t: object) -> np.ndarray:
    """Real values (float32) of a storage array of element type t."""
    if isinstance(t, QuantType):
        s, z = t.broadcast_params(x.ndim)
        return fp.dequantize(x, s, z)
    if isinstance(t, BinaryType):
        return (t.broadcast_alpha(x.ndim) * x).astype(np.float32)
    return np.asarray(x, dtype=np.float32)


def quant(x: np.ndarray, t: object, mode: str = "tflite") -> np.ndarray:
    """Storage values of real values x for element type t (f32 passes through)."""
    if isinstance(t, QuantType):
        s, z = t.broadcast_params(x.ndim)
        return fp.quantize(x, s, z, t.qmin, t.qmax, mode).astype(t.storage_dtype())
    if isinstance(t, BinaryType):
        return np.where(x >= 0, 1, -1).astype(np.int8)
    return np.asarray(x, dtype=storage_dtype(t))


def _zero_point_vec(t: QuantType, ndim: int) -> np.ndarray:
    return t.broadcast_params(ndim)[1]


# ---------------------------------------------------------------------------------------------
# constants


@impl(nn.ConstantOp)
def _constant(op: nn.ConstantOp) -> np.ndarray:
    return op.to_numpy()


# ---------------------------------------------------------------------------------------------
# convolution-like ops


def _conv_operands(op, x: np.ndarray, w: np.ndarray):
    """Integer-centred operands for quantized convs: (x - zx, w - zw) as float64, pad value 0."""
    xt, wt = _et(op.input), _et(op.weight)
    assert isinstance(xt, QuantType)
    xc = x.astype(np.float64) - xt.zero_point
    if isinstance(wt, QuantType):
        zw = wt.broadcast_params(w.ndim)[1]
        wc = w.astype(np.float64) - zw
    else:
        wc = w.astype(np.float64)
    return xc, wc


def _requant_output(op, acc: np.ndarray, w_axis_len: int) -> np.ndarray:
    """acc (float64 holding exact integers, channels last) -> quantized or i32 output."""
    out_t = _et(op.output)
    if isinstance(out_t, IntegerType):
        return acc.astype(np.int64).astype(storage_dtype(out_t))
    assert isinstance(out_t, QuantType)
    xt = _et(op.inputs[0] if hasattr(op, "inputs") else op.operands[0])
    wt = _et(op.operands[1])
    if isinstance(xt, BinaryType):  # a binary input's real scale is its alpha
        xt = QuantType.get(8, True, float(xt.alpha_array()[0]), 0)
    assert isinstance(xt, QuantType)
    if isinstance(wt, QuantType):
        sw = wt.scale_array()
        if sw.size == 1:
            sw = np.repeat(sw, w_axis_len)
    elif isinstance(wt, BinaryType):
        sw = wt.alpha_array()
        if sw.size == 1:
            sw = np.repeat(sw, w_axis_len)
    else:
        sw = np.ones(w_axis_len)
    mode = _mode(op)
    qmin, qmax = quant_act_range(op, out_t)
    if mode == "onnx":
        real = (np.float32(xt.scale) * sw.astype(np.float32) / np.float32(out_t.scale)).astype(
            np.float32
        )
    else:
        real = xt.scale * sw / out_t.scale
    y = fp.rescale(acc.astype(np.int64), real, out_t.zero_point, qmin, qmax, mode)
    return y.astype(out_t.storage_dtype())


def _bias_int(op, b: np.ndarray | None) -> np.ndarray | None:
    return None if b is None else b.astype(np.float64)


def _tflite_conv_params(op) -> dict | None:
    """Parameters for TFLM's integer conv kernels, or None when TFLite has no such kernel.

    TFLite: rounding "tflite", per-tensor int8 input/output with int8 weights (symmetric,
    per-tensor or per-channel) and int32 bias, or int16x8 with zero points 0 and an int32/int64
    bias. Anything else (ONNX conventions, nonzero weight zero points, i32 accumulator results)
    goes through the generic integer path.
    """
    if _mode(op) != "tflite":
        return None
    xt, wt, yt = _et(op.input), _et(op.weight), _et(op.output)
    if not (isinstance(xt, QuantType) and isinstance(wt, QuantType) and isinstance(yt, QuantType)):
        return None
    if (
        xt.channel_axis is not None
        or yt.channel_axis is not None
        or not (wt.is_signed and wt.width == 8)
    ):
        return None
    if (
        np.any(wt.zero_point_array() != 0)
        or xt.width != yt.width
        or not (xt.is_signed and yt.is_signed)
    ):
        return None
    if xt.width == 16 and (xt.zero_point != 0 or yt.zero_point != 0):
        return None
    if xt.width not in (8, 16):
        return None
    if op.bias is not None:
        bt = _et(op.bias)
        width = (
            bt.width
            if isinstance(bt, QuantType)
            else bt.width.data
            if isinstance(bt, IntegerType)
            else 0
        )
        if width not in ((32,) if xt.width == 8 else (32, 64)):
            return None
    sw = wt.scale_array()
    qmin, qmax = quant_act_range(op, yt)
    return dict(
        sx=xt.scale,
        zx=xt.zero_point,
        sw=sw if sw.size > 1 else float(sw[0]),
        sy=yt.scale,
        zy=yt.zero_point,
        qmin=qmin,
        qmax=qmax,
    )


def _bias_storage(b: np.ndarray | None, x_bits: int) -> np.ndarray | None:
    if b is None:
        return None
    return b.astype(np.int32 if x_bits == 8 and b.dtype.itemsize <= 4 else b.dtype)


def _window_props(op) -> dict:
    props = {k: op.prop(k) for k in ("strides", "dilations", "padding")}
    if "groups" in op.properties:
        props["groups"] = op.prop("groups")
    return props


def _dense_kernel(x, w, b, acc_dtype=np.float32, **_):
    y = x.astype(acc_dtype) @ w.astype(acc_dtype).T
    return y if b is None else y + np.asarray(b, dtype=acc_dtype)


def _conv_kernel(kind: str):
    """Float/exact-integer kernel of one conv-family op on (x, w, b) and its window properties."""

    def run(x, w, b, acc_dtype=np.float32, strides=None, dilations=None, padding=None, groups=1):
        if kind == "conv2d":
            return K.conv2d(x, w, b, strides, dilations, padding, groups, 0, acc_dtype)
        if kind == "depthwise":
            return K.depthwise_conv2d(x, w, b, strides, dilations, padding, 0, acc_dtype)
        return K.conv2d_transpose(x, w, b, strides, dilations, padding, groups, acc_dtype)

    return run


#: kind -> (kernel, output-channel axis of the weight)
_CONV_FAMILY = {
    nn.Conv2dOp: ("conv2d", _conv_kernel("conv2d"), 0),
    nn.DepthwiseConv2dOp: ("depthwise", _conv_kernel("depthwise"), 3),
    nn.Conv2dTransposeOp: ("transpose", _conv_kernel("transpose"), 0),
    nn.DenseOp: ("dense", _dense_kernel, 0),
}


def _conv_family(op, x, w, b=None):
    """conv2d / depthwise_conv2d / conv2d_transpose / dense.

    TFLite conventions with a TFLite type combination: TFLM's integer kernel. Other quantized
    forms (ONNX rounding, nonzero weight zero points, i32 accumulator results): exact integer
    accumulation (float64 holds the integers exactly) and `_requant_output`. Float: float32.
    """
    kind, kernel, out_axis = _CONV_FAMILY[type(op)]
    props = _window_props(op) if kind != "dense" else {}
    if isinstance(_et(op.weight), BinaryType):
        return _binary_weight_conv(op, kind, kernel, out_axis, x, w, b, props)
    tfl = _tflite_conv_params(op)
    tflm_ok = kind != "transpose" or (tuple(props["dilations"]) == (1, 1) and props["groups"] == 1)
    if tfl is not None and tflm_ok:
        bias = _bias_storage(b, _et(op.input).width)
        y = fp.conv_like(
            kind,
            x,
            w,
            bias,
            strides=props.get("strides"),
            dilations=props.get("dilations"),
            padding=props.get("padding"),
            groups=props.get("groups", 1),
            **tfl,
        )
        return y.astype(_et(op.output).storage_dtype())
    if isinstance(_et(op.input), QuantType):
        xc, wc = _conv_operands(op, x, w)
        acc = kernel(xc, wc, _bias_int(op, b), np.float64, **props)
        return _requant_output(op, acc, w.shape[out_axis])
    return _apply_act_float(op, kernel(x, w, b, **props).astype(np.float32))


def _binary_weight_conv(op, kind: str, kernel, out_axis: int, x, w, b, props: dict):
    """conv2d / depthwise_conv2d / dense with `!nn.bin` weights (see nn.md, "Binary").

    * binary input: the +-1 products summed through the packed xnor-popcount kernels of
      `reference/binary.py` (padded taps contribute 0), plus the bias' stored integers, as an
      integer result or requantized with `alpha_x * alpha_w / scale_y`;
    * quantized input: exact integer accumulation of `(x - zero_point) * b`, then as above;
    * f32 input: `alpha_w * sum(x * b)` in float32, plus the bias, then the fused activation.
    """
    xt, wt = _et(op.input), _et(op.weight)
    assert isinstance(wt, BinaryType)
    if isinstance(xt, BinaryType):
        if kind == "dense":
            acc = binary.binary_dense(x, w)
        elif kind == "depthwise":
            acc = binary.binary_depthwise_conv2d(
                x, w, props["strides"], props["dilations"], props["padding"]
            )
        else:
            acc = binary.binary_conv2d(
                x, w, props["strides"], props["dilations"], props["padding"], props["groups"]
            )
        if b is not None:
            acc = acc + b.astype(np.int64)
        return _requant_output(op, acc.astype(np.float64), w.shape[out_axis])
    if isinstance(xt, QuantType):
        xc = x.astype(np.float64) - xt.zero_point
        acc = kernel(xc, w.astype(np.float64), _bias_int(op, b), np.float64, **props)
        return _requant_output(op, acc, w.shape[out_axis])
    y = kernel(x.astype(np.float32), w.astype(np.float32), None, **props).astype(np.float32)
    y = (y * wt.alpha_array().astype(np.float32)).astype(np.float32)
    if b is not None:
        y = (y + b).astype(np.float32)
    return _apply_act_float(op, y)


for _cls in _CONV_FAMILY:
    impl(_cls)(_conv_family)


@impl(nn.MatMulOp)
def _matmul(op: nn.MatMulOp, a, b):
    at, bt, yt = _et(op.lhs), _et(op.rhs), _et(op.output)
    if isinstance(at, QuantType):
        assert isinstance(bt, QuantType)
        ac = a.astype(np.float64) - at.zero_point
        bc = b.astype(np.float64) - bt.zero_point
        acc = np.matmul(ac, bc)
        if isinstance(yt, IntegerType):
            return acc.astype(np.int64).astype(storage_dtype(yt))
        assert isinstance(yt, QuantType)
        mode = _mode(op)
        if mode == "onnx":
            real = np.float32(np.float32(at.scale) * np.float32(bt.scale) / np.float32(yt.scale))
        else:
            real = at.scale * bt.scale / yt.scale
        qmin, qmax = quant_act_range(op, yt)
        return fp.rescale(acc.astype(np.int64), real, yt.zero_point, qmin, qmax, mode).astype(
            yt.storage_dtype()
        )
    if isinstance(yt, IntegerType):
        return np.matmul(a.astype(np.int64), b.astype(np.int64)).astype(storage_dtype(yt))
    return _apply_act_float(op, np.matmul(a, b).astype(np.float32))


# ---------------------------------------------------------------------------------------------
# element-wise


def _float_binary(kind: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if kind == "add":
        return a + b
    if kind == "sub":
        return a - b
    if kind == "mul":
        return a * b
    if kind == "div":
        with np.errstate(divide="ignore", invalid="ignore"):
            return a / b
    if kind == "maximum":
        return np.maximum(a, b)
    return np.minimum(a, b)


def _int_binary(kind: str, a: np.ndarray, b: np.ndarray, dtype: np.dtype) -> np.ndarray:
    a64, b64 = a.astype(np.int64), b.astype(np.int64)
    if kind == "div":
        q = np.where(b64 == 0, 0, np.abs(a64) // np.where(b64 == 0, 1, np.abs(b64)))
        out = np.sign(a64) * np.sign(b64) * q
    else:
        out = _float_binary(kind, a64, b64)
    return out.astype(dtype)  # wraps like C on overflow


def _binary(kind: str):
    def run(op, a, b):
        yt = _et(op.output)
        if isinstance(yt, QuantType):
            at, bt = _et(op.lhs), _et(op.rhs)
            return _quant_binary(op, kind, a, b, at, bt, yt)
        if isinstance(yt, IntegerType):
            return _int_binary(kind, a, b, storage_dtype(yt))
        return _apply_act_float(op, _float_binary(kind, a, b).astype(np.float32))

    return run


def _tflite_binary_ok(at: QuantType, bt: QuantType, yt: QuantType) -> bool:
    """TFLite's ADD/SUB/MUL exist for per-tensor int8 and int16 (zero points 0) operands."""
    ts = (at, bt, yt)
    if any(t.channel_axis is not None or not t.is_signed or t.width != yt.width for t in ts):
        return False
    return yt.width == 8 or (yt.width == 16 and all(t.zero_point == 0 for t in ts))


def _quant_binary(op, kind: str, a, b, at: QuantType, bt: QuantType, yt: QuantType) -> np.ndarray:
    mode = _mode(op)
    qmin, qmax = quant_act_range(op, yt)
    if mode == "tflite" and kind in ("add", "sub"):  # noqa: SIM102
        if _tflite_binary_ok(at, bt, yt):
            return fp.q_add(
                a,
                at.scale,
                at.zero_point,
                b,
                bt.scale,
                bt.zero_point,
                yt.scale,
                yt.zero_point,
                qmin,
                qmax,
                subtract=(kind == "sub"),
                bits=yt.width,
            ).astype(yt.storage_dtype())
    if mode == "tflite" and kind == "mul" and _tflite_binary_ok(at, bt, yt):
        return fp.q_mul(
            a,
            at.scale,
            at.zero_point,
            b,
            bt.scale,
            bt.zero_point,
            yt.scale,
            yt.zero_point,
            qmin,
            qmax,
        ).astype(yt.storage_dtype())
    if mode == "tflite" and kind in ("maximum", "minimum") and at == bt == yt:
        return _float_binary(kind, a, b).astype(yt.storage_dtype())
    # float rescale (ONNX QLinear* semantics): compute on real values, round half to even
    real = _float_binary(kind, dequant(a, at).astype(np.float64), dequant(b, bt).astype(np.float64))
    q = fp.quantize(
        real, yt.scale, yt.zero_point, qmin, qmax, "onnx" if mode == "onnx" else "tflite"
    )
    return q.astype(yt.storage_dtype())


for _cls, _k in [
    (nn.AddOp, "add"),
    (nn.SubOp, "sub"),
    (nn.MulOp, "mul"),
    (nn.DivOp, "div"),
    (nn.MaximumOp, "maximum"),
    (nn.MinimumOp, "minimum"),
]:
    impl(_cls)(_binary(_k))


def _unary_float(op, x: np.ndarray, fn) -> np.ndarray:
    """Apply fn on real values; quantized operands are dequantized and the result requantized."""
    xt, yt = _et(op.input), _et(op.output)
    if isinstance(yt, QuantType):
        real = fn(dequant(x, xt).astype(np.float64))
        return quant(real, yt, _mode(op))
    return fn(x.astype(np.float32)).astype(np.float32)


def _requant_same(x: np.ndarray, xt: QuantType, yt: QuantType, mode: str) -> np.ndarray:
    """Requantize x from xt's parameters to yt's (identity when they match)."""
    if (
        xt.scale_array().tolist() == yt.scale_array().tolist()
        and xt.zero_point_array().tolist() == yt.zero_point_array().tolist()
    ):
        return np.clip(x.astype(np.int64), yt.qmin, yt.qmax).astype(yt.storage_dtype())
    return fp.requantize(
        x, xt.scale, xt.zero_point, yt.scale, yt.zero_point, yt.qmin, yt.qmax, mode
    ).astype(yt.storage_dtype())


def _clamp_quant(op, x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    xt, yt = _et(op.input), _et(op.output)
    assert isinstance(xt, QuantType) and isinstance(yt, QuantType)
    y = _requant_same(x, xt, yt, _mode(op)).astype(np.int64)
    qlo = yt.qmin if lo == -math.inf else max(yt.qmin, _quantized_bound(lo, yt, _mode(op)))
    qhi = yt.qmax if hi == math.inf else min(yt.qmax, _quantized_bound(hi, yt, _mode(op)))
    return np.clip(y, qlo, qhi).astype(yt.storage_dtype())


def _tflite_fixed_output(op, kind: str) -> bool:
    """TFLite defines softmax/logistic/tanh on per-tensor signed int8/int16 with fixed output
    parameters; other output quantizations run in float and are rounded (documented extension)."""
    xt, yt = _et(op.input), _et(op.output)
    if _mode(op) != "tflite" or not (isinstance(xt, QuantType) and isinstance(yt, QuantType)):
        return False
    if xt.channel_axis is not None or not xt.is_signed or not yt.is_signed or xt.width != yt.width:
        return False
    if xt.width == 16 and xt.zero_point != 0:
        return False
    return fp.has_tflite_kernel(kind, yt.width, yt.scale, yt.zero_point)


@impl(nn.ReluOp)
def _relu(op: nn.ReluOp, x):
    xt, yt = _et(op.input), _et(op.output)
    if isinstance(yt, QuantType):
        assert isinstance(xt, QuantType)
        if (
            _mode(op) == "tflite"
            and xt.channel_axis is None
            and yt.channel_axis is None
            and xt.width == yt.width
            and xt.width in (8, 16)
            and xt.is_signed
            and yt.is_signed
        ):
            # TFLM RELU (ReluQuantized) exists for int8 and int16
            return fp.q_relu(x, xt.scale, xt.zero_point, yt.scale, yt.zero_point).astype(
                yt.storage_dtype()
            )
        return _clamp_quant(op, x, 0.0, math.inf)
    return np.maximum(x, 0).astype(x.dtype)


@impl(nn.ClampOp)
def _clamp(op: nn.ClampOp, x):
    lo, hi = op.prop("min"), op.prop("max")
    yt = _et(op.output)
    if isinstance(yt, QuantType):
        return _clamp_quant(op, x, lo, hi)
    if isinstance(yt, IntegerType):
        info = np.iinfo(x.dtype)
        lo_i = info.min if lo == -math.inf else int(lo)
        hi_i = info.max if hi == math.inf else int(hi)
        return np.clip(x, lo_i, hi_i).astype(x.dtype)
    return np.clip(x, np.float32(lo), np.float32(hi)).astype(np.float32)


@impl(nn.LeakyReluOp)
def _leaky(op: nn.LeakyReluOp, x):
    alpha = np.float32(op.prop("alpha"))
    xt, yt = _et(op.input), _et(op.output)
    if isinstance(yt, QuantType) and _mode(op) == "tflite":
        assert isinstance(xt, QuantType)
        return fp.q_leaky_relu(
            x,
            xt.scale,
            xt.zero_point,
            float(op.prop("alpha")),
            yt.scale,
            yt.zero_point,
            yt.qmin,
            yt.qmax,
        ).astype(yt.storage_dtype())
    return _unary_float(op, x, lambda v: np.where(v >= 0, v, v * alpha))


@impl(nn.PReluOp)
def _prelu(op: nn.PReluOp, x, slope):
    yt = _et(op.output)
    if isinstance(yt, QuantType):
        s = dequant(slope, _et(op.slope)).astype(np.float64)
        real = dequant(x, _et(op.input)).astype(np.float64)
        return quant(np.where(real >= 0, real, real * s), yt, _mode(op))
    return np.where(x >= 0, x, x * slope).astype(np.float32)


@impl(nn.SigmoidOp)
def _sigmoid(op: nn.SigmoidOp, x):
    xt, yt = _et(op.input), _et(op.output)
    if _tflite_fixed_output(op, "logistic"):
        return fp.q_logistic(x, xt.scale, xt.zero_point).astype(yt.storage_dtype())
    return _unary_float(op, x, lambda v: 1.0 / (1.0 + np.exp(-v)))


@impl(nn.TanhOp)
def _tanh(op: nn.TanhOp, x):
    xt, yt = _et(op.input), _et(op.output)
    if _tflite_fixed_output(op, "tanh"):
        return fp.q_tanh(x, xt.scale, xt.zero_point).astype(yt.storage_dtype())
    return _unary_float(op, x, np.tanh)


@impl(nn.HardSigmoidOp)
def _hard_sigmoid(op: nn.HardSigmoidOp, x):
    alpha, beta = np.float32(op.prop("alpha")), np.float32(op.prop("beta"))
    return _unary_float(op, x, lambda v: np.clip(alpha * v + beta, 0, 1))


@impl(nn.HardSwishOp)
def _hard_swish(op: nn.HardSwishOp, x):
    xt, yt = _et(op.input), _et(op.output)
    if (
        isinstance(yt, QuantType)
        and isinstance(xt, QuantType)
        and _mode(op) == "tflite"
        and xt.width == yt.width == 8
        and xt.is_signed
        and xt.channel_axis is None
        and yt.channel_axis is None
    ):
        return fp.q_hard_swish(x, xt.scale, xt.zero_point, yt.scale, yt.zero_point).astype(
            yt.storage_dtype()
        )
    return _unary_float(op, x, lambda v: v * np.clip(v / 6 + 0.5, 0, 1))


def _tflite_softmax(op) -> bool:
    """TFLM's quantized softmax kernel: per-tensor signed int8 input, int8 (1/256, -128) or
    int16 (1/65536, -32768) output. (TFLite's int16-input softmax is not implemented here.)"""
    xt, yt = _et(op.input), _et(op.output)
    if _mode(op) != "tflite" or not (isinstance(xt, QuantType) and isinstance(yt, QuantType)):
        return False
    if xt.channel_axis is not None or not (xt.is_signed and xt.width == 8 and yt.is_signed):
        return False
    return fp.has_tflite_kernel("softmax", yt.width, yt.scale, yt.zero_point)


@impl(nn.SoftmaxOp)
def _softmax(op: nn.SoftmaxOp, x):
    axis = op.prop("axis")
    beta = float(op.prop("beta", 1.0))
    xt, yt = _et(op.input), _et(op.output)
    if _tflite_softmax(op):
        moved = np.moveaxis(x, axis, -1)
        y = fp.q_softmax(moved, xt.scale, yt.width, beta=beta)
        return np.ascontiguousarray(np.moveaxis(y, -1, axis)).astype(yt.storage_dtype())
    return _unary_float(
        op, x, lambda v: K.softmax(v * np.float32(beta) if beta != 1.0 else v, axis)
    )


@impl(nn.LogSoftmaxOp)
def _log_softmax(op: nn.LogSoftmaxOp, x):
    axis = op.prop("axis")
    return _unary_float(op, x, lambda v: K.log_softmax(v, axis))


# ---------------------------------------------------------------------------------------------
# pooling and reductions


@impl(nn.MaxPool2dOp)
def _max_pool(op: nn.MaxPool2dOp, x):
    y = K.max_pool2d(
        x, op.prop("kernel"), op.prop("strides"), op.prop("dilations"), op.prop("padding")
    )
    xt, yt = _et(op.input), _et(op.output)
    if isinstance(yt, QuantType):
        assert isinstance(xt, QuantType)
        y = _requant_same(y, xt, yt, _mode(op))
        return np.clip(y, *quant_act_range(op, yt)).astype(yt.storage_dtype())
    if isinstance(yt, IntegerType):
        return y
    return _apply_act_float(op, y.astype(np.float32))


@impl(nn.AvgPool2dOp)
def _avg_pool(op: nn.AvgPool2dOp, x):
    args = (
        op.prop("kernel"),
        op.prop("strides"),
        op.prop("dilations"),
        op.prop("padding"),
        bool(op.prop("count_include_pad")),
        op.prop("counted_padding"),
    )
    xt, yt = _et(op.input), _et(op.output)
    if isinstance(yt, QuantType):
        assert isinstance(xt, QuantType)
        zx = xt.broadcast_params(4)[1]
        # counted padding holds real 0 (the zero point); TFLite never counts padding and
        # averages the stored values themselves, which rounds differently at ties
        offset = zx if op.prop("count_include_pad") else np.zeros_like(zx)
        sums, counts = K.avg_pool2d_sums(x.astype(np.int64) - offset, *args, acc_dtype=np.float64)
        if _mode(op) == "tflite" and xt == yt and xt.channel_axis is None:
            y = fp.rounded_average(sums.astype(np.int64), counts.astype(np.int64)) + offset
            return np.clip(y, *quant_act_range(op, yt)).astype(yt.storage_dtype())
        real = (sums / counts + offset - zx) * xt.broadcast_params(4)[0]
        q = fp.quantize(real, yt.scale, yt.zero_point, *quant_act_range(op, yt), _mode(op))
        return q.astype(yt.storage_dtype())
    if isinstance(yt, IntegerType):
        sums, counts = K.avg_pool2d_sums(x.astype(np.int64), *args, acc_dtype=np.float64)
        return np.trunc(sums / counts).astype(x.dtype)
    return _apply_act_float(op, K.avg_pool2d(x, *args))


def _reduce(kind: str):
    def run(op, x):
        axes = tuple(a % x.ndim for a in op.prop("axes"))
        keep = bool(op.prop("keepdims"))
        xt, yt = _et(op.input), _et(op.output)
        if isinstance(yt, QuantType):
            assert isinstance(xt, QuantType)
            if kind == "max":
                return _requant_same(np.max(x, axis=axes, keepdims=keep), xt, yt, _mode(op))
            if (
                kind == "mean"
                and _mode(op) == "tflite"
                and xt.width == yt.width
                and xt.width in (8, 16)
                and xt.is_signed
                and xt.channel_axis is None
                and yt.channel_axis is None
            ):
                return fp.q_mean(
                    x, axes, keep, xt.scale, xt.zero_point, yt.scale, yt.zero_point
                ).astype(yt.storage_dtype())
            real = dequant(x, xt).astype(np.float64)
            r = (
                np.sum(real, axis=axes, keepdims=keep)
                if kind == "sum"
                else np.mean(real, axis=axes, keepdims=keep)
            )
            return quant(r, yt, _mode(op))
        if isinstance(yt, IntegerType):
            if kind == "max":
                return K.reduce_max(x, axes, keep)
            if kind == "sum":
                return np.sum(x.astype(np.int64), axis=axes, keepdims=keep).astype(x.dtype)
            return np.trunc(np.mean(x.astype(np.float64), axis=axes, keepdims=keep)).astype(x.dtype)
        if kind == "max":
            return K.reduce_max(x, axes, keep)
        if kind == "sum":
            return np.sum(x, axis=axes, keepdims=keep, dtype=np.float32)
        return np.mean(x, axis=axes, keepdims=keep, dtype=np.float64).astype(np.float32)

    return run


impl(nn.ReduceMeanOp)(_reduce("mean"))
impl(nn.ReduceMaxOp)(_reduce("max"))
impl(nn.ReduceSumOp)(_reduce("sum"))


@impl(nn.BatchNormOp)
def _batch_norm(op: nn.BatchNormOp, x, scale, bias, mean, var):
    eps = np.float32(op.prop("epsilon"))
    inv = scale / np.sqrt(var + eps)
    return ((x - mean) * inv + bias).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# data movement


@impl(nn.ConcatOp)
def _concat(op: nn.ConcatOp, *xs):
    axis = op.prop("axis")
    yt = _et(op.output)
    if isinstance(yt, QuantType):
        parts = []
        for v, x in zip(op.inputs, xs, strict=True):
            xt = _et(v)
            assert isinstance(xt, QuantType)
            parts.append(_requant_same(x, xt, yt, "tflite"))
        return np.concatenate(parts, axis=axis)
    return np.concatenate(xs, axis=axis)


@impl(nn.ReshapeOp)
def _reshape(op: nn.ReshapeOp, x):
    return x.reshape(tuple(op.output.type.get_shape()))


@impl(nn.TransposeOp)
def _transpose(op: nn.TransposeOp, x):
    return np.asarray(np.transpose(x, op.prop("perm")), order="C")  # keeps rank 0


@impl(nn.PadOp)
def _pad(op: nn.PadOp, x):
    value = op.prop("value")
    xt = _et(op.input)
    if isinstance(xt, QuantType):
        fill = int(
            np.clip(
                xt.zero_point + fp.round_half_away(np.float64(value / xt.scale)), xt.qmin, xt.qmax
            )
        )
    elif isinstance(xt, IntegerType):
        fill = int(value)
    else:
        fill = np.float32(value)
    return K.pad_array(x, op.prop("pads"), op.prop("mode"), fill)


@impl(nn.SliceOp)
def _slice(op: nn.SliceOp, x):
    return K.slice_array(x, op.prop("starts"), op.prop("ends"), op.prop("steps"))


@impl(nn.SplitOp)
def _split(op: nn.SplitOp, x):
    axis = op.prop("axis") % x.ndim
    sizes = [r.type.get_shape()[axis] for r in op.outputs]
    cuts = np.cumsum(sizes)[:-1]
    return tuple(np.split(x, cuts, axis=axis))


@impl(nn.GatherOp)
def _gather(op: nn.GatherOp, x):
    idx = np.asarray(op.prop("indices")).astype(np.int64)
    axis = op.prop("axis") % x.ndim
    idx = np.where(idx < 0, idx + x.shape[axis], idx)
    return np.take(x, idx, axis=axis)


@impl(nn.ResizeOp)
def _resize(op: nn.ResizeOp, x):
    out_shape = tuple(op.output.type.get_shape())
    mode = op.prop("mode")
    xt, yt = _et(op.input), _et(op.output)
    args = (out_shape, op.prop("scales"), mode, op.prop("coordinate_mode"), op.prop("nearest_mode"))
    if isinstance(yt, QuantType) and mode == "linear":
        real = K.resize(dequant(x, xt).astype(np.float64), *args)
        return quant(real, yt, _mode(op))
    y = K.resize(x, *args)
    if isinstance(yt, QuantType):
        assert isinstance(xt, QuantType)
        return _requant_same(y, xt, yt, _mode(op))
    if isinstance(yt, IntegerType) and mode == "linear":
        return np.round(y).astype(x.dtype)
    return y.astype(x.dtype)


# ---------------------------------------------------------------------------------------------
# type conversions


@impl(nn.QuantizeOp)
def _quantize(op: nn.QuantizeOp, x):
    """TFLite / ONNX rounding of x / scale (then + zero point), or QONNX's rounding of
    x / scale + zero point (`qonnx_*`); `narrow` saturates to the narrow range."""
    t, mode = _et(op.output), _mode(op)
    xf = x.astype(np.float32)
    qonnx = mode.startswith("qonnx_")
    if isinstance(t, BinaryType):
        return fp.qonnx_bipolar_sign(xf, t.broadcast_alpha(x.ndim)) if qonnx else quant(xf, t)
    assert isinstance(t, QuantType)
    qmin, qmax = nn.narrow_range(t) if op.prop("narrow") else (t.qmin, t.qmax)
    s, z = t.broadcast_params(x.ndim)
    if qonnx:
        q = fp.qonnx_quantize(xf, s, z, qmin, qmax, mode)
    else:
        q = fp.quantize(xf, s, z, qmin, qmax, mode)
    return q.astype(t.storage_dtype())


@impl(nn.ThresholdOp)
def _threshold(op: nn.ThresholdOp, x, thresholds):
    """+1 where x >= t (direction 1) or x <= t (direction -1), per channel (last axis)."""
    acc = x.astype(np.int64)
    t = thresholds.astype(np.int64)
    d = op.prop("direction")
    up = np.ones(t.shape, bool) if d is None else np.asarray(d) > 0
    hit = np.where(up, acc >= t, acc <= t)
    return np.where(hit, 1, -1).astype(np.int8)


@impl(nn.DequantizeOp)
def _dequantize(op: nn.DequantizeOp, x):
    xt = _et(op.input)
    if isinstance(xt, IntegerType):
        return x.astype(np.float32)
    return dequant(x, xt)


@impl(nn.RequantizeOp)
def _requantize(op: nn.RequantizeOp, x):
    xt, yt = _et(op.input), _et(op.output)
    assert isinstance(yt, QuantType)
    if isinstance(xt, IntegerType):  # raw accumulator with scale 1
        return fp.quantize(
            x.astype(np.float64), yt.scale, yt.zero_point, yt.qmin, yt.qmax, _mode(op)
        ).astype(yt.storage_dtype())
    assert isinstance(xt, QuantType)
    if xt.channel_axis is not None or yt.channel_axis is not None:
        real = dequant(x, xt).astype(np.float64)
        return quant(real, yt, _mode(op))
    if (
        _mode(op) == "tflite"
        and x.dtype in (np.int8, np.uint8, np.int16, np.int32)
        and yt.width in (8, 16, 32)
        and (yt.is_signed or yt.width < 32)
    ):
        # TFLM QUANTIZE between integer types (int32 wrap of x - zp, as the C++)
        return fp.q_requantize(
            x, xt.scale, xt.zero_point, yt.scale, yt.zero_point, yt.width, yt.is_signed
        ).astype(yt.storage_dtype())
    return _requant_same(x, xt, yt, _mode(op))


@impl(nn.StorageCastOp)
def _storage_cast(op: nn.StorageCastOp, x):
    return x.astype(storage_dtype(_et(op.output)), copy=False)
