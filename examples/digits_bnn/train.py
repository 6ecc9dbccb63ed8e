"""Train a binary-weight digits CNN with numpy and export it as QONNX.

Network (NCHW, input ``[N, 1, 8, 8]``)::

    conv1 (3x3, pad 1, 16 filters, binary weights) -> bn1 -> relu1 -> pool1 (max 2x2)
    -> conv2 (3x3, pad 1, 32 filters, binary weights) -> bn2 -> relu2
    -> gap (GlobalAveragePool) -> flatten -> fc (Gemm 32 -> 10, transB=1)

A binary layer keeps float "latent" weights ``w``. Its forward pass uses
``alpha_c * sign(w)`` where ``alpha_c = mean(|w|)`` over output channel ``c`` and
``sign(0) = +1``. The backward pass is a clipped straight-through estimator: ``d sign(w) / dw``
is taken to be 1 where ``|w| <= 1`` and 0 elsewhere; ``alpha_c`` is differentiated exactly.

The exported graph holds the latent weights as float32 initializers, each passed through a QONNX
``BipolarQuant`` node (``qonnx.custom_op.general``) whose scale input is ``alpha`` shaped to
broadcast against the weight. BatchNormalization is left unfolded.

Usage::

    python train.py                    # train, write digits_bnn.onnx and metrics.json
    python train.py --gradient-check   # only check the backward pass numerically
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent
DATA_PY = HERE.parent / "digits_cnn" / "data.py"
FLOAT_METRICS = HERE.parent / "digits_cnn" / "metrics.json"
ONNX_PATH = HERE / "digits_bnn.onnx"
METRICS_PATH = HERE / "metrics.json"

QONNX_DOMAIN = "qonnx.custom_op.general"
OPSET = 13
QONNX_OPSET = 1
IR_VERSION = 8

C1, C2, NUM_CLASSES = 16, 32, 10
BINARY_FC = True  # the classifier's Gemm weights are binary too (see README)
BINARY: tuple[str, ...] = ("conv1.weight", "conv2.weight") + (("fc.weight",) if BINARY_FC else ())

BN_EPS = 1e-5
BN_MOMENTUM = 0.9  # running = momentum * running + (1 - momentum) * batch statistic

DEFAULT_SEED = 0
DEFAULT_EPOCHS = 60
BATCH = 32
LR = 0.01
WEIGHT_DECAY = 1e-4  # decoupled, on float (non-binary) matrices only

F64 = NDArray[np.float64]
Labels = NDArray[np.int64]
Tensors = dict[str, F64]


def load_data_module() -> ModuleType:
    """Import ``examples/digits_cnn/data.py`` from its file path (shared train/test split)."""
    name = "digits_cnn_data"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, DATA_PY)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# ---------------------------------------------------------------------------------------------
# Weight binarization
# ---------------------------------------------------------------------------------------------


def bipolar(w: F64) -> F64:
    """``sign(w)`` with ``sign(0) = +1``, as QONNX ``BipolarQuant`` computes it."""
    return np.where(w >= 0.0, 1.0, -1.0)


def channel_scale(w: F64) -> F64:
    """``alpha_c = mean|w|`` over everything but axis 0, shaped ``[C, 1, ...]`` to broadcast."""
    return np.abs(w).reshape(w.shape[0], -1).mean(axis=1).reshape(-1, *([1] * (w.ndim - 1)))


@dataclass
class BinCache:
    unit: F64  # sign(w) (or the smooth surrogate used by the gradient check)
    alpha: F64
    pass_mask: F64  # 1 where |w| <= 1: clipped straight-through estimator
    abs_grad: F64  # d|w|/dw


def binarize(w: F64, surrogate: bool = False) -> tuple[F64, BinCache]:
    """Forward of a binary weight: ``alpha * sign(w)``.

    With ``surrogate=True`` ``sign`` is replaced by ``clip(w, -1, 1)``, whose true derivative
    is exactly the clipped-STE mask; the gradient check uses it to test :func:`binarize_grad`.
    """
    unit = np.clip(w, -1.0, 1.0) if surrogate else bipolar(w)
    alpha = channel_scale(w)
    cache = BinCache(unit, alpha, (np.abs(w) <= 1.0).astype(w.dtype), bipolar(w))
    return alpha * unit, cache


def binarize_grad(g: F64, cache: BinCache) -> F64:
    """Gradient w.r.t. the latent weights from the gradient ``g`` w.r.t. ``alpha * sign(w)``."""
    axes = tuple(range(1, g.ndim))
    per_channel = g[0].size
    dalpha = (g * cache.unit).sum(axis=axes, keepdims=True)
    return cache.alpha * g * cache.pass_mask + dalpha * cache.abs_grad / per_channel


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------

_OFFSETS = tuple((di, dj) for di in range(3) for dj in range(3))


def patches(x: F64) -> F64:
    """``[N, C, H, W]`` -> ``[N, H, W, C * 9]`` neighbourhoods of a 3x3, pad-1 convolution."""
    _, _, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    taps = [padded[:, :, di : di + h, dj : dj + w] for di, dj in _OFFSETS]
    stacked = np.stack(taps, axis=-1)  # [N, C, H, W, 9]
    return stacked.transpose(0, 2, 3, 1, 4).reshape(*stacked.shape[:1], h, w, -1)


def patches_adjoint(dp: F64, channels: int) -> F64:
    """Transpose of :func:`patches`: sum neighbourhood gradients back onto the image."""
    n, h, w, _ = dp.shape
    taps = dp.reshape(n, h, w, channels, 9).transpose(0, 3, 1, 2, 4)
    dpad = np.zeros((n, channels, h + 2, w + 2))
    for k, (di, dj) in enumerate(_OFFSETS):
        dpad[:, :, di : di + h, dj : dj + w] += taps[..., k]
    return dpad[:, :, 1:-1, 1:-1]


def conv3x3(x: F64, weight: F64) -> tuple[F64, F64]:
    """Bias-free 3x3 pad-1 convolution; returns ``(output NCHW, patches)``."""
    p = patches(x)
    out = p @ weight.reshape(weight.shape[0], -1).T  # [N, H, W, F]
    return out.transpose(0, 3, 1, 2), p


def conv3x3_grad(dout: F64, p: F64, weight: F64) -> tuple[F64, F64]:
    """Return ``(dx, dweight)`` for :func:`conv3x3`."""
    g = dout.transpose(0, 2, 3, 1)  # [N, H, W, F]
    w2 = weight.reshape(weight.shape[0], -1)
    dweight = np.einsum("nhwf,nhwk->fk", g, p).reshape(weight.shape)
    return patches_adjoint(g @ w2, weight.shape[1]), dweight


def _c(v: F64) -> F64:
    return v.reshape(1, -1, 1, 1)


def batchnorm_train(x: F64, gamma: F64, beta: F64) -> tuple[F64, dict[str, F64]]:
    mean = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3))
    rstd = 1.0 / np.sqrt(var + BN_EPS)
    xn = (x - _c(mean)) * _c(rstd)
    return _c(gamma) * xn + _c(beta), {"xn": xn, "rstd": rstd, "mean": mean, "var": var}


def batchnorm_train_grad(dy: F64, gamma: F64, c: dict[str, F64]) -> tuple[F64, F64, F64]:
    """Return ``(dx, dgamma, dbeta)`` for training-mode batch normalization."""
    xn = c["xn"]
    dgamma = (dy * xn).sum(axis=(0, 2, 3))
    dbeta = dy.sum(axis=(0, 2, 3))
    dxn = dy * _c(gamma)
    dx = _c(c["rstd"]) * (
        dxn - _c(dxn.mean(axis=(0, 2, 3))) - xn * _c((dxn * xn).mean(axis=(0, 2, 3)))
    )
    return dx, dgamma, dbeta


def batchnorm_eval(x: F64, gamma: F64, beta: F64, mean: F64, var: F64) -> F64:
    return _c(gamma / np.sqrt(var + BN_EPS)) * (x - _c(mean)) + _c(beta)


def maxpool2(x: F64) -> tuple[F64, NDArray[np.intp]]:
    """2x2 / stride-2 max pooling; also returns the (first) argmax of every window."""
    n, c, h, w = x.shape
    win = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    win = win.reshape(n, c, h // 2, w // 2, 4)
    idx = win.argmax(axis=-1)
    return np.take_along_axis(win, idx[..., None], axis=-1)[..., 0], idx


def maxpool2_grad(dy: F64, idx: NDArray[np.intp]) -> F64:
    n, c, h2, w2 = dy.shape
    dwin = np.zeros((n, c, h2, w2, 4))
    np.put_along_axis(dwin, idx[..., None], dy[..., None], axis=-1)
    return dwin.reshape(n, c, h2, w2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, 2 * h2, -1)


def cross_entropy(logits: F64, labels: Labels) -> tuple[float, F64]:
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    rows = np.arange(len(labels))
    grad = np.exp(logp)
    grad[rows, labels] -= 1.0
    return float(-logp[rows, labels].mean()), grad / len(labels)


# ---------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------


@dataclass
class Net:
    params: Tensors  # latent weights, BN affine parameters, fc bias (and fc weight)
    stats: Tensors  # BN running mean / variance


def init_net(rng: np.random.Generator) -> Net:
    params: Tensors = {
        "conv1.weight": rng.uniform(-0.5, 0.5, (C1, 1, 3, 3)),
        "bn1.scale": np.ones(C1),
        "bn1.bias": np.zeros(C1),
        "conv2.weight": rng.uniform(-0.5, 0.5, (C2, C1, 3, 3)),
        "bn2.scale": np.ones(C2),
        "bn2.bias": np.zeros(C2),
        "fc.weight": rng.uniform(-0.5, 0.5, (NUM_CLASSES, C2)),
        "fc.bias": np.zeros(NUM_CLASSES),
    }
    if "fc.weight" not in BINARY:
        params["fc.weight"] = rng.normal(0.0, np.sqrt(1.0 / C2), (NUM_CLASSES, C2))
    stats: Tensors = {}
    for bn, ch in (("bn1", C1), ("bn2", C2)):
        stats[f"{bn}.running_mean"] = np.zeros(ch)
        stats[f"{bn}.running_var"] = np.ones(ch)
    return Net(params, stats)


def effective_weights(
    params: Tensors, surrogate: bool = False
) -> tuple[Tensors, dict[str, BinCache]]:
    """The weights the forward pass actually multiplies with (binarized where applicable)."""
    weights: Tensors = {}
    caches: dict[str, BinCache] = {}
    for name in ("conv1.weight", "conv2.weight", "fc.weight"):
        if name in BINARY:
            weights[name], caches[name] = binarize(params[name], surrogate)
        else:
            weights[name] = params[name]
    return weights, caches


def forward_backward(
    params: Tensors, x: F64, labels: Labels, surrogate: bool = False
) -> tuple[float, Tensors, Tensors]:
    """Training step maths: returns ``(loss, gradients, BN batch statistics)``."""
    wq, bcache = effective_weights(params, surrogate)
    p = params
    h1, p1 = conv3x3(x, wq["conv1.weight"])
    b1, bn1 = batchnorm_train(h1, p["bn1.scale"], p["bn1.bias"])
    r1 = np.maximum(b1, 0.0)
    m1, idx = maxpool2(r1)
    h2, p2 = conv3x3(m1, wq["conv2.weight"])
    b2, bn2 = batchnorm_train(h2, p["bn2.scale"], p["bn2.bias"])
    r2 = np.maximum(b2, 0.0)
    feat = r2.mean(axis=(2, 3))
    logits = feat @ wq["fc.weight"].T + p["fc.bias"]
    loss, dlogits = cross_entropy(logits, labels)

    g: Tensors = {"fc.bias": dlogits.sum(axis=0), "fc.weight": dlogits.T @ feat}
    dfeat = dlogits @ wq["fc.weight"]
    hw = b2.shape[2] * b2.shape[3]
    dr2 = np.broadcast_to(dfeat[:, :, None, None] / hw, b2.shape)
    db2 = dr2 * (b2 > 0)
    dh2, g["bn2.scale"], g["bn2.bias"] = batchnorm_train_grad(db2, p["bn2.scale"], bn2)
    dm1, g["conv2.weight"] = conv3x3_grad(dh2, p2, wq["conv2.weight"])
    db1 = maxpool2_grad(dm1, idx) * (b1 > 0)
    dh1, g["bn1.scale"], g["bn1.bias"] = batchnorm_train_grad(db1, p["bn1.scale"], bn1)
    _, g["conv1.weight"] = conv3x3_grad(dh1, p1, wq["conv1.weight"])
    for name, cache in bcache.items():
        g[name] = binarize_grad(g[name], cache)

    batch_stats = {
        "bn1.running_mean": bn1["mean"],
        "bn1.running_var": bn1["var"],
        "bn2.running_mean": bn2["mean"],
        "bn2.running_var": bn2["var"],
    }
    return loss, g, batch_stats


def inference_weights(params: Tensors) -> Tensors:
    """``alpha * sign(w)`` with ``alpha`` rounded to float32, exactly as the ONNX file holds it."""
    weights = dict(params)
    for name in BINARY:
        weights[name] = bipolar(params[name]) * channel_scale(params[name]).astype(np.float32)
    return weights


def predict(net: Net, x: F64) -> F64:
    """Inference: binarized weights, BatchNorm with running statistics. Returns logits."""
    p, s = net.params, net.stats
    wq = inference_weights(p)
    h, _ = conv3x3(x, wq["conv1.weight"])
    h = batchnorm_eval(
        h, p["bn1.scale"], p["bn1.bias"], s["bn1.running_mean"], s["bn1.running_var"]
    )
    h, _ = maxpool2(np.maximum(h, 0.0))
    h, _ = conv3x3(h, wq["conv2.weight"])
    h = batchnorm_eval(
        h, p["bn2.scale"], p["bn2.bias"], s["bn2.running_mean"], s["bn2.running_var"]
    )
    feat = np.maximum(h, 0.0).mean(axis=(2, 3))
    return feat @ wq["fc.weight"].T + p["fc.bias"]


def accuracy(net: Net, x: F64, labels: Labels) -> float:
    return float((predict(net, x).argmax(axis=1) == labels).mean())


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------


class AdamW:
    def __init__(self, params: Tensors, b1: float = 0.9, b2: float = 0.999) -> None:
        self.b1, self.b2, self.t = b1, b2, 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def update(self, params: Tensors, grads: Tensors, lr: float) -> None:
        self.t += 1
        c1, c2 = 1.0 - self.b1**self.t, 1.0 - self.b2**self.t
        for k, g in grads.items():
            self.m[k] = self.b1 * self.m[k] + (1.0 - self.b1) * g
            self.v[k] = self.b2 * self.v[k] + (1.0 - self.b2) * g * g
            if k.endswith(".weight") and k not in BINARY:
                params[k] *= 1.0 - lr * WEIGHT_DECAY
            params[k] -= lr * (self.m[k] / c1) / (np.sqrt(self.v[k] / c2) + 1e-8)


def minibatches(rng: np.random.Generator, n: int) -> Iterator[NDArray[np.intp]]:
    order = rng.permutation(n)
    for start in range(0, n, BATCH):
        yield order[start : start + BATCH]


def train(x: F64, y: Labels, seed: int, epochs: int, log: bool = True) -> Net:
    rng = np.random.default_rng(seed)
    net = init_net(rng)
    opt = AdamW(net.params)
    total = epochs * -(-len(x) // BATCH)
    step = 0
    for epoch in range(1, epochs + 1):
        running_loss = 0.0
        for idx in minibatches(rng, len(x)):
            loss, grads, batch_stats = forward_backward(net.params, x[idx], y[idx])
            opt.update(net.params, grads, 0.5 * LR * (1.0 + np.cos(np.pi * step / total)))
            for k, v in batch_stats.items():
                net.stats[k] = BN_MOMENTUM * net.stats[k] + (1.0 - BN_MOMENTUM) * v
            running_loss += loss * len(idx)
            step += 1
        if log and (epoch % 10 == 0 or epoch == epochs):
            print(f"epoch {epoch:3d}/{epochs}  loss {running_loss / len(x):.4f}")
    return net


def as_float32(net: Net) -> Net:
    """Round every stored tensor to float32 (the export precision), kept in float64 arrays."""

    def rnd(t: Tensors) -> Tensors:
        return {k: v.astype(np.float32).astype(np.float64) for k, v in t.items()}

    return Net(rnd(net.params), rnd(net.stats))


def export_scales(net: Net) -> dict[str, NDArray[np.float32]]:
    """Per-output-channel ``alpha`` of every binary weight as stored in the ONNX file."""
    return {name: channel_scale(net.params[name]).astype(np.float32) for name in BINARY}


# ---------------------------------------------------------------------------------------------
# QONNX export
# ---------------------------------------------------------------------------------------------


def build_qonnx(net: Net) -> onnx.ModelProto:
    """Build the QONNX graph (latent weights -> BipolarQuant -> Conv/Gemm; BN unfolded)."""
    f32 = {k: v.astype(np.float32) for k, v in {**net.params, **net.stats}.items()}
    scales = export_scales(net)
    inits = [numpy_helper.from_array(v, k) for k, v in f32.items()]
    nodes: list[onnx.NodeProto] = []
    shapes: dict[str, list[int]] = {}

    def weight(layer: str) -> str:
        name = f"{layer}.weight"
        if name not in BINARY:
            return name
        scale = f"{layer}.weight_scale"
        inits.append(numpy_helper.from_array(scales[name], scale))
        out = f"{layer}.weight_q"
        nodes.append(
            helper.make_node(
                "BipolarQuant", [name, scale], [out], name=f"{layer}_wq", domain=QONNX_DOMAIN
            )
        )
        shapes[out] = list(f32[name].shape)
        return out

    def add(op: str, name: str, inputs: list[str], shape: list[int], **attrs: Any) -> str:
        out = f"{name}_out" if name != "fc" else "logits"
        nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        shapes[out] = shape
        return out

    def bn(name: str, x: str, shape: list[int]) -> str:
        ins = [x] + [f"{name}.{k}" for k in ("scale", "bias", "running_mean", "running_var")]
        return add("BatchNormalization", name, ins, shape, epsilon=BN_EPS, momentum=BN_MOMENTUM)

    conv = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [1, 1]}
    h = add("Conv", "conv1", ["image", weight("conv1")], [1, C1, 8, 8], **conv)
    h = bn("bn1", h, [1, C1, 8, 8])
    h = add("Relu", "relu1", [h], [1, C1, 8, 8])
    h = add("MaxPool", "pool1", [h], [1, C1, 4, 4], kernel_shape=[2, 2], strides=[2, 2])
    h = add("Conv", "conv2", [h, weight("conv2")], [1, C2, 4, 4], **conv)
    h = bn("bn2", h, [1, C2, 4, 4])
    h = add("Relu", "relu2", [h], [1, C2, 4, 4])
    h = add("GlobalAveragePool", "gap", [h], [1, C2, 1, 1])
    h = add("Flatten", "flatten", [h], [1, C2], axis=1)
    add("Gemm", "fc", [h, weight("fc"), "fc.bias"], [1, NUM_CLASSES], transB=1)

    value_info = [
        helper.make_tensor_value_info(k, TensorProto.FLOAT, v)
        for k, v in shapes.items()
        if k != "logits"
    ]
    graph = helper.make_graph(
        nodes,
        "digits_bnn",
        inputs=[helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, 8, 8])],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, NUM_CLASSES])],
        initializer=inits,
        value_info=value_info,
    )
    model = helper.make_model(
        graph,
        opset_imports=[
            helper.make_opsetid("", OPSET),
            helper.make_opsetid(QONNX_DOMAIN, QONNX_OPSET),
        ],
        producer_name="edgeai-examples-digits_bnn",
        ir_version=IR_VERSION,
    )
    model.doc_string = (
        "Binary-weight 8x8 sklearn digits classifier in QONNX form "
        "(examples/digits_bnn/train.py). Input: [1,1,8,8] float32, pixel/16. Output: 10 logits."
    )
    onnx.checker.check_model(model)
    return model


# ---------------------------------------------------------------------------------------------
# Gradient check
# ---------------------------------------------------------------------------------------------


def gradient_check(seed: int = 3, batch: int = 6, delta: float = 1e-6) -> float:
    """Check :func:`forward_backward` against central differences.

    ``sign`` has no useful derivative, so the check runs with the smooth surrogate
    ``alpha(w) * clip(w, -1, 1)`` whose exact derivative is what the clipped STE uses for
    ``sign``; this exercises every layer's backward, the ``alpha`` term and the STE mask (some
    latent weights are pushed outside [-1, 1]). Raises if the worst relative error exceeds 1e-5.
    """
    rng = np.random.default_rng(seed)
    params = init_net(rng).params
    for k in params:
        params[k] = params[k] + rng.normal(0.0, 0.3, params[k].shape)
    for name in BINARY:
        flat = params[name].reshape(-1)
        flat[::7] = 1.5 * np.where(flat[::7] >= 0, 1.0, -1.0)  # outside the STE window
    x = rng.uniform(0.0, 1.0, (batch, 1, 8, 8))
    y = rng.integers(0, NUM_CLASSES, batch)
    _, grads, _ = forward_backward(params, x, y, surrogate=True)
    worst = 0.0
    for name, value in params.items():
        numeric = np.zeros(value.size)
        flat = value.reshape(-1)
        for i in range(flat.size):
            keep = flat[i]
            flat[i] = keep + delta
            up = forward_backward(params, x, y, surrogate=True)[0]
            flat[i] = keep - delta
            down = forward_backward(params, x, y, surrogate=True)[0]
            flat[i] = keep
            numeric[i] = (up - down) / (2.0 * delta)
        analytic = grads[name].reshape(-1)
        err = float(np.abs(analytic - numeric).max() / max(np.abs(analytic).max(), 1e-3))
        print(f"{name:14s} max|grad| {np.abs(analytic).max():.2e}  rel. error {err:.1e}")
        worst = max(worst, err)
    if worst > 1e-5:
        raise AssertionError(f"gradient check failed (worst relative error {worst:.1e})")
    print(f"gradient check passed (worst relative error {worst:.1e})")
    return worst


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS)
    parser.add_argument("--gradient-check", action="store_true")
    args = parser.parse_args(argv)
    if args.gradient_check:
        gradient_check()
        return 0

    x_train, y_train, x_test, y_test = load_data_module().load_split(args.seed)
    xtr, xte = x_train.astype(np.float64), x_test.astype(np.float64)
    t0 = time.perf_counter()
    net = train(xtr, y_train, args.seed, args.epochs)
    seconds = time.perf_counter() - t0

    net = as_float32(net)
    train_acc = accuracy(net, xtr, y_train)
    test_acc = accuracy(net, xte, y_test)
    onnx.save(build_qonnx(net), ONNX_PATH)
    metrics = {
        "test_accuracy": test_acc,
        "train_accuracy": train_acc,
        "seed": args.seed,
        "epochs": args.epochs,
        "float_test_accuracy": json.loads(FLOAT_METRICS.read_text())["test_accuracy"],
    }
    METRICS_PATH.write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"training time {seconds:.1f} s")
    print(f"train accuracy {train_acc:.4f}  test accuracy {test_acc:.4f}")
    print(f"wrote {ONNX_PATH.name} ({ONNX_PATH.stat().st_size} bytes) and {METRICS_PATH.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
