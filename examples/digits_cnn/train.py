"""Train a tiny digits CNN with plain numpy and export it to ONNX.

Network (NCHW, input [N, 1, 8, 8])::

    conv1 (3x3, pad 1, 8 filters, bias) -> bn1 -> relu1 -> pool1 (max 2x2, stride 2)
    -> conv2 (3x3, pad 1, 16 filters, no bias) -> bn2 -> relu2
    -> gap (global average pool) -> flatten -> fc (Gemm 16 -> 10, transB=1) -> logits

Forward and backward passes are written by hand (im2col convolutions); the optimizer is Adam
with a cosine learning-rate schedule. Training runs in float64 so that ``gradient_check()`` is
meaningful; the final weights are rounded to float32 before evaluation and export, so the
reported accuracies are those of the exported model.

Usage::

    python train.py                    # train, write digits_cnn.onnx and metrics.json
    python train.py --gradient-check   # only run the numeric gradient check
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent
ONNX_PATH = HERE / "digits_cnn.onnx"
METRICS_PATH = HERE / "metrics.json"

BN_EPS = 1e-5
BN_MOMENTUM = 0.9  # ONNX convention: running = running * momentum + batch * (1 - momentum)
OPSET = 17
IR_VERSION = 8

DEFAULT_SEED = 0
DEFAULT_EPOCHS = 40
BATCH_SIZE = 32
LEARNING_RATE = 0.01
WEIGHT_DECAY = 1e-4  # decoupled (AdamW-style), applied to conv/fc weights only

Array = NDArray[np.float64]
Params = dict[str, Array]
Cache = dict[str, Any]


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


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------

CONV1_FILTERS = 8
CONV2_FILTERS = 16
NUM_CLASSES = 10
WEIGHT_NAMES = ("conv1.weight", "conv2.weight", "fc.weight")


@dataclass
class Model:
    """Trainable parameters plus the BatchNormalization running statistics."""

    params: Params
    running: Params = field(default_factory=dict)


def init_model(rng: np.random.Generator) -> Model:
    """He-initialised convolutions, identity BatchNorm, small fully connected layer."""
    params: Params = {
        "conv1.weight": rng.normal(0.0, np.sqrt(2.0 / 9), (CONV1_FILTERS, 1, 3, 3)),
        # Under train-mode BatchNorm the gradient of a conv bias is identically zero, so this
        # value never changes; it is absorbed into bn1's running mean. It is initialised to a
        # non-zero value so that BN folding in the compiler has a real bias to merge.
        "conv1.bias": rng.normal(0.0, 0.1, CONV1_FILTERS),
        "bn1.scale": np.ones(CONV1_FILTERS),
        "bn1.bias": np.zeros(CONV1_FILTERS),
        "conv2.weight": rng.normal(
            0.0, np.sqrt(2.0 / (CONV1_FILTERS * 9)), (CONV2_FILTERS, CONV1_FILTERS, 3, 3)
        ),
        "bn2.scale": np.ones(CONV2_FILTERS),
        "bn2.bias": np.zeros(CONV2_FILTERS),
        "fc.weight": rng.normal(0.0, np.sqrt(1.0 / CONV2_FILTERS), (NUM_CLASSES, CONV2_FILTERS)),
        "fc.bias": np.zeros(NUM_CLASSES),
    }
    running: Params = {
        "bn1.running_mean": np.zeros(CONV1_FILTERS),
        "bn1.running_var": np.ones(CONV1_FILTERS),
        "bn2.running_mean": np.zeros(CONV2_FILTERS),
        "bn2.running_var": np.ones(CONV2_FILTERS),
    }
    return Model(params, running)


# --------------------------------------------------------------------------------------------
# Layers: each forward returns (output, cache); each backward consumes the cache.
# --------------------------------------------------------------------------------------------

_TAPS = [(i, j) for i in range(3) for j in range(3)]


def im2col_3x3(x: Array) -> Array:
    """[N, C, H, W] -> [N*H*W, C*9] patches of a 3x3, pad 1, stride 1 convolution.

    Column order is (c, ki, kj), matching ``weight.reshape(F, C*9)``.
    """
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    patches = np.stack([xp[:, :, i : i + h, j : j + w] for i, j in _TAPS], axis=2)
    return patches.transpose(0, 3, 4, 1, 2).reshape(n * h * w, c * 9)


def col2im_3x3(dcols: Array, shape: tuple[int, ...]) -> Array:
    """Adjoint of :func:`im2col_3x3`: scatter-add patch gradients back to the input."""
    n, c, h, w = shape
    patches = dcols.reshape(n, h, w, c, 9).transpose(0, 3, 4, 1, 2)
    dxp = np.zeros((n, c, h + 2, w + 2), dtype=dcols.dtype)
    for k, (i, j) in enumerate(_TAPS):
        dxp[:, :, i : i + h, j : j + w] += patches[:, :, k]
    return dxp[:, :, 1:-1, 1:-1]


def conv_forward(x: Array, weight: Array, bias: Array | None) -> tuple[Array, Cache]:
    n, _, h, w = x.shape
    filters = weight.shape[0]
    cols = im2col_3x3(x)
    out = cols @ weight.reshape(filters, -1).T
    if bias is not None:
        out = out + bias
    out = out.reshape(n, h, w, filters).transpose(0, 3, 1, 2)
    return out, {"cols": cols, "x_shape": x.shape, "weight": weight}


def conv_backward(dout: Array, cache: Cache) -> tuple[Array, Array, Array]:
    """Return (dx, dweight, dbias)."""
    weight: Array = cache["weight"]
    filters = weight.shape[0]
    d2 = dout.transpose(0, 2, 3, 1).reshape(-1, filters)
    dweight = (d2.T @ cache["cols"]).reshape(weight.shape)
    dbias = d2.sum(axis=0)
    dx = col2im_3x3(d2 @ weight.reshape(filters, -1), cache["x_shape"])
    return dx, dweight, dbias


def _per_channel(v: Array) -> Array:
    return v[None, :, None, None]


def bn_forward_train(x: Array, scale: Array, bias: Array) -> tuple[Array, Cache, Array, Array]:
    """Train-mode BatchNormalization; also returns the batch mean and (biased) variance."""
    mean = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3))
    inv_std = 1.0 / np.sqrt(var + BN_EPS)
    xhat = (x - _per_channel(mean)) * _per_channel(inv_std)
    out = _per_channel(scale) * xhat + _per_channel(bias)
    return out, {"xhat": xhat, "inv_std": inv_std, "scale": scale}, mean, var


def bn_forward_eval(x: Array, scale: Array, bias: Array, mean: Array, var: Array) -> Array:
    """Inference-mode BatchNormalization, exactly as ONNX defines it."""
    inv_std = 1.0 / np.sqrt(var + BN_EPS)
    return _per_channel(scale * inv_std) * (x - _per_channel(mean)) + _per_channel(bias)


def bn_backward(dout: Array, cache: Cache) -> tuple[Array, Array, Array]:
    """Return (dx, dscale, dbias) for train-mode BatchNormalization."""
    xhat: Array = cache["xhat"]
    axes = (0, 2, 3)
    count = dout.size // dout.shape[1]
    dscale = (dout * xhat).sum(axis=axes)
    dbias = dout.sum(axis=axes)
    dxhat = dout * _per_channel(cache["scale"])
    dx = _per_channel(cache["inv_std"] / count) * (
        count * dxhat
        - _per_channel(dxhat.sum(axis=axes))
        - xhat * _per_channel((dxhat * xhat).sum(axis=axes))
    )
    return dx, dscale, dbias


def relu_forward(x: Array) -> tuple[Array, Cache]:
    mask = x > 0
    return x * mask, {"mask": mask}


def relu_backward(dout: Array, cache: Cache) -> Array:
    return dout * cache["mask"]


def maxpool_forward(x: Array) -> tuple[Array, Cache]:
    """2x2 max pooling with stride 2 (H and W must be even)."""
    n, c, h, w = x.shape
    windows = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    windows = windows.reshape(n, c, h // 2, w // 2, 4)
    argmax = windows.argmax(axis=-1)[..., None]
    out = np.take_along_axis(windows, argmax, axis=-1)[..., 0]
    return out, {"argmax": argmax, "x_shape": x.shape}


def maxpool_backward(dout: Array, cache: Cache) -> Array:
    """Route each output gradient to the (first) maximal element of its window."""
    n, c, h, w = cache["x_shape"]
    dwindows = np.zeros((n, c, h // 2, w // 2, 4), dtype=dout.dtype)
    np.put_along_axis(dwindows, cache["argmax"], dout[..., None], axis=-1)
    dwindows = dwindows.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    return dwindows.reshape(n, c, h, w)


def softmax_cross_entropy(logits: Array, labels: NDArray[np.int64]) -> tuple[float, Array]:
    """Mean cross-entropy loss and its gradient with respect to the logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = logits.shape[0]
    loss = -float(log_probs[np.arange(n), labels].mean())
    dlogits = np.exp(log_probs)
    dlogits[np.arange(n), labels] -= 1.0
    return loss, dlogits / n


# --------------------------------------------------------------------------------------------
# Whole network
# --------------------------------------------------------------------------------------------


def forward_train(params: Params, x: Array) -> tuple[Array, Cache, Params]:
    """Train-mode forward pass: returns logits, backward cache and the BN batch statistics."""
    p = params
    cache: Cache = {}
    stats: Params = {}
    h, cache["conv1"] = conv_forward(x, p["conv1.weight"], p["conv1.bias"])
    h, cache["bn1"], stats["bn1.running_mean"], stats["bn1.running_var"] = bn_forward_train(
        h, p["bn1.scale"], p["bn1.bias"]
    )
    h, cache["relu1"] = relu_forward(h)
    h, cache["pool1"] = maxpool_forward(h)
    h, cache["conv2"] = conv_forward(h, p["conv2.weight"], None)
    h, cache["bn2"], stats["bn2.running_mean"], stats["bn2.running_var"] = bn_forward_train(
        h, p["bn2.scale"], p["bn2.bias"]
    )
    h, cache["relu2"] = relu_forward(h)
    cache["gap_hw"] = h.shape[2:]
    features = h.mean(axis=(2, 3))  # GlobalAveragePool + Flatten
    cache["features"] = features
    logits = features @ p["fc.weight"].T + p["fc.bias"]
    return logits, cache, stats


def backward(params: Params, cache: Cache, dlogits: Array) -> Params:
    """Gradients of the loss with respect to every parameter, given dloss/dlogits."""
    grads: Params = {}
    grads["fc.weight"] = dlogits.T @ cache["features"]
    grads["fc.bias"] = dlogits.sum(axis=0)
    dfeatures = dlogits @ params["fc.weight"]
    gh, gw = cache["gap_hw"]
    dh = np.broadcast_to(dfeatures[:, :, None, None] / (gh * gw), (*dfeatures.shape, gh, gw))
    dh = relu_backward(dh, cache["relu2"])
    dh, grads["bn2.scale"], grads["bn2.bias"] = bn_backward(dh, cache["bn2"])
    dh, grads["conv2.weight"], _ = conv_backward(dh, cache["conv2"])
    dh = maxpool_backward(dh, cache["pool1"])
    dh = relu_backward(dh, cache["relu1"])
    dh, grads["bn1.scale"], grads["bn1.bias"] = bn_backward(dh, cache["bn1"])
    _, grads["conv1.weight"], grads["conv1.bias"] = conv_backward(dh, cache["conv1"])
    return grads


def forward_eval(model: Model, x: Array) -> Array:
    """Inference-mode forward pass (BatchNorm uses the running statistics)."""
    p, r = model.params, model.running
    h, _ = conv_forward(x, p["conv1.weight"], p["conv1.bias"])
    h = bn_forward_eval(
        h, p["bn1.scale"], p["bn1.bias"], r["bn1.running_mean"], r["bn1.running_var"]
    )
    h = np.maximum(h, 0.0)
    h, _ = maxpool_forward(h)
    h, _ = conv_forward(h, p["conv2.weight"], None)
    h = bn_forward_eval(
        h, p["bn2.scale"], p["bn2.bias"], r["bn2.running_mean"], r["bn2.running_var"]
    )
    h = np.maximum(h, 0.0)
    return h.mean(axis=(2, 3)) @ p["fc.weight"].T + p["fc.bias"]


def loss_and_grads(
    params: Params, x: Array, labels: NDArray[np.int64]
) -> tuple[float, Params, Params]:
    logits, cache, stats = forward_train(params, x)
    loss, dlogits = softmax_cross_entropy(logits, labels)
    return loss, backward(params, cache, dlogits), stats


def accuracy(model: Model, x: Array, labels: NDArray[np.int64]) -> float:
    return float((forward_eval(model, x).argmax(axis=1) == labels).mean())


# --------------------------------------------------------------------------------------------
# Optimizer and training loop
# --------------------------------------------------------------------------------------------


class Adam:
    """Adam with decoupled weight decay on selected parameters."""

    def __init__(self, params: Params, beta1: float = 0.9, beta2: float = 0.999) -> None:
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = 1e-8
        self.step_count = 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params: Params, grads: Params, lr: float) -> None:
        self.step_count += 1
        t = self.step_count
        for name, grad in grads.items():
            self.m[name] = self.beta1 * self.m[name] + (1 - self.beta1) * grad
            self.v[name] = self.beta2 * self.v[name] + (1 - self.beta2) * grad * grad
            m_hat = self.m[name] / (1 - self.beta1**t)
            v_hat = self.v[name] / (1 - self.beta2**t)
            if name in WEIGHT_NAMES:
                params[name] -= lr * WEIGHT_DECAY * params[name]
            params[name] -= lr * m_hat / (np.sqrt(v_hat) + self.eps)


def train(
    x_train: Array, y_train: NDArray[np.int64], seed: int, epochs: int, verbose: bool = True
) -> Model:
    rng = np.random.default_rng(seed)
    model = init_model(rng)
    optimizer = Adam(model.params)
    n = x_train.shape[0]
    steps_per_epoch = -(-n // BATCH_SIZE)
    total_steps = epochs * steps_per_epoch
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(n)
        epoch_loss = 0.0
        for start in range(0, n, BATCH_SIZE):
            idx = order[start : start + BATCH_SIZE]
            loss, grads, stats = loss_and_grads(model.params, x_train[idx], y_train[idx])
            lr = 0.5 * LEARNING_RATE * (1.0 + np.cos(np.pi * step / total_steps))
            optimizer.step(model.params, grads, lr)
            for name, value in stats.items():
                model.running[name] = (
                    BN_MOMENTUM * model.running[name] + (1.0 - BN_MOMENTUM) * value
                )
            epoch_loss += loss * len(idx)
            step += 1
        if verbose and (epoch % 10 == 9 or epoch == epochs - 1):
            print(f"epoch {epoch + 1:3d}/{epochs}  loss {epoch_loss / n:.4f}")
    return model


def to_float32(model: Model) -> Model:
    """Round every tensor to float32 (kept as float64 arrays holding float32 values)."""

    def rounded(tensors: Params) -> Params:
        return {k: v.astype(np.float32).astype(np.float64) for k, v in tensors.items()}

    return Model(rounded(model.params), rounded(model.running))


# --------------------------------------------------------------------------------------------
# ONNX export
# --------------------------------------------------------------------------------------------


def export_onnx(model: Model, path: Path) -> onnx.ModelProto:
    tensors = {**model.params, **model.running}
    initializers = [
        numpy_helper.from_array(value.astype(np.float32), name) for name, value in tensors.items()
    ]

    def bn(name: str, src: str, dst: str) -> onnx.NodeProto:
        inputs = [src, f"{name}.scale", f"{name}.bias"]
        inputs += [f"{name}.running_mean", f"{name}.running_var"]
        return helper.make_node(
            "BatchNormalization", inputs, [dst], name=name, epsilon=BN_EPS, momentum=BN_MOMENTUM
        )

    conv_attrs: dict[str, Any] = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [1, 1]}
    nodes = [
        helper.make_node(
            "Conv",
            ["image", "conv1.weight", "conv1.bias"],
            ["conv1_out"],
            name="conv1",
            **conv_attrs,
        ),
        bn("bn1", "conv1_out", "bn1_out"),
        helper.make_node("Relu", ["bn1_out"], ["relu1_out"], name="relu1"),
        helper.make_node(
            "MaxPool",
            ["relu1_out"],
            ["pool1_out"],
            name="pool1",
            kernel_shape=[2, 2],
            strides=[2, 2],
        ),
        helper.make_node(
            "Conv", ["pool1_out", "conv2.weight"], ["conv2_out"], name="conv2", **conv_attrs
        ),
        bn("bn2", "conv2_out", "bn2_out"),
        helper.make_node("Relu", ["bn2_out"], ["relu2_out"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["relu2_out"], ["gap_out"], name="gap"),
        helper.make_node("Flatten", ["gap_out"], ["flatten_out"], name="flatten", axis=1),
        helper.make_node(
            "Gemm", ["flatten_out", "fc.weight", "fc.bias"], ["logits"], name="fc", transB=1
        ),
    ]
    graph = helper.make_graph(
        nodes,
        "digits_cnn",
        inputs=[helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, 8, 8])],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, NUM_CLASSES])],
        initializer=initializers,
    )
    onnx_model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="edgeai-examples-digits_cnn",
        ir_version=IR_VERSION,
    )
    onnx_model.doc_string = (
        "8x8 sklearn digits classifier trained with numpy (examples/digits_cnn/train.py). "
        "Input: [1,1,8,8] float32 in [0,1] (pixel/16). Output: 10 logits."
    )
    onnx.checker.check_model(onnx_model, full_check=True)
    onnx.save(onnx_model, path)
    return onnx_model


# --------------------------------------------------------------------------------------------
# Gradient check (run manually: python train.py --gradient-check)
# --------------------------------------------------------------------------------------------


def gradient_check(seed: int = 1, batch: int = 4, delta: float = 1e-6) -> float:
    """Compare analytic gradients with central differences for every parameter entry.

    Uses random float64 inputs and perturbed BatchNorm affine parameters so that nothing is
    trivially symmetric. The error of a tensor is ``max|analytic - numeric| / max(max|analytic|,
    1e-3)`` (the floor covers conv1.bias, whose true gradient is zero under train-mode BN).
    Returns the worst error over all tensors and raises if it exceeds 1e-5.
    """
    rng = np.random.default_rng(seed)
    params = init_model(rng).params
    for name in ("bn1.scale", "bn1.bias", "bn2.scale", "bn2.bias", "fc.bias"):
        params[name] = params[name] + rng.normal(0.0, 0.5, params[name].shape)
    x = rng.uniform(0.0, 1.0, (batch, 1, 8, 8))
    labels = rng.integers(0, NUM_CLASSES, batch)

    _, grads, _ = loss_and_grads(params, x, labels)
    worst = 0.0
    for name, value in params.items():
        numeric = np.zeros_like(value)
        flat, flat_numeric = value.reshape(-1), numeric.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + delta
            loss_plus, _, _ = loss_and_grads(params, x, labels)
            flat[i] = original - delta
            loss_minus, _, _ = loss_and_grads(params, x, labels)
            flat[i] = original
            flat_numeric[i] = (loss_plus - loss_minus) / (2 * delta)
        analytic = grads[name]
        error = float(np.abs(analytic - numeric).max() / max(np.abs(analytic).max(), 1e-3))
        print(f"{name:16s} max|grad| {np.abs(analytic).max():.3e}  max error {error:.2e}")
        worst = max(worst, error)
    if worst > 1e-5:
        raise AssertionError(f"gradient check failed: worst error {worst:.2e}")
    print(f"gradient check passed (worst error {worst:.2e})")
    return worst


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS)
    parser.add_argument("--gradient-check", action="store_true", help="only check gradients")
    args = parser.parse_args(argv)

    if args.gradient_check:
        gradient_check()
        return 0

    data = _load_sibling("data")
    x_train, y_train, x_test, y_test = data.load_split(args.seed)
    x_train64, x_test64 = x_train.astype(np.float64), x_test.astype(np.float64)

    start = time.perf_counter()
    model = train(x_train64, y_train, seed=args.seed, epochs=args.epochs)
    elapsed = time.perf_counter() - start

    model = to_float32(model)
    train_acc = accuracy(model, x_train64, y_train)
    test_acc = accuracy(model, x_test64, y_test)
    export_onnx(model, ONNX_PATH)
    metrics = {
        "test_accuracy": test_acc,
        "train_accuracy": train_acc,
        "seed": args.seed,
        "epochs": args.epochs,
    }
    METRICS_PATH.write_text(json.dumps(metrics, indent=2) + "\n")

    print(f"training time {elapsed:.1f} s")
    print(f"train accuracy {train_acc:.4f}  ({len(y_train)} samples)")
    print(f"test accuracy  {test_acc:.4f}  ({len(y_test)} samples)")
    print(f"wrote {ONNX_PATH.name} ({ONNX_PATH.stat().st_size} bytes) and {METRICS_PATH.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
