"""Cycle, energy and utilization model of a layer on the DIMC tiles, and network totals.

Everything is computed from the layer's `Geometry` (`mapping.geometry`), so what is costed is
what the simulator executes. Notation: `s` the shape, `m` the mapping, `g` its geometry, `t` the
target, `D = g.depth_splits`; `ceil(a / b)` is integer ceiling division. The formulas, per layer:

Rounds and depth blocks. Kernel round `r` puts, in each of the `m.parallel` chains of one
stripe, the kernels `g.kernels_of(r, q)` (`n` of them, `n <= g.kernels_per_chain`). A kernel
window deeper than a chain is computed in `D` depth blocks one after the other (`D = 1`: the
whole window at once); block `d` holds the window rows `g.block_rows(d)` (`g.rows_used` of
them, the last block possibly fewer). A chain of round `r` in block `d` uses
`cols = n * g.w_slices * m.copies` columns and `rows_d = len(g.block_rows(d))` rows (depthwise,
never split: `n * g.kernel_rows`, the block-diagonal slots it fills). Per round and per set of
chains (one stripe's chains):

* `block_bytes(r, d) = sum_q ceil(rows_d * cols * g.tile_w_bits / 8)` weight bytes written for
  block `d`; `chain_bytes(r) = sum_d block_bytes(r, d)`;
* `useful_bits(r) = sum_q n * m.copies * g.w_slices * s.depth * g.tile_w_bits` cells holding
  weights over all blocks (zeros of shifted copies and depthwise off-diagonal slots do not
  count);
* `cells(r) = sum_q sum_d rows_d * cols` cells one pass evaluates over all blocks
  (`g.kernel_rows * cols` per chain for a convolution or dense layer, whatever `D`).

Every round but the last holds `kernels_per_chain * parallel` kernels (full); only the last may
hold fewer.

Cycles of cluster `i`, which takes the rounds and stripes `g.cluster_share(i)`:

* `stream(d) = g.a_passes * ceil(len(g.chain_rows(0, d)) * g.tile_a_bits / t.feature_bits_per_cycle)`
  cycles per pass of block `d`: each tile of a chain has its own feature port, all tiles of the
  cluster stream at once, the head tile holds the most rows of the block (`rows_per_chain_tile`,
  fewer in a short last block), and a feature of more than `tile_max_bits` bits takes
  `a_passes` passes; `stream_cycles = sum_d stream(d)`, the cycles of one output position
  through every block;
* `passes = rows_i * g.passes_per_row` per round and block, `rows_i` the output rows of its
  largest stripe (its stripes run in parallel);
* `compute = passes * stream_cycles + D * ((m.chains - 1) * t.chain_hop_cycles +
  t.output_pipeline_cycles)` per round (the chain and output pipelines fill once per block);
* `load(r) = sum_d ceil(block_bytes(r, d) * replicas / t.weight_load_bytes_per_cycle)`, each
  block its own weight load; `replicas = 1` when `t.weight_broadcast` (the stripes' identical
  chains are written in one transfer), else the cluster's non-empty stripes;
* `psum(r) = (D - 1) * ceil(2 * O * t.psum_bits / (8 * t.psum_bytes_per_cycle))`: a round's
  `O = (sum of the output rows of the cluster's stripes) * s.out_w * kernels(r)` partial sums
  of `psum_bits` are written to the cluster's memory after every block but the last and read
  back before every block but the first, one write and one read per boundary between blocks;
* `cycles_i = sum over its rounds of (load(r) + compute + psum(r))`: loads and partial-sum
  traffic are not overlapped with compute (no double buffering). A cluster with no rounds or no
  output rows is idle (0).

`cycles_all_clusters = max_i cycles_i`; `cycles_1cluster` is the same figure for the mapping
`mapping_1cluster` (`cluster_stripes = cluster_rounds = 1`; by default `m.single_cluster()`, the
mapper passes the best single-cluster mapping). `load_cycles`, `compute_cycles` and
`psum_cycles` are those of the critical (slowest) cluster and add up to `cycles_all_clusters`.

Bytes, utilization, energy:

* `bytes_loaded`: weight bytes moved by the loaders of all clusters, a broadcast transfer counted
  once: `sum_r chain_bytes(r)` with `t.weight_broadcast`, else every non-idle cluster's
  `sum over its rounds of chain_bytes(r) * its non-empty stripes`;
* `psum_bytes = ceil(2 * (D - 1) * s.out_h * s.out_w * s.out_c * t.psum_bits / 8)`: every
  output of the layer is computed once, by one cluster, and its partial sum crosses each of the
  `D - 1` boundaries twice (spill and reload);
* `utilization = sum_i sum_{r of i} useful_bits(r) * nonempty_stripes_i
  / (m.clusters * g.rounds_per_cluster * D * t.tiles_per_cluster * t.tile_bits)`: the share of
  the cells of the clusters in use that hold weights, averaged over the (round, block) steps;
* `cell_macs = g.a_passes * s.out_h * g.passes_per_row * sum_r cells(r)`: every output row is
  computed once per round and block, by one stripe, in `passes_per_row` passes of `a_passes`
  feature slices;
* `energy_compute = 2 * cell_macs / (t.tops_per_w(max(g.tile_w_bits, g.tile_a_bits)) * 1e12)`,
  the cluster-level TOPS/W (1 op = 1 multiply or 1 add) applied to the cells the array evaluates
  (zero padding of copies and depthwise slots included: the array computes them);
* `energy_load = bytes_loaded * t.weight_load_pj_per_byte * 1e-12`;
* `energy_psum = psum_bytes * t.psum_pj_per_byte * 1e-12`;
* `energy_static = m.clusters * t.static_mw_per_cluster * 1e-3 * cycles_all_clusters / t.clock_hz`;
* `energy_j = energy_compute + energy_load + energy_psum + energy_static`.

Network totals (`network_totals`) sum the NPU layers; `inferences_per_s = t.clock_hz / cycles`,
effective `tops_per_w = 2 * macs / energy / 1e12`, and the model's own peak (`model_peak_tops`)
next to the published one. README.md ("Cost model") states the assumptions behind each term.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edgeai.backends.imc.mapping import Geometry, LayerShape, Mapping, geometry
from edgeai.backends.imc.target import ImcTarget

__all__ = [
    "ClusterCost",
    "LayerCost",
    "RoundFigures",
    "block_stream_cycles",
    "compute_cycles_per_round",
    "layer_cost",
    "model_peak_tops",
    "network_totals",
    "psum_boundary_cycles",
    "round_figures",
    "stream_cycles",
]


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


@dataclass(frozen=True)
class RoundFigures:
    """What kernel round `round_` puts into one stripe's `parallel` chains (module docstring):
    its kernels, the weight bytes of each depth block, useful bits and cells over all blocks."""

    kernels: int
    block_bytes: tuple[int, ...]
    useful_bits: int
    cells: int

    @property
    def chain_bytes(self) -> int:
        """Weight bytes written for the round, all depth blocks."""
        return sum(self.block_bytes)


def _block_row_counts(g: Geometry, n: int) -> list[int]:
    """Rows a chain holding `n` kernels uses in each depth block."""
    if g.shape.kind == "depthwise":
        return [n * g.kernel_rows]
    return [len(g.block_rows(d)) for d in range(g.depth_splits)]


def round_figures(g: Geometry, round_: int) -> RoundFigures:
    """Kernels, weight bytes per depth block, useful weight bits and cells per pass of a round:

    per parallel group `q` holding `n = len(g.kernels_of(round_, q))` kernels,
    `cols = n * w_slices * copies`, `rows_d = len(block_rows(d))` (depthwise `n * kernel_rows`);
    `block_bytes[d] += ceil(rows_d * cols * tile_w_bits / 8)`,
    `useful_bits += n * copies * w_slices * depth * tile_w_bits`, `cells += sum_d rows_d * cols`.
    """
    s, m = g.shape, g.mapping
    per_kernel_cols = g.w_slices * m.copies
    blocks = 1 if s.kind == "depthwise" else g.depth_splits
    block_bytes = [0] * blocks
    kernels = useful = cells = 0
    for q in range(m.parallel):
        n = len(g.kernels_of(round_, q))
        if n == 0:
            continue
        cols = n * per_kernel_cols
        kernels += n
        for d, rows in enumerate(_block_row_counts(g, n)):
            block_bytes[d] += _cdiv(rows * cols * g.tile_w_bits, 8)
            cells += rows * cols
        useful += n * m.copies * g.w_slices * s.depth * g.tile_w_bits
    return RoundFigures(kernels, tuple(block_bytes), useful, cells)


def block_stream_cycles(g: Geometry, t: ImcTarget, block: int = 0) -> int:
    """Cycles of one pass of depth block `block`: `a_passes * ceil(rows * tile_a_bits /
    feature_bits_per_cycle)`, `rows = len(g.chain_rows(0, block))` the rows of the chain's head
    tile (the most of any tile; `rows_per_chain_tile` but in a shorter last block)."""
    rows = len(g.chain_rows(0, block))
    return g.a_passes * _cdiv(rows * g.tile_a_bits, t.feature_bits_per_cycle)


def stream_cycles(g: Geometry, t: ImcTarget) -> int:
    """Cycles of one output position through every depth block: `sum_d block_stream_cycles`
    (without depth splits: `a_passes * ceil(rows_per_chain_tile * tile_a_bits /
    feature_bits_per_cycle)`)."""
    return sum(block_stream_cycles(g, t, d) for d in range(g.depth_splits))


def compute_cycles_per_round(g: Geometry, t: ImcTarget, stripe_rows: int) -> int:
    """Compute cycles of one round (all depth blocks) of a cluster whose largest stripe has
    `stripe_rows` rows: `stripe_rows * passes_per_row * stream_cycles + depth_splits *
    ((chains - 1) * chain_hop_cycles + output_pipeline_cycles)`.
    """
    fill = (g.mapping.chains - 1) * t.chain_hop_cycles + t.output_pipeline_cycles
    return stripe_rows * g.passes_per_row * stream_cycles(g, t) + g.depth_splits * fill


def psum_boundary_cycles(t: ImcTarget, outputs: int) -> int:
    """Cycles to spill the partial sums of `outputs` outputs to the cluster's memory and read
    them back (one boundary between depth blocks): `ceil(2 * outputs * psum_bits / (8 *
    psum_bytes_per_cycle))`."""
    return _cdiv(2 * outputs * t.psum_bits, 8 * t.psum_bytes_per_cycle)


@dataclass(frozen=True)
class ClusterCost:
    """One cluster's share of a layer: its rounds, stripes and cycles (0 when idle)."""

    cluster: int
    rounds: int
    nonempty_stripes: int
    stripe_rows: int
    load_cycles: int
    compute_cycles: int
    bytes_loaded: int
    #: partial-sum spill and reload cycles between depth blocks
    psum_cycles: int = 0

    @property
    def cycles(self) -> int:
        """`load_cycles + compute_cycles + psum_cycles` (nothing is overlapped)."""
        return self.load_cycles + self.compute_cycles + self.psum_cycles


@dataclass(frozen=True)
class LayerCost:
    """The cost model's figures for one layer under one mapping (see the module docstring)."""

    name: str
    kind: str
    mapping: Mapping
    #: the single-cluster mapping `cycles_1cluster` is measured on
    mapping_1cluster: Mapping
    macs: int
    #: slowest cluster: the layer's latency
    cycles_all_clusters: int
    #: `cycles_all_clusters` of `mapping_1cluster`
    cycles_1cluster: int
    #: weight-load, compute and partial-sum cycles of the slowest cluster (sum:
    #: `cycles_all_clusters`)
    load_cycles: int
    compute_cycles: int
    psum_cycles: int
    #: cycles of one output position (one per copy, all feature slices) through all blocks
    stream_cycles: int
    #: passes per round and depth block of the slowest cluster
    passes_per_round: int
    kernel_rounds: int
    rounds_per_cluster: int
    depth_splits: int
    bytes_loaded: int
    #: partial-sum bytes moved between output units and cluster memories (spills + reloads)
    psum_bytes: int
    #: cells evaluated (x feature passes): what the compute energy is charged for
    cell_macs: int
    utilization: float
    energy_j: float
    energy_compute_j: float
    energy_load_j: float
    energy_psum_j: float
    energy_static_j: float
    clusters: tuple[ClusterCost, ...] = field(repr=False)
    geometry: Geometry = field(repr=False, compare=False)

    @property
    def tiles(self) -> int:
        """Tiles used in each cluster."""
        return self.mapping.tiles

    def figures(self) -> dict[str, int | float]:
        """The scalar figures (cycles, bytes, utilization, energies ...), e.g. for an op's
        `cost` dictionary."""
        return {k: getattr(self, k) for k in _FIGURES}

    def as_dict(self) -> dict:
        """JSON-ready: name, kind, the mapping fields, `figures()`, the single-cluster mapping
        and the per-cluster cycles."""
        d = {"name": self.name, "kind": self.kind, **self.mapping.as_dict(), **self.figures()}
        d["mapping_1cluster"] = self.mapping_1cluster.as_dict()
        d["cluster_cycles"] = [c.cycles for c in self.clusters]
        return d


_FIGURES = (
    "macs",
    "utilization",
    "kernel_rounds",
    "rounds_per_cluster",
    "depth_splits",
    "cycles_1cluster",
    "cycles_all_clusters",
    "load_cycles",
    "compute_cycles",
    "psum_cycles",
    "stream_cycles",
    "passes_per_round",
    "bytes_loaded",
    "psum_bytes",
    "cell_macs",
    "energy_j",
    "energy_compute_j",
    "energy_load_j",
    "energy_psum_j",
    "energy_static_j",
)


def _cluster_costs(
    g: Geometry, t: ImcTarget, rounds: list[RoundFigures]
) -> tuple[ClusterCost, ...]:
    m, s = g.mapping, g.shape
    bw = t.weight_load_bytes_per_cycle
    out = []
    for i in range(m.clusters):
        rr, stripes = g.cluster_share(i)
        rows = [len(g.stripe_rows_of(st)) for st in stripes]
        nonempty = sum(1 for n in rows if n)
        if not rr or not nonempty:
            out.append(ClusterCost(i, len(rr), nonempty, 0, 0, 0, 0))
            continue
        replicas = 1 if t.weight_broadcast else nonempty
        load = sum(_cdiv(b * replicas, bw) for r in rr for b in rounds[r].block_bytes)
        compute = len(rr) * compute_cycles_per_round(g, t, max(rows))
        psum = sum(
            (g.depth_splits - 1) * psum_boundary_cycles(t, sum(rows) * s.out_w * rounds[r].kernels)
            for r in rr
        )
        loaded = sum(rounds[r].chain_bytes * replicas for r in rr)
        out.append(ClusterCost(i, len(rr), nonempty, max(rows), load, compute, loaded, psum))
    return tuple(out)


def layer_cost(
    shape: LayerShape,
    mapping: Mapping,
    target: ImcTarget,
    mapping_1cluster: Mapping | None = None,
) -> LayerCost:
    """The figures of `shape` under `mapping` on `target` (formulas: module docstring).

    `cycles_1cluster` is measured on `mapping_1cluster` (default `mapping.single_cluster()`);
    `MappingError` when a mapping does not fit.
    """
    t = target
    g = geometry(shape, mapping, t)
    m = mapping
    d = g.depth_splits
    rounds = [round_figures(g, r) for r in range(g.kernel_rounds)]
    clusters = _cluster_costs(g, t, rounds)
    critical = max(clusters, key=lambda c: c.cycles)  # first of the slowest
    cycles = critical.cycles
    if t.weight_broadcast:
        loaded = {r for i, c in enumerate(clusters) if c.stripe_rows for r in g.cluster_share(i)[0]}
        bytes_loaded = sum(rounds[r].chain_bytes for r in loaded)
    else:
        bytes_loaded = sum(c.bytes_loaded for c in clusters)
    outputs = shape.out_h * shape.out_w * shape.out_c
    psum_bytes = _cdiv(2 * (d - 1) * outputs * t.psum_bits, 8)
    useful = sum(
        rounds[r].useful_bits * c.nonempty_stripes
        for i, c in enumerate(clusters)
        for r in g.cluster_share(i)[0]
    )
    steps = m.clusters * g.rounds_per_cluster * d
    utilization = useful / (steps * t.tiles_per_cluster * t.tile_bits)
    cell_macs = g.a_passes * shape.out_h * g.passes_per_row * sum(r.cells for r in rounds)
    bits = max(g.tile_w_bits, g.tile_a_bits)
    e_compute = 2 * cell_macs / (t.tops_per_w(bits) * 1e12)
    e_load = bytes_loaded * t.weight_load_pj_per_byte * 1e-12
    e_psum = psum_bytes * t.psum_pj_per_byte * 1e-12
    e_static = m.clusters * t.static_mw_per_cluster * 1e-3 * cycles / t.clock_hz
    if mapping_1cluster is None:
        mapping_1cluster = m.single_cluster()
    if mapping_1cluster.clusters != 1:
        raise ValueError(f"mapping_1cluster {mapping_1cluster} uses more than one cluster")
    if mapping_1cluster == m:
        cycles_1 = cycles
    else:
        cycles_1 = layer_cost(shape, mapping_1cluster, t).cycles_all_clusters
    return LayerCost(
        name=shape.name,
        kind=shape.kind,
        mapping=m,
        mapping_1cluster=mapping_1cluster,
        macs=shape.macs,
        cycles_all_clusters=cycles,
        cycles_1cluster=cycles_1,
        load_cycles=critical.load_cycles,
        compute_cycles=critical.compute_cycles,
        psum_cycles=critical.psum_cycles,
        stream_cycles=stream_cycles(g, t),
        passes_per_round=critical.stripe_rows * g.passes_per_row,
        kernel_rounds=g.kernel_rounds,
        rounds_per_cluster=g.rounds_per_cluster,
        depth_splits=d,
        bytes_loaded=bytes_loaded,
        psum_bytes=psum_bytes,
        cell_macs=cell_macs,
        utilization=utilization,
        energy_j=e_compute + e_load + e_psum + e_static,
        energy_compute_j=e_compute,
        energy_load_j=e_load,
        energy_psum_j=e_psum,
        energy_static_j=e_static,
        clusters=clusters,
        geometry=g,
    )


def model_peak_tops(target: ImcTarget, bits: int) -> float:
    """The model's peak at `bits`-bit weights and features: every tile of every cluster full
    (`rows_per_tile(bits)` rows x `columns_per_tile` columns) and one pass per stream time
    `ceil(rows_per_tile(bits) * bits / feature_bits_per_cycle)`; 2 ops per MAC.
    """
    t = target
    rows = t.rows_per_tile(bits)
    per_pass = rows * t.columns_per_tile * t.tiles_per_cluster * t.clusters
    cycles = _cdiv(rows * bits, t.feature_bits_per_cycle)
    return 2 * per_pass * t.clock_hz / cycles / 1e12


def network_totals(costs: list[LayerCost], target: ImcTarget) -> dict:
    """Totals over the layers that run on the NPU (host layers are not in `costs`).

    `macs`, `cycles_1cluster`, `cycles_all_clusters`, `bytes_loaded`, `psum_bytes`, `energy_j`:
    sums;
    `inferences_per_s(_1cluster) = clock_hz / cycles`; `tops = 2 * macs * inferences_per_s / 1e12`
    (effective throughput); `tops_per_w = 2 * macs / energy_j / 1e12`; `utilization`: the
    layers' utilization weighted by their `cycles_all_clusters`; `peak_tops_model` /
    `peak_tops_published` / `peak_ratio` (published / model) per bit width of the published
    table. Undefined ratios (no NPU layer) are None.
    """
    t = target
    macs = sum(c.macs for c in costs)
    cyc_all = sum(c.cycles_all_clusters for c in costs)
    cyc_1 = sum(c.cycles_1cluster for c in costs)
    energy = sum(c.energy_j for c in costs)
    ips = t.clock_hz / cyc_all if cyc_all else None
    ips_1 = t.clock_hz / cyc_1 if cyc_1 else None
    model_peak = {b: model_peak_tops(t, b) for b, _ in t.peak_tops}
    published = dict(t.peak_tops)
    return {
        "layers": len(costs),
        "macs": macs,
        "cycles_1cluster": cyc_1,
        "cycles_all_clusters": cyc_all,
        "inferences_per_s": ips,
        "inferences_per_s_1cluster": ips_1,
        "tops": 2 * macs * ips / 1e12 if ips else None,
        "bytes_loaded": sum(c.bytes_loaded for c in costs),
        "psum_bytes": sum(c.psum_bytes for c in costs),
        "energy_j": energy,
        "tops_per_w": 2 * macs / energy / 1e12 if energy else None,
        "utilization": (
            sum(c.utilization * c.cycles_all_clusters for c in costs) / cyc_all if cyc_all else None
        ),
        "peak_tops_model": model_peak,
        "peak_tops_published": published,
        "peak_ratio": {b: published[b] / model_peak[b] for b in published},
    }
