"""The `mem` dialect: buffers of the static memory plan (levels 2 and 3).

    %t = mem.alloc {pool = "arena", offset = 1024 : i64} : memref<1x8x8x16xi8>
    %r = mem.view %t : memref<1x8x8x16xi8> -> memref<1x1024xi8>

`mem.alloc` is an intermediate tensor of the program; `mem-plan-arena` gives every alloc of the
`arena` pool an `offset` (bytes from the arena start), so the C emitter and the runners address
`arena + offset`. `mem.view` is the same bytes under another shape (a reshape costs nothing).
Function arguments (inputs, outputs) are buffers the application owns unless the plan places
them in the arena (`io_in_arena`).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, MemRefType, StringAttr
from xdsl.ir import Attribute, Dialect
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    result_def,
)
from xdsl.utils.exceptions import VerifyException

from edgeai.support.attrs import storage_dtype


def buffer_bytes(t: Attribute) -> int:
    """Size in bytes of a static memref."""
    assert isinstance(t, MemRefType), t
    return math.prod(t.get_shape()) * storage_dtype(t.element_type).itemsize


@irdl_op_definition
class AllocOp(IRDLOperation):
    """A statically planned buffer; `offset` (bytes into `pool`) is set by the planner.

    %t = mem.alloc {pool = "arena", offset = 0 : i64} : memref<1x8x8x16xi8>
    """

    name = "mem.alloc"
    output = result_def(MemRefType)
    pool = opt_prop_def(StringAttr)
    offset = opt_prop_def(IntegerAttr)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "attr-dict `:` type($output)"

    POOLS: ClassVar[tuple[str, ...]] = ("arena", "scratch")

    @property
    def nbytes(self) -> int:
        return buffer_bytes(self.output.type)

    def verify_(self) -> None:
        t = self.output.type
        if any(d < 0 for d in t.get_shape()):
            raise VerifyException(f"mem.alloc needs a static shape, got {t}")
        if self.pool is not None and self.pool.data not in self.POOLS:
            raise VerifyException(
                f"unknown pool '{self.pool.data}' (known: {', '.join(self.POOLS)})"
            )
        if self.offset is not None and self.offset.value.data < 0:
            raise VerifyException("mem.alloc offset must be >= 0")


@irdl_op_definition
class ViewOp(IRDLOperation):
    """The bytes of a buffer seen with another static shape and the same element type.

    %r = mem.view %t : memref<1x4x4x8xi8> -> memref<1x128xi8>
    """

    name = "mem.view"
    input = operand_def(MemRefType)
    output = result_def(MemRefType)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        a, b = self.input.type, self.output.type
        if a.element_type != b.element_type:
            raise VerifyException(
                f"mem.view keeps the element type: {a.element_type} vs {b.element_type}"
            )
        if math.prod(a.get_shape()) != math.prod(b.get_shape()):
            raise VerifyException(f"mem.view from {a} to {b} changes the size")


MEM = Dialect("mem", [AllocOp, ViewOp], [])

__all__ = ["MEM", "AllocOp", "ViewOp", "buffer_bytes", "np"]
