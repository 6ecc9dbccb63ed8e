"""Execution orders (topological orders of the steps) that lower the live bytes.

Candidates: the program order; depth-first post-orders from the sinks (operands in order and
reversed); a greedy list schedule that runs, among the ready steps, the one that leaves the
fewest live bytes; and a best-first search over the sets of executed steps: the bytes live
while a step runs depend only on which steps ran before it, so a dynamic program over those
sets, keeping for each the smallest peak so far, finds the order of minimum peak. It is exact
while every layer of the search (the sets of k executed steps) holds at most `width` sets;
wider layers keep the `width` best (smallest peak, then fewest live bytes), a beam search, so
the work is bounded by about n * width * (steps + buffers) in every case. The costs count the
in-place saving of an element-wise step whose input dies there, when allowed. They ignore
alignment and fragmentation: the planner places every candidate and keeps the best.
"""

from __future__ import annotations

from edgeai.transforms.memplan.inplace import in_place_operands, may_share
from edgeai.transforms.memplan.model import Program


class LiveModel:
    """Bit-mask view of a program for fast cost evaluation of partial schedules."""

    def __init__(self, prog: Program, io_in_arena: bool, in_place: bool):
        self.n = len(prog.steps)
        nb = len(prog.buffers)
        self.size = [b.size if (not b.is_arg or io_in_arena) else 0 for b in prog.buffers]
        self.pre = [io_in_arena and b.kind == "input" for b in prog.buffers]
        self.post = [(io_in_arena and b.kind == "output") or b.escapes for b in prog.buffers]
        self.tmask = [0] * nb
        for k, bs in enumerate(prog.touch):
            for b in bs:
                self.tmask[b] |= 1 << k
        self.touch = prog.touch
        self.preds = [sum(1 << p for p in ps) for ps in prog.predecessors()]
        self.pairs: list[list[tuple[int, int]]] = [[] for _ in range(self.n)]
        if in_place:
            for k, op in enumerate(prog.steps):
                y = prog.buffer(op.operands[-1]) if op.operands else None
                for i in in_place_operands(op):
                    x = prog.buffer(op.operands[i])
                    if x is None or y is None or x == y:
                        continue
                    bx, by = prog.buffers[x], prog.buffers[y]
                    if bx.kind == "output" or bx.escapes or by.kind == "input":
                        continue
                    if may_share({bx.kind}, {by.kind}, io_in_arena):
                        self.pairs[k].append((x, y))
        self.used = [b for b in range(nb) if self.size[b] and (self.tmask[b] or self.pre[b])]

    def live_between(self, done: int) -> tuple[int, set[int]]:
        """(bytes, buffers) live between steps once the steps in `done` have run."""
        live = {
            b
            for b in self.used
            if (self.tmask[b] & done or self.pre[b]) and (self.tmask[b] & ~done or self.post[b])
        }
        return sum(self.size[b] for b in live), live

    def step_cost(self, done: int, k: int, live_bytes: int, live: set[int]) -> tuple[int, int]:
        """(bytes live while step k runs, bytes live after it) given the steps `done`."""
        after_done = done | (1 << k)
        born = sum(self.size[b] for b in self.touch[k] if b not in live)
        during = live_bytes + born
        freed = sum(
            self.size[b]
            for b in self.touch[k]
            if not (self.tmask[b] & ~after_done) and not self.post[b]
        )
        for x, y in self.pairs[k]:
            dies = not (self.tmask[x] & ~after_done) and not self.post[x]
            fresh = not (self.tmask[y] & done) and not self.pre[y]
            if dies and fresh and self.size[x] and self.size[y]:
                during -= min(self.size[x], self.size[y])
                break
        return during, during - freed

    def ready(self, done: int) -> list[int]:
        """Steps not yet run whose predecessors all ran."""
        return [k for k in range(self.n) if not done >> k & 1 and self.preds[k] & ~done == 0]

    def peak_of(self, order: list[int]) -> int:
        """The largest `step_cost` along a complete order."""
        done, best = 0, 0
        for k in order:
            lb, live = self.live_between(done)
            best = max(best, self.step_cost(done, k, lb, live)[0])
            done |= 1 << k
        return best


def is_topological(lm: LiveModel, order: list[int]) -> bool:
    """Whether `order` runs every step once, each after its predecessors."""
    done = 0
    for k in order:
        if done >> k & 1 or lm.preds[k] & ~done:
            return False
        done |= 1 << k
    return done == (1 << lm.n) - 1


def greedy_order(lm: LiveModel) -> list[int]:
    """Run, among the ready steps, the one leaving the fewest live bytes (then the lowest
    during-step bytes, then program order)."""
    done, order = 0, []
    for _ in range(lm.n):
        lb, live = lm.live_between(done)

        costs = {k: lm.step_cost(done, k, lb, live) for k in lm.ready(done)}
        k = min(costs, key=lambda k: (costs[k][1], costs[k][0], k))
        order.append(k)
        done |= 1 << k
    return order


def dfs_orders(lm: LiveModel) -> list[list[int]]:
    """Depth-first post-orders from the sinks, visiting operands in order and reversed."""
    preds = [[p for p in range(lm.n) if lm.preds[k] >> p & 1] for k in range(lm.n)]
    has_succ = {p for ps in preds for p in ps}
    sinks = [k for k in range(lm.n) if k not in has_succ]
    out = []
    for reverse in (False, True):
        seen: set[int] = set()
        order: list[int] = []
        for s in sinks:
            if s in seen:
                continue
            seen.add(s)
            stack = [(s, iter(sorted(preds[s], reverse=reverse)))]
            while stack:
                node, it = stack[-1]
                nxt = next((p for p in it if p not in seen), None)
                if nxt is None:
                    stack.pop()
                    order.append(node)
                else:
                    seen.add(nxt)
                    stack.append((nxt, iter(sorted(preds[nxt], reverse=reverse))))
        out.append(order)
    return out


def search_order(lm: LiveModel, width: int) -> tuple[list[int], bool]:
    """(an order of smallest peak found, whether it is a proven minimum): the dynamic program
    over executed-step sets, truncated to the `width` best sets per layer (see the module
    docstring)."""
    layer: dict[int, tuple[int, int]] = {0: (0, 0)}  # done -> (peak so far, live bytes)
    back: list[dict[int, tuple[int, int]]] = []
    exact = True
    for _ in range(lm.n):
        nxt: dict[int, tuple[int, int]] = {}
        link: dict[int, tuple[int, int]] = {}
        for done, (worst, _live) in layer.items():
            lb, live = lm.live_between(done)
            for k in lm.ready(done):
                during, after = lm.step_cost(done, k, lb, live)
                cost = (max(worst, during), after)
                e = done | (1 << k)
                if e not in nxt or cost < nxt[e]:
                    nxt[e] = cost
                    link[e] = (done, k)
        if len(nxt) > width:
            exact = False
            keep = sorted(nxt, key=lambda e: nxt[e])[:width]
            nxt = {e: nxt[e] for e in keep}
        back.append(link)
        layer = nxt
    order: list[int] = []
    state = (1 << lm.n) - 1
    for link in reversed(back):
        state, k = link[state]
        order.append(k)
    return order[::-1], exact


def search_width(lm: LiveModel, budget: int) -> int:
    """The beam width that keeps `search_order` within about `budget` elementary steps."""
    per_state = lm.n + len(lm.used) + 1
    return max(8, budget // max(1, lm.n * per_state))


def candidate_orders(lm: LiveModel, budget: int = 1_500_000) -> tuple[list[list[int]], bool]:
    """(distinct candidate orders with the program order first, whether the search was exact)."""
    searched, exact = search_order(lm, search_width(lm, budget))
    cands = [list(range(lm.n)), searched, greedy_order(lm), *dfs_orders(lm)]
    out: list[list[int]] = []
    for c in cands:
        if c not in out and is_topological(lm, c):
            out.append(c)
    return out, exact
