"""In-place merges: an element-wise kernel (or a copy) whose output takes the bytes of a dying
input.

A kernel may write its output into input `i`'s buffer when element j of the output depends on
element j of that input only (and on anything of the other inputs), and the kernel reads that
element before writing it. That holds for `kernel.clamp`, `kernel.requantize`, `kernel.add`,
`kernel.mul`, `kernel.quantize` and `kernel.dequantize`: the reference computes each result
before storing it and the C kernels (`backends/cortexm/kernels/elementwise.py`, registered
`in_place=True`, no `restrict`) are single forward loops over the output. We require the input
to have the output's shape and element type (no broadcasting on the merged side, the same
bytes per element), which rules out quantize/dequantize (f32 <-> int) today. `kernel.copy`
(a reshape that could not be a view) moves bytes of the same total size: with both buffers at
one offset it is a `memmove` onto itself. Reshapes proper are `mem.view`s and alias for free
(see `model.root_value`).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects.builtin import MemRefType
from xdsl.ir import Operation

from edgeai.dialects import kernel as K
from edgeai.transforms.memplan.model import Groups, Program, first_last

#: kernel op -> operand indices that may be overwritten by the output
ELEMENTWISE: dict[type[Operation], tuple[int, ...]] = {
    K.ClampOp: (0,),
    K.RequantizeOp: (0,),
    K.AddOp: (0, 1),
    K.MulOp: (0, 1),
    K.QuantizeOp: (0,),
    K.DequantizeOp: (0,),
    K.CopyOp: (0,),
}


def in_place_operands(op: Operation) -> list[int]:
    """Operands of `op` its (single) output may alias."""
    idx = ELEMENTWISE.get(type(op), ())
    if not idx or not isinstance(op, K.KernelOp) or len(op.outputs()) != 1:
        return []
    out = op.outputs()[0].type
    assert isinstance(out, MemRefType)
    ok = []
    for i in idx:
        t = op.operands[i].type
        if not isinstance(t, MemRefType) or t.element_type != out.element_type:
            continue
        if isinstance(op, K.CopyOp) or t.get_shape() == out.get_shape():
            ok.append(i)
    return ok


def may_share(kinds_a: set[str], kinds_b: set[str], io_in_arena: bool) -> bool:
    """Whether two groups of buffers (by kinds) may be merged into one: arguments share the
    arena only with `io_in_arena`, and two arguments never share bytes."""
    args_a, args_b = kinds_a - {"alloc"}, kinds_b - {"alloc"}
    if (args_a or args_b) and not io_in_arena:
        return False
    return not (args_a and args_b)


@dataclass(frozen=True)
class Merge:
    """Step `step` writes its output (buffer `dst`) into the bytes of operand `operand`
    (buffer `src`, touched for the last time by this step)."""

    step: int
    operand: int
    src: int
    dst: int


def legal_merges(prog: Program, order: list[int], io_in_arena: bool) -> list[Merge]:
    """Every in-place merge allowed in this schedule, first eligible operand per op.

    Rules: the input's group is touched by no later step and holds no output (the application
    reads outputs after the run) nor a buffer the terminator returns; the output's group is
    touched by no earlier step and holds no input (its value comes from outside); the two
    groups may share (`may_share`); the output is not also one of the op's inputs. Any subset
    of the result is also legal (dropping a merge only splits groups).
    """
    groups = Groups(len(prog.buffers))
    first, last = first_last(prog, order)
    kinds = {b.index: {b.kind} for b in prog.buffers}
    escapes = {b.index: b.escapes for b in prog.buffers}
    merges: list[Merge] = []
    for pos, k in enumerate(order):
        op = prog.steps[k]
        cands = in_place_operands(op)
        if not cands:
            continue
        y = prog.buffer(op.outputs()[0])  # type: ignore[attr-defined]
        if y is None:
            continue
        gy = groups.find(y)
        read = {groups.find(b) for b in (prog.buffer(v) for v in op.operands[:-1]) if b is not None}
        if gy in read:
            continue
        for i in cands:
            x = prog.buffer(op.operands[i])
            if x is None:
                continue
            gx = groups.find(x)
            if last.get(gx) != pos or first.get(gy) != pos:
                continue
            if "output" in kinds[gx] or escapes[gx] or "input" in kinds[gy]:
                continue
            if not may_share(kinds[gx], kinds[gy], io_in_arena):
                continue
            g = groups.union(gx, gy)
            first[g] = min(first[gx], first[gy])
            last[g] = max(last[gx], last[gy])
            kinds[g] = kinds[gx] | kinds[gy]
            escapes[g] = escapes[gx] or escapes[gy]
            merges.append(Merge(k, i, x, y))
            break
    return merges


def groups_of(prog: Program, merges: list[Merge]) -> Groups:
    """The groups of buffers that a set of merges makes share bytes."""
    g = Groups(len(prog.buffers))
    for m in merges:
        g.union(m.src, m.dst)
    return g
