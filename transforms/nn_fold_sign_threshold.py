"""`nn-fold-sign-threshold`: sign(batch_norm(integer accumulator)) -> `nn.threshold`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import DenseArrayBase, IntegerType, ModuleOp, TensorType, f32
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
from edgeai.reference.binary import sign_thresholds
from edgeai.support.attrs import storage_dtype

_PRODUCTS = (nn.DenseOp, nn.Conv2dOp, nn.DepthwiseConv2dOp)
_CHAIN = (nn.BatchNormOp, nn.MulOp, nn.AddOp, nn.SubOp, nn.DivOp)


def _binary_source(v: SSAValue) -> SSAValue | None:
    """x when v = nn.dequantize(x : !nn.bin), else None."""
    op = v.owner
    if isinstance(op, nn.DequantizeOp) and isinstance(nn.elt(op.input), BinaryType):
        return op.input
    return None


class BinaryProduct(RewritePattern):
    """conv/dense(dequantize(a : bin), dequantize(w : bin)) : f32 -> dequantize(binary op : i32),
    when every float partial sum is exact: alpha_a * alpha_w a power of two and K < 2**24."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, _PRODUCTS) or nn.kind(op.output.type) != "f":
            return
        a, w = _binary_source(op.input), _binary_source(op.weight)
        if a is None or w is None or op.bias is not None or op.act is not None:
            return
        at, wt = nn.elt(a), nn.elt(w)
        assert isinstance(at, BinaryType) and isinstance(wt, BinaryType)
        if at.channel_axis is not None:
            return
        k = w.type.get_shape()[1] if isinstance(op, nn.DenseOp) else _window_taps(op)
        p = at.alpha_array()[0] * wt.alpha_array()
        mant, exp = np.frexp(p)
        if k >= 1 << 24 or np.any(mant != 0.5) or np.any(np.abs(exp) > 60):
            return
        props = {k_: v for k_, v in op.properties.items() if k_ not in ("act", "rounding")}
        acc = type(op).make([a, w], IntegerType(32), props, layer=op.layer)
        new: list[Operation] = [acc]
        src = acc.output
        if np.any(p != 1.0):
            rank = len(op.output.type.get_shape())
            axis = rank - 1 if p.size > 1 else None
            qt = QuantType.get(32, True, p, np.zeros(p.size, np.int64), axis)
            new.append(nn.StorageCastOp.make([src], qt, layer=op.layer))
            src = new[-1].results[0]
        new.append(nn.DequantizeOp.make([src], f32, layer=op.layer))
        old = [op.input.owner, op.weight.owner]
        rewriter.replace(op, new, [new[-1].results[0]])
        for dead in dict.fromkeys(old):
            if isinstance(dead, Operation) and not any(r.uses for r in dead.results):
                rewriter.erase(dead)


def _window_taps(op: Operation) -> int:
    """Products summed per output of a conv2d (KH * KW * Cin/groups) or depthwise (KH * KW)."""
    _, kh, kw, cw = op.weight.type.get_shape()  # type: ignore[attr-defined]
    return kh * kw * (cw if isinstance(op, nn.Conv2dOp) else 1)


def _const(v: SSAValue) -> np.ndarray | None:
    """The stored values of an `nn.constant` operand, else None."""
    return v.owner.to_numpy() if isinstance(v.owner, nn.ConstantOp) else None


def _chain(q: nn.QuantizeOp) -> tuple[SSAValue, list[Operation]] | None:
    """(integer accumulator, [dequantize, chain ops...]) feeding q, or None."""
    ops: list[Operation] = []
    v = q.input
    while isinstance(v.owner, _CHAIN):
        op = v.owner
        data = [o for o in op.operands if _const(o) is None]
        if len(data) != 1 or nn.kind(op.output.type) != "f":
            return None
        for o in op.operands:  # per-channel constants: every dimension but the last is 1
            if o is not data[0] and any(d != 1 for d in o.type.get_shape()[:-1]):
                return None
        ops.append(op)
        v = data[0]
    deq = v.owner
    if not isinstance(deq, nn.DequantizeOp) or nn.kind(deq.input.type) not in "iq":
        return None
    return deq.input, [deq, *reversed(ops)]


def _range(acc: SSAValue, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Reachable [lo, hi] per channel: +-K (+ bias) for binary products, else the storage range."""
    src = acc.owner.input if isinstance(acc.owner, nn.StorageCastOp) else acc
    op = src.owner
    info = np.iinfo(storage_dtype(nn.elt(acc)))
    lo, hi = np.full(channels, info.min, np.int64), np.full(channels, info.max, np.int64)
    if (
        isinstance(op, _PRODUCTS)
        and nn.kind(op.input.type) == "b"
        and nn.kind(op.output.type) == "i"
    ):
        k = op.weight.type.get_shape()[1] if isinstance(op, nn.DenseOp) else _window_taps(op)
        b = _const(op.bias) if op.bias is not None else np.zeros(channels)
        if b is not None:
            b = np.broadcast_to(b.astype(np.int64), (channels,))
            lo, hi = np.maximum(lo, b - k), np.minimum(hi, b + k)
    return lo, hi


@dataclass
class SignThreshold(RewritePattern):
    """quantize-to-!nn.bin(chain(dequantize(acc))) -> nn.threshold(acc), bit-identical."""

    enumerate_limit: int

    @op_type_rewrite_pattern
    def match_and_rewrite(self, q: nn.QuantizeOp, rewriter: PatternRewriter) -> None:
        yt = nn.elt(q.output)
        shape = q.output.type.get_shape()
        if not isinstance(yt, BinaryType) or not shape:
            return
        if yt.channel_axis is not None and yt.channel_axis != len(shape) - 1:
            return
        found = _chain(q)
        if found is None:
            return
        acc, ops = found
        from edgeai.reference.interpreter import IMPLS, _load

        _load()
        rank, dtype = len(shape), storage_dtype(nn.elt(acc))

        def sign_of(values: np.ndarray) -> np.ndarray:
            x = values.reshape(values.shape[0], *([1] * (rank - 2)), values.shape[1])
            x = x.astype(dtype)
            for op in ops:
                args = [x if _const(o) is None else _const(o) for o in op.operands]
                x = IMPLS[type(op)](op, *args)
            return IMPLS[nn.QuantizeOp](q, x).reshape(values.shape)

        lo, hi = _range(acc, shape[-1])
        with np.errstate(all="ignore"):
            res = sign_thresholds(sign_of, lo, hi, enumerate_limit=self.enumerate_limit)
        if res is None:
            return
        t, d = res
        small = t.min() >= np.iinfo(np.int32).min and t.max() <= np.iinfo(np.int32).max
        tc = nn.ConstantOp.from_numpy(t.astype(np.int32 if small else np.int64))
        new: list[Operation] = [tc]
        if nn.kind(acc.type) == "q":  # compare the stored integers
            cast = acc.owner
            if isinstance(cast, nn.StorageCastOp) and nn.kind(cast.input.type) == "i":
                ops.insert(0, cast)  # erased below once unused
                acc = cast.input
            else:
                new.append(nn.StorageCastOp.make([acc], _storage_type(acc), layer=q.layer))
                acc = new[-1].results[0]
        props = {} if np.all(d > 0) else {"direction": DenseArrayBase.from_list(_i8, list(d))}
        new.append(nn.ThresholdOp.make([acc, tc.output], yt, props, layer=q.layer))
        rewriter.replace(q, new, [new[-1].results[0]])
        consts = [o.owner for op in ops for o in op.operands if _const(o) is not None]
        for dead in [*reversed(ops), *dict.fromkeys(consts)]:
            if not any(r.uses for r in dead.results):
                rewriter.erase(dead)


_i8 = IntegerType(8)


def _storage_type(v: SSAValue) -> IntegerType:
    assert isinstance(v.type, TensorType)
    return IntegerType(storage_dtype(v.type.element_type).itemsize * 8)


@dataclass(frozen=True)
class NnFoldSignThresholdPass(ModulePass):
    """Fold batch norm + sign of an integer accumulator into `nn.threshold` (binary networks).

    Input: `nn` functions, e.g. a binarized MLP/CNN as imported from QONNX:
    `quantize(!nn.bin)(batch_norm(dense(dequantize(a : !nn.bin), dequantize(w : !nn.bin))))`.
    Output, two rewrites applied to a fixpoint:
    * `conv2d` / `depthwise_conv2d` / `dense` on dequantized binary input and weights (no bias,
      no fused activation) becomes the binary op with an `i32` accumulator followed by
      `nn.dequantize` (through `!nn.q<i32, p:0>` when p = alpha_x * alpha_w != 1), when that is
      bit-identical: p is a power of two and K < 2**24, so every float partial sum is exact;
    * `nn.quantize` to `!nn.bin` of a chain of `batch_norm` / `mul` / `add` / `sub` / `div` with
      per-channel constants on `nn.dequantize(acc)` of an integer accumulator becomes
      `nn.threshold(acc, t) {direction}`. The thresholds are searched on the reference's own float
      arithmetic over the accumulator's reachable range (+-K plus bias for binary products,
      else its storage range): every value in ranges up to `enumerate-limit` is evaluated, so
      the result is bit-identical for every reachable accumulator; longer ranges are bisected.
      Channels whose sign is not a threshold (non-monotone chains) leave the op alone.
    Invariants kept: function signatures and reference results, bit for bit.
    """

    name = "nn-fold-sign-threshold"

    enumerate_limit: int = 1 << 16

    def rewrite(self, module: ModuleOp) -> bool:
        """Apply to a fixpoint; True when the module changed."""
        patterns = GreedyRewritePatternApplier(
            [BinaryProduct(), SignThreshold(self.enumerate_limit)], dce_enabled=False
        )
        return PatternRewriteWalker(patterns).rewrite_module(module)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.rewrite(op)
