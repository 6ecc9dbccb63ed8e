"""The `nn` dialect's quantized semantics are bit-exact with TFLite Micro, at the IR level.

``test_qkernels_*`` prove that ``edgeai.reference.qkernels`` reproduces TFLite Micro's integer
kernels. This file proves the layer above: that an `nn` module whose quantization lives in its
element types (``!nn.q<i8, s:z>``, per-channel ``!nn.q<i8:0, {...}>``, ``!nn.q<i32:0, {...}>``
biases, int16x8 with ``i64`` biases, ``#nn.act<...>`` fused activations), run by the reference
interpreter (``edgeai.run`` -> ``reference/nn_ops.py`` -> ``reference/qops.py``), selects the
right kernel with the right parameters.

For every recorded single-op TFLite Micro vector (``support_tflite/tflm_vectors``, 49 models)
and every seanet int16x8 golden (``shared/models/tflm/seanet_int16x8``, 127 models) the model is
turned into `nn` by ``support_tflite/to_nn.py``, verified, printed and parsed back (the run uses
the parsed module, so everything the semantics need is in the IR text), run on the recorded
inputs and compared exactly with the golden output.

Known exception, as in ``test_qkernels_seanet.py``: the seanet LEAKY_RELU goldens come from an
older TFLM whose Prepare derived the multipliers in float32; `nn` follows the current runtime
(double), the kernel's default. Exactly ``leaky_relu3/11/18/19`` differ, by 1 LSB on a few
elements; for those the `nn` result must equal the qkernels result with the current (double)
derivation bit for bit, and the qkernels result with the float32 derivation must equal the golden.

The synthetic cases at the end pin mapping details the vectors do not reach (each was checked
once against the TFLM runtime, ``tflite-micro==0.dev20261023182759``, when written; here the
oracle is ``support_tflite/runner.py``, i.e. qkernels driven directly from TFLite's parameters).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects.builtin import TensorType

import edgeai
from edgeai.reference.interpreter import find_main, io_names

try:
    from support_tflite import loader, runner, to_nn
except ModuleNotFoundError as exc:  # ``tests`` importable as a package
    if exc.name != "support_tflite":
        raise
    from tests.support_tflite import loader, runner, to_nn

TESTS_DIR = Path(__file__).resolve().parent
VECTORS_DIR = TESTS_DIR / "support_tflite" / "tflm_vectors"
SEANET_DIR = loader.shared_models_dir(TESTS_DIR) / "tflm" / "seanet_int16x8"

#: seanet LEAKY_RELU goldens made with the older float32 multiplier derivation (see docstring)
FLOAT32_PREPARE_GOLDENS = {"leaky_relu3", "leaky_relu11", "leaky_relu18", "leaky_relu19"}

#: models per TFLite opcode: (recorded TFLM vectors, seanet goldens)
EXPECTED_MODELS = {
    "ADD": (2, 17),
    "AVERAGE_POOL_2D": (2, 0),
    "CONV_2D": (5, 22),
    "DEPTHWISE_CONV_2D": (2, 0),
    "DEQUANTIZE": (1, 0),
    "FULLY_CONNECTED": (4, 0),
    "HARD_SWISH": (2, 0),
    "LEAKY_RELU": (2, 23),
    "LOGISTIC": (3, 0),
    "MAX_POOL_2D": (2, 0),
    "MEAN": (4, 0),
    "MUL": (2, 0),
    "PAD": (0, 19),
    "QUANTIZE": (5, 2),
    "RELU": (2, 0),
    "RELU6": (1, 0),
    "SOFTMAX": (3, 0),
    "STRIDED_SLICE": (0, 34),
    "SUB": (2, 5),
    "TANH": (3, 0),
    "TRANSPOSE_CONV": (2, 5),
}


def _natural(path: Path) -> tuple[str, int]:
    m = re.match(r"(.*?)(\d+)$", path.stem)
    return (m.group(1), int(m.group(2))) if m else (path.stem, -1)


def _all_models() -> list[Path]:
    vectors = sorted(VECTORS_DIR.glob("*.tflite"))
    seanet = sorted(SEANET_DIR.glob("*/*.tflite"), key=lambda p: (p.parent.name, _natural(p)))
    return vectors + seanet


def _model_id(path: Path) -> str:
    return path.stem if path.parent == VECTORS_DIR else f"seanet/{path.stem}"


# ---------------------------------------------------------------------------------------------
# building and running


def _arg_shapes(module) -> dict[str, tuple[int, ...]]:
    f = find_main(module)
    names, _ = io_names(f)
    shapes = []
    for t in f.function_type.inputs.data:
        assert isinstance(t, TensorType)
        shapes.append(tuple(t.get_shape()))
    return dict(zip(names, shapes, strict=True))


def build_and_run(model: loader.TfliteModel, inputs: list[np.ndarray]) -> tuple[np.ndarray, str]:
    """Build the `nn` module, verify it, print -> parse it and run the parsed module on
    ``inputs`` (one flat or shaped array per TFLite graph input). Returns (output, IR text)."""
    nm = to_nn.to_nn(model)
    nm.module.verify()
    text = str(nm.module)
    parsed = edgeai.parse_mlir(text)
    assert str(parsed) == text, "the nn module does not print back identically"
    for name, value in nm.shape_inputs.items():  # static shapes in nn: the fed value must agree
        k = int(name.removeprefix("input"))
        np.testing.assert_array_equal(np.asarray(inputs[k]).reshape(-1), value)
    shapes = _arg_shapes(parsed)
    feed = {n: np.asarray(inputs[k]).reshape(shapes[n]) for n, k in nm.inputs.items()}
    (out,) = edgeai.run(parsed, feed).values()
    return out, text


@dataclass
class Outcome:
    """One golden model through `nn`."""

    opcode: str
    exact: bool
    max_diff: float
    output: np.ndarray
    golden: np.ndarray
    text: str


@functools.cache
def evaluate(path: Path) -> Outcome:
    model = loader.load_tflite(path)
    assert len(model.operators) == 1
    data = np.load(path.with_suffix(".npz"))
    inputs = [data[f"input{i}"] for i in range(len(model.inputs))]
    out, text = build_and_run(model, inputs)
    golden = data["golden"]
    got = out.reshape(-1)
    assert got.dtype == golden.dtype, f"output dtype {got.dtype}, golden {golden.dtype}"
    if got.dtype == np.float32:  # DEQUANTIZE: compare the bits
        exact = bool(np.array_equal(got.view(np.int32), golden.view(np.int32)))
        max_diff = 0.0 if exact else float(np.abs(got - golden).max())
    else:
        diff = np.abs(got.astype(np.int64) - golden.astype(np.int64))
        exact, max_diff = bool(diff.max(initial=0) == 0), float(diff.max(initial=0))
    return Outcome(model.operators[0].opcode, exact, max_diff, got, golden, text)


# ---------------------------------------------------------------------------------------------
# the goldens


def test_inventory() -> None:
    """Every golden model is present, and every one has an `nn` mapping."""
    found: dict[str, list[int]] = {}
    for path in _all_models():
        op = loader.load_tflite(path).operators[0].opcode
        found.setdefault(op, [0, 0])[0 if path.parent == VECTORS_DIR else 1] += 1
    assert {k: tuple(v) for k, v in found.items()} == EXPECTED_MODELS


@pytest.mark.parametrize("path", _all_models(), ids=_model_id)
def test_nn_bit_exact_with_tflm(path: Path) -> None:
    res = evaluate(path)
    if path.stem in FLOAT32_PREPARE_GOLDENS and path.parent.name == "leaky_relu":
        model = loader.load_tflite(path)
        data = np.load(path.with_suffix(".npz"))
        (current,) = runner.run_model(model, [data["input0"]])  # double Prepare (current TFLM)
        (older,) = runner.run_model(model, [data["input0"]], float32_prepare=True)
        np.testing.assert_array_equal(res.output, current.reshape(-1))
        np.testing.assert_array_equal(older.reshape(-1), res.golden)
        assert not res.exact and res.max_diff == 1
        return
    assert res.exact, f"{res.opcode}: max |nn - TFLM| = {res.max_diff}"


def test_per_op_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """Exact / total per TFLite op; only the documented float32-Prepare goldens differ."""
    exact: Counter[str] = Counter()
    total: Counter[str] = Counter()
    inexact = []
    for path in _all_models():
        res = evaluate(path)
        total[res.opcode] += 1
        exact[res.opcode] += res.exact
        if not res.exact:
            inexact.append(_model_id(path))
    with capsys.disabled():
        print("\nnn vs TFLite Micro goldens (exact / total):")
        for op in sorted(total):
            print(f"  {op:<18} {exact[op]:>3} / {total[op]:<3}")
        print(f"  {'all':<18} {sum(exact.values()):>3} / {sum(total.values())}")
    assert sorted(inexact) == sorted(f"seanet/{n}" for n in FLOAT32_PREPARE_GOLDENS)
    assert sum(total.values()) == sum(a + b for a, b in EXPECTED_MODELS.values())


#: what the IR of some models must say (the mapping is carried by the types and properties)
IR_FEATURES = {
    "conv_int8_dilated_same_relu6": [
        r"tensor<6x3x3x4x!nn.q<i8:0, \{",  # per-channel weights along Cout
        r"tensor<6x!nn.q<i32:0, \{",  # int32 bias, scale s_in * s_w[c]
        r"dilations = array<i64: 2, 1>",
        r"act = #nn.act<relu6>",
    ],
    "conv_int8_pertensor_valid_relu": [r"x!nn.q<i8, 0.\d+:0>>", r"act = #nn.act<relu>"],
    "conv_int8_grouped_same": [r"groups = 2 : i64"],
    "dwconv_int8_mult2_dilated": [r"tensor<1x3x3x8x!nn.q<i8:3, \{", r"nn.depthwise_conv2d"],
    "conv_int16_bias64_stride2": [r"x!nn.q<i16, ", r"tensor<6xi64>"],
    "fc_int16_bias64": [r"nn.dense", r"tensor<7xi64>"],
    "fc_int8_perchannel": [r"tensor<7x40x!nn.q<i8:0, \{"],
    "avgpool_int8_same": [r"count_include_pad = 0", r"padding = array<i64: 1, 0, 1, 1>"],
    "tconv_int8_same_s2": [r"padding = array<i64: 0, 0, 1, 1>", r"func.func @main\(%input1"],
    "softmax_int8_beta": [r"nn.storage_cast", r"0.11100000584125524:-50"],
    "softmax_int8_to_int16": [r"x!nn.q<i16, 1.52587890625e-05:-32768>"],
    "relu6_int8": [r"nn.clamp .*max = 6.0"],
    "requantize_int8_int16": [r"nn.requantize"],
    "quantize_f32_int8": [r"nn.quantize %input0 .*\(tensor<333xf32>\)"],
}


@pytest.mark.parametrize("stem", sorted(IR_FEATURES))
def test_ir_carries_the_mapping(stem: str) -> None:
    text = evaluate(VECTORS_DIR / f"{stem}.tflite").text
    for pattern in IR_FEATURES[stem]:
        assert re.search(pattern, text), f"{stem}: /{pattern}/ not in\n{text}"


def test_seanet_ir_features() -> None:
    tconv = evaluate(SEANET_DIR / "transpose_conv" / "transpose_conv0.tflite").text
    assert "func.func @main(%input1" in tconv  # output_shape input folded into static types
    assert "tensor<64xi64>" in tconv and "nn.conv2d_transpose" in tconv
    q = evaluate(SEANET_DIR / "quantize" / "quantize1.tflite").text  # int16 -> int32
    assert re.search(r"nn.requantize .*-> tensor<1x2x160x2x!nn.q<i32, ", q)
    sl = evaluate(SEANET_DIR / "strided_slice" / "strided_slice15.tflite").text
    assert "starts = array<i64: 0, 0, 1, 0>, ends = array<i64: 1, 1, 11, 64>" in sl


# ---------------------------------------------------------------------------------------------
# synthetic single-op models: mapping details the goldens do not reach


def _t(
    i: int, dtype, shape, scale=None, zp: int = 0, qdim: int = 0, data=None
) -> loader.TensorInfo:
    sc = np.zeros(0, np.float32) if scale is None else np.atleast_1d(np.float32(scale))
    zps = np.full(sc.size, zp, np.int64)
    arr = None if data is None else np.asarray(data, dtype=dtype).reshape(shape)
    return loader.TensorInfo(i, f"t{i}", np.dtype(dtype), tuple(shape), sc, zps, qdim, arr)


def _single_op(
    opcode: str, tensors: list[loader.TensorInfo], op_in: list[int], inputs: list[int], **options
) -> loader.TfliteModel:
    out = len(tensors) - 1
    op = loader.OperatorInfo(0, opcode, op_in, [out], dict(options))
    return loader.TfliteModel(Path(f"<{opcode}>"), tensors, [op], inputs, [out])


def _compare_with_runner(model: loader.TfliteModel, inputs: list[np.ndarray]) -> np.ndarray:
    out, _ = build_and_run(model, inputs)
    (ref,) = runner.run_model(model, inputs)
    np.testing.assert_array_equal(out, ref)
    return out


#: float32 division of TFLite's CalculateActivationRangeQuantized: 6 / 0.0585365854 rounds to
#: 103 in float32 (TFLM's value) but to 102 in double
TIE_SCALE = 0.0585365854203701


def test_fused_relu6_range_uses_float32_division() -> None:
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 16, 16, 1)
    tens = [_t(0, np.int8, x.shape, TIE_SCALE, -10), _t(1, np.int8, x.shape, TIE_SCALE, -10)]
    pool = _single_op(
        "MAX_POOL_2D",
        tens,
        [0],
        [0],
        FilterHeight=1,
        FilterWidth=1,
        StrideH=1,
        StrideW=1,
        Padding="VALID",
        FusedActivationFunction="RELU6",
    )
    assert _compare_with_runner(pool, [x]).max() == -10 + 103
    relu6 = _single_op("RELU6", tens, [0], [0])  # standalone: nn.clamp
    assert _compare_with_runner(relu6, [x]).max() == -10 + 103


def test_softmax_beta_folded_into_the_scale_keeps_double_precision() -> None:
    """beta * s in double, as TFLite's PreprocessSoftmaxScaling: with the folded scale rounded to
    float32 these rows give other int16 outputs (TFLM agrees with the double product)."""
    x = np.array(
        [
            [110, -29, -48, 52, 94, -106],
            [37, 34, 119, 15, 104, -57],
            [67, -1, -90, -61, 11, 85],
            [77, -101, 72, 110, 39, -8],
            [-36, -27, -34, -121, -57, -29],
            [104, -61, -8, 113, -69, 57],
            [66, 16, 76, -52, 96, -105],
            [30, 72, -116, 59, 88, -107],
        ],
        np.int8,
    )
    tens = [_t(0, np.int8, x.shape, 0.3, 0), _t(1, np.int16, x.shape, 1 / 65536, -32768)]
    model = _single_op("SOFTMAX", tens, [0], [0], Beta=float(np.float32(0.37)))
    _compare_with_runner(model, [x])


def test_softmax_int8_to_int16_uses_the_kernel() -> None:
    """int8 -> int16 (1/65536, -32768) is TFLM's int8 kernel with a wider output; a float
    softmax rounded to the output type differs on a few of these elements."""
    x = np.random.default_rng(9).integers(-128, 128, (16, 40)).astype(np.int8)
    tens = [_t(0, np.int8, x.shape, 0.05, 3), _t(1, np.int16, x.shape, 1 / 65536, -32768)]
    _compare_with_runner(_single_op("SOFTMAX", tens, [0], [0], Beta=1.0), [x])


@pytest.mark.parametrize(("padding", "out_hw"), [("SAME", (9, 11)), ("VALID", (10, 12))])
def test_transpose_conv_output_larger_than_natural(padding: str, out_hw: tuple[int, int]) -> None:
    """TFLite's output_shape may exceed (in - 1) * s + k - pads: nn's bottom/right go negative."""
    rng = np.random.default_rng(5)
    x = rng.integers(-128, 128, (1, 4, 5, 3)).astype(np.int8)
    w = rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)
    sw = rng.uniform(0.002, 0.02, 4).astype(np.float32)
    bias = rng.integers(-2000, 2000, 4).astype(np.int32)
    shape = np.array([1, *out_hw, 4], np.int32)
    tens = [
        _t(0, np.int32, (4,), data=shape),
        _t(1, np.int8, w.shape, sw, 0, 0, w),
        _t(2, np.int8, x.shape, 0.02, -5),
        _t(3, np.int32, (4,), np.float32(0.02) * sw, 0, 0, bias),
        _t(4, np.int8, tuple(shape), 0.4, 7),
    ]
    model = _single_op(
        "TRANSPOSE_CONV",
        tens,
        [0, 1, 2, 3],
        [2],
        Padding=padding,
        StrideH=2,
        StrideW=2,
        FusedActivationFunction="NONE",
    )
    out, text = build_and_run(model, [x])
    assert re.search(r"padding = array<i64: \d, \d, -1, -1>", text)
    (ref,) = runner.run_model(model, [x])
    np.testing.assert_array_equal(out, ref)


@pytest.mark.parametrize(
    ("begin", "end", "strides", "begin_mask", "end_mask", "shrink"),
    [
        ([0, -1, 1, 4], [2, 0, 5, 0], [1, -1, 2, -2], 0, 0, 0),
        ([0, 10, -2, 0], [0, -10, 0, 3], [1, -3, 1, 1], 1, 5, 0),
        ([1, 2, 0, 0], [2, -1, 6, 5], [1, 2, 1, 1], 0, 0, 1),
        ([0, -2, 0, -1], [0, 0, 0, 0], [1, 1, 1, 1], 5, 5, 10),
    ],
)
def test_strided_slice_normalization(begin, end, strides, begin_mask, end_mask, shrink) -> None:
    """Masks, negative indices and strides, clamping and shrunk axes (checked against TFLM)."""
    x = np.random.default_rng(6).integers(-128, 128, (2, 7, 6, 5)).astype(np.int8)
    index = []
    for i in range(4):
        if shrink >> i & 1:
            index.append(begin[i])
            continue
        b = None if begin_mask >> i & 1 else begin[i]
        e = None if end_mask >> i & 1 else end[i]
        index.append(slice(b, e, strides[i]))
    expected = x[tuple(index)]  # Python's slicing clamps like TensorFlow's StridedSlice
    arrays = [np.array(v, np.int32) for v in (begin, end, strides)]
    tens = [_t(0, np.int8, x.shape, 0.1, 2)]
    tens += [_t(i + 1, np.int32, (4,), data=a) for i, a in enumerate(arrays)]
    tens.append(_t(4, np.int8, expected.shape, 0.1, 2))
    model = _single_op(
        "STRIDED_SLICE",
        tens,
        [0, 1, 2, 3],
        [0],
        BeginMask=begin_mask,
        EndMask=end_mask,
        ShrinkAxisMask=shrink,
        EllipsisMask=0,
        NewAxisMask=0,
        Offset=False,
    )
    out, _ = build_and_run(model, [x])
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("keep", [False, True])
def test_fully_connected_rank3_input(keep: bool) -> None:
    rng = np.random.default_rng(8)
    x = rng.integers(-128, 128, (2, 3, 16)).astype(np.int8)
    w = rng.integers(-127, 128, (5, 16)).astype(np.int8)
    bias = rng.integers(-2000, 2000, 5).astype(np.int32)
    tens = [
        _t(0, np.int8, x.shape, 0.03, 4),
        _t(1, np.int8, w.shape, 0.01, 0, 0, w),
        _t(2, np.int32, (5,), np.float32(0.03) * np.float32(0.01), 0, 0, bias),
        _t(3, np.int8, (2, 3, 5) if keep else (6, 5), 0.5, -3),
    ]
    model = _single_op(
        "FULLY_CONNECTED",
        tens,
        [0, 1, 2],
        [0],
        KeepNumDims=keep,
        WeightsFormat=0,
        FusedActivationFunction="RELU_N1_TO_1",
    )
    _compare_with_runner(model, [x])


def test_unmappable_options_are_refused() -> None:
    x = _t(0, np.int8, (1, 4), 0.1, 0)
    arrays = [np.array(v, np.int32) for v in ([0, 0], [1, 2], [1, 1])]
    tens = [x] + [_t(i + 1, np.int32, (2,), data=a) for i, a in enumerate(arrays)]
    tens.append(_t(4, np.int8, (1, 2), 0.1, 0))
    model = _single_op("STRIDED_SLICE", tens, [0, 1, 2, 3], [0], Offset=True)
    with pytest.raises(to_nn.Unmappable, match="offset"):
        to_nn.to_nn(model)
    with pytest.raises(to_nn.Unmappable, match="no nn mapping"):
        to_nn.to_nn(_single_op("SQUARED_DIFFERENCE", [x, x], [0, 0], [0]))
