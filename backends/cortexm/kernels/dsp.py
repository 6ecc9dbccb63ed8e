"""Arm DSP-extension (M4/M7/M33; the fallback on M55) int8 kernels: SMLAD dual 16-bit MACs.

Registered with `requires={"dsp"}` and priority 10 (Helium kernels use 20), for int8 layers with
constant weights; everything else keeps the portable kernels. The helpers they call are in
`runtime/kernels_dsp.h` (one instruction each on the target, portable C elsewhere).

Convolution and fully connected (`conv2d_dsp`): per block of P output pixels (P <= 4, fewer when
the window is long: the block buffer stays under `BUF_BYTES` of stack) the input windows are
sign-extended once into a stack buffer of int16 pairs (SXTB16: lanes x0,x2 then x1,x3 of each
group of 4 taps, the P pixels of a group next to each other), then every output channel runs
over the groups: one word of int8 weights, two SXTB16, and per pixel one LDRD and two SMLAD,
i.e. 15 instructions per 16 MACs for P = 4. The weights are reordered at compile time into the
order the loop reads them (rows padded with zeros to whole groups; for windows whose rows are
not a multiple of 4 bytes, the leftover taps of all rows are packed into the last groups). A
layer with one output pixel (fully connected on one row) interleaves 4 output channels instead.
Windows that reach into the padding are first copied into a small int8 stack window with the
input zero point in the padded taps (the input offset is folded into the bias, as in the
portable kernels).

Depthwise (`depthwise_conv2d_dsp`): 4 channels per step, one word of input per tap (SXTB16
twice) against pre-extended int16 weight pairs (one LDRD) and four SMLABB/SMLATT; taps unrolled;
border pixels through a zero-point-filled stack window.

Requantization (`_Requant`): bias, multiplier, rounding constant and shift of each output
channel in one table; `ea_dsp_requant` (SMMLAR + rounding shift, see kernels_dsp.h) when the
accumulator bounds computed here from the weights allow it, TFLite's exact ea_mbqm otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from xdsl.ir import SSAValue

from edgeai.backends.cortexm.cgen import Code
from edgeai.dialects import kernel as K
from edgeai.dialects import mem

from . import kernel
from .common import Axis, plus, requant, window_axes
from .layer import Layer

#: stack bytes for the int16 window buffer of the convolution kernels
BUF_BYTES = 3072
#: output pixels per block of the convolution kernels (at most)
MAX_PIXELS = 4
#: groups of 4 taps per unrolled step of the dot-product loops
UNROLL = 2
#: depthwise windows up to this many taps (they are unrolled)
DW_MAX_TAPS = 32
INT32_MAX = 2**31 - 1
HEADER = "kernels_dsp.h"


# ---------------------------------------------------------------------------------------------
# applicability


def _is_const(v: SSAValue) -> bool:
    owner = v.owner
    while isinstance(owner, mem.ViewOp):
        owner = owner.input.owner
    return isinstance(owner, K.ConstantOp)


def _int8(*vs: SSAValue) -> bool:
    return all(K.int_width(v) == 8 and not K.is_float(v) for v in vs)


def _int8_layer(op: K.Conv2dOp | K.DepthwiseConv2dOp | K.FullyConnectedOp) -> bool:
    b = op.bias
    return (
        op.quantized
        and _int8(op.input, op.weight, op.output)
        and _is_const(op.weight)
        and (b is None or (_is_const(b) and K.int_width(b) == 32))
    )


def _conv_applies(op: K.Conv2dOp) -> bool:
    return _int8_layer(op) and int(op.prop("groups")) == 1


def _dw_applies(op: K.DepthwiseConv2dOp) -> bool:
    if not _int8_layer(op):
        return False
    x = op.input.type.get_shape()  # type: ignore[attr-defined]
    _, kh, kw, oc = op.weight.type.get_shape()  # type: ignore[attr-defined]
    return oc == x[3] and kh * kw <= DW_MAX_TAPS


# ---------------------------------------------------------------------------------------------
# requantization


def _folded_bias(layer: Layer, w: np.ndarray) -> np.ndarray | None:
    """bias + input_offset * sum(w) per output channel (rows of `w`), None if not int32."""
    op = layer.op
    total = np.zeros(w.shape[0], dtype=np.int64)
    if op.bias is not None:
        total += layer.const_value(op.bias).astype(np.int64).reshape(-1)
    total += int(op.prop("input_offset")) * w.astype(np.int64).sum(axis=1)
    if np.abs(total).max(initial=0) > INT32_MAX:
        return None
    return total


@dataclass
class _Requant:
    """Per-output-channel parameters `q[4 * c + i]`: bias, multiplier, constant, shift.

    `mode` "right": ea_dsp_requant (shifts <= -1), "left": ea_dsp_requant_left (shifts >= 0),
    "exact": TFLite's ea_mbqm (tables of the portable kernels; the table holds the bias)."""

    mode: str
    table: np.ndarray  # [channels, 4] int32

    @classmethod
    def plan(cls, layer: Layer, bias: np.ndarray, w: np.ndarray) -> _Requant:
        op = layer.op
        mult = np.asarray(op.prop("output_multiplier"), dtype=np.int64)
        shift = np.asarray(op.prop("output_shift"), dtype=np.int64)
        off = int(op.prop("output_offset"))
        # |acc| <= |bias| + 128 * sum|w|: int8 inputs, the offset folded into the bias
        bound = int((np.abs(bias) + 128 * np.abs(w.astype(np.int64)).sum(axis=1)).max(initial=0))
        table = np.zeros((len(bias), 4), dtype=np.int64)
        table[:, 0] = bias
        table[:, 1] = mult
        mode = "exact"
        if np.all(mult >= 0) and np.all(shift <= -1) and 2 * bound <= INT32_MAX:
            e = -shift
            c = (1 << (e - 1)) + (off << e)
            if int(np.abs(c).max()) + bound + 2 <= INT32_MAX:
                table[:, 2], table[:, 3], mode = c, e, "right"
        elif np.all(mult >= 0) and np.all(shift >= 0):
            left = shift + 1
            if (bound << int(left.max())) <= INT32_MAX and abs(off) + (
                bound << int(shift.max())
            ) + 2 <= INT32_MAX:
                table[:, 2], table[:, 3], mode = off, left, "left"
        return cls(mode, table.astype(np.int32))

    def load(self, code: Code, q: str, j: int) -> None:
        """Read channel j's multiplier, constant and shift from `q[4 * j + 1..3]` into locals."""
        if self.mode != "exact":
            code(f"const int32_t m{j} = {q}[{4 * j + 1}], c{j} = {q}[{4 * j + 2}];")
            code(f"const int e{j} = {q}[{4 * j + 3}];")

    def store(self, layer: Layer, acc: str, j: int, channel: str) -> str:
        """C expression of the int8 output of accumulator `acc` with the parameters `load` put
        in locals for j (`channel`: the channel's index, for the exact mode's tables)."""
        op = layer.op
        if self.mode == "exact":
            return requant(layer, acc, channel, "int8_t")
        fn = "ea_dsp_requant" if self.mode == "right" else "ea_dsp_requant_left"
        sat = f"ea_dsp_ssat8({fn}({acc}, m{j}, c{j}, e{j}))"
        lo, hi = int(op.prop("qmin")), int(op.prop("qmax"))
        if lo <= -128 and hi >= 127:
            return f"(int8_t){sat}"
        return f"(int8_t)ea_clamp({sat}, {max(lo, -128)}, {min(hi, 127)})"


# ---------------------------------------------------------------------------------------------
# convolution / fully connected as a matrix product over blocks of pixels


@dataclass(frozen=True)
class _Segment:
    """`length` contiguous input bytes of a window at `ky * rs + kx * cs` from its corner."""

    ky: int
    kx: int
    length: int


def _lane_order(segments: list[_Segment]) -> tuple[list[int], list[tuple[int, int]]]:
    """Buffer lane -> window tap index (-1: padding), and the leftover (segment, byte) list.

    The whole groups of 4 bytes of each segment come first, in order; the leftover bytes of all
    segments are packed 4 to a group at the end."""
    starts = np.cumsum([0] + [s.length for s in segments])
    order: list[int] = []
    left: list[tuple[int, int]] = []
    for i, s in enumerate(segments):
        whole = s.length // 4 * 4
        order += list(range(int(starts[i]), int(starts[i]) + whole))
        left += [(i, j) for j in range(whole, s.length)]
    order += [int(starts[i]) + j for i, j in left]
    order += [-1] * (-len(order) % 4)
    return order, left


def _pack_weights(w: np.ndarray, order: list[int], block: int) -> np.ndarray:
    """int8 weights [oc, taps] -> int32 words in the loop's order: output channels in blocks of
    `block` (then one at a time), per block each group of 4 lanes of each channel."""
    oc = w.shape[0]
    idx = np.asarray(order)
    lanes = np.where(idx >= 0, w[:, np.maximum(idx, 0)], 0).astype(np.int8)  # [oc, K4]
    groups = lanes.reshape(oc, -1, 4)  # [oc, G, 4]
    full = oc // block * block
    parts = []
    if full:
        b = groups[:full].reshape(full // block, block, -1, 4).transpose(0, 2, 1, 3)
        parts.append(b.reshape(-1))
    if oc > full:
        parts.append(groups[full:].reshape(-1))
    return np.ascontiguousarray(np.concatenate(parts)).view("<i4").astype(np.int32)


def _emit_gather(
    layer: Layer, name: str, segments: list[_Segment], left: list[tuple[int, int]]
) -> None:
    """A static function `name(src, rs, cs, dst, gs)` converting one window (taps at src + ky *
    rs + kx * cs) into buffer groups `dst[g * gs]`, `dst[g * gs + 1]`."""
    lines = [
        f"static void {layer.tag}_{name}(const int8_t *src, int rs, int cs, int32_t *dst, int gs)",
        "{",
        "    (void)rs;",
        "    (void)cs;",
    ]
    g = 0
    for s in segments:
        n = s.length // 4
        if n == 0:
            continue
        base = plus(f"src + {s.ky} * rs", 0) if s.ky else "src"
        if s.kx:
            base += f" + {s.kx} * cs"
        lines.append("    {")
        lines.append(f"        const int8_t *p = {base};")
        lines.append(f"        int32_t *d = dst + {g} * gs;")
        if n == 1:
            lines.append("        const int32_t v = ea_dsp_ld32(p);")
            lines.append("        d[0] = ea_dsp_sxtb16(v);")
            lines.append("        d[1] = ea_dsp_sxtb16_ror8(v);")
        else:
            lines.append(f"        for (int j = 0; j < {n}; ++j) {{")
            lines.append("            const int32_t v = ea_dsp_ld32(p);")
            lines.append("            d[0] = ea_dsp_sxtb16(v);")
            lines.append("            d[1] = ea_dsp_sxtb16_ror8(v);")
            lines.append("            p += 4;")
            lines.append("            d += gs;")
            lines.append("        }")
        lines.append("    }")
        g += n
    for k in range(0, len(left), 4):
        quad = left[k : k + 4]
        vals = []
        for i, j in quad:
            s = segments[i]
            off = f"{s.ky} * rs + {s.kx} * cs + {j}"
            vals.append(f"(int32_t)src[{off}]")
        while len(vals) < 4:
            vals.append("0")
        lines.append(f"    dst[{g} * gs] = ea_dsp_pkhbt({vals[0]}, {vals[2]});")
        lines.append(f"    dst[{g} * gs + 1] = ea_dsp_pkhbt({vals[1]}, {vals[3]});")
        g += 1
    lines.append("}")
    layer.statics.append("\n".join(lines))


def _emit_dot(
    layer: Layer,
    rq: _Requant,
    *,
    pixels: int,
    block: int,
    groups: int,
    channels: int,
    weights: str,
    params: str,
    out: str,
    out_stride: int,
) -> None:
    """For every output channel (`block` at a time, then one at a time): the dot products of its
    packed weights with the `pixels` buffered windows, requantized into `out[p * out_stride +
    channel]`."""
    code = layer.code
    code(f"const int32_t *wp = {weights};")
    code(f"const int32_t *q = {params};")
    code(f"int8_t *yp = {out};")
    full = channels // block * block

    def body(nc: int, count: int, start: int) -> None:
        if count <= 0:
            return
        step = nc
        with code.block(f"for (int oc = {start}; oc < {start + count}; oc += {step})"):
            accs = [[f"a{c}_{p}" for p in range(pixels)] for c in range(nc)]
            for c in range(nc):
                code(f"int32_t {accs[c][0]} = q[{4 * c}];")
                for p in range(1, pixels):
                    code(f"int32_t {accs[c][p]} = {accs[c][0]};")
            code("const int32_t *bp = buf.w;")

            def group(u: int) -> None:
                # one group of 4 taps for nc channels x pixels
                if nc == 1:
                    code(f"const int32_t w0 = wp[{u}];")
                    code("const int32_t we0 = ea_dsp_sxtb16(w0);")
                    code("const int32_t wo0 = ea_dsp_sxtb16_ror8(w0);")
                for p in range(pixels):
                    code(f"int32_t xe{p}, xo{p};")
                    code(f"EA_DSP_LDRD(bp, {(u * pixels + p) * 8}, xe{p}, xo{p});")
                    if nc == 1:
                        a = accs[0][p]
                        code(f"{a} = ea_dsp_smlad(xe{p}, we0, {a});")
                        code(f"{a} = ea_dsp_smlad(xo{p}, wo0, {a});")
                if nc == 1:
                    return
                for c in range(nc):
                    code(f"const int32_t w{c} = wp[{u * nc + c}];")
                    code(f"const int32_t we{c} = ea_dsp_sxtb16(w{c});")
                    code(f"const int32_t wo{c} = ea_dsp_sxtb16_ror8(w{c});")
                    for p in range(pixels):
                        a = accs[c][p]
                        code(f"{a} = ea_dsp_smlad(xe{p}, we{c}, {a});")
                        code(f"{a} = ea_dsp_smlad(xo{p}, wo{c}, {a});")

            steps, rest = divmod(groups, UNROLL)
            if nc == 4 and pixels == 1:
                # one row, 4 channels: the whole group in one asm block (no register spills)
                dot = f"EA_DSP_DOT4(bp, wp, {', '.join(accs[c][0] for c in range(4))});"
                if steps:
                    with code.block(f"for (int g = 0; g < {steps}; ++g)"):
                        for _ in range(UNROLL):
                            code(dot)
                for _ in range(rest):
                    code(dot)
                steps = rest = 0
            if steps:
                with code.block(f"for (int g = 0; g < {steps}; ++g)"):
                    for u in range(UNROLL):
                        with _scope(code):
                            group(u)
                    code(f"wp += {UNROLL * nc};")
                    code(f"bp += {UNROLL * pixels * 2};")
            for u in range(rest):
                with _scope(code):
                    group(u)
            if rest:
                code(f"wp += {rest * nc};")
            for c in range(nc):
                rq.load(code, "q", c)
            for c in range(nc):
                for p in range(pixels):
                    store = rq.store(layer, accs[c][p], c, plus("oc", c))
                    code(f"const int8_t r{c}_{p} = {store};")
            for c in range(nc):
                for p in range(pixels):
                    code(f"yp[{p * out_stride + c}] = r{c}_{p};")
            code(f"q += {4 * nc};")
            code(f"yp += {nc};")

    body(block, full, 0)
    body(1, channels - full, full)


@contextmanager
def _scope(code: Code, head: str = "") -> Iterator[None]:
    """A C block `head {` ... `}`, or a bare `{` ... `}` scope when `head` is empty."""
    if head:
        with code.block(head):
            yield
        return
    code("{")
    code.depth += 1
    try:
        yield
    finally:
        code.depth -= 1
        code("}")


@dataclass
class _GemmGeometry:
    """Shapes and window layout of a convolution / fully connected layer for `conv2d_dsp`
    (a fully connected layer is a 1x1 convolution over its rows)."""

    n: int
    ih: int
    iw: int
    ic: int
    n_out: int
    kh: int
    kw: int
    oh: int
    ow: int
    ay: Axis
    ax: Axis

    @classmethod
    def of(cls, op: K.Conv2dOp | K.FullyConnectedOp) -> _GemmGeometry:
        """The geometry of `op` (shapes only: no weights needed)."""
        if isinstance(op, K.FullyConnectedOp):
            n_out, k = op.weight.type.get_shape()  # type: ignore[attr-defined]
            rows = int(np.prod(op.input.type.get_shape())) // k  # type: ignore[attr-defined]
            return cls(1, 1, rows, k, n_out, 1, 1, 1, rows, Axis(1, 1, 1, 1, 0, 1),
                       Axis(rows, 1, 1, 1, 0, rows))  # fmt: skip
        xs = tuple(op.input.type.get_shape())  # type: ignore[attr-defined]
        ys = tuple(op.output.type.get_shape())  # type: ignore[attr-defined]
        n_out, kh, kw, _ = op.weight.type.get_shape()  # type: ignore[attr-defined]
        ay, ax = window_axes(
            xs, ys, (kh, kw), op.prop("strides"), op.prop("dilations"), op.prop("padding")
        )
        return cls(xs[0], xs[1], xs[2], xs[3], n_out, kh, kw, ys[1], ys[2], ay, ax)

    @property
    def segments(self) -> list[_Segment]:
        """Window segments: rows of kw * ic bytes (taps of ic bytes when dilated along x)."""
        if self.ax.dilation == 1:
            return [_Segment(ky, 0, self.kw * self.ic) for ky in range(self.kh)]
        return [_Segment(ky, kx, self.ic) for ky in range(self.kh) for kx in range(self.kw)]

    @property
    def order(self) -> list[int]:
        return _lane_order(self.segments)[0]

    @property
    def left(self) -> list[tuple[int, int]]:
        return _lane_order(self.segments)[1]

    @property
    def groups(self) -> int:
        return len(self.order) // 4

    @property
    def pixels_total(self) -> int:
        return self.oh * self.ow

    @property
    def pix(self) -> int:
        """Output pixels per block (their windows share the buffer)."""
        k4 = len(self.order)
        return max(1, min(MAX_PIXELS, BUF_BYTES // (k4 * 2), self.pixels_total))

    @property
    def block(self) -> int:
        """Output channels per step of the dot-product loop."""
        return 4 if self.pix == 1 and self.n_out >= 4 else 1

    @property
    def border(self) -> bool:
        return any(t is not None for t in (self.ay.inside("oy"), self.ax.inside("ox")))

    def scratch(self) -> int:
        """Stack bytes of the kernel's buffers: the int16 windows, the padded window."""
        buf = self.groups * self.pix * 2 * 4
        return buf + (self.kh * self.kw * self.ic if self.border else 0)


def _gemm_scratch(op: K.KernelOp) -> int:
    return _GemmGeometry.of(op).scratch()  # type: ignore[arg-type]


def _dw_scratch(op: K.KernelOp) -> int:
    """The tap pointer array of the border pixels (4 bytes per tap)."""
    _, kh, kw, _ = op.weight.type.get_shape()  # type: ignore[attr-defined]
    return 4 * kh * kw


@kernel(
    K.Conv2dOp,
    K.FullyConnectedOp,
    name="dsp-gemm",
    variant="dsp",
    requires={"dsp"},
    applies=lambda op: _conv_applies(op) if isinstance(op, K.Conv2dOp) else _int8_layer(op),
    priority=10,
    scratch=_gemm_scratch,
)
def conv2d_dsp(op: K.Conv2dOp | K.FullyConnectedOp, layer: Layer) -> None:
    """int8 convolution (groups 1) and fully connected: windows buffered as int16, SMLAD."""
    code = layer.code
    x, y = op.input, op.output
    g = _GemmGeometry.of(op)
    n_, ih, iw, ic, n_out = g.n, g.ih, g.iw, g.ic, g.n_out
    kh, kw, ow, ay, ax = g.kh, g.kw, g.ow, g.ay, g.ax
    w2 = layer.const_value(op.weight).reshape(n_out, -1)
    bias = _folded_bias(layer, w2)
    if bias is None:
        from .conv import conv2d, fully_connected

        (fully_connected if isinstance(op, K.FullyConnectedOp) else conv2d)(op, layer)
        return
    layer.runtime.add(HEADER)
    rq = _Requant.plan(layer, bias, w2)
    segments, order, left = g.segments, g.order, g.left
    groups, pixels_total, pix, block = g.groups, g.pixels_total, g.pix, g.block
    packed = _pack_weights(w2, order, block)
    wsym = layer.flash_array("wpk", "int32_t", packed, "weights in the SMLAD loop order")
    table = rq.table
    psym = layer.flash_array(
        "rq", "int32_t", table.reshape(-1), "bias, multiplier, constant, shift"
    )
    _emit_gather(layer, "gather", segments, left)
    xs, ys = layer.ref(x), layer.ref(y)
    zp = -int(op.prop("input_offset"))
    pointwise = isinstance(op, K.FullyConnectedOp) or (
        kh == kw == 1 and ay.stride == ax.stride == 1 and not any(op.prop("padding"))
    )
    row, col = ay.inside("oy"), ax.inside("ox")
    border = any(t is not None for t in (row, col))
    code(f"union {{ int64_t align; int32_t w[{groups * pix * 2}]; }} buf;")
    if border:
        code(f"int8_t win[{kh * kw * ic}];")
    with _scope(code, f"for (int n = 0; n < {n_}; ++n)" if n_ > 1 else ""):
        if n_ > 1:
            code(f"const int8_t *const xn = {xs} + n * {ih * iw * ic};")
            code(f"int8_t *const yn = {ys} + n * {pixels_total * n_out};")
        else:
            code(f"const int8_t *const xn = {xs};")
            code(f"int8_t *const yn = {ys};")
        code("int oy = 0, ox = 0;")

        def gather_slot(slot: int, gs: int) -> None:
            dst = f"buf.w + {2 * slot}" if slot else "buf.w"
            if pointwise:
                code(f"{layer.tag}_gather(xn + (oy * {ow} + ox) * {ic}, 0, 0, {dst}, {gs});")
            else:
                iy0 = plus(f"oy * {ay.stride}", -ay.pad_before)
                ix0 = plus(f"ox * {ax.stride}", -ax.pad_before)
                rs, cs = ay.dilation * iw * ic, ax.dilation * ic
                full_call = (
                    f"{layer.tag}_gather(xn + (({iy0}) * {iw} + ({ix0})) * {ic}, {rs}, {cs}, "
                    f"{dst}, {gs});"
                )
                cond = " && ".join(t for t in (row, col) if t is not None)
                if not border:
                    code(full_call)
                else:
                    with code.block(f"if ({cond})"):
                        code(full_call)
                    with code.block("else"):
                        code(f"const int iy0 = {iy0}, ix0 = {ix0};")
                        with code.loop("ky", kh):
                            code(f"const int iy = iy0 + ky * {ay.dilation};")
                            with code.loop("kx", kw):
                                code(f"const int ix = ix0 + kx * {ax.dilation};")
                                code(f"int8_t *const t = win + (ky * {kw} + kx) * {ic};")
                                with code.block(
                                    f"if ((unsigned)iy < {ih}u && (unsigned)ix < {iw}u)"
                                ):
                                    code(f"memcpy(t, xn + (iy * {iw} + ix) * {ic}, {ic});")
                                with code.block("else"):
                                    code(f"memset(t, {zp}, {ic});")
                        code(f"{layer.tag}_gather(win, {kw * ic}, {ic}, {dst}, {gs});")
            with code.block(f"if (++ox == {ow})"):
                code("ox = 0;")
                code("++oy;")

        nblocks, rest = divmod(pixels_total, pix)

        def run_block(p: int, count: int) -> None:
            with _scope(code, f"for (int blk = 0; blk < {count}; ++blk)" if count > 1 else ""):
                if count > 1:
                    code(f"int8_t *const yb = yn + blk * {p * n_out};")
                for s in range(p):
                    gather_slot(s, 2 * p)
                _emit_dot(
                    layer, rq, pixels=p, block=block, groups=groups, channels=n_out,
                    weights=wsym, params=psym, out="yb" if count > 1 else "yn", out_stride=n_out,
                )  # fmt: skip

        if nblocks:
            run_block(pix, nblocks)
        if rest:
            with _scope(code):
                code(f"int8_t *const yr = yn + {nblocks * pix * n_out};")
                # the rest of the pixels: write through a separate base
                for s in range(rest):
                    gather_slot(s, 2 * rest)
                _emit_dot(
                    layer, rq, pixels=rest, block=block, groups=groups, channels=n_out,
                    weights=wsym, params=psym, out="yr", out_stride=n_out,
                )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# depthwise convolution


def _pack_dw(w: np.ndarray) -> np.ndarray:
    """Depthwise weights [taps, C] -> int32 words: per group of 4 channels and tap the int16
    pairs (c0, c2), (c1, c3); then per leftover channel one word per tap."""
    taps, c = w.shape
    g = c // 4
    w32 = w.astype(np.int32)
    parts = []
    if g:
        q = w32[:, : 4 * g].reshape(taps, g, 4).transpose(1, 0, 2)  # [g, taps, 4]
        lo = (q[..., [0, 1]] & 0xFFFF) | (q[..., [2, 3]] << 16)  # (c0, c2), (c1, c3)
        parts.append(lo.reshape(-1).astype(np.int64))
    if c > 4 * g:
        parts.append(w32[:, 4 * g :].T.reshape(-1).astype(np.int64))
    words = np.concatenate(parts)
    return ((words + 2**31) % 2**32 - 2**31).astype(np.int32)


@kernel(
    K.DepthwiseConv2dOp,
    name="dsp-dw",
    variant="dsp",
    requires={"dsp"},
    applies=_dw_applies,
    priority=10,
    scratch=_dw_scratch,
)
def depthwise_conv2d_dsp(op: K.DepthwiseConv2dOp, layer: Layer) -> None:
    """int8 depthwise convolution (depth multiplier 1): 4 channels per step, SMLABB/SMLATT."""
    code = layer.code
    x, wv, y = op.input, op.weight, op.output
    n_, ih, iw, c = layer.shape(x)
    _, kh, kw, _ = layer.shape(wv)
    _, oh, ow, _ = layer.shape(y)
    ay, ax = window_axes(
        layer.shape(x), layer.shape(y), (kh, kw), op.prop("strides"), op.prop("dilations"),
        op.prop("padding"),
    )  # fmt: skip
    taps = kh * kw
    w = layer.const_value(wv).reshape(taps, c)  # [taps, C]
    bias = _folded_bias(layer, w.T)
    if bias is None:
        from .conv import depthwise_conv2d

        depthwise_conv2d(op, layer)
        return
    layer.runtime.add(HEADER)
    rq = _Requant.plan(layer, bias, w.T)
    wsym = layer.flash_array("wpk", "int32_t", _pack_dw(w), "int16 weight pairs per 4 channels")
    psym = layer.flash_array(
        "rq", "int32_t", rq.table.reshape(-1), "bias, multiplier, constant, shift"
    )
    zp = -int(op.prop("input_offset"))
    groups = c // 4
    xs, ys = layer.ref(x), layer.ref(y)

    def channels(tap: list[str]) -> None:
        """All channels of one output pixel `yp`; `tap[t]` is the C pointer of tap t's first
        channel."""
        code(f"const int32_t *wq = {wsym};")
        code(f"const int32_t *q = {psym};")
        if groups:
            with code.loop("g", groups):
                for j in range(4):
                    code(f"int32_t a{j} = q[{4 * j}];")
                for t in range(taps):
                    with _scope(code):
                        code(f"const int32_t v = ea_dsp_ld32({tap[t]} + 4 * g);")
                        code("const int32_t xe = ea_dsp_sxtb16(v);")
                        code("const int32_t xo = ea_dsp_sxtb16_ror8(v);")
                        code("int32_t we, wo;")
                        code(f"EA_DSP_LDRD(wq, {8 * t}, we, wo);")
                        code("a0 = ea_dsp_smlabb(xe, we, a0);")
                        code("a2 = ea_dsp_smlatt(xe, we, a2);")
                        code("a1 = ea_dsp_smlabb(xo, wo, a1);")
                        code("a3 = ea_dsp_smlatt(xo, wo, a3);")
                _store_group(layer, rq, 4, "yp + 4 * g", "4 * g")
                code(f"wq += {2 * taps};")
                code("q += 16;")
        for ch in range(4 * groups, c):
            with _scope(code):
                code("int32_t a0 = q[0];")
                for t in range(taps):
                    code(f"a0 += ({tap[t]})[{ch}] * wq[{t}];")
                _store_group(layer, rq, 1, f"yp + {ch}", str(ch))
                code(f"wq += {taps};")
                code("q += 4;")

    full_taps = [
        f"xw + {(ky * ay.dilation * iw + kx * ax.dilation) * c}"
        for ky in range(kh)
        for kx in range(kw)
    ]
    row, col = ay.inside("oy"), ax.inside("ox")
    border = any(t is not None for t in (row, col))
    if border:
        zrow = layer.static_array("zp", "int8_t", np.full(c, zp, dtype=np.int64))
    with _scope(code, f"for (int n = 0; n < {n_}; ++n)" if n_ > 1 else ""):
        nb = f"n * {ih * iw}" if n_ > 1 else "0"
        with code.loop("oy", oh):
            code(f"const int iy0 = {plus(f'oy * {ay.stride}', -ay.pad_before)};")
            with code.loop("ox", ow):
                code(f"const int ix0 = {plus(f'ox * {ax.stride}', -ax.pad_before)};")
                pix = f"(n * {oh * ow} + oy * {ow} + ox)" if n_ > 1 else f"(oy * {ow} + ox)"
                code(f"int8_t *const yp = {ys} + {pix} * {c};")
                nbo = f"{nb} + " if n_ > 1 else ""
                base = f"{xs} + ({nbo}iy0 * {iw} + ix0) * {c}"
                cond = " && ".join(t for t in (row, col) if t is not None)
                if not border:
                    code(f"const int8_t *const xw = {base};")
                    channels(full_taps)
                else:
                    with code.block(f"if ({cond})"):
                        code(f"const int8_t *const xw = {base};")
                        channels(full_taps)
                    with code.block("else"):
                        code(f"const int8_t *tp[{taps}];")
                        for ky in range(kh):
                            for kx in range(kw):
                                iy = plus("iy0", ky * ay.dilation)
                                ix = plus("ix0", kx * ax.dilation)
                                inside = f"(unsigned)({iy}) < {ih}u && (unsigned)({ix}) < {iw}u"
                                code(
                                    f"tp[{ky * kw + kx}] = {inside} ? "
                                    f"{xs} + ({nbo}({iy}) * {iw} + ({ix})) * {c} : {zrow};"
                                )
                        channels([f"tp[{t}]" for t in range(taps)])


def _store_group(layer: Layer, rq: _Requant, n: int, out: str, channel: str) -> None:
    """Requantize accumulators a0..a<n-1> of consecutive channels (parameters at `q`) into
    `out[0..n-1]`; the parameters are read before any store (int8 stores may alias them)."""
    code = layer.code
    for j in range(n):
        rq.load(code, "q", j)
    for j in range(n):
        code(f"const int8_t r{j} = {rq.store(layer, f'a{j}', j, plus(channel, j))};")
    for j in range(n):
        code(f"({out})[{j}] = r{j};")
