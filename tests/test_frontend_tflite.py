"""The TFLite frontend end to end: `.tflite` -> `tfl` -> `convert-tfl-to-nn` -> `nn` reference
and the Cortex-M C, against TFLite Micro.

Oracles: `reference_outputs.npz` (`<m>_y_tflm`, TFLite Micro's outputs recorded on the int8
MLPerf Tiny models), the `tflite_micro` Python runtime run here, the recorded MLPerf anomaly
scores, the ONNX QDQ conversions of the same models, and the TFLM person-detection images.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import edgeai
from edgeai.reference.interpreter import find_main, io_names
from edgeai.support.context import run_pipeline
from edgeai.support.errors import EdgeAIError, UnsupportedError
from tests.conftest import MODELS

MLPERF = MODELS / "mlperf_tiny"
TFLM = MODELS / "tflm"
INT8 = {
    "kws": "keyword_spotting/kws_ref_model.tflite",
    "ic": "image_classification/pretrainedResnet_quant.tflite",
    "vww": "visual_wake_words/vww_96_int8.tflite",
    "sww": "streaming_wakeword/str_ww_ref_model.tflite",
    "ad": "anomaly_detection/ad01_int8.tflite",
}
ONNX_QDQ = {
    "kws": "kws_ref_model.onnx",
    "ic": "pretrainedResnet_quant.onnx",
    "vww": "vww_96_int8.onnx",
    "sww": "str_ww_ref_model.onnx",
    "ad": "ad01_int8.onnx",
}
AD = MLPERF / "anomaly_detection"


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    return dict(np.load(MLPERF / "reference_outputs.npz"))


def lowered(path: Path):
    """`.tflite` -> `nn` with the default crossing (`convert-tfl-to-nn,nn-optimize`)."""
    m = edgeai.import_model(str(path))
    assert edgeai.level_of(m) == "tfl"
    edgeai.lower(m, to="nn")
    assert edgeai.level_of(m) == "nn"
    assert not any(op.name.startswith("tfl.") for op in m.walk())
    return m


def run_samples(m, xs: np.ndarray) -> np.ndarray:
    """One run per sample (leading axis of `xs`), the single output stacked."""
    (name,) = io_names(find_main(m))[0]
    return np.concatenate([next(iter(edgeai.run(m, {name: x[None]}).values())) for x in xs])


def ad_windows() -> np.ndarray:
    """The anomaly-detection input: 196 windows of 5 frames of the bundled spectrogram."""
    spec = np.load(AD / "normal_id_01_00000000_hist_librosa.npy").astype(np.float32)
    return np.stack([spec[i : i + 5].reshape(640) for i in range(spec.shape[0] - 4)])


def ad_score(x: np.ndarray, y: np.ndarray) -> float:
    """MLPerf Tiny's anomaly score: mean over windows of the reconstruction MSE."""
    return float(np.mean(np.mean((x.astype(np.float64) - y.astype(np.float64)) ** 2, axis=1)))


def tflm_outputs(path: Path, xs: np.ndarray) -> np.ndarray:
    """TFLite Micro's output for every sample of `xs` (its Python runtime)."""
    from tflite_micro.python.tflite_micro import runtime as tflm

    it = tflm.Interpreter.from_file(str(path), arena_size=1 << 20)
    outs = []
    for x in xs:
        it.set_input(x[None], 0)
        it.invoke()
        outs.append(it.get_output(0).copy())
    return np.concatenate(outs)


# ---------------------------------------------------------------------------------------------
# MLPerf Tiny through the nn reference


@pytest.mark.parametrize("key", ["kws", "ic", "vww", "sww"])
def test_mlperf_int8_bit_exact_with_tflm(key: str, reference) -> None:
    m = lowered(MLPERF / INT8[key])
    xs, expected = reference[f"{key}_x"], reference[f"{key}_y_tflm"]
    got = run_samples(m, xs).reshape(expected.shape)
    assert got.dtype == expected.dtype == np.int8
    diff = np.abs(got.astype(np.int64) - expected)
    assert diff.max() == 0, f"{key}: {(diff > 0).sum()} of {diff.size} values differ"
    # an integer program: no float op left between the quantized input and output
    assert not any(op.name in ("nn.quantize", "nn.dequantize") for op in m.walk())


def test_kws_sample_is_class_5() -> None:
    m = lowered(MLPERF / INT8["kws"])
    x = np.load(MLPERF / "keyword_spotting" / "kws_input_data.npy")
    y = run_samples(m, x.reshape(-1, 49, 10, 1))
    assert int(np.argmax(y[0])) == 5  # "on"


def test_anomaly_detection_fp32_score() -> None:
    x = ad_windows()
    y = run_samples(lowered(AD / "ad01_fp32.tflite"), x)
    score = ad_score(x, y)
    print(f"AD fp32 score {score:.6f} (recorded 9.707108)")
    assert abs(score - 9.707108) <= 1e-4


def test_anomaly_detection_fullint_micro_score() -> None:
    """The int8 body with float QUANTIZE/DEQUANTIZE ends: bit-exact with TFLite Micro on all 196
    windows. The score TFLM itself gives (10.259785) is 5e-4 below the figure recorded by MLPerf
    Tiny (10.260288, made with an older TensorFlow interpreter; LiteRT 2.3 gives 10.267564), so
    the recorded figure is checked to 1e-3 and TFLM's own score to 1e-6."""
    path = AD / "model_ToyCar_quant_fullint_micro.tflite"
    m = lowered(path)
    ops = [op.name for op in m.walk() if op.name.startswith("nn.") and op.name != "nn.constant"]
    assert ops[0] == "nn.quantize" and ops[-1] == "nn.dequantize"
    assert ops[1:-1] == ["nn.dense"] * 10
    x = ad_windows()
    y = run_samples(m, x)
    want = tflm_outputs(path, x)
    np.testing.assert_array_equal(y, want)
    score = ad_score(x, y)
    print(f"AD fullint_micro score {score:.6f} (TFLM {ad_score(x, want):.6f}, recorded 10.260288)")
    assert abs(score - ad_score(x, want)) <= 1e-6
    assert abs(score - 10.260288) <= 1e-3


def test_anomaly_detection_score_depends_on_the_interpreters_rounding(monkeypatch) -> None:
    """Why the recorded AD int8 score is not met to 1e-4: the score moves with the requantization
    rounding of the interpreter that computes it. With TFLite's single-rounding build
    (TFLITE_SINGLE_ROUNDING, what LiteRT 2.3.0 ships) our reference gives LiteRT's score,
    10.267564 (measured once with LiteRT 2.3.0's interpreter, reference and optimized kernels
    alike); with TFLite Micro's double rounding, TFLM's 10.259785. Neither is the recorded
    10.260288."""
    import functools

    from edgeai.reference import fixedpoint as fp

    m = lowered(AD / "model_ToyCar_quant_fullint_micro.tflite")
    x = ad_windows()
    single = functools.partial(fp.multiply_by_quantized_multiplier, single_rounding=True)
    monkeypatch.setattr(fp, "multiply_by_quantized_multiplier", single)
    score = ad_score(x, run_samples(m, x))
    print(f"AD fullint_micro score with single rounding {score:.6f} (LiteRT 2.3.0: 10.267564)")
    assert abs(score - 10.267564) <= 1e-6


def test_person_detection() -> None:
    path = TFLM / "person_detect.tflite"
    m = lowered(path)
    imgs = [np.load(TFLM / "testdata" / f"{n}_96x96_uint8.npy") for n in ("person", "no_person")]
    xs = np.stack([(a.astype(np.int16) - 128).astype(np.int8).reshape(96, 96, 1) for a in imgs])
    y = run_samples(m, xs)  # [no person, person] scores
    np.testing.assert_array_equal(y, tflm_outputs(path, xs))
    person, no_person = y[:, 1]
    assert person > no_person
    assert np.argmax(y[1]) == 0  # the no-person image is classified "no person"


# ---------------------------------------------------------------------------------------------
# the same model from .tflite and from its ONNX QDQ conversion


def signature(m) -> list[str]:
    """The program as `op : (operand types) -> result type` lines, canonicalized: the storage
    casts that an ONNX model with plain int8 I/O needs at its boundary are looked through,
    a per-channel type whose channels all hold one scale/zero point is per-tensor, and the
    per-channel parameters print as their count and a digest (to keep the lines short)."""
    import hashlib

    from edgeai.dialects.nn_types import QuantType

    def t(v) -> str:
        e = v.type.element_type
        if isinstance(e, QuantType) and e.channel_axis is not None:
            s, z = e.scale_array(), e.zero_point_array()
            if np.all(s == s[0]) and np.all(z == z[0]):
                e = QuantType.get(e.width, e.is_signed, float(s[0]), int(z[0]))
            else:
                h = hashlib.sha1(s.tobytes() + z.astype(np.int64).tobytes()).hexdigest()[:8]
                e = f"!nn.q<i{e.width}:{e.channel_axis}, {s.size} channels #{h}>"
        return f"tensor<{'x'.join(map(str, v.type.get_shape()))}x{e}>"

    casts = {}
    for op in find_main(m).walk():
        if op.name == "nn.storage_cast":
            casts[op.results[0]] = op.operands[0]
    lines = []
    for op in find_main(m).walk():
        if not op.name.startswith("nn.") or op.name in ("nn.constant", "nn.storage_cast"):
            continue
        ins = ", ".join(t(o) for o in op.operands)
        outs = ", ".join(t(r) for r in op.results)
        lines.append(f"{op.name} : ({ins}) -> {outs}")
    return lines


@pytest.mark.parametrize("key", ["kws", "ic", "sww", "ad"])
def test_tflite_and_onnx_qdq_give_the_same_nn_program(key: str) -> None:
    from edgeai.tools.generate import NN_PIPELINE

    from_tflite = lowered(MLPERF / INT8[key])
    from_onnx = edgeai.import_model(str(MLPERF / "onnx_qdq_tf2onnx" / ONNX_QDQ[key]), {})
    run_pipeline(from_onnx, NN_PIPELINE)
    a, b = signature(from_tflite), signature(from_onnx)
    print(f"--- {key} from .tflite ({len(a)} ops)", *a, sep="\n")
    print(f"--- {key} from ONNX QDQ ({len(b)} ops)", *b, sep="\n")
    # the two converters may schedule independent branches (ResNet shortcuts) differently
    assert sorted(a) == sorted(b)
    assert [line.split()[0] for line in a if "add" in line] == [
        line.split()[0] for line in b if "add" in line
    ]


# ---------------------------------------------------------------------------------------------
# the Cortex-M path


def test_generated_c_on_the_host_is_bit_exact_with_tflm(reference) -> None:
    from edgeai.tools.generate import Progress, compile_model, run_target

    compiled = compile_model(str(MLPERF / INT8["ic"]), "cortex-m4")
    (name,) = io_names(find_main(compiled.nn_module))[0]
    xs, expected = reference["ic_x"][:3], reference["ic_y_tflm"][:3]
    outs, _ = run_target(compiled, "host", [{name: x[None]} for x in xs], Progress(False))
    got = np.concatenate([o[0] for o in outs]).reshape(expected.shape)
    np.testing.assert_array_equal(got, expected)


def test_edgeai_generate_and_validate_accept_tflite(capsys, tmp_path, reference) -> None:
    from edgeai.tools.edgeai_main import main

    model = str(MLPERF / INT8["kws"])
    out = tmp_path / "kws"
    assert main(["generate", "-m", model, "--target", "cortex-m4", "-o", str(out)]) == 0
    capsys.readouterr()
    assert any(p.suffix == ".c" for p in out.iterdir())
    inputs = tmp_path / "kws.npz"
    np.savez(inputs, input_1=reference["kws_x"])
    rc = main(
        ["validate", "-m", model, "--target", "cortex-m4", "--runner", "host"]
        + ["--inputs", str(inputs), "--json"]
    )
    result = json.loads(capsys.readouterr().out)
    assert rc == 0 and result["passed"]
    (o,) = result["outputs"]
    assert o["bit_exact"] and o["max_abs"] == 0


# ---------------------------------------------------------------------------------------------
# errors and tools


def write_tflite(path: Path, ops: list[tuple[int, str, list[int], list[int]]]) -> None:
    """A float32 `.tflite` with tensors 0..n of shape [1, 4] (tensor 0 the input, the last the
    output) and `ops` = (builtin code, custom code, inputs, outputs), built with the flatbuffer
    builder of the `tflite` package."""
    import importlib

    import flatbuffers

    mods = ("Buffer", "Model", "Operator", "OperatorCode", "SubGraph", "Tensor")
    Buffer, Model, Operator, OperatorCode, SubGraph, Tensor = (
        importlib.import_module(f"tflite.{n}") for n in mods
    )

    b = flatbuffers.Builder(1024)

    def vec(start, items, add) -> int:
        start(b, len(items))
        for it in reversed(items):
            add(it)
        return b.EndVector()

    n = 1 + max(o for op in ops for o in op[3])
    tensors = []
    for i in range(n):
        name = b.CreateString(f"t{i}")
        shape = vec(Tensor.StartShapeVector, [1, 4], b.PrependInt32)
        Tensor.Start(b)
        Tensor.AddShape(b, shape)
        Tensor.AddType(b, 0)
        Tensor.AddBuffer(b, 0)
        Tensor.AddName(b, name)
        tensors.append(Tensor.End(b))
    codes, operators = [], []
    for k, (code, custom, ins, outs) in enumerate(ops):
        cname = b.CreateString(custom) if custom else None
        OperatorCode.Start(b)
        OperatorCode.AddBuiltinCode(b, code)
        OperatorCode.AddDeprecatedBuiltinCode(b, min(code, 127))
        if cname is not None:
            OperatorCode.AddCustomCode(b, cname)
        codes.append(OperatorCode.End(b))
        iv = vec(Operator.StartInputsVector, ins, b.PrependInt32)
        ov = vec(Operator.StartOutputsVector, outs, b.PrependInt32)
        Operator.Start(b)
        Operator.AddOpcodeIndex(b, k)
        Operator.AddInputs(b, iv)
        Operator.AddOutputs(b, ov)
        operators.append(Operator.End(b))
    tv = vec(SubGraph.StartTensorsVector, tensors, b.PrependUOffsetTRelative)
    opv = vec(SubGraph.StartOperatorsVector, operators, b.PrependUOffsetTRelative)
    inv = vec(SubGraph.StartInputsVector, [0], b.PrependInt32)
    outv = vec(SubGraph.StartOutputsVector, [n - 1], b.PrependInt32)
    SubGraph.Start(b)
    SubGraph.AddTensors(b, tv)
    SubGraph.AddOperators(b, opv)
    SubGraph.AddInputs(b, inv)
    SubGraph.AddOutputs(b, outv)
    sg = SubGraph.End(b)
    Buffer.Start(b)
    buf = Buffer.End(b)
    codes_v = vec(Model.StartOperatorCodesVector, codes, b.PrependUOffsetTRelative)
    sgs = vec(Model.StartSubgraphsVector, [sg], b.PrependUOffsetTRelative)
    bufs = vec(Model.StartBuffersVector, [buf], b.PrependUOffsetTRelative)
    Model.Start(b)
    Model.AddVersion(b, 3)
    Model.AddOperatorCodes(b, codes_v)
    Model.AddSubgraphs(b, sgs)
    Model.AddBuffers(b, bufs)
    b.Finish(Model.End(b), file_identifier=b"TFL3")
    path.write_bytes(b.Output())


def test_built_model_imports_and_runs(tmp_path) -> None:
    """The builder above makes valid models: ADD then RELU6 runs like NumPy."""
    path = tmp_path / "add_relu6.tflite"
    write_tflite(path, [(0, "", [0, 0], [1]), (21, "", [1], [2])])  # ADD, RELU6
    m = lowered(path)
    x = np.array([[-2.0, 1.0, 2.5, 4.0]], np.float32)
    (y,) = edgeai.run(m, {"t0": x}).values()
    np.testing.assert_array_equal(y, np.clip(x + x, 0, 6))


def test_unsupported_ops_are_listed_at_once(tmp_path) -> None:
    path = tmp_path / "unsupported.tflite"
    # ADD (ok), SQUARED_DIFFERENCE (99), a custom op, RELU (ok)
    ops = [(0, "", [0, 0], [1]), (99, "", [1, 1], [2]), (32, "MyFancyOp", [2], [3])]
    write_tflite(path, [*ops, (19, "", [3], [4])])
    with pytest.raises(UnsupportedError) as e:
        edgeai.import_model(str(path))
    msg = str(e.value)
    assert "\n" not in msg
    assert e.value.items == ["op #1 SQUARED_DIFFERENCE", "op #2 custom 'MyFancyOp'"]
    assert msg.startswith(f"{path}: 2 unsupported")


def test_float_lstm_unrolled_matches_tflm() -> None:
    """The float MNIST LSTM (TFLM example): unrolled into `nn` ops, within 1e-6 of TFLite Micro
    (a fresh interpreter per image: TFLM keeps the LSTM state across invocations) and all ten
    sample digits classified correctly."""
    path = TFLM / "trained_lstm.tflite"
    m = lowered(path)
    assert sum(op.name == "nn.sigmoid" for op in m.walk()) == 3 * 28
    imgs = np.load(TFLM / "testdata" / "mnist_samples_0to9_28x28_uint8.npy")
    xs = (imgs.astype(np.float32) / 255.0).reshape(10, 28, 28)
    y = run_samples(m, xs)
    want = np.concatenate([tflm_outputs(path, x[None]) for x in xs])
    np.testing.assert_allclose(y, want, atol=1e-6)
    assert list(np.argmax(y, axis=1)) == list(range(10))


def test_ops_without_nn_form_are_listed_at_conversion() -> None:
    """SVDF is a `tfl` op (it imports) but has no `nn` form yet: every one is named with its
    layer (op index) at once."""
    m = edgeai.import_model(str(TFLM / "keyword_scrambled_8bit.tflite"))
    assert sum(op.name == "tfl.svdf" for op in m.walk()) == 7
    with pytest.raises(UnsupportedError) as e:
        edgeai.lower(m, to="nn")
    assert len(e.value.items) == 7 and "\n" not in str(e.value)
    assert all(re.match(r"svdf_\d+ \(SVDF\): ", item) for item in e.value.items)


@pytest.mark.parametrize("cut", [0, 7, 100, 5000])
def test_bad_or_truncated_file_is_one_line_error(tmp_path, cut: int) -> None:
    data = (MLPERF / INT8["kws"]).read_bytes()[:cut]
    path = tmp_path / "truncated.tflite"
    path.write_bytes(data)
    with pytest.raises(EdgeAIError) as e:
        edgeai.import_model(str(path))
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(str(path))


def test_not_a_flatbuffer_is_one_line_error(tmp_path) -> None:
    path = tmp_path / "model.tflite"
    path.write_bytes(b"\x00" * 64)
    with pytest.raises(EdgeAIError, match="not a TFLite flatbuffer"):
        edgeai.import_model(str(path))
    with pytest.raises(EdgeAIError, match="no such file"):
        edgeai.import_model(str(tmp_path / "missing.tflite"))


def test_translate_import_tflite(capsys, tmp_path) -> None:
    from edgeai.tools.translate import main

    model = str(TFLM / "hello_world_int8.tflite")
    assert main(["--import", model]) == 0
    text = capsys.readouterr().out
    assert 'edgeai.level = "tfl"' in text and text.count("tfl.fully_connected") == 3
    # the printed level-0 form parses back and prints identically
    assert str(edgeai.parse_mlir(text)) + "\n" == text
    out = tmp_path / "hello.mlir"
    assert main(["--import", model, "--to", "nn", "-o", str(out)]) == 0
    nn_text = out.read_text()
    assert nn_text.count("nn.dense") == 3 and "tfl." not in nn_text
    assert main(["--import", model, "--to", "onnx"]) == 1
    assert "--to onnx" in capsys.readouterr().err
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"junk")
    assert main(["--import", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err


def test_every_model_imports_and_round_trips() -> None:
    """All bundled `.tflite` files (MLPerf Tiny, TFLM examples) import to verified `tfl`
    modules that print and parse back unchanged."""
    paths = sorted(MLPERF.glob("*/*.tflite")) + sorted(TFLM.glob("*.tflite"))
    assert len(paths) >= 20
    for p in paths:
        m = edgeai.import_model(str(p))
        text = str(m)
        assert str(edgeai.parse_mlir(text, str(p))) == text, p.name


def test_edgeai_run_and_quantize_accept_tflite(capsys, tmp_path) -> None:
    from edgeai.tools.edgeai_main import main

    model = str(TFLM / "hello_world_float.tflite")
    assert main(["run", "-m", model]) == 0
    assert "StatefulPartitionedCall:0: float32[1, 1]" in capsys.readouterr().out
    calib = tmp_path / "calib.npz"
    xs = np.linspace(0, 2 * np.pi, 16, dtype=np.float32).reshape(16, 1, 1)
    np.savez(calib, **{"serving_default_dense_input:0": xs})
    out = tmp_path / "hello_q.mlir"
    assert main(["quantize", "-m", model, "--calib", str(calib), "-o", str(out)]) == 0
    capsys.readouterr()
    q = edgeai.parse_mlir(out.read_text())
    assert sum(op.name == "nn.dense" for op in q.walk()) == 3
    (y,) = edgeai.run(q, {"serving_default_dense_input:0": np.array([[1.0]], np.float32)}).values()
    assert abs(float(np.asarray(y, np.float64).reshape(-1)[0]) - np.sin(1.0)) < 0.2
