"""Post-training quantizer: accuracy, integer program, mixed precision, report, CLI, observers."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgeai
from edgeai.dialects import nn
from edgeai.dialects.nn_types import BinaryType, QuantType
from edgeai.quantization import QuantConfig, quantize
from edgeai.quantization.observers import (
    TensorStats,
    quant_grid,
    range_kl,
    range_minmax,
    range_mse,
    range_percentile,
)
from edgeai.support.errors import EdgeAIError
from tests.conftest import DIGITS_ONNX

FLOAT_ACCURACY = 444 / 450  # examples/digits_cnn/metrics.json, recomputed in test_float_baseline


@pytest.fixture(scope="module")
def digits(digits_split):
    xtr, ytr, xte, yte = digits_split
    return {"image": xtr[:200]}, xte, yte


def _accuracy(module, xte, yte) -> float:
    return float(
        np.mean(
            [
                edgeai.run(module, {"image": x[None]})["logits"].argmax() == y
                for x, y in zip(xte, yte, strict=True)
            ]
        )
    )


def _compute_ops(module) -> set[str]:
    """nn ops that compute (not constants, conversions, data movement) with their element kinds."""
    out = set()
    for op in module.walk():
        if not op.name.startswith("nn.") or isinstance(
            op, nn.ConstantOp | nn.ReshapeOp | nn.TransposeOp
        ):
            continue
        out.add((op.name, "".join(nn.kind(r.type) for r in op.results)))
    return out


def test_float_baseline(digits):
    _, xte, yte = digits
    assert _accuracy(
        edgeai.lower(edgeai.import_model(str(DIGITS_ONNX))), xte, yte
    ) == pytest.approx(FLOAT_ACCURACY)


@pytest.mark.parametrize("method", ["minmax", "percentile", "mse"])
def test_int8_ptq_keeps_accuracy_and_is_integer(method, digits):
    calib, xte, yte = digits
    q, report = quantize(edgeai.import_model(str(DIGITS_ONNX)), calib, QuantConfig(method=method))
    q.verify()
    acc = _accuracy(q, xte, yte)
    assert acc >= FLOAT_ACCURACY - 0.01, (
        f"{method}: int8 accuracy {acc:.4f} drops more than 1 point"
    )
    # every compute op runs on integers: conv/dense/pool/mean produce quantized values
    compute = _compute_ops(q)
    assert ("nn.conv2d", "q") in compute and ("nn.dense", "q") in compute
    assert not report.float_ops_left, report.float_ops_left
    convs = [op for op in q.walk() if isinstance(op, nn.Conv2dOp)]
    for c in convs:
        wt = c.weight.type.element_type
        assert isinstance(wt, QuantType) and wt.width == 8 and wt.channel_axis == 0
        assert np.all(wt.zero_point_array() == 0)
        assert (
            isinstance(c.bias.type.element_type, QuantType) and c.bias.type.element_type.width == 32
        )


def test_mixed_precision_and_binary_layers_from_config(digits, tmp_path):
    calib, xte, yte = digits
    cfg = QuantConfig.from_dict(
        {"layers": {"conv2": {"weight_bits": 4}, "fc": {"weights": "binary"}}}
    )
    q, report = quantize(edgeai.import_model(str(DIGITS_ONNX)), calib, cfg)
    types = {
        op.attributes["layer"].data: op.weight.type.element_type
        for op in q.walk()
        if isinstance(op, nn.Conv2dOp | nn.DenseOp)
    }
    assert isinstance(types["conv1"], QuantType) and types["conv1"].width == 8
    assert isinstance(types["conv2"], QuantType) and types["conv2"].width == 4
    assert isinstance(types["fc"], BinaryType) and types["fc"].channel_axis == 0
    assert report.weights == {
        "conv1": "int8 per-channel",
        "conv2": "int4 per-channel",
        "fc": "binary",
    }
    acc = _accuracy(q, xte, yte)
    assert 0.1 < acc <= 1.0  # runs; the per-layer report says what the binary layer costs
    assert report.layers[-1].layer == "fc"


def test_int16_activations(digits):
    calib, xte, yte = digits
    q, _ = quantize(edgeai.import_model(str(DIGITS_ONNX)), calib, QuantConfig(activation_bits=16))
    acts = [op.output.type.element_type for op in q.walk() if isinstance(op, nn.Conv2dOp)]
    assert acts and all(
        isinstance(t, QuantType) and t.width == 16 and t.zero_point == 0 for t in acts
    )
    assert _accuracy(q, xte, yte) >= FLOAT_ACCURACY - 0.01


def test_skip_layer_keeps_it_float(digits):
    calib, _, _ = digits
    q, report = quantize(
        edgeai.import_model(str(DIGITS_ONNX)),
        calib,
        QuantConfig.from_dict({"layers": {"fc": {"skip": True}}}),
    )
    dense = next(op for op in q.walk() if isinstance(op, nn.DenseOp))
    assert nn.kind(dense.output.type) == "f" and report.skipped == ["fc"]


def test_integer_io(digits):
    calib, xte, _ = digits
    q, _ = quantize(edgeai.import_model(str(DIGITS_ONNX)), calib, QuantConfig(io="int"))
    from edgeai.reference.interpreter import find_main

    f = find_main(q)
    (in_t,), (out_t,) = f.function_type.inputs.data, f.function_type.outputs.data
    assert isinstance(in_t.element_type, QuantType) and isinstance(out_t.element_type, QuantType)
    x = np.clip(
        np.round(xte[0] / in_t.element_type.scale) + in_t.element_type.zero_point, -128, 127
    ).astype(np.int8)
    y = edgeai.run(q, {"image": x[None]})["logits"]
    assert y.dtype == np.int8


def test_report_numbers_recomputed(digits):
    """The report's SQNR / RMSE / max error / cosine of the output layer, recomputed here."""
    calib, _, _ = digits
    module = edgeai.import_model(str(DIGITS_ONNX))
    q, report = quantize(module, calib, QuantConfig())
    fl = edgeai.lower(module.clone())
    ref = np.concatenate(
        [edgeai.run(fl, {"image": x[None]})["logits"].ravel() for x in calib["image"][:32]]
    ).astype(np.float64)
    got = np.concatenate(
        [edgeai.run(q, {"image": x[None]})["logits"].ravel() for x in calib["image"][:32]]
    ).astype(np.float64)
    fc = next(e for e in report.layers if e.layer == "fc")
    err = got - ref
    assert fc.rmse == pytest.approx(float(np.sqrt(np.mean(err**2))), rel=1e-6)
    assert fc.max_abs == pytest.approx(float(np.max(np.abs(err))), rel=1e-6)
    assert fc.sqnr_db == pytest.approx(10 * math.log10(np.sum(ref**2) / np.sum(err**2)), rel=1e-6)
    assert fc.cosine == pytest.approx(
        float(ref @ got / np.linalg.norm(ref) / np.linalg.norm(got)), rel=1e-9
    )


def test_config_errors():
    with pytest.raises(EdgeAIError, match="unknown layer"):
        quantize(
            edgeai.import_model(str(DIGITS_ONNX)),
            {"image": np.zeros((2, 1, 8, 8), np.float32)},
            QuantConfig.from_dict({"layers": {"nope": {"weight_bits": 4}}}),
        )
    with pytest.raises(EdgeAIError, match="method"):
        QuantConfig(method="magic")
    with pytest.raises(EdgeAIError, match="weight_bits"):
        QuantConfig.from_dict({"layers": {"fc": {"weight_bits": 12}}})
    with pytest.raises(EdgeAIError, match="unknown key"):
        QuantConfig.from_dict({"bits": 8})


def test_calibration_shape_errors():
    m = edgeai.import_model(str(DIGITS_ONNX))
    with pytest.raises(EdgeAIError, match="lacks input"):
        quantize(m, {"x": np.zeros((2, 1, 8, 8), np.float32)})
    with pytest.raises(EdgeAIError, match="expected \\(N, 1, 1, 8, 8\\)"):
        quantize(m, {"image": np.zeros((2, 3, 3), np.float32)})


def test_cli_quantize_and_run(tmp_path, digits):
    calib, xte, _ = digits
    np.savez(tmp_path / "calib.npz", **calib)
    out, rep = tmp_path / "q.mlir", tmp_path / "r.json"
    cmd = [
        sys.executable,
        "-m",
        "edgeai.tools.edgeai_main",
        "quantize",
        "-m",
        str(DIGITS_ONNX),
        "--calib",
        str(tmp_path / "calib.npz"),
        "-o",
        str(out),
        "--method",
        "mse",
        "--report",
        str(rep),
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "SQNR" in p.stdout and out.exists()
    data = json.loads(rep.read_text())
    assert data["method"] == "mse" and data["layers"][0]["layer"] == "conv1"
    np.savez(tmp_path / "in.npz", image=xte[:1])
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "edgeai.tools.edgeai_main",
            "run",
            "-m",
            str(out),
            "--inputs",
            str(tmp_path / "in.npz"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0 and "logits" in p.stdout, p.stderr


def test_cli_quantize_errors_leave_no_output(tmp_path):
    out = tmp_path / "q.mlir"
    np.savez(tmp_path / "bad.npz", wrong=np.zeros((2, 1, 8, 8), np.float32))
    cmd = [
        sys.executable,
        "-m",
        "edgeai.tools.edgeai_main",
        "quantize",
        "-m",
        str(DIGITS_ONNX),
        "--calib",
        str(tmp_path / "bad.npz"),
        "-o",
        str(out),
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert (
        p.returncode != 0
        and "Traceback" not in p.stderr
        and len(p.stderr.strip().splitlines()) == 1
    )
    assert "lacks input" in p.stderr and not out.exists()


def test_pass_form(tmp_path, digits):
    calib, _, _ = digits
    np.savez(tmp_path / "calib.npz", **calib)
    from edgeai.support.context import run_pipeline

    m = edgeai.lower(edgeai.import_model(str(DIGITS_ONNX)))
    run_pipeline(m, f'nn-quantize{{calib="{tmp_path / "calib.npz"}" method="percentile"}}')
    assert any(isinstance(op, nn.Conv2dOp) and nn.kind(op.output.type) == "q" for op in m.walk())


# ---------------------------------------------------------------------------------------------
# observers and parameter choice


@settings(max_examples=200, deadline=None)
@given(st.floats(-100, 0), st.floats(0, 100), st.sampled_from([2, 4, 8]), st.floats(0, 1))
def test_quant_grid_round_trip_within_half_step(lo, hi, bits, u):
    qmin, qmax = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    scale, zp = quant_grid(lo, hi, qmin, qmax)
    assert qmin <= zp <= qmax and scale > 0
    x = lo + u * (hi - lo)
    q = np.clip(np.round(x / scale) + zp, qmin, qmax)
    back = (q - zp) * scale
    # inside the representable range the error is at most half a step (plus the nudge of zp)
    if (qmin - zp) * scale <= x <= (qmax - zp) * scale:
        assert abs(back - x) <= scale / 2 + 1e-6 * max(1.0, abs(x))
    # zero is exactly representable: it quantizes to the zero point
    assert np.clip(np.round(0.0 / scale) + zp, qmin, qmax) == zp


def _stats(values: np.ndarray, bins: int = 2048) -> TensorStats:
    s = TensorStats()
    s.update_range(values)
    s.update_hist(values, bins)
    return s


def test_observers_clip_outliers_and_keep_zero():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, 100_000), [80.0]])
    s = _stats(x)
    lo, hi = range_minmax(s)
    assert lo <= 0 <= hi and hi == pytest.approx(80.0)
    p_lo, p_hi = range_percentile(s, 99.9)
    assert 2.0 < p_hi < 5.0 and -5.0 < p_lo < -2.0
    # MSE: with few levels, heavy tails are clipped (Laplace data, 4 bits: optimum ~5 scales)
    lap = _stats(rng.laplace(0, 1, 100_000))
    m_lo, m_hi = range_mse(lap, -8, 7)
    assert 2.0 < m_hi < 0.8 * range_minmax(lap)[1]
    k_lo, k_hi = range_kl(_stats(np.abs(x)), 256)
    assert k_lo == 0.0 and 1.0 < k_hi < 80.0
    pos = _stats(np.abs(rng.normal(0, 1, 1000)))
    assert range_minmax(pos)[0] == 0.0


@settings(max_examples=300, deadline=None)
@given(
    st.floats(1e-4, 10.0),
    st.integers(-128, 127),
    st.floats(1e-4, 10.0),
    st.integers(-128, 127),
    st.sampled_from([8, 16]),
    st.lists(st.integers(-128, 127), min_size=1, max_size=16),
)
def test_requantize_matches_float64_within_one_lsb(s_in, z_in, s_out, z_out, out_bits, values):
    """`nn.requantize` (TFLite fixed-point multiplier + shift) vs the exact float64 rescale."""
    from edgeai.reference.interpreter import IMPLS, _load

    _load()
    s_in, s_out = float(np.float32(s_in)), float(np.float32(s_out))
    z_out = z_out if out_bits == 8 else 0
    xt = QuantType.get(8, True, s_in, z_in)
    yt = QuantType.get(out_bits, True, s_out, z_out)
    x = np.array(values, dtype=np.int8)
    c = nn.ConstantOp.from_numpy(x, xt)
    op = nn.RequantizeOp.make([c.output], yt)
    got = IMPLS[nn.RequantizeOp](op, x).astype(np.int64)
    exact = np.clip(
        np.round((x.astype(np.float64) - z_in) * s_in / s_out) + z_out, yt.qmin, yt.qmax
    )
    assert np.max(np.abs(got - exact)) <= 1
