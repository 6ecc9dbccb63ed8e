"""TFLite Micro reference-kernel semantics for quantized operators, in vectorized NumPy.

Pure functions on plain arrays: no IR, no interpreter state. Each kernel follows one TFLite Micro
(TFLM) reference kernel bit for bit, including the way TFLM's ``Prepare`` derives the fixed-point
multipliers from the float32 scales stored in a ``.tflite`` file: whether a ratio of scales is
evaluated in float32 or in double changes the last bit of some multipliers, and the choices here
were checked against the TFLM runtime (``tflite-micro==0.dev20261023182759``): the real
multipliers are products/quotients of the float32 scales evaluated in double, except hard-swish
(float32, as its Prepare is written) and the optional float32 derivation of older TFLM/TFLite for
leaky ReLU.

Conventions
-----------
* Layout NHWC. Convolution weights OHWI ``[Cout, KH, KW, Cin/groups]``; depthwise weights
  ``[1, KH, KW, Cout]`` with ``Cout = Cin * depth_multiplier``; fully-connected weights ``[N, K]``;
  transpose-convolution weights ``[Cout, KH, KW, Cin]`` (TFLite's layout).
* Padding is explicit ``(top, left, bottom, right)``; :func:`tflite_padding` converts TFLite's
  ``SAME``/``VALID``. Padded taps are skipped exactly as TFLite does (equivalent to padding with the
  input zero point).
* Scales are Python floats or float arrays and are rounded to float32 first (as a ``.tflite``
  stores them); zero points are ints. Weight scales may be per tensor (scalar) or per output
  channel (1-D, length ``Cout``). Weights are symmetric (zero point 0) except for per-tensor
  fully-connected, where TFLite still applies ``weights_offset``.
* int8 kernels accumulate in int32 (wrapping, as the C++ does); int16x8 kernels (int16
  activations, int8 weights) accumulate in int64 when the bias is int64 (or absent) and in int32
  when the bias is int32, and use the matching ``MultiplyByQuantizedMultiplier`` overload. int16
  activations must have zero point 0 (TFLite ignores the offsets in those kernels).
* Fused activations are given as ``act_min``/``act_max`` on the quantized output scale (see
  :func:`activation_range`); ``None`` means the full range of the output type.
* Requantization uses the double-rounding ``MultiplyByQuantizedMultiplier`` that TFLM's
  reference kernels are built with (``TFLITE_SINGLE_ROUNDING`` off).

Convolutions compute the integer dot products as im2col + float64 matrix products; every partial
sum is an integer far below 2**53, so the result is exact and fast enough for whole MLPerf Tiny
models.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from edgeai.reference import fixedpoint as fp

__all__ = [
    "activation_range",
    "add",
    "average_pool2d",
    "clamp_activation",
    "conv2d",
    "conv_output_multipliers",
    "depthwise_conv2d",
    "dequantize",
    "fully_connected",
    "hard_swish",
    "leaky_relu",
    "logistic",
    "max_pool2d",
    "mean",
    "mul",
    "quantize",
    "relu",
    "relu6",
    "requantize",
    "softmax",
    "sub",
    "tanh",
    "tflite_padding",
    "transpose_conv",
    "transpose_conv_padding",
]

Padding4 = tuple[int, int, int, int]
Activation = Literal["NONE", "RELU", "RELU6", "RELU_N1_TO_1"] | None

_QDTYPES = (np.int8, np.uint8, np.int16, np.int32)


def _dtype_range(dtype: np.dtype | type) -> tuple[int, int]:
    info = np.iinfo(np.dtype(dtype))
    return int(info.min), int(info.max)


def _f64_of_f32(x: float | ArrayLike) -> NDArray[np.float64]:
    """A scale as TFLite sees it: float32, widened to double."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def _check_dtype(x: np.ndarray, allowed: Sequence[type], what: str) -> None:
    if x.dtype.type not in allowed:
        names = ", ".join(np.dtype(t).name for t in allowed)
        raise TypeError(f"{what}: expected dtype in ({names}), got {x.dtype}")


def _act_bounds(
    dtype: np.dtype | type, act_min: int | None, act_max: int | None
) -> tuple[int, int]:
    lo, hi = _dtype_range(dtype)
    return (lo if act_min is None else int(act_min)), (hi if act_max is None else int(act_max))


def _pair(v: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(v, int | np.integer):
        return int(v), int(v)
    a, b = v
    return int(a), int(b)


def _pad4(padding: Sequence[int] | None) -> Padding4:
    if padding is None:
        return (0, 0, 0, 0)
    p = tuple(int(v) for v in padding)
    if len(p) == 2:
        p = (p[0], p[1], p[0], p[1])
    if len(p) != 4:
        raise ValueError("padding must be (top, left, bottom, right) or (top, left)")
    if min(p) < 0:
        raise ValueError("padding must be non-negative")
    return p  # type: ignore[return-value]


# ----------------------------------------------------------------------------------------------
# Parameter helpers (TFLite Prepare logic)
# ----------------------------------------------------------------------------------------------


def activation_range(
    activation: Activation, scale: float, zero_point: int, dtype: np.dtype | type
) -> tuple[int, int]:
    """TFLite ``CalculateActivationRangeQuantized``: the ``(act_min, act_max)`` of a fused
    activation on the output's quantized scale, ``zp + round_half_away(f / scale)`` in float32,
    intersected with the range of ``dtype``."""
    lo, hi = _dtype_range(dtype)
    act = "NONE" if activation is None else activation.upper()

    def q(f: float) -> int:
        return int(zero_point) + int(fp.round_half_away(np.float32(f) / np.float32(scale)))

    if act == "NONE":
        return lo, hi
    if act == "RELU":
        return max(lo, q(0.0)), hi
    if act == "RELU6":
        return max(lo, q(0.0)), min(hi, q(6.0))
    if act == "RELU_N1_TO_1":
        return max(lo, q(-1.0)), min(hi, q(1.0))
    raise ValueError(f"unsupported fused activation {activation!r}")


def tflite_padding(
    padding: Literal["SAME", "VALID"],
    in_hw: Sequence[int],
    kernel_hw: Sequence[int],
    stride: int | Sequence[int] = 1,
    dilation: int | Sequence[int] = 1,
) -> Padding4:
    """Explicit ``(top, left, bottom, right)`` padding equivalent to TFLite's ``SAME``/``VALID``
    (``ComputePaddingHeightWidth``): total ``max((out - 1) * s + eff_k - in, 0)``, the odd extra
    pixel at the bottom/right."""
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    pads = []
    for size, k, s, d in ((in_hw[0], kernel_hw[0], sh, dh), (in_hw[1], kernel_hw[1], sw, dw)):
        eff = (k - 1) * d + 1
        if padding == "SAME":
            out = (size + s - 1) // s
        elif padding == "VALID":
            out = (size + s - eff) // s
        else:
            raise ValueError(f"unknown padding {padding!r}")
        total = max((out - 1) * s + eff - size, 0)
        pads.append((total // 2, total - total // 2))
    return (pads[0][0], pads[1][0], pads[0][1], pads[1][1])


def transpose_conv_padding(
    padding: Literal["SAME", "VALID"],
    out_hw: Sequence[int],
    kernel_hw: Sequence[int],
    stride: int | Sequence[int] = 1,
) -> Padding4:
    """TFLite's transpose-conv padding: ``ComputePaddingHeightWidth`` applied to the *output*
    size, as if it were the input of the forward convolution. Only ``(top, left)`` of the result
    matter to :func:`transpose_conv` together with the explicit output size (TFLite also takes
    the output size from the model and skips out-of-range positions)."""
    return tflite_padding(padding, out_hw, kernel_hw, stride, 1)


def conv_output_multipliers(
    input_scale: float,
    weight_scale: float | ArrayLike,
    output_scale: float,
    channels: int,
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Per-output-channel ``(multiplier, shift)`` as TFLite's
    ``PopulateConvolutionQuantizationParams``: ``double(s_in) * double(s_w[c]) / double(s_out)``
    (double arithmetic on float32 scales), a scalar weight scale broadcast to every channel."""
    ws = np.broadcast_to(_f64_of_f32(weight_scale), (channels,))
    eff = (_f64_of_f32(input_scale) * ws) / _f64_of_f32(output_scale)
    return fp.quantize_multiplier(eff)


def _fc_per_tensor_multiplier(
    input_scale: float, weight_scale: float, output_scale: float
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Per-tensor fully-connected multiplier ``double(s_in) * double(s_w) / double(s_out)``.

    This is what the TFLM runtime computes (checked against it with int16 outputs, where the
    float32-product variant ``double(float(s_in * s_w)) / double(s_out)`` of some
    ``GetQuantizedConvolutionMultipler`` revisions differs in the last bit)."""
    real = float(np.float32(input_scale)) * float(np.float32(weight_scale))
    return fp.quantize_multiplier(real / float(np.float32(output_scale)))


def _finish_accumulator(
    acc: NDArray[np.int64],
    bias: np.ndarray | None,
    mult: ArrayLike,
    shift: ArrayLike,
    output_zero_point: int,
    lo: int,
    hi: int,
    *,
    wide: bool,
    add_output_offset: bool,
) -> NDArray[np.int64]:
    """Bias, requantization, output offset and clamping shared by the conv-like kernels.

    ``wide``: int64 accumulator + ``MultiplyByQuantizedMultiplier(int64_t ...)``; otherwise int32
    (wrapping) accumulator + the int32 overload."""
    if wide:
        if bias is not None:
            acc = acc + bias.astype(np.int64)
        out = fp.multiply_by_quantized_multiplier_int64(acc, mult, shift)
    else:
        acc = fp.wrap_int32(acc)
        if bias is not None:
            acc = fp.wrap_int32(acc + bias.astype(np.int64))
        out = fp.multiply_by_quantized_multiplier(acc, mult, shift)
    if add_output_offset:
        out = fp.wrap_int32(out + output_zero_point)
    return fp.saturate(out, lo, hi)


def _accumulation_mode(x: np.ndarray, bias: np.ndarray | None) -> tuple[bool, bool]:
    """``(wide, int16_activations)`` for a conv-like kernel, from the input and bias dtypes."""
    if x.dtype == np.int16:
        if bias is not None and bias.dtype not in (np.int16, np.int32, np.int64):
            raise TypeError(f"int16x8 bias must be int64/int32/int16, got {bias.dtype}")
        wide = bias is None or bias.dtype != np.int32
        return wide, True
    if bias is not None and bias.dtype != np.int32:
        raise TypeError(f"int8 bias must be int32, got {bias.dtype}")
    return False, False


def _check_int16_offsets(input_zero_point: int, output_zero_point: int, what: str) -> None:
    if input_zero_point != 0 or output_zero_point != 0:
        raise ValueError(f"{what}: int16 activations need zero points 0 (TFLite ignores them)")


# ----------------------------------------------------------------------------------------------
# Convolutions and fully connected
# ----------------------------------------------------------------------------------------------


def _out_size(size: int, k: int, s: int, d: int, before: int, after: int) -> int:
    eff = (k - 1) * d + 1
    out = (size + before + after - eff) // s + 1
    if out <= 0:
        raise ValueError("convolution window larger than the padded input")
    return out


def _taps(
    xp: np.ndarray,
    kernel_hw: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    out_hw: tuple[int, int],
) -> Iterator[tuple[int, int, np.ndarray]]:
    """Yield ``(kh, kw, view)`` with ``view[n, oy, ox, c] = xp[n, oy*sh + kh*dh, ox*sw + kw*dw, c]``."""
    (kh_n, kw_n), (sh, sw), (dh, dw), (oh, ow) = kernel_hw, stride, dilation, out_hw
    for kh in range(kh_n):
        y0 = kh * dh
        for kw in range(kw_n):
            x0 = kw * dw
            yield kh, kw, xp[:, y0 : y0 + (oh - 1) * sh + 1 : sh, x0 : x0 + (ow - 1) * sw + 1 : sw]


def _pad_nhwc(x: np.ndarray, pad: Padding4, value: int | float = 0) -> np.ndarray:
    t, left, b, r = pad
    if not any(pad):
        return x
    return np.pad(x, ((0, 0), (t, b), (left, r), (0, 0)), constant_values=value)


def _exact_matmul(a: np.ndarray, b: np.ndarray) -> NDArray[np.int64]:
    """Integer matrix product via float64 BLAS; exact while partial sums stay below 2**53."""
    prod = a.astype(np.float64) @ b.astype(np.float64)
    return prod.astype(np.int64)


def conv2d(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None,
    *,
    input_scale: float,
    input_zero_point: int,
    weight_scale: float | ArrayLike,
    output_scale: float,
    output_zero_point: int,
    stride: int | Sequence[int] = 1,
    dilation: int | Sequence[int] = 1,
    padding: Sequence[int] | None = None,
    groups: int | None = None,
    act_min: int | None = None,
    act_max: int | None = None,
) -> np.ndarray:
    """Quantized 2-D convolution, TFLM ``CONV_2D`` (``reference_integer_ops::ConvPerChannel``).

    ``x`` ``[N, H, W, Cin]`` int8 (or int16 for int16x8), ``w`` ``[Cout, KH, KW, Cin/groups]``
    int8, ``bias`` ``[Cout]`` int32 (int8) / int64 or int32 (int16x8) or ``None``. ``groups`` is
    inferred from ``Cin / w.shape[3]`` when omitted. Per channel:
    ``acc = sum w * (x - zp_in) + bias`` (int32 wrapping for int8), then
    ``MultiplyByQuantizedMultiplier(acc, M[c], shift[c])`` with
    ``M = double(s_in) * double(s_w[c]) / double(s_out)``, plus ``zp_out`` (int8 only; int16
    requires zero points 0), clamped to ``[act_min, act_max]``. Returns the output dtype of
    ``x``."""
    x = np.asarray(x)
    w = np.asarray(w)
    _check_dtype(x, (np.int8, np.int16), "conv2d input")
    _check_dtype(w, (np.int8,), "conv2d weights")
    bias = None if bias is None else np.asarray(bias)
    wide, is16 = _accumulation_mode(x, bias)
    if is16:
        _check_int16_offsets(input_zero_point, output_zero_point, "conv2d")
    n, h, wd, cin = x.shape
    cout, kh, kw, cin_g = w.shape
    if groups is None:
        if cin % cin_g:
            raise ValueError("input channels not a multiple of the filter's input depth")
        groups = cin // cin_g
    if cin_g * groups != cin or cout % groups:
        raise ValueError("inconsistent groups for conv2d")
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    pad = _pad4(padding)
    oh = _out_size(h, kh, sh, dh, pad[0], pad[2])
    ow = _out_size(wd, kw, sw, dw, pad[1], pad[3])
    xi = x.astype(np.int64)
    if not is16:
        xi = xi - int(input_zero_point)
    xp = _pad_nhwc(xi, pad, 0)
    cols = np.stack(
        [view for _, _, view in _taps(xp, (kh, kw), (sh, sw), (dh, dw), (oh, ow))], axis=3
    )  # [N, OH, OW, KH*KW, Cin]
    cout_g = cout // groups
    acc = np.empty((n * oh * ow, cout), dtype=np.int64)
    for g in range(groups):
        cg = cols[..., g * cin_g : (g + 1) * cin_g].reshape(n * oh * ow, kh * kw * cin_g)
        wg = w[g * cout_g : (g + 1) * cout_g].reshape(cout_g, kh * kw * cin_g)
        acc[:, g * cout_g : (g + 1) * cout_g] = _exact_matmul(cg, wg.T)
    acc = acc.reshape(n, oh, ow, cout)
    mult, shift = conv_output_multipliers(input_scale, weight_scale, output_scale, cout)
    lo, hi = _act_bounds(x.dtype, act_min, act_max)
    out = _finish_accumulator(
        acc, bias, mult, shift, output_zero_point, lo, hi, wide=wide, add_output_offset=not is16
    )
    return out.astype(x.dtype)


def depthwise_conv2d(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None,
    *,
    input_scale: float,
    input_zero_point: int,
    weight_scale: float | ArrayLike,
    output_scale: float,
    output_zero_point: int,
    stride: int | Sequence[int] = 1,
    dilation: int | Sequence[int] = 1,
    padding: Sequence[int] | None = None,
    depth_multiplier: int | None = None,
    act_min: int | None = None,
    act_max: int | None = None,
) -> np.ndarray:
    """Quantized depthwise convolution, TFLM ``DEPTHWISE_CONV_2D``
    (``reference_integer_ops::DepthwiseConvPerChannel``).

    ``x`` ``[N, H, W, Cin]``, ``w`` ``[1, KH, KW, Cout]`` with ``Cout = Cin * depth_multiplier``;
    output channel ``oc = ic * depth_multiplier + m`` reads input channel ``ic``. Requantization
    per output channel exactly as :func:`conv2d` (int16x8 supports only int64 bias in TFLite; an
    int32 bias selects the int32 accumulator here)."""
    x = np.asarray(x)
    w = np.asarray(w)
    _check_dtype(x, (np.int8, np.int16), "depthwise_conv2d input")
    _check_dtype(w, (np.int8,), "depthwise_conv2d weights")
    bias = None if bias is None else np.asarray(bias)
    wide, is16 = _accumulation_mode(x, bias)
    if is16:
        _check_int16_offsets(input_zero_point, output_zero_point, "depthwise_conv2d")
    n, h, wd, cin = x.shape
    one, kh, kw, cout = w.shape
    if one != 1:
        raise ValueError("depthwise weights must be [1, KH, KW, Cout]")
    if depth_multiplier is None:
        depth_multiplier = cout // cin
    if cin * depth_multiplier != cout:
        raise ValueError("depthwise: Cout must equal Cin * depth_multiplier")
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    pad = _pad4(padding)
    oh = _out_size(h, kh, sh, dh, pad[0], pad[2])
    ow = _out_size(wd, kw, sw, dw, pad[1], pad[3])
    xi = x.astype(np.int64)
    if not is16:
        xi = xi - int(input_zero_point)
    if depth_multiplier > 1:
        xi = np.repeat(xi, depth_multiplier, axis=3)
    xp = _pad_nhwc(xi, pad, 0)
    wi = w[0].astype(np.int64)
    acc = np.zeros((n, oh, ow, cout), dtype=np.int64)
    for ky, kx, view in _taps(xp, (kh, kw), (sh, sw), (dh, dw), (oh, ow)):
        acc += view * wi[ky, kx]
    mult, shift = conv_output_multipliers(input_scale, weight_scale, output_scale, cout)
    lo, hi = _act_bounds(x.dtype, act_min, act_max)
    out = _finish_accumulator(
        acc, bias, mult, shift, output_zero_point, lo, hi, wide=wide, add_output_offset=not is16
    )
    return out.astype(x.dtype)


def fully_connected(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None,
    *,
    input_scale: float,
    input_zero_point: int,
    weight_scale: float | ArrayLike,
    output_scale: float,
    output_zero_point: int,
    weight_zero_point: int = 0,
    act_min: int | None = None,
    act_max: int | None = None,
) -> np.ndarray:
    """Quantized fully connected, TFLM ``FULLY_CONNECTED``
    (``reference_integer_ops::FullyConnected`` / ``FullyConnectedPerChannel``).

    ``x`` ``[..., K]`` (or any shape whose size is a multiple of ``K``), ``w`` ``[N, K]``. Returns
    ``[..., N]`` (``[size // K, N]`` when the last axis is not ``K``).

    Per-tensor weights: ``acc = sum (w - zp_w) * (x - zp_in) + bias`` and the multiplier
    ``double(s_in) * double(s_w) / double(s_out)`` (as the TFLM runtime computes it). Per-channel
    weights (1-D ``weight_scale`` of length ``N`` > 1):
    ``zp_w`` ignored and the :func:`conv2d` multiplier formula. int16x8 as in :func:`conv2d`."""
    x = np.asarray(x)
    w = np.asarray(w)
    _check_dtype(x, (np.int8, np.int16), "fully_connected input")
    _check_dtype(w, (np.int8,), "fully_connected weights")
    bias = None if bias is None else np.asarray(bias)
    wide, is16 = _accumulation_mode(x, bias)
    if is16:
        _check_int16_offsets(input_zero_point, output_zero_point, "fully_connected")
    nout, k = w.shape
    if x.shape and x.shape[-1] == k:
        out_shape = (*x.shape[:-1], nout)
    elif x.size % k == 0:
        out_shape = (x.size // k, nout)
    else:
        raise ValueError("fully_connected: input size not a multiple of the weights' depth")
    ws = np.asarray(weight_scale, dtype=np.float32)
    per_channel = ws.ndim > 0 and ws.size > 1
    xi = x.reshape(-1, k).astype(np.int64)
    if not is16:
        xi = xi - int(input_zero_point)
    wi = w.astype(np.int64)
    if not per_channel:
        wi = wi - int(weight_zero_point)
        mult, shift = _fc_per_tensor_multiplier(input_scale, float(ws.reshape(-1)[0]), output_scale)
    else:
        mult, shift = conv_output_multipliers(input_scale, ws, output_scale, nout)
    acc = _exact_matmul(xi, wi.T)
    lo, hi = _act_bounds(x.dtype, act_min, act_max)
    out = _finish_accumulator(
        acc, bias, mult, shift, output_zero_point, lo, hi, wide=wide, add_output_offset=not is16
    )
    return out.astype(x.dtype).reshape(out_shape)


def transpose_conv(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None,
    *,
    input_scale: float,
    input_zero_point: int,
    weight_scale: float | ArrayLike,
    output_scale: float,
    output_zero_point: int,
    stride: int | Sequence[int] = 1,
    padding: Sequence[int] | None = None,
    output_hw: Sequence[int] | None = None,
    act_min: int | None = None,
    act_max: int | None = None,
) -> np.ndarray:
    """Quantized transpose convolution, TFLM ``TRANSPOSE_CONV``
    (``reference_integer_ops::TransposeConv``, scatter form).

    ``x`` ``[N, H, W, Cin]``, ``w`` ``[Cout, KH, KW, Cin]``. Input pixel ``(iy, ix)`` adds
    ``(x - zp_in) * w[:, ky, kx, :]`` to output ``(iy*sh - top + ky, ix*sw - left + kx)`` when it
    lies inside the output. ``padding`` is ``(top, left[, bottom, right])``; the output size is
    ``output_hw`` or, when omitted, ``(in - 1) * s + k - top - bottom``. The scatter buffer is
    int32 for int8 (wrapping) and follows the bias dtype for int16x8 (int64 by default; an int16
    bias is widened to int64 like TFLM does). Requantization as :func:`conv2d`; TFLM's kernel
    clamps to ``[act_min, act_max]`` (the full range unless a fused activation is given)."""
    x = np.asarray(x)
    w = np.asarray(w)
    _check_dtype(x, (np.int8, np.int16), "transpose_conv input")
    _check_dtype(w, (np.int8,), "transpose_conv weights")
    bias = None if bias is None else np.asarray(bias)
    if bias is not None and x.dtype == np.int16 and bias.dtype == np.int16:
        bias = bias.astype(np.int64)
    wide, is16 = _accumulation_mode(x, bias)
    if is16:
        _check_int16_offsets(input_zero_point, output_zero_point, "transpose_conv")
    n, h, wd, cin = x.shape
    cout, kh, kw, cin_w = w.shape
    if cin_w != cin:
        raise ValueError("transpose_conv: weight input depth mismatch")
    sh, sw = _pair(stride)
    top, left, bottom, right = _pad4(padding)
    if output_hw is None:
        oh = (h - 1) * sh + kh - top - bottom
        ow = (wd - 1) * sw + kw - left - right
    else:
        oh, ow = (int(v) for v in output_hw)
    if oh <= 0 or ow <= 0:
        raise ValueError("transpose_conv: empty output")
    xi = x.astype(np.int64)
    if not is16:
        xi = xi - int(input_zero_point)
    # One product for all taps: [N*H*W, Cin] @ [Cin, KH*KW*Cout].
    wt = w.transpose(3, 1, 2, 0).reshape(cin, kh * kw * cout)
    contrib = _exact_matmul(xi.reshape(-1, cin), wt).reshape(n, h, wd, kh, kw, cout)
    full_h = max((h - 1) * sh + kh, top + oh)
    full_w = max((wd - 1) * sw + kw, left + ow)
    buf = np.zeros((n, full_h, full_w, cout), dtype=np.int64)
    for ky in range(kh):
        for kx in range(kw):
            buf[:, ky : ky + (h - 1) * sh + 1 : sh, kx : kx + (wd - 1) * sw + 1 : sw] += contrib[
                :, :, :, ky, kx
            ]
    acc = buf[:, top : top + oh, left : left + ow]
    mult, shift = conv_output_multipliers(input_scale, weight_scale, output_scale, cout)
    lo, hi = _act_bounds(x.dtype, act_min, act_max)
    out = _finish_accumulator(
        acc, bias, mult, shift, output_zero_point, lo, hi, wide=wide, add_output_offset=not is16
    )
    return out.astype(x.dtype)


# ----------------------------------------------------------------------------------------------
# Elementwise arithmetic
# ----------------------------------------------------------------------------------------------


def _add_sub_params(
    s1: float, s2: float, so: float, left_shift: int
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """TFLM ``CalculateOpDataAdd`` / ``CalculateOpDataSub``: double arithmetic on the float32
    scales, each multiplier through ``QuantizeMultiplierSmallerThanOneExp``."""
    twice = 2.0 * float(max(np.float32(s1), np.float32(s2)))
    r1 = float(np.float32(s1)) / twice
    r2 = float(np.float32(s2)) / twice
    ro = twice / (float(1 << left_shift) * float(np.float32(so)))
    p1 = fp.quantize_multiplier_smaller_than_one_exp(r1)
    p2 = fp.quantize_multiplier_smaller_than_one_exp(r2)
    po = fp.quantize_multiplier_smaller_than_one_exp(ro)
    return (
        (int(p1[0]), int(p1[1])),
        (int(p2[0]), int(p2[1])),
        (int(po[0]), int(po[1])),
    )


def _add_sub(
    x1: np.ndarray,
    x2: np.ndarray,
    sign: int,
    input1_scale: float,
    input1_zero_point: int,
    input2_scale: float,
    input2_zero_point: int,
    output_scale: float,
    output_zero_point: int,
    act_min: int | None,
    act_max: int | None,
    pot_scale: bool,
    what: str,
) -> np.ndarray:
    x1 = np.asarray(x1)
    x2 = np.asarray(x2)
    _check_dtype(x1, (np.int8, np.int16), what)
    if x2.dtype != x1.dtype:
        raise TypeError(f"{what}: both inputs must have the same dtype")
    lo, hi = _act_bounds(x1.dtype, act_min, act_max)
    if pot_scale:
        if x1.dtype != np.int16:
            raise ValueError(f"{what}: the power-of-two path exists for int16 only")
        if input1_zero_point or input2_zero_point or output_zero_point:
            raise ValueError(f"{what}: the power-of-two path needs zero points 0")
        logs = []
        for s in (input1_scale, input2_scale, output_scale):
            ok, lg = fp.checked_log2(s)
            if not ok:
                raise ValueError(f"{what}: pot_scale needs power-of-two scales")
            logs.append(lg)
        sh1, sh2 = logs[0] - logs[2], logs[1] - logs[2]
        if sh1 > 0 or sh2 > 0 or (sh1 != 0 and sh2 != 0):
            raise ValueError(f"{what}: pot_scale needs one input on the output scale")
        a = fp.rounding_divide_by_pot(x1, -sh1)
        b = fp.rounding_divide_by_pot(x2, -sh2)
        res = fp.saturate(a + sign * b, fp.INT16_MIN, fp.INT16_MAX)
        return fp.saturate(res, lo, hi).astype(x1.dtype)
    left_shift = 15 if x1.dtype == np.int16 else 20
    (m1, e1), (m2, e2), (mo, eo) = _add_sub_params(
        input1_scale, input2_scale, output_scale, left_shift
    )
    a = fp.wrap_int32((x1.astype(np.int64) - int(input1_zero_point)) << left_shift)
    b = fp.wrap_int32((x2.astype(np.int64) - int(input2_zero_point)) << left_shift)
    a = fp.multiply_by_quantized_multiplier_smaller_than_one_exp(a, m1, e1)
    b = fp.multiply_by_quantized_multiplier_smaller_than_one_exp(b, m2, e2)
    raw = fp.wrap_int32(a + sign * b)
    out = fp.multiply_by_quantized_multiplier_smaller_than_one_exp(raw, mo, eo)
    out = fp.wrap_int32(out + int(output_zero_point))
    return fp.saturate(out, lo, hi).astype(x1.dtype)


def add(
    x1: np.ndarray,
    x2: np.ndarray,
    *,
    input1_scale: float,
    input1_zero_point: int,
    input2_scale: float,
    input2_zero_point: int,
    output_scale: float,
    output_zero_point: int,
    act_min: int | None = None,
    act_max: int | None = None,
    pot_scale: bool = False,
) -> np.ndarray:
    """Quantized add (NumPy broadcasting), TFLM ``ADD``.

    General path (TFLM for int8 and int16; ``reference_integer_ops::Add`` /
    ``reference_ops::Add(..., pot_scale=false)``): each input minus its zero point is shifted left
    by 20 (int8) or 15 (int16), scaled by ``s_i / (2 * max(s1, s2))``, the sum scaled by
    ``2 * max(s1, s2) / (2**left_shift * s_out)`` (all three with
    ``MultiplyByQuantizedMultiplierSmallerThanOneExp``; multipliers computed in double), plus
    ``zp_out``, clamped.

    ``pot_scale=True`` is TFLite's int16 power-of-two path (``pot_scale_int16``, not used by
    TFLM): zero points 0, power-of-two scales, the input not on the output scale rounded-shifted
    right, then a saturating int16 add."""
    return _add_sub(
        x1,
        x2,
        1,
        input1_scale,
        input1_zero_point,
        input2_scale,
        input2_zero_point,
        output_scale,
        output_zero_point,
        act_min,
        act_max,
        pot_scale,
        "add",
    )


def sub(
    x1: np.ndarray,
    x2: np.ndarray,
    *,
    input1_scale: float,
    input1_zero_point: int,
    input2_scale: float,
    input2_zero_point: int,
    output_scale: float,
    output_zero_point: int,
    act_min: int | None = None,
    act_max: int | None = None,
    pot_scale: bool = False,
) -> np.ndarray:
    """Quantized ``x1 - x2`` (NumPy broadcasting), TFLM ``SUB``: the :func:`add` general path
    with the scaled inputs subtracted (``reference_ops::SubElementwise`` /
    ``BroadcastQuantSubSlow``), multipliers in double as for ADD (what the TFLM runtime and its
    golden vectors use; one upstream ``sub_common.cc`` revision computes them in float32, which
    differs by 1 LSB on 3 of the 5 seanet SUB models). ``pot_scale=True``: TFLite's int16
    power-of-two ``Sub16`` path."""
    return _add_sub(
        x1,
        x2,
        -1,
        input1_scale,
        input1_zero_point,
        input2_scale,
        input2_zero_point,
        output_scale,
        output_zero_point,
        act_min,
        act_max,
        pot_scale,
        "sub",
    )


def mul(
    x1: np.ndarray,
    x2: np.ndarray,
    *,
    input1_scale: float,
    input1_zero_point: int,
    input2_scale: float,
    input2_zero_point: int,
    output_scale: float,
    output_zero_point: int,
    act_min: int | None = None,
    act_max: int | None = None,
) -> np.ndarray:
    """Quantized multiply (NumPy broadcasting), TFLM ``MUL`` (``reference_integer_ops::Mul``):
    ``MultiplyByQuantizedMultiplier((x1 - zp1) * (x2 - zp2), M, shift) + zp_out`` clamped, with
    ``M = double(s1) * double(s2) / double(s_out)``. int8 and int16 (zero points 0)."""
    x1 = np.asarray(x1)
    x2 = np.asarray(x2)
    _check_dtype(x1, (np.int8, np.int16), "mul")
    if x2.dtype != x1.dtype:
        raise TypeError("mul: both inputs must have the same dtype")
    if x1.dtype == np.int16 and (input1_zero_point or input2_zero_point or output_zero_point):
        raise ValueError("mul: int16 needs zero points 0")
    real = (float(np.float32(input1_scale)) * float(np.float32(input2_scale))) / float(
        np.float32(output_scale)
    )
    m, s = fp.quantize_multiplier(real)
    prod = fp.wrap_int32(
        (x1.astype(np.int64) - int(input1_zero_point))
        * (x2.astype(np.int64) - int(input2_zero_point))
    )
    out = fp.wrap_int32(fp.multiply_by_quantized_multiplier(prod, m, s) + int(output_zero_point))
    lo, hi = _act_bounds(x1.dtype, act_min, act_max)
    return fp.saturate(out, lo, hi).astype(x1.dtype)


# ----------------------------------------------------------------------------------------------
# Pooling and reductions
# ----------------------------------------------------------------------------------------------


def _pool_geometry(
    x: np.ndarray,
    filter_hw: Sequence[int],
    stride: int | Sequence[int],
    padding: Sequence[int] | None,
) -> tuple[tuple[int, int], tuple[int, int], Padding4, tuple[int, int]]:
    fh, fw = _pair(filter_hw)  # type: ignore[arg-type]
    sh, sw = _pair(stride)
    pad = _pad4(padding)
    oh = _out_size(x.shape[1], fh, sh, 1, pad[0], pad[2])
    ow = _out_size(x.shape[2], fw, sw, 1, pad[1], pad[3])
    return (fh, fw), (sh, sw), pad, (oh, ow)


def average_pool2d(
    x: np.ndarray,
    *,
    filter_hw: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: Sequence[int] | None = None,
    act_min: int | None = None,
    act_max: int | None = None,
) -> np.ndarray:
    """Quantized average pooling, TFLM ``AVERAGE_POOL_2D`` (``reference_integer_ops::AveragePool``,
    int8/int16; input and output share scale and zero point).

    Sums the raw values of the window clipped to the image (padding excluded from the count) and
    divides with TFLite's integer rounding: ``(acc + n/2) / n`` for ``acc > 0`` else
    ``(acc - n/2) / n``, C truncating division, i.e. round half away from zero."""
    x = np.asarray(x)
    _check_dtype(x, (np.int8, np.int16), "average_pool2d")
    k, s, pad, out_hw = _pool_geometry(x, _pair(filter_hw), stride, padding)
    xp = _pad_nhwc(x.astype(np.int64), pad, 0)
    ones = _pad_nhwc(np.ones((1, x.shape[1], x.shape[2], 1), dtype=np.int64), pad, 0)
    acc = np.zeros((x.shape[0], *out_hw, x.shape[3]), dtype=np.int64)
    cnt = np.zeros((1, *out_hw, 1), dtype=np.int64)
    for _, _, view in _taps(xp, k, s, (1, 1), out_hw):
        acc += view
    for _, _, view in _taps(ones, k, s, (1, 1), out_hw):
        cnt += view
    if np.any(cnt == 0):
        raise ValueError("average_pool2d: a window lies entirely in the padding")
    half = cnt // 2
    acc = fp.wrap_int32(acc)
    avg = np.where(acc > 0, (acc + half) // cnt, -((-(acc - half)) // cnt))
    lo, hi = _act_bounds(x.dtype, act_min, act_max)
    return fp.saturate(avg, lo, hi).astype(x.dtype)


def max_pool2d(
    x: np.ndarray,
    *,
    filter_hw: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: Sequence[int] | None = None,
    act_min: int | None = None,
    act_max: int | None = None,
) -> np.ndarray:
    """Quantized max pooling, TFLM ``MAX_POOL_2D`` (``reference_integer_ops::MaxPool``): maximum
    over the window clipped to the image, clamped to ``[act_min, act_max]``."""
    x = np.asarray(x)
    _check_dtype(x, (np.int8, np.int16), "max_pool2d")
    k, s, pad, out_hw = _pool_geometry(x, _pair(filter_hw), stride, padding)
    lo_t, _ = _dtype_range(x.dtype)
    xp = _pad_nhwc(x, pad, lo_t)
    out = np.full((x.shape[0], *out_hw, x.shape[3]), lo_t, dtype=x.dtype)
    for _, _, view in _taps(xp, k, s, (1, 1), out_hw):
        np.maximum(out, view, out=out)
    lo, hi = _act_bounds(x.dtype, act_min, act_max)
    return fp.saturate(out, lo, hi).astype(x.dtype)


def mean(
    x: np.ndarray,
    *,
    input_scale: float,
    input_zero_point: int,
    output_scale: float,
    output_zero_point: int,
    axis: int | Sequence[int] = (1, 2),
    keepdims: bool = True,
) -> np.ndarray:
    """Quantized mean, TFLM ``MEAN`` for int8/int16 (``reference_ops::QuantizedMeanOrSum`` integer
    path, used for every axis set including the NHWC spatial mean).

    ``sum`` of the raw values (int32), ``n`` the number of reduced elements,
    ``(M, e) = QuantizeMultiplier(double(s_in) / double(s_out))``; the ``1/n`` is folded into the
    multiplier: ``k = min(floor(log2 n), 32, 31 + e)``, ``M' = (M << k) / n`` (truncating),
    ``e' = e - k``; output
    ``MultiplyByQuantizedMultiplier(sum - zp_in * n, M', e') + zp_out`` clamped to the type.
    (Older TFLM/TFLite versions used a float formula; this follows the current integer one.)"""
    x = np.asarray(x)
    _check_dtype(x, (np.int8, np.int16), "mean")
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    axes = tuple(sorted({a % x.ndim for a in axes}))
    n = int(np.prod([x.shape[a] for a in axes]))
    if n == 0:
        raise ValueError("mean over an empty axis")
    total = fp.wrap_int32(x.astype(np.int64).sum(axis=axes, keepdims=keepdims))
    m, e = fp.quantize_multiplier(float(np.float32(input_scale)) / float(np.float32(output_scale)))
    m, e = int(m), int(e)
    k = min(n.bit_length() - 1, 32, 31 + e)
    m2 = int(fp.wrap_int32((m << k) // n))
    e2 = e - k
    shifted = fp.wrap_int32(total - int(input_zero_point) * n)
    out = fp.wrap_int32(
        fp.multiply_by_quantized_multiplier(shifted, m2, e2) + int(output_zero_point)
    )
    lo, hi = _dtype_range(x.dtype)
    return fp.saturate(out, lo, hi).astype(x.dtype)


# ----------------------------------------------------------------------------------------------
# Quantization
# ----------------------------------------------------------------------------------------------


def quantize(
    x: ArrayLike, *, scale: float, zero_point: int, dtype: np.dtype | type = np.int8
) -> np.ndarray:
    """Float -> integer, TFLM ``QUANTIZE`` from float32 (``reference_ops::AffineQuantize``):
    ``clamp(round_half_away(float32(x) / float32(scale)) + zp)``."""
    lo, hi = _dtype_range(dtype)
    return fp.quantize(x, np.float32(scale), zero_point, lo, hi, "tflite").astype(dtype)


def dequantize(q: ArrayLike, *, scale: float, zero_point: int) -> NDArray[np.float32]:
    """Integer -> float32, TFLM ``DEQUANTIZE``: ``float(double(scale) * (q - zp))``."""
    return fp.dequantize(q, scale, zero_point)


def requantize(
    x: np.ndarray,
    *,
    input_scale: float,
    input_zero_point: int,
    output_scale: float,
    output_zero_point: int,
    dtype: np.dtype | type,
) -> np.ndarray:
    """Integer -> integer, TFLM ``QUANTIZE`` between integer types (int8 <-> int16, int32 ->
    int8/int16, int16 -> int32, ...; ``reference_ops::Requantize``):
    ``clamp(MultiplyByQuantizedMultiplier(x - zp_in, M, e) + zp_out)`` with
    ``(M, e) = QuantizeMultiplier(double(s_in) / double(s_out))``, clamped to ``dtype``."""
    x = np.asarray(x)
    _check_dtype(x, _QDTYPES, "requantize")
    m, e = fp.quantize_multiplier(float(np.float32(input_scale)) / float(np.float32(output_scale)))
    diff = fp.wrap_int32(x.astype(np.int64) - int(input_zero_point))
    out = fp.wrap_int32(fp.multiply_by_quantized_multiplier(diff, m, e) + int(output_zero_point))
    lo, hi = _dtype_range(dtype)
    return fp.saturate(out, lo, hi).astype(dtype)


# ----------------------------------------------------------------------------------------------
# Activations
# ----------------------------------------------------------------------------------------------


def clamp_activation(x: np.ndarray, act_min: int, act_max: int) -> np.ndarray:
    """A fused activation on an already-quantized tensor: ``clamp(x, act_min, act_max)``."""
    x = np.asarray(x)
    return fp.saturate(x, act_min, act_max).astype(x.dtype)


def relu(
    x: np.ndarray,
    *,
    input_scale: float,
    input_zero_point: int,
    output_scale: float,
    output_zero_point: int,
) -> np.ndarray:
    """Standalone quantized ReLU, TFLM ``RELU`` (``ReluQuantized``): requantize
    ``x - zp_in`` by ``double(s_in) / double(s_out)``, add ``zp_out``, clamp to
    ``[max(qmin, zp_out), qmax]``."""
    x = np.asarray(x)
    _check_dtype(x, (np.int8, np.int16), "relu")
    m, e = fp.quantize_multiplier(float(np.float32(input_scale)) / float(np.float32(output_scale)))
    out = fp.multiply_by_quantized_multiplier(
        x.astype(np.int64) - int(input_zero_point), m, e
    ) + int(output_zero_point)
    lo, hi = _dtype_range(x.dtype)
    act_lo = max(lo, int(output_zero_point))
    return fp.saturate(out, act_lo, hi).astype(x.dtype)


def relu6(x: np.ndarray, *, scale: float, zero_point: int) -> np.ndarray:
    """Standalone quantized ReLU6, TFLM ``RELU6`` (``Relu6Quantized``; input and output share
    quantization): clamp to ``[zp, zp + round_half_away(6 / scale)]``."""
    x = np.asarray(x)
    _check_dtype(x, (np.int8, np.int16), "relu6")
    lo, hi = _dtype_range(x.dtype)
    six = int(zero_point) + int(fp.round_half_away(np.float32(6.0) / np.float32(scale)))
    six = min(max(six, lo), hi)
    return fp.saturate(x, int(zero_point), six).astype(x.dtype)


def leaky_relu(
    x: np.ndarray,
    *,
    input_scale: float,
    input_zero_point: int,
    output_scale: float,
    output_zero_point: int,
    alpha: float,
    float32_prepare: bool = False,
) -> np.ndarray:
    """Quantized leaky ReLU, TFLM ``LEAKY_RELU`` (``reference_ops::QuantizeLeakyRelu``, int8 and
    int16): ``d = x - zp_in``; ``d >= 0`` is requantized by ``s_in / s_out``, ``d < 0`` by
    ``s_in * alpha / s_out`` (``MultiplyByQuantizedMultiplier``; a negative ``alpha`` gives a
    negative multiplier), plus ``zp_out``, clamped to the type.

    The two real multipliers are computed in double on the float32 parameters, as the current
    TFLM runtime does (checked against ``tflite-micro==0.dev20261023182759``). TFLite and older
    TFLM evaluate ``s_in * alpha / s_out`` and ``s_in / s_out`` in float32 before widening; pass
    ``float32_prepare=True`` for that (the TFLM seanet int16 goldens were produced that way and
    differ from the current runtime by 1 LSB on 4 of their 23 LEAKY_RELU models)."""
    x = np.asarray(x)
    _check_dtype(x, (np.int8, np.int16), "leaky_relu")
    s_in, s_out, a = np.float32(input_scale), np.float32(output_scale), np.float32(alpha)
    if float32_prepare:
        real_alpha = float(np.float32(np.float32(s_in * a) / s_out))
        real_identity = float(np.float32(s_in / s_out))
    else:
        real_alpha = float(s_in) * float(a) / float(s_out)
        real_identity = float(s_in) / float(s_out)
    m_alpha, e_alpha = fp.quantize_multiplier(real_alpha)
    m_id, e_id = fp.quantize_multiplier(real_identity)
    d = x.astype(np.int64) - int(input_zero_point)
    pos = fp.multiply_by_quantized_multiplier(d, m_id, e_id)
    neg = fp.multiply_by_quantized_multiplier(d, m_alpha, e_alpha)
    out = np.where(d >= 0, pos, neg) + int(output_zero_point)
    lo, hi = _dtype_range(x.dtype)
    return fp.saturate(out, lo, hi).astype(x.dtype)


def softmax(
    x: np.ndarray,
    *,
    input_scale: float,
    beta: float = 1.0,
    out_dtype: np.dtype | type = np.int8,
    beta_scale: float | None = None,
) -> np.ndarray:
    """Quantized softmax over the last axis, TFLM ``SOFTMAX`` for int8/uint8 input
    (``reference_ops::Softmax`` with gemmlowp fixed point).

    Output convention (fixed by TFLite): int8 output scale 1/256 zero point -128; int16 output
    scale 1/65536 zero point -32768. Per row: ``d = x - max`` (int32);
    ``(M, e) = PreprocessSoftmaxScaling(beta, s_in, 5)``; entries with
    ``d < -CalculateInputRadius(5, e)`` give the type minimum. Otherwise ``d`` is rescaled with
    ``MultiplyByQuantizedMultiplierGreaterThanOne`` to Q5.26, ``exp_on_negative_values`` gives
    Q0.31, the exps (rescaled to Q12.19) are summed, ``GetReciprocal`` of the sum gives a Q0.31
    scale and ``num_bits_over_unit``, and each output is
    ``RoundingDivideByPOT(SRDHM(scale, exp), num_bits_over_unit + 31 - bits) + type_min``,
    clamped. ``beta_scale``, when given, is the real product ``beta * s_in`` in double (used as is;
    otherwise both factors are first rounded to float32 as a ``.tflite`` file stores them)."""
    x = np.asarray(x)
    _check_dtype(x, (np.int8, np.uint8), "softmax")
    out_dt = np.dtype(out_dtype)
    if out_dt not in (np.dtype(np.int8), np.dtype(np.uint8), np.dtype(np.int16)):
        raise TypeError("softmax: output must be int8, uint8 or int16")
    lo, hi = _dtype_range(out_dt)
    bits = out_dt.itemsize * 8
    if beta_scale is None:
        m, e = fp.preprocess_softmax_scaling(
            float(np.float32(beta)), float(np.float32(input_scale)), 5
        )
    else:
        m, e = fp.preprocess_softmax_scaling(1.0, float(beta_scale), 5)
    diff_min = -fp.calculate_input_radius(5, e)
    xi = x.astype(np.int64)
    diff = xi - xi.max(axis=-1, keepdims=True)
    valid = diff >= diff_min
    rescaled = fp.multiply_by_quantized_multiplier_greater_than_one(diff, m, e)
    exps = fp.exp_on_negative_values(rescaled, 5)
    acc_terms = np.where(valid, fp.fixedpoint_rescale(exps, 0, 12), 0)
    sum_of_exps = fp.wrap_int32(acc_terms.sum(axis=-1, keepdims=True))
    scale_q0, num_bits_over_unit = fp.get_reciprocal(sum_of_exps, 12)
    exponent = num_bits_over_unit + 31 - bits
    if np.any((exponent < 0) | (exponent > 31)):
        raise ValueError("softmax: reciprocal exponent out of range")
    unsat = fp.rounding_divide_by_pot(
        fp.saturating_rounding_doubling_high_mul(scale_q0, exps), exponent
    )
    out = np.where(valid, fp.saturate(unsat + lo, lo, hi), lo)
    return out.astype(out_dt)


# TFLite's ``sigmoid_table_uint16``: sigmoid on a grid of 256 points starting at 0 in 0.16 fixed
# point (tanh(x) = 2 * sigmoid(2x) - 1 reuses it). The values are data of the reference kernels;
# they are not an exact closed form, so they are listed.
# fmt: off
_SIGMOID_TABLE_U16 = np.array(
    [
        32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498,
        40149, 40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255,
        46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865,
        52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174,
        56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544, 58800, 59048, 59288,
        59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279, 61441,
        61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886,
        62990, 63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835,
        63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450,
        64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845,
        64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097,
        65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
        65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
        65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425,
        65429, 65433, 65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465,
        65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
        65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508,
        65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516, 65517, 65517, 65518,
        65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524, 65525,
        65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529,
        65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531,
        65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533,
        65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
        65534, 65534, 65535,
    ],
    dtype=np.int64,
)
# fmt: on


def _int16_lut_input_params(input_scale: float, *, allow_shift_one: bool) -> tuple[int, int]:
    """TFLM Prepare for int16 logistic/tanh: ``(input_multiplier, input_left_shift)``;
    multiplier 0 marks the power-of-two case handled as ``3 << shift`` by the kernel."""
    is_pot, log2 = fp.checked_log2(input_scale)
    left_shift = (15 - 3) + log2
    ok_shift = left_shift in (0, 1) if allow_shift_one else left_shift == 0
    if is_pot and ok_shift:
        return 0, left_shift
    multiplier = float(np.float32(input_scale)) * 4096.0 * 3.0
    left_shift = 0
    while multiplier <= 32767.0 / 2.0 and left_shift <= 30:
        left_shift += 1
        multiplier *= 2.0
    return int(multiplier), left_shift


def _int16_lut_prescale(x: np.ndarray, multiplier: int, left_shift: int) -> NDArray[np.int64]:
    if multiplier == 0:
        multiplier, left_shift = 3 << left_shift, 0
    rnd = (1 << (left_shift - 1)) if left_shift > 0 else 0
    return fp.wrap_int32(x.astype(np.int64) * multiplier + rnd) >> left_shift


def _int8_gemmlowp_input_params(input_scale: float) -> tuple[int, int, int]:
    """TFLM Prepare for int8 logistic/tanh (4 integer bits): frexp-based multiplier (no
    ``2**31`` fix-up, unlike ``QuantizeMultiplier``), left shift and input radius."""
    real = float(np.float32(input_scale)) * float(1 << 27)
    q, shift = np.frexp(real)
    multiplier = int(fp.wrap_int32(int(fp.round_half_away(q * float(1 << 31)))))
    return multiplier, int(shift), fp.calculate_input_radius(4, int(shift), 31)


def logistic(x: np.ndarray, *, input_scale: float, input_zero_point: int) -> np.ndarray:
    """Quantized logistic (sigmoid), TFLM ``LOGISTIC``.

    * int8 (``reference_integer_ops::Logistic``; output scale 1/256, zero point -128): inputs
      beyond the radius saturate to -128/127; otherwise ``MultiplyByQuantizedMultiplier`` to Q4.27,
      gemmlowp ``logistic``, ``RoundingDivideByPOT(., 23) - 128``.
    * int16 (zero point 0, output scale 1/32768): the input is scaled to ``1/(3*4096)`` units
      (``3 << shift`` for power-of-two input scales) and the sigmoid table is linearly
      interpolated on 9 fractional bits."""
    x = np.asarray(x)
    _check_dtype(x, (np.int8, np.int16), "logistic")
    if x.dtype == np.int8:
        mult, shift, radius = _int8_gemmlowp_input_params(input_scale)
        d = x.astype(np.int64) - int(input_zero_point)
        q4 = fp.multiply_by_quantized_multiplier(np.clip(d, -radius, radius), mult, shift)
        y = fp.rounding_divide_by_pot(fp.logistic_fixedpoint(q4, 4), 31 - 8) - 128
        y = fp.saturate(y, -128, 127)
        y = np.where(d <= -radius, -128, np.where(d >= radius, 127, y))
        return y.astype(np.int8)
    if input_zero_point != 0:
        raise ValueError("logistic: int16 input needs zero point 0")
    mult, shift = _int16_lut_input_params(input_scale, allow_shift_one=False)
    v = _int16_lut_prescale(x, mult, shift)
    a = np.abs(v)
    uh = a >> 9
    idx = np.minimum(uh, 254)
    ua = _SIGMOID_TABLE_U16[idx]
    ub = _SIGMOID_TABLE_U16[idx + 1]
    interp = (ua << 9) + (a & 0x1FF) * (ub - ua)
    res = np.where(uh >= 255, 0x7FFF << 10, interp)
    res = np.where(v >= 0, res + (1 << 9), (1 << 25) - res + (1 << 9) - 1) >> 10
    return fp.wrap_int16(res).astype(np.int16)


def tanh(x: np.ndarray, *, input_scale: float, input_zero_point: int) -> np.ndarray:
    """Quantized tanh, TFLM ``TANH``.

    * int8 (``reference_integer_ops::Tanh``; output scale 1/128, zero point 0): radius saturation
      to -128/127, ``MultiplyByQuantizedMultiplier`` to Q4.27, gemmlowp ``tanh``,
      ``RoundingDivideByPOT(., 24)`` clamped.
    * int16 (zero point 0, output scale 1/32768): ``tanh(x) = 2 * sigmoid(2x) - 1`` on the sigmoid
      table with 8 interpolation bits (power-of-two input scales accept shift 0 or 1)."""
    x = np.asarray(x)
    _check_dtype(x, (np.int8, np.int16), "tanh")
    if x.dtype == np.int8:
        mult, shift, radius = _int8_gemmlowp_input_params(input_scale)
        d = x.astype(np.int64) - int(input_zero_point)
        q4 = fp.multiply_by_quantized_multiplier(np.clip(d, -radius, radius), mult, shift)
        y = fp.saturate(fp.rounding_divide_by_pot(fp.tanh_fixedpoint(q4, 4), 31 - 7), -128, 127)
        y = np.where(d <= -radius, -128, np.where(d >= radius, 127, y))
        return y.astype(np.int8)
    if input_zero_point != 0:
        raise ValueError("tanh: int16 input needs zero point 0")
    mult, shift = _int16_lut_input_params(input_scale, allow_shift_one=True)
    v = _int16_lut_prescale(x, mult, shift)
    a = np.abs(v)
    uh = a >> 8
    idx = np.minimum(uh, 254)
    ua = _SIGMOID_TABLE_U16[idx]
    ub = _SIGMOID_TABLE_U16[idx + 1]
    interp = (ua << 8) + (a & 0xFF) * (ub - ua)
    res = np.where(uh >= 255, 0xFFFF << 8, interp)
    res = np.where(v >= 0, res - (1 << 23) + (1 << 7), -res + (1 << 23) + (1 << 7) - 1) >> 8
    return fp.wrap_int16(res).astype(np.int16)


def hard_swish(
    x: np.ndarray,
    *,
    input_scale: float,
    input_zero_point: int,
    output_scale: float,
    output_zero_point: int,
) -> np.ndarray:
    """Quantized hard-swish ``x * relu6(x + 3) / 6``, TFLM ``HARD_SWISH`` for int8/uint8
    (``reference_ops::HardSwish``, 16-bit fixed point).

    Prepare (float32 arithmetic, as written in TFLM; the multipliers end up Q15 so float32 vs
    double hardly ever matters): ``hires = s_in / 128``; output multiplier ``hires / s_out`` and
    "relu-ish" multiplier ``hires / (3 / 32768)`` via ``QuantizeMultiplier`` then
    ``DownScaleInt32ToInt16Multiplier``. Eval: ``(x - zp) * 128`` rescaled by both multipliers
    with int16 SRDHM (the relu-ish one with saturating left shifts / rounding right shift), mapped
    to [0, 1], multiplied with the truncating ``SaturatingDoublingHighMul``, rounded right by the
    output exponent, plus ``zp_out`` (int16 arithmetic), clamped."""
    x = np.asarray(x)
    _check_dtype(x, (np.int8, np.uint8), "hard_swish")
    s_in, s_out = np.float32(input_scale), np.float32(output_scale)
    hires = np.float32(np.float32(1.0 / 128.0) * s_in)
    reluish_scale = np.float32(3.0 / 32768.0)
    m_out32, e_out = fp.quantize_multiplier(float(np.float32(hires / s_out)))
    m_out = int(fp.downscale_int32_to_int16_multiplier(m_out32))
    e_out = int(e_out)
    if e_out > 0:
        raise ValueError("hard_swish: output multiplier exponent must be <= 0")
    m_rel32, e_rel = fp.quantize_multiplier(float(np.float32(hires / reluish_scale)))
    m_rel = int(fp.downscale_int32_to_int16_multiplier(m_rel32))
    e_rel = int(e_rel)
    v = fp.wrap_int16(x.astype(np.int64) - int(input_zero_point))
    hires_v = fp.wrap_int16(v * 128)
    preshift_out = fp.saturating_rounding_doubling_high_mul(hires_v, m_out, bits=16)
    reluish = hires_v
    if e_rel > 0:
        reluish = fp.saturating_left_shift_int16(reluish, e_rel - 1)
    reluish = fp.saturating_rounding_doubling_high_mul(reluish, m_rel, bits=16)
    if e_rel > 0:
        reluish = fp.saturating_left_shift_int16(reluish, 1)
    if e_rel < 0:
        reluish = fp.rounding_divide_by_pot(reluish, -e_rel)
    reluish = (reluish + (1 << 15)) >> 1
    preshift = fp.saturating_doubling_high_mul_int16(reluish, preshift_out)
    out = fp.wrap_int16(fp.rounding_divide_by_pot(preshift, -e_out) + int(output_zero_point))
    lo, hi = _dtype_range(x.dtype)
    return fp.saturate(out, lo, hi).astype(x.dtype)
