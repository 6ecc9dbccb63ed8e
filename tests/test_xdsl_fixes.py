"""The printed IR must parse back bit-exactly (see support/xdsl_fixes.py for the xDSL issue)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    TensorType,
    f32,
    f64,
)
from xdsl.parser import Parser

from edgeai.support.context import make_context
from edgeai.support.xdsl_fixes import format_float


def _roundtrip(attr):
    return Parser(make_context(), str(attr)).parse_attribute()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(width=32, allow_nan=True, allow_infinity=True), min_size=1, max_size=6))
def test_dense_f32_roundtrip(values):
    a = np.array(values, dtype=np.float32)
    d = DenseIntOrFPElementsAttr(TensorType(f32, [a.size]), BytesAttr(a.tobytes()))
    assert _roundtrip(d).data.data == d.data.data


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_attr_roundtrip(v):
    assert _roundtrip(FloatAttr(v, f64)).value.data == v
    v32 = float(np.float32(v)) if abs(v) < 3.0e38 else 1.0
    assert _roundtrip(FloatAttr(v32, f32)).value.data == v32


def test_large_integral_float_prints_decimal():
    # xDSL 0.74 alone prints 12572510.0 as a hex integer that parses back as a different value
    d = DenseIntOrFPElementsAttr(
        TensorType(f32, [2]), BytesAttr(np.array([12572510.0, 1.5], np.float32).tobytes())
    )
    assert "12572510.0" in str(d)
    assert format_float(1e-5) == "1.0e-05"
    assert format_float(3.0, 32) == "3.0"
