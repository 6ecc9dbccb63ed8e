"""Pooling and mean as loop nests.

Pooling windows are clipped to the image: the window loops run from `max(0, -start)` to
`min(k, size - start)` (dynamic `scf.for` bounds), so padding is never read and never counted.
Integer average pooling divides the i32 sum by the count with TFLite's rounding (half away from
zero, C division); float average pooling sums in f64 as the reference does. Max pooling starts
from the type's lowest value (-inf for floats).
"""

from __future__ import annotations

from xdsl.dialects.builtin import f32, f64, i32
from xdsl.ir import SSAValue

from edgeai.dialects import kernel as K
from edgeai.lowering.kernel_to_loops.builder import LoopBuilder, elt_of, int_range, shape_of
from edgeai.lowering.kernel_to_loops.common import float_act, require_int, unsupported
from edgeai.lowering.kernel_to_loops.fixedpoint import mbqm


def _window_counts_ok(size: int, out: int, k: int, s: int, pad: int) -> bool:
    """Every window along one axis overlaps the image."""
    return all(min(k, size - (o * s - pad)) - max(0, pad - o * s) > 0 for o in range(out))


def _bounds(
    b: LoopBuilder, start: SSAValue, size: int, out: int, k: int, s: int, pad: int
) -> tuple[SSAValue | int, SSAValue | int]:
    """Window range `[max(0, -start), min(k, size - start))`, static where the geometry
    guarantees it (no padding before / the last window ends inside the image)."""
    lo: SSAValue | int = b.maxs(b.sub(0, start), 0) if pad else 0
    hi: SSAValue | int = k if (out - 1) * s - pad + k <= size else b.mins(b.sub(size, start), k)
    return lo, hi


def _count(
    b: LoopBuilder,
    ylo: SSAValue | int,
    yhi: SSAValue | int,
    xlo: SSAValue | int,
    xhi: SSAValue | int,
) -> SSAValue | int:
    """Number of taps of a clipped window (a Python int when static)."""

    def span(lo: SSAValue | int, hi: SSAValue | int) -> SSAValue | int:
        if isinstance(lo, int) and isinstance(hi, int):
            return hi - lo
        return b.sub(hi, lo)

    sy, sx = span(ylo, yhi), span(xlo, xhi)
    if isinstance(sy, int) and isinstance(sx, int):
        return sy * sx
    return b.mul(sy, sx)


def pool2d(b: LoopBuilder, op: K.AvgPool2dOp | K.MaxPool2dOp) -> None:
    """`kernel.avg_pool2d` / `kernel.max_pool2d` (NHWC, windows clipped to the image)."""
    x, y = op.input, op.output
    avg = isinstance(op, K.AvgPool2dOp)
    quant = op.quantized
    if quant:
        require_int(op, x, y)
    n_, h, w, c = shape_of(x)
    _, oh, ow, _ = shape_of(y)
    kh, kw = op.prop("kernel")
    sh, sw = op.prop("strides")
    pt, pl, _, _ = op.prop("padding")
    if avg and not (_window_counts_ok(h, oh, kh, sh, pt) and _window_counts_ok(w, ow, kw, sw, pl)):
        raise unsupported(op, "a pooling window lies entirely in the padding")
    et = elt_of(x)
    if quant:
        acc_t = i32
        init: float | int = 0 if avg else int_range(et)[0]
    else:
        acc_t = f64 if avg else f32
        init = 0.0 if avg else float("-inf")

    def point(b: LoopBuilder, ivs: list[SSAValue]) -> None:
        n, oy, ox, ch = ivs
        iy0 = b.sub(b.mul(oy, sh), pt)
        ix0 = b.sub(b.mul(ox, sw), pl)
        ky_lo, ky_hi = _bounds(b, iy0, h, oh, kh, sh, pt)
        kx_lo, kx_hi = _bounds(b, ix0, w, ow, kw, sw, pl)

        def tap(b: LoopBuilder, ky: SSAValue, kx: SSAValue, acc: SSAValue) -> SSAValue:
            v = b.load(x, [n, b.add(iy0, ky), b.add(ix0, kx), ch])
            if quant:
                v = b.i32(v)
                return b.add(acc, v) if avg else b.maxs(acc, v)
            return b.addf(acc, b.extf(v, f64)) if avg else b.maxf(acc, v)

        acc = b.for_(
            ky_lo,
            ky_hi,
            lambda b, ky, acc: b.for_(
                kx_lo, kx_hi, lambda b, kx, acc: [tap(b, ky, kx, acc)], [acc], hint="kx"
            ),
            [b.const(init, acc_t)],
            hint="ky",
        )[0]
        if avg:
            count = _count(b, ky_lo, ky_hi, kx_lo, kx_hi)
            if quant:
                cnt = b.index_to(count, i32) if isinstance(count, SSAValue) else count
                half = cnt // 2 if isinstance(cnt, int) else b.divs(cnt, 2)
                up = b.divs(b.add(acc, half), cnt)
                down = b.divs(b.sub(acc, half), cnt)
                acc = b.select(b.cmp("sgt", acc, 0), up, down)
            else:
                fcount = (
                    b.sitofp(b.index_to(count, i32), f64)
                    if isinstance(count, SSAValue)
                    else float(count)
                )
                acc = b.truncf(b.divf(acc, fcount), f32)
        if quant:
            out = b.sext(b.clamp(acc, int(op.prop("qmin")), int(op.prop("qmax"))), et)
        else:
            out = float_act(b, op, acc)
        b.store(out, y, [n, oy, ox, ch])

    b.nest([n_, oh, ow, c], point, ["n", "oy", "ox", "c"])


def mean(b: LoopBuilder, op: K.MeanOp) -> None:
    """`kernel.mean` over `axes`: TFLite's integer MEAN (i32 sum, + input_offset, one
    multiplier including 1/n, + output_offset, saturated to the output type), or an f64 mean."""
    x, y = op.input, op.output
    xs, ys = shape_of(x), shape_of(y)
    axes = sorted({a % len(xs) for a in op.prop("axes")})
    keep = [i for i in range(len(xs)) if i not in axes]
    quant = op.quantized
    if quant:
        require_int(op, x, y)
    count = 1
    for a in axes:
        count *= xs[a]

    def point(b: LoopBuilder, outer: list[SSAValue]) -> None:
        pos = dict(zip(keep, outer, strict=True))

        def reduce(b: LoopBuilder, inner: list[SSAValue], k: int, acc: SSAValue) -> SSAValue:
            if k == len(axes):
                full = {**pos, **dict(zip(axes, inner, strict=True))}
                v = b.load(x, [full[i] for i in range(len(xs))])
                return b.add(acc, b.i32(v)) if quant else b.addf(acc, b.extf(v, f64))
            return b.for_(
                0, xs[axes[k]], lambda b, iv, acc: [reduce(b, [*inner, iv], k + 1, acc)], [acc]
            )[0]

        acc = reduce(b, [], 0, b.const(0, i32 if quant else f64))
        if quant:
            shifted = b.add(acc, int(op.prop("input_offset")))
            v = b.add(mbqm(b, shifted, int(op.prop("multiplier")), int(op.prop("shift"))),
                      int(op.prop("output_offset")))  # fmt: skip
            lo, hi = int_range(elt_of(y))
            out = b.sext(b.clamp(v, lo, hi), elt_of(y))  # type: ignore[arg-type]
        else:
            out = b.truncf(b.divf(acc, float(count)), f32)
        if len(ys) == len(xs):
            b.store(out, y, [pos.get(i, 0) for i in range(len(xs))])
        else:
            b.store(out, y, outer)

    b.nest([xs[i] for i in keep], point)


__all__ = ["mean", "pool2d"]
