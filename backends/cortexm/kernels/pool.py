"""Portable pooling and mean kernels (int8/int16 and float32).

Average pooling excludes the padding from the divisor and divides with TFLite's rounding (half
away from zero, C truncating division); max pooling ignores padded taps; the integer mean sums
the window and applies one multiplier that includes 1/n (TFLite Micro's MEAN).
"""

from __future__ import annotations

import math
from contextlib import ExitStack

from edgeai.backends.cortexm.cgen import f32_literal, index_expr, strides
from edgeai.dialects import kernel as K

from . import kernel
from .common import FLT_MAX, fclamp, plus, times, window_axes
from .layer import Layer


@kernel(K.AvgPool2dOp, K.MaxPool2dOp)
def pool2d(op: K.AvgPool2dOp | K.MaxPool2dOp, layer: Layer) -> None:
    """Average or max pooling over NHWC windows clipped to the input."""
    code = layer.code
    x, y = op.input, op.output
    n_, ih, iw, c = layer.shape(x)
    kh, kw = op.prop("kernel")
    ay, ax = window_axes(
        layer.shape(x), layer.shape(y), (kh, kw), op.prop("strides"), (1, 1), op.prop("padding")
    )
    avg = isinstance(op, K.AvgPool2dOp)
    xs, ys = layer.ref(x), layer.ref(y)
    ctx, cty = layer.ctype(x), layer.ctype(y)
    q = op.quantized
    clipped = any(op.prop("padding"))
    acc_type = "int32_t" if q else "float"
    if avg:
        init = "0" if q else "0.0f"
    else:
        init = str(layer.type_range(x)[0]) if q else f32_literal(-FLT_MAX)
    nb = "nb + " if n_ > 1 else ""
    pix = f"(n * {ay.out} + oy) * {ax.out} + ox" if n_ > 1 else f"oy * {ax.out} + ox"
    with ExitStack() as stack:
        if n_ > 1:
            stack.enter_context(code.loop("n", n_))
            code(f"const int nb = n * {ih * iw};")
        with code.loop("oy", ay.out):
            code(f"const int iy0 = {plus(times('oy', ay.stride), -ay.pad_before)};")
            if clipped:
                code("const int ky0 = iy0 < 0 ? -iy0 : 0;")
                code(f"const int ky1 = {ih} - iy0 < {kh} ? {ih} - iy0 : {kh};")
            with code.loop("ox", ax.out):
                code(f"const int ix0 = {plus(times('ox', ax.stride), -ax.pad_before)};")
                if clipped:
                    code("const int kx0 = ix0 < 0 ? -ix0 : 0;")
                    code(f"const int kx1 = {iw} - ix0 < {kw} ? {iw} - ix0 : {kw};")
                    if avg:
                        code("const int32_t count = (ky1 - ky0) * (kx1 - kx0);")
                    bounds = ("ky0", "ky1", "kx0", "kx1")
                else:
                    bounds = ("0", str(kh), "0", str(kw))
                count = "count" if clipped else str(kh * kw)
                code(f"const {ctx} *const xw = {xs} + ({nb}iy0 * {iw} + ix0) * {c};")
                code(f"{cty} *const yp = {ys} + ({pix}) * {c};")
                with code.loop("ch", c):
                    code(f"{acc_type} acc = {init};")
                    ky_loop = f"for (int ky = {bounds[0]}; ky < {bounds[1]}; ++ky)"
                    kx_loop = f"for (int kx = {bounds[2]}; kx < {bounds[3]}; ++kx)"
                    with code.block(ky_loop), code.block(kx_loop):
                        v = f"xw[(ky * {iw} + kx) * {c} + ch]"
                        if avg:
                            code(f"acc += {v};")
                        else:
                            code(f"acc = {v} > acc ? {v} : acc;")
                    if q:
                        lo, hi = op.prop("qmin"), op.prop("qmax")
                        if avg:
                            half = "count / 2" if clipped else str(kh * kw // 2)
                            code(
                                f"acc = acc > 0 ? (acc + {half}) / {count} "
                                f": (acc - {half}) / {count};"
                            )
                        code(f"yp[ch] = ({cty})ea_clamp(acc, {lo}, {hi});")
                    else:
                        if avg:
                            code(f"acc = acc / (float){count};")
                        fclamp(code, "acc", op)
                        code("yp[ch] = acc;")


@kernel(K.MeanOp)
def mean(op: K.MeanOp, layer: Layer) -> None:
    """Mean over `axes`: loops over the kept dimensions outside, the reduced ones inside."""
    code = layer.code
    x, y = op.input, op.output
    shape = layer.shape(x)
    axes = {a % len(shape) for a in op.prop("axes")}
    xst = strides(shape)
    kept = [d for d in range(len(shape)) if d not in axes]
    yst = strides([shape[d] for d in kept])
    n = math.prod(shape[d] for d in axes)
    xs, ys = layer.ref(x), layer.ref(y)
    cty = layer.ctype(y)
    q = op.quantized
    with ExitStack() as stack:
        for d in kept:
            if shape[d] > 1:
                stack.enter_context(code.loop(f"k{d}", shape[d]))
        code(f"{'int32_t' if q else 'float'} acc = {'0' if q else '0.0f'};")
        with ExitStack() as inner:
            for d in sorted(axes):
                if shape[d] > 1:
                    inner.enter_context(code.loop(f"r{d}", shape[d]))
            terms = [(f"k{d}", xst[d]) for d in kept if shape[d] > 1]
            terms += [(f"r{d}", xst[d]) for d in sorted(axes) if shape[d] > 1]
            code(f"acc += {xs}[{index_expr(terms)}];")
        out = index_expr([(f"k{d}", yst[i]) for i, d in enumerate(kept) if shape[d] > 1])
        if q:
            lo, hi = layer.type_range(y)
            core = f"ea_mbqm({plus('acc', op.prop('input_offset'))}, "
            core += f"{op.prop('multiplier')}, {op.prop('shift')})"
            code(
                f"{ys}[{out}] = ({cty})ea_clamp({plus(core, op.prop('output_offset'))}, {lo}, {hi});"
            )
        else:
            code(f"{ys}[{out}] = acc / {f32_literal(float(n))};")
