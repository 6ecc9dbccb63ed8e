"""`nn-fold-constants`: evaluate `nn` ops whose operands are all constants."""

from __future__ import annotations

import math
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
from edgeai.support.attrs import storage_dtype


def _erase_dead_constants(rewriter: PatternRewriter, values: list[SSAValue]) -> None:
    for v in dict.fromkeys(values):
        if isinstance(v.owner, nn.ConstantOp) and not v.uses:
            rewriter.erase(v.owner)


@dataclass
class FoldConstantOp(RewritePattern):
    """op(constant, ...) -> constant, evaluated with the reference implementation."""

    max_elements: int

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not op.name.startswith("nn.") or isinstance(op, nn.ConstantOp | nn.DequantizeOp):
            return
        if not op.operands or not all(isinstance(o.owner, nn.ConstantOp) for o in op.operands):
            return
        types = [r.type for r in op.results]
        if not types or not all(isinstance(t, TensorType) for t in types):
            return
        if any(math.prod(t.get_shape()) > self.max_elements for t in types):
            return
        from edgeai.reference.interpreter import IMPLS, _load

        _load()
        fn = IMPLS.get(type(op))
        if fn is None:
            return
        try:
            out = fn(op, *[o.owner.to_numpy() for o in op.operands])
        except Exception:  # the reference rejects it: leave the op for run time
            return
        outs = out if isinstance(out, tuple | list) else (out,)
        if len(outs) != len(types):
            return
        consts = []
        for r, t, v in zip(op.results, types, outs, strict=True):
            arr = np.asarray(v).astype(storage_dtype(t.element_type), copy=False)
            if arr.shape != tuple(t.get_shape()):
                return
            consts.append(nn.ConstantOp.from_numpy(arr, t.element_type, r.name_hint))
        operands = list(op.operands)
        rewriter.replace(op, consts, [c.output for c in consts])
        _erase_dead_constants(rewriter, operands)


def _moved_axis(op: nn.TransposeOp | nn.ReshapeOp, axis: int) -> int | None:
    """Where a data-movement op sends dimension `axis` of its input (None: nowhere whole)."""
    src, dst = op.input.type.get_shape(), op.output.type.get_shape()
    if isinstance(op, nn.TransposeOp):
        return list(op.prop("perm")).index(axis)
    before = math.prod(src[:axis])
    for j, d in enumerate(dst):  # the reshape verifier's rule
        if math.prod(dst[:j]) == before and d == src[axis]:
            return j
    return None


@dataclass
class FoldThroughDequantize(RewritePattern):
    """transpose/reshape(dequantize(constant q)) -> dequantize(constant q') with q' folded."""

    max_elements: int

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: nn.TransposeOp | nn.ReshapeOp, rewriter: PatternRewriter
    ) -> None:
        deq = op.input.owner
        if not isinstance(deq, nn.DequantizeOp) or not isinstance(deq.input.owner, nn.ConstantOp):
            return
        const = deq.input.owner
        if not (op.input.has_one_use() and deq.input.has_one_use()):
            return  # shared weights: moving the op would duplicate them
        out_shape = tuple(op.output.type.get_shape())
        if math.prod(out_shape) > self.max_elements:
            return
        qt = const.output.type.element_type
        if isinstance(qt, QuantType | BinaryType) and qt.channel_axis is not None:
            axis = _moved_axis(op, qt.channel_axis)
            if axis is None:
                return
            qt = qt.with_axis(axis)
        data = const.to_numpy()
        if isinstance(op, nn.TransposeOp):
            data = np.ascontiguousarray(np.transpose(data, op.prop("perm")))
        new_const = nn.ConstantOp.from_numpy(data.reshape(out_shape), qt, const.output.name_hint)
        new_deq = nn.DequantizeOp.make(
            [new_const.output], op.output.type.element_type, layer=deq.layer
        )
        rewriter.replace(op, [new_const, new_deq], [new_deq.output])
        rewriter.erase(deq)
        rewriter.erase(const)


@dataclass(frozen=True)
class NnFoldConstantsPass(ModulePass):
    """Evaluate `nn` ops whose operands are all constants.

    Input: functions of `nn` ops (any mix of float and quantized types).
    Output: every `nn` op that has a reference implementation, whose operands are all `nn.constant`
    and whose results hold at most `max-elements` elements each, is replaced by `nn.constant`s of
    its result types (multi-result ops such as `nn.split` give one constant per result), computed
    by the reference interpreter. `nn.dequantize` is never folded: quantized weights stay typed
    for the quantizer. Instead, an `nn.transpose` / `nn.reshape` of `nn.dequantize(nn.constant)` is
    moved onto the quantized constant and folded there (a per-axis type follows its axis) when
    neither is shared, so no weight transpose is left to run at inference time and no weight is
    duplicated. Constants left without users are erased.
    Invariants kept: function signatures, element types, and the reference results bit-exactly.
    """

    name = "nn-fold-constants"

    max_elements: int = 1 << 20

    def rewrite(self, module: ModuleOp) -> bool:
        """Apply to a fixpoint; True when the module changed."""
        patterns = [FoldThroughDequantize(self.max_elements), FoldConstantOp(self.max_elements)]
        walker = PatternRewriteWalker(GreedyRewritePatternApplier(patterns, dce_enabled=False))
        return walker.rewrite_module(module)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.rewrite(op)
