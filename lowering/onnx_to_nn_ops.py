"""One conversion function per ONNX operator, `onnx.*` -> `nn.*` (see onnx_to_nn_patterns)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from xdsl.dialects.builtin import Float32Type, IntegerType, TensorType, f32
from xdsl.ir import Attribute, SSAValue

from edgeai.dialects import nn
from edgeai.dialects import onnx as O
from edgeai.dialects.nn_types import BinaryType, QuantType
from edgeai.dialects.onnx_shapes import (
    conv_transpose_padding,
    reduce_axes,
    resize_params,
    slice_params,
)
from edgeai.lowering.onnx_to_nn_patterns import (
    NHWC,
    Converter,
    explicit_pads,
    hw,
    hw_padding,
    ident,
    order_preserving,
    window_props,
)
from edgeai.support.attrs import bool_attr, f32_attr, i64_array, i64_attr, str_attr
from edgeai.support.errors import UnsupportedError

Convert = Callable[[Converter, O.OnnxOp], None]
CONVERTERS: dict[str, Convert] = {}


def converts(*onnx_types: str) -> Callable[[Convert], Convert]:
    def reg(fn: Convert) -> Convert:
        for t in onnx_types:
            CONVERTERS[t] = fn
        return fn

    return reg


def _unsupported(c: Converter, msg: str) -> UnsupportedError:
    return UnsupportedError(c.where(), [msg])


def _elem(v: SSAValue) -> Attribute:
    assert isinstance(v.type, TensorType)
    return v.type.element_type


def _is_float(v: SSAValue) -> bool:
    return isinstance(_elem(v), Float32Type)


# ---------------------------------------------------------------------------------------------
# constants


@converts("Constant")
def _constant(c: Converter, op: O.OnnxOp) -> None:
    assert isinstance(op, O.ConstantOp)
    c.set_const(op.output, op.to_numpy())


# ---------------------------------------------------------------------------------------------
# convolutions


def _spatial_rank_check(c: Converter, x: SSAValue) -> int:
    rank = len(c.shape(x))
    if rank not in (3, 4):
        raise _unsupported(
            c, f"{rank - 2}-D windows (1-D and 2-D convolution/pooling are supported)"
        )
    return rank


def _to_nhwc(c: Converter, x: SSAValue, elem: Attribute | None = None) -> SSAValue:
    """Input of a spatial op as NHWC (1-D inputs [N,C,L] become [N,1,L,C])."""
    if len(c.shape(x)) == 4:
        if elem is not None:
            return c.as_quant(x, NHWC, elem)
        return c.in_layout(x, NHWC)
    n, ch, length = c.shape(x)
    v = c.as_quant(x, (0, 2, 1), elem) if elem is not None else c.in_layout(x, (0, 2, 1))
    return c.reshape(v, (n, 1, length, ch))


def _from_nhwc(c: Converter, result: SSAValue, y: SSAValue) -> None:
    """Record y (NHWC) as the value of ONNX result `result` (rank 3 or 4)."""
    if len(c.shape(result)) == 4:
        c.set(result, y, NHWC)
        return
    n, h, w, ch = c.shape(y)
    r = c.reshape(y, (n, w, ch))
    c.set(result, r, (0, 2, 1))


def _conv_weight(
    c: Converter, w: SSAValue, group: int, depthwise: bool, elem: Attribute | None = None
) -> SSAValue:
    """ONNX weight [O, I/g, k...] as OHWI (or depthwise [1, KH, KW, O])."""
    shape = c.shape(w)
    val = c.get(w)
    w4_shape = shape if len(shape) == 4 else (shape[0], shape[1], 1, shape[2])
    if val.deq is not None and len(shape) == 4 and elem is None:
        return c.in_layout(w, (1, 2, 3, 0) if depthwise else (0, 2, 3, 1))
    if val.const is not None:
        arr = val.const.reshape(w4_shape)
        arr = np.transpose(arr, (1, 2, 3, 0)) if depthwise else np.transpose(arr, (0, 2, 3, 1))
        return c.const(arr, elem if elem is not None else _elem(w), w.name_hint)
    if elem is not None:
        # reinterpret in ONNX layout (per-channel axis 0 = O), the transpose moves the axis
        onnx_elem = (
            elem.with_axis(0)
            if isinstance(elem, QuantType) and elem.channel_axis is not None
            else elem
        )
        v = c.as_quant(w, ident(len(shape)), onnx_elem)
    else:
        v = c.ident_value(w)
    if len(shape) == 3:
        v = c.reshape(v, w4_shape)
    perm = (1, 2, 3, 0) if depthwise else (0, 2, 3, 1)
    return c.make(
        nn.TransposeOp, [v], elem if elem is not None else c.nn_elem(v), {"perm": i64_array(perm)}
    )


def _conv_core(
    c: Converter,
    op: O.OnnxOp,
    x: SSAValue,
    w: SSAValue,
    b: SSAValue | None,
    result: SSAValue,
    x_elem: Attribute | None = None,
    w_elem_fn: Callable[[bool], Attribute] | None = None,
    b_elem_fn: Callable[[bool], Attribute] | None = None,
    out_elem: Attribute | None = None,
    extra: dict | None = None,
) -> None:
    _spatial_rank_check(c, x)
    xs, ws = c.shape(x), c.shape(w)
    group = op.prop("group")
    cin, cout = xs[1], ws[0]
    depthwise = group > 1 and group == cin and cout % cin == 0 and ws[1] == 1
    kernel = list(op.prop("kernel_shape"))
    pads = explicit_pads(op, xs[2:], kernel)
    xv = _to_nhwc(c, x, x_elem)
    wv = _conv_weight(c, w, group, depthwise, w_elem_fn(depthwise) if w_elem_fn else None)
    bv = None
    if b is not None:
        bv = c.in_layout(b, (0,), b_elem_fn(depthwise) if b_elem_fn else None)
    props = window_props(op, pads)
    props.update(extra or {})
    elem = out_elem if out_elem is not None else _elem(result)
    if depthwise:
        y = c.make(nn.DepthwiseConv2dOp, [xv, wv, bv], elem, props)
    else:
        props["groups"] = i64_attr(group)
        y = c.make(nn.Conv2dOp, [xv, wv, bv], elem, props)
    _from_nhwc(c, result, y)


@converts("Conv")
def _conv(c: Converter, op: O.OnnxOp) -> None:
    x, w, b = op.operands
    _conv_core(c, op, x, w, None if b.type.__class__.__name__ == "NoneType" else b, op.results[0])


def _conv_transpose_weight(c: Converter, w: SSAValue, g: int) -> SSAValue:
    """ONNX weight [Cin, Cout/g, k...] as ours [Cout, KH, KW, Cin/g] (constants permuted now)."""
    ws = c.shape(w)
    cin, cog = ws[0], ws[1]
    cig = cin // g
    k4 = tuple(ws[2:]) if len(ws) == 4 else (1, ws[2])
    val = c.get(w)
    if val.const is not None:
        w4 = val.const.reshape(cin, cog, *k4)
        wn = w4.reshape(g, cig, cog, *k4).transpose(0, 2, 3, 4, 1).reshape(g * cog, *k4, cig)
        return c.const(wn, _elem(w), w.name_hint)
    v = c.ident_value(w)
    elem = c.nn_elem(v)
    v = c.make(nn.ReshapeOp, [v], elem, shapes=[(g, cig, cog, *k4)])
    v = c.make(nn.TransposeOp, [v], elem, {"perm": i64_array((0, 2, 3, 4, 1))})
    return c.make(nn.ReshapeOp, [v], elem, shapes=[(g * cog, *k4, cig)])


@converts("ConvTranspose")
def _conv_transpose(c: Converter, op: O.OnnxOp) -> None:
    x, w, b = op.operands
    _spatial_rank_check(c, x)
    g = op.prop("group")
    strides, dil = list(op.prop("strides")), list(op.prop("dilations"))
    out_spatial = list(c.shape(op.results[0])[2:])
    padding = hw_padding(conv_transpose_padding(c.shape(x), out_spatial, op.attrs()))
    # nn.conv2d_transpose crops (or, at the end, extends) its output; a negative begin
    # (output_shape / SAME larger than the full output) becomes a zero pad, then the bias
    extend = [max(0, -padding[0]), max(0, -padding[1])]
    wv = _conv_transpose_weight(c, w, g)
    bv = None if b.type.__class__.__name__ == "NoneType" else c.in_layout(b, (0,))
    props = {
        "strides": i64_array(hw(strides, 1)),
        "dilations": i64_array(hw(dil, 1)),
        "padding": i64_array([max(0, padding[0]), max(0, padding[1]), padding[2], padding[3]]),
        "groups": i64_attr(g),
    }
    elem = _elem(op.results[0])
    conv_bias = None if any(extend) else bv
    y = c.make(nn.Conv2dTransposeOp, [_to_nhwc(c, x), wv, conv_bias], elem, props)
    if any(extend):
        pads = [0, extend[0], extend[1], 0, 0, 0, 0, 0]
        props = {"pads": i64_array(pads), "mode": str_attr("constant"), "value": f32_attr(0.0)}
        y = c.make(nn.PadOp, [y], elem, props)
        if bv is not None:
            y = c.make(nn.AddOp, [y, bv], elem)
    _from_nhwc(c, op.results[0], y)


# ---------------------------------------------------------------------------------------------
# dense / matmul


@converts("Gemm")
def _gemm(c: Converter, op: O.OnnxOp) -> None:
    a, b, cc = op.operands
    alpha, beta = op.prop("alpha"), op.prop("beta")
    result = op.results[0]
    elem = _elem(result)
    if not _is_float(result):
        raise _unsupported(c, "integer Gemm")
    av = c.ident_value(a)
    if op.prop("transA"):
        av = c.make(nn.TransposeOp, [av], f32, {"perm": i64_array((1, 0))})
    bconst = c.const_of(b)
    m, n = c.shape(result)
    bias_val = None
    cconst = None if cc.type.__class__.__name__ == "NoneType" else c.const_of(cc)
    if c.get(b).deq is not None and alpha == 1.0:
        wv = c.in_layout(b, (0, 1) if op.prop("transB") else (1, 0))
        y = c.make(nn.DenseOp, [av, wv, None], elem)
    elif bconst is not None:
        wk = bconst if op.prop("transB") else bconst.T  # [N, K]
        wk = (np.float32(alpha) * wk).astype(np.float32) if alpha != 1.0 else wk
        wv = c.const(np.asarray(wk, order="C"), f32, b.name_hint)
        if (
            cconst is not None
            and np.broadcast_to(cconst, (m, n)).shape == (m, n)
            and (cconst.ndim == 0 or cconst.size == n and cconst.shape[-1] == n)
        ):
            bias = (np.float32(beta) * np.broadcast_to(cconst.reshape(-1), (n,))).astype(np.float32)
            bias_val = c.const(bias, f32, cc.name_hint)
            y = c.make(nn.DenseOp, [av, wv, bias_val], elem)
            c.set(result, y, (0, 1))
            return
        y = c.make(nn.DenseOp, [av, wv, None], elem)
    else:
        bv = c.ident_value(b)
        if op.prop("transB"):
            bv = c.make(nn.TransposeOp, [bv], f32, {"perm": i64_array((1, 0))})
        y = c.make(nn.MatMulOp, [av, bv], elem)
        if alpha != 1.0:
            y = c.make(nn.MulOp, [y, c.const(np.array(alpha, np.float32))], elem)
    if cc.type.__class__.__name__ != "NoneType":
        if cconst is not None:
            cv = c.const((np.float32(beta) * cconst).astype(np.float32), f32, cc.name_hint)
        else:
            cv = c.ident_value(cc)
            if beta != 1.0:
                cv = c.make(nn.MulOp, [cv, c.const(np.array(beta, np.float32))], f32)
        y = c.make(nn.AddOp, [y, cv], elem)
    c.set(result, y, (0, 1))


def _matmul_common(
    c: Converter,
    a: SSAValue,
    b: SSAValue,
    result: SSAValue,
    a_elem=None,
    b_elem_fn=None,
    out_elem: Attribute | None = None,
    props: dict | None = None,
) -> None:
    bconst = c.const_of(b)
    elem = out_elem if out_elem is not None else _elem(result)
    a_shape = c.shape(a)
    bval = c.get(b)
    if bval.deq is not None and bval.deq.ndim == 2 and len(a_shape) >= 2 and b_elem_fn is None:
        perm = c.layout(a) if c.get(a).const is None else ident(len(a_shape))
        if perm[-1] != len(a_shape) - 1:
            perm = ident(len(a_shape))
        y = c.make(nn.DenseOp, [c.in_layout(a, perm), c.in_layout(b, (1, 0)), None], elem, props)
        c.set(result, y, perm)
        return
    if bconst is not None and bconst.ndim == 2 and len(a_shape) >= 2:
        # dense acts on the last axis, so any layout keeping that axis last works
        perm = c.layout(a) if c.get(a).const is None else ident(len(a_shape))
        if perm[-1] != len(a_shape) - 1:
            perm = ident(len(a_shape))
        av = c.as_quant(a, perm, a_elem) if a_elem is not None else c.in_layout(a, perm)
        w = np.asarray(bconst.T, order="C")
        wv = c.const(w, b_elem_fn() if b_elem_fn else _elem(b), b.name_hint)
        y = c.make(nn.DenseOp, [av, wv, None], elem, props)
        c.set(result, y, perm)
        return
    av = c.as_quant(a, ident(len(a_shape)), a_elem) if a_elem is not None else c.ident_value(a)
    bshape = c.shape(b)
    if b_elem_fn is not None:
        bv = c.as_quant(
            b, ident(len(bshape)), b_elem_fn(False) if _takes_arg(b_elem_fn) else b_elem_fn()
        )
    else:
        bv = c.ident_value(b)
    y = c.make(nn.MatMulOp, [av, bv], elem, props)
    c.set(result, y, ident(len(c.shape(result))))


def _takes_arg(fn: Callable) -> bool:
    return fn.__code__.co_argcount > 0


@converts("MatMul")
def _matmul(c: Converter, op: O.OnnxOp) -> None:
    a, b = op.operands
    _matmul_common(c, a, b, op.results[0])


# ---------------------------------------------------------------------------------------------
# element-wise


_BINARY = {"Add": nn.AddOp, "Sub": nn.SubOp, "Mul": nn.MulOp, "Div": nn.DivOp}


@converts("Add", "Sub", "Mul", "Div")
def _binary(c: Converter, op: O.OnnxOp) -> None:
    a, b = op.operands
    result = op.results[0]
    rank = len(c.shape(result))
    perm = c.float_operand_layout([a, b])
    av = c.broadcast_operand(a, rank, perm)
    bv = c.broadcast_operand(b, rank, perm)
    y = c.make(
        _BINARY[op.ONNX_TYPE],
        [av, bv],
        c.nn_elem(av),
        shapes=[tuple(c.shape(result)[p] for p in perm)],
    )
    c.set(result, y, perm)


def _unary(cls, props_fn: Callable[[O.OnnxOp], dict] | None = None) -> Convert:
    def run(c: Converter, op: O.OnnxOp) -> None:
        x = op.operands[0]
        perm = c.layout(x)
        xv = c.in_layout(x, perm)
        y = c.make(cls, [xv], c.nn_elem(xv), props_fn(op) if props_fn else None)
        c.set(op.results[0], y, perm)

    return run


converts("Relu")(_unary(nn.ReluOp))
converts("Sigmoid")(_unary(nn.SigmoidOp))
converts("Tanh")(_unary(nn.TanhOp))
converts("HardSwish")(_unary(nn.HardSwishOp))
converts("LeakyRelu")(_unary(nn.LeakyReluOp, lambda op: {"alpha": f32_attr(op.prop("alpha"))}))
converts("HardSigmoid")(
    _unary(
        nn.HardSigmoidOp,
        lambda op: {"alpha": f32_attr(op.prop("alpha")), "beta": f32_attr(op.prop("beta"))},
    )
)


@converts("Clip")
def _clip(c: Converter, op: O.OnnxOp) -> None:
    x, lo, hi = op.operands
    bounds = []
    for v, default in ((lo, -math.inf), (hi, math.inf)):
        if v.type.__class__.__name__ == "NoneType":
            bounds.append(default)
        else:
            bounds.append(float(np.ravel(c.require_const(v, "Clip bounds"))[0]))
    perm = c.layout(x)
    xv = c.in_layout(x, perm)
    props = {
        "min": f32_attr(bounds[0]) if math.isfinite(bounds[0]) else _inf_attr(bounds[0]),
        "max": f32_attr(bounds[1]) if math.isfinite(bounds[1]) else _inf_attr(bounds[1]),
    }
    y = c.make(nn.ClampOp, [xv], c.nn_elem(xv), props)
    c.set(op.results[0], y, perm)


def _inf_attr(v: float):
    from xdsl.dialects.builtin import FloatAttr

    return FloatAttr(v, f32)


@converts("PRelu")
def _prelu(c: Converter, op: O.OnnxOp) -> None:
    x, slope = op.operands
    rank = len(c.shape(x))
    perm = c.layout(x)
    xv = c.in_layout(x, perm)
    sv = c.broadcast_operand(slope, rank, perm)
    y = c.make(nn.PReluOp, [xv, sv], c.nn_elem(xv))
    c.set(op.results[0], y, perm)


@converts("Softmax", "LogSoftmax")
def _softmax(c: Converter, op: O.OnnxOp) -> None:
    x = op.operands[0]
    perm = c.layout(x)
    rank = len(perm)
    axis = op.prop("axis") % rank
    xv = c.in_layout(x, perm)
    cls = nn.SoftmaxOp if op.ONNX_TYPE == "Softmax" else nn.LogSoftmaxOp
    y = c.make(cls, [xv], c.nn_elem(xv), {"axis": i64_attr(perm.index(axis))})
    c.set(op.results[0], y, perm)


@converts("Identity", "Dropout")
def _identity(c: Converter, op: O.OnnxOp) -> None:
    c.vals[op.results[0]] = c.get(op.operands[0])


# ---------------------------------------------------------------------------------------------
# pooling


def _pool_padding(c: Converter, op: O.OnnxOp, x: SSAValue) -> tuple[list[int], list[int]]:
    """(total padding incl. ceil_mode extra, counted padding) in [t, l, b, r]."""
    xs = c.shape(x)
    kernel = list(op.prop("kernel_shape"))
    strides, dil = list(op.prop("strides")), list(op.prop("dilations"))
    pads = explicit_pads(op, xs[2:], kernel)
    n = len(kernel)
    out_spatial = c.shape(op.results[0])[2:]
    total = list(pads)
    for i in range(n):
        need = (out_spatial[i] - 1) * strides[i] + dil[i] * (kernel[i] - 1) + 1
        have = xs[2 + i] + pads[i] + pads[n + i]
        total[n + i] += max(0, need - have)
    return hw_padding(total), hw_padding(pads)


@converts("MaxPool", "AveragePool")
def _pool(c: Converter, op: O.OnnxOp) -> None:
    x = op.operands[0]
    _spatial_rank_check(c, x)
    total, counted = _pool_padding(c, op, x)
    kernel = hw(list(op.prop("kernel_shape")), 1)
    props = {
        "kernel": i64_array(kernel),
        "strides": i64_array(hw(op.prop("strides"), 1)),
        "dilations": i64_array(hw(op.prop("dilations"), 1)),
        "padding": i64_array(total),
    }
    xv = _to_nhwc(c, x)
    if op.ONNX_TYPE == "MaxPool":
        y = c.make(nn.MaxPool2dOp, [xv], c.nn_elem(xv), props)
    else:
        props["count_include_pad"] = i64_attr(op.prop("count_include_pad"))
        if counted != total and op.prop("count_include_pad"):
            props["counted_padding"] = i64_array(counted)
        y = c.make(nn.AvgPool2dOp, [xv], c.nn_elem(xv), props)
    _from_nhwc(c, op.results[0], y)


@converts("GlobalAveragePool", "GlobalMaxPool")
def _global_pool(c: Converter, op: O.OnnxOp) -> None:
    x = op.operands[0]
    rank = len(c.shape(x))
    perm = c.layout(x)
    if rank < 3:
        raise _unsupported(c, "global pooling of rank < 3")
    # keep the current layout; reduce the spatial ONNX axes 2..rank-1
    xv = c.in_layout(x, perm)
    axes = sorted(perm.index(a) for a in range(2, rank))
    cls = nn.ReduceMeanOp if op.ONNX_TYPE == "GlobalAveragePool" else nn.ReduceMaxOp
    y = c.make(cls, [xv], c.nn_elem(xv), {"axes": i64_array(axes), "keepdims": i64_attr(1)})
    c.set(op.results[0], y, perm)


@converts("BatchNormalization")
def _batchnorm(c: Converter, op: O.OnnxOp) -> None:
    x, scale, bias, mean, var = op.operands
    rank = len(c.shape(x))
    perm = c.layout(x)
    if perm[-1] != min(1, rank - 1):
        perm = (0, *range(2, rank), 1) if rank > 2 else ident(rank)
    xv = c.in_layout(x, perm)
    params = [c.in_layout(v, (0,)) for v in (scale, bias, mean, var)]
    if rank == 1:
        raise _unsupported(c, "BatchNormalization of a rank-1 tensor")
    y = c.make(
        nn.BatchNormOp, [xv, *params], c.nn_elem(xv), {"epsilon": f32_attr(op.prop("epsilon"))}
    )
    c.set(op.results[0], y, perm)


# ---------------------------------------------------------------------------------------------
# data movement


@converts("Concat")
def _concat(c: Converter, op: O.OnnxOp) -> None:
    ins = list(op.operands)
    rank = len(c.shape(op.results[0]))
    perm = c.float_operand_layout(ins)
    axis = op.prop("axis") % rank
    vals = [c.in_layout(v, perm) for v in ins]
    out_elem = c.nn_elem(vals[0])
    if any(isinstance(c.nn_elem(v), QuantType) for v in vals):
        vals = [c.plain(v, _elem(o)) for v, o in zip(vals, ins, strict=True)]
        out_elem = _elem(op.results[0])
    y = c.make(nn.ConcatOp, vals, out_elem, {"axis": i64_attr(perm.index(axis))})
    c.set(op.results[0], y, perm)


@converts("Reshape", "Flatten", "Squeeze", "Unsqueeze")
def _reshape(c: Converter, op: O.OnnxOp) -> None:
    x = op.operands[0]
    result = op.results[0]
    out_shape = c.shape(result)
    val = c.get(x)
    if val.const is not None:
        c.set_const(result, val.const.reshape(out_shape))
        return
    qt = val.deq_type
    if val.deq is not None and not (isinstance(qt, QuantType) and qt.channel_axis is not None):
        c.set_deq(result, val.deq.reshape(out_shape), qt)
        return
    xs = c.shape(x)
    if val.value is not None and order_preserving(xs, val.perm):
        src = val.value
    else:
        src = c.ident_value(x)
    assert src is not None
    if c.shape(src) == out_shape:
        c.set(result, src, ident(len(out_shape)))
        return
    y = c.reshape(src, out_shape)
    c.set(result, y, ident(len(out_shape)))


@converts("Transpose")
def _transpose(c: Converter, op: O.OnnxOp) -> None:
    x = op.operands[0]
    p = tuple(op.prop("perm"))
    val = c.get(x)
    if val.const is not None:
        c.set_const(op.results[0], np.asarray(np.transpose(val.const, p), order="C"))
        return
    if val.deq is not None:
        qt = val.deq_type
        if isinstance(qt, QuantType) and qt.channel_axis is not None:
            qt = qt.with_axis(p.index(qt.channel_axis))
        c.set_deq(op.results[0], np.asarray(np.transpose(val.deq, p), order="C"), qt)
        return
    q = tuple(p.index(val.perm[i]) for i in range(len(p)))
    c.vals[op.results[0]] = type(val)(val.value, q)


@converts("Pad")
def _pad(c: Converter, op: O.OnnxOp) -> None:
    x, pads, value, axes = op.operands
    rank = len(c.shape(x))
    p = [int(v) for v in np.ravel(c.require_const(pads, "Pad pads"))]
    ax = list(range(rank))
    if axes.type.__class__.__name__ != "NoneType":
        ax = [int(a) % rank for a in np.ravel(c.require_const(axes, "Pad axes"))]
    full = [0] * (2 * rank)
    for j, a in enumerate(ax):
        full[a], full[a + rank] = p[j], p[j + len(ax)]
    fill = 0.0
    if value.type.__class__.__name__ != "NoneType":
        fill = float(np.ravel(c.require_const(value, "Pad constant_value"))[0])
    perm = c.layout(x)
    xv = c.in_layout(x, perm)
    npads = [full[perm[i]] for i in range(rank)] + [full[rank + perm[i]] for i in range(rank)]
    if op.prop("mode") == "wrap":
        c.set(op.results[0], _wrap_pad(c, xv, npads), perm)
        return
    y = c.make(
        nn.PadOp,
        [xv],
        c.nn_elem(xv),
        {"pads": i64_array(npads), "mode": str_attr(op.prop("mode")), "value": f32_attr(fill)},
    )
    c.set(op.results[0], y, perm)


def _wrap_pad(c: Converter, x: SSAValue, pads: list[int]) -> SSAValue:
    """Pad mode `wrap` as one `nn.gather` per padded axis (negative pads crop first)."""
    from edgeai.support.attrs import dense_from_numpy

    rank = len(c.shape(x))
    for a in range(rank):
        b, e = pads[a], pads[a + rank]
        if b == 0 and e == 0:
            continue
        d = c.shape(x)[a]
        lo = max(0, -b)
        kept = d - lo - max(0, -e)
        pb, pe = max(0, b), max(0, e)
        if kept <= 0 and pb + pe > 0:
            raise _unsupported(c, "Pad wrap of an axis cropped to nothing")
        idx = np.array([lo + (i - pb) % kept for i in range(pb + kept + pe)], dtype=np.int64)
        props = {"axis": i64_attr(a), "indices": dense_from_numpy(idx)}
        x = c.make(nn.GatherOp, [x], c.nn_elem(x), props)
    return x


@converts("Slice")
def _slice(c: Converter, op: O.OnnxOp) -> None:
    x = op.operands[0]
    consts = [None] + [c.const_of(v) for v in op.operands[1:]]
    for i, name in ((1, "starts"), (2, "ends")):
        if consts[i] is None:
            raise _unsupported(c, f"Slice {name} must be constant")
    for i, name in ((3, "axes"), (4, "steps")):
        if op.operands[i].type.__class__.__name__ != "NoneType" and consts[i] is None:
            raise _unsupported(c, f"Slice {name} must be constant")
    xs = c.shape(x)
    params = slice_params(xs, consts)
    assert params is not None
    s, e, st = params
    val = c.get(x)
    if val.const is not None:
        from edgeai.reference.kernels import slice_array

        c.set_const(op.results[0], slice_array(val.const, s, e, st))
        return
    perm = val.perm
    xv = c.in_layout(x, perm)
    props = {
        "starts": i64_array([s[p] for p in perm]),
        "ends": i64_array([e[p] for p in perm]),
        "steps": i64_array([st[p] for p in perm]),
    }
    y = c.make(nn.SliceOp, [xv], c.nn_elem(xv), props)
    c.set(op.results[0], y, perm)


@converts("Split")
def _split(c: Converter, op: O.OnnxOp) -> None:
    x = op.operands[0]
    rank = len(c.shape(x))
    axis = op.prop("axis") % rank
    perm = c.layout(x)
    xv = c.in_layout(x, perm)
    shapes = [tuple(c.shape(r)[p] for p in perm) for r in op.results]
    sop = nn.SplitOp.make(
        [xv],
        [c.nn_elem(xv)] * len(shapes),
        {"axis": i64_attr(perm.index(axis))},
        layer=c.layer,
        shapes=shapes,
    )
    c.emit(sop)
    for r, v in zip(op.results, sop.results, strict=True):
        c.set(r, v, perm)


@converts("Gather")
def _gather(c: Converter, op: O.OnnxOp) -> None:
    x, idx = op.operands
    indices = c.require_const(idx, "Gather indices").astype(np.int64)
    rank = len(c.shape(x))
    axis = op.prop("axis") % rank
    val = c.get(x)
    if val.const is not None:
        i = np.where(indices < 0, indices + val.const.shape[axis], indices)
        c.set_const(op.results[0], np.take(val.const, i, axis=axis))
        return
    from edgeai.support.attrs import dense_from_numpy

    perm = val.perm
    if indices.ndim != 0:
        perm = ident(rank)
    xv = c.in_layout(x, perm)
    naxis = perm.index(axis)
    props = {"axis": i64_attr(naxis), "indices": dense_from_numpy(indices)}
    y = c.make(nn.GatherOp, [xv], c.nn_elem(xv), props)
    if indices.ndim == 0:
        out_perm = tuple(p - (1 if p > axis else 0) for p in perm if p != axis)
    else:
        out_perm = ident(len(c.shape(op.results[0])))
    c.set(op.results[0], y, out_perm)


_REDUCE = {"ReduceMean": nn.ReduceMeanOp, "ReduceMax": nn.ReduceMaxOp, "ReduceSum": nn.ReduceSumOp}


@converts("ReduceMean", "ReduceMax", "ReduceSum")
def _reduce(c: Converter, op: O.OnnxOp) -> None:
    x, axes_v = op.operands
    xs = c.shape(x)
    consts = [
        None,
        None
        if axes_v.type.__class__.__name__ == "NoneType"
        else c.require_const(axes_v, "reduction axes"),
    ]
    axes = reduce_axes(xs, op.attrs(), consts)
    assert axes is not None
    if not axes:
        c.vals[op.results[0]] = c.get(x)
        return
    keep = bool(op.prop("keepdims"))
    perm = c.layout(x)
    xv = c.in_layout(x, perm)
    naxes = sorted(perm.index(a) for a in axes)
    y = c.make(
        _REDUCE[op.ONNX_TYPE],
        [xv],
        c.nn_elem(xv),
        {"axes": i64_array(naxes), "keepdims": i64_attr(int(keep))},
    )
    if keep:
        c.set(op.results[0], y, perm)
    else:
        kept = [p for p in perm if p not in axes]
        ranks = {a: i for i, a in enumerate(sorted(kept))}
        c.set(op.results[0], y, tuple(ranks[p] for p in kept))


@converts("Resize")
def _resize(c: Converter, op: O.OnnxOp) -> None:
    from xdsl.dialects.builtin import DenseArrayBase, f64

    x, _roi, scales, sizes = op.operands
    problems = []
    if op.prop("mode") not in ("nearest", "linear"):
        problems.append(f"Resize mode '{op.prop('mode')}' (supported: nearest, linear)")
    if op.prop("antialias"):
        problems.append("Resize antialias=1")
    if op.prop("coordinate_transformation_mode") == "tf_crop_and_resize":
        problems.append("Resize coordinate_transformation_mode 'tf_crop_and_resize'")
    params = resize_params(
        c.shape(x), op.attrs(), [None, None, c.const_of(scales), c.const_of(sizes)]
    )
    if params is None:
        problems.append("Resize scales/sizes must be constant")
    if problems:
        raise UnsupportedError(c.where(), problems)
    assert params is not None
    out, full = params
    perm = c.layout(x)
    xv = c.in_layout(x, perm)
    props = {
        "mode": str_attr(op.prop("mode")),
        "coordinate_mode": str_attr(op.prop("coordinate_transformation_mode")),
        "nearest_mode": str_attr(op.prop("nearest_mode")),
        "scales": DenseArrayBase.from_list(f64, [full[p] for p in perm]),
    }
    y = c.make(nn.ResizeOp, [xv], c.nn_elem(xv), props, shapes=[tuple(out[p] for p in perm)])
    c.set(op.results[0], y, perm)


# ---------------------------------------------------------------------------------------------
# quantization


def _quant_type(
    c: Converter, scale: np.ndarray, zp: np.ndarray | None, storage: Attribute, axis: int | None
) -> QuantType:
    assert isinstance(storage, IntegerType)
    bits = storage.width.data
    from xdsl.dialects.builtin import Signedness

    signed = storage.signedness.data != Signedness.UNSIGNED
    s = np.ravel(scale).astype(np.float32).astype(np.float64)
    z = np.zeros(s.shape, np.int64) if zp is None else np.ravel(zp).astype(np.int64)
    if s.size == 1 and z.size == 1:
        return QuantType.get(bits, signed, float(s[0]), int(z[0]))
    if axis is None:
        raise _unsupported(c, "per-axis quantization parameters without an axis")
    return QuantType.get(bits, signed, s, np.broadcast_to(z, s.shape), axis)


def _qparams(
    c: Converter, scale_v: SSAValue, zp_v: SSAValue, what: str
) -> tuple[np.ndarray, np.ndarray | None]:
    s = c.require_const(scale_v, f"{what} scale")
    z = (
        None
        if zp_v.type.__class__.__name__ == "NoneType"
        else c.require_const(zp_v, f"{what} zero point")
    )
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise _unsupported(c, f"{what} scale must be finite and > 0")
    return s, z


@converts("QuantizeLinear")
def _quantize_linear(c: Converter, op: O.OnnxOp) -> None:
    x, scale_v, zp_v = op.operands
    s, z = _qparams(c, scale_v, zp_v, "QuantizeLinear")
    rank = len(c.shape(x))
    storage = _elem(op.results[0])
    val = c.get(x)
    perm = val.perm if val.const is None else ident(rank)
    axis = op.prop("axis") % max(rank, 1) if np.size(s) > 1 else None
    qt = _quant_type(c, s, z, storage, None if axis is None else perm.index(axis))
    xv = c.in_layout(x, perm)
    y = c.make(nn.QuantizeOp, [xv], qt, {"rounding": str_attr("onnx")})
    c.set(op.results[0], y, perm)


@converts("DequantizeLinear")
def _dequantize_linear(c: Converter, op: O.OnnxOp) -> None:
    x, scale_v, zp_v = op.operands
    s, z = _qparams(c, scale_v, zp_v, "DequantizeLinear")
    rank = len(c.shape(x))
    storage = _elem(x)
    if isinstance(storage, IntegerType) and storage.width.data == 32 and z is None:
        z = np.zeros(np.shape(s), np.int64)
    val = c.get(x)
    perm = val.perm if val.const is None else ident(rank)
    axis = op.prop("axis") % max(rank, 1) if np.size(s) > 1 else None
    qt = _quant_type(c, s, z, storage, None if axis is None else perm.index(axis))
    if val.const is not None:  # weights: stay typed, materialized in each user's layout
        c.set_deq(op.results[0], val.const, qt)
        return
    xv = c.as_quant(x, perm, qt)
    y = c.make(nn.DequantizeOp, [xv], f32)
    c.set(op.results[0], y, perm)


def _scalar_q(
    c: Converter, scale_v: SSAValue, zp_v: SSAValue, storage: Attribute, what: str
) -> QuantType:
    s, z = _qparams(c, scale_v, zp_v, what)
    if np.size(s) != 1:
        raise _unsupported(c, f"per-axis {what} quantization")
    return _quant_type(c, s, z, storage, None)


@converts("QLinearConv")
def _qlinear_conv(c: Converter, op: O.OnnxOp) -> None:
    x, xs_v, xz_v, w, ws_v, wz_v, ys_v, yz_v, b = op.operands
    xq = _scalar_q(c, xs_v, xz_v, _elem(x), "input")
    yq = _scalar_q(c, ys_v, yz_v, _elem(op.results[0]), "output")
    ws, wz = _qparams(c, ws_v, wz_v, "weight")
    cout = c.shape(w)[0]

    def w_elem(depthwise: bool) -> QuantType:
        return _quant_type(
            c, ws, wz, _elem(w), (3 if depthwise else 0) if np.size(ws) > 1 else None
        )

    def b_elem(depthwise: bool) -> QuantType:
        sb = xq.scale * np.broadcast_to(np.ravel(ws).astype(np.float32).astype(np.float64), (cout,))
        return QuantType.get(32, True, sb, np.zeros(cout, np.int64), 0)

    bias = None if b.type.__class__.__name__ == "NoneType" else b
    _conv_core(
        c, op, x, w, bias, op.results[0], xq, w_elem, b_elem, yq, {"rounding": str_attr("onnx")}
    )


@converts("ConvInteger")
def _conv_integer(c: Converter, op: O.OnnxOp) -> None:
    x, w, xz_v, wz_v = op.operands
    one = np.array(1.0, np.float32)
    xz = (
        None
        if xz_v.type.__class__.__name__ == "NoneType"
        else c.require_const(xz_v, "x_zero_point")
    )
    wz = (
        None
        if wz_v.type.__class__.__name__ == "NoneType"
        else c.require_const(wz_v, "w_zero_point")
    )
    xq = _quant_type(c, one, xz, _elem(x), None)
    cout = c.shape(w)[0]

    def w_elem(depthwise: bool) -> QuantType:
        if wz is not None and np.size(wz) > 1:
            return _quant_type(c, np.ones(cout, np.float32), wz, _elem(w), 3 if depthwise else 0)
        return _quant_type(c, one, wz, _elem(w), None)

    _conv_core(c, op, x, w, None, op.results[0], xq, w_elem, None, IntegerType(32))


@converts("QLinearMatMul")
def _qlinear_matmul(c: Converter, op: O.OnnxOp) -> None:
    a, as_v, az_v, b, bs_v, bz_v, ys_v, yz_v = op.operands
    aq = _scalar_q(c, as_v, az_v, _elem(a), "a")
    yq = _scalar_q(c, ys_v, yz_v, _elem(op.results[0]), "output")
    bs, bz = _qparams(c, bs_v, bz_v, "b")
    if np.size(bs) > 1:
        raise _unsupported(c, "per-column QLinearMatMul b quantization")
    bq = _quant_type(c, bs, bz, _elem(b), None)
    _matmul_common(c, a, b, op.results[0], aq, lambda *_: bq, yq, {"rounding": str_attr("onnx")})


@converts("MatMulInteger")
def _matmul_integer(c: Converter, op: O.OnnxOp) -> None:
    a, b, az_v, bz_v = op.operands
    one = np.array(1.0, np.float32)
    az = (
        None
        if az_v.type.__class__.__name__ == "NoneType"
        else c.require_const(az_v, "a_zero_point")
    )
    bz = (
        None
        if bz_v.type.__class__.__name__ == "NoneType"
        else c.require_const(bz_v, "b_zero_point")
    )
    if az is not None and np.size(az) > 1 or bz is not None and np.size(bz) > 1:
        raise _unsupported(c, "per-row/column MatMulInteger zero points")
    aq = _quant_type(c, one, az, _elem(a), None)
    bq = _quant_type(c, one, bz, _elem(b), None)
    _matmul_common(c, a, b, op.results[0], aq, lambda *_: bq, IntegerType(32))


# ---------------------------------------------------------------------------------------------
# QONNX quantization: Quant / BipolarQuant -> nn.quantize + nn.dequantize (constants: quantized
# constants), exact with qonnx's float32 execution; Trunc has no exact nn form yet

#: largest |integer| of a Quant range for which qonnx's float32 clamp-then-round stays inside
#: the range (every integer and its half-way neighbours are float32 values)
_QONNX_MAX_INT = 1 << 23


def _qonnx_param(c: Converter, p: np.ndarray, x_shape: tuple[int, ...], what: str):
    """(values, axis) of a QONNX scale/zero point: one value (axis None) or one per index of a
    single axis of x (ONNX layout); unsupported when it broadcasts otherwise."""
    from edgeai.dialects.common import broadcast_shapes

    arr = np.asarray(p)
    if arr.size == 1:
        return arr.reshape(1), None
    full = (1,) * (len(x_shape) - arr.ndim) + arr.shape
    if arr.ndim > len(x_shape) or broadcast_shapes(x_shape, arr.shape) != x_shape:
        raise _unsupported(c, f"{what} of shape {arr.shape} broadcasts the input {x_shape}")
    axes = [i for i, d in enumerate(full) if d != 1]
    if len(axes) != 1:
        raise _unsupported(c, f"{what} varies along several axes {axes} (one axis is supported)")
    return arr.ravel(), axes[0]


def _qonnx_params(
    c: Converter, x: SSAValue, params: list[tuple[SSAValue, str]]
) -> tuple[list[np.ndarray], list[np.ndarray], int | None]:
    """Constant QONNX parameters: (raw arrays, per-axis value vectors, common axis)."""
    raws = [c.require_const(v, what) for v, what in params]
    split = [
        _qonnx_param(c, r, c.shape(x), what) for r, (_, what) in zip(raws, params, strict=True)
    ]
    axes = {a for _, a in split if a is not None}
    if len(axes) > 1:
        raise _unsupported(c, "scale and zero point vary along different axes")
    axis = axes.pop() if axes else None
    n = c.shape(x)[axis] if axis is not None else 1
    vecs = [np.broadcast_to(v, (n,)).astype(np.float64) for v, _ in split]
    return raws, vecs, axis


def _check_scale(c: Converter, s: np.ndarray, what: str) -> None:
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise _unsupported(c, f"{what} scale must be finite and > 0")


def _qonnx_result(
    c: Converter, op: O.OnnxOp, elem: Attribute, axis: int | None, props: dict, stored_fn
) -> None:
    """Record the fake-quantized result: a quantized constant for constant inputs, else
    nn.quantize (in the input's layout) + nn.dequantize."""
    x = op.operands[0]
    if c.shape(op.results[0]) != c.shape(x):
        raise _unsupported(c, f"quantization parameters broadcast the input {c.shape(x)}")
    xc = c.const_of(x)
    if xc is not None:
        c.set_deq(op.results[0], stored_fn(xc), elem)
        return
    perm = c.layout(x)
    if isinstance(elem, QuantType | BinaryType) and axis is not None:
        elem = elem.with_axis(perm.index(axis))
    q = c.make(nn.QuantizeOp, [c.in_layout(x, perm)], elem, props)
    c.set(op.results[0], c.make(nn.DequantizeOp, [q], f32), perm)


@converts("Quant")
def _qonnx_quant(c: Converter, op: O.OnnxOp) -> None:
    from edgeai.reference import qops

    x, scale_v, zp_v, bits_v = op.operands
    bits_arr = c.require_const(bits_v, "Quant bitwidth")
    if np.size(bits_arr) != 1 or float(np.ravel(bits_arr)[0]) != int(np.ravel(bits_arr)[0]):
        raise _unsupported(c, "Quant bitwidth must be one integer")
    bits = int(np.ravel(bits_arr)[0])
    signed, narrow = bool(op.prop("signed")), bool(op.prop("narrow"))
    mode = qops.QONNX_ROUNDING[str(op.prop("rounding_mode")).upper()]
    (s_raw, z_raw), (s, z), axis = _qonnx_params(
        c, x, [(scale_v, "Quant scale"), (zp_v, "Quant zero point")]
    )
    _check_scale(c, s, "Quant")
    if bits < 1 or not np.all(np.isfinite(z)):
        raise _unsupported(c, f"Quant bitwidth {bits} / zero point not representable")
    if signed and bits == 1:  # qonnx: bipolar +-scale (only without a zero point)
        if np.any(z != 0):
            raise _unsupported(c, "1-bit signed Quant with a nonzero zero point (not +-alpha)")
        elem: Attribute = BinaryType.get(s, axis)

        def stored_bin(xc: np.ndarray) -> np.ndarray:
            return qops.qonnx_bipolar_sign(xc, s_raw)

        _qonnx_result(c, op, elem, axis, {"rounding": str_attr(mode)}, stored_bin)
        return
    lo, hi = qops.qonnx_int_range(bits, signed, narrow)
    if max(abs(lo), abs(hi)) > _QONNX_MAX_INT:
        raise _unsupported(
            c,
            f"Quant range [{lo}, {hi}] ({bits} bits): qonnx's float32 rounding is only exact "
            f"up to |q| = 2**23",
        )
    if np.any(z != np.round(z)):
        raise _unsupported(c, "Quant with a non-integer zero point (not an !nn.q type)")
    full = QuantType.get(bits, signed, 1.0, 0)
    if np.any(z < full.qmin) or np.any(z > full.qmax):
        raise _unsupported(c, f"Quant zero point outside the {bits}-bit integer range")
    elem = QuantType.get(bits, signed, s, z.astype(np.int64), axis)

    def stored_int(xc: np.ndarray) -> np.ndarray:
        q = qops.qonnx_quantize(xc, s_raw, z_raw, lo, hi, mode)
        return q.astype(elem.storage_dtype())  # type: ignore[union-attr]

    props = {"rounding": str_attr(mode)}
    if narrow:
        props["narrow"] = bool_attr(True)
    _qonnx_result(c, op, elem, axis, props, stored_int)


@converts("BipolarQuant")
def _qonnx_bipolar_quant(c: Converter, op: O.OnnxOp) -> None:
    x, scale_v = op.operands
    (_,), (s,), axis = _qonnx_params(c, x, [(scale_v, "BipolarQuant scale")])
    _check_scale(c, s, "BipolarQuant")

    def stored(xc: np.ndarray) -> np.ndarray:
        return np.where(xc >= 0, 1, -1).astype(np.int8)

    _qonnx_result(c, op, BinaryType.get(s, axis), axis, {}, stored)


@converts("Trunc")
def _qonnx_trunc(c: Converter, op: O.OnnxOp) -> None:
    raise _unsupported(
        c,
        "QONNX Trunc has no exact nn form yet (it rounds x / scale + zeropt, divides by a power "
        "of two and re-rounds with rounding_mode; nn.requantize rounds TFLite/ONNX-style)",
    )
