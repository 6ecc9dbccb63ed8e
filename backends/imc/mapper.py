"""The mapping search of `imc-map-tiles`: every legal mapping of a layer, the best one under the
cost model (`cost.py`), and the completion of a user's forced mapping.

Search space: `stripes x chains x parallel <= tiles_per_cluster`, `copies` from 1 to
`min(columns_per_tile // w_slices, out_w)` (1 for dense layers: beyond that a kernel's
slices and copies no longer fit the columns of a tile, or copies would compute columns past the
row), `depth_splits` from the fewest blocks a chain of `chains` tiles holds
(`ceil(kernel_rows / (chains * rows_per_tile))`) up to `kernel_rows` (1 for depthwise layers),
and `cluster_stripes x cluster_rounds <= clusters`; `geometry()` decides legality.

Objectives and the deterministic tie-break (`sort_key`): `cycles` orders by
(cycles_all_clusters, energy_j, clusters, tiles, depth_splits, copies, stripes, chains, parallel,
cluster_stripes, cluster_rounds); `energy` by (energy_j, cycles_all_clusters, clusters, tiles,
...the same). Fewer clusters, then fewer tiles, then fewer depth blocks, then the smaller fields
win a tie.

Evaluation. `evaluate_candidates` computes the cost model in closed form on NumPy arrays, in two
levels: once per (chains, parallel, copies) a `geometry()` call gives the rounds, the kernels
and columns of the first (full) and last round and the window's rows (`_Base`); the figures of
each depth split follow from those in closed form (`_level1`: blocks of
`u = ceil(kernel_rows / depth_splits)` rows and a last block of `kernel_rows - (D - 1) * u`);
then the cluster split over (stripes, cluster_stripes, cluster_rounds) (`_evaluate`):

* cluster 0 (stripe block 0, round block 0) is the slowest: it holds the first
  `rpc = ceil(rounds / cluster_rounds)` rounds, all full when `rpc < rounds` (only the last round
  may hold fewer kernels, and it is in cluster 0's block only when `cluster_rounds = 1`), and
  stripes 0 .. stripes-1, the tallest (`stripe_rows = ceil(out_h / total_stripes)` rows each,
  `min(stripes * stripe_rows, out_h)` in all: the most partial sums of any cluster);
  so `cycles = loads + rpc * compute(stripe_rows) + partial-sum traffic` of rounds 0 .. rpc-1;
* the non-empty stripes are `ceil(out_h / stripe_rows)`; a stripe block holds
  `min(stripes, that)` of them in cluster 0;
* bytes, cells and useful bits sum over rounds as `(rounds - 1) * full + last`, over depth
  blocks as `(D - 1) * full block + last block`.

The closed form is exact for cycles (integers); energies agree with `layer_cost` to rounding,
so every candidate within a relative 1e-9 of the best is re-evaluated with `layer_cost` and the
exact key decides. `tests/test_imc_cost.py` checks the closed form against `layer_cost` for
every candidate and the choice against a brute-force search over every depth split.

Depth splits: exhaustive, with a bound. Every (chains, parallel, copies) is evaluated at its
fewest depth blocks `D_min`. More blocks are rarely better (each adds a pipeline fill, a
partial-sum spill and reload of every output of the round, and a weight-load rounding), but
they can be: the rounding of a block's stream time (`ceil(rows * bits / 32)`) and of its bytes
can favour a finer cut. So instead of a fixed cap, the search bounds every larger `D` from below
(`_depth_bound`), per candidate (chains, parallel, copies, cluster split), by a bound that never
decreases with `D`:

    cycles(D) >= loads(1 block) + rpc * (passes * a_passes * max(D, sigma) + D * fill)
                 + (D - 1) * psum_per_boundary,
    sigma = ceil(ceil(kernel_rows / chains) * tile_a_bits / feature_bits_per_cycle)

(a block streams at least one cycle per pass, and the blocks' head tiles together hold at
least `ceil(kernel_rows / chains)` rows; the blocks' loads are at least one load of the whole
window; the partial-sum term is exact), and `energy(D) >=` the same with the compute energy
(independent of `D`: the cells are the window's rows times the columns), the weight bytes of
the window as one block, the exact partial-sum bytes and the static energy of the cycle bound. A candidate whose
bound exceeds the best value found at `D_min` (the objective's, for all clusters and for one
cluster) is worse than that mapping, and so are all its larger `D`; the other depth splits are
evaluated exactly. The result is the optimum over every depth split, as brute force finds it,
at the cost of the few `D` the bound cannot rule out (about 20 of 10-20 thousand candidates
for the deep VGG16-style layers: README.md "Mapper").
"""

from __future__ import annotations

import json
import math
from dataclasses import astuple, dataclass, fields

import numpy as np

from edgeai.backends.imc.cost import LayerCost, layer_cost, stream_cycles
from edgeai.backends.imc.mapping import LayerShape, Mapping, MappingError, geometry
from edgeai.backends.imc.target import ImcTarget

__all__ = [
    "FIELDS",
    "OBJECTIVES",
    "best_mapping",
    "candidate_mappings",
    "check_forced",
    "copies_bound",
    "depth_splits_range",
    "evaluate_candidates",
    "sort_key",
]

#: the fields of a Mapping, in order
FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Mapping))
OBJECTIVES = ("cycles", "energy")
#: relative energy window re-evaluated exactly (float rounding of the closed form is ~1e-16)
_REL_TOL = 1e-9
#: the split fields of the second level
_SPLIT = ("stripes", "cluster_stripes", "cluster_rounds")


def copies_bound(shape: LayerShape, target: ImcTarget) -> int:
    """Largest `copies` worth trying: `min(columns_per_tile // w_slices, out_w)`; 1 for dense."""
    if shape.kind == "dense":
        return 1
    w_slices = math.ceil(shape.w_bits / target.tile_max_bits)
    return max(1, min(target.columns_per_tile // w_slices, shape.out_w))


def _kernel_rows(shape: LayerShape, copies: int) -> int:
    """Rows of one kernel window with `copies` copies (`Geometry.kernel_rows`)."""
    if shape.kind == "dense":
        return shape.in_c
    window_w = shape.kw + (copies - 1) * shape.stride_w
    return shape.kh * window_w * (1 if shape.kind == "depthwise" else shape.in_c)


def depth_splits_range(shape: LayerShape, target: ImcTarget, chains: int, copies: int = 1) -> range:
    """The depth splits to try for a chain of `chains` tiles: from the fewest blocks it holds,
    `ceil(kernel_rows / (chains * rows_per_tile))`, to `kernel_rows` (depthwise: 1 only).
    `geometry()` refuses the values whose last block would be empty or whose blocks have fewer
    rows than `chains`."""
    if shape.kind == "depthwise":
        return range(1, 2)
    rows = _kernel_rows(shape, copies)
    rpt = target.rows_per_tile(min(shape.w_bits, target.tile_max_bits))
    return range(max(1, math.ceil(rows / (chains * rpt))), rows + 1)


def _cluster_limit(target: ImcTarget, clusters: str | int) -> int:
    if clusters == "all":
        return target.clusters
    if isinstance(clusters, int) and not isinstance(clusters, bool) and clusters >= 1:
        return min(clusters, target.clusters)
    raise ValueError(f"clusters must be 'all' or a positive integer, got {clusters!r}")


def _ranges(
    shape: LayerShape, target: ImcTarget, fixed: dict[str, int], limit: int
) -> dict[str, range]:
    t = target
    r = {
        "stripes": range(1, t.tiles_per_cluster + 1),
        "chains": range(1, t.tiles_per_cluster + 1),
        "parallel": range(1, t.tiles_per_cluster + 1),
        "copies": range(1, copies_bound(shape, t) + 1),
        "cluster_stripes": range(1, limit + 1),
        "cluster_rounds": range(1, limit + 1),
    }
    for k, v in fixed.items():
        if k != "depth_splits":
            r[k] = range(v, v + 1)
    return r


def _depths(
    shape: LayerShape, target: ImcTarget, chains: int, copies: int, fixed: dict[str, int]
) -> range:
    if "depth_splits" in fixed:
        return range(fixed["depth_splits"], fixed["depth_splits"] + 1)
    return depth_splits_range(shape, target, chains, copies)


def candidate_mappings(
    shape: LayerShape,
    target: ImcTarget,
    clusters: str | int = "all",
    fixed: dict[str, int] | None = None,
) -> list[Mapping]:
    """Every legal mapping of `shape` (`geometry()` accepts it), in field order.

    `clusters`: "all" or the most clusters to use (1: single cluster); `fixed`: fields forced
    to a value. The reference enumeration (one `geometry()` call per combination, every depth
    split: slow for deep kernels); the mapper evaluates the same set faster
    (`evaluate_candidates`).
    """
    fixed = fixed or {}
    limit = _cluster_limit(target, clusters)
    r = _ranges(shape, target, fixed, limit)
    t = target
    out = []
    for c in r["chains"]:
        for p in r["parallel"]:
            if c * p > t.tiles_per_cluster:
                continue
            for k in r["copies"]:
                for d in _depths(shape, t, c, k, fixed):
                    try:
                        geometry(shape, Mapping(1, c, p, k, 1, 1, d), t)
                    except MappingError:
                        continue  # stripes and cluster splits only add constraints
                    for s in r["stripes"]:
                        for cs in r["cluster_stripes"]:
                            for cr in r["cluster_rounds"]:
                                if cs * cr > limit:
                                    continue
                                m = Mapping(s, c, p, k, cs, cr, d)
                                try:
                                    geometry(shape, m, t)
                                except MappingError:
                                    continue
                                out.append(m)
    return sorted(out, key=astuple)


# ---------------------------------------------------------------------------------------------
# level 1: one geometry per (chains, parallel, copies), the depth splits in closed form


@dataclass(frozen=True)
class _Base:
    """What a (chains, parallel, copies) arrangement fixes, whatever its depth split."""

    chains: int
    parallel: int
    copies: int
    #: the depth split geometry() was called with (the fewest blocks, or the forced value)
    depth: int
    kernel_rows: int
    rounds: int
    #: kernels of the first (full) and the last round
    kernels_full: int
    kernels_last: int
    #: columns of each parallel group in the first and the last round
    cols_full: tuple[int, ...]
    cols_last: tuple[int, ...]
    useful_full: int
    useful_last: int
    #: cells per pass (all blocks) of the first and the last round
    cells_full: int
    cells_last: int
    passes_per_row: int
    bits: int
    #: depthwise: the stream cycles and the bytes of the first and last round (one block)
    dw_stream: int
    dw_bytes_full: int
    dw_bytes_last: int


def _bases(
    shape: LayerShape, target: ImcTarget, r: dict[str, range], fixed: dict[str, int]
) -> list[_Base]:
    """A `_Base` for every legal one-stripe, one-cluster (chains, parallel, copies), taken at
    its fewest depth blocks (or the forced `depth_splits`)."""
    t = target
    out = []
    for c in r["chains"]:
        for p in r["parallel"]:
            if c * p > t.tiles_per_cluster:
                continue
            for k in r["copies"]:
                ds = _depths(shape, t, c, k, fixed)
                if not ds:
                    continue
                try:
                    g = geometry(shape, Mapping(1, c, p, k, 1, 1, ds[0]), t)
                except MappingError:
                    continue  # at its fewest blocks a chain holds the most rows: none fit
                n = g.kernel_rounds
                per = g.w_slices * k
                kf = [len(g.kernels_of(0, q)) for q in range(p)]
                kl = [len(g.kernels_of(n - 1, q)) for q in range(p)]
                dw = shape.kind == "depthwise"
                # rows of a chain with x kernels (all blocks): depthwise x slots, else the window
                kr = g.kernel_rows

                def rows(x: int, kr: int = kr, dw: bool = dw) -> int:
                    return x * kr if dw else kr

                def nbytes(ks: list[int], rows=rows, per: int = per, twb: int = g.tile_w_bits):
                    return sum(-(-rows(x) * x * per * twb // 8) for x in ks if x)

                useful = k * g.w_slices * shape.depth * g.tile_w_bits
                out.append(
                    _Base(
                        chains=c,
                        parallel=p,
                        copies=k,
                        depth=ds[0],
                        kernel_rows=kr,
                        rounds=n,
                        kernels_full=sum(kf),
                        kernels_last=sum(kl),
                        cols_full=tuple(x * per for x in kf),
                        cols_last=tuple(x * per for x in kl),
                        useful_full=sum(kf) * useful,
                        useful_last=sum(kl) * useful,
                        cells_full=sum(rows(x) * x * per for x in kf),
                        cells_last=sum(rows(x) * x * per for x in kl),
                        passes_per_row=g.passes_per_row,
                        bits=max(g.tile_w_bits, g.tile_a_bits),
                        dw_stream=stream_cycles(g, t) if dw else 0,
                        dw_bytes_full=nbytes(kf) if dw else 0,
                        dw_bytes_last=nbytes(kl) if dw else 0,
                    )
                )
    return out


def _cdiv(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    return -(-a // b)


def _base_arrays(bases: list[_Base], width: int) -> dict[str, np.ndarray]:
    """The `_Base` fields as arrays (column lists padded with 0 to `width` groups)."""
    out = {}
    for f in fields(_Base):
        if f.name in ("cols_full", "cols_last"):
            a = np.zeros((len(bases), width), np.int64)
            for i, b in enumerate(bases):
                a[i, : len(getattr(b, f.name))] = getattr(b, f.name)
            out[f.name] = a
        else:
            out[f.name] = np.array([getattr(b, f.name) for b in bases], np.int64)
    return out


def _level1(
    shape: LayerShape,
    target: ImcTarget,
    base: dict[str, np.ndarray],
    idx: np.ndarray,
    d: np.ndarray,
) -> dict[str, np.ndarray]:
    """The figures of bases `idx` at depth splits `d` (arrays of one length): `D - 1` blocks of
    `u = ceil(kernel_rows / D)` rows and a last one of `kernel_rows - (D - 1) * u`."""
    t = target
    twb = min(shape.w_bits, t.tile_max_bits)
    tab = min(shape.a_bits, t.tile_max_bits)
    a_passes = math.ceil(shape.a_bits / t.tile_max_bits)
    fb = t.feature_bits_per_cycle
    b = {k: v[idx] for k, v in base.items()}
    kr, c = b["kernel_rows"], b["chains"]
    u = _cdiv(kr, d)
    last = kr - (d - 1) * u
    rpct = _cdiv(u, c)
    s_full = a_passes * _cdiv(rpct * tab, fb)
    s_last = a_passes * _cdiv(np.minimum(rpct, last) * tab, fb)

    def nbytes(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return _cdiv(rows[:, None] * cols * twb, 8).sum(axis=1)

    dw = shape.kind == "depthwise"
    zero = np.zeros_like(d)
    bff = zero if dw else nbytes(u, b["cols_full"])
    bfl = b["dw_bytes_full"] if dw else nbytes(last, b["cols_full"])
    blf = zero if dw else nbytes(u, b["cols_last"])
    bll = b["dw_bytes_last"] if dw else nbytes(last, b["cols_last"])
    n = b["rounds"]
    return {
        **{k: b[k] for k in ("chains", "parallel", "copies", "rounds", "passes_per_row", "bits")},
        "base": idx,
        "depth_splits": d,
        "kernels_full": b["kernels_full"],
        "kernels_last": b["kernels_last"],
        "stream": b["dw_stream"] if dw else (d - 1) * s_full + s_last,
        "bff": bff,
        "bfl": bfl,
        "blf": blf,
        "bll": bll,
        "sum_bytes": (n - 1) * ((d - 1) * bff + bfl) + (d - 1) * blf + bll,
        "useful": (n - 1) * b["useful_full"] + b["useful_last"],
        "cells": (n - 1) * b["cells_full"] + b["cells_last"],
        # bytes of the whole window as one block (a lower bound of any split's bytes)
        "b1_full": nbytes(kr, b["cols_full"]) if not dw else bfl,
        "b1_last": nbytes(kr, b["cols_last"]) if not dw else bll,
        # sigma: stream cycles per feature pass of the window's rows over the chain, at least
        "sigma": _cdiv(_cdiv(kr, c) * tab, fb),
    }


# ---------------------------------------------------------------------------------------------
# level 2: the cluster split, in closed form


def _splits(shape: LayerShape, r: dict[str, range], limit: int) -> np.ndarray:
    return np.array(
        [
            (s, cs, cr)
            for s in r["stripes"]
            for cs in r["cluster_stripes"]
            for cr in r["cluster_rounds"]
            if cs * cr <= limit and s * cs <= shape.out_h
        ],
        np.int64,
    ).reshape(-1, 3)


def _cross(target: ImcTarget, l1: dict[str, np.ndarray], split: np.ndarray) -> dict:
    """Every (level-1 row, split) pair that fits: the rows' fields indexed, plus the split."""
    t = target
    n1 = len(l1["chains"])
    i1, i2 = np.meshgrid(np.arange(n1), np.arange(len(split)), indexing="ij")
    i1, i2 = i1.ravel(), i2.ravel()
    s, cs, cr = split[i2, 0], split[i2, 1], split[i2, 2]
    keep = (s * l1["chains"][i1] * l1["parallel"][i1] <= t.tiles_per_cluster) & (
        cr <= l1["rounds"][i1]
    )
    i1 = i1[keep]
    x = {k: v[i1] for k, v in l1.items()}
    x.update(stripes=s[keep], cluster_stripes=cs[keep], cluster_rounds=cr[keep], row=i1)
    return x


def _shared(shape: LayerShape, target: ImcTarget, x: dict) -> dict[str, np.ndarray]:
    """Figures of a candidate that do not depend on its depth split's rounding."""
    t = target
    h = shape.out_h
    s, cs, cr, rounds = x["stripes"], x["cluster_stripes"], x["cluster_rounds"], x["rounds"]
    stripe_rows = _cdiv(h, s * cs)
    nonempty = _cdiv(h, stripe_rows)
    rpc = _cdiv(rounds, cr)
    replicas = np.ones_like(s) if t.weight_broadcast else np.minimum(s, nonempty)
    rows0 = np.minimum(s * stripe_rows, h)  # output rows of cluster 0's stripes
    psum_unit = 8 * t.psum_bytes_per_cycle
    pf = _cdiv(2 * rows0 * shape.out_w * x["kernels_full"] * t.psum_bits, psum_unit)
    pl = _cdiv(2 * rows0 * shape.out_w * x["kernels_last"] * t.psum_bits, psum_unit)
    all_full = rpc < rounds
    return {
        "stripe_rows": stripe_rows,
        "nonempty": nonempty,
        "rpc": rpc,
        "replicas": replicas,
        "all_full": all_full,
        # partial-sum cycles of one boundary over cluster 0's rounds
        "psum_boundary": np.where(all_full, rpc * pf, (rounds - 1) * pf + pl),
        "fill": (x["chains"] - 1) * t.chain_hop_cycles + t.output_pipeline_cycles,
        "passes": stripe_rows * x["passes_per_row"],
        "clusters": cs * cr,
        "tpw": _tops_per_w(t, x["bits"]),
        "a_passes": math.ceil(shape.a_bits / t.tile_max_bits),
    }


def _tops_per_w(target: ImcTarget, bits: np.ndarray) -> np.ndarray:
    out = np.empty(len(bits), np.float64)
    for b in np.unique(bits):
        out[bits == b] = target.tops_per_w(int(b))
    return out


def _evaluate(shape: LayerShape, target: ImcTarget, x: dict) -> dict[str, np.ndarray]:
    """Cycles, energy, utilization and bytes of the candidates `x` (module docstring)."""
    t = target
    y = _shared(shape, t, x)
    d, rounds, rpc, rep = x["depth_splits"], x["rounds"], y["rpc"], y["replicas"]
    bw = t.weight_load_bytes_per_cycle
    load_full = (d - 1) * _cdiv(x["bff"] * rep, bw) + _cdiv(x["bfl"] * rep, bw)
    load_last = (d - 1) * _cdiv(x["blf"] * rep, bw) + _cdiv(x["bll"] * rep, bw)
    loads = np.where(y["all_full"], rpc * load_full, (rounds - 1) * load_full + load_last)
    compute = y["passes"] * x["stream"] + d * y["fill"]
    cycles = loads + rpc * compute + (d - 1) * y["psum_boundary"]
    if t.weight_broadcast:
        bytes_loaded = x["sum_bytes"]
    else:
        bytes_loaded = x["sum_bytes"] * y["nonempty"]
    outputs = shape.out_h * shape.out_w * shape.out_c
    psum_bytes = _cdiv(2 * (d - 1) * outputs * t.psum_bits, 8)
    cell_macs = y["a_passes"] * shape.out_h * x["passes_per_row"] * x["cells"]
    e_compute = 2 * cell_macs / (y["tpw"] * 1e12)
    e_load = bytes_loaded * t.weight_load_pj_per_byte * 1e-12
    e_psum = psum_bytes * t.psum_pj_per_byte * 1e-12
    e_static = y["clusters"] * t.static_mw_per_cluster * 1e-3 * cycles / t.clock_hz
    utilization = (x["useful"] * y["nonempty"]) / (
        y["clusters"] * rpc * d * t.tiles_per_cluster * t.tile_bits
    )
    return {
        **{f: x[f] for f in FIELDS},
        "cycles": cycles,
        "bytes_loaded": bytes_loaded,
        "psum_bytes": psum_bytes,
        "energy": e_compute + e_load + e_psum + e_static,
        "utilization": utilization,
    }


def _depth_bound(
    shape: LayerShape, target: ImcTarget, x: dict, objective: str, threshold: np.ndarray
) -> np.ndarray:
    """The largest depth split whose lower bound (module docstring) is at most `threshold`,
    per candidate `x` (+1 against float rounding; `inf` when the bound does not grow)."""
    t = target
    y = _shared(shape, t, x)
    rounds, rpc, rep = x["rounds"], y["rpc"], y["replicas"]
    bw = t.weight_load_bytes_per_cycle
    lf, ll = _cdiv(x["b1_full"] * rep, bw), _cdiv(x["b1_last"] * rep, bw)
    a = np.where(y["all_full"], rpc * lf, (rounds - 1) * lf + ll).astype(np.float64)
    b = (rpc * y["passes"] * y["a_passes"]).astype(np.float64)
    c = (rpc * y["fill"]).astype(np.float64)
    e = y["psum_boundary"].astype(np.float64)
    if objective == "energy":
        st = y["clusters"] * t.static_mw_per_cluster * 1e-3 / t.clock_hz
        b1 = x["b1_full"] * (rounds - 1) + x["b1_last"]
        bytes_lb = b1 if t.weight_broadcast else b1 * y["nonempty"]
        cell_macs = y["a_passes"] * shape.out_h * x["passes_per_row"] * x["cells"]
        outputs = shape.out_h * shape.out_w * shape.out_c
        a = (
            2 * cell_macs / (y["tpw"] * 1e12)
            + bytes_lb * t.weight_load_pj_per_byte * 1e-12
            + st * a
        )
        b, c = st * b, st * c
        e = st * e + outputs * t.psum_bits / 4 * t.psum_pj_per_byte * 1e-12
    sigma = x["sigma"].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        at_sigma = a + b * sigma + c * sigma + e * (sigma - 1)
        above = np.where(b + c + e > 0, (threshold - a + e) / (b + c + e), np.inf)
        below = np.where(c + e > 0, (threshold - a - b * sigma + e) / (c + e), 0.0)
    bound = np.where(at_sigma <= threshold, above, np.minimum(below, sigma))
    return np.floor(np.nan_to_num(bound, nan=0.0, posinf=np.inf)) + 1


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _search(
    shape: LayerShape,
    target: ImcTarget,
    clusters: str | int,
    fixed: dict[str, int],
    objective: str | None,
) -> dict[str, np.ndarray]:
    t = target
    limit = _cluster_limit(t, clusters)
    r = _ranges(shape, t, fixed, limit)
    split = _splits(shape, r, limit)
    bases = _bases(shape, t, r, fixed)
    keys = (*FIELDS, "cycles", "bytes_loaded", "psum_bytes")
    empty = {k: np.zeros(0, np.int64) for k in keys}
    empty |= {"energy": np.zeros(0), "utilization": np.zeros(0)}
    if not bases or not len(split):
        return empty
    base = _base_arrays(bases, t.tiles_per_cluster)
    idx = np.arange(len(bases))
    x0 = _cross(t, _level1(shape, t, base, idx, base["depth"]), split)
    ev = _evaluate(shape, t, x0)
    if "depth_splits" in fixed or shape.kind == "depthwise" or not len(ev["cycles"]):
        return ev
    # the larger depth splits each base may need
    cap = base["kernel_rows"].astype(np.float64)
    if objective is not None:
        value = ev["cycles"] if objective == "cycles" else ev["energy"]
        single = (x0["cluster_stripes"] == 1) & (x0["cluster_rounds"] == 1)
        best_all = float(value.min())
        best_one = float(value[single].min()) if single.any() else best_all
        slack = 1 + _REL_TOL if objective == "energy" else 1.0
        threshold = np.where(single, best_one, best_all) * slack
        # the bound of the next depth split is the smallest; one base, its largest over splits
        bound = _depth_bound(shape, t, x0, objective, threshold)
        cap = np.zeros(len(bases))
        np.maximum.at(cap, x0["base"], bound)
        cap = np.minimum(cap, base["kernel_rows"])
    pairs_i, pairs_d = [], []
    for i in np.nonzero(cap > base["depth"])[0]:
        ds = np.arange(base["depth"][i] + 1, int(cap[i]) + 1, dtype=np.int64)
        u = _cdiv(base["kernel_rows"][i], ds)
        ok = ((ds - 1) * u < base["kernel_rows"][i]) & (u >= base["chains"][i])
        pairs_i.append(np.full(int(ok.sum()), i, np.int64))
        pairs_d.append(ds[ok])
    if not pairs_i or not sum(len(p) for p in pairs_i):
        return ev
    x1 = _cross(t, _level1(shape, t, base, np.concatenate(pairs_i), np.concatenate(pairs_d)), split)
    return _concat([ev, _evaluate(shape, t, x1)])


def evaluate_candidates(
    shape: LayerShape,
    target: ImcTarget,
    clusters: str | int = "all",
    fixed: dict[str, int] | None = None,
    objective: str | None = None,
) -> dict[str, np.ndarray]:
    """Candidates with their cycles, energy and utilization, as arrays (one entry per
    candidate; keys: the Mapping fields, `cycles`, `energy`, `utilization`, `bytes_loaded`,
    `psum_bytes`).

    Without `objective`: every legal candidate, every depth split (slow for deep kernels).
    With one: the candidates the depth bound (module docstring) cannot rule out as worse than
    the best at the fewest depth blocks under that objective — a subset that holds the optimum
    for all clusters and for one cluster. The closed form of `layer_cost`; exact for the
    integer figures, to float rounding for the others.
    """
    if objective is not None and objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    return _search(shape, target, clusters, dict(fixed or {}), objective)


def _chain_for_reason(shape: LayerShape, target: ImcTarget, fixed: dict[str, int]) -> dict:
    """The smallest mapping with a chain that holds the kernel window (capped by the free
    tiles) and the fewest depth blocks it needs, under `fixed`: with it, `geometry()` names the
    limit that really fails (a forced field, or a depthwise window deeper than a cluster)."""
    t = target
    copies = fixed.get("copies", 1)
    rows = _kernel_rows(shape, copies)
    rpt = t.rows_per_tile(min(shape.w_bits, t.tile_max_bits))
    need = math.ceil(rows / rpt)
    free = t.tiles_per_cluster // (fixed.get("stripes", 1) * fixed.get("parallel", 1))
    chains = fixed.get("chains", max(1, min(need, free)))
    depth = 1 if shape.kind == "depthwise" else max(1, math.ceil(rows / (chains * rpt)))
    return {f: 1 for f in FIELDS} | {"chains": chains, "depth_splits": depth} | fixed


def sort_key(cost: LayerCost, objective: str = "cycles") -> tuple:
    """The mapper's total order: the objective, the other figure, then fewer clusters, fewer
    tiles, fewer depth splits, then the fields (copies, stripes, chains, parallel,
    cluster_stripes, cluster_rounds)."""
    m = cost.mapping
    rest = (m.clusters, m.tiles, m.depth_splits, m.copies, m.stripes, m.chains, m.parallel)
    rest += (m.cluster_stripes, m.cluster_rounds)
    if objective == "cycles":
        return (cost.cycles_all_clusters, cost.energy_j, *rest)
    if objective == "energy":
        return (cost.energy_j, cost.cycles_all_clusters, *rest)
    raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")


def _pick(
    shape: LayerShape,
    target: ImcTarget,
    ev: dict[str, np.ndarray],
    objective: str,
    select: np.ndarray,
) -> LayerCost | None:
    """The best candidate among `select` (a mask over `ev`), decided by exact `layer_cost`."""
    idx = np.nonzero(select)[0]
    if idx.size == 0:
        return None
    cyc, en = ev["cycles"][idx], ev["energy"][idx]
    if objective == "cycles":
        near = cyc == cyc.min()
        near &= en <= en[near].min() * (1 + _REL_TOL)
    else:
        near = en <= en.min() * (1 + _REL_TOL)
    best = None
    for i in idx[near]:
        m = Mapping(**{f: int(ev[f][i]) for f in FIELDS})
        cost = layer_cost(shape, m, target, m.single_cluster())
        if best is None or sort_key(cost, objective) < sort_key(best, objective):
            best = cost
    return best


def best_mapping(
    shape: LayerShape,
    target: ImcTarget,
    objective: str = "cycles",
    clusters: str | int = "all",
    fixed: dict[str, int] | None = None,
) -> tuple[Mapping, LayerCost]:
    """The best legal mapping of `shape` under `objective` ("cycles" or "energy"), on all
    clusters or at most `clusters` (1: one cluster), with the fields in `fixed` forced.

    Its `LayerCost.cycles_1cluster` is measured on the best single-cluster mapping (the same
    objective and forced fields). `MappingError` (naming the layer and the limit) when nothing
    fits.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    fixed = dict(fixed or {})
    ev = evaluate_candidates(shape, target, clusters, fixed, objective)
    everything = np.ones(ev["cycles"].shape, bool)
    best = _pick(shape, target, ev, objective, everything)
    if best is None:
        # the reason: geometry's complaint about the smallest mapping with a long enough chain
        geometry(shape, Mapping(**_chain_for_reason(shape, target, fixed)), target)
        raise MappingError(f"layer '{shape.name}': no legal mapping under {json.dumps(fixed)}")
    one = (ev["cluster_stripes"] == 1) & (ev["cluster_rounds"] == 1)
    single = _pick(shape, target, ev, objective, one)
    if single is None or single.mapping == best.mapping:
        return best.mapping, best
    return best.mapping, layer_cost(shape, best.mapping, target, single.mapping)


def check_forced(
    shape: LayerShape,
    mapping: object,
    target: ImcTarget,
    objective: str = "cycles",
    clusters: str | int = "all",
) -> tuple[Mapping, LayerCost]:
    """Validate a user's forced mapping `{"stripes": s, "chains": c, "parallel": p, ...}` for
    layer `shape.name` and complete the missing fields with the mapper's choice under it.

    Keys: the Mapping fields; values: positive integers; `stripes x chains x parallel <=
    tiles_per_cluster` and `cluster_stripes x cluster_rounds <= clusters`; the result must fit
    (`geometry()`). Every violation is a one-line `MappingError` naming the layer and the limit.
    """
    name = shape.name
    t = target
    if not isinstance(mapping, dict):
        raise MappingError(
            f"layer '{name}': a forced mapping is an object like "
            f'{{"stripes": 1, "chains": 2, "parallel": 4}}, got {json.dumps(mapping)[:40]}'
        )
    for k, v in mapping.items():
        if k not in FIELDS:
            raise MappingError(
                f"layer '{name}': unknown key '{k}' in the forced mapping "
                f"(keys: {', '.join(FIELDS)})"
            )
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise MappingError(
                f"layer '{name}': forced '{k}' must be a positive integer, got {json.dumps(v)[:40]}"
            )
    forced = dict(mapping)
    tiles = [forced.get(k, 1) for k in ("stripes", "chains", "parallel")]
    if math.prod(tiles) > t.tiles_per_cluster:
        raise MappingError(
            f"layer '{name}': forced stripes x chains x parallel = "
            f"{'x'.join(map(str, tiles))} = {math.prod(tiles)} tiles "
            f"> {t.tiles_per_cluster} per cluster"
        )
    limit = _cluster_limit(t, clusters)
    split = [forced.get(k, 1) for k in ("cluster_stripes", "cluster_rounds")]
    if math.prod(split) > limit:
        raise MappingError(
            f"layer '{name}': forced cluster_stripes x cluster_rounds = "
            f"{'x'.join(map(str, split))} = {math.prod(split)} clusters > {limit} available"
        )
    try:
        return best_mapping(shape, t, objective, clusters, forced)
    except MappingError as e:
        raise MappingError(f"{e} (forced mapping {json.dumps(forced)})") from None
