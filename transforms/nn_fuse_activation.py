"""`nn-fuse-activation`: fold `nn.relu` / `nn.clamp` into the `act` property of their producer."""

from __future__ import annotations

import math
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from edgeai.dialects import nn
from edgeai.dialects.nn_types import ActivationAttr

#: ops with an `act` property
_ACCEPTS_ACT = (
    nn.Conv2dOp,
    nn.DepthwiseConv2dOp,
    nn.Conv2dTransposeOp,
    nn.DenseOp,
    nn.MatMulOp,
    nn.AddOp,
    nn.SubOp,
    nn.MulOp,
    nn.DivOp,
    nn.MaximumOp,
    nn.MinimumOp,
    nn.MaxPool2dOp,
    nn.AvgPool2dOp,
)


class FuseActivation(RewritePattern):
    """act(p(...)) -> p(...) {act}."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReluOp | nn.ClampOp, rewriter: PatternRewriter) -> None:
        prod = op.input.owner
        if not isinstance(prod, _ACCEPTS_ACT) or not op.input.has_one_use():
            return
        if nn.kind(op.input.type) not in ("f", "q") or op.input.type != op.output.type:
            return
        if len(prod.results) != 1 or prod.results[0].type != op.input.type:
            return
        if isinstance(op, nn.ReluOp):
            lo, hi = 0.0, math.inf
        else:
            lo, hi = op.prop("min"), op.prop("max")
        old = prod.properties.get("act")
        if isinstance(old, ActivationAttr):
            lo, hi = max(lo, old.bounds[0]), min(hi, old.bounds[1])
            if lo > hi:  # disjoint clamps: the result is a constant, not a clamp of p
                return
        if (lo, hi) == (-math.inf, math.inf):  # a clamp that clamps nothing
            rewriter.replace(op, [], [op.input])
            return
        new = prod.clone()
        new.properties["act"] = ActivationAttr.clamp(lo, hi)
        rewriter.replace(prod, new)
        rewriter.replace(op, [], [new.results[0]])


@dataclass(frozen=True)
class NnFuseActivationPass(ModulePass):
    """Fold `nn.relu` / `nn.clamp` into the `act` property of their producer.

    Input: `nn` functions.
    Output: `relu(p(...))` / `clamp(p(...))` becomes `p(...) {act = ...}` when `p` accepts a fused
    activation (conv2d, depthwise_conv2d, conv2d_transpose, dense, matmul, add, sub, mul, div,
    maximum, minimum, max_pool2d, avg_pool2d), the activation is p's only user, and:
    * the values are f32, or quantized with the activation's input and output element types
      identical (then both clamp on the same quantized range); never for plain-integer results
      (accumulators cannot carry an activation);
    * p has no activation yet, or one whose bounds intersect the new ones: the two clamps compose
      into one on the intersection.
    Bounds are canonical: [0, inf) is `#nn.act<relu>`, [0, 6] is `#nn.act<relu6>`, others `clamp`.
    Invariants kept: function signatures, the producer's `layer` and other properties, reference
    results bit-exactly.
    """

    name = "nn-fuse-activation"

    def rewrite(self, module: ModuleOp) -> bool:
        """Apply to a fixpoint; True when the module changed."""
        patterns = GreedyRewritePatternApplier([FuseActivation()], dce_enabled=False)
        return PatternRewriteWalker(patterns).rewrite_module(module)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.rewrite(op)
