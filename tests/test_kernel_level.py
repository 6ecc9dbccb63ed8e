"""`convert-nn-to-kernel`: the kernel program computes what the `nn` program computes."""

from __future__ import annotations

import numpy as np
import pytest

import edgeai
from edgeai.dialects import kernel as K
from edgeai.dialects import mem
from edgeai.reference.interpreter import find_main, io_names, random_inputs
from edgeai.support.context import run_pipeline
from edgeai.support.errors import UnsupportedError
from edgeai.support.paths import MLPERF_QDQ, QDQ_TO_NN_TFLITE
from tests.conftest import DIGITS_ONNX

QDQ = MLPERF_QDQ
FOLD = QDQ_TO_NN_TFLITE


@pytest.fixture(scope="module")
def reference(models_dir):
    return np.load(models_dir / "mlperf_tiny" / "reference_outputs.npz")


@pytest.mark.parametrize("key", list(QDQ))
def test_int8_kernel_program_bit_exact(key, models_dir, reference):
    m = edgeai.import_model(str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / QDQ[key]))
    run_pipeline(m, FOLD)
    k = m.clone()
    run_pipeline(k, "convert-nn-to-kernel")
    f = find_main(k)
    assert all(op.name.split(".")[0] in ("kernel", "mem", "func") for op in f.walk() if op is not f)
    name = io_names(find_main(m))[0][0]
    xs = reference[f"{key}_x"][:4]
    for i in range(len(xs)):
        a = next(iter(edgeai.run(m, {name: xs[i : i + 1]}).values()))
        b = next(iter(edgeai.run(k, {name: xs[i : i + 1]}).values()))
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(b, reference[f"{key}_y_tflm"][i : i + 1])  # TFLite Micro


@pytest.mark.parametrize("path", [str(DIGITS_ONNX), "resnet_float"])
def test_float_kernel_program_matches(path, models_dir):
    if path == "resnet_float":
        path = str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / "pretrainedResnet.onnx")
    m = edgeai.lower(edgeai.import_model(path))
    k = m.clone()
    run_pipeline(k, "convert-nn-to-kernel")
    inputs = random_inputs(m, seed=3)
    a = next(iter(edgeai.run(m, inputs).values()))
    b = next(iter(edgeai.run(k, inputs).values()))
    np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_outputs_are_written_in_place_and_views_are_free(models_dir):
    m = edgeai.import_model(
        str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / "kws_ref_model.onnx")
    )
    run_pipeline(m, FOLD + ",convert-nn-to-kernel")
    f = find_main(m)
    ops = list(f.body.block.ops)
    assert not any(isinstance(op, K.CopyOp) for op in ops)  # softmax writes the output buffer
    assert sum(isinstance(op, mem.ViewOp) for op in ops) >= 1  # the flatten is a view
    assert f.attributes["edgeai.num_outputs"].value.data == 1


def test_output_that_reshapes_an_input_twice_is_copied():
    """Regression (found by the planner's property test): a returned reshape of a reshape of
    an input must be copied into the output buffer, not assumed produced there."""
    src = """
    func.func @main(%x: tensor<2x8xf32>) -> (tensor<16xf32>, tensor<2x8xf32>) {
      %r = nn.relu %x : (tensor<2x8xf32>) -> tensor<2x8xf32>
      %a = nn.reshape %x : (tensor<2x8xf32>) -> tensor<16xf32>
      %b = nn.reshape %a : (tensor<16xf32>) -> tensor<16xf32>
      func.return %b, %r : tensor<16xf32>, tensor<2x8xf32>
    }"""
    m = edgeai.parse_mlir(src)
    x = random_inputs(m, seed=1)
    want = list(edgeai.run(m, x).values())
    run_pipeline(m, "convert-nn-to-kernel")
    m.verify()
    got = list(edgeai.run(m, x).values())
    np.testing.assert_array_equal(got[0], x["x"].reshape(16))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_unsupported_ops_reported_together():
    src = """
    func.func @main(%x: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
      %a = nn.hard_swish %x {layer = "hs"} : (tensor<1x4xf32>) -> tensor<1x4xf32>
      %b = nn.log_softmax %x {layer = "ls", axis = 1 : i64} : (tensor<1x4xf32>) -> tensor<1x4xf32>
      func.return %a, %b : tensor<1x4xf32>, tensor<1x4xf32>
    }"""
    m = edgeai.parse_mlir(src)
    with pytest.raises(UnsupportedError) as e:
        run_pipeline(m, "convert-nn-to-kernel")
    assert len(e.value.items) == 2 and "hs" in str(e.value) and "ls" in str(e.value)


def test_onnx_rounding_is_rejected_with_advice(models_dir):
    m = edgeai.import_model(str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / "ad01_int8.onnx"))
    run_pipeline(m, 'convert-onnx-to-nn,nn-optimize,nn-fold-qdq{rounding="onnx"}')
    with pytest.raises(UnsupportedError, match="rounding=tflite"):
        run_pipeline(m, "convert-nn-to-kernel")
