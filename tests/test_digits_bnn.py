"""The bundled binary-weight digits CNN (QONNX, examples/digits_bnn): import, run, fold, quantize."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx

import edgeai
from edgeai.dialects import nn
from edgeai.dialects.nn_types import BinaryType, QuantType
from edgeai.quantization import QuantConfig, quantize
from tests.conftest import EXAMPLES

BNN = EXAMPLES / "digits_bnn" / "digits_bnn.onnx"
METRICS = json.loads((EXAMPLES / "digits_bnn" / "metrics.json").read_text())


def _accuracy(module, xte, yte) -> float:
    return float(
        np.mean(
            [
                edgeai.run(module, {"image": x[None]})["logits"].argmax() == y
                for x, y in zip(xte, yte, strict=True)
            ]
        )
    )


def test_onnx_level_equals_qonnx(digits_split):
    _, _, xte, _ = digits_split
    wrapper = ModelWrapper(onnx.load(BNN))
    module = edgeai.import_model(str(BNN))
    for x in xte[:20]:
        want = execute_onnx(wrapper, {"image": x[None]})["logits"]
        got = edgeai.run(module, {"image": x[None]})["logits"]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


def test_nn_level_binary_weights_bn_folded_and_accuracy(digits_split):
    _, _, xte, yte = digits_split
    module = edgeai.lower(edgeai.import_model(str(BNN)))
    names = {op.name for op in module.walk()}
    assert "nn.batch_norm" not in names and "nn.mul" not in names and "nn.add" not in names
    weights = {
        op.attributes["layer"].data: op.weight.owner.input.type.element_type
        for op in module.walk()
        if isinstance(op, nn.Conv2dOp | nn.DenseOp)
    }
    assert set(weights) == {"conv1", "conv2", "fc"}
    assert all(isinstance(t, BinaryType) and t.channel_axis == 0 for t in weights.values())
    acc = _accuracy(module, xte, yte)
    assert acc == pytest.approx(METRICS["test_accuracy"])  # 98.44 %, the trained model's figure


def test_int8_activations_times_binary_weights(digits_split):
    xtr, _, xte, yte = digits_split
    q, report = quantize(edgeai.import_model(str(BNN)), {"image": xtr[:200]}, QuantConfig())
    assert not report.float_ops_left
    assert report.weights == {
        "conv1": "binary (given)",
        "conv2": "binary (given)",
        "fc": "binary (given)",
    }
    for op in q.walk():
        if isinstance(op, nn.Conv2dOp | nn.DenseOp):
            assert isinstance(op.input.type.element_type, QuantType)
            assert isinstance(op.weight.type.element_type, BinaryType)
            assert isinstance(op.output.type.element_type, QuantType)
    assert _accuracy(q, xte, yte) >= METRICS["test_accuracy"] - 0.01
