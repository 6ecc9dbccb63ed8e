"""Portable data movement kernels: copy, transpose, concatenation, constant padding."""

from __future__ import annotations

import math
from contextlib import ExitStack

import numpy as np

from edgeai.backends.cortexm.cgen import index_expr, literal, strides
from edgeai.dialects import kernel as K

from . import kernel
from .layer import Layer


@kernel(K.CopyOp, in_place=True)
def copy(op: K.CopyOp, layer: Layer) -> None:
    """`memmove` of the bytes (the buffers may overlap)."""
    nbytes = layer.size(op.output) * layer.dtype(op.output).itemsize
    layer.code(f"memmove({layer.ref(op.output)}, {layer.ref(op.input)}, {nbytes}u);")


@kernel(K.TransposeOp)
def transpose(op: K.TransposeOp, layer: Layer) -> None:
    """Loops over the output in order, reading the input through permuted strides."""
    code = layer.code
    x, y = op.input, op.output
    xshape, yshape = layer.shape(x), layer.shape(y)
    perm = op.prop("perm")
    xst, yst = strides(xshape), strides(yshape)
    dims = [d for d in range(len(yshape)) if yshape[d] > 1]
    with ExitStack() as stack:
        for d in dims:
            stack.enter_context(code.loop(f"i{d}", yshape[d]))
        src = index_expr([(f"i{d}", xst[perm[d]]) for d in dims])
        dst = index_expr([(f"i{d}", yst[d]) for d in dims])
        code(f"{layer.ref(y)}[{dst}] = {layer.ref(x)}[{src}];")


@kernel(K.ConcatOp)
def concat(op: K.ConcatOp, layer: Layer) -> None:
    """For each outer index, each input's slab is copied after the previous one."""
    code = layer.code
    y = op.operands[-1]
    yshape = layer.shape(y)
    axis = op.prop("axis") % len(yshape)
    outer = math.prod(yshape[:axis])
    inner = math.prod(yshape[axis + 1 :])
    esize = layer.dtype(y).itemsize
    with ExitStack() as stack:
        if outer > 1:
            stack.enter_context(code.loop("o", outer))
        base = 0
        for i, v in enumerate(op.operands[:-1]):
            chunk = layer.shape(v)[axis] * inner
            if chunk == 0:
                continue
            dst_terms = [f"o * {yshape[axis] * inner}"] if outer > 1 else []
            dst_terms += [str(base)] if base else []
            dst = " + ".join([layer.ref(y), *dst_terms])
            src = layer.arg(i) + (f" + o * {chunk}" if outer > 1 else "")
            code(f"memcpy({dst}, {src}, {chunk * esize}u);")
            base += chunk


@kernel(K.PadOp)
def pad(op: K.PadOp, layer: Layer) -> None:
    """Fill the output with the pad value, then copy the input rows into place."""
    code = layer.code
    x, y = op.input, op.output
    xshape, yshape = layer.shape(x), layer.shape(y)
    pads = op.prop("pads")
    rank = len(xshape)
    ctype = layer.ctype(y)
    esize = layer.dtype(y).itemsize
    size = layer.size(y)
    rx, ry = layer.ref(x), layer.ref(y)
    value = op.prop("value") if op.quantized else op.prop("fvalue")
    raw = np.asarray([value], dtype=layer.dtype(y)).tobytes()
    if len(set(raw)) == 1:
        code(f"memset({ry}, {raw[0]}, {size * esize}u);")
    else:
        with code.loop("i", size):
            code(f"{ry}[i] = {literal(value, ctype)};")
    if layer.size(x) == 0:
        return
    xst, yst = strides(xshape), strides(yshape)
    start = sum(pads[d] * yst[d] for d in range(rank))
    dims = [d for d in range(rank - 1) if xshape[d] > 1]
    with ExitStack() as stack:
        for d in dims:
            stack.enter_context(code.loop(f"i{d}", xshape[d]))
        dst = index_expr([(f"i{d}", yst[d]) for d in dims])
        src = index_expr([(f"i{d}", xst[d]) for d in dims])
        dst = f"{start} + {dst}" if start else dst
        code(f"memcpy({ry} + {dst}, {rx} + {src}, {xshape[-1] * esize}u);")
