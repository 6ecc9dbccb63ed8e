"""The IMC tile simulator is bit-exact with the nn reference under every mapping; the `imc`
dialect prints, parses back and verifies the tile limits.

Random layers are written as nn-level MLIR text with random weights, run by the reference
interpreter, and simulated tile by tile under every mapping `mapping.geometry` accepts for
them (stripes x chains x parallel, copies, cluster stripes x cluster rounds; sampled beyond
`MAX_MAPPINGS`) and under forced odd ones. Precisions: features and weights of 1, 2, 3, 4
bits and 5..8 bits (bit slices / bit-serial passes). One bit means either `!nn.bin` features
and weights (xnor-popcount, +-1) or unsigned 1-bit features (`!nn.q<u1>`) with `!nn.bin` or
unsigned 1-bit (`!nn.q<u1>`, {0, 1}) weights; ternary weights are `!nn.q<i2>` (the nn
reference has no other 1-bit forms). Results are requantized (`!nn.q`, with or without
activation, TFLite or ONNX rounding; int8 x int8 -> int8 takes TFLite's integer kernel) or
plain i32 accumulators.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import math
import random
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.rewriter import Rewriter
from xdsl.utils.exceptions import VerifyException

from edgeai.backends.imc import sim
from edgeai.backends.imc.dialect import (
    HOST_ATTR,
    LayerOp,
    MappingAttr,
    ScheduleOp,
    TileAttr,
    layer_shape,
)
from edgeai.backends.imc.mapping import Mapping, MappingError, geometry
from edgeai.backends.imc.target import DIMC_18NM, ImcTarget
from edgeai.dialects import nn
from edgeai.reference import interpreter
from edgeai.support.errors import EdgeAIError
from edgeai.support.universe import EDGEAI_UNIVERSE

TARGET = DIMC_18NM
#: mappings simulated per random layer (all of them when there are fewer)
MAX_MAPPINGS = 300
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ctx() -> Context:
    ctx = Context()
    for name, factory in EDGEAI_UNIVERSE.all_dialects.items():
        ctx.register_dialect(name, factory)
    ctx.load_dialect(builtin.Builtin)
    ctx.load_dialect(func.Func)
    return ctx


def parse(text: str) -> builtin.ModuleOp:
    module = Parser(_ctx(), text).parse_module()
    module.verify()
    return module


def _dense_text(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a), separator=", ", threshold=10**9).replace("\n", "")


def _num(v: float) -> str:
    return repr(float(f"{v:.4g}"))


# ---------------------------------------------------------------------------------------------
# random layers as nn MLIR text


def _qtype(bits: int, signed: bool, scale: float, zp: int) -> str:
    return f"!nn.q<{'i' if signed else 'u'}{bits}, {_num(scale)}:{zp}>"


def _range(bits: int, signed: bool) -> tuple[int, int]:
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)


def draw_layer(data, kind: str) -> dict:
    """A random layer of `kind`: its MLIR text, input, weights and bias (stored values)."""
    d = data.draw
    rng = np.random.default_rng(d(st.integers(0, 2**32 - 1)))
    tflm = d(st.integers(0, 7)) == 0  # int8 x int8 -> int8: TFLite's integer kernel
    binary = not tflm and d(st.integers(0, 5)) == 0  # !nn.bin features and weights
    a_bits = 8 if tflm else 1 if binary else d(st.sampled_from([1, 2, 3, 4, 4, 5, 8]))
    w_bits = 8 if tflm else 1 if binary else d(st.sampled_from([1, 2, 3, 4, 4, 6, 8]))
    # features
    if binary:
        plain = d(st.booleans())
        xt, sx = ("!nn.bin", 1.0) if plain else ("!nn.bin<0.5>", 0.5)
        x_lo, x_hi = -1, 1
    else:
        x_signed = tflm or (a_bits > 1 and d(st.booleans()))
        x_lo, x_hi = _range(a_bits, x_signed)
        zx = d(st.integers(x_lo, x_hi))
        sx = d(st.sampled_from([0.02, 0.05, 0.3]))
        xt = _qtype(a_bits, x_signed, sx, zx)
    # shape
    if kind == "conv2d":
        deep = d(st.integers(0, 4)) == 0
        h, w_ = d(st.integers(1, 3 if deep else 6)), d(st.integers(1, 3 if deep else 6))
        c = d(st.integers(20, 40)) if deep else d(st.integers(1, 5))
        o = d(st.integers(1, 40))
    elif kind == "depthwise":
        h, w_, c = d(st.integers(1, 6)), d(st.integers(1, 6)), d(st.integers(1, 10))
        o = c * d(st.sampled_from([1, 1, 2]))
    else:
        h = w_ = 1
        c, o = d(st.integers(1, 300)), d(st.integers(1, 70))
    pads = (0, 0, 0, 0)
    kh = kw = 1
    strides = (1, 1)
    if kind != "dense":
        pads = tuple(d(st.integers(0, 2)) for _ in range(4))
        kh = d(st.integers(1, min(3, h + pads[0] + pads[2])))
        kw = d(st.integers(1, min(3, w_ + pads[1] + pads[3])))
        strides = (d(st.integers(1, 2)), d(st.integers(1, 2)))
    oh = (h + pads[0] + pads[2] - kh) // strides[0] + 1
    ow = (w_ + pads[1] + pads[3] - kw) // strides[1] + 1
    depth = kh * kw * (1 if kind == "depthwise" else c)
    # weights (and their real scales, to choose an output scale the results spread over)
    axis = 3 if kind == "depthwise" else 0
    wshape = {"conv2d": (o, kh, kw, c), "depthwise": (1, kh, kw, o), "dense": (o, c)}[kind]
    per_channel = d(st.booleans())
    if w_bits == 1 and (binary or d(st.booleans())):
        w_lo, w_hi = -1, 1
        sw = np.array([0.1 * (i % 3 + 1) for i in range(o)]) if per_channel else np.full(o, 0.25)
        alphas = ", ".join(_num(v) for v in sw)
        wt = f"!nn.bin<:{axis}, {{{alphas}}}>" if per_channel else "!nn.bin<0.25>"
        w = rng.choice(np.array([-1, 1]), size=wshape)
    else:
        w_signed = tflm or (w_bits > 1 and d(st.integers(0, 4)) > 0)
        w_lo, w_hi = _range(w_bits, w_signed)
        sw = np.array([0.05 * (i % 4 + 1) for i in range(o)]) if per_channel else np.full(o, 0.1)
        storage = f"{'i' if w_signed else 'u'}{w_bits}"
        if per_channel:
            pairs = ", ".join(f"{_num(v)}:0" for v in sw)
            wt = f"!nn.q<{storage}:{axis}, {{{pairs}}}>"
        else:
            wt = f"!nn.q<{storage}, 0.1:0>"
        w = rng.integers(w_lo, w_hi + 1, size=wshape)
    xshape = (1, c) if kind == "dense" else (1, h, w_, c)
    if binary:
        x = rng.choice(np.array([-1, 1]), size=xshape)
    else:
        x = rng.integers(x_lo, x_hi + 1, size=xshape)
    spread = math.sqrt(depth) * max(abs(x_lo), abs(x_hi), 1) * max(abs(w_lo), w_hi, 1)
    b = rng.integers(-int(spread), int(spread) + 1, size=(o,)) if d(st.booleans()) else None

    def text(yt: str, act: str | None, rounding: str | None) -> str:
        if kind == "dense":
            xs, ys = f"tensor<1x{c}x{xt}>", f"tensor<1x{o}x{yt}>"
        else:
            xs, ys = f"tensor<1x{h}x{w_}x{c}x{xt}>", f"tensor<1x{oh}x{ow}x{o}x{yt}>"
        ws = f"tensor<{'x'.join(map(str, wshape))}x{wt}>"
        props = []
        if kind != "dense":
            props += [
                f"strides = array<i64: {strides[0]}, {strides[1]}>",
                "dilations = array<i64: 1, 1>",
                f"padding = array<i64: {', '.join(map(str, pads))}>",
            ]
        if kind == "conv2d":
            props.append("groups = 1 : i64")
        if act:
            props.append(f"act = #nn.act<{act}>")
        if rounding:
            props.append(f'rounding = "{rounding}"')
        props.append('layer = "L"')
        op_name = {"conv2d": "nn.conv2d", "depthwise": "nn.depthwise_conv2d", "dense": "nn.dense"}
        operands, types = "%x, %w", f"{xs}, {ws}"
        lines = [f"  %w = nn.constant dense<{_dense_text(w)}> : {ws}"]
        if b is not None:
            bt = f"tensor<{o}x{'i32' if yt == 'i32' else '!nn.q<i32, 0.001:0>'}>"
            lines.append(f"  %b = nn.constant dense<{_dense_text(b)}> : {bt}")
            operands += ", %b"
            types += f", {bt}"
        lines.append(
            f"  %y = {op_name[kind]} {operands} {{{', '.join(props)}}} : ({types}) -> {ys}"
        )
        return (
            f"func.func @main(%x: {xs}) -> {ys} {{\n"
            + "\n".join(lines)
            + f"\n  func.return %y : {ys}\n}}\n"
        )

    # result: an i32 accumulator, or requantized with an output scale fitted to the results
    if not tflm and d(st.integers(0, 3)) == 0:
        src = text("i32", None, None)
    else:
        acc = interpreter.run(parse(text("i32", None, None)), {"x": x})["output_0"]
        real = acc * sx * sw  # channels last
        y_bits = 8 if tflm else d(st.sampled_from([4, 8]))
        y_signed = tflm or d(st.booleans())
        y_lo, y_hi = _range(y_bits, y_signed)
        spread_y = max(float(np.std(real)), float(np.abs(real).max()) / 4, 1e-3)
        sy = spread_y / (1 << (y_bits - 2)) * d(st.sampled_from([0.5, 1.0, 2.0]))
        quarter = (y_hi - y_lo) // 4
        zy = d(st.integers(y_lo + quarter, y_hi - quarter))
        clamp = f"clamp {_num(-(y_hi - y_lo) * sy / 5)}, {_num((y_hi - y_lo) * sy / 3)}"
        act = d(st.sampled_from([None, "relu", "relu6" if 6 / sy > 8 else "relu", clamp]))
        rounding = None if tflm else d(st.sampled_from([None, "onnx"]))
        src = text(_qtype(y_bits, y_signed, sy, zy), act, rounding)
    return {"text": src, "x": x, "w": w, "b": b, "seed": int(rng.integers(0, 2**31))}


#: depth splits enumerated (more blocks only repeat the same row slicing with fewer rows)
DEPTH_SPLITS = (1, 2, 3)


def legal_mappings(shape, target: ImcTarget = TARGET) -> list[Mapping]:
    """Every mapping `geometry` accepts for `shape` on `target` (depth splits up to 3)."""
    out = []
    t = target
    triples = [
        (s, c, p)
        for s, c, p in itertools.product(range(1, t.tiles_per_cluster + 1), repeat=3)
        if s * c * p <= t.tiles_per_cluster
    ]
    pairs = [
        (a, b)
        for a, b in itertools.product(range(1, t.clusters + 1), repeat=2)
        if a * b <= t.clusters
    ]
    for (s, c, p), copies, (cs, cr), d in itertools.product(
        triples, range(1, min(shape.out_w, t.columns_per_tile) + 1), pairs, DEPTH_SPLITS
    ):
        m = Mapping(s, c, p, copies, cs, cr, d)
        try:
            geometry(shape, m, target)
        except MappingError:
            continue
        out.append(m)
    return out


def _sample(mappings: list[Mapping], seed: int) -> list[Mapping]:
    if len(mappings) <= MAX_MAPPINGS:
        return mappings
    return random.Random(seed).sample(mappings, MAX_MAPPINGS)


def check_layer(case: dict) -> int:
    """Simulate the layer under its legal mappings; each bit-exact with the reference."""
    module = parse(case["text"])
    x, w, b = case["x"], case["w"], case["b"]
    ref = interpreter.run(module, {"x": x})["output_0"]
    op = next(
        o for o in module.walk() if isinstance(o, nn.Conv2dOp | nn.DepthwiseConv2dOp | nn.DenseOp)
    )
    shape = layer_shape(op)
    mappings = legal_mappings(shape)
    assert mappings, f"no legal mapping for {shape}"
    wv = op.weight.owner.to_numpy()
    bv = None if op.bias is None else op.bias.owner.to_numpy()
    for m in _sample(mappings, case["seed"]):
        g = geometry(shape, m, TARGET)
        y = sim.simulate_layer(op, x, wv, bv, g, TARGET)
        assert y.dtype == ref.dtype
        assert np.array_equal(y, ref), f"{m} differs from the reference for {shape}"
    # the imc.layer of the first and last mapping: verifies, and its simulation is the same
    for m in (mappings[0], mappings[-1]):
        layer = LayerOp.from_nn(op, m, TARGET)
        layer.verify()
        assert np.array_equal(sim.simulate_layer(layer, x, wv, bv), ref)
        layer.erase()
    assert np.array_equal(wv, w) and (b is None or np.array_equal(bv, b))
    return len(mappings)


@SETTINGS
@given(data=st.data())
def test_conv2d_bit_exact_under_every_mapping(data):
    check_layer(draw_layer(data, "conv2d"))


@SETTINGS
@given(data=st.data())
def test_depthwise_bit_exact_under_every_mapping(data):
    check_layer(draw_layer(data, "depthwise"))


@SETTINGS
@given(data=st.data())
def test_dense_bit_exact_under_every_mapping(data):
    check_layer(draw_layer(data, "dense"))


# ---------------------------------------------------------------------------------------------
# forced odd mappings


def _conv_module(
    h: int, c: int, o: int, k: int, stride: int, w_bits: int, kind: str = "conv2d", seed: int = 0
):
    """A padded k x k conv2d / depthwise layer with u4 features and i{w_bits} weights."""
    rng = np.random.default_rng(seed)
    pad = k // 2
    oh = (h + 2 * pad - k) // stride + 1
    wshape = (o, k, k, c) if kind == "conv2d" else (1, k, k, o)
    w = rng.integers(-(1 << (w_bits - 1)), 1 << (w_bits - 1), size=wshape)
    b = rng.integers(-50, 50, size=(o,))
    xs = f"tensor<1x{h}x{h}x{c}x!nn.q<u4, 0.05:3>>"
    ws = f"tensor<{'x'.join(map(str, wshape))}x!nn.q<i{w_bits}, 0.1:0>>"
    ys = f"tensor<1x{oh}x{oh}x{o}xi32>"
    groups = ", groups = 1 : i64" if kind == "conv2d" else ""
    name = "nn.conv2d" if kind == "conv2d" else "nn.depthwise_conv2d"
    text = f"""func.func @main(%x: {xs}) -> {ys} {{
  %w = nn.constant dense<{_dense_text(w)}> : {ws}
  %b = nn.constant dense<{_dense_text(b)}> : tensor<{o}xi32>
  %y = {name} %x, %w, %b {{strides = array<i64: {stride}, {stride}>, dilations = array<i64: 1, 1>, padding = array<i64: {pad}, {pad}, {pad}, {pad}>{groups}, layer = "odd"}} : ({xs}, {ws}, tensor<{o}xi32>) -> {ys}
  func.return %y : {ys}
}}"""
    x = rng.integers(0, 16, size=(1, h, h, c))
    return parse(text), x


FORCED = [
    # (layer, mapping): chains longer than needed, one output row per stripe, uneven and
    # empty stripes, one pass per row, every group in parallel or every round on its own
    # cluster, kernels split in depth blocks (the last one shorter)
    ((6, 4, 10, 3, 1, 4, "conv2d"), Mapping(chains=8)),
    ((6, 4, 10, 3, 1, 4, "conv2d"), Mapping(stripes=6)),
    ((6, 4, 10, 3, 1, 4, "conv2d"), Mapping(stripes=2, cluster_stripes=3, copies=6)),
    ((6, 4, 10, 3, 1, 4, "conv2d"), Mapping(stripes=4, chains=2)),
    ((6, 4, 10, 3, 1, 4, "conv2d"), Mapping(stripes=1, chains=1, copies=4, cluster_stripes=5)),
    ((5, 3, 40, 3, 2, 8, "conv2d"), Mapping(parallel=3, copies=2)),
    ((5, 3, 40, 3, 2, 8, "conv2d"), Mapping(cluster_rounds=3, cluster_stripes=2)),
    ((5, 3, 40, 3, 2, 8, "conv2d"), Mapping(stripes=3, chains=2, parallel=1, cluster_rounds=2)),
    ((4, 30, 20, 3, 1, 4, "conv2d"), Mapping(chains=2)),
    ((4, 30, 20, 3, 1, 4, "conv2d"), Mapping(chains=8, copies=4)),
    ((4, 30, 20, 3, 1, 4, "conv2d"), Mapping(depth_splits=2, stripes=4)),
    ((4, 30, 20, 3, 1, 4, "conv2d"), Mapping(depth_splits=7, chains=3, copies=2)),
    ((4, 100, 20, 3, 1, 8, "conv2d"), Mapping(depth_splits=4, chains=1, cluster_rounds=2)),
    ((6, 12, 12, 3, 2, 4, "depthwise"), Mapping(chains=8, copies=3)),
    ((5, 100, 100, 3, 1, 8, "depthwise"), Mapping(parallel=4, stripes=2)),
    ((6, 12, 12, 3, 1, 8, "depthwise"), Mapping(cluster_rounds=2, cluster_stripes=3, copies=2)),
]


@pytest.mark.parametrize("layer,mapping", FORCED, ids=[str(i) for i in range(len(FORCED))])
def test_forced_odd_mappings_are_bit_exact(layer, mapping):
    h, c, o, k, stride, w_bits, kind = layer
    module, x = _conv_module(h, c, o, k, stride, w_bits, kind)
    ref = interpreter.run(module, {"x": x})["output_0"]
    op = next(o for o in module.walk() if isinstance(o, nn.Conv2dOp | nn.DepthwiseConv2dOp))
    layer_op = LayerOp.from_nn(op, mapping, TARGET)  # the mapping is legal ...
    layer_op.verify()
    g = layer_op.geometry()
    assert g.mapping == mapping
    w, b = op.weight.owner.to_numpy(), op.bias.owner.to_numpy()
    y = sim.simulate_layer(layer_op, x, w, b)  # ... and bit-exact
    assert np.array_equal(y, ref)
    layer_op.erase()


def test_values_beyond_the_tile_precision_are_caught():
    """The simulator asserts that every value a tile receives fits its precision: 4-bit
    weights under a geometry made for 2-bit weights fail."""
    module, x = _conv_module(4, 3, 5, 3, 1, 4)
    op = next(o for o in module.walk() if isinstance(o, nn.Conv2dOp))
    shape = dataclasses.replace(layer_shape(op), w_bits=2)
    g = geometry(shape, Mapping(), TARGET)
    w = op.weight.owner.to_numpy()
    with pytest.raises(AssertionError, match="weights .* do not fit a 2-bit signed tile"):
        sim.tile_accumulate(op, g, TARGET, x, w)
    shape = dataclasses.replace(layer_shape(op), a_bits=3)
    with pytest.raises(AssertionError, match="features .* do not fit a 3-bit tile"):
        sim.tile_accumulate(op, geometry(shape, Mapping(), TARGET), TARGET, x, w)


@settings(max_examples=200, deadline=None)
@given(
    bits=st.integers(1, 12),
    slice_bits=st.integers(1, 4),
    signed=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_bit_slices_reassemble_the_values(bits, slice_bits, signed, seed):
    lo, hi = _range(bits, signed) if bits > 1 or not signed else (-1, 0)
    v = np.random.default_rng(seed).integers(lo, hi + 1, size=50)
    slices = sim.bit_slices(v, bits, slice_bits, signed)
    assert len(slices) == math.ceil(bits / slice_bits)
    total = sum(s << (slice_bits * i) for i, s in enumerate(slices))
    assert np.array_equal(total, v)
    for s in slices[:-1]:  # low slices are unsigned slice_bits-bit values
        assert s.min() >= 0 and s.max() < (1 << slice_bits)
    top_bits = bits - slice_bits * (len(slices) - 1)
    top_lo, top_hi = _range(top_bits, signed) if top_bits > 1 or not signed else (-1, 0)
    assert top_lo <= slices[-1].min() and slices[-1].max() <= top_hi


# ---------------------------------------------------------------------------------------------
# a whole function: imc layers on the tiles, the rest on the host

NET = """func.func @main(%x: tensor<1x6x6x3x!nn.q<u4, 0.05:0>>) -> tensor<1x10x!nn.q<i8, 0.2:3>> {
  %w1 = nn.constant dense<W1> : tensor<8x3x3x3x!nn.q<i4:0, {S1}>>
  %b1 = nn.constant dense<B1> : tensor<8x!nn.q<i32, 0.005:0>>
  %c1 = nn.conv2d %x, %w1, %b1 {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64, act = #nn.act<relu>, layer = "conv1"} : (tensor<1x6x6x3x!nn.q<u4, 0.05:0>>, tensor<8x3x3x3x!nn.q<i4:0, {S1}>>, tensor<8x!nn.q<i32, 0.005:0>>) -> tensor<1x6x6x8x!nn.q<u4, 0.1:0>>
  %p1 = nn.max_pool2d %c1 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, layer = "pool1"} : (tensor<1x6x6x8x!nn.q<u4, 0.1:0>>) -> tensor<1x3x3x8x!nn.q<u4, 0.1:0>>
  %w2 = nn.constant dense<W2> : tensor<1x3x3x8x!nn.q<i2, 0.5:0>>
  %c2 = nn.depthwise_conv2d %p1, %w2 {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, act = #nn.act<relu>, layer = "dw2"} : (tensor<1x3x3x8x!nn.q<u4, 0.1:0>>, tensor<1x3x3x8x!nn.q<i2, 0.5:0>>) -> tensor<1x3x3x8x!nn.q<u4, 0.15:0>>
  %r = nn.reshape %c2 {layer = "flatten"} : (tensor<1x3x3x8x!nn.q<u4, 0.15:0>>) -> tensor<1x72x!nn.q<u4, 0.15:0>>
  %w3 = nn.constant dense<W3> : tensor<10x72x!nn.q<i8, 0.01:0>>
  %y = nn.dense %r, %w3 {layer = "fc"} : (tensor<1x72x!nn.q<u4, 0.15:0>>, tensor<10x72x!nn.q<i8, 0.01:0>>) -> tensor<1x10x!nn.q<i8, 0.2:3>>
  func.return %y : tensor<1x10x!nn.q<i8, 0.2:3>>
}
"""

NET_MAPPINGS = {
    "conv1": Mapping(stripes=2, chains=1, parallel=1, copies=3, cluster_stripes=3),
    "dw2": Mapping(chains=2, stripes=3),
    "fc": Mapping(chains=2, parallel=1),
}


def _net_text(seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    scales = ", ".join(f"{0.05 * (i + 1)}:0" for i in range(8))
    return (
        NET.replace("W1", _dense_text(rng.integers(-8, 8, size=(8, 3, 3, 3))))
        .replace("S1", scales)
        .replace("B1", _dense_text(rng.integers(-300, 300, size=8)))
        .replace("W2", _dense_text(rng.integers(-2, 2, size=(1, 3, 3, 8))))
        .replace("W3", _dense_text(rng.integers(-128, 128, size=(10, 72))))
    )


def map_net(module: builtin.ModuleOp, mappings=NET_MAPPINGS) -> builtin.ModuleOp:
    """Replace the net's layers by imc.layer ops, mark the host ops, add the schedule."""
    f = module.ops.first
    for op in list(f.body.walk()):
        name = op.attributes.get("layer")
        if isinstance(op, nn.Conv2dOp | nn.DepthwiseConv2dOp | nn.DenseOp):
            cost = {"cycles_1cluster": 100 + len(name.data), "cycles_all_clusters": 10}
            Rewriter.replace_op(op, LayerOp.from_nn(op, mappings[name.data], TARGET, cost))
        elif not isinstance(op, nn.ConstantOp | func.ReturnOp | func.FuncOp):
            op.attributes[HOST_ATTR] = builtin.StringAttr(f"{op.name} runs on the Cortex-M")
    totals = {"cycles_1cluster": 100 * 3 + 5 + 3 + 2, "cycles_all_clusters": 30}
    module.body.block.add_op(ScheduleOp.get(f, TARGET.name, totals))
    module.verify()
    return module


def test_whole_function_on_the_tiles_matches_the_reference():
    nn_module = parse(_net_text())
    x = np.random.default_rng(1).integers(0, 16, size=(1, 6, 6, 3))
    ref = interpreter.run(nn_module, {"x": x})["output_0"]
    imc_module = map_net(parse(_net_text()))
    text = str(imc_module)
    assert text.count("imc.layer") == 3 and 'imc.host = "nn.max_pool2d runs' in text
    assert str(parse(text)) == text  # prints and parses back unchanged
    traced = []
    out = sim.run(imc_module, {"x": x}, trace=lambda op, vals: traced.append(op.name))
    assert np.array_equal(out["output_0"], ref)
    assert traced == [
        *("nn.constant", "nn.constant", "imc.layer", "nn.max_pool2d"),
        *("nn.constant", "imc.layer", "nn.reshape", "nn.constant", "imc.layer"),
    ]
    # the reference interpreter runs imc.layer as its nn equivalent
    assert np.array_equal(interpreter.run(imc_module, {"x": x})["output_0"], ref)


# ---------------------------------------------------------------------------------------------
# the dialect: syntax, round trip, verifiers


def _generic(module: builtin.ModuleOp) -> str:
    buf = io.StringIO()
    Printer(buf, print_generic_format=True).print_op(module)
    return buf.getvalue()


def test_attributes_print_and_parse_back():
    ctx = _ctx()
    m = MappingAttr.get(Mapping(2, 3, 1, 1, 4, 2))
    text = str(m)
    assert text == (
        "#imc.mapping<stripes = 2, chains = 3, parallel = 1, copies = 1, cluster_stripes = 4, "
        "cluster_rounds = 2>"
    )
    assert Parser(ctx, text).parse_attribute() == m
    # any order, omitted fields are 1
    assert Parser(ctx, "#imc.mapping<cluster_rounds = 2, chains = 3>").parse_attribute() == (
        MappingAttr.get(Mapping(chains=3, cluster_rounds=2))
    )
    assert m.to_mapping() == Mapping(2, 3, 1, 1, 4, 2)
    module = map_net(parse(_net_text()))
    layer = next(o for o in module.walk() if isinstance(o, LayerOp))
    tile_text = str(layer.tile)
    assert Parser(ctx, tile_text).parse_attribute() == layer.tile
    assert layer.tile.as_dict()["output"] == "requantize+relu"
    assert TileAttr.get(layer.tile.as_dict()) == layer.tile
    assert layer.tile.target() == TARGET
    for bad, msg in [
        ("#imc.mapping<stripes = 2, stripes = 3>", "field 'stripes' given twice"),
        ("#imc.mapping<rows = 2>", "unknown field 'rows'"),
        (tile_text.replace("psum = false, ", ""), "missing field(s) psum"),
    ]:
        with pytest.raises(Exception, match=re.escape(msg)):
            Parser(ctx, bad).parse_attribute()


def test_layer_round_trips_through_generic_form_and_back_to_nn():
    nn_module = parse(_net_text())
    nn_text = str(nn_module)
    module = map_net(parse(_net_text()))
    assert str(parse(_generic(module))) == str(module)
    # to_nn() gives back the original nn ops
    f = module.ops.first
    for op in list(f.body.walk()):
        if isinstance(op, LayerOp):
            assert op.layer in NET_MAPPINGS
            assert op.cost_dict()["cycles_all_clusters"] == 10
            Rewriter.replace_op(op, op.to_nn())
        elif HOST_ATTR in op.attributes:
            del op.attributes[HOST_ATTR]
    module.body.block.erase_op(module.body.block.last_op)  # the schedule
    assert str(module) == nn_text


def _replace_in_layer(text: str, layer: str, old: str, new: str) -> str:
    """`old` -> `new` in the imc.layer of `layer` (several edits separated by '|')."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if f'layer = "{layer}"' in line and "imc.layer" in line:
            for a, b in zip(old.split("|"), new.split("|"), strict=True):
                assert a in line, (a, line)
                line = line.replace(a, b)
            lines[i] = line
    return "\n".join(lines)


@pytest.mark.parametrize(
    "layer,old,new,message",
    [
        (
            "conv1",
            "stripes = 2, chains = 1, parallel = 1",
            "stripes = 3, chains = 3, parallel = 1",
            "stripes x chains x parallel = 3x3x1 = 9 tiles > 8 per cluster",
        ),
        (
            "conv1",
            "cluster_stripes = 3, cluster_rounds = 1",
            "cluster_stripes = 3, cluster_rounds = 3",
            "cluster_stripes x cluster_rounds = 9 > 8 clusters",
        ),
        (
            "fc",
            "chains = 2|bits_per_column = 1024",
            "chains = 1|bits_per_column = 256",
            "needs 2 chained tiles at 4 bits, chains=1",
        ),
        ("conv1", "rows_used = 45", "rows_used = 44", "#imc.tile rows_used = 44 does not match"),
        ("conv1", "psum = false", "psum = true", "#imc.tile psum = true does not match"),
        ("conv1", "kernel_rounds = 1", "kernel_rounds = 2", "kernel_rounds = 2 does not match"),
        ("fc", "w_slices = 2", "w_slices = 1", "#imc.tile w_slices = 1 does not match"),
        ("conv1", '"requantize+relu"', '"requantize"', "#imc.tile output = requantize does"),
        ("conv1", "bits_per_column = 1024", "bits_per_column = 128", "needs 2 chained tiles"),
        ("conv1", 'kind = "conv2d"', 'kind = "pool"', "imc.layer kind 'pool' is not one of"),
        ("fc", 'kind = "dense"', 'kind = "dense", strides = array<i64: 1, 1>', "has no strides"),
        ("conv1", "copies = 3", "copies = 7", "copies=7 > 6 output columns"),
        (
            "conv1",
            "tile_max_bits = 4, layer_max_bits = 8",
            "tile_max_bits = 4, layer_max_bits = 2",
            "layer_max_bits < tile_max_bits",
        ),
    ],
)
def test_layer_verifier_rejects_hand_edited_mappings(layer, old, new, message):
    text = _replace_in_layer(str(map_net(parse(_net_text()))), layer, old, new)
    module = Parser(_ctx(), text).parse_module()
    with pytest.raises(VerifyException, match=re.escape(message)):
        module.verify()


def test_layer_verifier_rejects_types_the_tiles_do_not_take():
    text = str(map_net(parse(_net_text())))
    asym = text.replace("!nn.q<i8, 0.01:0>", "!nn.q<i8, 0.01:5>")
    with pytest.raises(VerifyException, match="weights must be symmetric"):
        parse(asym)


@pytest.mark.parametrize(
    "edit,message",
    [
        (
            lambda t: t.replace('#imc.step<host "pool1">, ', ""),
            "imc.schedule steps [imc conv1, imc dw2, host flatten, imc fc] do not match",
        ),
        (
            lambda t: t.replace(', imc.host = "nn.reshape runs on the Cortex-M"', ""),
            "'nn.reshape' (flatten) is neither an imc.layer nor marked imc.host",
        ),
        (
            lambda t: t.replace(
                "cycles_all_clusters = 30 : i64}", "cycles_all_clusters = 31 : i64}"
            ),
            "total cycles_all_clusters = 31 is not the sum of the layers' cycles_all_clusters (30)",
        ),
        (
            lambda t: t.replace("imc.schedule @main", "imc.schedule @other"),
            "no function @other in the enclosing module",
        ),
        (
            lambda t: t.replace("clusters = 8,", "clusters = 4,", 1),
            "layer 'conv1' was mapped with clusters = 4, target dimc-18nm has 8",
        ),
    ],
)
def test_schedule_verifier(edit, message):
    text = str(map_net(parse(_net_text())))
    edited = edit(text)
    assert edited != text
    module = Parser(_ctx(), edited).parse_module()
    with pytest.raises(VerifyException, match=re.escape(message)):
        module.verify()


def test_from_nn_rejects_what_the_tiles_cannot_run():
    module, _ = _conv_module(6, 4, 10, 3, 1, 4)
    op = next(o for o in module.walk() if isinstance(o, nn.Conv2dOp))
    with pytest.raises(MappingError, match=r"layer 'odd': stripes x chains x parallel"):
        LayerOp.from_nn(op, Mapping(stripes=3, chains=3), TARGET)
    dilated = str(module).replace("dilations = array<i64: 1, 1>", "dilations = array<i64: 2, 2>")
    dilated = dilated.replace("1x6x6x10xi32", "1x4x4x10xi32")
    op = next(o for o in parse(dilated).walk() if isinstance(o, nn.Conv2dOp))
    with pytest.raises(EdgeAIError, match="layer 'odd' \\(nn.conv2d\\): dilated convolutions"):
        LayerOp.from_nn(op, Mapping(), TARGET)
    f32 = parse(
        "func.func @main(%x: tensor<1x4xf32>, %w: tensor<2x4xf32>) -> tensor<1x2xf32> {\n"
        '  %y = nn.dense %x, %w {layer = "fp"} : (tensor<1x4xf32>, tensor<2x4xf32>) -> '
        "tensor<1x2xf32>\n  func.return %y : tensor<1x2xf32>\n}"
    )
    op = next(o for o in f32.walk() if isinstance(o, nn.DenseOp))
    with pytest.raises(EdgeAIError, match="layer 'fp': features must be !nn.q or !nn.bin"):
        LayerOp.from_nn(op, Mapping(), TARGET)


# ---------------------------------------------------------------------------------------------
# speed: a 13-layer VGG-style network at 112 x 112, 4 bits


def _simple_mapping(op, target: ImcTarget = TARGET) -> Mapping:
    """The shortest chain that holds the kernel (in as few depth blocks as needed), as many
    stripes as the other tiles allow, the stripes spread over every cluster the output rows
    can use."""
    shape = layer_shape(op)
    for depth_splits, chains in itertools.product(
        range(1, 9), range(1, target.tiles_per_cluster + 1)
    ):
        stripes = min(target.tiles_per_cluster // chains, shape.out_h)
        cluster_stripes = max(1, min(target.clusters, shape.out_h // stripes))
        m = Mapping(stripes, chains, 1, 1, cluster_stripes, 1, depth_splits)
        try:
            geometry(shape, m, target)
        except MappingError:
            continue
        return m
    raise AssertionError(f"{shape.name} fits no chain")


def test_vgg16_style_network_is_bit_exact_and_fast():
    """VGG16's 13 3x3 conv layers (64-64-128-128-256x3-512x6 channels, stride 2 where VGG
    pools) on a 112 x 112 x 3 4-bit input: 3.8 GMAC through the tiles (the 512-channel
    kernels in depth blocks), bit-exact, well under a minute (a few seconds on a 2-core
    Xeon)."""
    import time

    from edgeai.support.nn_build import ConvSpec, quant_net

    widths = [64, 64, 128, 128, 256, 256, 256] + [512] * 6
    strides = {2, 4, 7, 10}
    specs = [
        ConvSpec(f"conv{i + 1}", c, k=3, stride=2 if i in strides else 1)
        for i, c in enumerate(widths)
    ]
    module = quant_net(specs, (112, 112, 3), input_bits=4, seed=0)
    f = module.ops.first
    name = interpreter.io_names(f)[0][0]
    x = np.random.default_rng(0).integers(0, 16, size=(1, 112, 112, 3))
    ref = interpreter.run(module, {name: x})["output_0"]
    macs = 0
    for op in list(f.body.walk()):
        if isinstance(op, nn.Conv2dOp):
            macs += layer_shape(op).macs
            Rewriter.replace_op(op, LayerOp.from_nn(op, _simple_mapping(op), TARGET))
    module.verify()
    assert "depth_splits = 3" in str(module)
    start = time.perf_counter()
    out = sim.run(module, {name: x})["output_0"]
    elapsed = time.perf_counter() - start
    assert np.array_equal(out, ref)
    assert elapsed < 60, f"simulating {macs / 1e9:.1f} GMAC took {elapsed:.1f} s"
