"""`nn-simplify-reshapes`: remove redundant `nn.reshape`s and order-preserving transposes."""

from __future__ import annotations

from dataclasses import dataclass

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
from xdsl.utils.exceptions import VerifyException

from edgeai.dialects import nn


def verified_reshape(x: SSAValue, result: TensorType, like: Operation) -> nn.ReshapeOp | None:
    """A verified reshape of x to `result` (None when the verifier rejects it)."""
    new = nn.ReshapeOp.create(operands=[x], result_types=[result], attributes=dict(like.attributes))
    try:
        new.verify()
    except VerifyException:
        new.erase()
        return None
    return new


class SimplifyReshape(RewritePattern):
    """reshape(x: T) -> x : T; reshape(reshape(x)) -> reshape(x); reshape(constant) -> constant."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReshapeOp, rewriter: PatternRewriter) -> None:
        src = op.input.owner
        if op.input.type == op.output.type:
            rewriter.replace(op, [], [op.input])
        elif isinstance(src, nn.ConstantOp):
            data = src.to_numpy().reshape(op.output.type.get_shape())
            c = nn.ConstantOp.from_numpy(data, op.output.type.element_type, op.output.name_hint)
            rewriter.replace(op, c)
        elif isinstance(src, nn.ReshapeOp):
            if src.input.type == op.output.type:
                rewriter.replace(op, [], [src.input])
            elif (new := verified_reshape(src.input, op.output.type, op)) is not None:
                rewriter.replace(op, new)
            else:
                return
        else:
            return
        if isinstance(src, nn.ReshapeOp | nn.ConstantOp) and not src.output.uses:
            rewriter.erase(src)


class HoistStorageCast(RewritePattern):
    """storage_cast(reshape(x)) -> reshape(storage_cast(x)) for per-tensor element types, so that
    reshapes separated by a reinterpretation meet (and cancel)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.StorageCastOp, rewriter: PatternRewriter) -> None:
        src = op.input.owner
        if not isinstance(src, nn.ReshapeOp) or not src.output.has_one_use():
            return
        a, b = src.input.type.element_type, op.output.type.element_type
        if any(getattr(t, "channel_axis", None) is not None for t in (a, b)):
            return
        cast = nn.StorageCastOp.create(
            operands=[src.input],
            result_types=[TensorType(b, src.input.type.get_shape())],
            attributes=dict(op.attributes),
        )
        reshape = nn.ReshapeOp.create(
            operands=[cast.output], result_types=[op.output.type], attributes=dict(src.attributes)
        )
        rewriter.replace(op, [cast, reshape])
        rewriter.erase(src)


class TransposeToReshape(RewritePattern):
    """transpose(x) that only moves size-1 dimensions -> reshape(x)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.TransposeOp, rewriter: PatternRewriter) -> None:
        shape = op.input.type.get_shape()
        moved = [p for p in op.prop("perm") if shape[p] != 1]
        if moved != sorted(moved):
            return
        if (new := verified_reshape(op.input, op.output.type, op)) is not None:
            rewriter.replace(op, new)


@dataclass(frozen=True)
class NnSimplifyReshapesPass(ModulePass):
    """Remove redundant `nn.reshape`s and order-preserving transposes.

    Input: `nn` functions.
    Output:
    * `reshape(reshape(x))` is one `reshape(x)`, and `x` itself when the types match;
    * a reshape whose result type equals its operand's type is removed;
    * a reshape of an `nn.constant` is a constant of the new shape (same stored values);
    * an `nn.transpose` that preserves the row-major element order (it only moves size-1
      dimensions) is an `nn.reshape`;
    * `storage_cast(reshape(x))` becomes `reshape(storage_cast(x))` (per-tensor types), so that
      reshapes around a reinterpretation meet.
    A rewrite whose new reshape would move a per-axis quantization axis elsewhere than the original
    types say is skipped (the reshape verifier decides). Constants left without users are erased.
    Invariants kept: function signatures, result types, `layer` names, bit-exact reference results.
    """

    name = "nn-simplify-reshapes"

    def rewrite(self, module: ModuleOp) -> bool:
        """Apply to a fixpoint; True when the module changed."""
        patterns = [SimplifyReshape(), HoistStorageCast(), TransposeToReshape()]
        walker = PatternRewriteWalker(GreedyRewritePatternApplier(patterns, dce_enabled=False))
        return walker.rewrite_module(module)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.rewrite(op)
