"""The buffer model of a kernel-level function: buffers, steps, touches, liveness, lower bound.

* A **buffer** is a root of memory: a planned `mem.alloc` result (pool `arena`, `scratch` or
  none: the one arena of the Cortex-M backend, as in `backends/cortexm/plan.py`) or a memref
  function argument (an input, or one of the last `edgeai.num_outputs` arguments, an output).
  A `mem.view` is its base's bytes: every use of a view is a use of the root buffer.
* A **step** is an op that executes: every op of the body except `mem.alloc`, `mem.view`,
  `kernel.constant` (definitions, free) and the terminator. A kernel op reads `inputs()` and
  writes `outputs()`; any other op is assumed to read and write every memref it or its nested
  ops use, and the schedule is then kept as written (`Program.reorderable` is False).
* **Liveness** (schedule positions 0..n-1): a buffer is live at position p iff some step at or
  before p touches it and some step at or after p touches it; so while a step runs its inputs
  and its outputs are live together (an input read for the last time is still live while the
  step runs). With the inputs/outputs in the arena, every input is also live from position 0
  (the application, or the generated `NET_run`, copies it in before the first step) and every
  output until position n-1 (it is copied out after the last step); a buffer the terminator
  returns is live until the end too.
* **Lower bound** at a position: the smallest possible end of the live buffers placed
  disjointly at aligned offsets: with every offset a multiple of A, each buffer but the topmost
  occupies its size rounded up to A, so the end is at least the sum of the rounded sizes minus
  the largest rounding slack (`set_bound`). The function's bound is the maximum over positions:
  no placement of this schedule and these in-place groups can use fewer bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr, MemRefType
from xdsl.ir import Operation, SSAValue
from xdsl.traits import IsTerminator

from edgeai.dialects import kernel as K
from edgeai.dialects import mem
from edgeai.support.attrs import storage_dtype

#: ops that define a value without executing anything
DEFINITIONS = (mem.AllocOp, mem.ViewOp, K.ConstantOp)
#: pools the arena planner places (a `mem.alloc` without a pool is an arena buffer too)
PLANNED_POOLS = ("arena", "scratch")


def root_value(v: SSAValue) -> SSAValue:
    """The value a (chain of) `mem.view` aliases."""
    while isinstance(v.owner, mem.ViewOp):
        v = v.owner.input
    return v


def num_outputs(f: func.FuncOp) -> int:
    """The number of trailing output arguments of a kernel-level function (0 if not one)."""
    n = f.attributes.get("edgeai.num_outputs")
    return n.value.data if isinstance(n, IntegerAttr) else 0


def is_planned_alloc(op: Operation) -> bool:
    """Whether `op` is a `mem.alloc` the arena planner gives an offset."""
    return isinstance(op, mem.AllocOp) and (op.pool is None or op.pool.data in PLANNED_POOLS)


def memref_bytes(t: MemRefType) -> tuple[int, int]:
    """(size in bytes, element size in bytes) of a static memref type."""
    item = storage_dtype(t.element_type).itemsize
    return math.prod(t.get_shape()) * item, item


@dataclass
class Buffer:
    """A root of memory (see the module docstring)."""

    index: int
    value: SSAValue  # the alloc result or the block argument
    kind: str  # "alloc" | "input" | "output"
    size: int
    itemsize: int
    name: str
    escapes: bool = False  # returned by the terminator: live until the end

    @property
    def is_arg(self) -> bool:
        return self.kind != "alloc"


@dataclass
class Program:
    """Buffers and steps of one function, in the function's current op order."""

    func: func.FuncOp
    steps: list[Operation]
    buffers: list[Buffer]
    buffer_of: dict[SSAValue, int]  # root value -> buffer index
    reads: list[frozenset[SSAValue]]  # per step: root values read (buffers and others)
    writes: list[frozenset[SSAValue]]  # per step: root values written
    reorderable: bool  # every step is a kernel op (the order may change)

    touch: list[tuple[int, ...]] = field(default_factory=list)  # per step: buffers touched

    def __post_init__(self) -> None:
        self.touch = [
            tuple(sorted({self.buffer_of[v] for v in r | w if v in self.buffer_of}))
            for r, w in zip(self.reads, self.writes, strict=True)
        ]

    def buffer(self, v: SSAValue) -> int | None:
        """The buffer index of a value (through views), None for constants and others."""
        return self.buffer_of.get(root_value(v))

    def predecessors(self) -> list[set[int]]:
        """Steps each step must follow: read after write, write after read, write after write
        of the same root value (a buffer, an argument, a scratch or constant value alike)."""
        last_write: dict[SSAValue, int] = {}
        readers: dict[SSAValue, list[int]] = {}
        preds: list[set[int]] = []
        for k in range(len(self.steps)):
            p: set[int] = set()
            for v in self.reads[k] | self.writes[k]:
                if v in last_write:
                    p.add(last_write[v])
            for v in self.writes[k]:
                p.update(readers.get(v, ()))
            for v in self.reads[k]:
                readers.setdefault(v, []).append(k)
            for v in self.writes[k]:
                last_write[v] = k
                readers[v] = []
            p.discard(k)
            preds.append(p)
        return preds


def _memref_uses(op: Operation) -> frozenset[SSAValue]:
    """Root values of every memref operand of `op` and of the ops nested in it."""
    out = set()
    for o in op.walk():
        for v in o.operands:
            if isinstance(v.type, MemRefType):
                out.add(root_value(v))
    return frozenset(out)


def build_program(f: func.FuncOp) -> Program:
    """The buffers and steps of `f` (whose body is one block)."""
    block = f.body.block
    n_out = num_outputs(f)
    n_in = len(block.args) - n_out
    buffers: list[Buffer] = []
    buffer_of: dict[SSAValue, int] = {}

    def add(v: SSAValue, kind: str) -> None:
        t = v.type
        assert isinstance(t, MemRefType)
        size, item = memref_bytes(t)
        i = len(buffers)
        buffers.append(Buffer(i, v, kind, size, item, v.name_hint or f"{kind}{i}"))
        buffer_of[v] = i

    for i, a in enumerate(block.args):
        if isinstance(a.type, MemRefType):
            add(a, "input" if i < n_in else "output")
    steps: list[Operation] = []
    reads: list[frozenset[SSAValue]] = []
    writes: list[frozenset[SSAValue]] = []
    reorderable = True
    for op in block.ops:
        if is_planned_alloc(op):
            add(op.results[0], "alloc")
            continue
        if isinstance(op, DEFINITIONS):
            continue
        if op.has_trait(IsTerminator):
            for v in _memref_uses(op):
                if v in buffer_of:
                    buffers[buffer_of[v]].escapes = True
            continue
        steps.append(op)
        if isinstance(op, K.KernelOp):
            reads.append(frozenset(root_value(v) for v in op.inputs()))
            writes.append(frozenset(root_value(v) for v in op.outputs()))
        else:
            reorderable = False
            touched = _memref_uses(op)
            reads.append(touched)
            writes.append(touched)
    return Program(f, steps, buffers, buffer_of, reads, writes, reorderable)


class Groups:
    """Union-find of buffers that share bytes (in-place merges)."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
        return min(ra, rb)

    def members(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return out


@dataclass(frozen=True)
class Interval:
    """A group of buffers placed at one offset, live from position `first` to `last`."""

    group: int
    members: tuple[int, ...]
    size: int
    align: int
    first: int
    last: int

    def overlaps(self, other: Interval) -> bool:
        return self.first <= other.last and other.first <= self.last


def in_arena(prog: Program, members: list[int] | tuple[int, ...], io_in_arena: bool) -> bool:
    """Whether a group of buffers lives in the arena (arguments only with `io_in_arena`)."""
    return io_in_arena or all(not prog.buffers[m].is_arg for m in members)


def first_last(prog: Program, order: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Per buffer: the first and last schedule positions of the steps touching it."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for pos, k in enumerate(order):
        for b in prog.touch[k]:
            first.setdefault(b, pos)
            last[b] = pos
    return first, last


def intervals(
    prog: Program, order: list[int], groups: Groups, io_in_arena: bool, alignment: int
) -> list[Interval]:
    """The arena's live intervals for a schedule (`order`: step indices) and in-place groups.

    Groups that no step touches (and that hold no argument in the arena) are left out; so are
    argument groups when the inputs/outputs are not in the arena.
    """
    end = max(len(order), 1) - 1
    first, last = first_last(prog, order)
    out = []
    for g, members in groups.members().items():
        if not in_arena(prog, members, io_in_arena):
            continue
        bufs = [prog.buffers[m] for m in members]
        los = [first[m] for m in members if m in first]
        his = [last[m] for m in members if m in last]
        lo, hi = (min(los), max(his)) if los else (None, None)
        if any(b.kind == "input" for b in bufs):
            lo, hi = 0, 0 if hi is None else hi
        if any(b.kind == "output" or b.escapes for b in bufs):
            lo, hi = end if lo is None else lo, end
        if lo is None or hi is None:
            continue
        size = max(b.size for b in bufs)
        align = math.lcm(alignment, *(b.itemsize for b in bufs))
        out.append(Interval(g, tuple(members), size, align, lo, hi))
    return out


def padded(size: int, alignment: int) -> int:
    """`size` rounded up to a multiple of `alignment`."""
    return -(-size // alignment) * alignment


def set_bound(sizes: list[int], alignment: int) -> int:
    """Smallest end of these buffers placed disjointly at offsets multiple of `alignment`."""
    sizes = [s for s in sizes if s > 0]
    if not sizes:
        return 0
    pads = [padded(s, alignment) for s in sizes]
    return sum(pads) - max(p - s for p, s in zip(pads, sizes, strict=True))


def live_at(items: list[Interval], n: int) -> list[list[Interval]]:
    """Per position 0..n-1: the intervals live there."""
    points: list[list[Interval]] = [[] for _ in range(max(n, 1))]
    for it in items:
        for p in range(it.first, it.last + 1):
            points[p].append(it)
    return points


def point_bound(live: list[Interval]) -> int:
    """The alignment-aware lower bound of one position's live intervals (every offset is a
    multiple of the smallest alignment among them)."""
    if not live:
        return 0
    return set_bound([i.size for i in live], min(i.align for i in live))


def lower_bound(items: list[Interval], n: int) -> int:
    """The largest `point_bound` over the positions of a schedule of `n` steps."""
    return max((point_bound(pt) for pt in live_at(items, n)), default=0)
