"""Arena offsets for the C emitter: the memory planner when it is registered, else a bump
allocator.

`mem-plan-arena` (transforms/mem_plan_arena.py) gives every `mem.alloc {pool = "arena"}` an
`offset` and the function `edgeai.arena_bytes`. Until a module has been planned, the emitter
places each buffer after the previous one (no reuse: correct, not small) so that the generated
code always has an arena layout.
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64

from edgeai.dialects import mem

#: alignment of arena buffers placed by the bump allocator (and of the arena itself)
ALIGN = 16


def needs_plan(module: ModuleOp) -> bool:
    """Whether an arena buffer of `module` has no offset yet."""
    return any(
        isinstance(op, mem.AllocOp) and op.offset is None and _in_arena(op) for op in module.walk()
    )


def _in_arena(op: mem.AllocOp) -> bool:
    return op.pool is None or op.pool.data in ("arena", "scratch")


def bump_plan(module: ModuleOp, align: int = ALIGN) -> None:
    """Give every arena buffer without an offset the next free aligned offset (in place), and
    set `edgeai.arena_bytes` on each function that has none."""
    for f in module.ops:
        if not isinstance(f, func.FuncOp):
            continue
        allocs = [op for op in f.walk() if isinstance(op, mem.AllocOp) and _in_arena(op)]
        top = max(
            (a.offset.value.data + a.nbytes for a in allocs if a.offset is not None), default=0
        )
        for a in allocs:
            if a.offset is None:
                top = -(-top // align) * align
                a.offset = IntegerAttr(top, i64)
                top += a.nbytes
        if "edgeai.arena_bytes" not in f.attributes:
            f.attributes["edgeai.arena_bytes"] = IntegerAttr(top, i64)


def planned(module: ModuleOp) -> ModuleOp:
    """`module` itself when every arena buffer has an offset, else a planned clone (with
    `mem-plan-arena` when registered, the bump allocator otherwise)."""
    if not needs_plan(module):
        return module
    from edgeai.support.universe import PASSES

    clone = module.clone()
    if "mem-plan-arena" in PASSES:
        from edgeai.support.context import run_pipeline

        run_pipeline(clone, "mem-plan-arena")
    else:
        bump_plan(clone)
    return clone
