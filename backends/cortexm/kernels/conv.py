"""Portable convolution, depthwise convolution and fully-connected kernels (int8 and float32).

Integer layers compute `acc = bias + sum((x + input_offset) * w)` in int32 and requantize with
TFLite's MultiplyByQuantizedMultiplier. When the weights are constants the input offset is
folded at compile time into the bias (`bias + input_offset * sum(w)`), so the inner loop is a
plain `x * w` dot product; a tap in the padding then reads the input zero point
(`-input_offset`), which makes `(x + input_offset)` zero exactly as the reference requires.
Outputs whose window lies inside the input take a path without bound checks; the others (the
border, known at compile time) check each tap.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass

import numpy as np
from xdsl.ir import SSAValue

from edgeai.dialects import kernel as K

from . import kernel
from .common import Axis, fclamp, plus, requant, times, window_axes
from .layer import Layer

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class Arith:
    """How a layer accumulates: accumulator type, initial values, MAC and padded-tap term."""

    acc_type: str
    bias: str | None  # C array of the initial accumulator per output channel
    offset: int  # input offset added to each x (0 when folded, float)
    pad_value: int  # what a padded tap reads when the offset is folded (input zero point)

    def init(self, channel: str) -> str:
        if self.bias is not None:
            return f"{self.bias}[{channel}]"
        return "0.0f" if self.acc_type == "float" else "0"

    def mac(self, xv: str, wv: str) -> str:
        if self.offset:
            return f"({plus(xv, self.offset)}) * {wv}"
        return f"{xv} * {wv}"


def _arith(layer: Layer, weights: np.ndarray | None) -> Arith:
    """The accumulation scheme of a conv-like layer; `weights` is the constant weight tensor as
    [output channels, taps] (None when the weights are computed at run time)."""
    op = layer.op
    assert isinstance(op, K.Conv2dOp | K.DepthwiseConv2dOp | K.FullyConnectedOp)
    b = op.bias
    if not op.quantized:
        return Arith("float", layer.ref(b) if b is not None else None, 0, 0)
    wide = layer.dtype(op.input).itemsize > 1 or layer.dtype(op.weight).itemsize > 1
    acc_type = "int64_t" if wide else "int32_t"
    offset = int(op.prop("input_offset"))
    if weights is not None and offset != 0 and not wide and (b is None or layer.is_const(b)):
        total = np.zeros(weights.shape[0], dtype=np.int64)
        if b is not None:
            total += layer.const_value(b).astype(np.int64).reshape(-1)
        total += offset * weights.astype(np.int64).sum(axis=1)
        if total.min() >= INT32_MIN and total.max() <= INT32_MAX:
            sym = layer.flash_array(
                "bias", "int32_t", total.astype(np.int32), "bias + input_offset * sum(w)"
            )
            return Arith(acc_type, sym, 0, -offset)
    return Arith(acc_type, layer.ref(b) if b is not None else None, offset, 0)


def _store(layer: Layer, arith: Arith, target: str, channel: str, acc: str = "acc") -> None:
    code = layer.code
    if arith.acc_type == "float":
        fclamp(code, acc, layer.op)
        code(f"{target} = {acc};")
        return
    value = acc if arith.acc_type == "int32_t" else f"(int32_t){acc}"
    code(f"{target} = {requant(layer, value, channel, layer.ctype(layer.op.outputs()[0]))};")


#: output channels computed together by the dot-product kernels (each input value loaded once)
BLOCK = 4
#: depthwise windows up to this many taps are unrolled (one statement per tap)
UNROLL_TAPS = 25


def _dot_channels(
    layer: Layer,
    arith: Arith,
    *,
    channels: int,
    weights: str,
    taps: int,
    x: str,
    rows: int,
    row_len: int,
    x_row_stride: int,
    out: str,
) -> None:
    """`out[oc] = store(init[oc] + sum_{r, i} x[r * x_row_stride + i] * weights[oc * taps +
    r * row_len + i])` for every output channel, BLOCK channels at a time (then the rest)."""
    code = layer.code
    xt = layer.ctype(layer.op.operands[0])
    wt = layer.ctype(layer.op.operands[1])
    at = arith.acc_type
    xv_type = "float" if at == "float" else "int32_t"
    full = channels // BLOCK * BLOCK

    def body(n: int, start: str) -> None:
        for j in range(n):
            base = f"{weights} + {times('oc', taps)}" if j == 0 else f"w{j - 1} + {taps}"
            code(f"const {wt} *const w{j} = {base};")
        for j in range(n):
            code(f"{at} acc{j} = {arith.init(plus('oc', j))};")
        with ExitStack() as stack:
            if rows > 1:
                stack.enter_context(code.loop("r", rows))
                code(f"const {xt} *const xr = {x} + {times('r', x_row_stride)};")
                widx = f"{times('r', row_len)} + i"
            else:
                code(f"const {xt} *const xr = {x};")
                widx = "i"
            with code.loop("i", row_len):
                code(f"const {xv_type} xv = {plus('xr[i]', arith.offset)};")
                for j in range(n):
                    code(f"acc{j} += xv * w{j}[{widx}];")
        for j in range(n):
            _store(layer, arith, f"{out}[{plus('oc', j)}]", plus("oc", j), f"acc{j}")
        del start

    if full:
        with code.block(f"for (int oc = 0; oc < {full}; oc += {BLOCK})"):
            body(BLOCK, "0")
    if channels > full:
        with code.loop("oc", channels, full):
            body(1, str(full))


def _weights_matrix(layer: Layer, w: SSAValue, depthwise: bool) -> np.ndarray | None:
    if not layer.is_const(w):
        return None
    v = layer.const_value(w)
    return v.reshape(-1, v.shape[-1]).T if depthwise else v.reshape(v.shape[0], -1)


def _pixels(
    layer: Layer, ay: Axis, ax: Axis, channels: Callable[[bool], None], out_channels: int
) -> None:
    """Output-pixel loops of a window layer. Per pixel: `iy0`/`ix0` (top-left input tap), `yp`
    (output pixel), `nb` (batch row offset when N > 1) and, on the fast path, `xw` (input at the
    window's top-left); `channels(full)` writes the channel loop."""
    code = layer.code
    x, y = layer.op.operands[0], layer.op.outputs()[0]
    n_, _ih, iw, c = layer.shape(x)
    xs, ys = layer.ref(x), layer.ref(y)
    ctx, cty = layer.ctype(x), layer.ctype(y)
    with ExitStack() as stack:
        if n_ > 1:
            stack.enter_context(code.loop("n", n_))
            code(f"const int nb = n * {_ih * iw};")
        nb = "nb + " if n_ > 1 else ""
        pix = f"(n * {ay.out} + oy) * {ax.out} + ox" if n_ > 1 else f"oy * {ax.out} + ox"
        row, col = ay.inside("oy"), ax.inside("ox")
        with code.loop("oy", ay.out):
            code(f"const int iy0 = {plus(times('oy', ay.stride), -ay.pad_before)};")
            with code.loop("ox", ax.out):
                code(f"const int ix0 = {plus(times('ox', ax.stride), -ax.pad_before)};")
                code(f"{cty} *const yp = {ys} + ({pix}) * {out_channels};")
                window = f"const {ctx} *const xw = {xs} + {times(f'({nb}iy0 * {iw} + ix0)', c)};"
                cond = " && ".join(t for t in (row, col) if t is not None)
                if not cond:
                    code(window)
                    channels(True)
                elif "0" in (row, col):
                    channels(False)
                else:
                    with code.block(f"if ({cond})"):
                        code(window)
                        channels(True)
                    with code.block("else"):
                        channels(False)


@kernel(K.Conv2dOp)
def conv2d(op: K.Conv2dOp, layer: Layer) -> None:
    """Grouped NHWC convolution with OHWI weights."""
    code = layer.code
    x, w, y = op.input, op.weight, op.output
    n_, ih, iw, ic = layer.shape(x)
    oc, kh, kw, icg = layer.shape(w)
    _, oh, ow, _ = layer.shape(y)
    groups = int(op.prop("groups"))
    ocg = oc // groups
    ay, ax = window_axes(
        layer.shape(x), layer.shape(y), (kh, kw), op.prop("strides"), op.prop("dilations"),
        op.prop("padding"),
    )  # fmt: skip
    arith = _arith(layer, _weights_matrix(layer, w, False))
    xs, ws, ys = layer.ref(x), layer.ref(w), layer.ref(y)
    ctx, ctw, cty = layer.ctype(x), layer.ctype(w), layer.ctype(y)
    taps = kh * kw * icg

    if (
        kh == kw == 1
        and ay.stride == ax.stride == 1
        and groups == 1
        and not any(op.prop("padding"))
    ):
        # pointwise: a matrix product over the pixels
        with code.loop("p", n_ * oh * ow):
            code(f"const {ctx} *const xp = {xs} + {times('p', ic)};")
            code(f"{cty} *const yp = {ys} + {times('p', oc)};")
            _dot_channels(
                layer, arith, channels=oc, weights=ws, taps=ic, x="xp", rows=1, row_len=ic,
                x_row_stride=0, out="yp",
            )  # fmt: skip
        return

    nb = "nb + " if n_ > 1 else ""
    goff = "" if groups == 1 else f" + g * {icg}"

    def channels(full: bool) -> None:
        if full and groups == 1 and ax.dilation == 1:
            _dot_channels(
                layer, arith, channels=oc, weights=ws, taps=taps, x="xw", rows=kh,
                row_len=kw * ic, x_row_stride=ay.dilation * iw * ic, out="yp",
            )  # fmt: skip
            return
        with ExitStack() as stack:
            if groups > 1:
                stack.enter_context(code.loop("g", groups))
                stack.enter_context(code.loop("j", ocg))
                code(f"const int oc = g * {ocg} + j;")
            else:
                stack.enter_context(code.loop("oc", oc))
            code(f"const {ctw} *const wp = {ws} + {times('oc', taps)};")
            code(f"{arith.acc_type} acc = {arith.init('oc')};")
            if full:
                if groups > 1:
                    code(f"const {ctx} *const xg = xw{goff};")
                xg = "xg" if groups > 1 else "xw"
                with code.loop("ky", kh):
                    code(f"const {ctx} *const xr = {xg} + {times('ky', ay.dilation * iw * ic)};")
                    code(f"const {ctw} *const wr = wp + {times('ky', kw * icg)};")
                    if ax.dilation == 1 and icg == ic:
                        with code.loop("i", kw * ic):
                            code(f"acc += {arith.mac('xr[i]', 'wr[i]')};")
                    else:
                        with code.loop("kx", kw), code.loop("i", icg):
                            xi = f"{times('kx', ax.dilation * ic)} + i"
                            code(f"acc += {arith.mac(f'xr[{xi}]', f'wr[kx * {icg} + i]')};")
            else:
                with code.loop("ky", kh):
                    code(f"const int iy = iy0 + {times('ky', ay.dilation)};")
                    with code.loop("kx", kw):
                        code(f"const int ix = ix0 + {times('kx', ax.dilation)};")
                        code(f"const {ctw} *const wr = wp + {times(f'(ky * {kw} + kx)', icg)};")
                        with code.block(f"if ((unsigned)iy < {ih}u && (unsigned)ix < {iw}u)"):
                            code(
                                f"const {ctx} *const xt = "
                                f"{xs} + {times(f'({nb}iy * {iw} + ix)', ic)}{goff};"
                            )
                            with code.loop("i", icg):
                                code(f"acc += {arith.mac('xt[i]', 'wr[i]')};")
                        if arith.pad_value:
                            with code.block("else"), code.loop("i", icg):
                                code(f"acc += {arith.pad_value} * wr[i];")
            _store(layer, arith, "yp[oc]", "oc")

    _pixels(layer, ay, ax, channels, oc)


@kernel(K.DepthwiseConv2dOp)
def depthwise_conv2d(op: K.DepthwiseConv2dOp, layer: Layer) -> None:
    """Depthwise NHWC convolution, weights [1, KH, KW, C*M] (output c*M+m reads channel c)."""
    code = layer.code
    x, w, y = op.input, op.weight, op.output
    n_, ih, iw, c = layer.shape(x)
    _, kh, kw, oc = layer.shape(w)
    mult = oc // c
    ay, ax = window_axes(
        layer.shape(x), layer.shape(y), (kh, kw), op.prop("strides"), op.prop("dilations"),
        op.prop("padding"),
    )  # fmt: skip
    arith = _arith(layer, _weights_matrix(layer, w, True))
    xs, ws = layer.ref(x), layer.ref(w)
    nb = "nb + " if n_ > 1 else ""
    ch = "c" if mult == 1 else "oc"

    def channels(full: bool) -> None:
        with ExitStack() as stack:
            stack.enter_context(code.loop("c", c))
            if mult > 1:
                stack.enter_context(code.loop("m", mult))
                code(f"const int oc = c * {mult} + m;")
            code(f"{arith.acc_type} acc = {arith.init(ch)};")
            if full and kh * kw <= UNROLL_TAPS:
                # taps unrolled: literal offsets from the channel's first input and weight
                code(f"const {layer.ctype(x)} *const xc = xw + c;")
                code(f"const {layer.ctype(w)} *const wc = {ws} + {ch};")
                for ky in range(kh):
                    for kx in range(kw):
                        xo = (ky * ay.dilation * iw + kx * ax.dilation) * c
                        wo = (ky * kw + kx) * oc
                        code(f"acc += {arith.mac(f'xc[{xo}]', f'wc[{wo}]')};")
                _store(layer, arith, f"yp[{ch}]", ch)
                return
            with code.loop("ky", kh):
                if full:
                    with code.loop("kx", kw):
                        xi = f"({times('ky', ay.dilation * iw)} + {times('kx', ax.dilation)})"
                        wi = f"(ky * {kw} + kx) * {oc} + {ch}"
                        code(f"acc += {arith.mac(f'xw[{xi} * {c} + c]', f'{ws}[{wi}]')};")
                else:
                    code(f"const int iy = iy0 + {times('ky', ay.dilation)};")
                    with code.loop("kx", kw):
                        code(f"const int ix = ix0 + {times('kx', ax.dilation)};")
                        wi = f"{ws}[(ky * {kw} + kx) * {oc} + {ch}]"
                        with code.block(f"if ((unsigned)iy < {ih}u && (unsigned)ix < {iw}u)"):
                            xv = f"{xs}[({nb}iy * {iw} + ix) * {c} + c]"
                            code(f"acc += {arith.mac(xv, wi)};")
                        if arith.pad_value:
                            with code.block("else"):
                                code(f"acc += {arith.pad_value} * {wi};")
            _store(layer, arith, f"yp[{ch}]", ch)

    _pixels(layer, ay, ax, channels, oc)


@kernel(K.FullyConnectedOp)
def fully_connected(op: K.FullyConnectedOp, layer: Layer) -> None:
    """`y[r, n] = sum_k (x[r, k] + input_offset) * w[n, k] + b[n]` over the rows r of x."""
    code = layer.code
    x, w, y = op.input, op.weight, op.output
    n_out, k = layer.shape(w)
    rows = layer.size(x) // k
    arith = _arith(layer, _weights_matrix(layer, w, False))
    xs, ws, ys = layer.ref(x), layer.ref(w), layer.ref(y)
    ctx, cty = layer.ctype(x), layer.ctype(y)
    with ExitStack() as stack:
        if rows > 1:
            stack.enter_context(code.loop("r", rows))
        code(f"const {ctx} *const xp = {xs}{' + r * ' + str(k) if rows > 1 else ''};")
        code(f"{cty} *const yp = {ys}{' + r * ' + str(n_out) if rows > 1 else ''};")
        _dot_channels(
            layer, arith, channels=n_out, weights=ws, taps=k, x="xp", rows=1, row_len=k,
            x_row_stride=0, out="yp",
        )  # fmt: skip
