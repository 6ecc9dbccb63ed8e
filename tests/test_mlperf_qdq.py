"""MLPerf Tiny int8 models (tf2onnx QDQ form) through import -> nn -> reference interpreter.

Oracle: onnxruntime 1.32's outputs stored in reference_outputs.npz (`<m>_y_ort_qdq`) for the
same inputs. At this level the QDQ graphs run as dequantize -> float op -> quantize (ONNX
semantics, round half to even); onnxruntime fuses them into integer kernels with float
rescaling, so results can differ by rounding. Measured: KWS, VWW, AD and SWW are identical on
every stored sample; ResNet-8 differs by 1 LSB on 2 of its 80 outputs. The tolerance per model
states exactly that (and how many values may differ), so any drift fails.
"""

from __future__ import annotations

import numpy as np
import pytest

import edgeai
from edgeai.reference.interpreter import find_main, io_names

CASES = {
    # key: (file, max |diff| in LSB, max number of differing values)
    "kws": ("kws_ref_model.onnx", 0, 0),
    "ic": ("pretrainedResnet_quant.onnx", 1, 2),
    "vww": ("vww_96_int8.onnx", 0, 0),
    "ad": ("ad01_int8.onnx", 0, 0),
    "sww": ("str_ww_ref_model.onnx", 0, 0),
}


@pytest.fixture(scope="module")
def reference(models_dir):
    return np.load(models_dir / "mlperf_tiny" / "reference_outputs.npz")


@pytest.mark.parametrize("key", list(CASES))
def test_qdq_model_matches_onnxruntime(key, models_dir, reference):
    fname, max_lsb, max_count = CASES[key]
    module = edgeai.import_model(str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / fname))
    edgeai.lower(module, to="nn")
    assert all(not op.name.startswith("onnx.") for op in module.walk())
    name = io_names(find_main(module))[0][0]
    xs, expected = reference[f"{key}_x"], reference[f"{key}_y_ort_qdq"]
    outs = np.concatenate(
        [next(iter(edgeai.run(module, {name: xs[i : i + 1]}).values())) for i in range(len(xs))]
    )
    assert outs.dtype == expected.dtype and outs.shape == expected.shape
    diff = np.abs(outs.astype(np.int64) - expected.astype(np.int64))
    assert diff.max() <= max_lsb, f"{key}: max diff {diff.max()} LSB"
    assert int((diff > 0).sum()) <= max_count, f"{key}: {(diff > 0).sum()} values differ"


def test_kws_sample_is_class_5(models_dir):
    """The real KWS test input (already quantized MFCCs) is classified as class 5 ("on")."""
    module = edgeai.lower(
        edgeai.import_model(
            str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / "kws_ref_model.onnx")
        )
    )
    x = np.load(models_dir / "mlperf_tiny" / "keyword_spotting" / "kws_input_data.npy")
    y = next(iter(edgeai.run(module, {"input_1": x}).values()))
    assert int(np.argmax(y)) == 5
