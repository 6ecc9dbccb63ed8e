"""Data movement above `nn.dequantize`, and `nn.quantize(nn.dequantize(x))`.

Moving a data-movement op from the float side to the quantized side is exact: it only selects,
repeats or reorders values (a constant pad is moved only when its value is a quantized value), so
`op(dequantize(x)) == dequantize(op(x))` bit for bit. Once moved, a `quantize` meets the
`dequantize` it was separated from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import StringAttr
from xdsl.ir import Operation
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)

from edgeai.dialects import nn
from edgeai.dialects.nn_types import QuantType
from edgeai.reference import fixedpoint as fp
from edgeai.transforms.qdq.common import (
    dequantize,
    dq_source,
    erase_dead,
    per_tensor,
    quant_type,
    quantize_mismatch,
    rebuild,
    retyped,
)

#: ops that only select, reorder or repeat elements
MOVEMENT = nn.ELEMENT_MOVING_OPS


def pad_value_is_exact(value: float, t: QuantType) -> bool:
    """A constant pad value is a value of t: the reference's fill dequantizes back to it."""
    q = t.zero_point + int(fp.round_half_away(np.float64(value / t.scale)))
    if not t.qmin <= q <= t.qmax:
        return False
    return bool(fp.dequantize(np.array([q]), t.scale, t.zero_point)[0] == np.float32(value))


def movable(op: Operation, t: QuantType) -> bool:
    """Whether op, on values of per-tensor type t, commutes exactly with dequantization."""
    if isinstance(op, nn.PadOp):
        return op.prop("mode") != "constant" or pad_value_is_exact(op.prop("value"), t)
    if isinstance(op, nn.ResizeOp):
        return op.prop("mode") == "nearest"
    return isinstance(op, MOVEMENT)


class HoistDequantize(RewritePattern):
    """op(dequantize(x), ...) -> dequantize(op(x, ...)) for data-movement ops (all operands
    dequantized from one per-tensor type)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, MOVEMENT) or not op.operands:
            return
        srcs = [dq_source(o) for o in op.operands]
        if any(s is None for s in srcs):
            return
        types = {per_tensor(s) for s in srcs}  # type: ignore[arg-type]
        if len(types) != 1 or (t := types.pop()) is None or not movable(op, t):
            return
        old = [o.owner for o in op.operands]
        new = rebuild(op, srcs, [retyped(r.type, t) for r in op.results])  # type: ignore[arg-type]
        dqs = [dequantize(r, op, o.name_hint) for r, o in zip(new.results, op.results, strict=True)]
        rewriter.replace(op, [new, *dqs], [d.output for d in dqs])
        erase_dead(rewriter, old)  # type: ignore[arg-type]


@dataclass
class FoldQuantizeDequantize(RewritePattern):
    """quantize(dequantize(x)) -> x (same type) or requantize(x) (other per-tensor type)."""

    rounding: str

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.QuantizeOp, rewriter: PatternRewriter) -> None:
        x = dq_source(op.input)
        yt = quant_type(op.output)
        if x is None or yt is None or quantize_mismatch(op) is not None:
            return
        dq = op.input.owner
        if quant_type(x) == yt:
            rewriter.replace(op, [], [x])
        elif per_tensor(x) is not None and yt.channel_axis is None:
            req = nn.RequantizeOp.create(
                operands=[x],
                result_types=[op.output.type],
                properties={"rounding": StringAttr(self.rounding)},
                attributes=dict(op.attributes),
            )
            req.output.name_hint = op.output.name_hint
            rewriter.replace(op, [req], [req.output])
        else:
            return
        erase_dead(rewriter, [dq])  # type: ignore[list-item]
