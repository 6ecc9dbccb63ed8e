"""`nn-fold-batchnorm`: fold inference batch normalization into weights, or into mul + add."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, f32
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from edgeai.dialects import nn
from edgeai.dialects.nn_types import BinaryType

#: producers that absorb a batch norm -> output-channel axis of their weight
_WEIGHT_CHANNEL_AXIS: dict[type, int] = {
    nn.Conv2dOp: 0,
    nn.DepthwiseConv2dOp: 3,
    nn.Conv2dTransposeOp: 0,
    nn.DenseOp: 0,
}


def _float_const(v: SSAValue | None) -> np.ndarray | None:
    if v is None or not isinstance(v.owner, nn.ConstantOp) or nn.kind(v.type) != "f":
        return None
    return v.owner.to_numpy().astype(np.float64)


def _affine(bn: nn.BatchNormOp) -> tuple[np.ndarray, np.ndarray] | None:
    """(s, t) with batch_norm(x) = x * s + t, or None when a parameter is not constant."""
    params = [_float_const(v) for v in (bn.scale, bn.bias, bn.mean, bn.var)]
    if any(p is None for p in params):
        return None
    gamma, beta, mean, var = params
    s = gamma / np.sqrt(var + float(np.float32(bn.prop("epsilon"))))
    return s, beta - mean * s


def _erase_dead_constants(rewriter: PatternRewriter, values: list[SSAValue | None]) -> None:
    for v in dict.fromkeys(v for v in values if v is not None):
        if isinstance(v.owner, nn.ConstantOp) and not v.uses:
            rewriter.erase(v.owner)


class FoldIntoProducer(RewritePattern):
    """batch_norm(conv(x, w, b)) -> conv(x, w * s, b * s + t)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, bn: nn.BatchNormOp, rewriter: PatternRewriter) -> None:
        prod = bn.input.owner
        axis = _WEIGHT_CHANNEL_AXIS.get(type(prod))
        if axis is None or prod.act is not None or not prod.output.has_one_use():
            return
        if nn.kind(prod.output.type) != "f" or nn.kind(prod.input.type) != "f":
            return
        w = _float_const(prod.weight)
        if w is None or not prod.weight.has_one_use():  # shared weights: keep one copy
            return
        b = _float_const(prod.bias) if prod.bias is not None else np.zeros(w.shape[axis])
        st = _affine(bn)
        if b is None or st is None:
            return
        s, t = st
        shape = [1] * w.ndim
        shape[axis] = -1
        wc = nn.ConstantOp.from_numpy(
            (w * s.reshape(shape)).astype(np.float32), f32, prod.weight.name_hint
        )
        bc = nn.ConstantOp.from_numpy(
            (b * s + t).astype(np.float32), f32, (prod.bias or bn.bias).name_hint
        )
        new = _rebuilt(prod, wc.output, bc.output)
        old = [prod.weight, prod.bias, bn.scale, bn.bias, bn.mean, bn.var]
        rewriter.replace(prod, [wc, bc, new], [new.output])
        rewriter.replace(bn, [], [new.output])
        _erase_dead_constants(rewriter, old)


class FoldIntoBinaryWeights(RewritePattern):
    """batch_norm(conv(x, dequantize(w : !nn.bin<alpha>), b)) -> conv with alpha * |s| and the
    sign of the channels with s < 0 flipped (exact: +-1 weights stay +-1). Binary x binary layers
    keep their batch norm for `nn-fold-sign-threshold` (an integer threshold is cheaper)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, bn: nn.BatchNormOp, rewriter: PatternRewriter) -> None:
        prod, deq = bn.input.owner, None
        axis = _WEIGHT_CHANNEL_AXIS.get(type(prod))
        if axis is not None and not isinstance(prod, nn.Conv2dTransposeOp):
            x, deq = prod.input.owner, prod.weight.owner
            free = prod.act is None and prod.output.has_one_use() and prod.weight.has_one_use()
            if (
                not free
                or nn.kind(prod.output.type) != "f"
                or (isinstance(x, nn.DequantizeOp) and nn.kind(x.input.type) == "b")
            ):
                return
        if not isinstance(deq, nn.DequantizeOp) or not deq.input.has_one_use():
            return
        const, wt = deq.input.owner, deq.input.type.element_type
        if not isinstance(const, nn.ConstantOp) or not isinstance(wt, BinaryType):
            return
        stored, st = const.to_numpy(), _affine(bn)
        channels = stored.shape[axis]
        b = _float_const(prod.bias) if prod.bias is not None else np.zeros(channels)
        if wt.channel_axis not in (None, axis) or st is None or b is None:
            return
        s, t = st
        if np.any(s == 0) or not np.all(np.isfinite(s)):
            return  # a zero scale has no binary form: left to the mul + add lowering
        alpha = np.broadcast_to(wt.alpha_array(), (channels,)) * np.abs(s)
        shape = [1] * stored.ndim
        shape[axis] = -1
        flipped = (stored * np.sign(s).reshape(shape)).astype(np.int8)
        new_type = BinaryType.get(alpha.astype(np.float32).astype(np.float64), axis)
        wc = nn.ConstantOp.from_numpy(flipped, new_type, deq.input.name_hint)
        wd = nn.DequantizeOp.make([wc.output], f32)
        bias = (b * s + t).astype(np.float32)
        bc = nn.ConstantOp.from_numpy(bias, f32, (prod.bias or bn.bias).name_hint)
        new = _rebuilt(prod, wd.output, bc.output)
        old = [prod.bias, bn.scale, bn.bias, bn.mean, bn.var]
        rewriter.replace(prod, [wc, wd, bc, new], [new.output])
        rewriter.replace(bn, [], [new.output])
        rewriter.erase(deq)
        rewriter.erase(const)
        _erase_dead_constants(rewriter, old)


def _rebuilt(prod, weight: SSAValue, bias: SSAValue):
    """The producer with new weight and bias operands, same properties, attributes and name."""
    new = type(prod).create(
        operands=[prod.input, weight, bias],
        result_types=[prod.output.type],
        properties=dict(prod.properties),
        attributes=dict(prod.attributes),
    )
    new.output.name_hint = prod.output.name_hint
    return new


class LowerToMulAdd(RewritePattern):
    """batch_norm(x) with constant parameters -> add(mul(x, s), t)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, bn: nn.BatchNormOp, rewriter: PatternRewriter) -> None:
        st = _affine(bn)
        if st is None:
            return
        sc = nn.ConstantOp.from_numpy(st[0].astype(np.float32), f32, bn.scale.name_hint)
        tc = nn.ConstantOp.from_numpy(st[1].astype(np.float32), f32, bn.bias.name_hint)
        mul = nn.MulOp.make([bn.input, sc.output], f32, layer=bn.layer)
        add = nn.AddOp.make([mul.output, tc.output], f32, layer=bn.layer)
        add.output.name_hint = bn.output.name_hint
        old = [bn.scale, bn.bias, bn.mean, bn.var]
        rewriter.replace(bn, [sc, tc, mul, add], [add.output])
        _erase_dead_constants(rewriter, old)


@dataclass(frozen=True)
class NnFoldBatchnormPass(ModulePass):
    """Fold inference batch normalization into weights, or into mul + add.

    Input: `nn` functions; `nn.batch_norm` normalizes the last (channel) axis with `[C]` parameters.
    Output:
    * `batch_norm(conv(x, w, b))` where the producer is a float `nn.conv2d`, `nn.depthwise_conv2d`,
      `nn.conv2d_transpose` or `nn.dense` with a constant weight used by no other op, a constant or
      absent bias, no fused activation and no other user, and the batch norm parameters are
      constants: the producer with `w * s` (s = gamma / sqrt(var + eps) along the weight's
      output-channel axis: 0 for OHWI and `[N, K]` weights, 3 for depthwise `[1, KH, KW, C*M]`)
      and bias `(b - mean) * s + beta` (created when absent); the batch norm is gone.
    * the same with binary weights, `dequantize(constant : !nn.bin<alpha>)` (conv2d, depthwise,
      dense): the alphas become `alpha * |s|` per output channel and the channels with `s < 0`
      have their +-1 weights negated, so the weights stay binary (a zero scale is not folded).
    * any other `nn.batch_norm` with constant parameters: `nn.add(nn.mul(x, s), beta - mean * s)`
      with `[C]` constants broadcast on the last axis.
    Batch norms with non-constant parameters, quantized producers and shared weights (folding would
    duplicate them) are left alone / lowered as above. Constants left without users are erased.
    Invariants kept: function signatures, the producer's `layer` and properties, reference results
    up to float rounding (parameters are combined in float64, stored as float32).
    """

    name = "nn-fold-batchnorm"

    def rewrite(self, module: ModuleOp) -> bool:
        """Apply to a fixpoint; True when the module changed."""
        patterns = GreedyRewritePatternApplier(
            [FoldIntoProducer(), FoldIntoBinaryWeights(), LowerToMulAdd()], dce_enabled=False
        )
        return PatternRewriteWalker(patterns).rewrite_module(module)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.rewrite(op)
