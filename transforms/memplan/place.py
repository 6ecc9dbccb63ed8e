"""Offsets for live intervals: greedy placements under several visiting orders, the best kept.

Every heuristic visits the intervals in some order and puts each at an aligned offset that does
not collide with the already placed intervals it overlaps in time: the first gap that fits
(first-fit) or the tightest one (best-fit), else above them. `tflm` is TFLite Micro's
`GreedyMemoryPlanner` (largest first, first-fit); the others are the ones of Pisarchyk & Lee,
"Efficient Memory Management for Deep Neural Net Inference" (2020). When none reaches the
lower bound, seeded random perturbations of the size order are tried (`restarts`), then a
limited discrepancy search over visiting orders around the best one (`search_placement`),
both with fixed budgets: the result is deterministic and the work bounded.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from edgeai.transforms.memplan.model import Interval, live_at, padded


def fit(it: Interval, busy: list[tuple[int, int]], best_fit: bool) -> int:
    """The offset for `it` among `busy` (start, end) byte ranges sorted by start: the first
    (or, `best_fit`, the tightest) aligned gap that holds it, else above them all."""
    cur, best, best_waste = 0, None, None
    for start, end in busy:
        cand = padded(cur, it.align)
        if cand + it.size <= start:
            waste = start - cand - it.size
            if not best_fit:
                return cand
            if best_waste is None or waste < best_waste:
                best, best_waste = cand, waste
        cur = max(cur, end)
    return best if best is not None else padded(cur, it.align)


def place(items: list[Interval], order: list[int], best_fit: bool) -> list[int]:
    """Offsets (per item) placing `items` in the visiting `order`."""
    offsets: list[int] = [0] * len(items)
    placed: list[int] = []
    for i in order:
        it = items[i]
        if it.size == 0:
            continue
        busy = sorted(
            (offsets[j], offsets[j] + items[j].size) for j in placed if it.overlaps(items[j])
        )
        offsets[i] = fit(it, busy, best_fit)
        placed.append(i)
    return offsets


def peak(items: list[Interval], offsets: list[int]) -> int:
    """The end of the highest placed interval."""
    return max((o + it.size for it, o in zip(items, offsets, strict=True) if it.size), default=0)


def _breadth(items: list[Interval], n: int) -> list[int]:
    """Per item: the most bytes live at any position of its life."""
    points = live_at(items, n)
    totals = [sum(i.size for i in pt) for pt in points]
    return [max(totals[it.first : it.last + 1], default=0) for it in items]


#: (items, breadth per item) -> (visiting order, best-fit?)
Heuristic = Callable[[list[Interval], list[int]], tuple[list[int], bool]]


def _by(key: Callable[[Interval, int], tuple], best_fit: bool) -> Heuristic:
    def h(items: list[Interval], breadth: list[int]) -> tuple[list[int], bool]:
        order = sorted(
            range(len(items)), key=lambda i: (*key(items[i], breadth[i]), items[i].first)
        )
        return order, best_fit

    return h


HEURISTICS: dict[str, Heuristic] = {
    "tflm": _by(lambda it, _b: (-it.size,), best_fit=False),
    "size-best-fit": _by(lambda it, _b: (-it.size,), best_fit=True),
    "breadth": _by(lambda it, b: (-b, -it.size), best_fit=False),
    "breadth-best-fit": _by(lambda it, b: (-b, -it.size), best_fit=True),
    "duration": _by(lambda it, _b: (it.first - it.last, -it.size), best_fit=False),
    "area": _by(lambda it, _b: (-it.size * (it.last - it.first + 1), -it.size), best_fit=False),
    "start": _by(lambda it, _b: (it.first, -it.size), best_fit=True),
}


@dataclass(frozen=True)
class Placement:
    """Offsets per interval, their peak and the heuristic that found them."""

    offsets: list[int]
    peak: int
    heuristic: str


def tflm_greedy(items: list[Interval], alignment: int = 16) -> Placement:
    """TFLite Micro's greedy planner: sizes padded to `alignment`, largest first, first-fit."""
    padded_items = [
        Interval(i.group, i.members, padded(i.size, alignment), i.align, i.first, i.last)
        for i in items
    ]
    order = sorted(range(len(items)), key=lambda i: (-padded_items[i].size, items[i].first))
    offs = place(padded_items, order, best_fit=False)
    return Placement(offs, peak(padded_items, offs), "tflm")


def search_placement(
    items: list[Interval], bound: int, best: Placement, pref: list[int], budget: int
) -> Placement:
    """Limited discrepancy search over visiting orders (first-fit) around the preferred order
    `pref`: orders that depart from it at one position, then at two, ...; a branch is cut as
    soon as its partial peak reaches the best peak found. Stops at `bound` or after `budget`
    item placements. Intervals that are alike (size, alignment, life) are interchangeable:
    only the first unplaced one of a kind is tried."""
    pref = [i for i in pref if items[i].size]
    offsets = [0] * len(items)
    placed: list[int] = []
    found: list[Placement] = [best]
    steps = [0]

    def key(i: int) -> tuple[int, int, int, int]:
        it = items[i]
        return (it.size, it.align, it.first, it.last)

    def dfs(remaining: list[int], top: int, discrepancies: int) -> bool:
        if not remaining:
            if top < found[0].peak:
                found[0] = Placement(list(offsets), top, "search")
            return top <= bound
        tried: set[tuple[int, int, int, int]] = set()
        for rank, i in enumerate(remaining):
            if rank > 0 and discrepancies == 0:
                break
            if key(i) in tried:
                continue
            tried.add(key(i))
            if steps[0] >= budget:
                return False
            steps[0] += 1
            it = items[i]
            busy = sorted(
                (offsets[j], offsets[j] + items[j].size) for j in placed if it.overlaps(items[j])
            )
            off = fit(it, busy, best_fit=False)
            end = max(top, off + it.size)
            if end >= found[0].peak:
                continue
            offsets[i] = off
            placed.append(i)
            rest = remaining[:rank] + remaining[rank + 1 :]
            done = dfs(rest, end, discrepancies - (1 if rank else 0))
            placed.pop()
            if done:
                return True
        return False

    for k in range(1, len(pref)):
        if dfs(pref, 0, k) or steps[0] >= budget:
            break
    return found[0]


def best_placement(
    items: list[Interval],
    n: int,
    bound: int,
    restarts: int = 64,
    seed: int = 0,
    search_budget: int = 0,
) -> Placement:
    """The lowest-peak placement among the heuristics, then, while above `bound` (nothing can
    be lower), `restarts` seeded random size orders and a `search_placement` of
    `search_budget` item placements."""
    best: Placement | None = None
    best_order: list[int] = []
    breadth = _breadth(items, n)
    for name, h in HEURISTICS.items():
        order, bf = h(items, breadth)
        offs = place(items, order, bf)
        p = peak(items, offs)
        if best is None or p < best.peak:
            best, best_order = Placement(offs, p, name), order
        if p <= bound:
            return best
    assert best is not None
    rng = random.Random(seed)
    for r in range(restarts):
        noisy = [it.size * rng.uniform(0.6, 1.4) for it in items]
        order = sorted(range(len(items)), key=lambda i: -noisy[i])
        offs = place(items, order, best_fit=bool(r % 2))
        p = peak(items, offs)
        if p < best.peak:
            best, best_order = Placement(offs, p, f"random-{r}"), order
            if p <= bound:
                return best
    if search_budget > 0:
        best = search_placement(items, bound, best, best_order, search_budget)
    return best
