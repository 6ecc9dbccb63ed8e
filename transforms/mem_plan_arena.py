"""`mem-plan-arena`: the static memory plan of kernel-level functions (one arena)."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, DictionaryAttr, IntegerAttr, ModuleOp, i1, i64
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.utils.arg_spec import ArgSpec

from edgeai.dialects import mem
from edgeai.support.errors import EdgeAIError
from edgeai.transforms.memplan.model import DEFINITIONS, Program, build_program
from edgeai.transforms.memplan.planner import OBJECTIVES, Options, Plan, plan_program

#: option field -> (Python type, how the error message describes it)
_OPTION_TYPES: dict[str, tuple[type, str]] = {
    "objective": (str, f"one of {', '.join(OBJECTIVES)}"),
    "alignment": (int, "a power of two"),
    "io_in_arena": (bool, "true or false"),
    "reorder": (bool, "true or false"),
}
_OPTIONS = [k.replace("_", "-") for k in _OPTION_TYPES]


@dataclass(frozen=True)
class MemPlanArenaPass(ModulePass):
    """Give every intermediate buffer a static offset in one arena, lowering the peak.

    Input: kernel-level functions (`convert-nn-to-kernel`): `mem.alloc` buffers of the `arena`
    pool (or `scratch`, or none: on the Cortex-M backend they all share the one arena),
    `mem.view` aliases, kernel ops reading their inputs and writing their outputs, the outputs
    as the last `edgeai.num_outputs` arguments.
    Output, per function:
    * `offset` (bytes from the arena start, a multiple of `alignment` and of the element size)
      on every planned `mem.alloc`; two buffers live at the same time never overlap, where a
      buffer is live from the first to the last op that touches it (through any view);
    * the kernel ops possibly in another order: a topological order of their data dependences
      (read/write, write/read and write/write of a buffer, an argument or any other value),
      chosen to lower the peak; only when every op that executes is a kernel op;
    * in place: an element-wise kernel (clamp, requantize, add, mul, quantize, dequantize,
      copy) may write its output over an input it reads for the last time, same shape and
      element type (the two allocs get the same offset); a reshape is a `mem.view` (no bytes);
    * `edgeai.arena_bytes` (the peak: the end of the highest buffer),
      `edgeai.arena_lower_bound_bytes` (the largest set of buffers live at one step of the
      chosen order, counted with in-place buffers as one and each size rounded up to the
      alignment but the topmost: no placement of that order can be smaller),
      `edgeai.arena_alignment` and `edgeai.io_in_arena`;
    * with `io-in-arena=true`, an `edgeai.offset` argument attribute on every input and output:
      the generated code copies inputs in before the first kernel and outputs out after the
      last, so inputs are live from the start and outputs until the end (the fair comparison
      with TFLite Micro, whose arena holds its input and output tensors); without it they are
      buffers of the application and stale `edgeai.offset` attributes are removed.
    Options: `objective=ram|time|balanced` (default balanced): `ram` searches hardest and keeps
    every legal in-place merge; `balanced` reorders and merges only where that lowers the peak;
    `time` keeps the program order and gives every kernel distinct input and output buffers,
    only the placement is optimized. `alignment=N` (default 16, a power of two): offsets are
    multiples of N. `io-in-arena=true|false` (default false). `reorder=false` keeps the order.
    The search is bounded (beam width, candidate orders, restarts: `transforms/memplan/`) and
    deterministic; an alloc no op touches gets offset 0. Re-running the pass re-plans.
    Invariants kept: the ops and their operands (only the order of ops in a block and
    attributes change), hence the results, bit for bit.
    """

    name = "mem-plan-arena"

    objective: str = "balanced"
    alignment: int = 16
    io_in_arena: bool = False
    reorder: bool = True

    def __post_init__(self) -> None:
        self.options()

    @classmethod
    def from_spec(cls, spec: ArgSpec) -> MemPlanArenaPass:
        """Parse `mem-plan-arena{...}`; a bad option is a one-line error naming it."""
        for key, values in spec.normalize_parameter_names().parameters.items():
            opt = key.replace("_", "-")
            if key not in _OPTION_TYPES:
                raise EdgeAIError(
                    f"mem-plan-arena: unknown option '{opt}' (known: {', '.join(_OPTIONS)})"
                )
            want, what = _OPTION_TYPES[key]
            v = values[0] if len(values) == 1 else values
            if not isinstance(v, want) or (want is int and isinstance(v, bool)):
                shown = "nothing" if len(values) == 0 else v
                raise EdgeAIError(f"mem-plan-arena: {opt} must be {what}, got {shown}")
        return super().from_spec(spec)

    def options(self) -> Options:
        """The validated options (one-line `EdgeAIError` naming the option otherwise)."""
        if self.objective not in OBJECTIVES:
            raise EdgeAIError(
                f"mem-plan-arena: objective must be one of {', '.join(OBJECTIVES)}, "
                f"got '{self.objective}'"
            )
        a = self.alignment
        if isinstance(a, bool) or not isinstance(a, int) or a < 1 or a & (a - 1):
            raise EdgeAIError(f"mem-plan-arena: alignment must be a power of two, got {a}")
        for opt, v in (("io-in-arena", self.io_in_arena), ("reorder", self.reorder)):
            if not isinstance(v, bool):
                raise EdgeAIError(f"mem-plan-arena: {opt} must be true or false, got {v}")
        return Options(self.alignment, self.io_in_arena, self.objective, self.reorder)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        opts = self.options()
        for f in [o for o in op.ops if isinstance(o, func.FuncOp)]:
            if f.body.blocks:
                plan_function(f, opts)


def plan_function(f: func.FuncOp, opts: Options) -> Plan:
    """Plan `f` in place (order, offsets, attributes) and return the plan."""
    if len(f.body.blocks) != 1:
        raise EdgeAIError(
            f"mem-plan-arena: @{f.sym_name.data} has {len(f.body.blocks)} blocks "
            "(kernel-level functions have one)"
        )
    prog = build_program(f)
    plan = plan_program(prog, opts)
    check_plan(plan)
    if plan.reordered:
        _reorder(prog, plan.order)
    _write(prog, plan, opts)
    return plan


def check_plan(plan: Plan) -> None:
    """Internal consistency: aligned offsets, no two intervals overlapping in time and bytes."""
    items, offs = plan.items, plan.placement.offsets
    for i, a in enumerate(items):
        if offs[i] % a.align:
            raise RuntimeError(f"mem-plan-arena: offset {offs[i]} not aligned to {a.align}")
        for j in range(i):
            b = items[j]
            if a.size and b.size and a.overlaps(b):
                if offs[i] < offs[j] + b.size and offs[j] < offs[i] + a.size:
                    raise RuntimeError("mem-plan-arena: two live buffers overlap (planner bug)")


def _reorder(prog: Program, order: list[int]) -> None:
    """Put the steps of `prog` in `order`; each definition (alloc, view, constant) moves just
    before its first user, definitions nobody uses go last, the terminator stays last."""
    block = prog.func.body.block
    term = block.last_op
    assert term is not None
    original = [o for o in block.ops if o is not term]
    placed: set[Operation] = set()
    sequence: list[Operation] = []

    def need(op: Operation) -> None:
        for v in op.operands:
            owner = v.owner
            if isinstance(owner, DEFINITIONS) and owner.parent is block and owner not in placed:
                need(owner)
                placed.add(owner)
                sequence.append(owner)

    for k in order:
        step = prog.steps[k]
        need(step)
        placed.add(step)
        sequence.append(step)
    for o in original:
        if o not in placed:
            need(o)
            placed.add(o)
            sequence.append(o)
    for o in original:
        o.detach()
    for o in sequence:
        block.insert_op_before(o, term)


def _write(prog: Program, plan: Plan, opts: Options) -> None:
    """Offsets on the allocs and (io in the arena) arguments; the function's plan attributes."""
    f = prog.func
    offset: dict[int, int] = {}
    for it, off in zip(plan.items, plan.placement.offsets, strict=True):
        for m in it.members:
            offset[m] = off
    arena_bytes = plan.peak
    n_args = len(f.body.block.args)
    arg_attrs = list(f.arg_attrs.data) if f.arg_attrs else [DictionaryAttr({})] * n_args
    for b in prog.buffers:
        if b.kind == "alloc":
            off = offset.get(b.index, 0)
            alloc = b.value.owner
            assert isinstance(alloc, mem.AllocOp)
            alloc.offset = IntegerAttr(off, i64)
            arena_bytes = max(arena_bytes, off + b.size)
    for i, a in enumerate(f.body.block.args):
        d = dict(arg_attrs[i].data)
        d.pop("edgeai.offset", None)
        b = prog.buffer_of.get(a)
        if opts.io_in_arena and b is not None:
            off = offset.get(b, 0)
            d["edgeai.offset"] = IntegerAttr(off, i64)
            arena_bytes = max(arena_bytes, off + prog.buffers[b].size)
        arg_attrs[i] = DictionaryAttr(d)
    if f.arg_attrs or opts.io_in_arena:
        f.arg_attrs = ArrayAttr(arg_attrs)
    f.attributes["edgeai.arena_bytes"] = IntegerAttr(arena_bytes, i64)
    f.attributes["edgeai.arena_lower_bound_bytes"] = IntegerAttr(plan.bound, i64)
    f.attributes["edgeai.arena_alignment"] = IntegerAttr(opts.alignment, i64)
    f.attributes["edgeai.io_in_arena"] = IntegerAttr(int(opts.io_in_arena), i1)
