"""Shape rules of the `onnx` dialect ops (NCHW, newest-opset semantics).

Each rule takes the operand shapes (None for absent optional operands), the op's attributes as
Python values, and the values of operands that are constants (None when not constant); it
returns the result shapes, or None when they depend on a non-constant operand's value.
The importer types results with these rules and the verifier checks results against them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from xdsl.utils.exceptions import VerifyException

from edgeai.dialects.common import broadcast_shapes, normalize_axis, shape_str

Shape = tuple[int, ...]
Shapes = list[Shape | None]
Attrs = dict[str, Any]
Consts = list[np.ndarray | None]
Rule = Callable[[Shapes, Attrs, Consts], list[Shape] | None]


def _need(cond: bool, msg: str) -> None:
    if not cond:
        raise VerifyException(msg)


def same(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape]:
    assert shapes[0] is not None
    return [shapes[0]]


def broadcast(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape]:
    return [broadcast_shapes(*[s for s in shapes if s is not None])]


def conv_output_size(
    size: int,
    k: int,
    stride: int,
    dil: int,
    pad_begin: int,
    pad_end: int,
    auto_pad: str,
    ceil: bool = False,
) -> int:
    """Output length of a conv/pool window along one axis, ONNX rules."""
    _need(
        stride >= 1 and dil >= 1 and k >= 1,
        f"kernel {k}, stride {stride}, dilation {dil} must be >= 1",
    )
    span = dil * (k - 1) + 1
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        return -(-size // stride)
    if auto_pad == "VALID":
        _need(size >= span, f"window {span} larger than input {size}")
        return (size - span) // stride + 1
    padded = size + pad_begin + pad_end
    _need(padded >= span, f"window {span} larger than padded input {padded}")
    if ceil:
        out = -(-(padded - span) // stride) + 1
        # the last window must start inside the input or the leading padding
        if (out - 1) * stride >= size + pad_begin:
            out -= 1
        return out
    return (padded - span) // stride + 1


def same_pads(size: int, k: int, stride: int, dil: int, auto_pad: str) -> tuple[int, int]:
    """(begin, end) padding implied by SAME_UPPER / SAME_LOWER."""
    out = -(-size // stride)
    total = max(0, (out - 1) * stride + dil * (k - 1) + 1 - size)
    small, big = total // 2, total - total // 2
    return (small, big) if auto_pad == "SAME_UPPER" else (big, small)


def _window(x: Shape, kernel: Sequence[int], attrs: Attrs, ceil: bool = False) -> list[int]:
    n = len(kernel)
    _need(len(x) == n + 2, f"input {shape_str(x)} must have rank {n + 2} for a {n}-D window")
    strides = attrs.get("strides") or [1] * n
    dils = attrs.get("dilations") or [1] * n
    pads = attrs.get("pads") or [0] * (2 * n)
    _need(
        len(strides) == n and len(dils) == n and len(pads) == 2 * n,
        "strides/dilations/pads length mismatch",
    )
    ap = attrs.get("auto_pad", "NOTSET")
    return [
        conv_output_size(x[2 + i], kernel[i], strides[i], dils[i], pads[i], pads[i + n], ap, ceil)
        for i in range(n)
    ]


def conv(xi: int = 0, wi: int = 1) -> Rule:
    def rule(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape]:
        x, w = shapes[xi], shapes[wi]
        assert x is not None and w is not None
        g = attrs.get("group", 1)
        _need(len(w) == len(x), f"weight {shape_str(w)} and input {shape_str(x)} ranks differ")
        _need(x[1] == w[1] * g, f"input channels {x[1]} != weight channels {w[1]} x group {g}")
        _need(w[0] % g == 0, f"output channels {w[0]} not divisible by group {g}")
        kernel = attrs.get("kernel_shape") or list(w[2:])
        _need(
            list(kernel) == list(w[2:]),
            f"kernel_shape {list(kernel)} != weight spatial dims {list(w[2:])}",
        )
        return [(x[0], w[0], *_window(x, kernel, attrs))]

    return rule


def conv_transpose(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape]:
    x, w = shapes[0], shapes[1]
    assert x is not None and w is not None
    g = attrs.get("group", 1)
    n = len(x) - 2
    _need(
        len(w) == len(x) and w[0] == x[1],
        f"weight {shape_str(w)} does not match input {shape_str(x)}",
    )
    kernel = attrs.get("kernel_shape") or list(w[2:])
    strides = attrs.get("strides") or [1] * n
    dils = attrs.get("dilations") or [1] * n
    pads = attrs.get("pads") or [0] * (2 * n)
    opad = attrs.get("output_padding") or [0] * n
    out_shape = attrs.get("output_shape")
    if out_shape:
        spatial = list(out_shape[-n:])
    elif attrs.get("auto_pad", "NOTSET") in ("SAME_UPPER", "SAME_LOWER"):
        spatial = [x[2 + i] * strides[i] for i in range(n)]
    else:
        spatial = [
            strides[i] * (x[2 + i] - 1)
            + opad[i]
            + (kernel[i] - 1) * dils[i]
            + 1
            - pads[i]
            - pads[i + n]
            for i in range(n)
        ]
    return [(x[0], w[1] * g, *spatial)]


def conv_transpose_padding(x: Shape, out_spatial: Sequence[int], attrs: Attrs) -> list[int]:
    """[begin..., end...] amounts a ConvTranspose crops from its full output
    `(in - 1) * stride + dilation * (k - 1) + 1` (negative: extends), `output_padding` included.

    With `auto_pad` SAME the total is split as the ONNX spec says: SAME_UPPER puts
    `total // 2` first, SAME_LOWER `total - total // 2` (floor division). With `output_shape`
    and no auto_pad, a larger output extends at the end (as ONNX's reference and onnxruntime
    do) and a smaller one is cropped as the spec says (`total - total // 2` first).
    """
    n = len(x) - 2
    kernel = attrs["kernel_shape"]
    strides = attrs.get("strides") or [1] * n
    dils = attrs.get("dilations") or [1] * n
    opad = attrs.get("output_padding") or [0] * n
    full = [(x[2 + i] - 1) * strides[i] + dils[i] * (kernel[i] - 1) + 1 for i in range(n)]
    ap = attrs.get("auto_pad", "NOTSET")
    if attrs.get("output_shape") is not None or ap in ("SAME_UPPER", "SAME_LOWER"):
        totals = [full[i] + opad[i] - out_spatial[i] for i in range(n)]
        if ap == "SAME_UPPER":
            begins = [t // 2 for t in totals]
        elif ap == "SAME_LOWER":
            begins = [t - t // 2 for t in totals]
        else:
            begins = [max(0, t - t // 2) for t in totals]
        ends = [totals[i] - begins[i] for i in range(n)]
    else:
        pads = list(attrs.get("pads") or [0] * (2 * n))
        begins, ends = pads[:n], pads[n:]
    return begins + [ends[i] - opad[i] for i in range(n)]


def pool(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape]:
    x = shapes[0]
    assert x is not None
    out = [(x[0], x[1], *_window(x, attrs["kernel_shape"], attrs, bool(attrs.get("ceil_mode", 0))))]
    return out


def global_pool(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape]:
    x = shapes[0]
    assert x is not None
    _need(len(x) >= 3, "global pooling needs an input of rank >= 3")
    return [(x[0], x[1], *([1] * (len(x) - 2)))]


def gemm(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape]:
    a, b = shapes[0], shapes[1]
    assert a is not None and b is not None
    _need(len(a) == 2 and len(b) == 2, "Gemm operands must be matrices")
    m, k = (a[1], a[0]) if attrs.get("transA") else a
    k2, n = (b[1], b[0]) if attrs.get("transB") else b
    _need(k == k2, f"Gemm inner dimensions differ: {k} vs {k2}")
    if shapes[2] is not None:
        broadcast_shapes((m, n), shapes[2])
    return [(m, n)]


def matmul(ai: int = 0, bi: int = 1) -> Rule:
    def rule(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape]:
        a, b = shapes[ai], shapes[bi]
        assert a is not None and b is not None
        _need(len(a) >= 1 and len(b) >= 1, "MatMul operands must have rank >= 1")
        a2 = (1, *a) if len(a) == 1 else a
        b2 = (*b, 1) if len(b) == 1 else b
        _need(a2[-1] == b2[-2], f"MatMul inner dimensions differ: {shape_str(a)} x {shape_str(b)}")
        out = [*broadcast_shapes(a2[:-2], b2[:-2]), a2[-2], b2[-1]]
        if len(b) == 1:
            out.pop(-1)
        if len(a) == 1:
            out.pop(-2 if len(b) != 1 else -1)
        return [tuple(out)]

    return rule


def concat(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape]:
    ss = [s for s in shapes if s is not None]
    _need(bool(ss), "Concat needs inputs")
    rank = len(ss[0])
    ax = normalize_axis(attrs["axis"], rank)
    for s in ss:
        _need(
            len(s) == rank and all(s[i] == ss[0][i] for i in range(rank) if i != ax),
            f"Concat inputs {shape_str(ss[0])} and {shape_str(s)} differ off axis {ax}",
        )
    out = list(ss[0])
    out[ax] = sum(s[ax] for s in ss)
    return [tuple(out)]


def reshape(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape] | None:
    x = shapes[0]
    assert x is not None
    target = consts[1]
    if target is None:
        return None
    target = [int(v) for v in np.asarray(target).ravel()]
    allowzero = attrs.get("allowzero", 0)
    out: list[int] = []
    for i, d in enumerate(target):
        if d == 0 and not allowzero:
            _need(i < len(x), f"Reshape: 0 at position {i} copies a missing input dimension")
            out.append(x[i])
        else:
            out.append(d)
    total = math.prod(x)
    if -1 in out:
        _need(out.count(-1) == 1, "Reshape: at most one -1 allowed")
        known = math.prod(d for d in out if d != -1)
        _need(
            known > 0 and total % known == 0,
            f"Reshape: cannot infer -1 for {shape_str(x)} -> {target}",
        )
        out[out.index(-1)] = total // known
    _need(
        math.prod(out) == total, f"Reshape from {shape_str(x)} to {out} changes the element count"
    )
    return [tuple(out)]


def flatten(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape]:
    x = shapes[0]
    assert x is not None
    ax = attrs.get("axis", 1)
    ax = ax + len(x) if ax < 0 else ax
    _need(0 <= ax <= len(x), f"Flatten axis {attrs.get('axis')} out of range")
    return [(math.prod(x[:ax]), math.prod(x[ax:]))]


def transpose(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape]:
    x = shapes[0]
    assert x is not None
    perm = attrs.get("perm") or list(reversed(range(len(x))))
    _need(
        sorted(perm) == list(range(len(x))),
        f"perm {list(perm)} is not a permutation of rank {len(x)}",
    )
    return [tuple(x[p] for p in perm)]


def pad(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape] | None:
    x = shapes[0]
    assert x is not None
    pads = consts[1]
    if pads is None:
        return None
    pads = [int(v) for v in np.asarray(pads).ravel()]
    axes = consts[3] if len(consts) > 3 else None
    n = len(x)
    ax = (
        list(range(n))
        if axes is None or shapes[3] is None
        else [normalize_axis(int(a), n) for a in np.ravel(axes)]
    )
    _need(len(pads) == 2 * len(ax), f"Pad: {len(pads)} pads for {len(ax)} axes")
    out = list(x)
    for j, a in enumerate(ax):
        out[a] += pads[j] + pads[j + len(ax)]
    _need(all(d >= 0 for d in out), "Pad gives a negative dimension")
    return [tuple(out)]


def slice_params(x: Shape, consts: Consts) -> tuple[list[int], list[int], list[int]] | None:
    """Normalized per-dimension (starts, ends, steps) of an ONNX Slice, None if not constant."""
    starts, ends = consts[1], consts[2]
    if starts is None or ends is None:
        return None
    axes = consts[3] if len(consts) > 3 else None
    steps = consts[4] if len(consts) > 4 else None
    n = len(x)
    starts_l = [int(v) for v in np.ravel(starts)]
    ends_l = [int(v) for v in np.ravel(ends)]
    axes_l = list(range(len(starts_l))) if axes is None else [int(v) for v in np.ravel(axes)]
    steps_l = [1] * len(starts_l) if steps is None else [int(v) for v in np.ravel(steps)]
    _need(
        len(starts_l) == len(ends_l) == len(axes_l) == len(steps_l),
        "Slice: starts/ends/axes/steps lengths differ",
    )
    s_all, e_all, st_all = [0] * n, list(x), [1] * n
    for s, e, a, st in zip(starts_l, ends_l, axes_l, steps_l, strict=True):
        a = normalize_axis(a, n, "Slice axis")
        _need(st != 0, "Slice step must not be 0")
        d = x[a]
        s = s + d if s < 0 else s
        e = e + d if e < 0 else e
        if st > 0:
            s = min(max(s, 0), d)
            e = min(max(e, 0), d)
        else:
            s = min(max(s, 0), d - 1)
            e = min(max(e, -1), d - 1)
        s_all[a], e_all[a], st_all[a] = s, e, st
    return s_all, e_all, st_all


def slice_(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape] | None:
    x = shapes[0]
    assert x is not None
    p = slice_params(x, consts)
    if p is None:
        return None
    return [tuple(len(range(s, e, st)) for s, e, st in zip(*p, strict=True))]


def split_sizes(x: Shape, attrs: Attrs, consts: Consts, n_results: int) -> list[int] | None:
    ax = normalize_axis(attrs.get("axis", 0), len(x))
    if len(consts) > 1 and consts[1] is not None:
        sizes = [int(v) for v in np.ravel(consts[1])]
        _need(sum(sizes) == x[ax], f"Split sizes {sizes} do not add up to {x[ax]}")
        return sizes
    n = attrs.get("num_outputs") or n_results
    _need(n >= 1, "Split needs at least one output")
    chunk = -(-x[ax] // n)
    sizes = [min(chunk, max(0, x[ax] - i * chunk)) for i in range(n)]
    return sizes


def squeeze(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape] | None:
    x = shapes[0]
    assert x is not None
    if shapes[1] is None:
        return [tuple(d for d in x if d != 1)]
    if consts[1] is None:
        return None
    axes = {normalize_axis(int(a), len(x), "Squeeze axis") for a in np.ravel(consts[1])}
    for a in axes:
        _need(x[a] == 1, f"Squeeze axis {a} has size {x[a]}, not 1")
    return [tuple(d for i, d in enumerate(x) if i not in axes)]


def unsqueeze(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape] | None:
    x = shapes[0]
    assert x is not None
    if consts[1] is None:
        return None
    n = len(x) + int(np.asarray(consts[1]).size)
    axes = sorted({normalize_axis(int(a), n, "Unsqueeze axis") for a in np.ravel(consts[1])})
    _need(len(axes) == np.asarray(consts[1]).size, "Unsqueeze axes must be unique")
    out, it = [], iter(x)
    for i in range(n):
        out.append(1 if i in axes else next(it))
    return [tuple(out)]


def reduce_axes(x: Shape, attrs: Attrs, consts: Consts) -> list[int] | None:
    """The reduced axes, [] for a no-op, None when the axes operand is not constant."""
    if len(consts) > 1 and consts[1] is not None and np.asarray(consts[1]).size:
        return sorted(
            {normalize_axis(int(a), len(x), "reduction axis") for a in np.ravel(consts[1])}
        )
    if len(consts) > 1 and consts[1] is None and attrs.get("_axes_operand", False):
        return None
    return [] if attrs.get("noop_with_empty_axes", 0) else list(range(len(x)))


def reduce(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape] | None:
    x = shapes[0]
    assert x is not None
    if shapes[1] is not None and consts[1] is None:
        return None
    axes = reduce_axes(x, attrs, consts)
    assert axes is not None
    keep = attrs.get("keepdims", 1)
    if keep:
        return [tuple(1 if i in axes else d for i, d in enumerate(x))]
    return [tuple(d for i, d in enumerate(x) if i not in axes)]


def gather(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape]:
    x, idx = shapes[0], shapes[1]
    assert x is not None and idx is not None
    ax = normalize_axis(attrs.get("axis", 0), len(x))
    return [(*x[:ax], *idx, *x[ax + 1 :])]


def resize_params(x: Shape, attrs: Attrs, consts: Consts) -> tuple[Shape, list[float]] | None:
    """(output shape, per-dimension scales) of an ONNX Resize; None when not constant.

    As ONNX: `sizes` (when present) give the output and the scales are `out / in`, or with a
    `keep_aspect_ratio_policy` other than `stretch` one common scale over `axes` and outputs
    `round_half_up(scale * in)`; otherwise `scales` give the output `floor(in * scale)`.
    """
    n = len(x)
    axes = [normalize_axis(a, n) for a in (attrs.get("axes") or range(n))]
    out = list(x)
    full = [1.0] * n
    sizes = consts[3] if len(consts) > 3 else None
    scales = consts[2] if len(consts) > 2 else None
    if sizes is not None and np.size(sizes) > 0:
        sz = [int(v) for v in np.ravel(sizes)]
        _need(len(sz) == len(axes), "Resize sizes must have one value per axis")
        policy = attrs.get("keep_aspect_ratio_policy", "stretch")
        if policy != "stretch":
            _need(
                policy in ("not_larger", "not_smaller"),
                f"unknown keep_aspect_ratio_policy '{policy}'",
            )
            pick = min if policy == "not_larger" else max
            s = pick(sz[j] / x[a] for j, a in enumerate(axes))
            for a in axes:
                full[a] = s
                out[a] = int(s * x[a] + 0.5)
        else:
            for j, a in enumerate(axes):
                out[a] = sz[j]
                full[a] = sz[j] / x[a] if x[a] else 1.0
        return tuple(out), full
    if scales is not None and np.size(scales) > 0:
        sc = [float(v) for v in np.ravel(scales)]
        _need(len(sc) == len(axes), "Resize scales must have one value per axis")
        _need(all(v > 0 for v in sc), "Resize scales must be > 0")
        for j, a in enumerate(axes):
            full[a] = sc[j]
            out[a] = int(math.floor(x[a] * sc[j]))
        return tuple(out), full
    return None


def resize(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape] | None:
    x = shapes[0]
    assert x is not None
    has_sizes = len(shapes) > 3 and shapes[3] is not None and math.prod(shapes[3]) > 0
    has_scales = shapes[2] is not None and math.prod(shapes[2]) > 0
    if not has_sizes and not has_scales:
        raise VerifyException("Resize needs scales or sizes")
    if (has_sizes and consts[3] is None) or (not has_sizes and consts[2] is None):
        return None
    p = resize_params(x, attrs, consts if has_sizes else [*consts[:3], None])
    assert p is not None
    return [p[0]]


def first(index: int) -> Rule:
    def rule(shapes: Shapes, attrs: Attrs, consts: Consts) -> list[Shape]:
        s = shapes[index]
        assert s is not None
        return [s]

    return rule
