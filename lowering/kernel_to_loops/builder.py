"""A small IR builder for loop nests over memrefs (`scf` + `memref` + `arith` + `math`).

`LoopBuilder` inserts ops at one insertion point and offers typed helpers, so that each kernel
lowering reads like the formula it implements. Python ints/floats are accepted wherever a value
is expected and become `arith.constant`s of the other operand's type; constants are created once
per kernel, at the kernel's own position (the root builder), so that they dominate every nested
loop body and stay out of the loops. Loops are always emitted rolled (`scf.for`); a loop of one
iteration is emitted as its body.

`ModuleState` is what the builders of one module share: the module (to add globals and private
helper functions to) and a symbol counter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from xdsl.dialects import arith, func, math, memref, scf
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    Float32Type,
    Float64Type,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    StringAttr,
    TensorType,
    UnitAttr,
    i1,
    i32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.rewriter import InsertPoint

OpT = TypeVar("OpT", bound=Operation)
Value = SSAValue | int | float
Body = Callable[..., Sequence[SSAValue] | None]

INDEX = IndexType()


def shape_of(v: SSAValue) -> tuple[int, ...]:
    """Static shape of a memref value."""
    t = v.type
    assert isinstance(t, MemRefType), t
    return tuple(t.get_shape())


def elt_of(v: SSAValue) -> Attribute:
    """Element type of a memref value."""
    t = v.type
    assert isinstance(t, MemRefType), t
    return t.element_type


def int_bits(t: Attribute) -> int:
    """Width of an integer type (0 for anything else)."""
    return t.width.data if isinstance(t, IntegerType) else 0


def int_range(t: Attribute) -> tuple[int, int]:
    """Range of the signed integer type `t`."""
    bits = int_bits(t)
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


class ModuleState:
    """Module-wide state of a lowering: unique symbols, globals and helper functions."""

    def __init__(self, module: ModuleOp, anchor: Operation):
        self.module = module
        #: globals are inserted before this op (the function being lowered)
        self.anchor = anchor
        self.helpers: dict[str, func.FuncOp] = {}
        self._used = {
            op.properties["sym_name"].data
            for op in module.ops
            if isinstance(op.properties.get("sym_name"), StringAttr)
        }

    def symbol(self, hint: str) -> str:
        """A module-unique symbol name starting with `hint`."""
        name, i = hint, 0
        while name in self._used:
            i += 1
            name = f"{hint}_{i}"
        self._used.add(name)
        return name

    def add_global(
        self, hint: str, t: MemRefType, value: DenseIntOrFPElementsAttr | None, constant: bool
    ) -> str:
        """A private `memref.global` (uninitialized when `value` is None); returns its name."""
        name = self.symbol(hint)
        g = memref.GlobalOp.get(
            StringAttr(name),
            t,
            value if value is not None else UnitAttr(),
            constant=UnitAttr() if constant else None,
            alignment=16,
        )
        self.module.body.block.insert_op_before(g, self.anchor)
        return name

    def constant_array(self, hint: str, values: np.ndarray, elt: IntegerType) -> str:
        """A constant 1-D global holding `values` (e.g. per-channel multipliers)."""
        flat = [int(v) for v in np.ravel(values)]
        attr = DenseIntOrFPElementsAttr.from_list(TensorType(elt, [len(flat)]), flat)
        return self.add_global(hint, MemRefType(elt, [len(flat)]), attr, True)

    def helper(
        self,
        name: str,
        arg_types: Sequence[Attribute],
        result_type: Attribute,
        build: Callable[[LoopBuilder, Sequence[SSAValue]], SSAValue],
    ) -> str:
        """The private function `name` (created on first use with `build`); returns its symbol."""
        if name in self.helpers:
            return self.helpers[name].sym_name.data
        sym = self.symbol(name)
        f = func.FuncOp(sym, (list(arg_types), [result_type]), visibility="private")
        self.helpers[name] = f
        self.module.body.block.add_op(f)
        b = LoopBuilder(InsertPoint.at_end(f.body.block), self)
        f.body.block.add_op(func.ReturnOp(build(b, list(f.body.block.args))))
        return sym


class LoopBuilder:
    """Inserts ops at one point; helpers for constants, arithmetic, memory and `scf` loops."""

    def __init__(
        self, ip: InsertPoint, state: ModuleState, root: LoopBuilder | None = None
    ) -> None:
        self.ip = ip
        self.state = state
        self.root = root or self
        self._consts: dict[tuple[object, Attribute], SSAValue] = {}

    # ------------------------------------------------------------------------------------------
    # insertion

    def emit(self, op: OpT) -> OpT:
        """Insert `op` at this builder's position and return it."""
        ip = self.ip
        if ip.insert_before is not None:
            ip.block.insert_op_before(op, ip.insert_before)
        else:
            ip.block.add_op(op)
        return op

    def _child(self, block: Block) -> LoopBuilder:
        return LoopBuilder(InsertPoint.at_end(block), self.state, self.root)

    # ------------------------------------------------------------------------------------------
    # constants and coercion

    def const(self, value: int | float | bool, t: Attribute) -> SSAValue:
        """An `arith.constant` of type `t`, created once at the root position."""
        if isinstance(t, Float32Type | Float64Type):
            value = float(value)
            key: object = ("f", np.float64(value).tobytes())
        else:
            value = int(value)
            key = value
        cache = self.root._consts
        if (key, t) not in cache:
            attr = FloatAttr(value, t) if isinstance(value, float) else IntegerAttr(value, t)
            cache[(key, t)] = self.root.emit(arith.ConstantOp(attr, t)).result
        return cache[(key, t)]

    def val(self, v: Value, t: Attribute) -> SSAValue:
        """`v` as an SSA value of type `t` (Python numbers become constants)."""
        return v if isinstance(v, SSAValue) else self.const(v, t)

    def idx(self, v: Value) -> SSAValue:
        return self.val(v, INDEX)

    def _pair(self, a: Value, b: Value) -> tuple[SSAValue, SSAValue]:
        if isinstance(a, SSAValue):
            return a, self.val(b, a.type)
        assert isinstance(b, SSAValue), "at least one operand must be an SSA value"
        return self.val(a, b.type), b

    # ------------------------------------------------------------------------------------------
    # integer / index arithmetic (wrap-around, as arith's integer ops)

    def add(self, a: Value, b: Value) -> SSAValue:
        if isinstance(b, int) and b == 0:
            return self._pair(a, b)[0]
        if isinstance(a, int) and a == 0:
            return self._pair(a, b)[1]
        return self.emit(arith.AddiOp(*self._pair(a, b))).result

    def sub(self, a: Value, b: Value) -> SSAValue:
        if isinstance(b, int) and b == 0:
            return self._pair(a, b)[0]
        return self.emit(arith.SubiOp(*self._pair(a, b))).result

    def mul(self, a: Value, b: Value) -> SSAValue:
        if isinstance(b, int) and b == 1:
            return self._pair(a, b)[0]
        if isinstance(a, int) and a == 1:
            return self._pair(a, b)[1]
        return self.emit(arith.MuliOp(*self._pair(a, b))).result

    def divs(self, a: Value, b: Value) -> SSAValue:
        """Signed division truncating toward zero (C)."""
        if isinstance(b, int) and b == 1:
            return self._pair(a, b)[0]
        return self.emit(arith.DivSIOp(*self._pair(a, b))).result

    def divu(self, a: Value, b: Value) -> SSAValue:
        if isinstance(b, int) and b == 1:
            return self._pair(a, b)[0]
        return self.emit(arith.DivUIOp(*self._pair(a, b))).result

    def and_(self, a: Value, b: Value) -> SSAValue:
        return self.emit(arith.AndIOp(*self._pair(a, b))).result

    def or_(self, a: Value, b: Value) -> SSAValue:
        return self.emit(arith.OrIOp(*self._pair(a, b))).result

    def shl(self, a: Value, b: Value) -> SSAValue:
        if isinstance(b, int) and b == 0:
            return self._pair(a, b)[0]
        return self.emit(arith.ShLIOp(*self._pair(a, b))).result

    def shrs(self, a: Value, b: Value) -> SSAValue:
        """Arithmetic shift right."""
        if isinstance(b, int) and b == 0:
            return self._pair(a, b)[0]
        return self.emit(arith.ShRSIOp(*self._pair(a, b))).result

    def maxs(self, a: Value, b: Value) -> SSAValue:
        return self.emit(arith.MaxSIOp(*self._pair(a, b))).result

    def mins(self, a: Value, b: Value) -> SSAValue:
        return self.emit(arith.MinSIOp(*self._pair(a, b))).result

    def clamp(self, a: SSAValue, lo: int, hi: int) -> SSAValue:
        """`min(max(a, lo), hi)` on signed integers."""
        return self.mins(self.maxs(a, lo), hi)

    def cmp(self, pred: str, a: Value, b: Value) -> SSAValue:
        """`arith.cmpi` (eq, ne, slt, sle, sgt, sge, ult, ...)."""
        return self.emit(arith.CmpiOp(*self._pair(a, b), pred)).result

    def select(self, cond: SSAValue, a: Value, b: Value) -> SSAValue:
        x, y = self._pair(a, b)
        return self.emit(arith.SelectOp(cond, x, y)).result

    # ------------------------------------------------------------------------------------------
    # integer conversions

    def sext(self, v: SSAValue, t: IntegerType) -> SSAValue:
        """Sign-extend or truncate (wrap) `v` to `t`."""
        src = int_bits(v.type)
        dst = int_bits(t)
        if src == dst:
            return v
        if src < dst:
            return self.emit(arith.ExtSIOp(v, t)).result
        return self.emit(arith.TruncIOp(v, t)).result

    def bit(self, cond: SSAValue, t: IntegerType) -> SSAValue:
        """An i1 as 0 or 1 of type `t`."""
        return self.emit(arith.ExtUIOp(cond, t)).result

    def i32(self, v: SSAValue) -> SSAValue:
        return self.sext(v, i32)

    def i64(self, v: SSAValue) -> SSAValue:
        return self.sext(v, i64)

    def index_to(self, v: SSAValue, t: IntegerType) -> SSAValue:
        return self.emit(arith.IndexCastOp(v, t)).result

    # ------------------------------------------------------------------------------------------
    # floating point

    def fbin(self, cls: type[Operation], a: Value, b: Value) -> SSAValue:
        x, y = self._pair(a, b)
        return self.emit(cls(x, y)).results[0]  # type: ignore[call-arg]

    def addf(self, a: Value, b: Value) -> SSAValue:
        return self.fbin(arith.AddfOp, a, b)

    def subf(self, a: Value, b: Value) -> SSAValue:
        return self.fbin(arith.SubfOp, a, b)

    def mulf(self, a: Value, b: Value) -> SSAValue:
        return self.fbin(arith.MulfOp, a, b)

    def divf(self, a: Value, b: Value) -> SSAValue:
        return self.fbin(arith.DivfOp, a, b)

    def maxf(self, a: Value, b: Value) -> SSAValue:
        """NaN-propagating maximum (`np.maximum`)."""
        return self.fbin(arith.MaximumfOp, a, b)

    def minf(self, a: Value, b: Value) -> SSAValue:
        """NaN-propagating minimum (`np.minimum`)."""
        return self.fbin(arith.MinimumfOp, a, b)

    def fclamp(self, a: SSAValue, lo: float, hi: float) -> SSAValue:
        """`np.clip(a, lo, hi)`."""
        return self.minf(self.maxf(a, lo), hi)

    def exp(self, a: SSAValue) -> SSAValue:
        return self.emit(math.ExpOp(a)).result

    def round(self, a: SSAValue) -> SSAValue:
        """Round half away from zero (C `roundf`)."""
        return self.emit(math.RoundOp(a)).result

    def ctlz(self, a: SSAValue) -> SSAValue:
        return self.emit(math.CountLeadingZerosOp(a)).result

    def sitofp(self, v: SSAValue, t: Attribute) -> SSAValue:
        return self.emit(arith.SIToFPOp(v, t)).result  # type: ignore[arg-type]

    def fptosi(self, v: SSAValue, t: IntegerType) -> SSAValue:
        return self.emit(arith.FPToSIOp(v, t)).result

    def extf(self, v: SSAValue, t: Attribute) -> SSAValue:
        return self.emit(arith.ExtFOp(v, t)).result

    def truncf(self, v: SSAValue, t: Attribute) -> SSAValue:
        return self.emit(arith.TruncFOp(v, t)).result

    # ------------------------------------------------------------------------------------------
    # memory

    def load(self, buf: SSAValue, indices: Sequence[Value]) -> SSAValue:
        return self.emit(memref.LoadOp.get(buf, [self.idx(i) for i in indices])).res

    def store(self, value: SSAValue, buf: SSAValue, indices: Sequence[Value]) -> None:
        self.emit(memref.StoreOp.get(value, buf, [self.idx(i) for i in indices]))

    def get_global(self, name: str, t: MemRefType) -> SSAValue:
        return self.root.emit(memref.GetGlobalOp(name, t)).memref

    def reshape(self, buf: SSAValue, shape: Sequence[int]) -> SSAValue:
        """The same contiguous buffer seen with another static shape (`memref.reinterpret_cast`)."""
        shape = [int(d) for d in shape]
        if list(shape_of(buf)) == shape:
            return buf
        strides = [int(s) for s in np.cumprod([1, *shape[::-1]])[:-1][::-1]] if shape else []
        t = MemRefType(elt_of(buf), shape)
        op = memref.ReinterpretCastOp(buf, [], [], [], [0], shape, strides, t)
        return self.emit(op).result

    # ------------------------------------------------------------------------------------------
    # control flow

    def for_(
        self,
        lb: Value,
        ub: Value,
        body: Body,
        iter_args: Sequence[SSAValue] = (),
        step: int = 1,
        hint: str | None = None,
    ) -> list[SSAValue]:
        """`scf.for iv = lb to ub step step iter_args(...)`; `body(builder, iv, *args)` returns
        the values to yield. Static trip counts of 0 and 1 need no loop."""
        if isinstance(lb, int) and isinstance(ub, int):
            trips = max(0, -(-(ub - lb) // step))
            if trips == 0:
                return list(iter_args)
            if trips == 1:
                out = body(self, self.idx(lb), *iter_args)
                return list(out or [])
        block = Block(arg_types=[INDEX, *(v.type for v in iter_args)])
        if hint:
            block.args[0].name_hint = hint
        inner = self._child(block)
        out = body(inner, block.args[0], *block.args[1:])
        inner.emit(scf.YieldOp(*(out or [])))
        op = scf.ForOp(self.idx(lb), self.idx(ub), self.idx(step), list(iter_args), Region(block))
        return list(self.emit(op).results)

    def nest(
        self,
        bounds: Sequence[int],
        body: Callable[[LoopBuilder, list[SSAValue]], None],
        hints: Sequence[str] | None = None,
    ) -> None:
        """A perfect nest of loops `0 <= iv[k] < bounds[k]` (no loop-carried values)."""

        def level(b: LoopBuilder, ivs: list[SSAValue], k: int) -> None:
            if k == len(bounds):
                body(b, ivs)
                return
            b.for_(
                0,
                bounds[k],
                lambda bb, iv: level(bb, [*ivs, iv], k + 1),
                hint=hints[k] if hints else None,
            )

        level(self, [], 0)

    def if_(
        self,
        cond: SSAValue,
        then: Callable[[LoopBuilder], Sequence[SSAValue]],
        otherwise: Callable[[LoopBuilder], Sequence[SSAValue]],
    ) -> list[SSAValue]:
        """`scf.if` with results; both branches yield values of the same types."""
        tb, eb = Block(), Block()
        t_out = list(then(self._child(tb)))
        e_out = list(otherwise(self._child(eb)))
        tb.add_op(scf.YieldOp(*t_out))
        eb.add_op(scf.YieldOp(*e_out))
        op = scf.IfOp(cond, [v.type for v in t_out], Region(tb), Region(eb))
        return list(self.emit(op).results)

    def call(self, sym: str, args: Sequence[SSAValue], result_type: Attribute) -> SSAValue:
        return self.emit(func.CallOp(sym, list(args), [result_type])).res[0]

    # ------------------------------------------------------------------------------------------
    # combined index helpers

    def all_true(self, conds: Sequence[SSAValue]) -> SSAValue | None:
        """Conjunction of i1 values (None for an empty list)."""
        out: SSAValue | None = None
        for c in conds:
            out = c if out is None else self.and_(out, c)
        return out

    def in_range(self, i: SSAValue, size: int) -> SSAValue:
        """`0 <= i < size` for a (possibly negative) index: one unsigned comparison."""
        return self.cmp("ult", i, size)


__all__ = [
    "INDEX",
    "LoopBuilder",
    "ModuleState",
    "elt_of",
    "i1",
    "int_bits",
    "int_range",
    "shape_of",
]
