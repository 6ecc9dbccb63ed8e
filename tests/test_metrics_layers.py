"""Report numbers recomputed independently: MACC per op kind, weights bytes, validation metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

import edgeai
from edgeai.analysis.layers import layers, totals
from edgeai.analysis.metrics import compare
from edgeai.support.context import run_pipeline

# MACs published with the MLPerf Tiny benchmark (also in ../shared/notes/peer-baselines.md)
MLPERF_MACS = {
    "kws_ref_model.onnx": 2_656_768,
    "pretrainedResnet_quant.onnx": 12_501_632,
    "vww_96_int8.onnx": 7_489_664,
    "ad01_int8.onnx": 264_192,
}


@pytest.mark.parametrize("fname", list(MLPERF_MACS))
def test_mlperf_macc(fname, models_dir):
    m = edgeai.import_model(str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / fname))
    run_pipeline(m, 'convert-onnx-to-nn,nn-optimize,nn-fold-qdq{rounding="tflite"},nn-optimize')
    assert totals(layers(m))["macc"] == MLPERF_MACS[fname]


def test_macc_and_weights_by_formula():
    src = """
    func.func @main(%x: tensor<1x8x8x4xf32>) -> tensor<1x3xf32> {
      %w = nn.constant dense<1.0> : tensor<6x3x3x2xf32>
      %b = nn.constant dense<0.0> : tensor<6xf32>
      %c = nn.conv2d %x, %w, %b {layer = "c", strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 2 : i64} : (tensor<1x8x8x4xf32>, tensor<6x3x3x2xf32>, tensor<6xf32>) -> tensor<1x4x4x6xf32>
      %dw = nn.constant dense<1> : tensor<1x3x3x12x!nn.q<i4, 0.5:0>>
      %dq = nn.dequantize %dw : (tensor<1x3x3x12x!nn.q<i4, 0.5:0>>) -> tensor<1x3x3x12xf32>
      %d = nn.depthwise_conv2d %c, %dq {layer = "d", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x6xf32>, tensor<1x3x3x12xf32>) -> tensor<1x4x4x12xf32>
      %r = nn.reshape %d : (tensor<1x4x4x12xf32>) -> tensor<1x192xf32>
      %fw = nn.constant dense<1> : tensor<3x192x!nn.bin>
      %fq = nn.dequantize %fw : (tensor<3x192x!nn.bin>) -> tensor<3x192xf32>
      %y = nn.dense %r, %fq {layer = "fc"} : (tensor<1x192xf32>, tensor<3x192xf32>) -> tensor<1x3xf32>
      func.return %y : tensor<1x3xf32>
    }"""
    rows = {r.name: r for r in layers(edgeai.parse_mlir(src))}
    assert rows["c"].macc == 1 * 4 * 4 * 6 * (3 * 3 * 2)
    assert rows["c"].weights_bytes == 6 * 3 * 3 * 2 * 4 + 6 * 4 and rows["c"].weight_bits == 32
    assert rows["d"].macc == 4 * 4 * 12 * 9
    assert rows["d"].weights_bytes == math.ceil(108 * 4 / 8) and rows["d"].weight_bits == 4
    assert rows["fc"].macc == 3 * 192
    assert rows["fc"].weights_bytes == 3 * 192 // 8 and rows["fc"].weight_bits == 1
    assert "nn.reshape" in {r.op for r in rows.values()}


def test_metrics_recomputed():
    rng = np.random.default_rng(0)
    r = rng.standard_normal((5, 10)).astype(np.float32)
    y = r + rng.standard_normal((5, 10)).astype(np.float32) * 0.01
    m = compare("y", r, y, labels=r.argmax(1))
    e = (y.astype(np.float64) - r).ravel()
    assert m.max_abs == pytest.approx(np.abs(e).max())
    assert m.rmse == pytest.approx(np.sqrt(np.mean(e**2)))
    assert m.mae == pytest.approx(np.mean(np.abs(e)))
    assert m.l2r == pytest.approx(np.linalg.norm(e) / np.linalg.norm(r.astype(np.float64)))
    rf = r.astype(np.float64).ravel()
    assert m.nse == pytest.approx(1 - np.sum(e**2) / np.sum((rf - rf.mean()) ** 2))
    assert m.top1_agreement == pytest.approx(np.mean(r.argmax(1) == y.argmax(1)))
    assert m.accuracy_reference == 1.0 and sum(map(sum, m.confusion)) == 5
    q = compare("q", np.array([1, 2, 3], np.int8), np.array([1, 2, 4], np.int8))
    assert q.bit_exact is False and q.differing == 1 and q.max_abs == 1
