"""`nn-fuse-bias`: fold a constant per-channel `nn.add` into the bias of its producer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, f32
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from edgeai.dialects import nn

_PRODUCERS = (nn.Conv2dOp, nn.DepthwiseConv2dOp, nn.Conv2dTransposeOp, nn.DenseOp)


class FuseBiasAdd(RewritePattern):
    """add(conv(x, w[, b]), c) -> conv(x, w, b + c) for a float constant c along the channels."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, add: nn.AddOp, rewriter: PatternRewriter) -> None:
        if add.act is not None or nn.kind(add.output.type) != "f":
            return
        for prod_v, c_v in ((add.lhs, add.rhs), (add.rhs, add.lhs)):
            prod = prod_v.owner
            const = c_v.owner
            if not isinstance(prod, _PRODUCERS) or not isinstance(const, nn.ConstantOp):
                continue
            if prod.act is not None or not prod_v.has_one_use() or prod_v.type != add.output.type:
                continue
            if nn.kind(prod.output.type) != "f" or nn.kind(c_v.type) != "f":
                continue
            channels = prod.output.type.get_shape()[-1]
            c = const.to_numpy()
            if c.ndim and (any(d != 1 for d in c.shape[:-1]) or c.shape[-1] not in (1, channels)):
                continue  # varies along other axes than the channels: not a bias
            b = np.zeros(channels, np.float32)
            if prod.bias is not None:
                if not isinstance(prod.bias.owner, nn.ConstantOp) or nn.kind(prod.bias.type) != "f":
                    continue
                b = prod.bias.owner.to_numpy()
            total = (b + np.broadcast_to(c.reshape(-1), (channels,))).astype(np.float32)
            bc = nn.ConstantOp.from_numpy(total, f32, (prod.bias or c_v).name_hint)
            new = type(prod).create(
                operands=[prod.operands[0], prod.operands[1], bc.output],
                result_types=[prod.output.type],
                properties=dict(prod.properties),
                attributes=dict(prod.attributes),
            )
            new.output.name_hint = add.output.name_hint
            old_bias = prod.bias
            rewriter.replace(prod, [bc, new], [new.output])
            rewriter.replace(add, [], [new.output])
            for v in (old_bias, c_v):
                if v is not None and isinstance(v.owner, nn.ConstantOp) and not v.uses:
                    rewriter.erase(v.owner)
            return


@dataclass(frozen=True)
class NnFuseBiasPass(ModulePass):
    """Fold a constant per-channel addition into the bias of the op producing its operand.

    Input: `nn` functions.
    Output: `nn.add(p, c)` (either operand order) where `p` is a float `nn.conv2d`,
    `nn.depthwise_conv2d`, `nn.conv2d_transpose` or `nn.dense` with no fused activation and no
    other user, and `c` a float constant of shape `[C]`, `[1, .., 1, C]` or a scalar, becomes `p`
    with bias `b + c` (created when absent). Frameworks that export MatMul + Add (tf2onnx, PyTorch
    without fused bias) thereby get one dense op with a bias, which quantizes to an int32 bias.
    Invariants kept: function signatures, the producer's `layer`, reference results up to float
    rounding of `b + c`.
    """

    name = "nn-fuse-bias"

    def rewrite(self, module: ModuleOp) -> bool:
        """Apply to a fixpoint; True when the module changed."""
        walker = PatternRewriteWalker(
            GreedyRewritePatternApplier([FuseBiasAdd()], dce_enabled=False)
        )
        return walker.rewrite_module(module)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.rewrite(op)
