"""Conversions between NumPy arrays / Python values and xDSL attributes.

Tensors of every level store their element values in "storage" form: float32 for `f32`, the
stored integers for quantized and binary types (`!nn.q<i8,...>` -> int8, `!nn.bin` -> int8 +-1),
plain integers as themselves. `storage_dtype` gives the NumPy dtype of that form, and
`storage_type` the builtin element type a `dense<...>` attribute uses for it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    BoolAttr,
    BytesAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    Signedness,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute

from edgeai.support.errors import EdgeAIError

_INT_DTYPES = {
    (1, False): np.bool_,
    (8, True): np.int8,
    (8, False): np.uint8,
    (16, True): np.int16,
    (16, False): np.uint16,
    (32, True): np.int32,
    (32, False): np.uint32,
    (64, True): np.int64,
    (64, False): np.uint64,
}


def int_type_dtype(t: IntegerType) -> np.dtype:
    """NumPy dtype of a builtin integer type (`i1` -> bool, signless = signed)."""
    width = t.width.data
    signed = t.signedness.data != Signedness.UNSIGNED
    if width == 1:
        return np.dtype(np.bool_)
    for bits in (8, 16, 32, 64):
        if width <= bits:
            return np.dtype(_INT_DTYPES[(bits, signed)])
    raise EdgeAIError(f"integer type {t} wider than 64 bits is not supported")


def storage_dtype(elt: Attribute) -> np.dtype:
    """NumPy dtype holding the values of tensors with element type `elt`."""
    from edgeai.dialects.nn_types import BinaryType, QuantType

    if isinstance(elt, Float32Type):
        return np.dtype(np.float32)
    if isinstance(elt, Float64Type):
        return np.dtype(np.float64)
    if isinstance(elt, Float16Type):
        return np.dtype(np.float16)
    if isinstance(elt, IntegerType):
        return int_type_dtype(elt)
    if isinstance(elt, QuantType):
        return elt.storage_dtype()
    if isinstance(elt, BinaryType):
        return np.dtype(np.int8)
    raise EdgeAIError(f"no storage dtype for element type {elt}")


def storage_type(elt: Attribute) -> Attribute:
    """Builtin element type used by `dense<...>` attributes holding tensors of type `elt`."""
    from edgeai.dialects.nn_types import BinaryType, QuantType

    if isinstance(elt, QuantType):
        dt = elt.storage_dtype()
        return IntegerType(
            dt.itemsize * 8, Signedness.UNSIGNED if dt.kind == "u" else Signedness.SIGNLESS
        )
    if isinstance(elt, BinaryType):
        return IntegerType(8)
    return elt


def dtype_to_element_type(dtype: np.dtype) -> Attribute:
    """Builtin element type for a NumPy dtype (float32, ints, bool)."""
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return f32
    if dtype == np.float64:
        return Float64Type()
    if dtype == np.float16:
        return Float16Type()
    if dtype == np.bool_:
        return IntegerType(1)
    if dtype.kind in "iu":
        return IntegerType(
            dtype.itemsize * 8, Signedness.UNSIGNED if dtype.kind == "u" else Signedness.SIGNLESS
        )
    raise EdgeAIError(f"unsupported NumPy dtype {dtype}")


def dense_from_numpy(
    array: np.ndarray, element_type: Attribute | None = None
) -> DenseIntOrFPElementsAttr:
    """Dense attribute holding `array` (its bytes copied as-is, no per-element objects).

    `element_type` is the tensor's element type (quantized types allowed; the attribute then
    uses the storage type). Defaults to the type matching `array.dtype`.
    """
    elt = element_type if element_type is not None else dtype_to_element_type(array.dtype)
    st = storage_type(elt)
    dtype = storage_dtype(st)
    data = np.asarray(array).astype(dtype, copy=False)
    if dtype == np.bool_:
        data = data.astype(np.int8)
    ttype = TensorType(st, list(data.shape))
    return DenseIntOrFPElementsAttr(
        ttype, BytesAttr(data.astype(data.dtype.newbyteorder("<")).tobytes(order="C"))
    )


def numpy_from_dense(
    attr: DenseIntOrFPElementsAttr, element_type: Attribute | None = None
) -> np.ndarray:
    """The values of a dense attribute as a NumPy array in storage form."""
    st = attr.get_element_type()
    dtype = storage_dtype(st)
    raw_dtype = np.dtype(np.int8) if dtype == np.bool_ else dtype
    shape = tuple(attr.get_shape())
    count = int(np.prod(shape)) if shape else 1
    flat = np.frombuffer(attr.data.data, dtype=raw_dtype.newbyteorder("<"))
    if flat.size == 1 and count != 1:
        flat = np.repeat(flat, count)
    out = flat.astype(raw_dtype).reshape(shape)
    if dtype == np.bool_:
        out = out.astype(np.bool_)
    if element_type is not None:
        out = out.astype(storage_dtype(element_type), copy=False)
    return out


# ----- small property builders and readers ---------------------------------------------------


def i64_array(values: Sequence[int]) -> DenseArrayBase:
    """`array<i64: ...>`."""
    return DenseArrayBase.from_list(i64, [int(v) for v in values])


def i64_attr(value: int) -> IntegerAttr:
    return IntegerAttr(int(value), i64)


def f32_attr(value: float) -> FloatAttr:
    return FloatAttr(float(np.float32(value)), f32)


def str_attr(value: str) -> StringAttr:
    return StringAttr(value)


def bool_attr(value: bool) -> BoolAttr:
    return BoolAttr(bool(value), IntegerType(1))


def to_py(attr: Attribute | None):
    """Python value of a property attribute (ints tuple, int, float, str, bool, ndarray)."""
    if attr is None:
        return None
    if isinstance(attr, DenseArrayBase):
        return tuple(int(v) if isinstance(v, int) else float(v) for v in attr.get_values())
    if isinstance(attr, IntegerAttr):
        if isinstance(attr.type, IntegerType) and attr.type.width.data == 1:
            return bool(attr.value.data)
        return int(attr.value.data)
    if isinstance(attr, FloatAttr):
        return float(attr.value.data)
    if isinstance(attr, StringAttr):
        return attr.data
    if isinstance(attr, DenseIntOrFPElementsAttr):
        return numpy_from_dense(attr)
    return attr
