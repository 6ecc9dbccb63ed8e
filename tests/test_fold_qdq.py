"""`nn-fold-qdq`: ONNX QDQ graphs folded into integer `nn` ops.

* MLPerf Tiny int8 models in tf2onnx's QDQ form, folded with `rounding=tflite`: no float compute
  is left and the reference matches TFLite Micro's stored outputs (`<m>_y_tflm`) bit for bit on
  every stored sample (KWS 1, ResNet-8 8, VWW 4, AD 196, SWW 45), and the TFLite Micro kernels run
  on the `.tflite` file (tests/support_tflite/runner.py) on further random inputs;
* folded with `rounding=onnx`: onnxruntime's stored outputs (`<m>_y_ort_qdq`), measured identical
  except ResNet-8 (1 LSB on 2 of 80 values, as the unfolded float QDQ graph);
* pass contracts (options, float models untouched, idempotence, remarks), small cases the lit
  test does not cover, and a hypothesis property test on random QDQ groups: the folded result
  stays within 1 LSB of the float QDQ graph (rounding=onnx and tflite) and folding is idempotent.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType, f32
from xdsl.ir import Block, Region, SSAValue

import edgeai
from edgeai.dialects import nn
from edgeai.dialects.nn_types import ActivationAttr, QuantType
from edgeai.reference.interpreter import find_main, io_names, random_inputs, run
from edgeai.support.attrs import i64_array, i64_attr
from edgeai.support.context import run_pipeline
from edgeai.support.errors import EdgeAIError
from edgeai.support.paths import shared_models_dir
from edgeai.transforms.nn_fold_qdq import NnFoldQdqPass

try:
    from support_tflite import loader, runner
except ModuleNotFoundError as exc:  # ``tests`` importable as a package
    if exc.name != "support_tflite":
        raise
    from tests.support_tflite import loader, runner

MLPERF = shared_models_dir() / "mlperf_tiny"
QDQ = MLPERF / "onnx_qdq_tf2onnx"
MODELS = {  # key in reference_outputs.npz: (ONNX QDQ file, TFLite file)
    "kws": ("kws_ref_model", "keyword_spotting/kws_ref_model.tflite"),
    "ic": ("pretrainedResnet_quant", "image_classification/pretrainedResnet_quant.tflite"),
    "vww": ("vww_96_int8", "visual_wake_words/vww_96_int8.tflite"),
    "ad": ("ad01_int8", "anomaly_detection/ad01_int8.tflite"),
    "sww": ("str_ww_ref_model", "streaming_wakeword/str_ww_ref_model.tflite"),
}
#: rounding=onnx vs onnxruntime: (max |diff| in LSB, max number of differing values), measured
ORT_TOLERANCE = {"kws": (0, 0), "ic": (1, 2), "vww": (0, 0), "ad": (0, 0), "sww": (0, 0)}
#: ops that compute (the rest moves data or reinterprets storage)
COMPUTE = (
    nn.Conv2dOp,
    nn.DepthwiseConv2dOp,
    nn.DenseOp,
    nn.MatMulOp,
    nn.AddOp,
    nn.AvgPool2dOp,
    nn.MaxPool2dOp,
    nn.SoftmaxOp,
)


def fold_pipeline(rounding: str) -> str:
    return f"convert-onnx-to-nn,nn-optimize,nn-fold-qdq{{rounding={rounding}}},nn-optimize"


_CACHE: dict[tuple[str, str], ModuleOp] = {}


def folded(key: str, rounding: str) -> ModuleOp:
    """The QDQ model `key` imported and folded (built once per test session and worker)."""
    if (key, rounding) not in _CACHE:
        m = edgeai.import_model(str(QDQ / f"{MODELS[key][0]}.onnx"))
        _CACHE[key, rounding] = run_pipeline(m, fold_pipeline(rounding))
    return _CACHE[key, rounding]


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(MLPERF / "reference_outputs.npz") as data:
        return {k: data[k] for k in data.files}


def run_samples(m: ModuleOp, xs: np.ndarray) -> np.ndarray:
    name = io_names(find_main(m))[0][0]
    return np.concatenate([next(iter(run(m, {name: x[None]}).values())) for x in xs])


def assert_integer_program(m: ModuleOp, rounding: str) -> None:
    counts = Counter(op.name for op in m.walk())
    assert counts["nn.dequantize"] == counts["nn.quantize"] == 0, counts
    for op in m.walk():
        if op.name.startswith("nn.") and not isinstance(op, nn.ConstantOp):
            kinds = {nn.kind(v.type) for v in (*op.operands, *op.results)}
            assert "f" not in kinds, f"{op.name} computes in float"
        if isinstance(op, COMPUTE):
            assert op.prop("rounding") == rounding, op.name
    assert sum(isinstance(op, COMPUTE) for op in m.walk()) > 0


# ---------------------------------------------------------------------------------------------
# MLPerf Tiny


@pytest.mark.parametrize("key", list(MODELS))
def test_mlperf_folded_is_bit_exact_with_tflm(key: str, reference) -> None:
    m = folded(key, "tflite")
    assert_integer_program(m, "tflite")
    assert NnFoldQdqPass(rounding="tflite").not_folded(m) == []
    xs, expected = reference[f"{key}_x"], reference[f"{key}_y_tflm"]
    got = run_samples(m, xs).reshape(expected.shape)
    assert got.dtype == expected.dtype == np.int8
    diff = np.abs(got.astype(np.int64) - expected)
    # AD (FC only): TFLite's reference kernels differ from TFLM by up to 12 LSB; we match TFLM
    assert diff.max() == 0, (
        f"{key}: {(diff > 0).sum()} of {diff.size} values differ, max {diff.max()}"
    )


@pytest.mark.parametrize("key", list(MODELS))
def test_mlperf_folded_matches_tflm_kernels_on_the_tflite_file(key: str) -> None:
    """The folded ONNX program and TFLM's kernels chained on the `.tflite` model agree on random
    inputs (and, for KWS, on the real MFCC input)."""
    m = folded(key, "tflite")
    model = loader.load_tflite(MLPERF / MODELS[key][1])
    arg = find_main(m).function_type.inputs.data[0]
    xs = np.random.default_rng(7).integers(-128, 128, (6, *arg.get_shape()[1:]), dtype=np.int8)
    if key == "kws":
        xs = np.concatenate([np.load(MLPERF / "keyword_spotting" / "kws_input_data.npy"), xs])
    got = run_samples(m, xs)
    want = np.concatenate([runner.run_model(model, [x[None]])[0].reshape(1, -1) for x in xs])
    np.testing.assert_array_equal(got.reshape(want.shape), want)
    if key == "kws":
        assert int(np.argmax(got[0])) == 5  # "on"


@pytest.mark.parametrize("key", list(MODELS))
def test_mlperf_folded_onnx_rounding_matches_onnxruntime(key: str, reference) -> None:
    m = folded(key, "onnx")
    assert_integer_program(m, "onnx")
    xs, expected = reference[f"{key}_x"], reference[f"{key}_y_ort_qdq"]
    got = run_samples(m, xs).reshape(expected.shape)
    diff = np.abs(got.astype(np.int64) - expected)
    max_lsb, max_count = ORT_TOLERANCE[key]
    assert diff.max() <= max_lsb, f"{key}: max diff {diff.max()} LSB"
    assert int((diff > 0).sum()) <= max_count, f"{key}: {(diff > 0).sum()} values differ"


def test_default_lowering_folds_with_onnx_semantics() -> None:
    """`edgeai.lower(to="nn")` folds QDQ models and keeps the ONNX model's own semantics."""
    m = edgeai.lower(edgeai.import_model(str(QDQ / "kws_ref_model.onnx")))
    assert_integer_program(m, "onnx")


def test_float_model_is_untouched() -> None:
    m = edgeai.import_model(str(QDQ / "pretrainedResnet.onnx"))
    run_pipeline(m, "convert-onnx-to-nn,nn-optimize")
    before = str(m)
    assert not NnFoldQdqPass().rewrite(m)
    assert str(m) == before


@pytest.mark.parametrize("rounding", ["tflite", "onnx"])
def test_folding_a_model_is_idempotent(rounding: str) -> None:
    m = edgeai.import_model(str(QDQ / "pretrainedResnet_quant.onnx"))
    run_pipeline(m, "convert-onnx-to-nn,nn-optimize")
    assert NnFoldQdqPass(rounding=rounding).rewrite(m)
    text = str(m)
    assert not NnFoldQdqPass(rounding=rounding).rewrite(m)
    assert str(m) == text


def test_bad_rounding_option_is_one_clear_error() -> None:
    m = edgeai.parse_mlir(
        "func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> { func.return %x : tensor<2xf32> }"
    )
    with pytest.raises(EdgeAIError, match="rounding must be one of tflite, onnx, got 'fast'"):
        run_pipeline(m, "nn-fold-qdq{rounding=fast}")


# ---------------------------------------------------------------------------------------------
# small cases (numerics against the float QDQ graph; the lit test checks the IR)

_CASES = {
    "concat_mixed_params": """
func.func @main(%a: tensor<1x2x!nn.q<i8, 0.1:3>>, %b: tensor<1x3x!nn.q<i8, 0.07:-5>>) -> tensor<1x5x!nn.q<i8, 0.09:1>> {
  %af = nn.dequantize %a : (tensor<1x2x!nn.q<i8, 0.1:3>>) -> tensor<1x2xf32>
  %bf = nn.dequantize %b : (tensor<1x3x!nn.q<i8, 0.07:-5>>) -> tensor<1x3xf32>
  %c = nn.concat %af, %bf {axis = 1 : i64} : (tensor<1x2xf32>, tensor<1x3xf32>) -> tensor<1x5xf32>
  %q = nn.quantize %c {rounding = "onnx"} : (tensor<1x5xf32>) -> tensor<1x5x!nn.q<i8, 0.09:1>>
  func.return %q : tensor<1x5x!nn.q<i8, 0.09:1>>
}""",
    "sigmoid_tflite_output": """
func.func @main(%x: tensor<1x6x!nn.q<i8, 0.05:2>>) -> tensor<1x6x!nn.q<i8, 0.00390625:-128>> {
  %xf = nn.dequantize %x : (tensor<1x6x!nn.q<i8, 0.05:2>>) -> tensor<1x6xf32>
  %s = nn.sigmoid %xf : (tensor<1x6xf32>) -> tensor<1x6xf32>
  %q = nn.quantize %s {rounding = "onnx"} : (tensor<1x6xf32>) -> tensor<1x6x!nn.q<i8, 0.00390625:-128>>
  func.return %q : tensor<1x6x!nn.q<i8, 0.00390625:-128>>
}""",
    "sigmoid_other_output": """
func.func @main(%x: tensor<1x6x!nn.q<i8, 0.05:2>>) -> tensor<1x6x!nn.q<i8, 0.005:-100>> {
  %xf = nn.dequantize %x : (tensor<1x6x!nn.q<i8, 0.05:2>>) -> tensor<1x6xf32>
  %s = nn.sigmoid %xf : (tensor<1x6xf32>) -> tensor<1x6xf32>
  %q = nn.quantize %s {rounding = "onnx"} : (tensor<1x6xf32>) -> tensor<1x6x!nn.q<i8, 0.005:-100>>
  func.return %q : tensor<1x6x!nn.q<i8, 0.005:-100>>
}""",
    "log_softmax": """
func.func @main(%x: tensor<1x6x!nn.q<i8, 0.05:2>>) -> tensor<1x6x!nn.q<i8, 0.05:127>> {
  %xf = nn.dequantize %x : (tensor<1x6x!nn.q<i8, 0.05:2>>) -> tensor<1x6xf32>
  %s = nn.log_softmax %xf {axis = -1 : i64} : (tensor<1x6xf32>) -> tensor<1x6xf32>
  %q = nn.quantize %s {rounding = "onnx"} : (tensor<1x6xf32>) -> tensor<1x6x!nn.q<i8, 0.05:127>>
  func.return %q : tensor<1x6x!nn.q<i8, 0.05:127>>
}""",
    "matmul": """
func.func @main(%a: tensor<2x3x!nn.q<i8, 0.1:3>>, %b: tensor<3x4x!nn.q<i8, 0.05:-2>>) -> tensor<2x4x!nn.q<i8, 0.08:0>> {
  %af = nn.dequantize %a : (tensor<2x3x!nn.q<i8, 0.1:3>>) -> tensor<2x3xf32>
  %bf = nn.dequantize %b : (tensor<3x4x!nn.q<i8, 0.05:-2>>) -> tensor<3x4xf32>
  %m = nn.matmul %af, %bf : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %q = nn.quantize %m {rounding = "onnx"} : (tensor<2x4xf32>) -> tensor<2x4x!nn.q<i8, 0.08:0>>
  func.return %q : tensor<2x4x!nn.q<i8, 0.08:0>>
}""",
    "split_pad_max_pool": """
func.func @main(%x: tensor<1x3x3x4x!nn.q<i8, 0.1:3>>) -> (tensor<1x2x2x2x!nn.q<i8, 0.1:3>>, tensor<1x3x3x2x!nn.q<i8, 0.2:-7>>) {
  %xf = nn.dequantize %x : (tensor<1x3x3x4x!nn.q<i8, 0.1:3>>) -> tensor<1x3x3x4xf32>
  %s:2 = nn.split %xf {axis = 3 : i64} : (tensor<1x3x3x4xf32>) -> (tensor<1x3x3x2xf32>, tensor<1x3x3x2xf32>)
  %p = nn.pad %s#0 {pads = array<i64: 0, 1, 1, 0, 0, 0, 0, 0>, mode = "constant", value = 0.0 : f32} : (tensor<1x3x3x2xf32>) -> tensor<1x4x4x2xf32>
  %m = nn.max_pool2d %p {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32>
  %q = nn.quantize %m {rounding = "onnx"} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2x!nn.q<i8, 0.1:3>>
  %q2 = nn.quantize %s#1 {rounding = "onnx"} : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x2x!nn.q<i8, 0.2:-7>>
  func.return %q, %q2 : tensor<1x2x2x2x!nn.q<i8, 0.1:3>>, tensor<1x3x3x2x!nn.q<i8, 0.2:-7>>
}""",
    "broadcast_add_is_not_a_bias": """
func.func @main(%x: tensor<1x4x!nn.q<i8, 0.125:3>>) -> tensor<3x2x!nn.q<i8, 0.05:0>> {
  %w = nn.constant dense<[[1, 2, 3, 4], [-1, -2, -3, -4]]> : tensor<2x4x!nn.q<i8, 0.5:0>>
  %b = nn.constant dense<[[5, -2], [1, 1], [0, 3]]> : tensor<3x2x!nn.q<i32, 0.0625:0>>
  %xf = nn.dequantize %x : (tensor<1x4x!nn.q<i8, 0.125:3>>) -> tensor<1x4xf32>
  %wf = nn.dequantize %w : (tensor<2x4x!nn.q<i8, 0.5:0>>) -> tensor<2x4xf32>
  %bf = nn.dequantize %b : (tensor<3x2x!nn.q<i32, 0.0625:0>>) -> tensor<3x2xf32>
  %d = nn.dense %xf, %wf : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  %y = nn.add %d, %bf : (tensor<1x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  %q = nn.quantize %y {rounding = "onnx"} : (tensor<3x2xf32>) -> tensor<3x2x!nn.q<i8, 0.05:0>>
  func.return %q : tensor<3x2x!nn.q<i8, 0.05:0>>
}""",
}

#: case -> rounding -> (ops expected after folding, ops that must be gone) / reason not folded
_EXPECT: dict[str, dict[str, tuple[set[str], set[str]] | str]] = {
    "concat_mixed_params": {
        "tflite": ({"nn.concat"}, {"nn.dequantize", "nn.requantize"}),
        "onnx": ({"nn.concat", "nn.requantize"}, {"nn.dequantize"}),
    },
    "sigmoid_tflite_output": {
        "tflite": ({"nn.sigmoid"}, {"nn.dequantize"}),
        "onnx": ({"nn.sigmoid"}, {"nn.dequantize"}),
    },
    "sigmoid_other_output": {
        "tflite": "TFLite's integer LOGISTIC fixes the output scale and zero point",
        "onnx": ({"nn.sigmoid"}, {"nn.dequantize"}),
    },
    "log_softmax": {
        "tflite": "log_softmax has no integer semantics",
        "onnx": "log_softmax has no integer semantics",
    },
    "matmul": {
        "tflite": ({"nn.matmul"}, {"nn.dequantize"}),
        "onnx": ({"nn.matmul"}, {"nn.dequantize"}),
    },
    "split_pad_max_pool": {
        "tflite": ({"nn.split", "nn.pad", "nn.max_pool2d", "nn.requantize"}, {"nn.dequantize"}),
        "onnx": ({"nn.split", "nn.pad", "nn.max_pool2d", "nn.requantize"}, {"nn.dequantize"}),
    },
    "broadcast_add_is_not_a_bias": {
        "tflite": "nn.add",
        "onnx": "nn.add",
    },
}


@pytest.mark.parametrize("rounding", ["tflite", "onnx"])
@pytest.mark.parametrize("case", list(_CASES))
def test_small_case(case: str, rounding: str) -> None:
    m = edgeai.parse_mlir(_CASES[case])
    inputs = random_inputs(m, seed=3)
    before = run(m, inputs)
    p = NnFoldQdqPass(rounding=rounding)
    p.rewrite(m)
    m.verify()
    after = run(m, inputs)
    names = {op.name for op in m.walk()}
    expect = _EXPECT[case][rounding]
    if isinstance(expect, str):  # stays float, for this reason
        assert "nn.quantize" in names
        assert any(expect in why or expect == op.name for op, why in p.not_folded(m)), p.not_folded(
            m
        )
        for k in before:
            np.testing.assert_array_equal(after[k], before[k])
        return
    present, absent = expect
    assert present <= names and not (absent & names), names
    assert "nn.quantize" not in names
    for k in before:
        diff = np.abs(after[k].astype(np.int64) - before[k])
        assert diff.max() <= 1, (k, diff.max())


@pytest.mark.parametrize("props", ["narrow = 1 : i64", 'rounding = "qonnx_floor"'])
def test_quantize_without_integer_form_is_not_folded(props: str) -> None:
    """A narrow-range or QONNX-rounded quantize is not what an integer op computes."""
    if not nn_types_support_qonnx():
        pytest.skip("nn.quantize has no narrow / QONNX rounding in this tree")
    t = "tensor<1x4x!nn.q<i8, 0.1:0>>"
    m = edgeai.parse_mlir(f"""
func.func @main(%a: {t}, %b: {t}) -> ({t}, {t}) {{
  %af = nn.dequantize %a : ({t}) -> tensor<1x4xf32>
  %bf = nn.dequantize %b : ({t}) -> tensor<1x4xf32>
  %s = nn.add %af, %bf : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %q = nn.quantize %s {{{props}}} : (tensor<1x4xf32>) -> {t}
  %r = nn.quantize %af {{{props}}} : (tensor<1x4xf32>) -> {t}
  func.return %q, %r : {t}, {t}
}}""")
    text = str(m)
    p = NnFoldQdqPass()
    assert not p.rewrite(m) and str(m) == text
    assert len(p.not_folded(m)) == 2


def nn_types_support_qonnx() -> bool:
    return "narrow" in dict(nn.QuantizeOp.get_irdl_definition().properties)


def test_remarks_go_to_stderr(capsys) -> None:
    m = edgeai.parse_mlir(_CASES["log_softmax"])
    run_pipeline(m, "nn-fold-qdq{remarks=true}")
    err = capsys.readouterr().err
    assert err.startswith("remark: nn-fold-qdq: nn.log_softmax stays float: log_softmax")


# ---------------------------------------------------------------------------------------------
# property: random QDQ groups


class QdqGroup:
    """One random QDQ group: dequantized int8 input(s) -> conv / depthwise / dense (bias in the
    op or as a separate add) / add / avg or max pool (random act) -> quantize."""

    KINDS = ("conv", "depthwise", "dense", "dense_add", "add", "avg_pool", "max_pool")

    def __init__(self, kind: str, seed: int):
        self.kind, self.seed = kind, seed

    def _qtype(self, rng, lo=0.005, hi=0.2) -> QuantType:
        s = float(np.float32(np.exp(rng.uniform(np.log(lo), np.log(hi)))))
        return QuantType.get(8, True, s, int(rng.integers(-100, 101)))

    def build(self, out_scale: float | None) -> ModuleOp:
        """The float QDQ graph; it returns the float result when `out_scale` is None."""
        rng = np.random.default_rng(self.seed)
        h, w, c = (int(v) for v in rng.integers(2, 6, 3))
        xt = self._qtype(rng)
        shape = [1, h, w, c] if self.kind not in ("dense", "dense_add") else [1, h * w]
        args = [TensorType(xt, shape)]
        if self.kind == "add":
            args.append(TensorType(self._qtype(rng), shape))
        block = Block(arg_types=args)
        ops: list = []

        def emit(op):
            ops.append(op)
            block.add_op(op)
            return op.results[0]

        def dq(v: SSAValue) -> SSAValue:
            return emit(nn.DequantizeOp.make([v], f32))

        def const(arr: np.ndarray, t: QuantType) -> SSAValue:
            return emit(nn.ConstantOp.from_numpy(arr, t))

        def weight(wshape: list[int], axis: int) -> tuple[SSAValue, np.ndarray]:
            n = wshape[axis]
            per_channel = rng.random() < 0.6
            sw = np.exp(rng.uniform(np.log(0.002), np.log(0.05), n if per_channel else 1))
            sw = sw.astype(np.float32).astype(np.float64)
            zw = 0 if rng.random() < 0.8 else int(rng.integers(-10, 11))
            t = QuantType.get(8, True, sw, zw, axis if per_channel else None)
            vals = rng.integers(-127, 128, wshape).astype(np.int8)
            return const(vals, t), np.repeat(sw, n) if sw.size == 1 else sw

        def bias(sw: np.ndarray, bshape: list[int]) -> SSAValue:
            """int32 bias at float32(s_x * s_w) (as converters store it), sometimes twice it."""
            k = 2.0 if rng.random() < 0.2 else 1.0
            scales = (np.float32(xt.scale) * sw.astype(np.float32) * np.float32(k)).astype(
                np.float64
            )
            vals = rng.integers(-3000, 3001, sw.size)
            t = QuantType.get(32, True, scales, 0, len(bshape) - 1 if sw.size > 1 else None)
            if sw.size == 1 or len(set(scales.tolist())) == 1:
                t = QuantType.get(32, True, scales[0], 0)
            return dq(const(vals.reshape(bshape).astype(np.int32), t))

        act = [None, ActivationAttr.get("relu"), ActivationAttr.get("relu6")][int(rng.integers(3))]
        props = {} if act is None else {"act": act}
        x = dq(block.args[0])
        k = int(rng.integers(1, min(h, w, 3) + 1))
        window = {
            "strides": i64_array([int(rng.integers(1, 3))] * 2),
            "dilations": i64_array([1, 1]),
            "padding": i64_array([int(v) for v in rng.integers(0, k, 4)]),
        }
        if self.kind == "conv":
            cout = int(rng.integers(1, 5))
            wq, sw = weight([cout, k, k, c], 0)
            b = bias(sw, [cout]) if rng.random() < 0.8 else None
            props |= {**window, "groups": i64_attr(1)}
            y = emit(nn.Conv2dOp.make([x, dq(wq), b], f32, props))
        elif self.kind == "depthwise":
            wq, sw = weight([1, k, k, c], 3)
            y = emit(nn.DepthwiseConv2dOp.make([x, dq(wq), bias(sw, [c])], f32, props | window))
        elif self.kind in ("dense", "dense_add"):
            n = int(rng.integers(1, 6))
            wq, sw = weight([n, h * w], 0)
            if self.kind == "dense":
                y = emit(nn.DenseOp.make([x, dq(wq), bias(sw, [n])], f32, props))
            else:
                d = emit(nn.DenseOp.make([x, dq(wq)], f32))
                y = emit(nn.AddOp.make([d, bias(sw, [1, n])], f32, props))
        elif self.kind == "add":
            y = emit(nn.AddOp.make([x, dq(block.args[1])], f32, props))
        else:
            cls = nn.AvgPool2dOp if self.kind == "avg_pool" else nn.MaxPool2dOp
            window["padding"] = i64_array([0, 0, 0, 0])
            pool = {"kernel": i64_array([k, k]), **window}
            if cls is nn.AvgPool2dOp:
                pool["count_include_pad"] = i64_attr(0)
            y = emit(cls.make([x], f32, pool | props))
        if out_scale is not None:
            zy = int(rng.integers(-20, 21))
            yt = (
                xt
                if self.kind.endswith("pool") and rng.random() < 0.5
                else QuantType.get(8, True, out_scale, zy)
            )
            y = emit(nn.QuantizeOp.make([y], yt, {"rounding": StringAttr("onnx")}))
        block.add_op(func.ReturnOp(y))
        ftype = (list(args), [y.type])
        m = ModuleOp([func.FuncOp("main", ftype, Region(block))])
        m.verify()
        return m


def qdq_group(kind: str, seed: int, input_seed: int, span: float) -> tuple[ModuleOp, dict]:
    """The group with an output scale that covers `span` times the float result's range."""
    group = QdqGroup(kind, seed)
    probe = group.build(None)
    inputs = random_inputs(probe, seed=input_seed)
    y = next(iter(run(probe, inputs).values()))
    top = float(np.max(np.abs(y))) if y.size else 1.0
    return group.build(float(np.float32(max(top, 1e-3) / 127 * span))), inputs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(QdqGroup.KINDS),
    seed=st.integers(0, 2**32 - 1),
    input_seed=st.integers(0, 1000),
    span=st.floats(0.5, 1.5),
    rounding=st.sampled_from(["onnx", "tflite"]),
)
def test_folding_random_groups_is_within_one_lsb_and_idempotent(
    kind: str, seed: int, input_seed: int, span: float, rounding: str
) -> None:
    module, inputs = qdq_group(kind, seed, input_seed, span)
    before = run(module, inputs)
    p = NnFoldQdqPass(rounding=rounding)
    changed = p.rewrite(module)
    module.verify()
    names = Counter(op.name for op in module.walk())
    if names["nn.quantize"]:  # only a form TFLite has no kernel for may stay float
        assert rounding == "tflite" and not changed
        assert [op.name for op, _ in p.not_folded(module)] == ["nn.avg_pool2d"]
    else:
        assert changed and names["nn.dequantize"] == 0
    after = run(module, inputs)
    for k in before:
        diff = np.abs(after[k].astype(np.int64) - before[k])
        assert diff.max() <= 1, f"{rounding}: {diff.max()} LSB"
    text = str(module)
    assert not p.rewrite(module) and str(module) == text
