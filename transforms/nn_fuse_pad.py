"""`nn-fuse-pad`: fold an explicit `nn.pad` into the `padding` of the window op it feeds."""

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
from edgeai.dialects.nn_types import QuantType
from edgeai.support.attrs import i64_array, i64_attr

_WindowOp = nn.Conv2dOp | nn.DepthwiseConv2dOp | nn.AvgPool2dOp | nn.MaxPool2dOp


def _fill_matches(op: _WindowOp, pad: nn.PadOp) -> bool:
    """Whether `op`'s implicit padding holds the same values as the pad's fill."""
    value, et = pad.prop("value"), nn.elt(pad.input)
    k = nn.kind(et)
    if isinstance(op, nn.MaxPool2dOp):
        return k == "f" and value == -math.inf
    if value != 0.0:
        return False
    # quantized avg pool: counted padding is centred on the zero point, which rounds ties like
    # the unfused pad + TFLite average only when the zero point is 0
    if isinstance(op, nn.AvgPool2dOp):
        return k == "f" or (
            isinstance(et, QuantType) and et.channel_axis is None and et.zero_point == 0
        )
    return k in ("f", "q")


class FusePad(RewritePattern):
    """op(pad(x)) -> op(x) {padding += pads}."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: _WindowOp, rewriter: PatternRewriter) -> None:
        pad = op.input.owner
        if not isinstance(pad, nn.PadOp) or not pad.output.has_one_use():
            return
        p = pad.prop("pads")
        if pad.prop("mode") != "constant" or len(p) != 8 or min(p) < 0:
            return
        if p[0] or p[3] or p[4] or p[7] or not _fill_matches(op, pad):
            return
        extra = (p[1], p[2], p[5], p[6])  # top, left, bottom, right
        padding = tuple(a + e for a, e in zip(op.prop("padding"), extra, strict=True))
        props = dict(op.properties)
        props["padding"] = i64_array(padding)
        if isinstance(op, nn.AvgPool2dOp):
            counted = (0, 0, 0, 0)  # uncounted padding stays uncounted, outside the new rows
            if op.prop("count_include_pad"):
                counted = op.prop("counted_padding") or op.prop("padding")
            counted = tuple(c + e for c, e in zip(counted, extra, strict=True))
            props["count_include_pad"] = i64_attr(1)
            props.pop("counted_padding", None)
            if counted != padding:
                props["counted_padding"] = i64_array(counted)
        new = type(op).create(
            operands=[pad.input, *op.operands[1:]],
            result_types=[r.type for r in op.results],
            properties=props,
            attributes=dict(op.attributes),
        )
        new.results[0].name_hint = op.results[0].name_hint
        rewriter.replace(op, new)
        rewriter.erase(pad)


@dataclass(frozen=True)
class NnFusePadPass(ModulePass):
    """Fold an explicit `nn.pad` into the `padding` of the window op it feeds.

    Input: `nn` functions (NHWC).
    Output: `op(pad(x))` becomes `op(x)` with the pad's H/W amounts added to `op`'s
    `padding = [top, left, bottom, right]`, when the pad has no other user, is in `constant`
    mode, pads only dims 1 and 2 (H, W) by non-negative amounts, and its fill value is what `op`
    pads with:
    * `nn.conv2d`, `nn.depthwise_conv2d` (input operand): value 0.0, f32 or quantized (the real
      value 0 is the zero point, which quantized convolutions pad with);
    * `nn.avg_pool2d`: value 0.0, f32 or quantized with zero point 0; the fused rows/columns are
      counted in the divisor like input positions (`count_include_pad = 1` and `counted_padding`
      grown by the same amounts; with `count_include_pad = 0` only they are counted);
    * `nn.max_pool2d`: value -inf, f32 (a pad of zeros would win over negative inputs: not fused).
    Invariants kept: function signatures, result types, the op's `layer`, reference results
    bit-exactly.
    """

    name = "nn-fuse-pad"

    def rewrite(self, module: ModuleOp) -> bool:
        """Apply to a fixpoint; True when the module changed."""
        patterns = GreedyRewritePatternApplier([FusePad()], dce_enabled=False)
        return PatternRewriteWalker(patterns).rewrite_module(module)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.rewrite(op)
