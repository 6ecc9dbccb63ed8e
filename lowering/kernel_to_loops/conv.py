"""Convolutions and fully connected layers as loop nests.

Integer form (TFLite's ConvPerChannel / DepthwiseConvPerChannel / FullyConnected):

    for n, oy, ox, oc:                     (fully connected: for m, oc)
        acc = sum over in-image taps (x + input_offset) * w      (i32, wrapping)
        acc = acc + bias[oc]
        y   = clamp(MBQM(acc, mult[oc], shift[oc]) + output_offset, qmin, qmax)

Taps in the padding are skipped (an `scf.if` per kernel position, only where padding exists);
the reduction over input channels is the innermost loop, contiguous in both x and w. Float
kernels accumulate in f32 and clamp to `fmin..fmax`.
"""

from __future__ import annotations

from xdsl.dialects.builtin import f32, i32
from xdsl.ir import SSAValue

from edgeai.dialects import kernel as K
from edgeai.lowering.kernel_to_loops.builder import LoopBuilder, shape_of
from edgeai.lowering.kernel_to_loops.common import Requant, float_act, require_int


class _Acc:
    """Multiply-accumulate in the kernel's arithmetic (i32 with input offset, or f32)."""

    def __init__(self, op: K.KernelOp):
        self.quant = op.quantized
        self.offset = int(op.prop("input_offset")) if self.quant else 0
        self.type = i32 if self.quant else f32

    def zero(self, b: LoopBuilder) -> SSAValue:
        """The accumulator's initial value."""
        return b.const(0, self.type)

    def mac(self, b: LoopBuilder, acc: SSAValue, x: SSAValue, w: SSAValue) -> SSAValue:
        """`acc + (x + input_offset) * w` (wrapping i32) or `acc + x * w` (f32)."""
        if self.quant:
            return b.add(acc, b.mul(b.add(b.i32(x), self.offset), b.i32(w)))
        return b.addf(acc, b.mulf(x, w))

    def add_bias(
        self, b: LoopBuilder, acc: SSAValue, bias: SSAValue | None, c: SSAValue
    ) -> SSAValue:
        """`acc + bias[c]` (the bias wrapped to i32 in integer kernels)."""
        if bias is None:
            return acc
        v = b.load(bias, [c])
        return b.add(acc, b.i32(v)) if self.quant else b.addf(acc, v)


def _finish(
    b: LoopBuilder, op: K.KernelOp, requant: Requant | None, acc: SSAValue, c: SSAValue
) -> SSAValue:
    """The stored output: requantized (integer kernels) or clamped (float kernels)."""
    return requant(b, acc, c) if requant is not None else float_act(b, op, acc)


def conv2d(b: LoopBuilder, op: K.Conv2dOp | K.DepthwiseConv2dOp) -> None:
    """`kernel.conv2d` (grouped) and `kernel.depthwise_conv2d`."""
    x, w, bias, y = op.input, op.weight, op.bias, op.output
    depthwise = isinstance(op, K.DepthwiseConv2dOp)
    if op.quantized:
        require_int(op, x, w, y, *([bias] if bias is not None else []))
    n_, h, wd, c = shape_of(x)
    _, kh, kw, w3 = shape_of(w)
    _, oh, ow, o = shape_of(y)
    sh, sw = op.prop("strides")
    dh, dw = op.prop("dilations")
    pt, pl, pb, pr = op.prop("padding")
    check_h, check_w = bool(pt or pb), bool(pl or pr)
    if depthwise:
        mult, cin_g, o_g = o // c, 1, 1
    else:
        groups = int(op.prop("groups"))
        mult, cin_g, o_g = 1, w3, o // groups
    acc_k = _Acc(op)
    requant = Requant(b, op, y) if op.quantized else None

    def point(b: LoopBuilder, ivs: list[SSAValue]) -> None:
        n, oy, ox, oc = ivs
        iy0 = b.sub(b.mul(oy, sh), pt)
        ix0 = b.sub(b.mul(ox, sw), pl)
        if depthwise:
            ic0 = b.divu(oc, mult) if mult > 1 else oc
        else:
            ic0 = b.mul(b.divu(oc, o_g), cin_g) if o_g != o else None

        def tap(b: LoopBuilder, ky: SSAValue, kx: SSAValue, acc: SSAValue) -> SSAValue:
            iy = b.add(iy0, b.mul(ky, dh))
            ix = b.add(ix0, b.mul(kx, dw))

            def taps(b: LoopBuilder) -> list[SSAValue]:
                if depthwise:
                    return [
                        acc_k.mac(b, acc, b.load(x, [n, iy, ix, ic0]), b.load(w, [0, ky, kx, oc]))
                    ]

                def chan(b: LoopBuilder, ic: SSAValue, acc: SSAValue) -> list[SSAValue]:
                    xi = ic if ic0 is None else b.add(ic0, ic)
                    return [
                        acc_k.mac(b, acc, b.load(x, [n, iy, ix, xi]), b.load(w, [oc, ky, kx, ic]))
                    ]

                return b.for_(0, cin_g, chan, [acc], hint="ic")

            conds = ([b.in_range(iy, h)] if check_h else []) + (
                [b.in_range(ix, wd)] if check_w else []
            )
            inside = b.all_true(conds)
            if inside is None:
                return taps(b)[0]
            return b.if_(inside, taps, lambda b: [acc])[0]

        acc = b.for_(
            0,
            kh,
            lambda b, ky, acc: b.for_(
                0, kw, lambda b, kx, acc: [tap(b, ky, kx, acc)], [acc], hint="kx"
            ),
            [acc_k.zero(b)],
            hint="ky",
        )[0]
        acc = acc_k.add_bias(b, acc, bias, oc)
        b.store(_finish(b, op, requant, acc, oc), y, [n, oy, ox, oc])

    b.nest([n_, oh, ow, o], point, ["n", "oy", "ox", "oc"])


def fully_connected(b: LoopBuilder, op: K.FullyConnectedOp) -> None:
    """`kernel.fully_connected`: `y[m, n] = sum_k (x[m, k] + input_offset) * w[n, k] + b[n]`
    over the flattened leading dimensions of x."""
    x, w, bias, y = op.input, op.weight, op.bias, op.output
    if op.quantized:
        require_int(op, x, w, y, *([bias] if bias is not None else []))
    n_out, k_in = shape_of(w)
    rows = 1
    for d in shape_of(x)[:-1]:
        rows *= d
    x2 = b.reshape(x, [rows, k_in])
    y2 = b.reshape(y, [rows, n_out])
    acc_k = _Acc(op)
    requant = Requant(b, op, y) if op.quantized else None

    def point(b: LoopBuilder, ivs: list[SSAValue]) -> None:
        m, n = ivs

        def red(b: LoopBuilder, k: SSAValue, acc: SSAValue) -> list[SSAValue]:
            return [acc_k.mac(b, acc, b.load(x2, [m, k]), b.load(w, [n, k]))]

        acc = b.for_(0, k_in, red, [acc_k.zero(b)], hint="k")[0]
        acc = acc_k.add_bias(b, acc, bias, n)
        b.store(_finish(b, op, requant, acc, n), y2, [m, n])

    b.nest([rows, n_out], point, ["m", "n"])


__all__ = ["conv2d", "fully_connected"]
