"""Per-operator conversions used by `convert-onnx-to-nn` (see that module for the contract).

Layout tracking: each ONNX value maps to an `nn` value plus a permutation `perm` such that
`nn_value == transpose(onnx_value, perm)`. Spatial ops want channels-last (`perm = (0, 2, 3, 1)`
for rank 4); element-wise ops keep whatever layout their operand has; axis-taking ops remap their
axes; ops that depend on element order (Reshape, Flatten) ask for the identity layout unless the
two orders coincide. ONNX Transpose ops only change the recorded permutation. Constants are kept
as NumPy arrays and materialized in the layout each user asks for, so weights are permuted at
compile time, never by an `nn.transpose`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects.builtin import Float32Type, IntegerType, NoneType, StringAttr, TensorType, f32
from xdsl.ir import Attribute, Block, Operation, SSAValue

from edgeai.dialects import nn
from edgeai.dialects import onnx as O
from edgeai.dialects.nn_types import ActivationAttr, BinaryType, QuantType
from edgeai.dialects.onnx_shapes import reduce_axes, same_pads, slice_params
from edgeai.support.attrs import bool_attr, f32_attr, i64_array, i64_attr, storage_dtype, str_attr
from edgeai.support.errors import UnsupportedError

Perm = tuple[int, ...]
NHWC: Perm = (0, 2, 3, 1)


def ident(rank: int) -> Perm:
    return tuple(range(rank))


def inverse(p: Perm) -> Perm:
    inv = [0] * len(p)
    for i, v in enumerate(p):
        inv[v] = i
    return tuple(inv)


def order_preserving(shape: Sequence[int], perm: Perm) -> bool:
    """True when transpose(x, perm) has the same row-major element order as x."""
    nontrivial = [p for p in perm if shape[p] != 1]
    return nontrivial == sorted(nontrivial)


class Skip(Exception):
    """An op whose operands failed to convert (the error was reported for the producer)."""


@dataclass
class Val:
    """An ONNX value seen from `nn`: an SSA value in layout `perm`, or a constant."""

    value: SSAValue | None
    perm: Perm
    const: np.ndarray | None = None
    onnx_type: TensorType | None = None
    #: DequantizeLinear of a constant: stored values and their quantized type (ONNX layout);
    #: materialized as `nn.dequantize(nn.constant)` in the layout each user asks for
    deq: np.ndarray | None = None
    deq_type: Attribute | None = None


class Converter:
    def __init__(self, block: Block):
        self.block = block
        self.vals: dict[SSAValue, Val | None] = {}
        self._const_cache: dict[tuple[int, Perm, str], SSAValue] = {}
        self.layer: str | None = None

    # ----------------------------------------------------------------------------- emission
    def emit(self, op: Operation) -> Operation:
        self.block.add_op(op)
        return op

    def make(self, cls, operands, elements, props=None, shapes=None) -> SSAValue:
        op = cls.make(operands, elements, props, layer=self.layer, shapes=shapes)
        self.emit(op)
        return op.results[0]

    def const(
        self, array: np.ndarray, elem: Attribute | None = None, hint: str | None = None
    ) -> SSAValue:
        op = nn.ConstantOp.from_numpy(np.asarray(array, order="C"), elem, hint)
        self.emit(op)
        return op.output

    # ----------------------------------------------------------------------------- values
    def get(self, v: SSAValue) -> Val:
        if isinstance(v.type, NoneType):
            raise KeyError("none")
        val = self.vals.get(v)
        if val is None:
            raise Skip()
        return val

    def const_of(self, v: SSAValue) -> np.ndarray | None:
        if isinstance(v.type, NoneType):
            return None
        val = self.vals.get(v)
        return None if val is None else val.const

    def require_const(self, v: SSAValue, what: str) -> np.ndarray:
        c = self.const_of(v)
        if c is None:
            raise UnsupportedError(self.where(), [f"{what} must be a constant"])
        return c

    def where(self) -> str:
        return f"layer '{self.layer}'" if self.layer else "op"

    def in_layout(self, v: SSAValue, perm: Perm, elem: Attribute | None = None) -> SSAValue:
        """The nn value of ONNX value v in the given layout (transposing if needed)."""
        val = self.get(v)
        if val.const is not None:
            arr = np.transpose(val.const, perm) if val.const.ndim else val.const
            key = (id(val.const), perm, str(elem))
            if key not in self._const_cache:
                et = elem if elem is not None else self.elem_of(v)
                self._const_cache[key] = self.const(arr, et, v.name_hint)
            return self._const_cache[key]
        if val.deq is not None:
            assert val.deq_type is not None
            return self.dequantized_const(val.deq, val.deq_type, perm, v.name_hint, val.deq)
        assert val.value is not None
        if val.perm == perm:
            return val.value
        r = tuple(val.perm.index(q) for q in perm)
        return self.transpose(val.value, r)

    def transpose(self, value: SSAValue, perm: Perm) -> SSAValue:
        """`nn.transpose` of value; a per-axis quantized element type follows its axis."""
        elem = self.nn_elem(value)
        if isinstance(elem, QuantType | BinaryType) and elem.channel_axis is not None:
            elem = elem.with_axis(perm.index(elem.channel_axis))
        return self.make(nn.TransposeOp, [value], elem, {"perm": i64_array(perm)})

    def reshape(self, value: SSAValue, shape: Sequence[int]) -> SSAValue:
        """`nn.reshape` of value; a per-axis quantized axis must survive as a dimension."""
        elem = self.nn_elem(value)
        if isinstance(elem, QuantType | BinaryType) and elem.channel_axis is not None:
            src = self.shape(value)
            ax = elem.channel_axis
            before = math.prod(src[:ax])
            new = next(
                (
                    j
                    for j in range(len(shape))
                    if math.prod(shape[:j]) == before and shape[j] == src[ax]
                ),
                None,
            )
            if new is None:
                raise UnsupportedError(
                    self.where(),
                    [f"reshape {src} -> {tuple(shape)} merges the quantization axis {ax}"],
                )
            elem = elem.with_axis(new)
        return self.make(nn.ReshapeOp, [value], elem, shapes=[tuple(shape)])

    def ident_value(self, v: SSAValue) -> SSAValue:
        return self.in_layout(v, ident(len(self.shape(v))))

    def layout(self, v: SSAValue) -> Perm:
        return self.get(v).perm

    def set(self, v: SSAValue, value: SSAValue, perm: Perm) -> None:
        self.vals[v] = Val(value, perm)

    def dequantized_const(
        self, stored: np.ndarray, qt: Attribute, perm: Perm, hint: str | None, owner: np.ndarray
    ) -> SSAValue:
        """`nn.dequantize(nn.constant)` of stored values (ONNX layout) in layout perm, cached per
        `owner` (the long-lived array `stored` derives from: ids of temporaries get reused);
        a per-axis quantized type follows its axis."""
        key = (id(owner), stored.shape, perm, "dequantize")
        if key not in self._const_cache:
            arr = np.transpose(stored, perm) if stored.ndim else stored
            if isinstance(qt, QuantType | BinaryType) and qt.channel_axis is not None:
                qt = qt.with_axis(perm.index(qt.channel_axis))
            q = self.const(arr, qt, hint)
            self._const_cache[key] = self.make(nn.DequantizeOp, [q], f32)
        return self._const_cache[key]

    def set_deq(self, v: SSAValue, stored: np.ndarray, qt: Attribute) -> None:
        """v = dequantize(constant `stored` of type qt), materialized per requested layout."""
        self.vals[v] = Val(None, ident(stored.ndim), deq=stored, deq_type=qt)

    def set_const(self, v: SSAValue, arr: np.ndarray) -> None:
        self.vals[v] = Val(None, ident(arr.ndim), arr)

    @staticmethod
    def shape(v: SSAValue) -> tuple[int, ...]:
        assert isinstance(v.type, TensorType)
        return tuple(v.type.get_shape())

    @staticmethod
    def elem_of(v: SSAValue) -> Attribute:
        assert isinstance(v.type, TensorType)
        return v.type.element_type

    @staticmethod
    def nn_elem(v: SSAValue) -> Attribute:
        assert isinstance(v.type, TensorType)
        return v.type.element_type

    def plain(self, value: SSAValue, onnx_elem: Attribute) -> SSAValue:
        """Cast a quantized nn value back to the ONNX storage type (e.g. for graph outputs)."""
        if self.nn_elem(value) == onnx_elem:
            return value
        return self.make(nn.StorageCastOp, [value], onnx_elem)

    def as_quant(self, v: SSAValue, perm: Perm, qt: Attribute) -> SSAValue:
        """ONNX integer value v reinterpreted as quantized type qt, in layout perm."""
        val = self.get(v)
        if val.const is not None:
            return self.in_layout(v, perm, qt)
        x = self.in_layout(v, perm)
        if self.nn_elem(x) == qt:
            return x
        return self.make(nn.StorageCastOp, [x], qt)

    def float_operand_layout(self, operands: Sequence[SSAValue]) -> Perm:
        """Layout for an element-wise op: the first non-identity layout of a full-rank value."""
        rank = max(len(self.shape(o)) for o in operands)
        for o in operands:
            val = self.get(o)
            lazy = val.const is not None or val.deq is not None
            if not lazy and len(self.shape(o)) == rank and val.perm != ident(rank):
                return val.perm
        return ident(rank)

    def broadcast_operand(
        self, v: SSAValue, rank: int, perm: Perm, elem: Attribute | None = None
    ) -> SSAValue:
        """v (of rank <= `rank`) expanded to `rank` by leading 1s, in layout perm."""
        shape = self.shape(v)
        val = self.get(v)
        if len(shape) == rank:
            return self.in_layout(v, perm, elem)
        full = (1,) * (rank - len(shape)) + shape
        if val.const is not None:
            arr = np.transpose(val.const.reshape(full), perm)
            return self.const(arr, elem if elem is not None else self.elem_of(v), v.name_hint)
        if val.deq is not None:
            qt = val.deq_type
            if isinstance(qt, QuantType | BinaryType) and qt.channel_axis is not None:
                qt = qt.with_axis(qt.channel_axis + rank - len(shape))
            assert qt is not None
            return self.dequantized_const(val.deq.reshape(full), qt, perm, v.name_hint, val.deq)
        x = self.ident_value(v)
        x = self.reshape(x, full)
        if perm != ident(rank):
            x = self.transpose(x, perm)
        return x


# ---------------------------------------------------------------------------------------------
# helpers for window ops


def explicit_pads(op: O.OnnxOp, in_spatial: Sequence[int], kernel: Sequence[int]) -> list[int]:
    """[begin..., end...] pads after resolving auto_pad."""
    strides, dil = list(op.prop("strides")), list(op.prop("dilations"))
    ap = op.prop("auto_pad")
    n = len(kernel)
    if ap in ("SAME_UPPER", "SAME_LOWER"):
        pairs = [same_pads(in_spatial[i], kernel[i], strides[i], dil[i], ap) for i in range(n)]
        return [p[0] for p in pairs] + [p[1] for p in pairs]
    if ap == "VALID":
        return [0] * (2 * n)
    return list(op.prop("pads"))


def hw(vals: Sequence[int], fill: int) -> list[int]:
    return [fill, *vals] if len(vals) == 1 else list(vals)


def hw_padding(pads: Sequence[int]) -> list[int]:
    """ONNX [h_b, w_b, h_e, w_e] (or 1-D [b, e]) -> [top, left, bottom, right]."""
    if len(pads) == 2:
        return [0, pads[0], 0, pads[1]]
    return [pads[0], pads[1], pads[2], pads[3]]


def window_props(op: O.OnnxOp, pads: Sequence[int]) -> dict[str, Attribute]:
    return {
        "strides": i64_array(hw(op.prop("strides"), 1)),
        "dilations": i64_array(hw(op.prop("dilations"), 1)),
        "padding": i64_array(hw_padding(pads)),
    }


def act_for_clip(lo: float, hi: float) -> ActivationAttr:
    return ActivationAttr.clamp(lo, hi)


__all__ = [
    "Converter",
    "Val",
    "Skip",
    "NHWC",
    "ident",
    "inverse",
    "order_preserving",
    "explicit_pads",
    "hw",
    "hw_padding",
    "window_props",
    "act_for_clip",
    "reduce_axes",
    "slice_params",
    "math",
    "Any",
    "Float32Type",
    "IntegerType",
    "StringAttr",
    "f32",
    "QuantType",
    "bool_attr",
    "f32_attr",
    "i64_attr",
    "str_attr",
    "storage_dtype",
]
