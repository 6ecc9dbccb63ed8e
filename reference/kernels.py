"""NumPy kernels shared by the `onnx` and `nn` reference implementations.

All spatial kernels work on channels-last arrays `[N, H, W, C]` (the `onnx` reference transposes
around them). Convolutions compute in float64 when asked (`acc_dtype`), which is exact for
integer operands as long as the accumulator stays below 2**53 — true for every int8/int16 layer
of a tiny-ML model — so the same code serves float and integer-exact convolution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided


def pad_nhwc(x: np.ndarray, padding: Sequence[int], value: float | int = 0) -> np.ndarray:
    """Pad H and W by [top, left, bottom, right] with a constant."""
    t, left, b, r = (int(v) for v in padding)
    if not (t or left or b or r):
        return x
    return np.pad(x, ((0, 0), (t, b), (left, r), (0, 0)), mode="constant", constant_values=value)


def windows(
    x: np.ndarray, kh: int, kw: int, strides: Sequence[int], dilations: Sequence[int]
) -> np.ndarray:
    """View of sliding windows: [N, OH, OW, KH, KW, C] over an already padded NHWC array."""
    n, h, w, c = x.shape
    sh, sw = strides
    dh, dw = dilations
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (w - dw * (kw - 1) - 1) // sw + 1
    s = x.strides
    return as_strided(
        x,
        shape=(n, oh, ow, kh, kw, c),
        strides=(s[0], s[1] * sh, s[2] * sw, s[1] * dh, s[2] * dw, s[3]),
        writeable=False,
    )


def conv2d(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None,
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: Sequence[int],
    groups: int = 1,
    pad_value: float | int = 0,
    acc_dtype: type = np.float32,
) -> np.ndarray:
    """Grouped 2-D convolution. x [N,H,W,C], w [O,KH,KW,C/groups] -> [N,OH,OW,O]."""
    xp = pad_nhwc(np.asarray(x, dtype=acc_dtype), padding, pad_value)
    o, kh, kw, cg = w.shape
    win = windows(xp, kh, kw, strides, dilations)  # N,OH,OW,KH,KW,C
    n, oh, ow = win.shape[:3]
    og = o // groups
    wf = np.asarray(w, dtype=acc_dtype)
    outs = []
    for g in range(groups):
        cols = win[..., g * cg : (g + 1) * cg].reshape(n * oh * ow, kh * kw * cg)
        wg = wf[g * og : (g + 1) * og].reshape(og, kh * kw * cg)
        outs.append(cols @ wg.T)
    y = (
        np.concatenate(outs, axis=1).reshape(n, oh, ow, o)
        if groups > 1
        else outs[0].reshape(n, oh, ow, o)
    )
    if bias is not None:
        y = y + np.asarray(bias, dtype=acc_dtype)
    return y


def depthwise_conv2d(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None,
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: Sequence[int],
    pad_value: float | int = 0,
    acc_dtype: type = np.float32,
) -> np.ndarray:
    """Depthwise conv. x [N,H,W,C], w [1,KH,KW,C*M] -> [N,OH,OW,C*M] (channel c*M+m reads c)."""
    c = x.shape[3]
    _, kh, kw, cm = w.shape
    mult = cm // c
    xp = pad_nhwc(np.asarray(x, dtype=acc_dtype), padding, pad_value)
    win = windows(xp, kh, kw, strides, dilations)  # N,OH,OW,KH,KW,C
    wf = np.asarray(w, dtype=acc_dtype).reshape(kh, kw, c, mult)
    y = np.einsum("nhwijc,ijcm->nhwcm", win, wf, optimize=True)
    y = y.reshape(*y.shape[:3], cm)
    if bias is not None:
        y = y + np.asarray(bias, dtype=acc_dtype)
    return y


def conv2d_transpose(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None,
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: Sequence[int],
    groups: int = 1,
    acc_dtype: type = np.float32,
) -> np.ndarray:
    """Transposed conv. x [N,H,W,Cin], w [Cout,KH,KW,Cin/groups]; padding crops the full
    output `(in - 1) * stride + dilation * (k - 1) + 1` per side; a negative value extends that
    side with zeros (plus the bias)."""
    n, h, wd, cin = x.shape
    cout, kh, kw, cg = w.shape
    sh, sw = strides
    dh, dw = dilations
    full_h = (h - 1) * sh + dh * (kh - 1) + 1
    full_w = (wd - 1) * sw + dw * (kw - 1) + 1
    t, left, b, r = padding
    pre_h, pre_w = max(0, -t), max(0, -left)
    ext_h, ext_w = max(0, -b), max(0, -r)
    tot_h, tot_w = pre_h + full_h + ext_h, pre_w + full_w + ext_w
    y = np.zeros((n, tot_h, tot_w, cout), dtype=acc_dtype)
    xf = np.asarray(x, dtype=acc_dtype)
    wf = np.asarray(w, dtype=acc_dtype)
    og = cout // groups
    for g in range(groups):
        xg = xf[..., g * cg : (g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                contrib = xg @ wf[g * og : (g + 1) * og, i, j, :].T  # N,H,W,og
                y[
                    :,
                    pre_h + i * dh : pre_h + i * dh + (h - 1) * sh + 1 : sh,
                    pre_w + j * dw : pre_w + j * dw + (wd - 1) * sw + 1 : sw,
                    g * og : (g + 1) * og,
                ] += contrib
    y = y[:, max(t, 0) : tot_h - max(b, 0), max(left, 0) : tot_w - max(r, 0), :]
    if bias is not None:
        y = y + np.asarray(bias, dtype=acc_dtype)
    return y


def max_pool2d(
    x: np.ndarray,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: Sequence[int],
) -> np.ndarray:
    """Max pooling; padded positions hold the dtype's lowest value and never win."""
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp = pad_nhwc(x, padding, low)
    win = windows(xp, kernel[0], kernel[1], strides, dilations)
    return win.max(axis=(3, 4))


def avg_pool2d_sums(
    x: np.ndarray,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: Sequence[int],
    count_include_pad: bool,
    counted_padding: Sequence[int] | None = None,
    acc_dtype: type = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """(window sums, divisors) of average pooling, divisors shaped [1, OH, OW, 1]."""
    xp = pad_nhwc(np.asarray(x, dtype=acc_dtype), padding, 0)
    win = windows(xp, kernel[0], kernel[1], strides, dilations)
    sums = win.sum(axis=(3, 4))
    n, h, w, _ = x.shape
    t, left, b, r = padding
    ones = np.zeros((1, h + t + b, w + left + r, 1), dtype=np.float64)
    if count_include_pad:
        ct, cl, cb, cr = counted_padding if counted_padding is not None else padding
        ones[:, t - ct : t + h + cb, left - cl : left + w + cr, :] = 1
    else:
        ones[:, t : t + h, left : left + w, :] = 1
    counts = windows(ones, kernel[0], kernel[1], strides, dilations).sum(axis=(3, 4))
    return sums, counts


def avg_pool2d(
    x: np.ndarray,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: Sequence[int],
    count_include_pad: bool,
    counted_padding: Sequence[int] | None = None,
) -> np.ndarray:
    """Float average pooling (float64 accumulation, float32 result)."""
    sums, counts = avg_pool2d_sums(
        x, kernel, strides, dilations, padding, count_include_pad, counted_padding
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums / counts).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# resize (ONNX semantics, separable over axes)


def _source_coords(out_len: int, in_len: int, scale: float, mode: str) -> np.ndarray:
    """Real input coordinate of each output index for one axis.

    As ONNX, `align_corners` and `pytorch_half_pixel` use the real output length
    `scale * in_len`, which differs from `out_len` when the scale does not divide evenly.
    """
    xo = np.arange(out_len, dtype=np.float64)
    width = scale * in_len
    if mode == "asymmetric":
        return xo / scale
    if mode == "align_corners":
        return np.zeros(out_len) if width == 1 else xo * (in_len - 1) / (width - 1)
    if mode == "pytorch_half_pixel":
        return (xo + 0.5) / scale - 0.5 if width != 1 else np.full(out_len, -0.5)
    if mode == "half_pixel_symmetric":
        adj = out_len / width
        center = in_len / 2
        offset = center * (1 - adj)
        return offset + (xo + 0.5) / scale - 0.5
    # half_pixel
    return (xo + 0.5) / scale - 0.5


def _nearest_index(coords: np.ndarray, mode: str, in_len: int) -> np.ndarray:
    if mode == "round_prefer_floor":
        idx = np.where(coords - np.floor(coords) == 0.5, np.floor(coords), np.round(coords))
    elif mode == "round_prefer_ceil":
        idx = np.where(coords - np.floor(coords) == 0.5, np.ceil(coords), np.round(coords))
    elif mode == "floor":
        idx = np.floor(coords)
    else:
        idx = np.ceil(coords)
    return np.clip(idx, 0, in_len - 1).astype(np.int64)


def resize(
    x: np.ndarray,
    out_shape: Sequence[int],
    scales: Sequence[float],
    mode: str,
    coordinate_mode: str,
    nearest_mode: str,
) -> np.ndarray:
    """N-D resize by nearest or linear interpolation, one axis at a time (ONNX conventions)."""
    y = np.asarray(x)
    work = y.astype(np.float64) if mode == "linear" else y
    for axis, (n_in, n_out) in enumerate(zip(x.shape, out_shape, strict=True)):
        scale = float(scales[axis])
        if n_in == n_out and scale == 1.0:
            continue
        coords = _source_coords(n_out, n_in, scale, coordinate_mode)
        if mode == "nearest":
            work = np.take(work, _nearest_index(coords, nearest_mode, n_in), axis=axis)
            continue
        c = np.clip(coords, 0, n_in - 1)
        lo = np.floor(c).astype(np.int64)
        hi = np.minimum(lo + 1, n_in - 1)
        frac = c - lo
        shape = [1] * work.ndim
        shape[axis] = n_out
        frac = frac.reshape(shape)
        work = np.take(work, lo, axis=axis) * (1 - frac) + np.take(work, hi, axis=axis) * frac
    if mode == "linear":
        return work.astype(x.dtype) if x.dtype.kind == "f" else work
    return work


# ---------------------------------------------------------------------------------------------
# misc helpers


def slice_array(
    x: np.ndarray, starts: Sequence[int], ends: Sequence[int], steps: Sequence[int]
) -> np.ndarray:
    """Normalized slice: indices range(start, end, step) per dimension."""
    out = x
    for axis, (s, e, st) in enumerate(zip(starts, ends, steps, strict=True)):
        out = np.take(out, np.arange(s, e, st, dtype=np.int64), axis=axis)
    return out


def pad_array(x: np.ndarray, pads: Sequence[int], mode: str, value: float | int) -> np.ndarray:
    """ONNX-style pads [b0..bn-1, e0..en-1] (constant, reflect, edge or wrap); negative values crop."""
    n = x.ndim
    begin, end = list(pads[:n]), list(pads[n:])
    crop = tuple(
        slice(max(0, -b), x.shape[i] - max(0, -e))
        for i, (b, e) in enumerate(zip(begin, end, strict=True))
    )
    x = x[crop]
    widths = [(max(0, b), max(0, e)) for b, e in zip(begin, end, strict=True)]
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=value)
    if mode not in ("reflect", "edge", "wrap"):
        raise ValueError(f"unknown pad mode '{mode}'")
    return np.pad(x, widths, mode=mode)


def reduce_max(x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Maximum over axes; an empty reduction gives the dtype's lowest value (ONNX ReduceMax)."""
    if x.size:
        return np.max(x, axis=axes, keepdims=keepdims)
    if x.dtype == np.bool_:
        low: bool | int | float = False
    elif x.dtype.kind in "iu":
        low = np.iinfo(x.dtype).min
    else:
        low = -np.inf
    return np.max(x, axis=axes, keepdims=keepdims, initial=low)


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    s = x - m
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


def sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return (1.0 / (1.0 + np.exp(-x))).astype(x.dtype)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


__all__ = [
    "pad_nhwc",
    "windows",
    "conv2d",
    "depthwise_conv2d",
    "conv2d_transpose",
    "max_pool2d",
    "avg_pool2d",
    "avg_pool2d_sums",
    "resize",
    "slice_array",
    "pad_array",
    "reduce_max",
    "softmax",
    "log_softmax",
    "sigmoid",
    "ceil_div",
    "math",
]
