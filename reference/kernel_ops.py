"""Reference semantics of the `kernel` dialect, from each op's compile-time parameters only.

These are the formulas the generated C implements (TFLite Micro's integer kernels with their
parameters precomputed); they do not look at `nn` types, so running a kernel program through
this interpreter checks `convert-nn-to-kernel`'s parameter computation against the `nn`
reference. Ops write into their output buffer (a NumPy array, possibly a view into the arena).
"""

from __future__ import annotations

import numpy as np

from edgeai.dialects import kernel as K
from edgeai.dialects import mem
from edgeai.reference import fixedpoint as fp
from edgeai.reference import kernels as KR
from edgeai.reference import qkernels as qk
from edgeai.reference.interpreter import impl


def _store(out: np.ndarray, value: np.ndarray) -> None:
    out[...] = np.asarray(value).reshape(out.shape).astype(out.dtype, copy=False)


def _requant(op: K.KernelOp, acc: np.ndarray, channels_last: bool = True) -> np.ndarray:
    """acc (int64, exact) -> stored values with the per-channel multiplier/shift."""
    mult = np.asarray(op.prop("output_multiplier"), dtype=np.int64)
    shift = np.asarray(op.prop("output_shift"), dtype=np.int64)
    acc = fp.wrap_int32(acc)
    y = fp.multiply_by_quantized_multiplier(acc, mult, shift) + op.prop("output_offset")
    return fp.saturate(fp.wrap_int32(y), op.prop("qmin"), op.prop("qmax"))


def _fclamp(op: K.KernelOp, y: np.ndarray) -> np.ndarray:
    return np.clip(y, np.float32(op.prop("fmin")), np.float32(op.prop("fmax"))).astype(np.float32)


@impl(K.ConstantOp)
def _constant(op: K.ConstantOp) -> np.ndarray:
    return op.to_numpy()


@impl(mem.ViewOp)
def _view(op: mem.ViewOp, x: np.ndarray) -> np.ndarray:
    return x.reshape(op.output.type.get_shape())


def _conv_family(op: K.KernelOp, *args: np.ndarray) -> tuple:
    x, w = args[0], args[1]
    b = args[2] if len(args) == 4 else None
    out = args[-1]
    if isinstance(op, K.FullyConnectedOp):
        win = None
    else:
        win = (op.prop("strides"), op.prop("dilations"), op.prop("padding"))
    if not op.quantized:
        if isinstance(op, K.FullyConnectedOp):
            y = x.astype(np.float32) @ w.astype(np.float32).T
            y = y if b is None else y + b
        elif isinstance(op, K.Conv2dOp):
            y = KR.conv2d(x, w, b, *win, op.prop("groups"))
        else:
            y = KR.depthwise_conv2d(x, w, b, *win)
        _store(out, _fclamp(op, y))
        return ()
    xc = x.astype(np.float64) + op.prop("input_offset")  # padded taps contribute 0
    wf = w.astype(np.float64)
    bias = None if b is None else b.astype(np.float64)
    if isinstance(op, K.FullyConnectedOp):
        acc = xc @ wf.T
        acc = acc if bias is None else acc + bias
    elif isinstance(op, K.Conv2dOp):
        acc = KR.conv2d(xc, wf, bias, *win, op.prop("groups"), 0, np.float64)
    else:
        acc = KR.depthwise_conv2d(xc, wf, bias, *win, 0, np.float64)
    _store(out, _requant(op, acc.astype(np.int64)))
    return ()


for _cls in (K.Conv2dOp, K.DepthwiseConv2dOp, K.FullyConnectedOp):
    impl(_cls)(_conv_family)


@impl(K.AvgPool2dOp)
def _avg_pool(op: K.AvgPool2dOp, x: np.ndarray, out: np.ndarray) -> tuple:
    k, s, p = op.prop("kernel"), op.prop("strides"), op.prop("padding")
    if op.quantized:
        y = qk.average_pool2d(
            x, filter_hw=k, stride=s, padding=p, act_min=op.prop("qmin"), act_max=op.prop("qmax")
        )
    else:
        y = _fclamp(op, KR.avg_pool2d(x, k, s, (1, 1), p, False))
    _store(out, y)
    return ()


@impl(K.MaxPool2dOp)
def _max_pool(op: K.MaxPool2dOp, x: np.ndarray, out: np.ndarray) -> tuple:
    k, s, p = op.prop("kernel"), op.prop("strides"), op.prop("padding")
    if op.quantized:
        y = qk.max_pool2d(
            x, filter_hw=k, stride=s, padding=p, act_min=op.prop("qmin"), act_max=op.prop("qmax")
        )
    else:
        y = _fclamp(op, KR.max_pool2d(x, k, s, (1, 1), p))
    _store(out, y)
    return ()


@impl(K.MeanOp)
def _mean(op: K.MeanOp, x: np.ndarray, out: np.ndarray) -> tuple:
    axes = tuple(op.prop("axes"))
    if not op.quantized:
        _store(out, np.mean(x, axis=axes, dtype=np.float64).astype(np.float32))
        return ()
    total = fp.wrap_int32(x.astype(np.int64).sum(axis=axes))
    shifted = fp.wrap_int32(total + op.prop("input_offset"))
    y = fp.multiply_by_quantized_multiplier(
        shifted, op.prop("multiplier"), op.prop("shift")
    ) + op.prop("output_offset")
    info = np.iinfo(out.dtype)
    _store(out, fp.saturate(fp.wrap_int32(y), info.min, info.max))
    return ()


@impl(K.AddOp)
def _add(op: K.AddOp, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> tuple:
    sign = op.prop("sign", 1)
    if not op.quantized:
        _store(out, _fclamp(op, a + sign * b))
        return ()
    ls = op.prop("left_shift")
    x1 = fp.wrap_int32((a.astype(np.int64) + op.prop("input1_offset")) << ls)
    x2 = fp.wrap_int32((b.astype(np.int64) + op.prop("input2_offset")) << ls)
    x1 = fp.multiply_by_quantized_multiplier_smaller_than_one_exp(
        x1, op.prop("input1_multiplier"), op.prop("input1_shift")
    )
    x2 = fp.multiply_by_quantized_multiplier_smaller_than_one_exp(
        x2, op.prop("input2_multiplier"), op.prop("input2_shift")
    )
    raw = fp.wrap_int32(x1 + sign * x2)
    y = fp.multiply_by_quantized_multiplier_smaller_than_one_exp(
        raw, op.prop("output_multiplier"), op.prop("output_shift")
    )
    y = fp.wrap_int32(y + op.prop("output_offset"))
    _store(out, fp.saturate(y, op.prop("qmin"), op.prop("qmax")))
    return ()


@impl(K.MulOp)
def _mul(op: K.MulOp, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> tuple:
    if not op.quantized:
        _store(out, _fclamp(op, a * b))
        return ()
    prod = fp.wrap_int32(
        (a.astype(np.int64) + op.prop("input1_offset"))
        * (b.astype(np.int64) + op.prop("input2_offset"))
    )
    y = fp.multiply_by_quantized_multiplier(
        prod, op.prop("output_multiplier"), op.prop("output_shift")
    )
    y = fp.wrap_int32(y + op.prop("output_offset"))
    _store(out, fp.saturate(y, op.prop("qmin"), op.prop("qmax")))
    return ()


@impl(K.SoftmaxOp)
def _softmax(op: K.SoftmaxOp, x: np.ndarray, out: np.ndarray) -> tuple:
    if not op.quantized:
        _store(out, KR.softmax(x.astype(np.float32) * np.float32(op.prop("beta")), -1))
        return ()
    m, e, diff_min = (
        op.prop("input_beta_multiplier"),
        op.prop("input_beta_left_shift"),
        op.prop("diff_min"),
    )
    xi = x.astype(np.int64)
    diff = xi - xi.max(axis=-1, keepdims=True)
    valid = diff >= diff_min
    rescaled = fp.multiply_by_quantized_multiplier_greater_than_one(diff, m, e)
    exps = fp.exp_on_negative_values(rescaled, 5)
    terms = np.where(valid, fp.fixedpoint_rescale(exps, 0, 12), 0)
    total = fp.wrap_int32(terms.sum(axis=-1, keepdims=True))
    scale_q0, bits_over_unit = fp.get_reciprocal(total, 12)
    info = np.iinfo(out.dtype)
    exponent = bits_over_unit + 31 - out.dtype.itemsize * 8
    unsat = fp.rounding_divide_by_pot(
        fp.saturating_rounding_doubling_high_mul(scale_q0, exps), exponent
    )
    y = np.where(valid, fp.saturate(unsat + info.min, info.min, info.max), info.min)
    _store(out, y)
    return ()


@impl(K.ClampOp)
def _clamp(op: K.ClampOp, x: np.ndarray, out: np.ndarray) -> tuple:
    if op.quantized:
        _store(out, np.clip(x.astype(np.int64), op.prop("qmin"), op.prop("qmax")))
    else:
        _store(out, _fclamp(op, x))
    return ()


@impl(K.RequantizeOp)
def _requantize(op: K.RequantizeOp, x: np.ndarray, out: np.ndarray) -> tuple:
    diff = fp.wrap_int32(x.astype(np.int64) + op.prop("input_offset"))
    y = fp.multiply_by_quantized_multiplier(
        diff, op.prop("multiplier"), op.prop("shift")
    ) + op.prop("output_offset")
    _store(out, fp.saturate(fp.wrap_int32(y), op.prop("qmin"), op.prop("qmax")))
    return ()


@impl(K.QuantizeOp)
def _quantize(op: K.QuantizeOp, x: np.ndarray, out: np.ndarray) -> tuple:
    info = np.iinfo(out.dtype)
    _store(
        out,
        fp.quantize(
            x.astype(np.float32),
            op.prop("scale"),
            op.prop("zero_point"),
            info.min,
            info.max,
            "tflite",
        ),
    )
    return ()


@impl(K.DequantizeOp)
def _dequantize(op: K.DequantizeOp, x: np.ndarray, out: np.ndarray) -> tuple:
    _store(out, fp.dequantize(x, op.prop("scale"), op.prop("zero_point")))
    return ()


@impl(K.CopyOp)
def _copy(op: K.CopyOp, x: np.ndarray, out: np.ndarray) -> tuple:
    _store(out, x.copy())
    return ()


@impl(K.TransposeOp)
def _transpose(op: K.TransposeOp, x: np.ndarray, out: np.ndarray) -> tuple:
    _store(out, np.transpose(x, op.prop("perm")).copy())
    return ()


@impl(K.ConcatOp)
def _concat(op: K.ConcatOp, *args: np.ndarray) -> tuple:
    *ins, out = args
    _store(out, np.concatenate([a.copy() for a in ins], axis=op.prop("axis")))
    return ()


@impl(K.PadOp)
def _pad(op: K.PadOp, x: np.ndarray, out: np.ndarray) -> tuple:
    fill = op.prop("fvalue") if not op.quantized else op.prop("value")
    _store(out, KR.pad_array(x.copy(), op.prop("pads"), "constant", fill))
    return ()
