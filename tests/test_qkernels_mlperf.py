"""Whole MLPerf Tiny int8 models through ``edgeai.reference.qkernels``, bit-exact vs TFLite Micro.

The oracle is ``shared/models/mlperf_tiny/reference_outputs.npz``: ``<m>_x`` inputs and
``<m>_y_tflm`` outputs of TFLite Micro for keyword spotting (DS-CNN), image classification
(ResNet-8, with ADD), visual wake words (MobileNetV1-0.25), the anomaly-detection FC autoencoder
and the streaming wake word model. The graphs are chained operator by operator with the test-only
runner in ``support_tflite``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

try:
    from support_tflite import loader, runner
except ModuleNotFoundError as exc:  # ``tests`` importable as a package
    if exc.name != "support_tflite":
        raise
    from tests.support_tflite import loader, runner

TESTS_DIR = Path(__file__).resolve().parent
MLPERF_DIR = loader.shared_models_dir(TESTS_DIR) / "mlperf_tiny"

MODELS = {
    "kws": "keyword_spotting/kws_ref_model.tflite",
    "ic": "image_classification/pretrainedResnet_quant.tflite",
    "vww": "visual_wake_words/vww_96_int8.tflite",
    "ad": "anomaly_detection/ad01_int8.tflite",
    "sww": "streaming_wakeword/str_ww_ref_model.tflite",
}
EXPECTED_OPS = {
    "kws": {
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "AVERAGE_POOL_2D",
        "RESHAPE",
        "FULLY_CONNECTED",
        "SOFTMAX",
    },
    "ic": {"CONV_2D", "ADD", "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"},
    "vww": {
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "AVERAGE_POOL_2D",
        "RESHAPE",
        "FULLY_CONNECTED",
        "SOFTMAX",
    },
    "ad": {"FULLY_CONNECTED"},
    "sww": {"CONV_2D", "DEPTHWISE_CONV_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"},
}


@pytest.fixture(scope="module")
def reference_outputs() -> dict[str, np.ndarray]:
    path = MLPERF_DIR / "reference_outputs.npz"
    if not path.is_file():
        raise FileNotFoundError(f"MLPerf Tiny reference outputs missing: {path}")
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def _run_samples(key: str, x: np.ndarray) -> np.ndarray:
    model = loader.load_tflite(MLPERF_DIR / MODELS[key])
    assert {op.opcode for op in model.operators} == EXPECTED_OPS[key]
    return np.stack([runner.run_model(model, [sample[None]])[0] for sample in x])


@pytest.mark.parametrize("key", list(MODELS))
def test_mlperf_model_bit_exact_vs_tflm(key: str, reference_outputs: dict[str, np.ndarray]) -> None:
    x = reference_outputs[f"{key}_x"]
    expected = reference_outputs[f"{key}_y_tflm"]
    got = _run_samples(key, x).reshape(expected.shape)
    assert got.dtype == expected.dtype == np.int8
    np.testing.assert_array_equal(got, expected)


def test_kws_reference_input_is_class_on(reference_outputs: dict[str, np.ndarray]) -> None:
    x = np.load(MLPERF_DIR / "keyword_spotting" / "kws_input_data.npy")
    (y,) = _run_samples("kws", x.reshape(1, 49, 10, 1))
    assert int(np.argmax(y)) == 5  # "on"
