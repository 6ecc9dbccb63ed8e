"""Helium (MVE) int8 kernels for the Cortex-M55/M85 (`requires={"mve"}`, priority 20).

The portable kernels' formula, bit for bit (see `dialects/kernel.py`), laid out for 128-bit
vectors. Shapes, offsets and requantization constants are literals; weights are packed at
compile time in the order the inner loop reads them and replace the original constants (only
referenced constants are emitted); the input offset is folded into the bias
(`bias + input_offset * sum(w)`), so a padded tap reads the input zero point.

* convolution and fully connected (`mve-conv`, `mve-fc`): four output channels at a time, each a
  VMLADAVA dot product over 16 taps per instruction, one input load shared by the four. Weights
  are packed [block of 4 channels][window row][16-tap chunk][channel][16], zero-padded to whole
  chunks. Pixels whose window lies inside the input read it in place, one run of whole chunks
  per window row (`direct`); border pixels (and those whose last chunk would read past the
  input buffer) first copy their window into a small stack buffer with the zero point in the
  padding. Layers with few input channels per window row (first layers: 1 or 3 channels) copy
  every window into a dense buffer (`dense`) so that no chunk is mostly empty.
* depthwise (`mve-depthwise`): four channels in 32-bit lanes, one VMLA per tap; each class of
  output pixels with the same valid taps (interior, each border) gets its own unrolled code, a
  padded tap multiplies the zero point.
* per-channel requantization on four lanes (`ea_mve_*` in `runtime/kernels_mve.h`): VQRDMULH
  and a rounding shift made to round half away from zero as TFLite's RoundingDivideByPOT does;
  the per-channel bias, multiplier and shift are one table read with one pointer.
* residual ADD (`mve-add`), average and max pooling without padding (`mve-pool`): lanes over
  elements/channels.

Loads from one pointer go through `EA_MVE_ADVANCE` (a pointer increment the compiler cannot see
through), which makes GCC use post-increment addressing instead of precomputing (and spilling)
one address per load of an unrolled loop.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import MemRefType
from xdsl.ir import SSAValue

from edgeai.backends.cortexm.cgen import Code
from edgeai.dialects import kernel as K
from edgeai.support.attrs import storage_dtype

from . import kernel
from .common import Axis, window_axes
from .layer import Layer

MVE = frozenset({"mve"})
PRIORITY = 20
RUNTIME = "kernels_mve.h"
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

#: stack bytes a layer may use for its window buffer
MAX_STACK_BUFFER = 4096
#: chunks of one block computed without a loop (one VMLADAVA run per 16 taps)
UNROLL_CHUNKS = 24
#: chunks of a block whose input vectors are loaded once for all output channels
HOIST_CHUNKS = 4


# ---------------------------------------------------------------------------------------------
# applicability


def _dtype(v: SSAValue) -> np.dtype:
    assert isinstance(v.type, MemRefType)
    return storage_dtype(v.type.element_type)


def _shape(v: SSAValue) -> tuple[int, ...]:
    assert isinstance(v.type, MemRefType)
    return tuple(int(d) for d in v.type.get_shape())


def _const(v: SSAValue | None) -> np.ndarray | None:
    if v is None:
        return None
    owner = v.owner
    return owner.to_numpy() if isinstance(owner, K.ConstantOp) else None


def _all_int8(*values: SSAValue) -> bool:
    return all(_dtype(v) == np.int8 for v in values)


def _folded_bias(op: K.KernelOp, weights: np.ndarray) -> np.ndarray | None:
    """`bias + input_offset * sum(w)` per output channel ([channels, taps] weights), None when it
    leaves int32 or the bias is not a constant."""
    total = weights.astype(np.int64).sum(axis=1) * int(op.prop("input_offset"))
    b = op.bias  # type: ignore[attr-defined]
    if b is not None:
        bv = _const(b)
        if bv is None or bv.dtype != np.int32:
            return None
        total = total + bv.astype(np.int64).reshape(-1)
    if total.size and (total.min() < INT32_MIN or total.max() > INT32_MAX):
        return None
    return total


def _weights_matrix(op: K.KernelOp) -> np.ndarray | None:
    """The constant weights as [output channels, taps] (depthwise: [channels, taps])."""
    w = _const(op.weight)  # type: ignore[attr-defined]
    if w is None:
        return None
    if isinstance(op, K.DepthwiseConv2dOp):
        return w.reshape(-1, w.shape[-1]).T
    return w.reshape(w.shape[0], -1)


def _conv_like_applies(op: K.KernelOp) -> bool:
    if not op.quantized or not _all_int8(op.input, op.weight, op.output):  # type: ignore[attr-defined]
        return False
    wm = _weights_matrix(op)
    return wm is not None and _folded_bias(op, wm) is not None


def _conv_applies(op: K.KernelOp) -> bool:
    assert isinstance(op, K.Conv2dOp)
    if op.prop("groups") != 1 or not _conv_like_applies(op):
        return False
    return _ConvGeometry(op).col_bytes <= MAX_STACK_BUFFER


def _depthwise_applies(op: K.KernelOp) -> bool:
    assert isinstance(op, K.DepthwiseConv2dOp)
    return _shape(op.weight)[3] == _shape(op.input)[3] and _conv_like_applies(op)


def _add_applies(op: K.KernelOp) -> bool:
    assert isinstance(op, K.AddOp)
    if not op.quantized or not _all_int8(op.lhs, op.rhs, op.output):
        return False
    if not _shape(op.lhs) == _shape(op.rhs) == _shape(op.output):
        return False
    return all(op.prop(n) <= 0 for n in ("input1_shift", "input2_shift", "output_shift")) and (
        0 <= op.prop("left_shift") <= 31
    )


def _pool_applies(op: K.KernelOp) -> bool:
    assert isinstance(op, K.AvgPool2dOp | K.MaxPool2dOp)
    return op.quantized and _all_int8(op.input, op.output) and not any(op.prop("padding"))


# ---------------------------------------------------------------------------------------------
# shared code writers


def _advance(ptr: str, n: int) -> str:
    return f"EA_MVE_ADVANCE({ptr}, {n});"


@dataclass(frozen=True)
class _Requant:
    """Per-channel bias + requantization of blocks of four channels (one int32 table read
    through one pointer: [bias, left shift, multiplier, -exponent] x 4 per block, the uniform
    ones left out and written as literals)."""

    table: str
    per_block: int  # int32 values per block
    lsh: int | None  # uniform left shift (None: per channel)
    mult: int | None
    neg_e: int | None
    all_pos: bool  # every right shift exponent > 0
    offset: int
    lo: int
    hi: int

    @classmethod
    def build(
        cls, layer: Layer, bias: np.ndarray, blocks: int, order: np.ndarray | None = None
    ) -> _Requant:
        """The table of `blocks` blocks; lane j of block b is channel `order[4 * b + j]`
        (default: channel 4 * b + j; indices past the channels are padding)."""
        op = layer.op
        n = bias.size
        mult = np.asarray(op.prop("output_multiplier"), dtype=np.int64).reshape(-1)
        shift = np.asarray(op.prop("output_shift"), dtype=np.int64).reshape(-1)
        if mult.size == 1 and n > 1:
            mult, shift = np.repeat(mult, n), np.repeat(shift, n)
        lsh = np.maximum(shift, 0)
        neg_e = np.minimum(shift, 0)

        def uniform(v: np.ndarray) -> int | None:
            return int(v[0]) if np.all(v == v[0]) else None

        def padded(v: np.ndarray, fill: int) -> np.ndarray:
            out = np.full(blocks * 4, fill, dtype=np.int64)
            out[:n] = v
            if order is not None:
                out = out[order]
            return out.reshape(blocks, 4)

        cols = [padded(bias, 0)]
        u_lsh, u_mult, u_neg = uniform(lsh), uniform(mult), uniform(neg_e)
        if u_lsh is None:
            cols.append(padded(lsh, 0))
        if u_mult is None:
            cols.append(padded(mult, 0))
        if u_neg is None:
            cols.append(padded(neg_e, 0))
        table = np.concatenate(cols, axis=1).astype(np.int32)
        sym = layer.flash_array(
            "rq", "int32_t", table.reshape(-1),
            "per block of 4 channels: bias + input_offset * sum(w), left shift, multiplier, "
            "-exponent (the per-channel ones)",
        )  # fmt: skip
        return cls(
            sym, table.shape[1], u_lsh, u_mult, u_neg, bool(np.all(neg_e < 0)),
            int(op.prop("output_offset")), int(op.prop("qmin")), int(op.prop("qmax")),
        )  # fmt: skip

    def apply(self, code: Code, acc: str, pp: str, with_bias: bool = True) -> None:
        """`acc` (int32x4_t) <- requantized plus the output offset, not yet clamped; reads the
        block's table at `pp` (advanced past it). `with_bias=False`: the bias was loaded
        already (skip it)."""
        if with_bias:
            code(f"{acc} = vaddq_s32({acc}, vldrwq_s32({pp}));")
        code(_advance(pp, 4))
        if self.lsh is None:
            code(f"{acc} = vshlq_s32({acc}, vldrwq_s32({pp}));", _advance(pp, 4))
        elif self.lsh > 0:
            code(f"{acc} = vshlq_n_s32({acc}, {self.lsh});")
        if self.mult is None:
            code(f"{acc} = vqrdmulhq_s32({acc}, vldrwq_s32({pp}));", _advance(pp, 4))
        else:
            code(f"{acc} = vqrdmulhq_n_s32({acc}, {self.mult});")
        if self.neg_e is None:
            fn = "ea_mve_rdbpot_pos" if self.all_pos else "ea_mve_rdbpot"
            code(f"{acc} = {fn}({acc}, vldrwq_s32({pp}));", _advance(pp, 4))
        elif self.neg_e < 0:
            code(f"{acc} = ea_mve_rdbpot_n({acc}, {self.neg_e});")
        if self.offset:
            code(f"{acc} = vaddq_n_s32({acc}, {self.offset});")

    @property
    def full_range(self) -> bool:
        """The activation range is the whole int8 range: saturating narrows clamp."""
        return self.lo <= -128 and self.hi >= 127

    def _clamp(self, code: Code, acc: str) -> None:
        code(f"{acc} = vmaxq_s32({acc}, vdupq_n_s32({self.lo}));")
        code(f"{acc} = vminq_s32({acc}, vdupq_n_s32({self.hi}));")

    def store4(self, code: Code, acc: str, ptr: str, pred: str | None = None) -> None:
        """Clamp the four lanes of `acc` and store them as int8 at `ptr` (`pred`: the lanes
        to store)."""
        if self.full_range:
            # int32 -> int16 -> int8 saturating: lane i ends in the low byte of lane i
            # (the lanes a narrow keeps are don't-cares: reuse the operand, no extra register)
            code(f"const int16x8_t n16 = vqmovnbq_s32(vreinterpretq_s16_s32({acc}), {acc});")
            code(f"{acc} = vreinterpretq_s32_s8(vqmovnbq_s16(vreinterpretq_s8_s16(n16), n16));")
        else:
            self._clamp(code, acc)
        code(f"vstrbq_p_s32({ptr}, {acc}, {pred});" if pred else f"vstrbq_s32({ptr}, {acc});")

    def store8(self, code: Code, even: str, odd: str, ptr: str, pred: str | None = None) -> None:
        """Clamp and store eight int8 channels whose even ones are the lanes of `even`, the odd
        ones those of `odd`."""
        if self.full_range:
            code(f"int16x8_t o16 = vqmovnbq_s32(vreinterpretq_s16_s32({even}), {even});")
            code(f"o16 = vqmovntq_s32(o16, {odd});")
            code("o16 = vreinterpretq_s16_s8(vqmovnbq_s16(vreinterpretq_s8_s16(o16), o16));")
        else:
            self._clamp(code, even)
            self._clamp(code, odd)
            code(f"int16x8_t o16 = vmovnbq_s32(vreinterpretq_s16_s32({even}), {even});")
            code(f"o16 = vmovntq_s32(o16, {odd});")
        code(f"vstrbq_p_s16({ptr}, o16, {pred});" if pred else f"vstrbq_s16({ptr}, o16);")


def _runs(axis: Axis) -> list[tuple[int, int, int, int]]:
    """Maximal runs [start, end) of outputs along `axis` with the same valid taps [k0, k1)."""
    out: list[tuple[int, int, int, int]] = []
    for o in range(axis.out):
        first = o * axis.stride - axis.pad_before
        valid = [k for k in range(axis.kernel) if 0 <= first + k * axis.dilation < axis.size]
        k0, k1 = (valid[0], valid[-1] + 1) if valid else (0, 0)
        if out and out[-1][1] == o and out[-1][2:] == (k0, k1):
            out[-1] = (out[-1][0], o + 1, k0, k1)
        else:
            out.append((o, o + 1, k0, k1))
    return out


@contextmanager
def _scope(code: Code) -> Iterator[None]:
    """A `{ ... }` block (its own scope for the names declared inside)."""
    code("{")
    code.depth += 1
    try:
        yield
    finally:
        code.depth -= 1
        code("}")


@contextmanager
def _for(code: Code, var: str, start: int, end: int) -> Iterator[None]:
    """A loop over [start, end), or a scope with `var` constant when it runs once."""
    if end - start == 1:
        with _scope(code):
            code(f"const int {var} = {start};")
            yield
        return
    with code.block(f"for (int {var} = {start}; {var} < {end}; ++{var})"):
        yield


# ---------------------------------------------------------------------------------------------
# dot products of four output channels (convolution, fully connected)


@dataclass(frozen=True)
class _DotPlan:
    """What one block of four output channels reads: `rows` runs of `chunks` 16-byte vectors,
    consecutive runs `row_stride` bytes apart in the source."""

    rows: int
    chunks: int
    blocks: int
    channels: int
    weights: str  # packed weights symbol
    rq: _Requant

    @property
    def total(self) -> int:
        return self.rows * self.chunks


def _pack_weights(layer: Layer, wm: np.ndarray, rows: int, row_len: int, chunks: int) -> str:
    """[channels, rows * row_len] -> [block][row][chunk][4 channels][16], zero-padded."""
    oc = wm.shape[0]
    blocks = -(-oc // 4)
    w = np.zeros((blocks * 4, rows, chunks * 16), dtype=np.int8)
    w[:oc, :, :row_len] = wm.reshape(oc, rows, row_len)
    packed = w.reshape(blocks, 4, rows, chunks, 16).transpose(0, 2, 3, 1, 4)
    return layer.flash_array(
        "wp", "int8_t", packed.reshape(-1),
        f"weights packed [block of 4 channels][{rows} rows][{chunks} x 16 taps][channel][16]",
    )  # fmt: skip


def _emit_blocks(
    layer: Layer,
    plan: _DotPlan,
    src: str,
    row_stride: int,
    out: str,
    tail_pred: int = 0,
) -> None:
    """`out[oc]` for every output channel from the source window at `src` (see _DotPlan).
    `tail_pred`: valid bytes of each run's last chunk when it must not read past them."""
    code = layer.code
    jump = row_stride - plan.chunks * 16
    hoist = plan.total <= HOIST_CHUNKS
    with _scope(code):
        code(f"const int8_t *wp = {plan.weights};")
        code(f"const int32_t *pp = {plan.rq.table};")
        code(f"int8_t *yo = {out};")
        if tail_pred:
            code(f"const mve_pred16_t ptail = vctp8q({tail_pred});")
        if hoist:
            for r in range(plan.rows):
                for j in range(plan.chunks):
                    off = r * row_stride + j * 16
                    load = _xload(f"{src} + {off}" if off else src, tail_pred, j, plan.chunks)
                    code(f"const int8x16_t xv{r * plan.chunks + j} = {load};")

        def block(pred: str | None) -> None:
            code("int32_t a0, a1, a2, a3;")
            if not hoist:
                code(f"const int8_t *xp = {src};")
            _emit_chunks(code, plan, jump, hoist, tail_pred)
            code("int32x4_t acc = ea_mve_vec4(a0, a1, a2, a3);")
            plan.rq.apply(code, "acc", "pp")
            plan.rq.store4(code, "acc", "yo", pred)

        full = plan.channels // 4
        if full:
            with code.block(f"for (int ob = 0; ob < {full}; ++ob)"):
                block(None)
                code(_advance("yo", 4))
        rem = plan.channels - full * 4
        if rem:
            with _scope(code):
                block(f"vctp32q({rem})")


def _xload(ptr: str, tail_pred: int, j: int, chunks: int) -> str:
    if tail_pred and j == chunks - 1:
        return f"vldrbq_z_s8({ptr}, ptail)"
    return f"vldrbq_s8({ptr})"


def _emit_chunks(code: Code, plan: _DotPlan, jump: int, hoist: bool, tail_pred: int) -> None:
    """The VMLADAVA runs of one block into a0..a3 (weights at `wp`, input at `xp`)."""

    def chunk(j: int, first: bool, xv: str | None = None) -> None:
        if xv is None:
            code(f"const int8x16_t xv = {_xload('xp', tail_pred, j, plan.chunks)};")
            code(_advance("xp", 16))
            xv = "xv"
        for i in range(4):
            mac = (
                f"vmladavq_s8({xv}, vldrbq_s8(wp))"
                if first
                else f"vmladavaq_s8(a{i}, {xv}, vldrbq_s8(wp))"
            )
            code(f"a{i} = {mac}; {_advance('wp', 16)}")

    if hoist or plan.total <= UNROLL_CHUNKS:
        for r in range(plan.rows):
            if r and not hoist and jump:
                code(_advance("xp", jump))
            for j in range(plan.chunks):
                with _scope(code):
                    chunk(j, r == 0 and j == 0, f"xv{r * plan.chunks + j}" if hoist else None)
        return
    code("a0 = a1 = a2 = a3 = 0;")
    row_loop = plan.rows > 1
    if row_loop:
        code(f"for (int r = 0; r < {plan.rows}; ++r) {{")
        code.depth += 1
    if plan.chunks <= UNROLL_CHUNKS:
        for j in range(plan.chunks):
            with _scope(code):
                chunk(j, False)
    else:
        # the last chunk of a run may need a predicated load: it stays out of the loop
        looped = plan.chunks - 1 if tail_pred else plan.chunks
        unroll = 8
        with code.block(f"for (int j = 0; j < {looped // unroll}; ++j)"):
            for _ in range(unroll):
                with _scope(code):
                    chunk(0, False)
        for j in range(looped // unroll * unroll, plan.chunks):
            with _scope(code):
                chunk(j, False)
    if row_loop:
        if jump:
            code(_advance("xp", jump))
        code.depth -= 1
        code("}")


# ---------------------------------------------------------------------------------------------
# convolution


class _ConvGeometry:
    """Window geometry and the direct/dense choice of an int8 convolution."""

    def __init__(self, op: K.Conv2dOp):
        self.n, self.ih, self.iw, self.ic = _shape(op.input)
        self.oc, self.kh, self.kw, _ = _shape(op.weight)
        _, self.oh, self.ow, _ = _shape(op.output)
        self.sh, self.sw = op.prop("strides")
        self.dh, self.dw = op.prop("dilations")
        self.ay, self.ax = window_axes(
            _shape(op.input), _shape(op.output), (self.kh, self.kw), op.prop("strides"),
            op.prop("dilations"), op.prop("padding"),
        )  # fmt: skip
        self.row_len = self.kw * self.ic
        self.taps = self.kh * self.row_len
        blocks = -(-self.oc // 4)
        direct_chunks = -(-self.row_len // 16)
        dense_chunks = -(-self.taps // 16)
        cost_direct = blocks * (self.kh * direct_chunks * 9 + 15)
        copy = self.kh * (2 * -(-self.row_len // 16) + 2) if self.dw == 1 else self.kh * self.kw * 8
        cost_dense = blocks * (dense_chunks * 9 + 15) + copy
        self.direct = self.dw == 1 and cost_direct <= cost_dense
        if self.direct:
            self.rows, self.chunks = self.kh, direct_chunks
            self.col_pitch = direct_chunks * 16
            self.col_bytes = self.kh * self.col_pitch
        else:
            self.rows, self.chunks = 1, dense_chunks
            self.col_pitch = self.row_len  # dense: window row ky starts at ky * row_len
            self.col_bytes = dense_chunks * 16 + 16
        #: bytes read from the input by a pixel of the fast path, from its window's top-left tap
        last_row = (self.kh - 1) * self.dh * self.iw * self.ic
        self.fast_extent = last_row + -(-self.row_len // 16) * 16

    def window_start(self, n: int, oy: int, ox: int) -> int:
        iy = oy * self.sh - self.ay.pad_before
        ix = ox * self.sw - self.ax.pad_before
        return ((n * self.ih + iy) * self.iw + ix) * self.ic

    def first_unsafe(self) -> int | None:
        """The first output pixel (oy * ow + ox of the last image) whose fast path would read
        past the end of the input, None when none does."""
        size = self.n * self.ih * self.iw * self.ic
        ylo, yhi = self.ay.full_range()
        xlo, xhi = self.ax.full_range()
        for oy in range(ylo, yhi + 1):
            for ox in range(xlo, xhi + 1):
                if self.window_start(self.n - 1, oy, ox) + self.fast_extent > size:
                    return oy * self.ow + ox
        return None


def _conv_scratch(op: K.KernelOp) -> int:
    """The window (im2col) column buffer."""
    return _ConvGeometry(op).col_bytes


@kernel(K.Conv2dOp, name="mve-conv", variant="mve", requires=MVE, applies=_conv_applies,
        priority=PRIORITY, scratch=_conv_scratch)  # fmt: skip
def conv2d_mve(op: K.Conv2dOp, layer: Layer) -> None:
    """int8 convolution (groups 1), four output channels per VMLADAVA run (module docstring)."""
    layer.runtime.add(RUNTIME)
    code = layer.code
    g = _ConvGeometry(op)
    wm = _weights_matrix(op)
    assert wm is not None
    bias = _folded_bias(op, wm)
    assert bias is not None
    blocks = -(-g.oc // 4)
    rq = _Requant.build(layer, bias, blocks)
    row_len = g.row_len if g.direct else g.taps
    wsym = _pack_weights(layer, wm, g.rows, row_len, g.chunks)
    plan = _DotPlan(g.rows, g.chunks, blocks, g.oc, wsym, rq)
    xs, ys = layer.ref(op.input), layer.ref(op.output)
    zp = -int(op.prop("input_offset"))
    row_stride = g.dh * g.iw * g.ic

    code(f"int8_t col[{g.col_bytes}] __attribute__((aligned(16)));")
    code(f"const int8x16_t zpv = vdupq_n_s8({zp});")
    code("memset(col, 0, sizeof col);")
    code("(void)zpv;")
    unsafe = g.first_unsafe()
    with code.block(f"for (int n = 0; n < {g.n}; ++n)") if g.n > 1 else _scope(code):
        if g.n == 1:
            code("const int n = 0;")
        with code.loop("oy", g.oh):
            code(f"const int iy0 = oy * {g.sh} - {g.ay.pad_before};")
            with code.loop("ox", g.ow):
                code(f"const int ix0 = ox * {g.sw} - {g.ax.pad_before};")
                code(f"int8_t *const yp = {ys} + ((n * {g.oh} + oy) * {g.ow} + ox) * {g.oc};")
                conds = [c for c in (g.ay.inside("oy"), g.ax.inside("ox")) if c]
                if unsafe is not None:
                    last = f"n < {g.n - 1} || " if g.n > 1 else ""
                    conds.append(f"({last}oy * {g.ow} + ox < {unsafe})")
                fast_cond = " && ".join(conds) if conds else None
                window = f"{xs} + ((n * {g.ih} + iy0) * {g.iw} + ix0) * {g.ic}"
                if g.direct and fast_cond is None:
                    _emit_blocks(layer, plan, window, row_stride, "yp")
                elif g.direct:
                    with code.block(f"if ({fast_cond})"):
                        _emit_blocks(layer, plan, window, row_stride, "yp")
                    with code.block("else"):
                        _emit_window_copy(code, g, xs, exact=True)
                        _emit_blocks(layer, plan, "col", g.col_pitch, "yp")
                else:
                    if fast_cond is None:
                        _emit_window_copy(code, g, xs, exact=False)
                    else:
                        with code.block(f"if ({fast_cond})"):
                            _emit_window_copy(code, g, xs, exact=False)
                        with code.block("else"):
                            _emit_window_copy(code, g, xs, exact=True)
                    _emit_blocks(layer, plan, "col", g.col_pitch, "yp")


def _emit_window_copy(code: Code, g: _ConvGeometry, xs: str, *, exact: bool) -> None:
    """Copy the window of the pixel at (iy0, ix0) into `col` (row ky at ky * col_pitch).
    `exact=False`: the window is inside the input and whole vectors may be read past each row
    (the caller checked the buffer end); else taps outside the input get the zero point."""
    L = g.row_len
    vecs = -(-L // 16)
    for ky in range(g.kh):
        dst = f"col + {ky * g.col_pitch}" if ky else "col"
        iy = f"iy0 + {ky * g.dh}" if ky else "iy0"
        src_row = f"{xs} + ((n * {g.ih} + {iy}) * {g.iw} + ix0) * {g.ic}"
        if not exact:
            with _scope(code):
                code(f"const int8_t *s = {src_row};")
                for v in range(vecs):
                    code(f"vstrbq_s8({dst} + {v * 16}, vldrbq_s8(s + {v * 16}));")
            continue
        with code.block(f"if ((unsigned)({iy}) >= {g.ih}u)"):
            code(f"ea_mve_fill({dst}, zpv, {L});")
        with code.block("else"):
            if g.dw == 1:
                code("const int kx0 = ix0 < 0 ? -ix0 : 0;")
                code(f"const int kx1 = {g.iw} - ix0 < {g.kw} ? {g.iw} - ix0 : {g.kw};")
                with code.block(f"if (kx0 > 0 || kx1 < {g.kw})"):
                    code(f"ea_mve_fill({dst}, zpv, {L});")
                with code.block("if (kx1 > kx0)"):
                    code(
                        f"ea_mve_copy({dst} + kx0 * {g.ic}, "
                        f"{xs} + ((n * {g.ih} + {iy}) * {g.iw} + ix0 + kx0) * {g.ic}, "
                        f"(kx1 - kx0) * {g.ic});"
                    )
            else:
                code(f"ea_mve_fill({dst}, zpv, {L});")
                with code.loop("kx", g.kw):
                    code(f"const int ix = ix0 + kx * {g.dw};")
                    with code.block(f"if ((unsigned)ix < {g.iw}u)"):
                        code(
                            f"ea_mve_copy({dst} + kx * {g.ic}, "
                            f"{xs} + ((n * {g.ih} + {iy}) * {g.iw} + ix) * {g.ic}, {g.ic});"
                        )


# ---------------------------------------------------------------------------------------------
# fully connected


def _fc_applies(op: K.KernelOp) -> bool:
    return _conv_like_applies(op)


@kernel(K.FullyConnectedOp, name="mve-fc", variant="mve", requires=MVE, applies=_fc_applies,
        priority=PRIORITY)  # fmt: skip
def fully_connected_mve(op: K.FullyConnectedOp, layer: Layer) -> None:
    """int8 fully connected: per input row, four output channels per VMLADAVA run."""
    layer.runtime.add(RUNTIME)
    code = layer.code
    n_out, k = _shape(op.weight)
    rows = math.prod(_shape(op.input)) // k
    wm = _weights_matrix(op)
    assert wm is not None
    bias = _folded_bias(op, wm)
    assert bias is not None
    blocks = -(-n_out // 4)
    rq = _Requant.build(layer, bias, blocks)
    chunks = -(-k // 16)
    wsym = _pack_weights(layer, wm, 1, k, chunks)
    plan = _DotPlan(1, chunks, blocks, n_out, wsym, rq)
    xs, ys = layer.ref(op.input), layer.ref(op.output)
    with _for(code, "r", 0, rows):
        _emit_blocks(layer, plan, f"{xs} + r * {k}", chunks * 16, f"{ys} + r * {n_out}", k % 16)


# ---------------------------------------------------------------------------------------------
# depthwise convolution


@kernel(K.DepthwiseConv2dOp, name="mve-depthwise", variant="mve", requires=MVE,
        applies=_depthwise_applies, priority=PRIORITY)  # fmt: skip
def depthwise_mve(op: K.DepthwiseConv2dOp, layer: Layer) -> None:
    """int8 depthwise convolution (multiplier 1): eight channels widened to 16-bit lanes, the
    products of the even and the odd lanes accumulated in two int32x4 (VMULLB/VMULLT)."""
    layer.runtime.add(RUNTIME)
    code = layer.code
    n_, ih, iw, c = _shape(op.input)
    _, kh, kw, _ = _shape(op.weight)
    _, oh, ow, _ = _shape(op.output)
    sh, sw = op.prop("strides")
    dh, dw = op.prop("dilations")
    ay, ax = window_axes(
        _shape(op.input), _shape(op.output), (kh, kw), op.prop("strides"), op.prop("dilations"),
        op.prop("padding"),
    )  # fmt: skip
    wm = _weights_matrix(op)  # [channels, taps]
    assert wm is not None
    bias = _folded_bias(op, wm)
    assert bias is not None
    groups = -(-c // 8)
    # lanes of the two accumulators of group g: channels 8g + 0, 2, 4, 6 and 8g + 1, 3, 5, 7
    order = np.concatenate([[8 * g + j for j in (0, 2, 4, 6, 1, 3, 5, 7)] for g in range(groups)])
    rq = _Requant.build(layer, bias, 2 * groups, order)
    taps = kh * kw
    w = np.zeros((groups * 8, taps), dtype=np.int16)
    w[:c] = wm
    wsym = layer.flash_array(
        "wp", "int16_t", w.reshape(groups, 8, taps).transpose(0, 2, 1).reshape(-1),
        f"weights widened and packed [group of 8 channels][{taps} taps][channel]",
    )  # fmt: skip
    xs, ys = layer.ref(op.input), layer.ref(op.output)
    zp = -int(op.prop("input_offset"))
    full, rem = c // 8, c % 8
    code(f"const int16x8_t zp8 = vdupq_n_s16({zp});")
    code("(void)zp8;")
    if rem:
        code(f"const mve_pred16_t prem = vctp16q({rem});")

    def pixel(ky0: int, ky1: int, kx0: int, kx1: int) -> None:
        valid = [
            (ky, kx) for ky in range(kh) for kx in range(kw) if ky0 <= ky < ky1 and kx0 <= kx < kx1
        ]
        offs = {(ky, kx): (ky * dh * iw + kx * dw) * c for ky, kx in valid}
        code(f"int8_t *yo = {ys} + ((n * {oh} + oy) * {ow} + ox) * {c};")
        code(f"const int16_t *wp = {wsym};")
        code(f"const int32_t *pp = {rq.table};")
        if valid:
            fy, fx = valid[0]
            code(
                f"const int8_t *xb = {xs} + ((n * {ih} + oy * {sh} + {fy * dh - ay.pad_before}) "
                f"* {iw} + ox * {sw} + {fx * dw - ax.pad_before}) * {c};"
            )

        def group(pred: bool) -> None:
            code("int32x4_t ab, at;")
            if valid:
                code("const int8_t *xp = xb;")
            pos = offs[valid[0]] if valid else 0
            first = True
            for ky in range(kh):
                for kx in range(kw):
                    with _scope(code):
                        if (ky, kx) in offs:
                            delta = offs[(ky, kx)] - pos
                            if delta:
                                code(_advance("xp", delta))
                            pos = offs[(ky, kx)]
                            load = "vldrbq_z_s16(xp, prem)" if pred else "vldrbq_s16(xp)"
                            code(f"const int16x8_t xv = {load};")
                        else:
                            code("const int16x8_t xv = zp8;")
                        code(f"const int16x8_t wv = vldrhq_s16(wp); {_advance('wp', 8)}")
                        if first:
                            code("ab = vmullbq_int_s16(xv, wv);", "at = vmulltq_int_s16(xv, wv);")
                        else:
                            code(
                                "ab = vaddq_s32(ab, vmullbq_int_s16(xv, wv));",
                                "at = vaddq_s32(at, vmulltq_int_s16(xv, wv));",
                            )
                        first = False
            rq.apply(code, "ab", "pp")
            rq.apply(code, "at", "pp")
            if pred:
                rq.store8(code, "ab", "at", "yo", "prem")
            else:
                rq.store8(code, "ab", "at", "yo")
                code(_advance("yo", 8))
            if valid:
                code(_advance("xb", 8))

        if full:
            with code.block(f"for (int g = 0; g < {full}; ++g)"):
                group(False)
        if rem:
            with _scope(code):
                group(True)

    with code.block(f"for (int n = 0; n < {n_}; ++n)") if n_ > 1 else _scope(code):
        if n_ == 1:
            code("const int n = 0;")
        for y0, y1, ky0, ky1 in _runs(ay):
            with _for(code, "oy", y0, y1):
                for x0, x1, kx0, kx1 in _runs(ax):
                    with _for(code, "ox", x0, x1):
                        pixel(ky0, ky1, kx0, kx1)


# ---------------------------------------------------------------------------------------------
# element-wise add


@kernel(K.AddOp, name="mve-add", variant="mve", requires=MVE, applies=_add_applies,
        in_place=True, priority=PRIORITY)  # fmt: skip
def add_mve(op: K.AddOp, layer: Layer) -> None:
    """TFLite int8 ADD/SUB of equal shapes, four elements per vector (32-bit lanes)."""
    layer.runtime.add(RUNTIME)
    code = layer.code
    size = layer.size(op.output)
    ra, rb, ry = layer.ref(op.lhs), layer.ref(op.rhs), layer.ref(op.output)
    ls = int(op.prop("left_shift"))
    sign = int(op.prop("sign", 1))

    def scaled(var: str, k: int) -> None:
        off = int(op.prop(f"input{k}_offset"))
        if off:
            code(f"{var} = vaddq_n_s32({var}, {off});")
        if ls:
            code(f"{var} = vshlq_n_s32({var}, {ls});")
        code(f"{var} = vqrdmulhq_n_s32({var}, {int(op.prop(f'input{k}_multiplier'))});")
        s = int(op.prop(f"input{k}_shift"))
        if s < 0:
            code(f"{var} = ea_mve_rdbpot_n({var}, {s});")

    def body(pred: str | None) -> None:
        ld = "vldrbq_z_s32({}, " + pred + ")" if pred else "vldrbq_s32({})"
        code(f"int32x4_t va = {ld.format('pa')};")
        code(f"int32x4_t vb = {ld.format('pb')};")
        scaled("va", 1)
        scaled("vb", 2)
        code(f"int32x4_t v = {'vaddq_s32' if sign > 0 else 'vsubq_s32'}(va, vb);")
        code(f"v = vqrdmulhq_n_s32(v, {int(op.prop('output_multiplier'))});")
        s = int(op.prop("output_shift"))
        if s < 0:
            code(f"v = ea_mve_rdbpot_n(v, {s});")
        off = int(op.prop("output_offset"))
        if off:
            code(f"v = vaddq_n_s32(v, {off});")
        code(f"v = vmaxq_s32(v, vdupq_n_s32({op.prop('qmin')}));")
        code(f"v = vminq_s32(v, vdupq_n_s32({op.prop('qmax')}));")
        code(f"vstrbq_p_s32(py, v, {pred});" if pred else "vstrbq_s32(py, v);")

    with _scope(code):
        code(f"const int8_t *pa = {ra};")
        code(f"const int8_t *pb = {rb};")
        code(f"int8_t *py = {ry};")
        if size // 4:
            with code.block(f"for (int i = 0; i < {size // 4}; ++i)"):
                body(None)
                code(_advance("pa", 4), _advance("pb", 4), _advance("py", 4))
        if size % 4:
            with _scope(code):
                code(f"const mve_pred16_t p = vctp32q({size % 4});")
                body("p")


# ---------------------------------------------------------------------------------------------
# pooling


@kernel(K.AvgPool2dOp, K.MaxPool2dOp, name="mve-pool", variant="mve", requires=MVE,
        applies=_pool_applies, priority=PRIORITY, scratch=lambda op: 48)  # fmt: skip
def pool_mve(op: K.AvgPool2dOp | K.MaxPool2dOp, layer: Layer) -> None:
    """int8 average/max pooling without padding: channels in lanes (max: 16 int8 lanes; average:
    8 int16 lanes when the window sum fits, else 4 int32 lanes), TFLite's rounding division."""
    layer.runtime.add(RUNTIME)
    code = layer.code
    n_, ih, iw, c = _shape(op.input)
    _, oh, ow, _ = _shape(op.output)
    kh, kw = op.prop("kernel")
    sh, sw = op.prop("strides")
    xs, ys = layer.ref(op.input), layer.ref(op.output)
    lo, hi = int(op.prop("qmin")), int(op.prop("qmax"))
    avg = isinstance(op, K.AvgPool2dOp)
    count = kh * kw
    if not avg:
        lanes, ld, ctype = 16, "vldrbq{z}_s8", "int8x16_t"
    elif count * 128 <= 32767:
        lanes, ld, ctype = 8, "vldrbq{z}_s16", "int16x8_t"
    else:
        lanes, ld, ctype = 4, "vldrbq{z}_s32", "int32x4_t"
    suffix = {16: "s8", 8: "s16", 4: "s32"}[lanes]
    full, rem = c // lanes, c % lanes
    if rem:
        code(f"const mve_pred16_t prem = vctp{128 // lanes}q({rem});")

    def group(pred: bool) -> None:
        load = ld.format(z="_z" if pred else "")
        arg = ", prem" if pred else ""
        code(f"{ctype} acc = vdupq_n_{suffix}({0 if avg else -128});")
        with code.loop("ky", kh):
            code(f"const int8_t *xr = xc + ky * {iw * c};")
            with code.loop("kx", kw):
                code(
                    f"acc = {'vaddq' if avg else 'vmaxq'}_{suffix}(acc, {load}(xr + kx * {c}{arg}));"
                )
        if avg:
            code(f"int32_t s[{lanes}];")
            if lanes == 4:
                code("vstrwq_s32(s, acc);")
            else:
                code(f"int16_t s16[{lanes}];")
                code("vstrhq_s16(s16, acc);")
                with code.loop("l", lanes):
                    code("s[l] = s16[l];")
            h = count // 2
            with code.loop("l", rem if pred else lanes):
                code(f"int32_t v = s[l] > 0 ? (s[l] + {h}) / {count} : (s[l] - {h}) / {count};")
                code(f"v = v < {lo} ? {lo} : (v > {hi} ? {hi} : v);")
                code("yo[l] = (int8_t)v;")
        else:
            code(f"acc = vmaxq_s8(acc, vdupq_n_s8({lo}));")
            code(f"acc = vminq_s8(acc, vdupq_n_s8({hi}));")
            code("vstrbq_p_s8(yo, acc, prem);" if pred else "vstrbq_s8(yo, acc);")

    with code.loop("n", n_), code.loop("oy", oh), code.loop("ox", ow):
        code(f"const int8_t *xc = {xs} + ((n * {ih} + oy * {sh}) * {iw} + ox * {sw}) * {c};")
        code(f"int8_t *yo = {ys} + ((n * {oh} + oy) * {ow} + ox) * {c};")
        if full:
            with code.block(f"for (int g = 0; g < {full}; ++g)"):
                group(False)
                code(f"xc += {lanes};", f"yo += {lanes};")
        if rem:
            with _scope(code):
                group(True)


__all__ = ["add_mve", "conv2d_mve", "depthwise_mve", "fully_connected_mve", "pool_mve"]
