"""The search of `mem-plan-arena`: execution order x in-place merges x placement, best peak kept.

For each candidate order (`schedule.candidate_orders`, the program order only with
`objective=time`, `reorder=false` or a program whose steps are not all kernel ops), the
planner takes the legal in-place merges of that order (none with `objective=time`), computes
the live intervals and their lower bound, and places them (`place.best_placement`). With
`objective=balanced` a merge that does not lower the placed peak is dropped again (kernels keep
distinct input and output buffers where that costs nothing). The plan of smallest peak wins;
ties go to the smaller bound with `ram`, to the program order and fewer merges otherwise.

Every stage has a fixed budget (beam width of the order search, number of candidate orders,
random restarts of the placement, merge trials), so the time is bounded and the result is
deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgeai.transforms.memplan.inplace import Merge, groups_of, legal_merges
from edgeai.transforms.memplan.model import Interval, Program, intervals, lower_bound
from edgeai.transforms.memplan.place import Placement, best_placement
from edgeai.transforms.memplan.schedule import LiveModel, candidate_orders

OBJECTIVES = ("ram", "time", "balanced")


@dataclass(frozen=True)
class Options:
    """What the planner may change (see `MemPlanArenaPass`)."""

    alignment: int = 16
    io_in_arena: bool = False
    objective: str = "balanced"
    reorder: bool = True


@dataclass
class Plan:
    """A schedule, its in-place merges, the live intervals and their placement."""

    order: list[int]
    merges: list[Merge]
    items: list[Interval]
    placement: Placement
    bound: int
    exact_order: bool = False  # the order search proved its peak estimate minimal

    @property
    def peak(self) -> int:
        return self.placement.peak

    @property
    def reordered(self) -> bool:
        return self.order != sorted(self.order)

    def key(self, objective: str) -> tuple[int, ...]:
        if objective == "ram":
            return (self.peak, self.bound, int(self.reordered), len(self.merges))
        return (self.peak, int(self.reordered), len(self.merges), self.bound)


def _restarts(items: list[Interval]) -> int:
    """Random placement restarts: 64 for small graphs, fewer as the pairwise work grows."""
    return min(64, 300_000 // max(1, len(items) ** 2))


def _search_budget(items: list[Interval], opts: Options) -> int:
    """Item placements of the placement search (each costs about one pass over the items)."""
    return (400_000 if opts.objective == "ram" else 100_000) // max(1, len(items))


def evaluate(prog: Program, order: list[int], merges: list[Merge], opts: Options) -> Plan:
    """Intervals, bound and best placement of one order and set of merges."""
    groups = groups_of(prog, merges)
    items = intervals(prog, order, groups, opts.io_in_arena, opts.alignment)
    bound = lower_bound(items, len(order))
    placement = best_placement(
        items,
        len(order),
        bound,
        restarts=_restarts(items),
        search_budget=_search_budget(items, opts),
    )
    return Plan(order, merges, items, placement, bound)


#: at most this many single-merge drop trials per order (balanced)
MAX_DROP_TRIALS = 32


def _choose_merges(prog: Program, order: list[int], opts: Options) -> Plan:
    """Plan one order: all legal merges (ram), only those that lower the peak (balanced), none
    (time); a set of merges that ends up raising the placed peak is dropped."""
    none = evaluate(prog, order, [], opts)
    if opts.objective == "time":
        return none
    merges = legal_merges(prog, order, opts.io_in_arena)
    if not merges:
        return none
    plan = evaluate(prog, order, merges, opts)
    if plan.peak > none.peak:
        return none
    if opts.objective == "balanced" and len(merges) <= MAX_DROP_TRIALS:
        for m in list(plan.merges):
            trial = evaluate(prog, order, [x for x in plan.merges if x != m], opts)
            if trial.peak <= plan.peak:
                plan = trial
    return plan


def plan_program(prog: Program, opts: Options) -> Plan:
    """The best plan of `prog` over the candidate orders."""
    program_order = list(range(len(prog.steps)))
    if opts.objective == "time" or not opts.reorder or not prog.reorderable or len(prog.steps) < 2:
        return _choose_merges(prog, program_order, opts)
    lm = LiveModel(prog, opts.io_in_arena, in_place=True)
    budget = 6_000_000 if opts.objective == "ram" else 1_500_000
    orders, exact = candidate_orders(lm, budget)
    best: Plan | None = None
    for order in orders:
        plan = _choose_merges(prog, order, opts)
        if best is None or plan.key(opts.objective) < best.key(opts.objective):
            best = plan
    assert best is not None
    best.exact_order = exact
    return best
