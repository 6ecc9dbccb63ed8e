"""Functional simulator of the DIMC NPU: a layer computed tile by tile on integer data.

`simulate_layer` executes one conv2d / depthwise / dense layer under a `Geometry` (the one
`mapping.geometry` defines, shared with the cost model and the verifier), exactly as the
mapping places it:

* for each cluster (`g.cluster_share`): its kernel rounds and its stripes; for each round,
  parallel group and depth block the chain's columns are loaded: every kernel of the group as
  `w_slices` columns (4-bit slices, least significant first: low slices unsigned, the top one
  signed for signed weights) times `copies` (copy `m` shifted by `m * stride_w` window
  columns, masked cells elsewhere), the block's rows in window order (`Geometry.row_of`,
  `Geometry.block_rows`), split over the chain's tiles in slices of `rows_per_chain_tile`;
* for each stripe of the cluster the feature windows of its output rows are streamed, one pass
  per group of `copies` adjacent outputs, as raw stored values (bit-serial: one pass per 4-bit
  feature slice), padding positions fed the input zero point (`+1` for `!nn.bin` features);
* each tile computes its columns' dot products over its rows at its precision (every value is
  checked to fit the tile precision: a model invariant), and its partial sums flow down the
  chain: tile `t` adds its sums to what tile `t - 1` passed on;
* the output unit shift-adds the weight slices and feature passes, keeps the sums of a depth
  block and adds the next block's, subtracts
  `input_zero_point * sum(kernel weights)` (precomputed per kernel; for `!nn.bin` features the
  padded taps' weights, precomputed per border position), adds the bias and requantizes with
  the fused activation exactly as the `nn` reference does (its own helpers: TFLite's integer
  output stage where the reference uses TFLM's kernel, `_requant_output` otherwise);
* stripes and rounds reassemble the output; every output is computed exactly once (checked).

A tile's dot products run as one matrix product per tile and feature pass over all passes of a
stripe (`[positions x tile rows] @ [tile rows x columns]`), in float32 when the tile precision
bounds every partial sum below 2**24 (exact), else float64.

Binary layers: `!nn.bin` features with `!nn.bin` weights run on 1-bit tiles in +-1 (xnor)
arithmetic; quantized features (e.g. `!nn.q<u1>`) take `!nn.bin` or low-bit `!nn.q` weights
(e.g. ternary `!nn.q<i2>`) as ordinary signed columns.

`run(module, inputs)` executes a whole function: `imc.layer` ops through the tiles, every other
op through the `nn` reference interpreter. Importing this module also registers the reference
semantics of `imc.layer` (its `to_nn()` equivalent) with the reference interpreter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation

from edgeai.backends.imc.dialect import LayerOp, layer_shape
from edgeai.backends.imc.mapping import Geometry
from edgeai.backends.imc.target import ImcTarget
from edgeai.dialects.nn_types import BinaryType, QuantType
from edgeai.reference import interpreter as interp
from edgeai.reference import nn_ops
from edgeai.reference import qkernels as qk
from edgeai.reference.interpreter import impl
from edgeai.support.errors import EdgeAIError

__all__ = ["simulate_layer", "tile_accumulate", "output_stage", "bit_slices", "run"]

#: float32 holds every integer below this exactly
_F32_EXACT = 1 << 24


# ---------------------------------------------------------------------------------------------
# values and precision


def bit_slices(v: np.ndarray, bits: int, slice_bits: int, signed: bool) -> list[np.ndarray]:
    """`v` (integers of `bits` bits) as `ceil(bits / slice_bits)` slices, least significant
    first: `v == sum(slice[i] << (slice_bits * i))`; low slices unsigned, the top one keeps the
    sign of `v` (arithmetic shift)."""
    n = math.ceil(bits / slice_bits)
    v = np.asarray(v, dtype=np.int64)
    if n == 1:
        return [v]
    mask = (1 << slice_bits) - 1
    low = [(v >> (slice_bits * i)) & mask for i in range(n - 1)]
    top = v >> (slice_bits * (n - 1))
    assert signed or top.min(initial=0) >= 0
    return [*low, top]


def _check_precision(v: np.ndarray, bits: int, signed: bool, binary: bool, what: str) -> None:
    """Assert that the values a tile receives fit its precision (a model invariant).

    Binary tiles take +-1 (and 0 for masked cells when `what` is weights); otherwise `bits`
    bits, two's complement when `signed`."""
    if not v.size:
        return
    lo, hi = int(v.min()), int(v.max())
    if binary:
        allowed = {-1, 0, 1} if what == "weights" else {-1, 1}
        ok = set(np.unique(v).tolist()) <= allowed
    elif signed:
        ok = -(1 << (bits - 1)) <= lo and hi <= (1 << (bits - 1)) - 1
    else:
        ok = 0 <= lo and hi <= (1 << bits) - 1
    assert ok, f"{what} [{lo}, {hi}] do not fit a {bits}-bit {'signed ' if signed else ''}tile"


class _Layer:
    """What the tiles need of one layer under geometry `g`: operand kinds, pad value, window."""

    def __init__(self, op: Operation, g: Geometry, target: ImcTarget):
        self.op, self.g, self.t = op, g, target
        s = g.shape
        self.kind = s.kind
        xt = op.operands[0].type.element_type
        wt = op.operands[1].type.element_type
        #: +-1 features (xnor arithmetic) / +-1 weight columns
        self.binary = isinstance(xt, BinaryType)
        self.w_binary = isinstance(wt, BinaryType)
        self.x_signed = isinstance(xt, BinaryType) or xt.is_signed
        self.w_signed = isinstance(wt, BinaryType) or wt.is_signed
        #: value fed at padded positions (and unused rows)
        self.pad_value = 1 if self.binary else xt.zero_point
        self.zero_point = 0 if self.binary else xt.zero_point
        if s.kind == "dense":
            self.strides, self.padding = (1, 1), (0, 0, 0, 0)
        else:
            self.strides = tuple(int(v) for v in op.prop("strides") or (1, 1))
            self.padding = tuple(int(v) for v in op.prop("padding") or (0, 0, 0, 0))
        self.multiplier = s.out_c // s.in_c if s.kind == "depthwise" else 1


# ---------------------------------------------------------------------------------------------
# features streamed into a stripe's chains


def _stripe_windows(lay: _Layer, x: np.ndarray, rows: range) -> tuple[np.ndarray, np.ndarray]:
    """(values, padded) of every pass of the output rows `rows`: `[len(rows) * passes_per_row,
    kh, window_w, C]`; pass `p` of output row `oy` reads input rows `oy * sh - top + ky` and
    columns `p * copies * sw - left + kx`; out-of-image positions hold the pad value."""
    g, s = lay.g, lay.g.shape
    sh, sw = lay.strides
    top, left = lay.padding[0], lay.padding[1]
    _, h, w, _ = x.shape
    iy = np.array(rows)[:, None] * sh - top + np.arange(s.kh)[None, :]  # [R, kh]
    ix = (
        np.arange(g.passes_per_row)[:, None] * g.mapping.copies * sw
        - left
        + np.arange(g.window_w)[None, :]
    )  # [P, ww]
    vy, vx = (iy >= 0) & (iy < h), (ix >= 0) & (ix < w)
    vals = x[0][np.clip(iy, 0, h - 1)[:, None, :, None], np.clip(ix, 0, w - 1)[None, :, None, :]]
    valid = vy[:, None, :, None] & vx[None, :, None, :]  # [R, P, kh, ww]
    vals = np.where(valid[..., None], vals, lay.pad_value)
    n = len(rows) * g.passes_per_row
    c = x.shape[3]
    return vals.reshape(n, s.kh, g.window_w, c), np.broadcast_to(
        ~valid.reshape(n, s.kh, g.window_w, 1), (n, s.kh, g.window_w, c)
    )


def _window_rows(g: Geometry) -> int:
    """Rows of a chain's whole kernel window: `kernel_rows` (all depth blocks), depthwise
    `rows_used` (its channel slots)."""
    return g.rows_used if g.shape.kind == "depthwise" else g.kernel_rows


def _blocks(g: Geometry) -> list[range]:
    """The depth blocks of the window rows, loaded and streamed one after the other."""
    if g.shape.kind == "depthwise":
        return [range(g.rows_used)]
    return [g.block_rows(d) for d in range(g.depth_splits)]


def _chain_features(lay: _Layer, win: tuple[np.ndarray, np.ndarray], kernels: range):
    """The window rows fed to a chain holding `kernels`: `[passes, rows]` values and a mask of
    padded positions (row order of `Geometry.row_of`; all depth blocks)."""
    g = lay.g
    vals, pad = win
    n = vals.shape[0]
    if lay.kind != "depthwise":  # row (ky * window_w + kx) * C + c; dense: row c
        return vals.reshape(n, g.kernel_rows), pad.reshape(n, g.kernel_rows)
    # depthwise: slot j holds the input channel of kernel kernels[j], block-diagonally
    chs = [k // lay.multiplier for k in kernels]
    f = np.full((n, g.rows_used), lay.pad_value, dtype=np.int64)
    m = np.zeros((n, g.rows_used), dtype=bool)
    used = len(chs) * g.kernel_rows
    f[:, :used] = vals[..., chs].transpose(0, 3, 1, 2).reshape(n, used)
    m[:, :used] = pad[..., chs].transpose(0, 3, 1, 2).reshape(n, used)
    return f, m


# ---------------------------------------------------------------------------------------------
# weights loaded into a chain


def _chain_weights(lay: _Layer, w: np.ndarray, kernels: range) -> np.ndarray:
    """The chain's weights `[window rows, kernels x copies]` before slicing (all depth blocks):
    kernel `i`, copy `m` in column `i * copies + m`; 0 where a column holds no tap (a masked
    cell)."""
    g, s = lay.g, lay.g.shape
    copies, sw = g.mapping.copies, lay.strides[1]
    ks = np.arange(kernels.start, kernels.stop)
    n = len(ks)
    if lay.kind == "dense":
        return w[ks].astype(np.int64).T
    if lay.kind == "conv2d":
        win = np.zeros((n, copies, s.kh, g.window_w, s.in_c), dtype=np.int64)
        for m in range(copies):
            win[:, m, :, m * sw : m * sw + s.kw, :] = w[ks]
        return win.reshape(n * copies, g.kernel_rows).T
    win = np.zeros((n, copies, s.kh, g.window_w), dtype=np.int64)
    kern = w[0][:, :, ks].transpose(2, 0, 1)  # [n, kh, kw]
    for m in range(copies):
        win[:, m, :, m * sw : m * sw + s.kw] = kern
    full = np.zeros((g.rows_used, n * copies), dtype=np.int64)
    kr = g.kernel_rows
    for i in range(n):
        full[i * kr : (i + 1) * kr, i * copies : (i + 1) * copies] = win[i].reshape(copies, kr).T
    return full


def _sliced_columns(lay: _Layer, full: np.ndarray) -> np.ndarray:
    """The chain's columns `(kernel, copy, slice)`, slice fastest, at the tile precision."""
    g, t = lay.g, lay.t
    slices = bit_slices(full, g.shape.w_bits, t.tile_max_bits, lay.w_signed)
    for i, sl in enumerate(slices):
        signed = lay.w_signed and i == len(slices) - 1
        _check_precision(sl, g.tile_w_bits, signed, lay.w_binary, "weights")
    return np.stack(slices, axis=-1).reshape(full.shape[0], -1)


# ---------------------------------------------------------------------------------------------
# one chain: tiles, partial sums, output unit


def _run_chain(
    lay: _Layer, feats: list[np.ndarray], cols: np.ndarray, block: int, rows: range
) -> np.ndarray:
    """Stream every pass of depth block `block` (window rows `rows`) through the chain's tiles;
    returns the chain's column sums per feature slice and pass `[a_passes, passes, columns]`
    as they leave the last tile."""
    g, t = lay.g, lay.t
    assert cols.shape[1] <= t.columns_per_tile, "more columns than a tile has"
    assert len(rows) <= g.mapping.chains * g.rows_per_tile, "the block does not fit the chain"
    out = []
    for fa in feats:  # bit-serial feature passes
        psum = np.zeros((fa.shape[0], cols.shape[1]), dtype=np.int64)
        for tile in range(g.mapping.chains):  # down the chain
            tr = g.chain_rows(tile, block)  # counted from the block's first row
            assert len(tr) <= g.rows_per_tile, "more rows than a tile has"
            if not len(tr):
                continue
            lo, hi = rows.start + tr.start, rows.start + tr.stop
            part = fa[:, lo:hi] @ cols[lo:hi]
            psum = psum + part.astype(np.int64)  # tile t adds its sums to what t-1 passed
        out.append(psum)
    return np.stack(out)


def _output_unit(lay: _Layer, psums: np.ndarray, n: int) -> np.ndarray:
    """Shift-add slices and passes: `[passes, n kernels, copies]` exact dot products of the
    streamed (raw) features with the kernels."""
    g, t = lay.g, lay.t
    a, p, _ = psums.shape
    v = psums.reshape(a, p, n, g.mapping.copies, g.w_slices)
    shift = t.tile_max_bits
    total = np.zeros((p, n, g.mapping.copies), dtype=np.int64)
    for ai in range(a):
        for si in range(g.w_slices):
            total += v[ai, :, :, :, si] << (shift * (ai + si))
    return total


def tile_accumulate(
    op: Operation, g: Geometry, target: ImcTarget, x: np.ndarray, w: np.ndarray
) -> np.ndarray:
    """The exact accumulator `sum((x - zero_point) * w)` (padded taps 0, no bias) of layer `op`
    (imc.layer or nn conv2d / depthwise_conv2d / dense) computed tile by tile under `g`;
    shape `[out_h, out_w, out_c]`."""
    lay = _Layer(op, g, target)
    s, m = g.shape, g.mapping
    x = np.asarray(x).astype(np.int64)
    w = np.asarray(w).astype(np.int64)
    if s.kind == "dense":
        x = x.reshape(1, 1, 1, s.in_c)
    acc = np.zeros((s.out_h, s.out_w, s.out_c), dtype=np.int64)
    done = np.zeros(acc.shape, dtype=np.int64)
    # bound of one tile's partial sums -> float32 matmuls are exact below 2**24
    bound = g.rows_per_tile * (1 << g.tile_a_bits) * (1 << g.tile_w_bits)
    dtype = np.float32 if bound < _F32_EXACT else np.float64
    # output-unit constants, per kernel: zero_point * sum of its weights
    wsum = w.reshape(-1, s.out_c).sum(axis=0) if s.kind == "depthwise" else None
    if wsum is None:
        wsum = w.reshape(s.out_c, -1).sum(axis=1)
    chains: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    windows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    streams: dict[tuple, tuple[list[np.ndarray], np.ndarray]] = {}

    def chain(r: int, q: int) -> tuple[np.ndarray, np.ndarray]:
        """(weights, sliced columns) of round r, group q: what each depth block of the chain
        loads, the same in every stripe and cluster (broadcast)."""
        if (r, q) not in chains:
            full = _chain_weights(lay, w, g.kernels_of(r, q))
            chains[r, q] = full, _sliced_columns(lay, full).astype(dtype)
        return chains[r, q]

    def stream(stripe: int, rows: range, kernels: range) -> tuple[list[np.ndarray], np.ndarray]:
        """(feature slices, padded mask) streamed into a chain of `stripe` holding `kernels`
        (the same for every chain of the stripe, except depthwise: its kernels' channels)."""
        key = (stripe, kernels.start) if s.kind == "depthwise" else (stripe,)
        if key not in streams:
            if stripe not in windows:
                windows[stripe] = _stripe_windows(lay, x, rows)
            f, padded = _chain_features(lay, windows[stripe], kernels)
            if s.kind != "depthwise":  # streamed once per stripe
                del windows[stripe]
            slices = bit_slices(f, s.a_bits, target.tile_max_bits, lay.x_signed)
            for i, fa in enumerate(slices):
                signed = lay.x_signed and i == len(slices) - 1
                _check_precision(fa, g.tile_a_bits, signed, lay.binary, "features")
            streams[key] = [fa.astype(dtype) for fa in slices], padded
        return streams[key]

    for cluster in range(m.clusters):
        rounds, stripes = g.cluster_share(cluster)
        for stripe in stripes:
            rows = g.stripe_rows_of(stripe)
            if not len(rows):
                continue
            for r in rounds:
                for q in range(m.parallel):
                    kernels = g.kernels_of(r, q)
                    if not len(kernels):
                        continue
                    full, cols = chain(r, q)
                    feats, padded = stream(stripe, rows, kernels)
                    n = len(kernels)
                    vals = np.zeros((feats[0].shape[0], n, m.copies), dtype=np.int64)
                    for d, block in enumerate(_blocks(g)):  # one weight load per block
                        psums = _run_chain(lay, feats, cols, d, block)
                        vals += _output_unit(lay, psums, n)  # kept across blocks
                    if lay.binary:  # +1 fed at padded taps: subtract their weights
                        corr = padded.astype(np.float64) @ full.astype(np.float64)
                        vals -= corr.astype(np.int64).reshape(vals.shape)
                    else:
                        vals -= lay.zero_point * wsum[kernels.start : kernels.stop][None, :, None]
                    # [R * P, n, copies] -> output rows `rows`, columns p * copies + m
                    vals = vals.reshape(len(rows), g.passes_per_row, n, m.copies)
                    vals = vals.transpose(0, 1, 3, 2).reshape(len(rows), -1, n)[:, : s.out_w]
                    acc[rows.start : rows.stop, :, kernels.start : kernels.stop] = vals
                    done[rows.start : rows.stop, :, kernels.start : kernels.stop] += 1
    assert (done == 1).all(), "the mapping does not compute every output exactly once"
    return acc


# ---------------------------------------------------------------------------------------------
# output unit: bias, requantization, activation (the reference's own arithmetic)


def output_stage(op: Operation, acc: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """Bias, requantization and fused activation of the exact accumulator `acc` (shaped like
    the result, no bias) as the `nn` reference computes them for `op` (nn conv-family op or
    imc.layer): TFLite's integer output stage (int32 accumulator, per-channel fixed-point
    multiplier) where the reference runs TFLM's kernel, `_requant_output` otherwise."""
    xt, wt = op.operands[0].type.element_type, op.operands[1].type.element_type
    yt = op.results[0].type.element_type
    n = acc.shape[-1]
    tfl = None if isinstance(wt, BinaryType) else nn_ops._tflite_conv_params(op)
    if tfl is None:
        total = acc if b is None else acc + np.asarray(b).astype(np.int64)
        return nn_ops._requant_output(op, total.astype(np.float64), n)
    assert isinstance(xt, QuantType) and isinstance(yt, QuantType)
    kind = layer_shape(op).kind
    sw = tfl["sw"]
    if kind == "dense" and not isinstance(sw, np.ndarray):
        mult, shift = qk._fc_per_tensor_multiplier(tfl["sx"], sw, tfl["sy"])
    else:
        mult, shift = qk.conv_output_multipliers(tfl["sx"], sw, tfl["sy"], n)
    bias = nn_ops._bias_storage(b, xt.width)
    is16 = xt.width == 16
    wide = is16 and (bias is None or bias.dtype != np.int32)
    lo, hi = qk._act_bounds(xt.storage_dtype(), tfl["qmin"], tfl["qmax"])
    out = qk._finish_accumulator(
        acc, bias, mult, shift, tfl["zy"], lo, hi, wide=wide, add_output_offset=not is16
    )
    return out.astype(yt.storage_dtype())


def simulate_layer(
    op: Operation,
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    g: Geometry | None = None,
    target: ImcTarget | None = None,
) -> np.ndarray:
    """The stored result of layer `op` on stored input `x`, weights `w` and bias `b`, computed
    by the tiles under geometry `g`.

    `op` is an imc.layer (`g` and `target` default to its mapping and tile limits) or an nn
    conv2d / depthwise_conv2d / dense op (then `g` and `target` are required)."""
    if target is None:
        if not isinstance(op, LayerOp):
            raise EdgeAIError(f"simulate_layer: '{op.name}' needs a target and a geometry")
        target = op.target()
    if g is None:
        if not isinstance(op, LayerOp):
            raise EdgeAIError(f"simulate_layer: '{op.name}' needs a geometry")
        g = op.geometry()
    acc = tile_accumulate(op, g, target, x, w)
    y_shape = tuple(op.results[0].type.get_shape())
    return output_stage(op, acc.reshape(y_shape), b)


# ---------------------------------------------------------------------------------------------
# whole functions


@impl(LayerOp)
def reference_layer(op: LayerOp, x, w, b=None):
    """Reference semantics of imc.layer: its `to_nn()` equivalent run by the nn reference."""
    nn_op = op.to_nn()
    try:
        return nn_ops._conv_family(nn_op, x, w, b)
    finally:
        nn_op.erase()


def run(
    module: ModuleOp,
    inputs: Mapping[str, Any] | None = None,
    *,
    seed: int = 0,
    trace: Callable[[Operation, list], None] | None = None,
) -> dict[str, np.ndarray]:
    """Run the module's entry function with imc.layer ops on the tiles (`simulate_layer`) and
    every other op by the nn reference; named inputs as `reference.interpreter.run` takes them
    (seeded random inputs when None), `trace` called after every op with its results."""
    return interp.run(module, inputs, seed=seed, trace=trace, impls={LayerOp: simulate_layer})
