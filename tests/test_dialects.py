"""`nn` / `onnx` dialect Python API: builders, types, verifiers not reachable from text."""

from __future__ import annotations

import math

import numpy as np
import pytest
from xdsl.dialects.builtin import TensorType, f32, i64
from xdsl.utils.exceptions import VerifyException

from edgeai.dialects import nn
from edgeai.dialects.nn_types import ActivationAttr, BinaryType, QuantType
from edgeai.support.attrs import dense_from_numpy, i64_array, i64_attr, numpy_from_dense


def test_quant_type_accessors():
    q = QuantType.get(8, True, 0.5, -3)
    assert (q.qmin, q.qmax, q.scale, q.zero_point, q.channel_axis) == (-128, 127, 0.5, -3, None)
    u4 = QuantType.get(4, False, [0.1, 0.2], [1, 2], axis=1)
    assert (u4.qmin, u4.qmax, u4.channel_axis) == (0, 15, 1)
    s, z = u4.broadcast_params(3)
    assert s.shape == (1, 2, 1) and z.tolist() == [[[1], [2]]]
    assert u4.with_axis(0).channel_axis == 0
    assert QuantType.get(16, True, 1.0, 0).storage_dtype() == np.int16
    with pytest.raises(ValueError):
        _ = u4.scale


def test_quant_type_verifier_cases_unreachable_from_text():
    with pytest.raises(VerifyException, match="exactly one"):
        QuantType.get(8, True, [0.5, 0.25], [0, 0]).verify()
    with pytest.raises(VerifyException, match="at most one alpha"):
        BinaryType.get([0.5, 0.25]).verify()
    with pytest.raises(VerifyException, match="per-axis !nn.bin needs"):
        BinaryType.get(None, axis=0).verify()


def test_activation_attr_canonical_forms():
    assert ActivationAttr.clamp(0.0, math.inf) == ActivationAttr.get("relu")
    assert ActivationAttr.clamp(0.0, 6.0) == ActivationAttr.get("relu6")
    assert ActivationAttr.clamp(-1.0, 1.0).bounds == (-1.0, 1.0)
    assert str(ActivationAttr.clamp(-math.inf, 2.0)) == "#nn.act<clamp -inf, 2.0>"


def test_make_infers_shapes_and_verifies():
    x = nn.ConstantOp.from_numpy(np.zeros((1, 8, 8, 3), np.float32))
    w = nn.ConstantOp.from_numpy(np.zeros((4, 3, 3, 3), np.float32))
    props = {
        "strides": i64_array([2, 2]),
        "dilations": i64_array([1, 1]),
        "padding": i64_array([1, 1, 1, 1]),
        "groups": i64_attr(1),
    }
    conv = nn.Conv2dOp.make([x.output, w.output, None], f32, props, layer="c")
    assert conv.output.type == TensorType(f32, [1, 4, 4, 4])
    assert conv.layer == "c"
    conv.verify()


def test_quantized_constant_storage_and_values():
    qt = QuantType.get(8, True, [0.1, 0.2], [0, 0], axis=0)
    c = nn.ConstantOp.from_numpy(np.array([[1, -2], [3, 4]], np.int8), qt)
    c.verify()
    assert c.value.get_element_type() == __import__("xdsl.dialects.builtin", fromlist=["i8"]).i8
    assert c.to_numpy().tolist() == [[1, -2], [3, 4]]
    d = dense_from_numpy(np.array(3, np.int64))
    assert d.get_shape() == () and numpy_from_dense(d).shape == ()
    assert d.get_element_type() == i64


def test_binary_constant_values_checked():
    bad = nn.ConstantOp.from_numpy(np.array([1, 0], np.int8), BinaryType.get())
    with pytest.raises(VerifyException, match=r"\+1 or -1"):
        bad.verify()


def test_type_and_attribute_verifiers_unreachable_from_text():
    """Messages the custom syntax cannot produce (it never builds such parameters)."""
    from xdsl.dialects.builtin import ArrayAttr, FloatAttr, IntAttr, StringAttr, f64

    with pytest.raises(VerifyException, match="as many zero points as scales"):
        QuantType(
            IntAttr(8), IntAttr(1), IntAttr(0), ArrayAttr([FloatAttr(0.5, f64)]), ArrayAttr([])
        ).verify()
    with pytest.raises(VerifyException, match="at least one scale"):
        QuantType(IntAttr(8), IntAttr(1), IntAttr(0), ArrayAttr([]), ArrayAttr([])).verify()
    with pytest.raises(VerifyException, match="unknown activation 'gelu'"):
        ActivationAttr(StringAttr("gelu"), FloatAttr(0.0, f64), FloatAttr(1.0, f64)).verify()


def test_shape_rule_errors_become_verifier_messages():
    """A malformed property that trips the shape rule itself is reported, not raised raw."""
    x = nn.ConstantOp.from_numpy(np.zeros((1, 4, 4, 3), np.float32))
    op = nn.MaxPool2dOp.create(
        operands=[x.output],
        result_types=[TensorType(f32, [1, 4, 4, 3])],
        properties={
            "kernel": i64_array([1, 1]),
            "strides": i64_array([1, 1]),
            "dilations": i64_array([1, 1]),
            "padding": i64_array([0, 0, 0, 0, 0]),
        },
    )
    with pytest.raises(VerifyException, match=r"padding must be \[top, left, bottom, right\]"):
        op.verify()
