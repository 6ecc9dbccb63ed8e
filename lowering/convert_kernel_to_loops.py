"""`convert-kernel-to-loops`: level 2 (`kernel` + `mem`) -> level 3 (`scf`/`memref`/`arith`).

Input: kernel-level functions in destination-passing form (after `convert-nn-to-kernel`, with or
without `mem-plan-arena`). Output: the same functions, same signatures and argument attributes
(`edgeai.name`, `edgeai.num_outputs`), where

* every kernel op is a rolled `scf.for` nest of `memref.load`/`memref.store` and `arith` ops (plus
  `math.exp`/`math.round`/`math.ctlz`) computing exactly what `edgeai.reference.kernel_ops`
  computes: i32 wrap-around accumulation, TFLite's MultiplyByQuantizedMultiplier (i64 products),
  the ADD/MUL/pooling/softmax integer formulas; the larger fixed-point primitives are private
  helper functions of the module (`@edgeai_fp_*`) that the kernels call;
* `kernel.constant` -> a private constant `memref.global` (the weights' dense data, unchanged)
  read with `memref.get_global`; per-channel multipliers/shifts become small constant globals;
* a planned `mem.alloc` (`offset` set) -> `memref.view` at its byte offset into one
  uninitialized `memref.global` per pool (`@<func>_arena`, sized by the plan); an unplanned one
  -> its own uninitialized global;
* `mem.view` -> `memref.reinterpret_cast` (all buffers are contiguous).

The module is marked `edgeai.level = "loops"`; `edgeai.run` executes it through the llvmlite
JIT (`edgeai.reference.jit`). Loops are never unrolled (tiny-ML layers run 10^5..10^7
iterations). Kernel ops this pass cannot lower are reported together, one line each.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func, memref
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, MemRefType, ModuleOp, StringAttr, i8
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint

from edgeai.dialects import kernel as K
from edgeai.dialects import mem
from edgeai.lowering.kernel_to_loops import LOWERINGS
from edgeai.lowering.kernel_to_loops.builder import LoopBuilder, ModuleState
from edgeai.support.attrs import storage_dtype
from edgeai.support.errors import EdgeAIError, UnsupportedError

ARENA_ALIGN = 16


MAX_SYMBOL = 40


def _hint(v: SSAValue, default: str) -> str:
    """A symbol name from a value's name hint (identifier characters, at most 40 of them)."""
    h = (v.name_hint or default)[:MAX_SYMBOL]
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in h)


def _arenas(f: func.FuncOp, state: ModuleState) -> dict[str, tuple[str, MemRefType]]:
    """One uninitialized byte global per pool holding the planned buffers of `f`."""
    ends: dict[str, int] = {}
    for op in f.body.block.ops:
        if isinstance(op, mem.AllocOp) and op.offset is not None:
            pool = op.pool.data if op.pool is not None else "arena"
            ends[pool] = max(ends.get(pool, 0), op.offset.value.data + op.nbytes)
    out = {}
    for pool, end in ends.items():
        size = -(-end // ARENA_ALIGN) * ARENA_ALIGN
        t = MemRefType(i8, [size])
        out[pool] = (state.add_global(f"{f.sym_name.data}_{pool}", t, None, False), t)
    return out


def _lower_buffer_op(
    op: Operation, b: LoopBuilder, arenas: dict[str, tuple[str, MemRefType]]
) -> SSAValue:
    """The level-3 value replacing a `kernel.constant`, `mem.alloc` or `mem.view`."""
    if isinstance(op, K.ConstantOp):
        t = op.output.type
        assert isinstance(t, MemRefType) and isinstance(op.value, DenseIntOrFPElementsAttr)
        name = b.state.add_global(_hint(op.output, "cst"), t, op.value, True)
        return b.get_global(name, t)
    if isinstance(op, mem.AllocOp):
        t = op.output.type
        if op.offset is None:
            name = b.state.add_global(_hint(op.output, "buf"), t, None, False)
            return b.get_global(name, t)
        pool = op.pool.data if op.pool is not None else "arena"
        name, at = arenas[pool]
        start = op.offset.value.data
        if start % storage_dtype(t.element_type).itemsize:
            raise EdgeAIError(f"mem.alloc at offset {start} is not aligned for {t.element_type}")
        arena = b.get_global(name, at)
        return b.emit(memref.ViewOp(arena, b.idx(start), [], t)).result
    assert isinstance(op, mem.ViewOp)
    return b.reshape(op.input, op.output.type.get_shape())


def lower_function(state: ModuleState, f: func.FuncOp) -> list[str]:
    """Lower the kernel ops of `f` in place; returns the problems found (empty when done)."""
    state.anchor = f
    arenas = _arenas(f, state)
    problems: list[str] = []
    for op in list(f.body.block.ops):
        b = LoopBuilder(InsertPoint.before(op), state)
        if isinstance(op, K.ConstantOp | mem.AllocOp | mem.ViewOp):
            new = _lower_buffer_op(op, b, arenas)
            if op.results[0].name_hint and not new.name_hint:
                new.name_hint = op.results[0].name_hint
            op.results[0].replace_all_uses_with(new)
            op.detach()
            op.erase()
            continue
        if not isinstance(op, K.KernelOp):
            if op.name.split(".")[0] in ("nn", "onnx"):
                problems.append(f"{op.name}: lower to kernels first (convert-nn-to-kernel)")
            continue
        lowering = LOWERINGS.get(type(op))
        if lowering is None:
            where = f"layer '{op.layer}'" if op.layer else op.name
            problems.append(f"{where}: {op.name} has no loop lowering")
            continue
        try:
            lowering(b, op)
        except UnsupportedError as e:
            problems.extend(e.items)
            continue
        op.detach()
        op.erase()
    return problems


@dataclass(frozen=True)
class ConvertKernelToLoopsPass(ModulePass):
    """Lower `kernel`/`mem` functions to rolled `scf.for` nests over memrefs with `arith`
    (exactly the kernel reference's integer semantics); see the module docstring."""

    name = "convert-kernel-to-loops"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        problems: list[str] = []
        funcs = [o for o in op.ops if isinstance(o, func.FuncOp) and not o.is_declaration]
        state = ModuleState(op, op)
        for f in funcs:
            problems.extend(lower_function(state, f))
        if problems:
            raise UnsupportedError("convert-kernel-to-loops", problems)
        op.attributes["edgeai.level"] = StringAttr("loops")
