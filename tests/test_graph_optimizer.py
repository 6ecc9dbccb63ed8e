"""Property tests of the `nn` graph-optimization passes on random small graphs.

Each example builds a random chain of `nn` ops (conv2d, depthwise, conv2d_transpose, dense,
batch_norm, relu, clamp, pad, transpose (pairs), reshape (pairs), add/mul with a constant,
max/avg pooling) with random shapes and constant weights, sometimes returning an intermediate
value too (a second use). For every pass and for `nn-optimize`: the module verifies after the
pass and the reference interpreter gives the same outputs as before (rtol 1e-4, atol 1e-5).
Plus the end-to-end check of `nn-optimize` on the digits CNN against onnxruntime.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xdsl.dialects import func
from xdsl.dialects.builtin import FloatAttr, ModuleOp, TensorType, f32
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.utils.exceptions import VerifyException

from edgeai.dialects import nn
from edgeai.dialects.nn_types import ActivationAttr, QuantType
from edgeai.reference.interpreter import random_inputs, run
from edgeai.support.attrs import f32_attr, i64_array, i64_attr, str_attr
from edgeai.support.context import run_pipeline

DIGITS_ONNX = Path(__file__).resolve().parent.parent / "examples" / "digits_cnn" / "digits_cnn.onnx"

PASSES = [
    "nn-fold-constants",
    "nn-eliminate-dead-code",
    "nn-fold-batchnorm",
    "nn-fuse-activation",
    "nn-fuse-bias",
    "nn-fuse-pad",
    "nn-sink-transposes",
    "nn-simplify-reshapes",
    "nn-optimize",
]

# ---------------------------------------------------------------------------------------------
# random graphs


class _Skip(Exception):
    """The drawn op does not fit the current value (shape/rank): skip it."""


class GraphBuilder:
    """Appends random `nn` ops to one block, threading a current value through them."""

    def __init__(self, shape: tuple[int, ...], seed: int):
        self.rng = np.random.default_rng(seed)
        self.block = Block(arg_types=[TensorType(f32, list(shape))])
        self.extra: list[SSAValue] = []
        self.fused_acts = True  # whether layers may draw a fused activation

    # helpers --------------------------------------------------------------------------------
    def emit(self, op: Operation) -> SSAValue:
        self.block.add_op(op)
        return op.results[0]

    def const(self, arr: np.ndarray) -> SSAValue:
        return self.emit(nn.ConstantOp.from_numpy(np.asarray(arr, np.float32), f32))

    def normal(self, *shape: int, scale: float = 0.5) -> np.ndarray:
        return (self.rng.standard_normal(shape) * scale).astype(np.float32)

    def make(self, cls, operands, props=None) -> SSAValue:
        try:
            return self.emit(cls.make(operands, f32, props or {}))
        except (VerifyException, ValueError, IndexError, ZeroDivisionError) as e:
            raise _Skip from e

    def pick(self, *options):
        return options[int(self.rng.integers(len(options)))]

    def act(self) -> dict:
        if not self.fused_acts:
            return {}
        a = self.pick(None, None, None, ActivationAttr.get("relu"), ActivationAttr.get("relu6"))
        return {} if a is None else {"act": a}

    def window(self, k: int) -> dict:
        s = int(self.rng.integers(1, 3))
        pad = [int(self.rng.integers(0, k)) for _ in range(4)]
        return {
            "strides": i64_array([s, s]),
            "dilations": i64_array([1, 1]),
            "padding": i64_array(pad),
        }

    @staticmethod
    def shape(v: SSAValue) -> tuple[int, ...]:
        return tuple(v.type.get_shape())

    def rank4(self, v: SSAValue) -> tuple[int, int, int, int]:
        s = self.shape(v)
        if len(s) != 4:
            raise _Skip
        return s  # type: ignore[return-value]

    def bias(self, n: int) -> SSAValue | None:
        return self.const(self.normal(n)) if self.rng.random() < 0.7 else None

    # steps ----------------------------------------------------------------------------------
    def conv2d(self, v: SSAValue) -> SSAValue:
        _, _, _, c = self.rank4(v)
        cout, k = int(self.rng.integers(1, 5)), int(self.rng.integers(1, 4))
        g = c if (c > 1 and cout % c == 0 and self.rng.random() < 0.3) else 1
        w = self.const(self.normal(cout, k, k, c // g))
        props = {**self.window(k), "groups": i64_attr(g), **self.act()}
        return self.make(nn.Conv2dOp, [v, w, self.bias(cout)], props)

    def depthwise(self, v: SSAValue) -> SSAValue:
        _, _, _, c = self.rank4(v)
        m, k = int(self.rng.integers(1, 3)), int(self.rng.integers(1, 4))
        w = self.const(self.normal(1, k, k, c * m))
        return self.make(
            nn.DepthwiseConv2dOp, [v, w, self.bias(c * m)], {**self.window(k), **self.act()}
        )

    def conv_transpose(self, v: SSAValue) -> SSAValue:
        _, _, _, c = self.rank4(v)
        cout, k = int(self.rng.integers(1, 4)), int(self.rng.integers(1, 4))
        w = self.const(self.normal(cout, k, k, c))
        props = {**self.window(k), "groups": i64_attr(1)}
        return self.make(nn.Conv2dTransposeOp, [v, w, self.bias(cout)], props)

    def dense(self, v: SSAValue) -> SSAValue:
        k, n = self.shape(v)[-1], int(self.rng.integers(1, 5))
        w = self.const(self.normal(n, k))
        return self.make(nn.DenseOp, [v, w, self.bias(n)], self.act())

    def batch_norm(self, v: SSAValue) -> SSAValue:
        c = self.shape(v)[-1]
        gamma = self.rng.uniform(0.5, 1.5, c) * self.rng.choice([-1, 1], c)
        params = [gamma, self.normal(c), self.normal(c), self.rng.uniform(0.5, 2.0, c)]
        return self.make(
            nn.BatchNormOp, [v, *(self.const(p) for p in params)], {"epsilon": f32_attr(1e-5)}
        )

    def layer_bn_act(self, v: SSAValue) -> SSAValue:
        """A weighted layer without fused activation, a batch norm, maybe an activation."""
        layer = self.pick(self.conv2d, self.depthwise, self.conv_transpose, self.dense)
        self.fused_acts = False
        try:
            v = layer(v)
        finally:
            self.fused_acts = True
        v = self.batch_norm(v)
        return self.pick(self.relu, self.clamp, lambda x: x)(v)

    def relu(self, v: SSAValue) -> SSAValue:
        return self.make(nn.ReluOp, [v])

    def clamp(self, v: SSAValue) -> SSAValue:
        lo, hi = self.pick((0.0, 6.0), (-1.0, 1.0), (0.25, math.inf), (-math.inf, 0.5))
        return self.make(nn.ClampOp, [v], {"min": FloatAttr(lo, f32), "max": FloatAttr(hi, f32)})

    def pad(self, v: SSAValue) -> SSAValue:
        n, h, w, c = self.rank4(v)
        pads = [
            0,
            *(int(x) for x in self.rng.integers(0, 3, 2)),
            0,
            0,
            *(int(x) for x in self.rng.integers(0, 3, 2)),
            0,
        ]
        if self.rng.random() < 0.15:
            pads[7] = 1  # channel padding: never fused
        value = self.pick(0.0, 0.0, 0.0, -math.inf, 0.5)
        mode = self.pick("constant", "constant", "constant", "edge")
        props = {"pads": i64_array(pads), "mode": str_attr(mode), "value": FloatAttr(value, f32)}
        return self.make(nn.PadOp, [v], props)

    def pad_window(self, v: SSAValue) -> SSAValue:
        """An explicit pad feeding a window op: what nn-fuse-pad looks for."""
        n, h, w, c = self.rank4(v)
        pads = [0, *(int(x) for x in self.rng.integers(0, 3, 2)), 0]
        pads += [0, *(int(x) for x in self.rng.integers(0, 3, 2)), 0]
        window = self.pick(self.conv2d, self.depthwise, self.avg_pool, self.max_pool)
        value = -math.inf if window == self.max_pool and self.rng.random() < 0.8 else 0.0
        props = {
            "pads": i64_array(pads),
            "mode": str_attr("constant"),
            "value": FloatAttr(value, f32),
        }
        return window(self.make(nn.PadOp, [v], props))

    def conv_prepared_weight(self, v: SSAValue) -> SSAValue:
        """A conv whose OHWI weight is computed from an OIHW constant (maybe quantized per channel)
        and whose bias is a sum of constants: what nn-fold-constants evaluates."""
        _, _, _, c = self.rank4(v)
        cout, k = int(self.rng.integers(1, 4)), int(self.rng.integers(1, 4))
        w = self.normal(cout, c, k, k)
        if self.rng.random() < 0.5:
            scales = np.abs(w).reshape(cout, -1).max(axis=1) / 127 + 1e-3
            qt = QuantType.get(8, True, scales, 0, axis=0)
            q = np.clip(np.round(w / scales[:, None, None, None]), -127, 127).astype(np.int8)
            wq = self.emit(nn.ConstantOp.from_numpy(q, qt))
            w_val = self.emit(nn.DequantizeOp.make([wq], f32))
        else:
            w_val = self.const(w)
        wt = self.make(nn.TransposeOp, [w_val], {"perm": i64_array([0, 2, 3, 1])})
        b = self.make(nn.AddOp, [self.const(self.normal(cout)), self.const(self.normal(cout))])
        props = {**self.window(k), "groups": i64_attr(1)}
        return self.make(nn.Conv2dOp, [v, wt, b], props)

    def qdq(self, v: SSAValue) -> SSAValue:
        qt = QuantType.get(
            8, True, float(self.rng.uniform(0.01, 0.1)), int(self.rng.integers(-5, 6))
        )
        q = self.emit(nn.QuantizeOp.make([v], qt))
        return self.emit(nn.DequantizeOp.make([q], f32))

    def transpose(self, v: SSAValue) -> SSAValue:
        perm = [int(p) for p in self.rng.permutation(len(self.shape(v)))]
        return self.make(nn.TransposeOp, [v], {"perm": i64_array(perm)})

    def transpose_pair(self, v: SSAValue) -> SSAValue:
        """transpose, an element-wise op that a transpose can sink through, the inverse."""
        perm = [int(p) for p in self.rng.permutation(len(self.shape(v)))]
        t = self.make(nn.TransposeOp, [v], {"perm": i64_array(perm)})
        t = self.pick(self.relu, self.clamp, self.add_const, self.mul_const)(t)
        return self.make(
            nn.TransposeOp, [t], {"perm": i64_array([int(i) for i in np.argsort(perm)])}
        )

    def reshape(self, v: SSAValue) -> SSAValue:
        n, h, w, c = self.rank4(v)
        target = self.pick((n, h * w, 1, c), (n, 1, h * w, c), (n * h, w, 1, c), (n, h, w * c, 1))
        r = self.emit(nn.ReshapeOp.make([v], f32, shapes=[target]))
        if self.rng.random() < 0.5:  # and back: a chain that simplifies away
            r = self.emit(nn.ReshapeOp.make([r], f32, shapes=[(n, h, w, c)]))
        return r

    def _binary(self, cls, v: SSAValue) -> SSAValue:
        s = self.shape(v)
        cshape = self.pick(s[-1:], (1,) * (len(s) - 1) + s[-1:], s[-2:], s)
        c = self.const(self.normal(*cshape, scale=1.0))
        operands = [v, c] if self.rng.random() < 0.7 else [c, v]
        return self.make(cls, operands, self.act())

    def add_const(self, v: SSAValue) -> SSAValue:
        return self._binary(nn.AddOp, v)

    def mul_const(self, v: SSAValue) -> SSAValue:
        return self._binary(nn.MulOp, v)

    def max_pool(self, v: SSAValue) -> SSAValue:
        self.rank4(v)
        k = int(self.rng.integers(1, 4))
        return self.make(nn.MaxPool2dOp, [v], {"kernel": i64_array([k, k]), **self.window(k)})

    def avg_pool(self, v: SSAValue) -> SSAValue:
        self.rank4(v)
        k = int(self.rng.integers(1, 4))
        cip = int(self.rng.integers(0, 2))
        props = {"kernel": i64_array([k, k]), **self.window(k), "count_include_pad": i64_attr(cip)}
        return self.make(nn.AvgPool2dOp, [v], props)

    # ----------------------------------------------------------------------------------------
    def build(self, steps: list[str]) -> ModuleOp:
        v = self.block.args[0]
        for name in steps:
            try:
                v = getattr(self, name)(v)
            except _Skip:
                continue
            if self.rng.random() < 0.15 and v is not self.block.args[0]:
                self.extra.append(v)  # a second use of an intermediate value
        outs = [v, *dict.fromkeys(e for e in self.extra if e is not v)]
        self.block.add_op(func.ReturnOp(*outs))
        ftype = ([self.block.args[0].type], [o.type for o in outs])
        module = ModuleOp([func.FuncOp("main", ftype, Region(self.block))])
        module.verify()
        return module


STEPS = [
    "conv2d", "depthwise", "conv_transpose", "dense", "batch_norm", "relu", "clamp", "pad",
    "transpose", "transpose_pair", "reshape", "add_const", "mul_const", "max_pool", "avg_pool",
    "pad_window", "conv_prepared_weight", "qdq", "layer_bn_act", "layer_bn_act",
]  # fmt: skip


@st.composite
def graphs(draw: Callable) -> ModuleOp:
    shape = (1, draw(st.integers(2, 6)), draw(st.integers(2, 6)), draw(st.integers(1, 3)))
    steps = draw(st.lists(st.sampled_from(STEPS), min_size=1, max_size=6))
    seed = draw(st.integers(0, 2**32 - 1))
    return GraphBuilder(shape, seed).build(steps)


def _count(module: ModuleOp) -> Counter:
    return Counter(op.name for op in module.walk())


def _assert_same_outputs(before: dict, after: dict) -> None:
    assert before.keys() == after.keys()
    for k in before:
        assert before[k].shape == after[k].shape
        np.testing.assert_allclose(after[k], before[k], rtol=1e-4, atol=1e-5, err_msg=k)


# ---------------------------------------------------------------------------------------------
# properties


@pytest.mark.parametrize("pipeline", PASSES)
@pytest.mark.filterwarnings(
    "ignore::RuntimeWarning"
)  # -inf pads reaching convs make NaN (both sides)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(module=graphs())
def test_pass_preserves_reference_results(pipeline: str, module: ModuleOp) -> None:
    inputs = random_inputs(module, seed=1)
    before = run(module, inputs)
    counts = _count(module)
    run_pipeline(module, pipeline)  # verifies after the pass
    _assert_same_outputs(before, run(module, inputs))
    after = _count(module)
    assert after["nn.transpose"] <= counts["nn.transpose"], "transposes must never multiply"
    if pipeline in ("nn-fold-batchnorm", "nn-optimize"):
        assert after["nn.batch_norm"] == 0  # every batch norm here has constant parameters
    if pipeline == "nn-optimize":
        assert sum(after.values()) <= sum(counts.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(module=graphs())
def test_optimize_reaches_a_fixpoint(module: ModuleOp) -> None:
    run_pipeline(module, "nn-optimize")
    once = str(module)
    run_pipeline(module, "nn-optimize")
    assert str(module) == once


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(module=graphs())
def test_optimize_leaves_no_fusable_activation_or_dead_op(module: ModuleOp) -> None:
    run_pipeline(module, "nn-optimize")
    for op in module.walk():
        if isinstance(op, nn.TensorOp):
            assert any(r.uses for r in op.results), f"dead {op.name}"
        if isinstance(op, nn.ReluOp | nn.ClampOp) and op.input.has_one_use():
            prod = op.input.owner
            assert not isinstance(prod, nn.Conv2dOp | nn.DenseOp | nn.AddOp | nn.MaxPool2dOp) or (
                "act" in prod.properties
            ), f"{op.name} left after {prod.name}"


# ---------------------------------------------------------------------------------------------
# the digits example end to end


def test_optimize_digits_matches_onnxruntime(digits_split) -> None:
    ort = pytest.importorskip("onnxruntime")
    from edgeai.frontends.onnx import import_onnx

    module = import_onnx(DIGITS_ONNX)
    run_pipeline(module, "convert-onnx-to-nn,nn-optimize")
    f = next(op for op in module.ops if isinstance(op, func.FuncOp))
    body = [op for op in f.body.block.ops if not isinstance(op, nn.ConstantOp | func.ReturnOp)]
    names = [op.name for op in body]
    assert names[0] in ("nn.reshape", "nn.transpose")
    assert names[1:] == [
        "nn.conv2d", "nn.max_pool2d", "nn.conv2d", "nn.reduce_mean", "nn.reshape", "nn.dense",
    ]  # fmt: skip
    for conv in (body[1], body[3]):
        assert conv.properties["act"] == ActivationAttr.get("relu")
        assert conv.bias is not None
    assert "act" not in body[-1].properties

    _, _, x_test, _ = digits_split
    sess = ort.InferenceSession(str(DIGITS_ONNX), providers=["CPUExecutionProvider"])
    in_name = sess.get_inputs()[0].name
    worst = 0.0
    for x in x_test:
        expected = sess.run(None, {in_name: x[None]})[0]
        got = run(module, {"image": x[None]})["logits"]
        worst = max(worst, float(np.max(np.abs(got - expected))))
    assert worst < 1e-4, f"max |edgeai - onnxruntime| = {worst}"
