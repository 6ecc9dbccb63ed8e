"""Binary (+-1) semantics: packing, xnor-popcount products, binary conv/dense reference paths and
the sign-threshold folding (property tests with hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgeai.dialects import nn
from edgeai.dialects.nn_types import BinaryType, QuantType
from edgeai.reference import binary as B
from edgeai.reference import kernels as K
from edgeai.reference.interpreter import run_function
from edgeai.support.context import run_pipeline

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: the folding properties get more examples (each enumerates a whole accumulator range)
FOLD_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _pm1(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.choice(np.array([-1, 1], np.int8), size=shape)


# ---------------------------------------------------------------------------------------------
# packing and the xnor-popcount dot product


def test_bit_order_and_tail():
    """Element k -> word k // 32, bit k % 32 (LSB first); -1 is a set bit; tail bits clear."""
    x = np.ones(40, np.int8)
    x[[0, 3, 31, 32, 39]] = -1
    words = B.pack_bits(x)
    assert words.dtype == np.uint32 and words.shape == (2,)
    assert int(words[0]) == (1 << 0) | (1 << 3) | (1 << 31)
    assert int(words[1]) == (1 << 0) | (1 << 7)  # bits 8..31 of the last word are the tail
    with pytest.raises(ValueError, match=r"\+1/-1"):
        B.pack_bits(np.array([1, 0, -1]))


@SETTINGS
@given(
    lead=st.lists(st.integers(1, 3), max_size=2),
    k=st.integers(1, 130),
    seed=st.integers(0, 2**32 - 1),
)
def test_pack_unpack_lossless(lead, k, seed):
    x = _pm1(np.random.default_rng(seed), (*lead, k))
    words = B.pack_bits(x)
    assert words.shape == (*lead, B.words_for(k))
    assert np.array_equal(B.unpack_bits(words, k), x)
    # the tail is clear: packing the values padded with +1 gives the same words
    padded = np.concatenate([x, np.ones((*lead, 32 * B.words_for(k) - k), np.int8)], axis=-1)
    assert np.array_equal(B.pack_bits(padded), words)


@SETTINGS
@given(
    m=st.integers(1, 4),
    n=st.integers(1, 5),
    k=st.integers(1, 300),
    seed=st.integers(0, 2**32 - 1),
)
def test_xnor_popcount_equals_integer_dot(m, n, k, seed):
    rng = np.random.default_rng(seed)
    a, b = _pm1(rng, (m, k)), _pm1(rng, (n, k))
    got = B.xnor_popcount_dot(B.pack_bits(a), B.pack_bits(b), k)
    assert np.array_equal(got, a.astype(np.int64) @ b.astype(np.int64).T)
    assert np.array_equal(B.binary_dense(a, b), got)


@SETTINGS
@given(
    h=st.integers(1, 6),
    w=st.integers(1, 6),
    cin_per_group=st.integers(1, 3),
    groups=st.integers(1, 2),
    out_per_group=st.integers(1, 3),
    kh=st.integers(1, 3),
    kw=st.integers(1, 3),
    stride=st.integers(1, 2),
    dilation=st.integers(1, 2),
    pad=st.lists(st.integers(0, 2), min_size=4, max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_binary_conv_is_zero_padded_integer_conv(
    h, w, cin_per_group, groups, out_per_group, kh, kw, stride, dilation, pad, seed
):
    """Packed conv (padding +1 then corrected) == float conv of the +-1 values padded with 0."""
    if (
        h + pad[0] + pad[2] < dilation * (kh - 1) + 1
        or w + pad[1] + pad[3] < dilation * (kw - 1) + 1
    ):
        return
    rng = np.random.default_rng(seed)
    x = _pm1(rng, (2, h, w, cin_per_group * groups))
    wt = _pm1(rng, (out_per_group * groups, kh, kw, cin_per_group))
    s, d = (stride, stride), (dilation, dilation)
    got = B.binary_conv2d(x, wt, s, d, pad, groups)
    want = K.conv2d(
        x.astype(np.float64), wt.astype(np.float64), None, s, d, pad, groups, 0, np.float64
    )
    assert np.array_equal(got, want)
    dw = _pm1(rng, (1, kh, kw, cin_per_group * groups * 2))
    got = B.binary_depthwise_conv2d(x, dw, s, d, pad)
    want = K.depthwise_conv2d(
        x.astype(np.float64), dw.astype(np.float64), None, s, d, pad, 0, np.float64
    )
    assert np.array_equal(got, want)


# ---------------------------------------------------------------------------------------------
# nn ops with binary types (the reference goes through the packed kernels)


def _run(text: str, *args: np.ndarray) -> list[np.ndarray]:
    import edgeai

    m = edgeai.parse_mlir(text)
    from edgeai.reference.interpreter import find_main

    return run_function(find_main(m), list(args))


CONV = (
    "strides = array<i64: 1, 2>, dilations = array<i64: 1, 1>, "
    "padding = array<i64: 1, 0, 2, 1>, groups = 1 : i64"
)


def test_nn_binary_conv_paths_agree_with_integer_conv():
    rng = np.random.default_rng(3)
    x = _pm1(rng, (1, 5, 6, 3))
    w = _pm1(rng, (4, 3, 2, 3))
    f = rng.standard_normal((1, 5, 6, 3)).astype(np.float32)
    q = rng.integers(-128, 128, (1, 5, 6, 3)).astype(np.int8)
    wtxt = np.array2string(w, separator=", ").replace("\n", "")
    alphas = "{0.5, 0.25, 2.0, 1.0}"
    text = f"""
    func.func @main(%x: tensor<1x5x6x3x!nn.bin<0.5>>, %f: tensor<1x5x6x3xf32>,
                    %q: tensor<1x5x6x3x!nn.q<i8, 0.1:3>>)
        -> (tensor<1x6x3x4xi32>, tensor<1x6x3x4x!nn.q<i8, 0.25:-2>>, tensor<1x6x3x4xf32>,
            tensor<1x6x3x4xi32>) {{
      %w = nn.constant dense<{wtxt}> : tensor<4x3x2x3x!nn.bin<:0, {alphas}>>
      %a = nn.conv2d %x, %w {{{CONV}}} : (tensor<1x5x6x3x!nn.bin<0.5>>, tensor<4x3x2x3x!nn.bin<:0, {alphas}>>) -> tensor<1x6x3x4xi32>
      %b = nn.conv2d %x, %w {{{CONV}}} : (tensor<1x5x6x3x!nn.bin<0.5>>, tensor<4x3x2x3x!nn.bin<:0, {alphas}>>) -> tensor<1x6x3x4x!nn.q<i8, 0.25:-2>>
      %c = nn.conv2d %f, %w {{{CONV}}} : (tensor<1x5x6x3xf32>, tensor<4x3x2x3x!nn.bin<:0, {alphas}>>) -> tensor<1x6x3x4xf32>
      %d = nn.conv2d %q, %w {{{CONV}}} : (tensor<1x5x6x3x!nn.q<i8, 0.1:3>>, tensor<4x3x2x3x!nn.bin<:0, {alphas}>>) -> tensor<1x6x3x4xi32>
      func.return %a, %b, %c, %d : tensor<1x6x3x4xi32>, tensor<1x6x3x4x!nn.q<i8, 0.25:-2>>, tensor<1x6x3x4xf32>, tensor<1x6x3x4xi32>
    }}"""
    a, b, c, d = _run(text, x, f, q)
    pad, s, dl = (1, 0, 2, 1), (1, 2), (1, 1)
    acc = K.conv2d(x.astype(np.float64), w.astype(np.float64), None, s, dl, pad, 1, 0, np.float64)
    assert np.array_equal(a, acc.astype(np.int32))
    alpha = np.array([0.5, 0.25, 2.0, 1.0])
    from edgeai.reference import fixedpoint as fp

    want_b = fp.rescale(acc.astype(np.int64), 0.5 * alpha / 0.25, -2, -128, 127, "tflite")
    assert np.array_equal(b, want_b.astype(np.int8))
    sums = K.conv2d(f, w.astype(np.float32), None, s, dl, pad, 1, 0, np.float32)
    assert np.array_equal(c, (sums * alpha.astype(np.float32)).astype(np.float32))
    qacc = K.conv2d(
        q.astype(np.float64) - 3, w.astype(np.float64), None, s, dl, pad, 1, 0, np.float64
    )
    assert np.array_equal(d, qacc.astype(np.int32))


def test_nn_binary_dense_and_depthwise_with_bias():
    """bb->i with an integer bias, depthwise bb->i with padding, qbq->q (ONNX rounding) with
    per-channel alphas and a bias in units of s_x * alpha."""
    rng = np.random.default_rng(4)
    x = _pm1(rng, (2, 37))
    w = _pm1(rng, (3, 37))
    xd = _pm1(rng, (1, 4, 4, 2))
    wd = _pm1(rng, (1, 3, 3, 4))
    wt = np.array2string(w, separator=", ", threshold=10**6).replace("\n", "")
    wdt = np.array2string(wd, separator=", ").replace("\n", "")
    q = rng.integers(0, 256, (2, 37)).astype(np.uint8)
    wq = "!nn.bin<:0, {0.5, 1.0, 0.25}>"
    bq = "!nn.q<i32:0, {0.05:0, 0.1:0, 0.025:0}>"
    text = f"""
    func.func @main(%x: tensor<2x37x!nn.bin>, %xd: tensor<1x4x4x2x!nn.bin>,
                    %q: tensor<2x37x!nn.q<u8, 0.1:128>>)
        -> (tensor<2x3xi32>, tensor<1x4x4x4xi32>, tensor<2x3x!nn.q<i8, 0.5:1>>) {{
      %w = nn.constant dense<{wt}> : tensor<3x37x!nn.bin>
      %b = nn.constant dense<[5, -7, 0]> : tensor<3xi32>
      %y = nn.dense %x, %w, %b : (tensor<2x37x!nn.bin>, tensor<3x37x!nn.bin>, tensor<3xi32>) -> tensor<2x3xi32>
      %wa = nn.constant dense<{wt}> : tensor<3x37x{wq}>
      %bb = nn.constant dense<[40, -3, 1000]> : tensor<3x{bq}>
      %r = nn.dense %q, %wa, %bb {{rounding = "onnx"}} : (tensor<2x37x!nn.q<u8, 0.1:128>>, tensor<3x37x{wq}>, tensor<3x{bq}>) -> tensor<2x3x!nn.q<i8, 0.5:1>>
      %wd = nn.constant dense<{wdt}> : tensor<1x3x3x4x!nn.bin>
      %z = nn.depthwise_conv2d %xd, %wd {{strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}} : (tensor<1x4x4x2x!nn.bin>, tensor<1x3x3x4x!nn.bin>) -> tensor<1x4x4x4xi32>
      func.return %y, %z, %r : tensor<2x3xi32>, tensor<1x4x4x4xi32>, tensor<2x3x!nn.q<i8, 0.5:1>>
    }}"""
    y, z, r = _run(text, x, xd, q)
    from edgeai.reference import fixedpoint as fp

    acc = (q.astype(np.int64) - 128) @ w.T.astype(np.int64) + [40, -3, 1000]
    real = (np.float32(0.1) * np.float32([0.5, 1.0, 0.25]) / np.float32(0.5)).astype(np.float32)
    assert np.array_equal(r, fp.rescale(acc, real, 1, -128, 127, "onnx").astype(np.int8))
    assert np.array_equal(y, x.astype(np.int64) @ w.T.astype(np.int64) + [5, -7, 0])
    want = K.depthwise_conv2d(
        xd.astype(np.float64),
        wd.astype(np.float64),
        None,
        (1, 1),
        (1, 1),
        (1, 1, 1, 1),
        0,
        np.float64,
    )
    assert np.array_equal(z, want.astype(np.int32))


def test_threshold_reference():
    text = """
    func.func @main(%a: tensor<5x2xi32>) -> tensor<5x2x!nn.bin> {
      %t = nn.constant dense<[0, 1]> : tensor<2xi64>
      %y = nn.threshold %a, %t {direction = array<i8: 1, -1>} : (tensor<5x2xi32>, tensor<2xi64>) -> tensor<5x2x!nn.bin>
      func.return %y : tensor<5x2x!nn.bin>
    }"""
    acc = np.repeat(np.arange(-2, 3, dtype=np.int32)[:, None], 2, axis=1)
    (y,) = _run(text, acc)
    assert np.array_equal(y[:, 0], [-1, -1, 1, 1, 1]) and np.array_equal(y[:, 1], [1, 1, 1, 1, -1])


# ---------------------------------------------------------------------------------------------
# sign-threshold folding: bit-identical for every reachable accumulator

SPECIAL = [0.0, -0.0, 1e-30, -1e-30, 1e30, -1e30, 1e-8, 3e38]
f32s = st.one_of(
    st.sampled_from(SPECIAL),
    st.floats(-1e4, 1e4, allow_nan=False, width=32),
    st.floats(-2.0, 2.0, allow_nan=False, width=32),
)
variances = st.one_of(
    st.sampled_from([0.0, 1e-30, 1e30, -1.0]), st.floats(0, 1e4, allow_nan=False, width=32)
)


def _vec(values: list[float]) -> str:
    return "[" + ", ".join(repr(float(np.float32(v))) for v in values) + "]"


def _bn_sign_module(acc_type: str, c: int, params: dict, form: str) -> str:
    shape = f"65536x{c}" if acc_type == "i16" else f"64x{c}"
    g, b, m, v = (_vec(params[k]) for k in ("gamma", "beta", "mean", "var"))
    eps = float(np.float32(params["eps"]))
    if form == "bn":
        body = f"""
      %g = nn.constant dense<{g}> : tensor<{c}xf32>
      %b = nn.constant dense<{b}> : tensor<{c}xf32>
      %m = nn.constant dense<{m}> : tensor<{c}xf32>
      %v = nn.constant dense<{v}> : tensor<{c}xf32>
      %z = nn.batch_norm %f, %g, %b, %m, %v {{epsilon = {eps!r} : f32}} : (tensor<{shape}xf32>, tensor<{c}xf32>, tensor<{c}xf32>, tensor<{c}xf32>, tensor<{c}xf32>) -> tensor<{shape}xf32>"""
    else:
        body = f"""
      %g = nn.constant dense<{g}> : tensor<{c}xf32>
      %b = nn.constant dense<{b}> : tensor<{c}xf32>
      %y = nn.mul %f, %g : (tensor<{shape}xf32>, tensor<{c}xf32>) -> tensor<{shape}xf32>
      %z = nn.add %y, %b : (tensor<{shape}xf32>, tensor<{c}xf32>) -> tensor<{shape}xf32>"""
    return f"""
    func.func @main(%acc: tensor<{shape}x{acc_type}>) -> tensor<{shape}x!nn.bin> {{
      %f = nn.dequantize %acc : (tensor<{shape}x{acc_type}>) -> tensor<{shape}xf32>{body}
      %s = nn.quantize %z : (tensor<{shape}xf32>) -> tensor<{shape}x!nn.bin>
      func.return %s : tensor<{shape}x!nn.bin>
    }}"""


def _fold_and_compare(text: str, acc: np.ndarray, **opts) -> tuple[object, object]:
    import edgeai
    from edgeai.reference.interpreter import find_main

    before = edgeai.parse_mlir(text)
    after = edgeai.parse_mlir(text)
    opt = ",".join(f"{k.replace('_', '-')}={v}" for k, v in opts.items())
    run_pipeline(after, "nn-fold-sign-threshold" + (f"{{{opt}}}" if opt else ""))
    after.verify()
    ops = [op.name for op in after.walk()]
    assert "nn.threshold" in ops and "nn.batch_norm" not in ops and "nn.mul" not in ops, ops
    (want,) = run_function(find_main(before), [acc])
    (got,) = run_function(find_main(after), [acc])
    assert np.array_equal(got, want)
    return before, after


@FOLD_SETTINGS
@given(
    c=st.integers(1, 3),
    data=st.data(),
    form=st.sampled_from(["bn", "mul_add"]),
)
def test_threshold_fold_bit_identical_over_the_whole_i16_range(c, data, form):
    """Every i16 accumulator value (the whole reachable range, enumerated by the pass) gives the
    same sign before and after folding, for random (also degenerate) batch norm parameters."""
    params = {
        "gamma": data.draw(st.lists(f32s, min_size=c, max_size=c)),
        "beta": data.draw(st.lists(f32s, min_size=c, max_size=c)),
        "mean": data.draw(st.lists(f32s, min_size=c, max_size=c)),
        "var": data.draw(st.lists(variances, min_size=c, max_size=c)),
        "eps": data.draw(st.sampled_from([0.0, 1e-5, 1e-3])),
    }
    acc = np.repeat(np.arange(-32768, 32768, dtype=np.int16)[:, None], c, axis=1)
    _fold_and_compare(_bn_sign_module("i16", c, params, form), acc)


@SETTINGS
@given(c=st.integers(1, 3), data=st.data())
def test_threshold_fold_bisection_on_i32(c, data):
    """A plain i32 accumulator (2**32 values): thresholds found by bisection on the same float
    arithmetic agree with the float computation at the boundaries and anywhere else."""
    params = {
        "gamma": data.draw(st.lists(st.floats(-1e3, 1e3, width=32), min_size=c, max_size=c)),
        "beta": data.draw(st.lists(st.floats(-1e6, 1e6, width=32), min_size=c, max_size=c)),
        "mean": data.draw(st.lists(st.floats(-1e9, 1e9, width=32), min_size=c, max_size=c)),
        "var": data.draw(st.lists(st.floats(0, 1e6, width=32), min_size=c, max_size=c)),
        "eps": 1e-5,
    }
    text = _bn_sign_module("i32", c, params, "bn")
    import edgeai

    folded = edgeai.parse_mlir(text)
    run_pipeline(folded, "nn-fold-sign-threshold")
    thr = next(op for op in folded.walk() if isinstance(op, nn.ThresholdOp))
    t = thr.thresholds.owner.to_numpy().astype(np.int64)
    rng = np.random.default_rng(0)
    near = np.clip(t[None, :] + np.arange(-4, 4)[:, None], -(2**31), 2**31 - 1)
    rand = rng.integers(-(2**31), 2**31, (40, c))
    ends = np.array([[-(2**31)] * c, [2**31 - 1] * c])
    acc = np.concatenate([near, rand, ends]).astype(np.int32)
    acc = np.concatenate([acc, np.zeros((64 - acc.shape[0], c), np.int32)])
    _fold_and_compare(text, acc)


def test_bisection_matches_enumeration():
    """The same chain folded with enumeration and with bisection gives the same thresholds."""
    import edgeai

    params = {
        "gamma": [1.5, -0.75, 2e-3],
        "beta": [0.1, -3.0, 0.2],
        "mean": [12.5, -100.25, 7.0],
        "var": [4.0, 0.5, 1e-6],
        "eps": 1e-5,
    }
    text = _bn_sign_module("i16", 3, params, "bn")
    found = []
    for limit in (1 << 16, 16):
        m = edgeai.parse_mlir(text)
        run_pipeline(m, f"nn-fold-sign-threshold{{enumerate-limit={limit}}}")
        thr = next(op for op in m.walk() if isinstance(op, nn.ThresholdOp))
        found.append((thr.thresholds.owner.to_numpy().tolist(), thr.prop("direction")))
    assert found[0] == found[1]


@FOLD_SETTINGS
@given(k=st.integers(1, 100), c=st.integers(1, 4), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_binary_dense_fold_end_to_end(k, c, seed, data):
    """dense(dequantize(bin), dequantize(bin)) -> batch norm -> sign folds into an xnor-popcount
    dense + threshold; identical on random binary inputs (range +-K enumerated), also with
    power-of-two alphas (the count then reaches the batch norm through !nn.q<i32, p:0>)."""
    rng = np.random.default_rng(seed)
    w = _pm1(rng, (c, k))
    params = {
        key: data.draw(st.lists(f32s, min_size=c, max_size=c)) for key in ("gamma", "beta", "mean")
    }
    params["var"] = data.draw(st.lists(variances, min_size=c, max_size=c))
    g, b, m, v = (_vec(params[key]) for key in ("gamma", "beta", "mean", "var"))
    wt = np.array2string(w, separator=", ", threshold=10**6).replace("\n", "")
    ax = data.draw(st.sampled_from([1.0, 0.5, 2.0]))
    aw = data.draw(st.lists(st.sampled_from([0.25, 1.0, 4.0]), min_size=c, max_size=c))
    xt = f"!nn.bin<{ax}>"
    wt_type = "!nn.bin<:0, {" + ", ".join(map(str, aw)) + "}>"
    text = f"""
    func.func @main(%x: tensor<8x{k}x{xt}>) -> tensor<8x{c}x!nn.bin> {{
      %xf = nn.dequantize %x : (tensor<8x{k}x{xt}>) -> tensor<8x{k}xf32>
      %w = nn.constant dense<{wt}> : tensor<{c}x{k}x{wt_type}>
      %wf = nn.dequantize %w : (tensor<{c}x{k}x{wt_type}>) -> tensor<{c}x{k}xf32>
      %y = nn.dense %xf, %wf : (tensor<8x{k}xf32>, tensor<{c}x{k}xf32>) -> tensor<8x{c}xf32>
      %g = nn.constant dense<{g}> : tensor<{c}xf32>
      %b = nn.constant dense<{b}> : tensor<{c}xf32>
      %m = nn.constant dense<{m}> : tensor<{c}xf32>
      %v = nn.constant dense<{v}> : tensor<{c}xf32>
      %z = nn.batch_norm %y, %g, %b, %m, %v {{epsilon = 1.0e-05 : f32}} : (tensor<8x{c}xf32>, tensor<{c}xf32>, tensor<{c}xf32>, tensor<{c}xf32>, tensor<{c}xf32>) -> tensor<8x{c}xf32>
      %s = nn.quantize %z : (tensor<8x{c}xf32>) -> tensor<8x{c}x!nn.bin>
      func.return %s : tensor<8x{c}x!nn.bin>
    }}"""
    x = _pm1(rng, (8, k))
    _, after = _fold_and_compare(text, x)
    dense = next(op for op in after.walk() if isinstance(op, nn.DenseOp))
    assert isinstance(nn.elt(dense.input), BinaryType) and nn.kind(dense.output.type) == "i"
    assert not any(isinstance(op, nn.DequantizeOp) for op in after.walk())


def test_quantize_narrow_and_qonnx_modes():
    """nn.quantize: narrow saturation for tflite/onnx modes; qonnx modes add the zero point in
    float32 before rounding (1.4999999 + 1 rounds to 2 under half-even after the zero point,
    to 1 under ONNX's round-then-add)."""
    text = """
    func.func @main(%x: tensor<4xf32>) -> (tensor<4x!nn.q<i4, 1.0:0>>, tensor<4x!nn.q<i4, 1.0:1>>,
                                           tensor<4x!nn.q<i4, 1.0:1>>, tensor<4x!nn.q<u4, 1.0:0>>) {
      %a = nn.quantize %x {narrow = true} : (tensor<4xf32>) -> tensor<4x!nn.q<i4, 1.0:0>>
      %b = nn.quantize %x {rounding = "onnx"} : (tensor<4xf32>) -> tensor<4x!nn.q<i4, 1.0:1>>
      %c = nn.quantize %x {rounding = "qonnx_half_even"} : (tensor<4xf32>) -> tensor<4x!nn.q<i4, 1.0:1>>
      %d = nn.quantize %x {rounding = "qonnx_floor", narrow = true} : (tensor<4xf32>) -> tensor<4x!nn.q<u4, 1.0:0>>
      func.return %a, %b, %c, %d : tensor<4x!nn.q<i4, 1.0:0>>, tensor<4x!nn.q<i4, 1.0:1>>, tensor<4x!nn.q<i4, 1.0:1>>, tensor<4x!nn.q<u4, 1.0:0>>
    }"""
    x = np.array([-100.0, np.float32(0.49999997), 0.5, 100.0], np.float32)
    a, b, c, d = _run(text, x)
    assert a.tolist() == [-7, 0, 1, 7]  # narrow: -7 instead of -8 (tflite rounds 0.5 away)
    assert b.tolist() == [-8, 1, 1, 7]  # round half even, then + 1
    assert c.tolist() == [-8, 2, 2, 7]  # float32(0.49999997 + 1) = 1.5 -> 2
    assert d.tolist() == [0, 0, 0, 14]  # unsigned narrow drops 15
    assert QuantType.get(4, False, 1.0, 0).qmax == 15
