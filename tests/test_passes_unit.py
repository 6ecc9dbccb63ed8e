"""Unit tests of the `nn` graph-optimization passes: contracts, options, quantized numerics and
the QDQ / float MLPerf Tiny models. Random-graph properties are in test_graph_optimizer.py."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from edgeai import parse_mlir
from edgeai.dialects import nn
from edgeai.reference.interpreter import random_inputs, run
from edgeai.support.context import run_pipeline
from edgeai.support.paths import shared_models_dir
from edgeai.support.universe import PASSES, pass_class

OURS = [
    "nn-fold-constants",
    "nn-eliminate-dead-code",
    "nn-fold-batchnorm",
    "nn-fuse-activation",
    "nn-fuse-pad",
    "nn-sink-transposes",
    "nn-simplify-reshapes",
    "nn-optimize",
]
QDQ = shared_models_dir() / "mlperf_tiny" / "onnx_qdq_tf2onnx"


def _counts(module: ModuleOp) -> Counter:
    return Counter(op.name for op in module.walk())


def _check(text: str, pipeline: str, *, exact: bool = True, seed: int = 0) -> ModuleOp:
    """Parse, run `pipeline`, and compare reference results before/after; returns the module."""
    module = parse_mlir(text)
    inputs = random_inputs(module, seed=seed)
    before = run(module, inputs)
    run_pipeline(module, pipeline)
    after = run(module, inputs)
    for k, v in before.items():
        if exact:
            np.testing.assert_array_equal(after[k], v, err_msg=k)
        else:
            np.testing.assert_allclose(after[k], v, rtol=1e-4, atol=1e-5, err_msg=k)
    return module


# ---------------------------------------------------------------------------------------------
# contracts


@pytest.mark.parametrize("name", OURS)
def test_pass_contract(name: str) -> None:
    module = importlib.import_module(PASSES[name])
    passes = [
        o
        for o in vars(module).values()
        if isinstance(o, type) and issubclass(o, ModulePass) and o.__module__ == module.__name__
    ]
    assert passes == [pass_class(name)], "exactly one ModulePass per file"
    cls = passes[0]
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    for word in ("Input", "Output", "Invariants kept"):
        assert word in cls.__doc__, f"{name}: docstring lacks '{word}'"
    assert 60 <= len(Path(module.__file__).read_text().splitlines()) <= 200 or name in (
        "nn-eliminate-dead-code",
        "nn-optimize",
    )


def test_transforms_package_is_cheap_to_import() -> None:
    code = "import sys, edgeai.transforms; print(sorted(m for m in sys.modules if 'xdsl' in m))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------
# nn-fold-constants

_QUANT_ADD = """
func.func @main() -> tensor<4x!nn.q<i8, 0.25:0>> {
  %a = nn.constant dense<[1, -7, 100, 127]> : tensor<4x!nn.q<i8, 0.5:3>>
  %b = nn.constant dense<[-128, 5, 9, 60]> : tensor<4x!nn.q<i8, 0.1:-2>>
  %y = nn.add %a, %b {act = #nn.act<relu>} : (tensor<4x!nn.q<i8, 0.5:3>>, tensor<4x!nn.q<i8, 0.1:-2>>) -> tensor<4x!nn.q<i8, 0.25:0>>
  func.return %y : tensor<4x!nn.q<i8, 0.25:0>>
}
"""


def test_fold_constants_quantized_op_is_bit_exact() -> None:
    m = _check(_QUANT_ADD, "nn-fold-constants")
    assert _counts(m)["nn.add"] == 0


def test_fold_constants_max_elements_option() -> None:
    m = _check(_QUANT_ADD, "nn-fold-constants{max-elements=3}")
    assert _counts(m)["nn.add"] == 1
    m = _check(_QUANT_ADD, "nn-optimize{max-elements=3}")
    assert _counts(m)["nn.add"] == 1


def test_fold_constants_reshape_through_per_axis_dequantize() -> None:
    text = """
    func.func @main() -> tensor<2x1x3xf32> {
      %w = nn.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3x!nn.q<i8:0, {0.5:1, 0.25:-1}>>
      %d = nn.dequantize %w : (tensor<2x3x!nn.q<i8:0, {0.5:1, 0.25:-1}>>) -> tensor<2x3xf32>
      %r = nn.reshape %d : (tensor<2x3xf32>) -> tensor<2x1x3xf32>
      func.return %r : tensor<2x1x3xf32>
    }"""
    m = _check(text, "nn-fold-constants")
    (const,) = [op for op in m.walk() if isinstance(op, nn.ConstantOp)]
    assert const.output.type.element_type.channel_axis == 0
    assert _counts(m)["nn.dequantize"] == 1 and _counts(m)["nn.reshape"] == 0


# ---------------------------------------------------------------------------------------------
# nn-eliminate-dead-code


def test_eliminate_dead_code_reports_change() -> None:
    from edgeai.transforms.nn_eliminate_dead_code import NnEliminateDeadCodePass

    m = parse_mlir(
        """func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
             %c = nn.constant dense<1.0> : tensor<2xf32>
             func.return %x : tensor<2xf32>
           }"""
    )
    assert NnEliminateDeadCodePass().rewrite(m) is True
    assert NnEliminateDeadCodePass().rewrite(m) is False
    assert _counts(m)["nn.constant"] == 0


# ---------------------------------------------------------------------------------------------
# nn-fold-batchnorm

_BN = """
  %g = nn.constant dense<[1.5, -0.5, 2.0]> : tensor<3xf32>
  %be = nn.constant dense<[0.1, 0.2, -0.3]> : tensor<3xf32>
  %m = nn.constant dense<[0.5, -1.0, 0.25]> : tensor<3xf32>
  %v = nn.constant dense<[0.5, 2.0, 1.0]> : tensor<3xf32>
  %z = nn.batch_norm %y, %g, %be, %m, %v {{epsilon = 0.001 : f32}} : ({T}, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> {T}
  func.return %z : {T}
}}
"""


@pytest.mark.parametrize(
    "producer",
    [
        # transposed conv: weights [Cout, KH, KW, Cin], output channel axis 0
        "%w = nn.constant dense<[[[[0.5, -1.0]], [[2.0, 0.25]]], [[[1.0, 1.0]], [[-0.5, 0.75]]], "
        "[[[0.3, 0.2]], [[0.1, -0.9]]]]> : tensor<3x2x1x2xf32>\n"
        "%y = nn.conv2d_transpose %x, %w {strides = array<i64: 2, 1>, dilations = array<i64: 1, 1>, "
        "padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x2x2x2xf32>, "
        "tensor<3x2x1x2xf32>) -> tensor<1x4x2x3xf32>",
        # dense on a rank-3 input
        "%w = nn.constant dense<[[0.5, -1.0], [2.0, 0.25], [1.0, 3.0]]> : tensor<3x2xf32>\n"
        "%y = nn.dense %x, %w : (tensor<1x2x2xf32>, tensor<3x2xf32>) -> tensor<1x2x3xf32>",
    ],
    ids=["conv2d_transpose", "dense_rank3"],
)
def test_fold_batchnorm_numerics(producer: str) -> None:
    t = "tensor<1x4x2x3xf32>" if "transpose" in producer else "tensor<1x2x3xf32>"
    arg = "tensor<1x2x2x2xf32>" if "transpose" in producer else "tensor<1x2x2xf32>"
    text = f"func.func @main(%x: {arg}) -> {t} {{\n{producer}\n" + _BN.format(T=t)
    m = _check(text, "nn-fold-batchnorm", exact=False)
    assert _counts(m)["nn.batch_norm"] == 0 and _counts(m)["nn.mul"] == 0


# ---------------------------------------------------------------------------------------------
# quantized fusions are bit-exact

_QCONV = """
func.func @main(%x: tensor<1x4x4x2x!nn.q<i8, 0.05:-4>>) -> tensor<1x{OH}x{OW}x3x!nn.q<i8, 0.04:-10>> {{
  %w = nn.constant dense<[[[[12, -7]], [[3, 100]]], [[[-128, 5]], [[9, 60]]], [[[1, 2]], [[3, 4]]]]> : tensor<3x2x1x2x!nn.q<i8:0, {{0.01:0, 0.02:0, 0.005:0}}>>
  {PRE}
  %y = nn.conv2d %p, %w {{strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64}} : ({PT}, tensor<3x2x1x2x!nn.q<i8:0, {{0.01:0, 0.02:0, 0.005:0}}>>) -> tensor<1x{OH}x{OW}x3x!nn.q<i8, 0.04:-10>>
  %r = nn.clamp %y {{min = 0.0 : f32, max = 6.0 : f32}} : (tensor<1x{OH}x{OW}x3x!nn.q<i8, 0.04:-10>>) -> tensor<1x{OH}x{OW}x3x!nn.q<i8, 0.04:-10>>
  func.return %r : tensor<1x{OH}x{OW}x3x!nn.q<i8, 0.04:-10>>
}}
"""


def test_fuse_activation_and_pad_quantized_conv_bit_exact() -> None:
    pt = "tensor<1x6x5x2x!nn.q<i8, 0.05:-4>>"
    pre = (
        '%p = nn.pad %x {pads = array<i64: 0, 1, 0, 0, 0, 1, 1, 0>, mode = "constant", '
        f"value = 0.0 : f32}} : (tensor<1x4x4x2x!nn.q<i8, 0.05:-4>>) -> {pt}"
    )
    text = _QCONV.format(OH=5, OW=5, PRE=pre, PT=pt)
    for seed in range(3):
        m = _check(text, "nn-fuse-pad,nn-fuse-activation", seed=seed)
        counts = _counts(m)
        assert counts["nn.pad"] == 0 and counts["nn.clamp"] == 0, counts


def test_fuse_pad_into_avg_pool_with_counted_padding() -> None:
    text = """
    func.func @main(%x: tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32> {
      %p = nn.pad %x {pads = array<i64: 0, 1, 0, 0, 0, 0, 1, 0>, mode = "constant", value = 0.0 : f32} : (tensor<1x3x3x2xf32>) -> tensor<1x4x4x2xf32>
      %y = nn.avg_pool2d %p {kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 1, 1, 0>, count_include_pad = 1 : i64, counted_padding = array<i64: 0, 1, 0, 0>} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
      %s = nn.reduce_mean %y {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<1x4x4x2xf32>) -> tensor<1x4x2xf32>
      %r = nn.reshape %s : (tensor<1x4x2xf32>) -> tensor<1x2x2x2xf32>
      %z = nn.pad %r {pads = array<i64: 0, 0, 0, 0, 0, 1, 1, 0>, mode = "constant", value = 0.0 : f32} : (tensor<1x2x2x2xf32>) -> tensor<1x3x3x2xf32>
      func.return %z : tensor<1x3x3x2xf32>
    }"""
    m = _check(text, "nn-fuse-pad")
    (pool,) = [op for op in m.walk() if isinstance(op, nn.AvgPool2dOp)]
    assert pool.prop("padding") == (1, 1, 1, 1) and pool.prop("counted_padding") == (1, 1, 0, 1)


def test_sink_transposes_quantized_per_axis_bit_exact() -> None:
    text = """
    func.func @main(%x: tensor<1x2x3x2xf32>) -> tensor<1x2x3x2xf32> {
      %t = nn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x2x3x2xf32>) -> tensor<1x2x2x3xf32>
      %q = nn.quantize %t : (tensor<1x2x2x3xf32>) -> tensor<1x2x2x3x!nn.q<i8:1, {0.02:1, 0.03:-2}>>
      %d = nn.dequantize %q : (tensor<1x2x2x3x!nn.q<i8:1, {0.02:1, 0.03:-2}>>) -> tensor<1x2x2x3xf32>
      %c = nn.constant dense<[[[0.5]], [[-0.25]]]> : tensor<2x1x1xf32>
      %m = nn.mul %d, %c : (tensor<1x2x2x3xf32>, tensor<2x1x1xf32>) -> tensor<1x2x2x3xf32>
      %b = nn.transpose %m {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x2x3xf32>) -> tensor<1x2x3x2xf32>
      func.return %b : tensor<1x2x3x2xf32>
    }"""
    m = _check(text, "nn-sink-transposes")
    assert _counts(m)["nn.transpose"] == 0
    (q,) = [op for op in m.walk() if isinstance(op, nn.QuantizeOp)]
    assert q.output.type.element_type.channel_axis == 3


def test_optimize_max_iterations_option() -> None:
    text = _QCONV.format(
        OH=3,
        OW=4,
        PRE="%p = nn.relu %x : (tensor<1x4x4x2x!nn.q<i8, 0.05:-4>>) -> tensor<1x4x4x2x!nn.q<i8, 0.05:-4>>",
        PT="tensor<1x4x4x2x!nn.q<i8, 0.05:-4>>",
    )
    m = _check(text, "nn-optimize{max-iterations=1}")
    assert _counts(m)["nn.clamp"] == 0


# ---------------------------------------------------------------------------------------------
# whole models


@pytest.mark.parametrize(
    "model", ["kws_ref_model", "vww_96_int8", "pretrainedResnet_quant", "str_ww_ref_model"]
)
def test_optimize_qdq_models_bit_exact(model: str) -> None:
    from edgeai.frontends.onnx import import_onnx

    m = import_onnx(QDQ / f"{model}.onnx")
    run_pipeline(m, "convert-onnx-to-nn")
    inputs = random_inputs(m, seed=0)
    before, counts = run(m, inputs), _counts(m)
    run_pipeline(m, "nn-optimize")
    after = _counts(m)
    for k, v in before.items():
        np.testing.assert_array_equal(run(m, inputs)[k], v)
    assert after["nn.transpose"] == 0, "weight transposes move onto the quantized constants"
    assert after["nn.dequantize"] == counts["nn.dequantize"], "quantized weights stay typed"
    assert after["nn.relu"] == 0, "relus fuse into the float convs of the QDQ graph"


def test_optimize_float_resnet() -> None:
    from edgeai.frontends.onnx import import_onnx

    m = import_onnx(QDQ / "pretrainedResnet.onnx")
    run_pipeline(m, "convert-onnx-to-nn")
    inputs = random_inputs(m, seed=0)
    before = run(m, inputs)
    run_pipeline(m, "nn-optimize")
    for k, v in before.items():
        np.testing.assert_allclose(run(m, inputs)[k], v, rtol=1e-4, atol=1e-5)
    acts = [op.properties.get("act") for op in m.walk() if isinstance(op, nn.Conv2dOp | nn.AddOp)]
    assert _counts(m)["nn.relu"] == 0 and sum(a is not None for a in acts) == 7
