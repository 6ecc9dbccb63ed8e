"""Adapter between the `nn` reference semantics and the TFLite integer arithmetic.

`fixedpoint.py` holds TFLite's/gemmlowp's primitives and `qkernels.py` TFLite Micro's integer
kernels, both verified bit for bit against TFLite Micro. This module maps `nn` ops with quantized
types onto them:

* TFLite conventions (`rounding` absent or "tflite"): the TFLM kernel when TFLite has one for the
  type combination (int8 / int16x8 conv, depthwise, dense, transpose conv, add, sub, mul, pools,
  mean, softmax, logistic, tanh, hard-swish, leaky ReLU, ReLU, requantize, quantize);
* combinations TFLite does not define (other output scales for softmax/logistic/tanh, nonzero
  weight zero points, ONNX's `count_include_pad`) and `rounding = "onnx"`: real-valued compute
  followed by quantization with the op's rounding — documented per function below.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from edgeai.reference import fixedpoint as fp
from edgeai.reference import qkernels as qk

round_half_away = fp.round_half_away
round_half_even = fp.round_half_even
rescale = fp.rescale


def dequantize(q: np.ndarray, scale, zp) -> np.ndarray:
    """Real values (float32) of quantized storage values; scale/zp may be broadcast arrays."""
    return fp.dequantize(q, scale, zp)


def quantize(x: np.ndarray, scale, zp, qmin: int, qmax: int, mode: str = "tflite") -> np.ndarray:
    """Round real values to storage values: TFLite (float32 divide, half away) or ONNX (half even)."""
    return fp.quantize(x, scale, zp, qmin, qmax, mode)


def requantize(
    x: np.ndarray, s_in: float, z_in: int, s_out: float, z_out: int, qmin: int, qmax: int, mode: str
) -> np.ndarray:
    """Change quantization parameters (TFLite REQUANTIZE: fixed-point multiplier s_in / s_out)."""
    acc = np.asarray(x, dtype=np.int64) - z_in
    return fp.rescale(acc, s_in / s_out, z_out, qmin, qmax, mode)


def rounded_average(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Integer average rounded half away from zero (TFLite AveragePool's division)."""
    sums = np.asarray(sums, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    half = counts // 2
    return np.where(sums >= 0, (sums + half) // counts, -((-sums + half) // counts))


def _dtype(bits: int, signed: bool = True) -> type:
    return (
        {8: np.int8, 16: np.int16, 32: np.int32}[bits]
        if signed
        else {8: np.uint8, 16: np.uint16}[bits]
    )


# -- binary ----------------------------------------------------------------------------------


def q_add(
    a, sa, za, b, sb, zb, sy, zy, qmin, qmax, *, subtract: bool = False, bits: int = 8
) -> np.ndarray:
    """TFLM ADD / SUB (int8: left shift 20, int16: 15) on broadcast operands."""
    fn = qk.sub if subtract else qk.add
    return fn(
        np.asarray(a),
        np.asarray(b),
        input1_scale=sa,
        input1_zero_point=za,
        input2_scale=sb,
        input2_zero_point=zb,
        output_scale=sy,
        output_zero_point=zy,
        act_min=qmin,
        act_max=qmax,
    )


def q_mul(a, sa, za, b, sb, zb, sy, zy, qmin, qmax) -> np.ndarray:
    """TFLM MUL."""
    return qk.mul(
        np.asarray(a),
        np.asarray(b),
        input1_scale=sa,
        input1_zero_point=za,
        input2_scale=sb,
        input2_zero_point=zb,
        output_scale=sy,
        output_zero_point=zy,
        act_min=qmin,
        act_max=qmax,
    )


# -- convolutions ----------------------------------------------------------------------------


def conv_like(
    kind: str, x, w, b, *, sx, zx, sw, sy, zy, qmin, qmax, strides, dilations, padding, groups=1
):
    """TFLM CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED / TRANSPOSE_CONV (symmetric weights);
    `kind` is "conv2d", "depthwise", "dense" or "transpose"."""
    common = dict(
        input_scale=sx, input_zero_point=zx, weight_scale=sw, output_scale=sy, output_zero_point=zy
    )
    if kind == "conv2d":
        return qk.conv2d(
            x,
            w,
            b,
            stride=strides,
            dilation=dilations,
            padding=padding,
            groups=groups,
            act_min=qmin,
            act_max=qmax,
            **common,
        )
    if kind == "depthwise":
        return qk.depthwise_conv2d(
            x,
            w,
            b,
            stride=strides,
            dilation=dilations,
            padding=padding,
            act_min=qmin,
            act_max=qmax,
            **common,
        )
    if kind == "dense":
        shape = x.shape
        y = qk.fully_connected(x.reshape(-1, shape[-1]), w, b, act_min=qmin, act_max=qmax, **common)
        return y.reshape(*shape[:-1], w.shape[0])
    if kind == "transpose":
        # nn padding [top, left, bottom, right] with out = (in - 1) * s + k - top - bottom; TFLite
        # takes the output size and skips scattered taps outside it (a negative bottom/right is
        # an output larger than the natural size: those rows/columns get the bias only)
        if tuple(dilations or (1, 1)) != (1, 1) or groups != 1:
            raise ValueError("TFLite TRANSPOSE_CONV has no dilation or groups")
        sh, sw_ = strides
        top, left, bottom, right = padding
        out_hw = (
            (x.shape[1] - 1) * sh + w.shape[1] - top - bottom,
            (x.shape[2] - 1) * sw_ + w.shape[2] - left - right,
        )
        return qk.transpose_conv(
            x,
            w,
            b,
            stride=strides,
            padding=(top, left),
            output_hw=out_hw,
            act_min=qmin,
            act_max=qmax,
            **common,
        )
    raise ValueError(kind)


# -- unary -----------------------------------------------------------------------------------


def q_leaky_relu(x, sx, zx, alpha, sy, zy, qmin, qmax) -> np.ndarray:
    """TFLM LEAKY_RELU."""
    return qk.leaky_relu(
        np.asarray(x),
        input_scale=sx,
        input_zero_point=zx,
        output_scale=sy,
        output_zero_point=zy,
        alpha=alpha,
    )


def q_relu(x, sx, zx, sy, zy) -> np.ndarray:
    """TFLM RELU (requantize to the output parameters, clamp at the output zero point)."""
    return qk.relu(
        np.asarray(x), input_scale=sx, input_zero_point=zx, output_scale=sy, output_zero_point=zy
    )


#: output quantization TFLite fixes for each kernel and output storage width: (scale, zero
#: point). Softmax: the int8-input kernel writes int8 (1/256, -128) or int16 (1/65536, -32768);
#: TFLite's int16-input softmax (output 1/32768, 0) is a different (LUT) kernel that qkernels does
#: not implement, so int16 -> int16 softmax runs in float.
FIXED_OUTPUT = {
    ("softmax", 8): (1.0 / 256, -128),
    ("softmax", 16): (1.0 / 65536, -32768),
    ("logistic", 8): (1.0 / 256, -128),
    ("logistic", 16): (1.0 / 32768, 0),
    ("tanh", 8): (1.0 / 128, 0),
    ("tanh", 16): (1.0 / 32768, 0),
}


def has_tflite_kernel(kind: str, bits: int, sy: float, zy: int) -> bool:
    """Whether TFLite defines `kind` with this output quantization."""
    return FIXED_OUTPUT.get((kind, bits)) == (sy, zy)


def q_softmax(x, sx, bits: int, beta: float = 1.0) -> np.ndarray:
    """TFLM SOFTMAX over the last axis (int8 input; output int8 1/256:-128 or int16
    1/65536:-32768).

    TFLite's ``PreprocessSoftmaxScaling`` multiplies ``beta * input_scale`` in double. When a
    scale is not a float32 value (e.g. a TFLite beta folded into the input scale), the product is
    passed in double, which is what TFLM computes from the unfolded float32 parameters."""
    out_dtype = _dtype(bits)
    if float(np.float32(sx)) == float(sx) and float(np.float32(beta)) == float(beta):
        return qk.softmax(np.asarray(x), input_scale=sx, beta=beta, out_dtype=out_dtype)
    return qk.softmax(
        np.asarray(x), input_scale=sx, out_dtype=out_dtype, beta_scale=float(beta) * float(sx)
    )


def q_logistic(x, sx, zx) -> np.ndarray:
    """TFLM LOGISTIC (output parameters fixed by TFLite)."""
    return qk.logistic(np.asarray(x), input_scale=sx, input_zero_point=zx)


def q_tanh(x, sx, zx) -> np.ndarray:
    """TFLM TANH (output parameters fixed by TFLite)."""
    return qk.tanh(np.asarray(x), input_scale=sx, input_zero_point=zx)


def q_hard_swish(x, sx, zx, sy, zy) -> np.ndarray:
    """TFLM HARD_SWISH (int8)."""
    return qk.hard_swish(
        np.asarray(x), input_scale=sx, input_zero_point=zx, output_scale=sy, output_zero_point=zy
    )


def q_mean(x, axes: Sequence[int], keepdims: bool, sx, zx, sy, zy) -> np.ndarray:
    """TFLM MEAN (integer path: 1/n folded into the multiplier)."""
    return qk.mean(
        np.asarray(x),
        input_scale=sx,
        input_zero_point=zx,
        output_scale=sy,
        output_zero_point=zy,
        axis=tuple(axes),
        keepdims=keepdims,
    )


def q_requantize(x, sx, zx, sy, zy, bits: int, signed: bool = True) -> np.ndarray:
    """TFLM QUANTIZE between integer types."""
    return qk.requantize(
        np.asarray(x),
        input_scale=sx,
        input_zero_point=zx,
        output_scale=sy,
        output_zero_point=zy,
        dtype=_dtype(bits, signed),
    )


# -- QONNX (Brevitas) quantization -------------------------------------------------------------
# QONNX's Quant/Trunc are defined by qonnx's NumPy execution in float32: the zero point is added
# to x / scale *before* rounding (a float32 addition), the value is clamped to the integer range
# and then rounded with one of the functions below, each evaluated in float32 as written (e.g.
# HALF_UP is sign(v) * floor(|v| + 0.5), whose float32 addition rounds |v| = 0.49999997 up).

#: QONNX `rounding_mode` -> `nn.quantize` rounding name
QONNX_ROUNDING: dict[str, str] = {
    "ROUND": "qonnx_half_even",
    "HALF_EVEN": "qonnx_half_even",
    "CEIL": "qonnx_ceil",
    "FLOOR": "qonnx_floor",
    "UP": "qonnx_up",
    "DOWN": "qonnx_down",
    "HALF_UP": "qonnx_half_up",
    "HALF_DOWN": "qonnx_half_down",
}


def qonnx_round(v: np.ndarray, mode: str) -> np.ndarray:
    """Round float32 values with a QONNX rounding mode (`ROUND`, `FLOOR` ... or the `nn` name
    `qonnx_floor` ...), in v's float dtype, with the same float operations as qonnx."""
    name = mode if mode.startswith("qonnx_") else QONNX_ROUNDING.get(mode.upper(), "")
    a = np.asarray(v)
    one_half = a.dtype.type(0.5)
    if name == "qonnx_half_even":
        return np.round(a)
    if name == "qonnx_ceil":
        return np.ceil(a)
    if name == "qonnx_floor":
        return np.floor(a)
    if name == "qonnx_up":
        return np.sign(a) * np.ceil(np.abs(a))
    if name == "qonnx_down":
        return np.fix(a)
    if name == "qonnx_half_up":
        return np.sign(a) * np.floor(np.abs(a) + one_half)
    if name == "qonnx_half_down":
        return np.sign(a) * np.ceil(np.abs(a) - one_half)
    raise ValueError(f"unknown QONNX rounding mode {mode!r}")


def qonnx_int_range(bits: int, signed: bool, narrow: bool) -> tuple[int, int]:
    """QONNX's integer range of a Quant: signed narrow drops the most negative value, unsigned
    narrow the largest one (Brevitas' `min_int`/`max_int`)."""
    if signed:
        return -(1 << (bits - 1)) + (1 if narrow else 0), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - (2 if narrow else 1)


def qonnx_prequant(x: np.ndarray, scale, zp) -> np.ndarray:
    """`x / scale + zp`, each operation rounded to float32 (QONNX's scaling step)."""
    xf = np.asarray(x, dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        v = (xf / np.asarray(scale, dtype=np.float32)).astype(np.float32)
        return (v + np.asarray(zp, dtype=np.float32)).astype(np.float32)


def qonnx_quantize(x: np.ndarray, scale, zp, qmin: int, qmax: int, mode: str) -> NDArray[np.int64]:
    """Storage values of QONNX's Quant: `round_mode(clamp(x / scale + zp, qmin, qmax))` in
    float32 (see `qonnx_prequant`, `qonnx_round`), then saturated to [qmin, qmax] (a no-op when
    every integer of the range and its half-way neighbours are float32 values, |q| <= 2**23).
    NaN inputs are undefined (as in C)."""
    v = qonnx_prequant(x, scale, zp)
    v = np.clip(v, np.float32(qmin), np.float32(qmax))
    r = qonnx_round(v, mode)
    r = np.nan_to_num(np.clip(r, -(2.0**40), 2.0**40), nan=0.0).astype(np.int64)
    return np.clip(r, qmin, qmax)


def qonnx_bipolar_sign(x: np.ndarray, alpha) -> NDArray[np.int8]:
    """QONNX's 1-bit signed Quant (zero point 0): +1 where `float32(x / alpha) >= 0`, else -1
    (differs from `x >= 0` only for negative x whose quotient underflows to -0)."""
    v = qonnx_prequant(x, alpha, 0.0)
    return np.where(v >= 0, 1, -1).astype(np.int8)
