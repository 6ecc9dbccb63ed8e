"""`quantize(op(dequantize(...)))` -> one integer op: the plans and the pattern.

`plan(q, rounding)` looks at the op producing the float input of the `nn.quantize` q and returns
the integer replacement (`Fold`) or raises `NotFoldable` with the reason. With rounding
"tflite" an op is folded only where the reference (`edgeai.reference.nn_ops`) runs TFLite's
integer kernel for the resulting types; with "onnx" wherever ONNX defines the quantized op
(float rescale, round half to even, as onnxruntime's QDQ fusions compute it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import StringAttr
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from edgeai.dialects import nn
from edgeai.dialects.nn_types import ActivationAttr, BinaryType, QuantType
from edgeai.transforms.qdq.bias import integer_bias, target_scales
from edgeai.transforms.qdq.common import (
    NotFoldable,
    dq_constant,
    dq_per_tensor,
    dq_source,
    dq_weight_source,
    erase_dead,
    per_tensor,
    quant_type,
    quantize_mismatch,
    rebuild,
    retyped,
    verified,
)

#: conv-like ops -> output-channel axis of their weight
CONV_LIKE: dict[type[Operation], int] = {
    nn.Conv2dOp: 0,
    nn.DepthwiseConv2dOp: 3,
    nn.Conv2dTransposeOp: 0,
    nn.DenseOp: 0,
}


@dataclass
class Fold:
    """New ops (inserted before the quantize), the value replacing it, old ops now dead."""

    ops: list[Operation]
    result: SSAValue
    dead: list[Operation] = field(default_factory=list)


Planner = Callable[[Operation, nn.QuantizeOp, str], Fold]


def _single(p: Operation, new: Operation, extra: list[Operation] | None = None) -> Fold:
    ops = [*(extra or []), new]
    verified(ops)
    return Fold(ops, new.results[0], [p])


# --- convolutions, dense, matmul -------------------------------------------------------------


def _conv(
    conv: Operation, bias: SSAValue | None, act: ActivationAttr | None, q: nn.QuantizeOp, r: str
) -> list[Operation]:
    x = dq_per_tensor(conv.operands[0], "the input")
    w = dq_weight_source(conv.operands[1])
    if w is None:
        raise NotFoldable("the weight is not an nn.dequantize of a quantized or binary value")
    xt, wt = per_tensor(x), w.type.element_type  # type: ignore[union-attr]
    assert xt is not None and isinstance(wt, QuantType | BinaryType)
    if isinstance(wt, BinaryType) and isinstance(conv, nn.Conv2dTransposeOp):
        raise NotFoldable("conv2d_transpose has no binary-weight form")
    axis = CONV_LIKE[type(conv)]
    if wt.channel_axis not in (None, axis):
        raise NotFoldable(f"the weight is quantized along axis {wt.channel_axis}, not {axis}")
    ops: list[Operation] = []
    operands = [x, w]
    if bias is not None:
        c = dq_constant(bias, "the bias")
        bt = quant_type(c.output)
        assert bt is not None
        width = max(32, bt.width)
        target = target_scales(xt, wt, conv.results[0].type.get_shape()[-1])
        ints = integer_bias(c.to_numpy(), bt, target, width)
        if np.any(ints):  # an all-zero bias is no bias (and never duplicated per layer)
            per_axis = wt.channel_axis is not None
            btype = QuantType.get(
                width, True, target if per_axis else target[0], 0, 0 if per_axis else None
            )
            const = nn.ConstantOp.from_numpy(
                ints.astype(np.int32 if width == 32 else np.int64), btype, c.output.name_hint
            )
            ops.append(const)
            operands.append(const.output)
    new = rebuild(conv, operands, [q.output.type], r, {"act": act})
    new.results[0].name_hint = q.output.name_hint
    return [*ops, new]


def _plan_conv(p: Operation, q: nn.QuantizeOp, r: str) -> Fold:
    ops = _conv(p, p.operands[2] if len(p.operands) > 2 else None, p.properties.get("act"), q, r)
    verified(ops)
    return Fold(ops, ops[-1].results[0], [p])


def _bias_add(p: nn.AddOp) -> tuple[Operation, SSAValue] | None:
    """(conv, bias) when p = add(conv(x, w), dequantize(constant)) in either order, the conv
    without bias or activation and used only by p, p not broadcasting the conv's result."""
    for a, b in ((p.lhs, p.rhs), (p.rhs, p.lhs)):
        conv = a.owner
        if not isinstance(conv, tuple(CONV_LIKE)) or not a.has_one_use():
            continue
        if len(conv.operands) > 2 or "act" in conv.properties or p.output.type != a.type:
            continue
        src = dq_source(b)
        if src is not None and isinstance(src.owner, nn.ConstantOp):
            return conv, b
    return None


def _plan_add(p: Operation, q: nn.QuantizeOp, r: str) -> Fold:
    assert isinstance(p, nn.AddOp)
    if (found := _bias_add(p)) is None:
        return _plan_binary(p, q, r)
    conv, bias = found
    ops = _conv(conv, bias, p.properties.get("act"), q, r)
    verified(ops)
    return Fold(ops, ops[-1].results[0], [p, conv])


def _plan_matmul(p: Operation, q: nn.QuantizeOp, r: str) -> Fold:
    a = dq_per_tensor(p.operands[0], "the left operand")
    b = dq_per_tensor(p.operands[1], "the right operand")
    return _single(p, rebuild(p, [a, b], [q.output.type], r))


# --- element-wise, activations, pooling, reductions -----------------------------------------


def _tflite_kernel_missing(new: Operation) -> str | None:
    """Why the reference would not run a TFLite integer kernel for `new` (None: it would).

    Asks the reference's own predicates, so that "folded with rounding=tflite" always means
    "computed by the TFLM kernel" (ops whose integer forms are always TFLite's are not listed)."""
    from edgeai.reference import nn_ops as ref

    types = [quant_type(v) for v in (*new.operands, *new.results)]
    if isinstance(new, nn.AddOp | nn.SubOp | nn.MulOp):
        at, bt, yt = types
        if not ref._tflite_binary_ok(at, bt, yt):  # noqa: SLF001 - the reference's own rule
            return (
                "TFLite has integer ADD/SUB/MUL for per-tensor int8 (or int16, zero point 0) only"
            )
    elif isinstance(new, nn.SigmoidOp | nn.TanhOp):
        kind = "logistic" if isinstance(new, nn.SigmoidOp) else "tanh"
        if not ref._tflite_fixed_output(new, kind):  # noqa: SLF001
            return f"TFLite's integer {kind.upper()} fixes the output scale and zero point"
    elif isinstance(new, nn.SoftmaxOp):
        if not ref._tflite_softmax(new):  # noqa: SLF001
            return "TFLite's integer SOFTMAX needs an int8 input and output 1/256:-128 (int16 1/65536:-32768)"
    elif isinstance(new, nn.HardSwishOp):
        xt, yt = types
        if not (xt.width == yt.width == 8 and xt.is_signed and yt.is_signed):
            return "TFLite's integer HARD_SWISH is int8 only"
    elif isinstance(new, nn.AvgPool2dOp):
        if types[0] != types[1]:
            return "TFLite's integer AVERAGE_POOL_2D keeps the input's scale and zero point"
    elif isinstance(new, nn.ReduceMeanOp):
        xt, yt = types
        if not (xt.width == yt.width and xt.width in (8, 16) and xt.is_signed):
            return "TFLite's integer MEAN needs signed int8/int16 input and output"
    elif isinstance(new, nn.ResizeOp) and new.prop("mode") == "linear":
        return "the reference has no integer bilinear resize (TFLite's is not modelled)"
    return None


def _plan_unary(p: Operation, q: nn.QuantizeOp, r: str) -> Fold:
    if isinstance(p, nn.LogSoftmaxOp):
        raise NotFoldable("log_softmax has no integer semantics (neither TFLite nor ONNX)")
    if isinstance(p, nn.PadOp):  # movable pads were moved above the dequantize
        raise NotFoldable(f"pad value {p.prop('value')} is not a value of the quantized input")
    x = dq_per_tensor(p.operands[0], "the input")
    new = rebuild(p, [x], [q.output.type], r)
    new.results[0].name_hint = q.output.name_hint
    if r == "tflite" and (why := _tflite_kernel_missing(new)) is not None:
        raise NotFoldable(why)
    return _single(p, new)


def _plan_binary(p: Operation, q: nn.QuantizeOp, r: str) -> Fold:
    a = dq_per_tensor(p.operands[0], "the left operand")
    b = dq_per_tensor(p.operands[1], "the right operand")
    new = rebuild(p, [a, b], [q.output.type], r)
    new.results[0].name_hint = q.output.name_hint
    if r == "tflite" and (why := _tflite_kernel_missing(new)) is not None:
        raise NotFoldable(why)
    return _single(p, new)


def _plan_concat(p: Operation, q: nn.QuantizeOp, r: str) -> Fold:
    """TFLite requantizes concat operands to the output parameters inside CONCATENATION; with
    ONNX rounding the operands get explicit `nn.requantize {rounding = "onnx"}` ops."""
    srcs = [dq_per_tensor(o, f"operand #{i}") for i, o in enumerate(p.operands)]
    yt = quant_type(q.output)
    extra: list[Operation] = []
    if r == "onnx":
        for i, s in enumerate(srcs):
            if quant_type(s) != yt:
                req = nn.RequantizeOp.create(
                    operands=[s],
                    result_types=[retyped(s.type, yt)],
                    properties={"rounding": StringAttr("onnx")},
                    attributes=dict(p.attributes),
                )
                extra.append(req)
                srcs[i] = req.output
    new = rebuild(p, srcs, [q.output.type], r)
    new.results[0].name_hint = q.output.name_hint
    return _single(p, new, extra)


PLANNERS: dict[type[Operation], Planner] = {
    **dict.fromkeys(CONV_LIKE, _plan_conv),
    nn.MatMulOp: _plan_matmul,
    nn.AddOp: _plan_add,
    **dict.fromkeys((nn.SubOp, nn.MulOp), _plan_binary),
    **dict.fromkeys(
        (
            nn.ReluOp,
            nn.ClampOp,
            nn.LeakyReluOp,
            nn.SigmoidOp,
            nn.TanhOp,
            nn.HardSwishOp,
            nn.SoftmaxOp,
            nn.LogSoftmaxOp,
            nn.MaxPool2dOp,
            nn.AvgPool2dOp,
            nn.ReduceMeanOp,
            nn.PadOp,
            nn.ResizeOp,
        ),
        _plan_unary,
    ),
    nn.ConcatOp: _plan_concat,
}


def plan(q: nn.QuantizeOp, rounding: str) -> Fold:
    """The integer replacement of q and the float op producing its input; NotFoldable if none."""
    if per_tensor(q.output) is None:
        raise NotFoldable("the result is not quantized per tensor")
    if (why := quantize_mismatch(q)) is not None:
        raise NotFoldable(why)
    p = q.input.owner
    if not isinstance(p, Operation) or type(p) not in PLANNERS:
        name = p.name if isinstance(p, Operation) else "a block argument"
        raise NotFoldable(f"{name} has no integer form")
    if not q.input.has_one_use():
        raise NotFoldable(f"the float result of {p.name} has users other than this nn.quantize")
    return PLANNERS[type(p)](p, q, rounding)


@dataclass
class FoldQuantizedGroup(RewritePattern):
    """quantize(op(dequantize(x), ...)) -> op'(x, ...) with the quantize's result type."""

    rounding: str

    @op_type_rewrite_pattern
    def match_and_rewrite(self, q: nn.QuantizeOp, rewriter: PatternRewriter) -> None:
        if dq_source(q.input) is not None:
            return  # quantize(dequantize(x)): FoldQuantizeDequantize
        try:
            fold = plan(q, self.rounding)
        except NotFoldable:
            return
        rewriter.replace(q, fold.ops, [fold.result])
        erase_dead(rewriter, fold.dead)


def not_folded(ops: list[Operation], rounding: str) -> list[tuple[Operation, str]]:
    """The float ops of a QDQ graph that stay float, with the reason (for remarks)."""
    out: dict[Operation, str] = {}
    for op in ops:
        if isinstance(op, nn.QuantizeOp) and dq_source(op.input) is not None:
            if (why := quantize_mismatch(op)) is not None:
                out.setdefault(op, why)
        elif isinstance(op, nn.QuantizeOp):
            p = op.input.owner
            if isinstance(p, Operation) and not isinstance(p, nn.ConstantOp):
                try:
                    plan(op, rounding)
                except NotFoldable as e:
                    out.setdefault(p, str(e))
        elif type(op) in PLANNERS and any(dq_source(o) is not None for o in op.operands):
            users = {u.operation.name for r in op.results for u in r.uses}
            if "nn.quantize" not in users or len(users) > 1:
                names = ", ".join(sorted(users)) or "nothing"
                out.setdefault(op, f"its result is not quantized (used by {names})")
    return list(out.items())
