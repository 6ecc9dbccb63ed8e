"""Check the exported digits CNN with onnxruntime.

Runs every held-out image through onnxruntime one at a time (the graph input is [1, 1, 8, 8]),
and compares against the numpy inference path of ``train.py`` evaluated on the weights read back
from the ONNX file:

* logits must agree within ``1e-4`` (absolute),
* onnxruntime accuracy must equal both the numpy accuracy and ``metrics.json``'s
  ``test_accuracy``,
* accuracy must be at least 0.95.

Exits non-zero if any check fails.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

HERE = Path(__file__).resolve().parent
ONNX_PATH = HERE / "digits_cnn.onnx"
METRICS_PATH = HERE / "metrics.json"

MIN_ACCURACY = 0.95
LOGIT_TOLERANCE = 1e-4
EXPECTED_NODES = [
    ("conv1", "Conv"),
    ("bn1", "BatchNormalization"),
    ("relu1", "Relu"),
    ("pool1", "MaxPool"),
    ("conv2", "Conv"),
    ("bn2", "BatchNormalization"),
    ("relu2", "Relu"),
    ("gap", "GlobalAveragePool"),
    ("flatten", "Flatten"),
    ("fc", "Gemm"),
]


def _load_sibling(name: str) -> ModuleType:
    """Import ``<name>.py`` from this directory without requiring a package."""
    module_name = f"digits_cnn_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def check_structure(model: onnx.ModelProto) -> list[str]:
    """Return a list of problems with the graph's interface and node list (empty if fine)."""
    problems: list[str] = []
    nodes = [(node.name, node.op_type) for node in model.graph.node]
    if nodes != EXPECTED_NODES:
        problems.append(f"unexpected nodes: {nodes}")
    io = [
        (v.name, [d.dim_value for d in v.type.tensor_type.shape.dim])
        for v in (*model.graph.input, *model.graph.output)
    ]
    if io != [("image", [1, 1, 8, 8]), ("logits", [1, 10])]:
        problems.append(f"unexpected inputs/outputs: {io}")
    opsets = {op.domain: op.version for op in model.opset_import}
    if opsets.get("", opsets.get("ai.onnx")) != 17:
        problems.append(f"unexpected opset imports: {opsets}")
    return problems


def main() -> int:
    train = _load_sibling("train")
    data = _load_sibling("data")

    model = onnx.load(ONNX_PATH)
    onnx.checker.check_model(model, full_check=True)
    problems = check_structure(model)

    metrics = json.loads(METRICS_PATH.read_text())
    _, _, x_test, y_test = data.load_split(int(metrics["seed"]))

    # onnxruntime, one image per run.
    session = ort.InferenceSession(str(ONNX_PATH), providers=["CPUExecutionProvider"])
    ort_logits = np.concatenate(
        [session.run(["logits"], {"image": x_test[i : i + 1]})[0] for i in range(len(x_test))]
    )

    # numpy reference on the weights stored in the file.
    tensors = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    running = {k: v for k, v in tensors.items() if ".running_" in k}
    params = {k: v for k, v in tensors.items() if k not in running}
    reference = train.Model(params, running)
    np_logits = train.forward_eval(reference, x_test.astype(np.float64))

    ort_acc = float((ort_logits.argmax(axis=1) == y_test).mean())
    np_acc = float((np_logits.argmax(axis=1) == y_test).mean())
    max_diff = float(np.abs(ort_logits - np_logits).max())
    print(f"onnxruntime test accuracy {ort_acc:.4f} ({len(y_test)} images, batch 1)")
    print(f"numpy       test accuracy {np_acc:.4f}")
    print(f"metrics.json test_accuracy {metrics['test_accuracy']:.4f}")
    print(f"max |logit difference| {max_diff:.2e} (tolerance {LOGIT_TOLERANCE:.0e})")

    if max_diff > LOGIT_TOLERANCE:
        problems.append(f"logits differ by {max_diff:.2e}")
    if ort_acc != np_acc or ort_acc != metrics["test_accuracy"]:
        problems.append("onnxruntime, numpy and metrics.json accuracies disagree")
    if ort_acc < MIN_ACCURACY:
        problems.append(f"accuracy {ort_acc:.4f} below {MIN_ACCURACY}")

    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    if not problems:
        print("OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
