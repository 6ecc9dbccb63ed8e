"""The `mem` dialect: buffers of the static memory plan (levels 2 and 3).

    %t = mem.alloc {pool = "arena", offset = 1024 : i64} : memref<1x8x8x16xi8>
    %r = mem.view %t : memref<1x8x8x16xi8> -> memref<1x1024xi8>

`mem.alloc` is an intermediate tensor of the program; `mem-plan-arena` gives every alloc of the
`arena` pool an `offset` (bytes from the arena start), so the C emitter and the runners address
`arena + offset`. `mem.view` is the same bytes under another shape (a reshape costs nothing).
Function arguments (inputs, outputs) are buffers the application owns unless the plan places
them in the arena (`io_in_arena`). Buffers are static, contiguous (identity layout) memrefs;
an offset is a multiple of the element size, so every element is naturally aligned.
`docs/dialects/mem-ops.md` lists the ops with their properties (generated).
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
from edgeai.support.errors import EdgeAIError


def buffer_bytes(t: Attribute) -> int:
    """Size in bytes of a static memref."""
    assert isinstance(t, MemRefType), t
    return math.prod(t.get_shape()) * storage_dtype(t.element_type).itemsize


@irdl_op_definition
class AllocOp(IRDLOperation):
    """A statically planned buffer; `offset` (bytes into `pool`) is set by the planner.

    `pool` is `arena` (activations, planned by `mem-plan-arena`) or `scratch` (kernel working
    memory); without a pool the backend decides (the Cortex-M backend uses the arena). `offset`
    is >= 0 and a multiple of the element size; before planning it is absent.

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
        """Size of the buffer in bytes."""
        return buffer_bytes(self.output.type)

    def verify_(self) -> None:
        t = self.output.type
        if any(d < 0 for d in t.get_shape()):
            raise VerifyException(f"mem.alloc needs a static shape, got {t}")
        if self.pool is not None and self.pool.data not in self.POOLS:
            raise VerifyException(
                f"mem.alloc: unknown pool '{self.pool.data}' (known: {', '.join(self.POOLS)})"
            )
        if self.offset is None:
            return
        off = self.offset.value.data
        if off < 0:
            raise VerifyException(f"mem.alloc offset must be >= 0, got {off}")
        try:
            size = storage_dtype(t.element_type).itemsize
        except EdgeAIError:
            raise VerifyException(
                f"mem.alloc: element type {t.element_type} has no storage size, so the buffer "
                "cannot be placed at an offset"
            ) from None
        if off % size:
            raise VerifyException(
                f"mem.alloc offset {off} is not a multiple of the element size "
                f"({size} bytes for {t.element_type})"
            )


@irdl_op_definition
class ViewOp(IRDLOperation):
    """The bytes of a buffer seen with another static shape and the same element type.

    A view costs nothing: it aliases its input (a reshape of a contiguous buffer), so the memory
    plan counts its bytes once, live as long as the input or any view of it is used.

        %r = mem.view %t : memref<1x4x4x8xi8> -> memref<1x128xi8>
    """

    name = "mem.view"
    input = operand_def(MemRefType)
    output = result_def(MemRefType)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def verify_(self) -> None:
        a, b = self.input.type, self.output.type
        if any(d < 0 for d in (*a.get_shape(), *b.get_shape())):
            raise VerifyException(f"mem.view needs static shapes, got {a} -> {b}")
        if a.element_type != b.element_type:
            raise VerifyException(
                f"mem.view keeps the element type: {a.element_type} vs {b.element_type}"
            )
        if math.prod(a.get_shape()) != math.prod(b.get_shape()):
            raise VerifyException(f"mem.view from {a} to {b} changes the size")


MEM = Dialect("mem", [AllocOp, ViewOp], [])

__all__ = ["MEM", "AllocOp", "ViewOp", "buffer_bytes", "np"]
