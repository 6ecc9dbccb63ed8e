"""`nn-sink-transposes`: cancel, simplify and sink `nn.transpose` ops toward the graph outputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from edgeai.dialects import nn
from edgeai.dialects.nn_types import BinaryType, QuantType
from edgeai.support.attrs import i64_array
from edgeai.transforms.nn_simplify_reshapes import verified_reshape

_ACTIVATIONS = (nn.ReluOp, nn.ClampOp, nn.SigmoidOp, nn.TanhOp, nn.LeakyReluOp)
_UNARY = (*_ACTIVATIONS, nn.HardSigmoidOp, nn.HardSwishOp, nn.QuantizeOp, nn.DequantizeOp)
_BINARY = (nn.AddOp, nn.SubOp, nn.MulOp, nn.DivOp, nn.MaximumOp, nn.MinimumOp)
Perm = tuple[int, ...]


def _untransposed(t: TensorType, perm: Perm) -> TensorType:
    """The type of x such that transpose(x, perm) has type t."""
    shape = [0] * len(perm)
    for i, p in enumerate(perm):
        shape[p] = t.get_shape()[i]
    e = t.element_type
    if isinstance(e, QuantType | BinaryType) and e.channel_axis is not None:
        e = e.with_axis(perm[e.channel_axis])
    return TensorType(e, shape)


def _transpose(x: SSAValue, perm: Perm, result: TensorType, like: Operation) -> nn.TransposeOp:
    return nn.TransposeOp.create(
        operands=[x],
        result_types=[result],
        properties={"perm": i64_array(perm)},
        attributes=dict(like.attributes),
    )


def _rebuild(op: Operation, operands: Sequence[SSAValue], result: TensorType) -> Operation:
    return type(op).create(
        operands=list(operands),
        result_types=[result],
        properties=dict(op.properties),
        attributes=dict(op.attributes),
    )


def _sinkable(v: SSAValue) -> nn.TransposeOp | None:
    """The transpose producing v, when v has no other user and is not a constant's transpose."""
    t = v.owner
    ok = isinstance(t, nn.TransposeOp) and v.has_one_use()
    return t if ok and not isinstance(t.input.owner, nn.ConstantOp) else None


class ComposeTransposes(RewritePattern):
    """transpose(transpose(x, p1), p2) -> transpose(x, p1[p2]) or x."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.TransposeOp, rewriter: PatternRewriter) -> None:
        inner = op.input.owner
        if not isinstance(inner, nn.TransposeOp):
            return
        p1, p2 = inner.prop("perm"), op.prop("perm")
        perm = tuple(p1[j] for j in p2)
        if perm == tuple(range(len(perm))) and inner.input.type == op.output.type:
            rewriter.replace(op, [], [inner.input])
        else:
            rewriter.replace(op, _transpose(inner.input, perm, op.output.type, op))
        if not inner.output.uses:
            rewriter.erase(inner)


class SimplifyTranspose(RewritePattern):
    """Identity transpose -> x; order-preserving transpose -> reshape (when it cannot sink)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.TransposeOp, rewriter: PatternRewriter) -> None:
        perm, shape = op.prop("perm"), op.input.type.get_shape()
        if perm == tuple(range(len(perm))) and op.input.type == op.output.type:
            rewriter.replace(op, [], [op.input])
            return
        moved = [p for p in perm if shape[p] != 1]
        if moved != sorted(moved):
            return
        if any(isinstance(u.operation, nn.TransposeOp) for u in op.output.uses):
            return  # compose first
        if _sinkable(op.output):
            user = next(iter(op.output.uses)).operation
            if isinstance(user, _UNARY) or _binary_match(user) is not None:
                return  # sink first: it may still meet its inverse
        if (new := verified_reshape(op.input, op.output.type, op)) is not None:
            rewriter.replace(op, new)


class SinkBelowUnary(RewritePattern):
    """u(transpose(x)) -> transpose(u(x))."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, _UNARY) or (t := _sinkable(op.operands[0])) is None:
            return
        perm = t.prop("perm")
        new = _rebuild(op, [t.input], _untransposed(op.results[0].type, perm))
        rewriter.replace(op, [new, _transpose(new.results[0], perm, op.results[0].type, t)])
        rewriter.erase(t)


def _binary_match(op: Operation) -> tuple[int, nn.TransposeOp, Operation] | None:
    """(index of the sinking transpose operand, the transpose, the other operand's producer)."""
    if not isinstance(op, _BINARY):
        return None
    ts = [_sinkable(v) for v in op.operands]
    i = 0 if ts[0] is not None else 1
    t, other = ts[i], op.operands[1 - i]
    if t is None or t.output.type.get_shape() != op.results[0].type.get_shape():
        return None
    ot, perm = other.owner, t.prop("perm")
    if isinstance(ot, nn.TransposeOp) and ot.prop("perm") == perm and (ot is t or ts[1 - i]):
        return i, t, ot
    if isinstance(ot, nn.ConstantOp) and len(other.type.get_shape()) <= len(perm):
        return i, t, ot
    return None


class SinkBelowBinary(RewritePattern):
    """b(transpose(x), c) -> transpose(b(x, c')) with c' constant or transpose(y) = c."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if (match := _binary_match(op)) is None:
            return
        i, t, ot = match
        out, perm, other = op.results[0].type, t.prop("perm"), op.operands[1 - i]
        new_ops: list[Operation] = []
        if isinstance(ot, nn.TransposeOp):
            operands = [t.input, ot.input]
        else:
            rank = len(perm)
            data = ot.to_numpy()
            data = data.reshape((1,) * (rank - data.ndim) + data.shape)
            et = other.type.element_type
            if isinstance(et, QuantType | BinaryType) and et.channel_axis is not None:
                et = et.with_axis(perm[et.channel_axis + rank - len(other.type.get_shape())])
            c = nn.ConstantOp.from_numpy(
                np.ascontiguousarray(np.transpose(data, np.argsort(perm))), et, other.name_hint
            )
            new_ops.append(c)
            operands = [t.input, c.output]
        if i == 1:
            operands.reverse()
        new = _rebuild(op, operands, _untransposed(out, perm))
        rewriter.replace(op, [*new_ops, new, _transpose(new.results[0], perm, out, t)])
        for v in dict.fromkeys(op_.results[0] for op_ in (t, ot)):
            if not v.uses:
                rewriter.erase(v.owner)


@dataclass(frozen=True)
class NnSinkTransposesPass(ModulePass):
    """Cancel, simplify and sink `nn.transpose` ops toward the graph outputs.

    Input: `nn` functions.
    Output:
    * `transpose(transpose(x))` is one transpose with the composed permutation, none when that is
      the identity; an identity transpose is removed;
    * a transpose that only moves size-1 dimensions (element order unchanged) is an `nn.reshape`,
      unless it can still sink (so that pairs meet and cancel first);
    * a transpose with no other user sinks below element-wise unary ops (relu, clamp, sigmoid, tanh,
      leaky_relu, hard_sigmoid, hard_swish, quantize, dequantize) and below element-wise binary ops
      (add, sub, mul, div, maximum, minimum) whose other operand is a constant (permuted at compile
      time, after broadcasting it to the full rank) or the same transpose of another value. Sinking
      never adds a transpose and never transposes a broadcast (larger) value, so the number of
      transposes only goes down as they meet and cancel. Transposes of constants are left to
      `nn-fold-constants`.
    Per-axis quantized element types follow their axis: a value transposed by `perm` with its
    quantization axis `a` has axis `perm[a]` before the transpose.
    Invariants kept: function signatures, result types, `layer` names, bit-exact reference results.
    """

    name = "nn-sink-transposes"

    def rewrite(self, module: ModuleOp) -> bool:
        """Apply to a fixpoint; True when the module changed."""
        patterns = [ComposeTransposes(), SimplifyTranspose(), SinkBelowUnary(), SinkBelowBinary()]
        walker = PatternRewriteWalker(GreedyRewritePatternApplier(patterns, dce_enabled=False))
        return walker.rewrite_module(module)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.rewrite(op)
