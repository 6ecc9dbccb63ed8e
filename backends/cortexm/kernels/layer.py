"""`Layer`: what a kernel implementation sees while writing the C of one layer.

A layer becomes one C function `void <NET>_l<i>_<op>(<buffer pointers>)` in `<NET>_kernels.c`:
its parameters are the operand buffers that live in RAM (arena, inputs, outputs) in operand
order; constant operands (weights) are referred to by their flash symbol. An implementation
writes the body with `layer.code`, file-scope `static const` tables with `layer.static_array`,
and derived flash constants (e.g. a bias with the input offset folded in) with
`layer.flash_array`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from xdsl.dialects.builtin import MemRefType
from xdsl.ir import SSAValue

from edgeai.backends.cortexm.cgen import C_TYPES, Code, array_values, c_type, literal
from edgeai.dialects import kernel as K
from edgeai.support.attrs import storage_dtype

_C_DTYPES = {v: k for k, v in C_TYPES.items() if k != "bool"}


@dataclass(frozen=True)
class Storage:
    """Where a buffer lives: `arena` (+ byte offset), `input`/`output` (index), `const`."""

    kind: Literal["arena", "input", "output", "const"]
    index: int = 0
    offset: int = 0


@dataclass
class FlashArray:
    """A constant array placed in `<NET>_weights.c`."""

    symbol: str
    ctype: str
    values: np.ndarray
    note: str = ""

    @property
    def nbytes(self) -> int:
        return int(self.values.size * np.dtype(self.values.dtype).itemsize)


@dataclass
class Layer:
    """One layer being written (see the module docstring)."""

    net: str
    index: int
    op: K.KernelOp
    features: frozenset[str]
    resolve: Callable[[SSAValue], Storage]
    const_symbol: Callable[[SSAValue, str], str]
    const_value_of: Callable[[SSAValue], np.ndarray]
    code: Code = field(default_factory=Code)
    statics: list[str] = field(default_factory=list)
    flash: list[FlashArray] = field(default_factory=list)
    uses_math: bool = False
    table_bytes: int = 0
    #: extra runtime headers (file names in `runtime/`, e.g. "kernels_dsp.h") whose contents the
    #: kernels header must carry; each is included once per network however many layers ask
    runtime: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._names = self._param_names()
        self._tables: dict[str, np.ndarray] = {}

    # ----- naming

    @property
    def tag(self) -> str:
        """`l<i>_<op>`, unique within the network."""
        return f"l{self.index}_{self.op.name.split('.', 1)[1]}"

    @property
    def function(self) -> str:
        return f"{self.net}_{self.tag}"

    def _param_names(self) -> list[str]:
        op = self.op
        n = len(op.operands)
        if isinstance(op, K.Conv2dOp | K.DepthwiseConv2dOp | K.FullyConnectedOp):
            return ["x", "w"] + (["b"] if op.bias is not None else []) + ["y"]
        if isinstance(op, K.AddOp | K.MulOp):
            return ["a", "b", "y"]
        if n == 2:
            return ["x", "y"]
        return [f"x{i}" for i in range(n - 1)] + ["y"]

    # ----- buffers

    def is_const(self, v: SSAValue) -> bool:
        return self.resolve(v).kind == "const"

    def const_value(self, v: SSAValue) -> np.ndarray:
        """The value of a constant operand, in `v`'s shape."""
        return self.const_value_of(v).reshape(self.shape(v))

    def ref(self, v: SSAValue) -> str:
        """C expression of the pointer to `v`'s first element inside the layer function."""
        for i, o in enumerate(self.op.operands):
            if o is v:
                return self.arg(i)
        raise AssertionError(f"{v} is not an operand of {self.op.name}")

    def arg(self, i: int) -> str:
        """C expression of the pointer to operand `i` (constant symbol or parameter name)."""
        v = self.op.operands[i]
        if self.is_const(v):
            return self.const_symbol(v, f"{self.tag}_{self._names[i]}")
        return self._names[i]

    def params(self) -> list[tuple[str, SSAValue, bool]]:
        """(name, value, written) of the buffer parameters, in operand order."""
        outs = set(range(len(self.op.operands) - self.op.NUM_OUTPUTS, len(self.op.operands)))
        return [
            (name, v, i in outs)
            for i, (name, v) in enumerate(zip(self._names, self.op.operands, strict=True))
            if not self.is_const(v)
        ]

    @staticmethod
    def shape(v: SSAValue) -> tuple[int, ...]:
        assert isinstance(v.type, MemRefType)
        return tuple(int(d) for d in v.type.get_shape())

    @staticmethod
    def dtype(v: SSAValue) -> np.dtype:
        assert isinstance(v.type, MemRefType)
        return storage_dtype(v.type.element_type)

    def ctype(self, v: SSAValue) -> str:
        return c_type(self.dtype(v))

    def size(self, v: SSAValue) -> int:
        return math.prod(self.shape(v))

    def type_range(self, v: SSAValue) -> tuple[int, int]:
        info = np.iinfo(self.dtype(v))
        return int(info.min), int(info.max)

    # ----- tables

    def static_array(self, suffix: str, ctype: str, values: np.ndarray | list[int]) -> str:
        """A `static const` table at file scope of the kernels file; returns its name."""
        name = f"{self.tag}_{suffix}"
        vals = np.asarray(values)
        known = self._tables.get(name)
        if known is not None:
            if not np.array_equal(known, vals):
                raise AssertionError(f"two different tables named {name}")
            return name
        self._tables[name] = vals
        self.table_bytes += int(vals.size * np.dtype(_C_DTYPES[ctype]).itemsize)
        self.statics.append(
            f"static const {ctype} {name}[{vals.size}] = {{\n{array_values(vals, ctype)}\n}};"
        )
        return name

    def flash_array(self, suffix: str, ctype: str, values: np.ndarray, note: str = "") -> str:
        """A derived constant placed with the weights (aligned, external `<NET>_` symbol)."""
        symbol = f"{self.net}_{self.tag}_{suffix}"
        self.flash.append(FlashArray(symbol, ctype, np.asarray(values), note))
        return symbol

    def per_channel(
        self, suffix: str, ctype: str, values: np.ndarray | list[int], index: str
    ) -> str:
        """`values[index]` as C: a literal when all values are equal, else a static table."""
        vals = np.asarray(values)
        if vals.size and np.all(vals == vals.flat[0]):
            return literal(vals.flat[0], ctype)
        return f"{self.static_array(suffix, ctype, vals)}[{index}]"
