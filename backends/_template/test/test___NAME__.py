"""Tests of the __NAME__ backend: legality on a small program, the simulator against the `nn`
reference, the cycle model recomputed by hand, and generate's files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import edgeai
from edgeai.backends import get_backend
from edgeai.support.errors import EdgeAIError

#: an int8 1x1 conv (runs here) followed by a softmax (no rule here: the fallback runs it)
PROGRAM = """
func.func @main(%x: tensor<1x4x4x2x!nn.q<i8, 0.5:-1>>) -> tensor<1x4x4x3x!nn.q<i8, 0.00390625:-128>> {
  %w = nn.constant dense<[[[[3, -2]]], [[[1, 4]]], [[[-5, 2]]]]> : tensor<3x1x1x2x!nn.q<i8, 0.25:0>>
  %y = nn.conv2d %x, %w {layer = "conv", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, act = #nn.act<relu>, rounding = "tflite"} : (tensor<1x4x4x2x!nn.q<i8, 0.5:-1>>, tensor<3x1x1x2x!nn.q<i8, 0.25:0>>) -> tensor<1x4x4x3x!nn.q<i8, 0.125:-128>>
  %z = nn.softmax %y {layer = "gate", axis = -1 : i64, rounding = "tflite"} : (tensor<1x4x4x3x!nn.q<i8, 0.125:-128>>) -> tensor<1x4x4x3x!nn.q<i8, 0.00390625:-128>>
  func.return %z : tensor<1x4x4x3x!nn.q<i8, 0.00390625:-128>>
}
"""


@pytest.fixture()
def backend():
    return get_backend("__NAME__")


def test_partition_places_the_conv_here_and_the_softmax_on_the_fallback(backend):
    placed = {p.layer: p.backend for p in backend.partition(edgeai.parse_mlir(PROGRAM))}
    assert placed == {"conv": "__NAME__", "gate": "cortexm"}


def test_simulator_matches_the_reference(backend):
    module = edgeai.parse_mlir(PROGRAM)
    x = np.random.default_rng(0).integers(-128, 128, (1, 4, 4, 2)).astype(np.int8)
    got = backend.simulate(module, {"x": x}, backend.options())
    (want,) = edgeai.run(module, {"x": x}).values()
    (out,) = got.values()
    np.testing.assert_array_equal(out, want)


def test_cycles_follow_the_model(backend):
    target = backend.load_target("__NAME__", {"macs_per_cycle": 7, "layer_overhead_cycles": 5})
    cost = backend.cost(edgeai.parse_mlir(PROGRAM), backend.options(target))
    macc = 4 * 4 * 3 * 2  # output pixels x output channels x input channels (1x1 kernel)
    assert cost["layers"][0] == {
        "name": "conv", "op": "nn.conv2d", "runs_on": "__NAME__", "macc": macc,
        "cycles": 5 + math.ceil(macc / 7),
    }  # fmt: skip
    assert cost["layers"][1]["cycles"] == 0 and cost["cycles"] == 5 + math.ceil(macc / 7)


def test_generate_writes_program_schedule_and_report(backend, tmp_path):
    files = backend.generate(
        edgeai.parse_mlir(PROGRAM), backend.options(model="small.mlir"), tmp_path / "out"
    ).files
    assert sorted(p.name for p in files) == ["report.json", "small.mlir", "small_schedule.json"]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [f["layer"] for f in report["fallback"]] == ["gate"]
    assert 'edgeai.backend = "__NAME__"' in (tmp_path / "out" / "small.mlir").read_text()


def test_no_fallback_option_refuses_the_softmax(backend, tmp_path):
    options = backend.options(__NAME___fallback="none")
    with pytest.raises(EdgeAIError, match="gate"):
        backend.generate(edgeai.parse_mlir(PROGRAM), options, tmp_path / "out")
    assert not (tmp_path / "out").exists()
