"""Verify the exported binary-weight digits CNN with the QONNX reference executor.

Checks, exiting non-zero if any fails:

* the graph passes ``onnx.checker``, has the expected nodes (names, op types, domains), opset
  imports and interface (``image`` [1,1,8,8] -> ``logits`` [1,10]);
* every ``BipolarQuant`` scale is ``mean|w|`` of its latent weight per output channel, shaped to
  broadcast against it (``[C,1,1,1]`` for Conv, ``[C,1]`` for Gemm);
* ``qonnx.core.onnx_exec.execute_onnx`` run on each held-out image (batch 1) gives logits within
  ``1e-5`` of the numpy inference path of ``train.py`` evaluated on the weights read back from
  the file;
* the QONNX accuracy equals the numpy accuracy and is not below ``metrics.json``'s
  ``test_accuracy``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import numpy_helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx

HERE = Path(__file__).resolve().parent
ONNX_PATH = HERE / "digits_bnn.onnx"
METRICS_PATH = HERE / "metrics.json"
LOGIT_TOLERANCE = 1e-5

QONNX_DOMAIN = "qonnx.custom_op.general"
EXPECTED_NODES: list[tuple[str, str, str]] = [
    ("conv1_wq", "BipolarQuant", QONNX_DOMAIN),
    ("conv1", "Conv", ""),
    ("bn1", "BatchNormalization", ""),
    ("relu1", "Relu", ""),
    ("pool1", "MaxPool", ""),
    ("conv2_wq", "BipolarQuant", QONNX_DOMAIN),
    ("conv2", "Conv", ""),
    ("bn2", "BatchNormalization", ""),
    ("relu2", "Relu", ""),
    ("gap", "GlobalAveragePool", ""),
    ("flatten", "Flatten", ""),
    ("fc_wq", "BipolarQuant", QONNX_DOMAIN),
    ("fc", "Gemm", ""),
]


def load_train_module() -> ModuleType:
    name = "digits_bnn_train"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "train.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def structure_problems(model: onnx.ModelProto, binary: tuple[str, ...]) -> list[str]:
    problems: list[str] = []
    expected = [
        n for n in EXPECTED_NODES if n[1] != "BipolarQuant" or f"{n[0][:-3]}.weight" in binary
    ]
    nodes = [(n.name, n.op_type, n.domain) for n in model.graph.node]
    if nodes != expected:
        problems.append(f"unexpected nodes: {nodes}")
    io = [
        (v.name, [d.dim_value for d in v.type.tensor_type.shape.dim])
        for v in (*model.graph.input, *model.graph.output)
    ]
    if io != [("image", [1, 1, 8, 8]), ("logits", [1, 10])]:
        problems.append(f"unexpected inputs/outputs: {io}")
    opsets = {op.domain: op.version for op in model.opset_import}
    if opsets != {"": 13, QONNX_DOMAIN: 1}:
        problems.append(f"unexpected opset imports: {opsets}")
    return problems


def scale_problems(tensors: dict[str, NDArray[np.float32]], binary: tuple[str, ...]) -> list[str]:
    problems: list[str] = []
    for name in binary:
        w = tensors[name]
        scale = tensors[name.replace(".weight", ".weight_scale")]
        expected = np.abs(w.astype(np.float64)).reshape(w.shape[0], -1).mean(axis=1)
        if scale.shape != (w.shape[0],) + (1,) * (w.ndim - 1):
            problems.append(f"{name}: scale shape {scale.shape} does not broadcast per channel")
        elif not np.allclose(scale.reshape(-1), expected, rtol=1e-6, atol=0.0):
            problems.append(f"{name}: scale is not mean|w| per output channel")
    return problems


def main() -> int:
    train = load_train_module()
    data = train.load_data_module()
    binary: tuple[str, ...] = train.BINARY

    model = onnx.load(ONNX_PATH)
    onnx.checker.check_model(model)
    tensors = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    problems = structure_problems(model, binary) + scale_problems(tensors, binary)

    metrics = json.loads(METRICS_PATH.read_text())
    _, _, x_test, y_test = data.load_split(int(metrics["seed"]))

    # QONNX reference execution, one image at a time (the graph input is [1, 1, 8, 8]).
    wrapper = ModelWrapper(model)
    start = time.perf_counter()
    q_logits = np.concatenate(
        [execute_onnx(wrapper, {"image": x_test[i : i + 1]})["logits"] for i in range(len(x_test))]
    )
    seconds = time.perf_counter() - start

    # numpy inference on the latent weights, BN parameters and statistics stored in the file.
    f64 = {k: v.astype(np.float64) for k, v in tensors.items() if not k.endswith("_scale")}
    stats = {k: v for k, v in f64.items() if ".running_" in k}
    params = {k: v for k, v in f64.items() if k not in stats}
    np_logits = train.predict(train.Net(params, stats), x_test.astype(np.float64))

    q_acc = float((q_logits.argmax(axis=1) == y_test).mean())
    np_acc = float((np_logits.argmax(axis=1) == y_test).mean())
    max_diff = float(np.abs(q_logits - np_logits).max())
    recorded = float(metrics["test_accuracy"])
    print(f"qonnx execute_onnx test accuracy {q_acc:.4f} ({len(y_test)} images, {seconds:.1f} s)")
    print(f"numpy              test accuracy {np_acc:.4f}")
    print(f"metrics.json       test_accuracy {recorded:.4f}")
    print(f"max |logit difference| {max_diff:.2e} (tolerance {LOGIT_TOLERANCE:.0e})")

    if not max_diff <= LOGIT_TOLERANCE:
        problems.append(f"logits differ by {max_diff:.2e}")
    if q_acc != np_acc:
        problems.append("QONNX and numpy accuracies disagree")
    if q_acc < recorded:
        problems.append(f"accuracy {q_acc:.4f} below the recorded {recorded:.4f}")

    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    if not problems:
        print("OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
