"""Offsets for live intervals: greedy placements under several visiting orders, the best kept.

Every heuristic visits the intervals in some order and puts each at an aligned offset that does
not collide with the already placed intervals it overlaps in time: the first gap that fits
(first-fit) or the tightest one (best-fit), else above them. `tflm` is TFLite Micro's
`GreedyMemoryPlanner` (largest first, first-fit); the others are the ones of Pisarchyk & Lee,
"Efficient Memory Management for Deep Neural Net Inference" (2020). When none reaches the
lower bound, seeded random perturbations of the size order are tried (`restarts`, a fixed
count: the result is deterministic and the work bounded).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from edgeai.transforms.memplan.model import Interval, live_at, padded


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
        cur, best, best_waste = 0, None, None
        for start, end in busy:
            cand = padded(cur, it.align)
            if cand + it.size <= start:
                waste = start - cand - it.size
                if not best_fit:
                    best = cand
                    break
                if best_waste is None or waste < best_waste:
                    best, best_waste = cand, waste
            cur = max(cur, end)
        offsets[i] = best if best is not None else padded(cur, it.align)
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


def best_placement(
    items: list[Interval], n: int, bound: int, restarts: int = 64, seed: int = 0
) -> Placement:
    """The lowest-peak placement among the heuristics, then `restarts` seeded random size
    orders while above `bound` (stops at the bound: nothing can be lower)."""
    best: Placement | None = None
    breadth = _breadth(items, n)
    for name, h in HEURISTICS.items():
        order, bf = h(items, breadth)
        offs = place(items, order, bf)
        p = peak(items, offs)
        if best is None or p < best.peak:
            best = Placement(offs, p, name)
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
            best = Placement(offs, p, f"random-{r}")
            if p <= bound:
                break
    return best
