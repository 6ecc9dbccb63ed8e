"""Reference semantics of the `onnx` dialect: ONNX operator definitions, NCHW.

Spatial ops transpose to channels-last and reuse `kernels.py`; quantized operators follow the ONNX
specification (float rescale, round half to even, saturation).
"""

from __future__ import annotations

import numpy as np

from edgeai.dialects import onnx as O
from edgeai.dialects.onnx_shapes import (
    conv_transpose_padding,
    reduce_axes,
    resize_params,
    same_pads,
    slice_params,
)
from edgeai.reference import kernels as K
from edgeai.reference import qops
from edgeai.reference.interpreter import impl
from edgeai.support.attrs import storage_dtype
from edgeai.support.errors import UnsupportedError

TO_NHWC = (0, 2, 3, 1)
TO_NCHW = (0, 3, 1, 2)


def _out_dtype(op, i: int = 0) -> np.dtype:
    return storage_dtype(op.results[i].type.element_type)


def _spatial_1d_to_2d(x: np.ndarray) -> np.ndarray:
    return x[:, :, None, :] if x.ndim == 3 else x


def _pads_for(op, x_shape, kernel, strides, dilations) -> list[int]:
    """Explicit [begin..., end...] pads of a conv/pool (resolving auto_pad)."""
    n = len(kernel)
    ap = op.prop("auto_pad")
    if ap in ("SAME_UPPER", "SAME_LOWER"):
        pairs = [
            same_pads(x_shape[2 + i], kernel[i], strides[i], dilations[i], ap) for i in range(n)
        ]
        return [p[0] for p in pairs] + [p[1] for p in pairs]
    if ap == "VALID":
        return [0] * (2 * n)
    return list(op.prop("pads"))


def _to2d(vals, fill):
    """Extend 1-D window parameters to 2-D (H=1)."""
    return [fill, *vals] if len(vals) == 1 else list(vals)


def _hw_padding(pads: list[int]) -> list[int]:
    n = len(pads) // 2
    if n == 1:
        return [0, pads[0], 0, pads[1]]
    return [pads[0], pads[1], pads[2], pads[3]]


def _check_2d(op, x: np.ndarray) -> None:
    if x.ndim not in (3, 4):
        raise UnsupportedError(
            f"{op.name}",
            [f"{x.ndim - 2}-D windows (1-D and 2-D convolution/pooling are supported)"],
        )


def _conv_nchw(op, x, w, b, acc_dtype=np.float32, x_zp=0, w_zp=None):
    _check_2d(op, x)
    kernel = list(op.prop("kernel_shape"))
    strides, dil = list(op.prop("strides")), list(op.prop("dilations"))
    pads = _pads_for(op, x.shape, kernel, strides, dil)
    g = op.prop("group")
    one_d = x.ndim == 3
    x4 = _spatial_1d_to_2d(x)
    w4 = _spatial_1d_to_2d(w)
    xf = np.transpose(x4, TO_NHWC).astype(acc_dtype) - x_zp
    wf = np.transpose(w4, TO_NHWC).astype(acc_dtype)
    if w_zp is not None:
        wf = (
            wf - np.asarray(w_zp, dtype=acc_dtype).reshape(-1, 1, 1, 1)
            if np.size(w_zp) > 1
            else wf - w_zp
        )
    y = K.conv2d(
        xf,
        wf,
        None if b is None else b.astype(acc_dtype),
        _to2d(strides, 1),
        _to2d(dil, 1),
        _hw_padding(pads),
        g,
        0,
        acc_dtype,
    )
    y = np.transpose(y, TO_NCHW)
    return y[:, :, 0, :] if one_d else y


@impl(O.ConstantOp)
def _constant(op):
    return op.to_numpy()


@impl(O.NoneOp)
def _none(op):
    return None


@impl(O.ONNX_OPS["Conv"])
def _conv(op, x, w, b):
    return _conv_nchw(op, x, w, b).astype(_out_dtype(op))


@impl(O.ONNX_OPS["ConvTranspose"])
def _conv_transpose(op, x, w, b):
    _check_2d(op, x)
    one_d = x.ndim == 3
    n = x.ndim - 2
    strides, dil = list(op.prop("strides")), list(op.prop("dilations"))
    g = op.prop("group")
    out_spatial = list(op.results[0].type.get_shape()[2:])
    crops = conv_transpose_padding(x.shape, out_spatial, op.attrs())
    begins, ends = crops[:n], crops[n:]
    x4 = _spatial_1d_to_2d(x).astype(np.float32)
    w4 = _spatial_1d_to_2d(w).astype(np.float32)
    cin, cog = w4.shape[0], w4.shape[1]
    # ONNX weight [Cin, Cout/g, kh, kw] -> ours [Cout, kh, kw, Cin/g]
    cig = cin // g
    wn = (
        w4.reshape(g, cig, cog, *w4.shape[2:])
        .transpose(0, 2, 3, 4, 1)
        .reshape(g * cog, *w4.shape[2:], cig)
    )
    padding = [begins[0], begins[1], ends[0], ends[1]] if n == 2 else [0, begins[0], 0, ends[0]]
    y = K.conv2d_transpose(
        np.transpose(x4, TO_NHWC), wn, b, _to2d(strides, 1), _to2d(dil, 1), padding, g
    )
    y = np.transpose(y, TO_NCHW)
    return (y[:, :, 0, :] if one_d else y).astype(np.float32)


@impl(O.ONNX_OPS["Gemm"])
def _gemm(op, a, b, c):
    a = a.T if op.prop("transA") else a
    b = b.T if op.prop("transB") else b
    alpha, beta = np.float32(op.prop("alpha")), np.float32(op.prop("beta"))
    dt = _out_dtype(op)
    if dt.kind == "f":
        y = alpha * (a.astype(np.float32) @ b.astype(np.float32))
        if c is not None:
            y = y + beta * c
        return y.astype(dt)
    y = alpha * (a.astype(np.int64) @ b.astype(np.int64))
    if c is not None:
        y = y + beta * c.astype(np.int64)
    return y.astype(dt)


@impl(O.ONNX_OPS["MatMul"])
def _matmul(op, a, b):
    dt = _out_dtype(op)
    if dt.kind == "f":
        return np.matmul(a, b).astype(dt)
    return np.matmul(a.astype(np.int64), b.astype(np.int64)).astype(dt)


def _binary(fn):
    def run(op, a, b):
        dt = _out_dtype(op)
        if dt.kind in "iu":
            return fn(a.astype(np.int64), b.astype(np.int64), True).astype(dt)
        return fn(a, b, False).astype(dt)

    return run


def _div(a, b, is_int):
    if is_int:
        q = np.where(b == 0, 0, np.abs(a) // np.where(b == 0, 1, np.abs(b)))
        return np.sign(a) * np.sign(b) * q
    with np.errstate(divide="ignore", invalid="ignore"):
        return a / b


impl(O.ONNX_OPS["Add"])(_binary(lambda a, b, i: a + b))
impl(O.ONNX_OPS["Sub"])(_binary(lambda a, b, i: a - b))
impl(O.ONNX_OPS["Mul"])(_binary(lambda a, b, i: a * b))
impl(O.ONNX_OPS["Div"])(_binary(_div))


@impl(O.ONNX_OPS["Relu"])
def _relu(op, x):
    return np.maximum(x, 0).astype(x.dtype)


@impl(O.ONNX_OPS["LeakyRelu"])
def _leaky(op, x):
    a = np.float32(op.prop("alpha"))
    return np.where(x >= 0, x, x * a).astype(x.dtype)


@impl(O.ONNX_OPS["PRelu"])
def _prelu(op, x, slope):
    return np.where(x >= 0, x, x * slope).astype(x.dtype)


@impl(O.ONNX_OPS["Clip"])
def _clip(op, x, lo, hi):
    y = x
    if lo is not None:
        y = np.maximum(y, lo)
    if hi is not None:
        y = np.minimum(y, hi)
    return y.astype(x.dtype)


@impl(O.ONNX_OPS["Sigmoid"])
def _sigmoid(op, x):
    return K.sigmoid(x)


@impl(O.ONNX_OPS["Tanh"])
def _tanh(op, x):
    return np.tanh(x).astype(x.dtype)


@impl(O.ONNX_OPS["HardSigmoid"])
def _hard_sigmoid(op, x):
    a, b = np.float32(op.prop("alpha")), np.float32(op.prop("beta"))
    return np.clip(a * x + b, 0, 1).astype(x.dtype)


@impl(O.ONNX_OPS["HardSwish"])
def _hard_swish(op, x):
    return (x * np.clip(x / np.float32(6) + np.float32(0.5), 0, 1)).astype(x.dtype)


@impl(O.ONNX_OPS["Softmax"])
def _softmax(op, x):
    return K.softmax(x, op.prop("axis")).astype(x.dtype)


@impl(O.ONNX_OPS["LogSoftmax"])
def _log_softmax(op, x):
    return K.log_softmax(x, op.prop("axis")).astype(x.dtype)


def _pool_params(op, x):
    _check_2d(op, x)
    kernel = list(op.prop("kernel_shape"))
    strides, dil = list(op.prop("strides")), list(op.prop("dilations"))
    pads = _pads_for(op, x.shape, kernel, strides, dil)
    n = len(kernel)
    out_spatial = op.results[0].type.get_shape()[2:]
    # ceil_mode: extra end padding so the last (partial) window exists; never counted
    extra = []
    for i in range(n):
        need = (out_spatial[i] - 1) * strides[i] + dil[i] * (kernel[i] - 1) + 1
        have = x.shape[2 + i] + pads[i] + pads[n + i]
        extra.append(max(0, need - have))
    total = pads[:n] + [pads[n + i] + extra[i] for i in range(n)]
    return kernel, strides, dil, pads, total


@impl(O.ONNX_OPS["MaxPool"])
def _max_pool(op, x):
    kernel, strides, dil, _, total = _pool_params(op, x)
    one_d = x.ndim == 3
    x4 = np.transpose(_spatial_1d_to_2d(x), TO_NHWC)
    y = K.max_pool2d(x4, _to2d(kernel, 1), _to2d(strides, 1), _to2d(dil, 1), _hw_padding(total))
    y = np.transpose(y, TO_NCHW)
    return y[:, :, 0, :] if one_d else y


@impl(O.ONNX_OPS["AveragePool"])
def _avg_pool(op, x):
    kernel, strides, dil, pads, total = _pool_params(op, x)
    one_d = x.ndim == 3
    x4 = np.transpose(_spatial_1d_to_2d(x), TO_NHWC)
    y = K.avg_pool2d(
        x4,
        _to2d(kernel, 1),
        _to2d(strides, 1),
        _to2d(dil, 1),
        _hw_padding(total),
        bool(op.prop("count_include_pad")),
        _hw_padding(pads),
    )
    y = np.transpose(y, TO_NCHW)
    return (y[:, :, 0, :] if one_d else y).astype(x.dtype)


@impl(O.ONNX_OPS["GlobalAveragePool"])
def _gap(op, x):
    return np.mean(x, axis=tuple(range(2, x.ndim)), keepdims=True, dtype=np.float64).astype(x.dtype)


@impl(O.ONNX_OPS["GlobalMaxPool"])
def _gmp(op, x):
    return np.max(x, axis=tuple(range(2, x.ndim)), keepdims=True)


@impl(O.ONNX_OPS["BatchNormalization"])
def _bn(op, x, scale, b, mean, var):
    """In onnxruntime's float32 order (1 / sqrt(var + eps) * scale, bias - mean * that, then
    x * scale' + bias'), so that models run by onnxruntime (and qonnx) agree bit for bit."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    eps = np.float32(op.prop("epsilon"))
    f32 = np.float32
    inv_std = (f32(1) / np.sqrt((var + eps).astype(f32))).astype(f32)
    new_scale = (inv_std * scale).astype(f32)
    new_bias = (b - (mean * new_scale).astype(f32)).astype(f32)
    y = (x * new_scale.reshape(shape)).astype(f32) + new_bias.reshape(shape)
    return y.astype(x.dtype)


@impl(O.ONNX_OPS["Concat"])
def _concat(op, *xs):
    return np.concatenate(xs, axis=op.prop("axis"))


def _reshape_to_result(op, x, *_):
    return x.reshape(tuple(op.results[0].type.get_shape()))


for _name in ("Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"):
    impl(O.ONNX_OPS[_name])(_reshape_to_result)


@impl(O.ONNX_OPS["Transpose"])
def _transpose(op, x):
    return np.asarray(np.transpose(x, op.prop("perm")), order="C")


@impl(O.ONNX_OPS["Pad"])
def _pad(op, x, pads, value, axes):
    n = x.ndim
    ax = list(range(n)) if axes is None else [int(a) % n for a in np.ravel(axes)]
    p = np.ravel(pads).astype(np.int64)
    full = [0] * (2 * n)
    for j, a in enumerate(ax):
        full[a] = int(p[j])
        full[a + n] = int(p[j + len(ax)])
    fill = 0 if value is None else np.ravel(value)[0]
    return K.pad_array(x, full, op.prop("mode"), fill)


@impl(O.ONNX_OPS["Slice"])
def _slice(op, x, starts, ends, axes, steps):
    p = slice_params(x.shape, [x, starts, ends, axes, steps])
    assert p is not None
    return K.slice_array(x, *p)


@impl(O.ONNX_OPS["Split"])
def _split(op, x, split):
    axis = op.prop("axis") % x.ndim
    sizes = [r.type.get_shape()[axis] for r in op.results]
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))


def _reduce(fn):
    def run(op, x, axes):
        ax = reduce_axes(x.shape, op.attrs(), [x, axes])
        if not ax:
            return x.copy()
        return fn(x, tuple(ax), bool(op.prop("keepdims")))

    return run


impl(O.ONNX_OPS["ReduceMean"])(
    _reduce(lambda x, a, k: np.mean(x, axis=a, keepdims=k, dtype=np.float64).astype(x.dtype))
)
impl(O.ONNX_OPS["ReduceMax"])(_reduce(K.reduce_max))
impl(O.ONNX_OPS["ReduceSum"])(
    _reduce(lambda x, a, k: np.sum(x, axis=a, keepdims=k).astype(x.dtype))
)


@impl(O.ONNX_OPS["Resize"])
def _resize(op, x, roi, scales, sizes):
    out_shape = tuple(op.results[0].type.get_shape())
    params = resize_params(x.shape, op.attrs(), [x, roi, scales, sizes])
    assert params is not None
    full_scales = params[1]
    y = K.resize(
        x,
        out_shape,
        full_scales,
        op.prop("mode"),
        op.prop("coordinate_transformation_mode"),
        op.prop("nearest_mode"),
    )
    if x.dtype.kind in "iu" and op.prop("mode") == "linear":
        y = np.clip(np.rint(y), np.iinfo(x.dtype).min, np.iinfo(x.dtype).max)
    return y.astype(x.dtype)


@impl(O.ONNX_OPS["Gather"])
def _gather(op, x, idx):
    axis = op.prop("axis") % x.ndim
    i = idx.astype(np.int64)
    i = np.where(i < 0, i + x.shape[axis], i)
    return np.take(x, i, axis=axis)


def _axis_shape(param: np.ndarray, ndim: int, axis: int) -> np.ndarray:
    if np.ndim(param) == 0 or np.size(param) == 1:
        return np.asarray(param).reshape(())
    shape = [1] * ndim
    shape[axis % ndim] = np.size(param)
    return np.asarray(param).reshape(shape)


@impl(O.ONNX_OPS["QuantizeLinear"])
def _quantize_linear(op, x, scale, zp):
    dt = _out_dtype(op)
    axis = op.prop("axis")
    s = _axis_shape(scale, x.ndim, axis)
    y = np.rint(x / s)
    if zp is not None:
        y = y + _axis_shape(zp, x.ndim, axis).astype(np.int64)
    info = np.iinfo(dt)
    return np.clip(y, info.min, info.max).astype(dt)


@impl(O.ONNX_OPS["DequantizeLinear"])
def _dequantize_linear(op, x, scale, zp):
    axis = op.prop("axis")
    s = _axis_shape(scale, x.ndim, axis)
    z = 0 if zp is None else _axis_shape(zp, x.ndim, axis).astype(np.int64)
    return ((x.astype(np.int64) - z) * s).astype(_out_dtype(op))


def _onnx_rescale(acc: np.ndarray, real: np.ndarray, zp, dt: np.dtype) -> np.ndarray:
    info = np.iinfo(dt)
    y = acc * real.astype(np.float64) + (0 if zp is None else int(np.ravel(zp)[0]))
    return np.round(np.clip(y, info.min, info.max)).astype(dt)


@impl(O.ONNX_OPS["QLinearConv"])
def _qlinear_conv(op, x, xs, xz, w, ws, wz, ys, yz, b):
    zw = None if wz is None else (wz.astype(np.int64) if np.size(wz) > 1 else int(np.ravel(wz)[0]))
    acc = _conv_nchw(op, x, w, None if b is None else b, np.float64, int(np.ravel(xz)[0]), zw)
    real = (xs * ws / ys).astype(np.float32)
    if np.size(real) > 1:
        real = real.reshape(1, -1, *([1] * (x.ndim - 2)))
    return _onnx_rescale(acc, real, yz, _out_dtype(op))


@impl(O.ONNX_OPS["QLinearMatMul"])
def _qlinear_matmul(op, a, as_, az, b, bs, bz, ys, yz):
    acc = np.matmul(
        a.astype(np.float64) - np.int64(np.ravel(az)[0]),
        b.astype(np.float64) - np.int64(np.ravel(bz)[0]),
    )
    real = (as_ * bs / ys).astype(np.float32)
    return _onnx_rescale(acc, np.asarray(real), yz, _out_dtype(op))


@impl(O.ONNX_OPS["ConvInteger"])
def _conv_integer(op, x, w, xz, wz):
    zx = 0 if xz is None else int(np.ravel(xz)[0])
    zw = None if wz is None else (wz.astype(np.int64) if np.size(wz) > 1 else int(np.ravel(wz)[0]))
    return _conv_nchw(op, x, w, None, np.float64, zx, zw).astype(np.int32)


@impl(O.ONNX_OPS["MatMulInteger"])
def _matmul_integer(op, a, b, az, bz):
    zb = 0 if bz is None else bz.astype(np.int64)
    za = 0 if az is None else az.astype(np.int64)
    if np.ndim(za) == 1 and np.size(za) > 1:
        za = za.reshape(-1, 1)
    return np.matmul(a.astype(np.int64) - za, b.astype(np.int64) - zb).astype(np.int32)


# ---------------------------------------------------------------------------------------------
# QONNX operators: qonnx's NumPy execution, every step in float32 (see reference/qops.py)


def _qonnx_bounds(bits: np.ndarray, signed: bool, narrow: bool) -> tuple[np.ndarray, np.ndarray]:
    """Brevitas' min_int / max_int of a float32 bit width, computed in float32 as qonnx does
    (so a 32-bit unsigned maximum is float32(2**32 - 1) = 2**32)."""
    b = np.asarray(bits, dtype=np.float32)
    two, one = np.float32(2), np.float32(1)
    if signed:
        top = two ** (b - one)
        return (-top + one if narrow else -top), top - one
    return np.float32(0) * b, two**b - (two if narrow else one)


def _scalar_bit_width(op, bits: np.ndarray, what: str) -> np.ndarray:
    if np.size(bits) != 1:
        raise UnsupportedError(op.name, [f"{what} must be a scalar, got shape {np.shape(bits)}"])
    return np.asarray(bits, dtype=np.float32).reshape(())


@impl(O.ONNX_OPS["Quant"])
def _qonnx_quant(op, x, scale, zp, bits):
    b = _scalar_bit_width(op, bits, "bitwidth")
    signed, narrow = bool(op.prop("signed")), bool(op.prop("narrow"))
    v = qops.qonnx_prequant(x, scale, zp)
    if signed and b == 1:  # 1-bit signed: bipolar, no clamp/rounding
        q = np.where(v >= 0, np.float32(1), np.float32(-1))
    else:
        lo, hi = _qonnx_bounds(b, signed, narrow)
        q = qops.qonnx_round(np.clip(v, lo, hi).astype(np.float32), op.prop("rounding_mode"))
    return ((q - np.asarray(zp, np.float32)) * np.asarray(scale, np.float32)).astype(np.float32)


@impl(O.ONNX_OPS["BipolarQuant"])
def _qonnx_bipolar_quant(op, x, scale):
    signs = np.where(np.asarray(x, np.float32) >= 0, np.float32(1), np.float32(-1))
    return (signs * np.asarray(scale, np.float32)).astype(np.float32)


@impl(O.ONNX_OPS["Trunc"])
def _qonnx_trunc(op, x, scale, zp, in_bits, out_scale, out_bits):
    s = np.asarray(scale, np.float32)
    z = np.asarray(zp, np.float32)
    mode = op.prop("rounding_mode")
    y = np.round(qops.qonnx_prequant(x, s, z))
    if op.prop("version") == 1:  # drop input_bit_width - output_bit_width low bits
        shift = np.asarray(in_bits, np.float32) - np.asarray(out_bits, np.float32)
        y = qops.qonnx_round((y / np.float32(2) ** shift).astype(np.float32), mode)
        return ((y - z) * s).astype(np.float32)
    if out_scale is None:
        raise UnsupportedError(op.name, ["Trunc version 2 needs output_scale"])
    so = np.asarray(out_scale, np.float32)
    with np.errstate(divide="ignore"):
        factor = np.float32(2) ** np.round(np.log2((so / s).astype(np.float32)))
    y = (y / factor).astype(np.float32)
    lo, hi = _qonnx_bounds(
        _scalar_bit_width(op, out_bits, "output_bit_width"),
        bool(op.prop("signed")),
        bool(op.prop("narrow")),
    )
    y = qops.qonnx_round(np.clip(y, lo, hi).astype(np.float32), mode)
    return ((y - (z / factor).astype(np.float32)) * so).astype(np.float32)
