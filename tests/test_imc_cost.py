"""DIMC cost model, mapper and legality (backends/imc/{cost,mapper,legality}.py).

The cost figures are recomputed by hand (the arithmetic written out here, not through the
helpers), depth splits included (per-block loads and stream times, partial-sum spills); the
mapper's choice is compared with a brute-force search over every integer mapping field, every
depth split included, under the cost model; legality verdicts are taken on small `nn` modules
parsed from text and on a VGG16-style network built with `edgeai.support.nn_build`.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from edgeai.backends.base import SupportRow, Verdict
from edgeai.backends.imc.cost import layer_cost, model_peak_tops, network_totals
from edgeai.backends.imc.legality import (
    MAC_CHECKS,
    layer_shape,
    legality,
    min_depth_splits,
    supported_ops,
    verdict,
)
from edgeai.backends.imc.mapper import (
    best_mapping,
    candidate_mappings,
    check_forced,
    depth_splits_range,
    evaluate_candidates,
)
from edgeai.backends.imc.mapping import LayerShape, Mapping, MappingError, geometry
from edgeai.backends.imc.target import DIMC_18NM, load_target
from edgeai.support.errors import EdgeAIError

T = DIMC_18NM
#: a small DIMC chip: 2 clusters of 4 tiles of 16 columns x 256 bits
SMALL = load_target(
    overrides={
        "tiles_per_cluster": 4,
        "clusters": 2,
        "columns_per_tile": 16,
        "bits_per_column": 256,
    }
)
#: a tiny DIMC chip (2 clusters of 4 tiles of 8 columns x 32 bits: 8 rows at 4 bits, 32 at 1
#: bit) on which small layers need depth splits; the brute-force search runs on it
TINY = {"tiles_per_cluster": 4, "clusters": 2, "columns_per_tile": 8, "bits_per_column": 32}

#: 3x3 conv, 3 -> 40 channels, 8x8 output
CONV = LayerShape("conv", "conv2d", 3, 8, 8, 40, 8, 8, 3, 3)
#: a 3x3x2 window at 2-bit weights and 8-bit features whose optimum takes more depth blocks than
#: its chain needs (rare at random: the brute-force test always tries it)
FINE = LayerShape("fine", "conv2d", 2, 9, 9, 15, 4, 4, 3, 3, 2, 2, w_bits=2, a_bits=8)


def _tpw(bits: int) -> float:
    """dimc-18nm cluster TOPS/W: 310 at 1 bit, 76 at 4 bits, log-linear between."""
    return {1: 310.0, 4: 76.0}.get(bits) or math.exp(
        math.log(310.0) * (4 - bits) / 3 + math.log(76.0) * (bits - 1) / 3
    )


# ---------------------------------------------------------------------------------------------
# cost formulas by hand


def test_conv_4bit_two_stripes_by_hand():
    c = layer_cost(CONV, Mapping(stripes=2), T)
    # 27 rows (3*3*3) of 4-bit weights in one tile; 32 kernels per chain -> rounds of 32 and 8
    # stream: ceil(27 rows * 4 bits / 32 bits per cycle) = 4 cycles per pass
    # 2 stripes of 4 output rows, 8 passes per row: 32 passes -> 32 * 4 + 0 hops + 2 = 130
    # loads: 27*32*4/8 = 432 B -> 54 cycles; 27*8*4/8 = 108 B -> ceil(13.5) = 14 cycles
    assert c.stream_cycles == 4 and c.passes_per_round == 32 and c.kernel_rounds == 2
    assert c.cycles_all_clusters == (54 + 130) + (14 + 130) == 328
    assert c.cycles_1cluster == 328 and c.load_cycles == 68 and c.compute_cycles == 260
    assert c.bytes_loaded == 540  # the two stripes' chains take one broadcast transfer
    # useful bits: (32 + 8 kernels) * 27 weights * 4 bits, in both stripes, over 2 rounds
    assert c.utilization == pytest.approx((32 + 8) * 27 * 4 * 2 / (2 * 8 * 32 * 1024))
    assert c.macs == 8 * 8 * 40 * 27 == c.cell_macs  # no zero padding: cells = MACs
    e_compute = 2 * 69120 / (76e12)
    e_load = 540 * 2.0e-12
    e_static = 1 * 5e-3 * 328 / 600e6
    assert c.energy_compute_j == pytest.approx(e_compute, rel=1e-12)
    assert c.energy_load_j == pytest.approx(e_load, rel=1e-12)
    assert c.energy_static_j == pytest.approx(e_static, rel=1e-12)
    assert c.energy_j == pytest.approx(e_compute + e_load + e_static, rel=1e-12)


def test_conv_8bit_slices_and_passes_by_hand():
    shape = LayerShape("conv8", "conv2d", 3, 8, 8, 40, 8, 8, 3, 3, w_bits=8, a_bits=8)
    c = layer_cost(shape, Mapping(stripes=2), T)
    # 2 weight slices per kernel -> 16 kernels per chain -> 3 rounds (16, 16, 8 kernels)
    # 2 feature passes: stream = 2 * ceil(27 * 4 / 32) = 8 cycles; compute = 32 * 8 + 2 = 258
    # loads: 27 rows * 32 columns * 4 / 8 = 432 B -> 54; last 27 * 16 * 4 / 8 = 216 B -> 27
    assert c.kernel_rounds == 3 and c.stream_cycles == 8
    assert c.cycles_all_clusters == 54 + 54 + 27 + 3 * 258 == 909
    assert c.cell_macs == 2 * 2 * c.macs  # each MAC is 2 slices x 2 passes of 4-bit cells
    assert c.energy_compute_j == pytest.approx(2 * 4 * 69120 / 76e12, rel=1e-12)


def test_depthwise_1bit_block_diagonal_by_hand():
    shape = LayerShape("dw", "depthwise", 20, 6, 6, 20, 6, 6, 3, 3, w_bits=1, a_bits=2)
    c = layer_cost(shape, Mapping(parallel=2), SMALL)
    # 1-bit weights: 256 rows per tile; 16 channel slots of 9 rows (144 rows) in chain 0,
    # the remaining 4 channels (36 rows) in chain 1; one round
    # stream = ceil(144 rows * 2 bits / 32) = 9; 6 rows * 6 passes * 9 + 2 = 326
    # bytes: 144 * 16 / 8 = 288 and 36 * 4 / 8 = 18 -> 306 B -> ceil(38.25) = 39 cycles
    assert c.stream_cycles == 9 and c.kernel_rounds == 1
    assert c.cycles_all_clusters == 39 + 326 == 365
    assert c.bytes_loaded == 306
    assert c.utilization == pytest.approx((16 + 4) * 9 * 1 / (1 * 1 * 4 * 16 * 256))
    # the array evaluates the off-diagonal zeros too: 36 positions x (144*16 + 36*4) cells
    assert c.cell_macs == 36 * (144 * 16 + 36 * 4) and c.macs == 36 * 20 * 9
    assert c.energy_compute_j == pytest.approx(2 * c.cell_macs / (_tpw(2) * 1e12), rel=1e-12)
    assert _tpw(2) == pytest.approx(310 ** (2 / 3) * 76 ** (1 / 3))


def test_clusters_split_stripes_and_rounds_by_hand():
    m = Mapping(stripes=1, cluster_stripes=2, cluster_rounds=2)
    c = layer_cost(CONV, m, T)
    # 2 stripes (one per cluster) of 4 rows; rounds {0}, {1} -> clusters (stripe, round):
    # (0,0) and (1,0): 54 + 4*8*4 + 2 = 184; (0,1) and (1,1): 14 + 130 = 144
    assert [k.cycles for k in c.clusters] == [184, 184, 144, 144]
    assert c.cycles_all_clusters == 184
    # one cluster, one stripe: 2 rounds of 8 rows * 8 passes * 4 + 2 = 258, loads 54 + 14
    assert c.mapping_1cluster == Mapping() and c.cycles_1cluster == 54 + 14 + 2 * 258 == 584
    assert c.bytes_loaded == 540  # broadcast: each round crosses the bus once
    assert c.energy_static_j == pytest.approx(4 * 5e-3 * 184 / 600e6, rel=1e-12)
    assert c.utilization == pytest.approx((32 + 32 + 8 + 8) * 27 * 4 / (4 * 1 * 8 * 32768))
    nb = load_target(overrides={"weight_broadcast": False})
    assert layer_cost(CONV, m, nb).bytes_loaded == 2 * 432 + 2 * 108
    # without broadcast, 2 stripes in a cluster load their chains twice: 864 B -> 108 cycles
    c2 = layer_cost(CONV, Mapping(stripes=2), nb)
    assert c2.cycles_all_clusters == (108 + 130) + (27 + 130)


def test_copies_and_chains_by_hand():
    # 16 kernels leave 16 columns free: 2 copies of each kernel, window 3 + 1 = 4 columns wide
    shape = LayerShape("c", "conv2d", 8, 10, 10, 16, 8, 8, 3, 3)
    c = layer_cost(shape, Mapping(chains=2, copies=2), T)
    # rows: 3 * 4 * 8 = 96 -> 48 per chained tile; stream ceil(48 * 4 / 32) = 6
    # passes: 8 rows * ceil(8 / 2) = 32; compute = 32 * 6 + 1 hop + 2 = 195
    # bytes: 96 rows * 32 columns * 4 / 8 = 1536 -> 192 cycles
    assert c.stream_cycles == 6 and c.passes_per_round == 32
    assert c.cycles_all_clusters == 192 + 195
    # useful: 16 kernels x 2 copies x 72 weights x 4 bits (the shifted copies' zeros excluded)
    assert c.utilization == pytest.approx(16 * 2 * 72 * 4 / (8 * 32768))
    assert c.cell_macs == 8 * 4 * 96 * 32


def test_depth_split_by_hand():
    """A 1x1 conv of 602 input channels on one chain: 602 rows > 256, cut into 3 depth blocks of
    201, 201 and 200 rows, each loaded and streamed in turn, partial sums spilled in between."""
    shape = LayerShape("pw", "conv2d", 602, 4, 4, 40, 4, 4)
    g = geometry(shape, Mapping(depth_splits=3), T)
    assert [g.block_rows(d) for d in range(3)] == [range(0, 201), range(201, 402), range(402, 602)]
    c = layer_cost(shape, Mapping(depth_splits=3), T)
    # stream: ceil(201 * 4 / 32) = 26 cycles for blocks 0 and 1, ceil(200 * 4 / 32) = 25 for 2
    assert c.stream_cycles == 26 + 26 + 25 == 77
    # 32 kernels per chain: rounds of 32 and 8 kernels; 4 rows x 4 passes = 16 passes per block
    # compute per round: 16 * 77 + 3 blocks * (0 hops + 2 output pipeline) = 1238
    assert c.kernel_rounds == 2 and c.passes_per_round == 16
    assert c.compute_cycles == 2 * (16 * 77 + 3 * 2) == 2476
    # loads, block by block: round 0: 201 * 32 * 4 / 8 = 3216 B -> 402 cycles (twice),
    # 200 * 32 * 4 / 8 = 3200 B -> 400; round 1 (8 columns): 804 B -> ceil(100.5) = 101 (twice),
    # 800 B -> 100
    assert c.load_cycles == (402 + 402 + 400) + (101 + 101 + 100) == 1506
    assert c.bytes_loaded == (3216 + 3216 + 3200) + (804 + 804 + 800) == 12040
    # partial sums: round 0 has O = 4 rows * 4 columns * 32 kernels = 512 outputs; each of the 2
    # block boundaries writes and reads 512 x 32 bits: ceil(2 * 512 * 4 B / 8 B per cycle) = 512
    # cycles; round 1: O = 4 * 4 * 8 = 128 -> 128 cycles per boundary
    assert c.psum_cycles == 2 * 512 + 2 * 128 == 1280
    assert c.cycles_all_clusters == 1506 + 2476 + 1280 == 5262
    # spill + reload of every output (16 positions x 40 kernels) at each of 2 boundaries, 4 B
    assert c.psum_bytes == 2 * 2 * 16 * 40 * 4 == 10240
    # utilization over the 2 rounds x 3 blocks steps: 40 kernels x 602 weights x 4 bits
    assert c.utilization == pytest.approx(40 * 602 * 4 / (2 * 3 * 8 * 32768))
    assert c.cell_macs == c.macs == 16 * 40 * 602  # the blocks together hold the window once
    assert c.energy_psum_j == pytest.approx(10240 * 2.0e-12, rel=1e-12)
    assert c.energy_load_j == pytest.approx(12040 * 2.0e-12, rel=1e-12)
    e = 2 * c.macs / 76e12 + (12040 + 10240) * 2e-12 + 5e-3 * 5262 / 600e6
    assert c.energy_j == pytest.approx(e, rel=1e-12)
    # two stripes in the cluster: half the passes; the partial sums of both stripes share the
    # cluster's memory port (O stays 512 and 128)
    c2 = layer_cost(shape, Mapping(stripes=2, depth_splits=3), T)
    assert c2.compute_cycles == 2 * (8 * 77 + 6) and c2.psum_cycles == 1280
    assert c2.cycles_all_clusters == 1506 + 1244 + 1280 == 4030
    # two clusters taking a stripe each: each spills the sums of its own 2 rows (O = 256, 64)
    c3 = layer_cost(shape, Mapping(cluster_stripes=2, depth_splits=3), T)
    assert [k.psum_cycles for k in c3.clusters] == [2 * 256 + 2 * 64] * 2
    assert c3.cycles_all_clusters == 1506 + 1244 + 640 == 3390
    assert c3.cycles_1cluster == 5262 and c3.psum_bytes == 10240


def test_finer_depth_split_can_beat_the_fewest_blocks():
    """A 3x3x2 window (18 rows) at 2-bit weights holds 16 rows per tile: one tile needs 2 blocks
    of 9 rows, but blocks of 6 stream in fewer cycles (ceil(rows * 4 / 32) per feature slice).
    With a fast partial-sum port, 3 blocks win; with the default port, the spills cost more."""
    shape = FINE
    fast = load_target(overrides={**TINY, "psum_bytes_per_cycle": 1024})
    c2 = layer_cost(shape, Mapping(depth_splits=2), fast)
    c3 = layer_cost(shape, Mapping(depth_splits=3), fast)
    # 8-bit features: 2 passes of 4 bits; 2 blocks of 9 rows: 2 * ceil(36 / 32) = 4 cycles each;
    # 3 blocks of 6 rows: 2 * ceil(24 / 32) = 2 cycles each
    assert (c2.stream_cycles, c3.stream_cycles) == (8, 6)
    # rounds of 8 and 7 kernels, 16 passes; compute per round 16 * 8 + 2 * 2 vs 16 * 6 + 3 * 2
    # loads: 9 * 8 * 2 / 8 = 18 B -> 3 cycles, 9 * 7 * 2 / 8 = 15.75 -> 16 B -> 2 cycles, per
    # block; 3 blocks: 12 B -> 2 cycles, 10.5 -> 11 B -> 2 cycles
    # partial sums: at most 128 outputs x 8 B in and out at 1024 B per cycle: 1 cycle per boundary
    assert c2.cycles_all_clusters == (2 * 3 + 2 * 2) + 2 * (16 * 8 + 4) + 2 * 1 == 276
    assert c3.cycles_all_clusters == (3 * 2 + 3 * 2) + 2 * (16 * 6 + 6) + 2 * 2 == 220
    one_tile = {"stripes": 1, "chains": 1, "parallel": 1, "copies": 1}
    assert depth_splits_range(shape, fast, chains=1)[0] == 2
    m, cost = best_mapping(shape, fast, clusters=1, fixed=one_tile)
    assert m.depth_splits == 3 and cost.cycles_all_clusters == 220
    # the default port: 128 outputs x 8 B / 8 B per cycle = 128 cycles per boundary
    slow = load_target(overrides=TINY)
    assert best_mapping(shape, slow, clusters=1, fixed=one_tile)[0].depth_splits == 2


def test_network_totals_by_hand():
    a = layer_cost(CONV, Mapping(stripes=2), T)
    b = layer_cost(CONV, Mapping(stripes=1, cluster_stripes=2, cluster_rounds=2), T)
    tot = network_totals([a, b], T)
    assert tot["cycles_all_clusters"] == 328 + 184 and tot["cycles_1cluster"] == 328 + 584
    assert tot["macs"] == 2 * 69120 and tot["psum_bytes"] == 0
    deep = layer_cost(LayerShape("pw", "conv2d", 602, 4, 4, 40, 4, 4), Mapping(depth_splits=3), T)
    assert network_totals([a, deep], T)["psum_bytes"] == 10240
    assert tot["inferences_per_s"] == pytest.approx(600e6 / 512)
    assert tot["inferences_per_s_1cluster"] == pytest.approx(600e6 / 912)
    e = a.energy_j + b.energy_j
    assert tot["tops_per_w"] == pytest.approx(2 * 2 * 69120 / e / 1e12)
    # peak: 256 rows x 32 columns x 64 tiles per 32-cycle pass at 4 bits; 1024 rows at 1 bit
    assert tot["peak_tops_model"][4] == pytest.approx(2 * 256 * 32 * 64 * 600e6 / 32 / 1e12)
    assert tot["peak_tops_model"][1] == pytest.approx(2 * 1024 * 32 * 64 * 600e6 / 32 / 1e12)
    assert model_peak_tops(T, 4) == pytest.approx(19.6608)
    assert tot["peak_ratio"][4] == pytest.approx(57 / 19.6608)
    assert network_totals([], T)["inferences_per_s"] is None


# ---------------------------------------------------------------------------------------------
# mixed precision: the same layer at 8/4/2/1 bits


def test_mixed_precision_moves_rows_columns_passes():
    def shape(wb, ab):
        return LayerShape(f"c{wb}", "conv2d", 64, 8, 8, 64, 8, 8, 3, 3, w_bits=wb, a_bits=ab)

    # 576 weights per kernel: 1 bit -> 1024 rows per tile; 2 -> 512; 4 and 8 -> 256
    geo = {b: geometry(shape(b, 4), Mapping(chains=3), T) for b in (8, 4, 2, 1)}
    assert [geo[b].rows_per_tile for b in (8, 4, 2, 1)] == [256, 256, 512, 1024]
    # shortest legal chain holding the window in one block: ceil(576 / rows per tile)
    one_block = {"depth_splits": 1}
    min_chains = {
        b: min(m.chains for m in candidate_mappings(shape(b, 4), T, fixed=one_block)) for b in geo
    }
    assert min_chains == {8: 3, 4: 3, 2: 2, 1: 1}
    # shorter chains take the window in more depth blocks: 1 tile, ceil(576 / rows per tile)
    assert [depth_splits_range(shape(b, 4), T, chains=1)[0] for b in (8, 4, 2, 1)] == [3, 3, 2, 1]
    # 8-bit weights: two 4-bit slices -> half the kernels per chain -> twice the rounds
    assert geo[8].w_slices == 2 and geo[4].w_slices == 1
    assert geo[8].kernels_per_chain == 16 and geo[4].kernels_per_chain == 32
    assert geo[8].kernel_rounds == 4 and geo[4].kernel_rounds == 2
    # 8-bit features: two passes -> twice the stream cycles of 4-bit features
    c84 = layer_cost(shape(4, 8), Mapping(chains=3), T)
    c44 = layer_cost(shape(4, 4), Mapping(chains=3), T)
    assert c84.stream_cycles == 2 * c44.stream_cycles
    # features narrower than 4 bits stream proportionally faster (ceil(192 rows * b / 32))
    c42 = layer_cost(shape(4, 2), Mapping(chains=3), T)
    assert (c44.stream_cycles, c42.stream_cycles) == (24, 12)
    # the mapper's best cycles fall with the precision
    best = [best_mapping(shape(b, b), T)[1].cycles_all_clusters for b in (8, 4, 2, 1)]
    assert best == sorted(best, reverse=True) and len(set(best)) == 4


def test_mixed_precision_depth_splits():
    """A 3x3x512 -> 512 conv at 14x14 (4608-row windows) at 8/4/2/1 bits: narrower weights fit
    deeper windows per chain (1 bit: 4x the rows of 4 bits), so fewer depth blocks, fewer
    partial-sum spills; the cycles follow the cost model term by term."""

    def shape(b):
        return LayerShape(f"c{b}", "conv2d", 512, 16, 16, 512, 14, 14, 3, 3, w_bits=b, a_bits=b)

    # 8 chained tiles hold 2048 rows at 4 (and 8) bits, 4096 at 2, 8192 at 1
    assert [min_depth_splits(shape(b), T) for b in (8, 4, 2, 1)] == [(8, 3), (8, 3), (8, 2), (5, 1)]
    best = {b: best_mapping(shape(b), T)[1] for b in (8, 4, 2, 1)}
    assert [best[b].depth_splits for b in (8, 4, 2, 1)] == [3, 3, 2, 1]
    for b in (8, 4, 2, 1):  # 8 chains, kernel rounds spread over the 8 clusters
        m = best[b].mapping
        assert (m.stripes, m.chains, m.parallel, m.copies) == (1, 8, 1, 1)
        assert (m.cluster_stripes, m.cluster_rounds) == (1, 8)
    # 196 passes per round and block; each boundary spills and reloads O = 196 x kernels psums
    # of 4 B through 8 B per cycle (O cycles); a cluster takes 16 kernel rounds / 8 = 2 rounds
    # (8 bits: 2 weight slices per kernel -> 16 kernels per chain -> 32 rounds, 4 per cluster)
    # 4 bits: blocks of 1536 rows, 192 per tile: stream ceil(192 * 4 / 32) = 24 per block
    c4 = best[4]
    assert c4.stream_cycles == 3 * 24
    assert c4.compute_cycles == 2 * (196 * 72 + 3 * (7 + 2))
    assert c4.load_cycles == 2 * 3 * (1536 * 32 * 4 // 8 // 8)
    assert c4.psum_cycles == 2 * 2 * (196 * 32)
    assert c4.cycles_all_clusters == 28278 + 18432 + 25088 == 71798
    # 8 bits: 2 feature passes (stream x 2), half the kernels per chain (rounds x 2)
    c8 = best[8]
    assert c8.stream_cycles == 2 * 72 and c8.rounds_per_cluster == 4
    assert c8.psum_cycles == 4 * 2 * (196 * 16)
    assert c8.cycles_all_clusters == 4 * (196 * 144 + 27) + 4 * 3 * 3072 + 25088 == 174956
    # 2 bits: 2 blocks of 2304 rows, 288 per tile: ceil(288 * 2 / 32) = 18 per block; 1 boundary
    c2 = best[2]
    assert c2.stream_cycles == 2 * 18 and c2.psum_cycles == 2 * 1 * (196 * 32)
    assert c2.cycles_all_clusters == 2 * (196 * 36 + 2 * 9) + 2 * 2 * 2304 + 12544 == 35908
    # 1 bit: the whole window in one block (576 rows per tile, ceil(576 / 32) = 18): no spills
    c1 = best[1]
    assert c1.psum_cycles == 0 and c1.psum_bytes == 0 and c1.stream_cycles == 18
    assert c1.cycles_all_clusters == 2 * (196 * 18 + 9) + 2 * 2304 == 11682
    assert [best[b].psum_bytes for b in (8, 4, 2)] == [2 * 2 * 196 * 512 * 4] * 2 + [
        2 * 196 * 512 * 4
    ]
    cycles = [best[b].cycles_all_clusters for b in (8, 4, 2, 1)]
    energy = [best[b].energy_j for b in (8, 4, 2, 1)]
    assert cycles == sorted(cycles, reverse=True) and energy == sorted(energy, reverse=True)


# ---------------------------------------------------------------------------------------------
# the mapper against brute force

FIELDS = (
    "stripes",
    "chains",
    "parallel",
    "copies",
    "cluster_stripes",
    "cluster_rounds",
    "depth_splits",
)


def _kernel_rows(shape, copies):
    if shape.kind == "dense":
        return shape.in_c
    per_c = 1 if shape.kind == "depthwise" else shape.in_c
    return shape.kh * (shape.kw + (copies - 1) * shape.stride_w) * per_c


def _brute_force(shape, target):
    """Every integer mapping within the target's limits (wider than the mapper's ranges where
    cheap: copies up to all the columns, depth splits from 1 to the window's rows), kept when
    geometry accepts it."""
    tp, cl = target.tiles_per_cluster, target.clusters
    out = {}
    for c in range(1, tp + 1):
        for p in range(1, tp + 1):
            for k in range(1, target.columns_per_tile + 1):
                for d in range(1, _kernel_rows(shape, k) + 1):
                    try:  # one stripe on one cluster: the others only add constraints
                        geometry(shape, Mapping(1, c, p, k, 1, 1, d), target)
                    except MappingError:
                        continue
                    for s in range(1, tp + 1):
                        for cs in range(1, cl + 1):
                            for cr in range(1, cl + 1):
                                m = Mapping(s, c, p, k, cs, cr, d)
                                try:
                                    out[m] = layer_cost(shape, m, target)
                                except MappingError:
                                    continue
    return out


def _order(cost, objective):
    m = cost.mapping
    tie = (m.clusters, m.tiles, m.depth_splits, m.copies, m.stripes, m.chains, m.parallel)
    tie += (m.cluster_stripes, m.cluster_rounds)
    if objective == "cycles":
        return (cost.cycles_all_clusters, cost.energy_j, *tie)
    return (cost.energy_j, cost.cycles_all_clusters, *tie)


@st.composite
def small_layers(draw):
    kind = draw(st.sampled_from(["conv2d", "depthwise", "dense"]))
    wb = draw(st.sampled_from([1, 2, 3, 4, 8]))
    ab = draw(st.sampled_from([1, 2, 4, 8]))
    if kind == "dense":
        k, n = draw(st.integers(1, 60)), draw(st.integers(1, 20))
        return LayerShape("fc", "dense", k, 1, 1, n, 1, 1, w_bits=wb, a_bits=ab)
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    oh, ow = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    cin = draw(st.integers(1, 4))
    cout = cin if kind == "depthwise" else draw(st.integers(1, 20))
    ih, iw = (oh - 1) * sh + kh, (ow - 1) * sw + kw
    return LayerShape(kind, kind, cin, ih, iw, cout, oh, ow, kh, kw, sh, sw, wb, ab)


@st.composite
def tiny_targets(draw):
    """TINY with the model assumptions varied: broadcast or not, a slow or fast partial-sum
    port, 32- or 20-bit partial sums, with or without static and partial-sum energy (then the
    energy bound of larger depth splits does not grow: the search takes them all)."""
    return load_target(
        overrides={
            **TINY,
            "weight_broadcast": draw(st.booleans()),
            "psum_bytes_per_cycle": draw(st.sampled_from([8, 1024])),
            "psum_bits": draw(st.sampled_from([32, 20])),
            "static_mw_per_cluster": draw(st.sampled_from([5.0, 0.0])),
            "psum_pj_per_byte": draw(st.sampled_from([2.0, 0.0])),
        }
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=small_layers(), target=tiny_targets())
@example(shape=FINE, target=load_target(overrides={**TINY, "psum_bytes_per_cycle": 1024}))
def test_mapper_equals_brute_force(shape, target):
    brute = _brute_force(shape, target)
    # the enumeration is the legal set, and the closed form agrees with layer_cost on each
    assert candidate_mappings(shape, target) == sorted(
        brute, key=lambda m: tuple(m.as_dict().values())
    )
    ev = evaluate_candidates(shape, target)
    assert len(ev["cycles"]) == len(brute)
    for i in range(len(ev["cycles"])):
        cost = brute[Mapping(**{f: int(ev[f][i]) for f in FIELDS})]
        assert ev["cycles"][i] == cost.cycles_all_clusters
        assert ev["bytes_loaded"][i] == cost.bytes_loaded
        assert ev["psum_bytes"][i] == cost.psum_bytes
        assert ev["energy"][i] == pytest.approx(cost.energy_j, rel=1e-12)
        assert ev["utilization"][i] == pytest.approx(cost.utilization, rel=1e-12)
    if not brute:
        with pytest.raises(MappingError, match=f"layer '{shape.name}'"):
            best_mapping(shape, target)
        return
    for objective in ("cycles", "energy"):
        want = min(brute.values(), key=lambda c: _order(c, objective))
        # the bounded search evaluates a subset of the candidates, holding the optimum
        sub = evaluate_candidates(shape, target, objective=objective)
        assert len(sub["cycles"]) <= len(ev["cycles"])
        m, cost = best_mapping(shape, target, objective)
        assert m == want.mapping, objective
        assert (cost.cycles_all_clusters, cost.energy_j) == (
            want.cycles_all_clusters,
            want.energy_j,
        )
        single = [c for mm, c in brute.items() if mm.clusters == 1]
        want1 = min(single, key=lambda c: _order(c, objective))
        assert cost.cycles_1cluster == want1.cycles_all_clusters
        m1, c1 = best_mapping(shape, target, objective, clusters=1)
        assert m1 == want1.mapping and c1.cycles_1cluster == c1.cycles_all_clusters
    # the energy objective never costs more energy, the cycles objective never more cycles
    e = best_mapping(shape, target, "energy")[1]
    c = best_mapping(shape, target, "cycles")[1]
    assert e.energy_j <= c.energy_j and c.cycles_all_clusters <= e.cycles_all_clusters
    assert e.energy_j == min(x.energy_j for x in brute.values())


def test_energy_objective_trades_cycles_for_energy():
    """A small-kernel layer: copies and clusters buy cycles with zero-padded cells and static
    power; the energy objective declines them."""
    shape = LayerShape("first", "conv2d", 3, 66, 66, 16, 64, 64, 3, 3)
    mc, cc = best_mapping(shape, T, "cycles")
    me, ce = best_mapping(shape, T, "energy")
    assert cc.cycles_all_clusters < ce.cycles_all_clusters
    assert ce.energy_j < cc.energy_j
    # 16 kernels fill half the columns: 2 copies halve the passes, at 4/3 the cells per pass
    assert mc.copies == 2 and me.copies == 1
    assert cc.cell_macs * 3 == ce.cell_macs * 4
    assert mc.clusters == 8 and me.clusters == 1


#: a VGG16-style stack for 3x112x112 inputs: 13 3x3 convs, stride 2 opening each later stage
VGG_PLAN = [(64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (256, 1)]
VGG_PLAN += [(512, 2), (512, 1), (512, 1), (512, 2), (512, 1), (512, 1)]


@pytest.fixture(scope="module")
def vgg_ops():
    from edgeai.reference.interpreter import find_main
    from edgeai.support.nn_build import ConvSpec, quant_net

    specs = [ConvSpec(f"conv{i + 1}", c, k=3, stride=s) for i, (c, s) in enumerate(VGG_PLAN)]
    module = quant_net(specs, input_hwc=(112, 112, 3), input_bits=4, seed=0)
    return [op for op in find_main(module).body.block.ops if op.name == "nn.conv2d"]


def test_vgg16_stack_is_legal_and_mapped(vgg_ops):
    """Every 3x3 conv of the VGG16-style stack at 4 bits maps: the windows deeper than a chain
    (2304 and 4608 rows > 8 tiles x 256) take the fewest depth blocks, with partial sums."""
    assert len(vgg_ops) == 13
    costs = []
    for op in vgg_ops:
        ok, why = verdict(op, T)
        assert ok, why
        assert isinstance(legality(op, T), Verdict) and legality(op, T).supported
        s = layer_shape(op)
        assert (s.kh, s.kw, s.w_bits, s.a_bits) == (3, 3, 4, 4)
        m, c = best_mapping(s, T)
        geometry(s, m, T)
        costs.append(c)
        chains, depth = min_depth_splits(s, T)
        if s.depth > 2048:
            assert "depth blocks" in why and m.depth_splits >= depth > 1
            assert c.psum_cycles > 0 and c.psum_bytes > 0
        else:
            assert "depth blocks" not in why and m.depth_splits == 1 and c.psum_cycles == 0
        assert c.cycles_all_clusters <= c.cycles_1cluster
    shapes = [layer_shape(op) for op in vgg_ops]
    assert [s.out_h for s in shapes] == [112, 112, 56, 56, 28, 28, 28, 14, 14, 14, 7, 7, 7]
    assert [s.depth for s in shapes][4:] == [1152] + [2304] * 3 + [4608] * 5
    assert [c.depth_splits for c in costs][5:] == [2, 2, 2, 3, 3, 3, 3, 3]
    tot = network_totals(costs, T)
    assert tot["macs"] == sum(s.macs for s in shapes)
    assert tot["cycles_all_clusters"] < tot["cycles_1cluster"]


def test_mapper_speed_vgg_layers():
    """The mapper on the VGG16-style layers (measured 5-28 ms each, README "Mapper")."""
    import time

    layers = [
        LayerShape("conv1_1", "conv2d", 3, 114, 114, 64, 112, 112, 3, 3),
        LayerShape("conv1_2", "conv2d", 64, 114, 114, 64, 112, 112, 3, 3),
        LayerShape("conv3_2", "conv2d", 256, 30, 30, 256, 28, 28, 3, 3),
        LayerShape("conv5_2", "conv2d", 512, 16, 16, 512, 14, 14, 3, 3),
    ]
    for shape in layers:
        best_mapping(shape, T)
        t0 = time.perf_counter()
        for _ in range(3):
            best_mapping(shape, T)
        assert (time.perf_counter() - t0) / 3 < 0.2, shape.name  # generous for loaded CI


# ---------------------------------------------------------------------------------------------
# forced mappings

DEEP = LayerShape("conv3", "conv2d", 128, 30, 30, 256, 28, 28, 3, 3)  # 1152 rows: 5 tiles


@pytest.mark.parametrize(
    "forced, match",
    [
        ({"strips": 2}, r"layer 'conv3': unknown key 'strips' in the forced mapping \(keys: "),
        ({"chains": "5"}, r"layer 'conv3': forced 'chains' must be a positive integer, got \"5\""),
        ({"chains": True}, r"forced 'chains' must be a positive integer, got true"),
        ({"chains": 0}, r"forced 'chains' must be a positive integer, got 0"),
        ({"chains": 5.0}, r"forced 'chains' must be a positive integer, got 5.0"),
        (
            {"stripes": 2, "chains": 5},
            r"layer 'conv3': forced stripes x chains x parallel = 2x5x1 = 10 tiles > 8 per cluster",
        ),
        (
            {"cluster_stripes": 4, "cluster_rounds": 4},
            r"cluster_stripes x cluster_rounds = 4x4 = 16 clusters > 8 available",
        ),
        (
            {"chains": 4, "depth_splits": 1},
            r"layer 'conv3': a kernel window of 1152 rows in 1 depth block\(s\) needs 5 chained "
            r"tiles at 4 bits, chains=4 \(forced mapping",
        ),
        (
            {"parallel": 4, "depth_splits": 2},
            r"1152 rows in 2 depth block\(s\) needs 3 chained tiles at 4 bits, chains=2 \(forced",
        ),
        (
            {"depth_splits": 1200, "copies": 1},
            r"layer 'conv3': depth_splits=1200 > 1152 kernel rows",
        ),
        ({"depth_splits": 0}, r"forced 'depth_splits' must be a positive integer, got 0"),
        ({"copies": 40}, r"copies=40 > 28 output columns"),
        ([5, 1, 1], r"layer 'conv3': a forced mapping is an object"),
    ],
)
def test_forced_mapping_errors(forced, match):
    with pytest.raises(EdgeAIError, match=match) as e:
        check_forced(DEEP, forced, T)
    assert "\n" not in str(e.value)


def test_forced_mapping_is_completed_by_the_mapper():
    m, cost = check_forced(DEEP, {"stripes": 1, "chains": 5, "parallel": 1}, T)
    assert (m.stripes, m.chains, m.parallel) == (1, 5, 1)
    legal = [
        x
        for x in candidate_mappings(DEEP, T, fixed={"depth_splits": 1})
        if (x.stripes, x.chains, x.parallel) == (1, 5, 1)
    ]
    want = min((layer_cost(DEEP, x, T) for x in legal), key=lambda c: _order(c, "cycles"))
    assert m == want.mapping and cost.cycles_all_clusters == want.cycles_all_clusters
    # 4 chains hold 1024 rows: the mapper completes with 2 depth blocks of 576
    m4, c4 = check_forced(DEEP, {"chains": 4}, T)
    assert m4.chains == 4 and m4.depth_splits == 2 and c4.psum_cycles > 0
    # forced depth splits: kept, the rest chosen
    assert check_forced(DEEP, {"depth_splits": 3}, T)[0].depth_splits == 3
    dw = LayerShape("dw", "depthwise", 8, 10, 10, 8, 8, 8, 3, 3)
    with pytest.raises(EdgeAIError, match="a depthwise kernel is not split in depth"):
        check_forced(dw, {"depth_splits": 2}, T)
    # fully forced: kept as given
    full = {"stripes": 1, "chains": 8, "parallel": 1, "copies": 1}
    full |= {"cluster_stripes": 2, "cluster_rounds": 4}
    assert check_forced(DEEP, full, T)[0] == Mapping(**full)
    # single-cluster search with a forced cluster split is a contradiction
    with pytest.raises(EdgeAIError, match="2 clusters > 1 available"):
        check_forced(DEEP, {"cluster_rounds": 2}, T, clusters=1)


def test_kernels_deeper_than_a_chain_take_depth_splits():
    fc = LayerShape("fc6", "dense", 4096, 1, 1, 1000, 1, 1)
    m, c = best_mapping(fc, T)
    # 4096 rows at 4 bits: 16 tiles' worth -> at least 2 blocks on a chain of 8
    assert m.depth_splits >= 2 and c.psum_bytes == 2 * (m.depth_splits - 1) * 1000 * 4
    with pytest.raises(MappingError, match=r"layer 'fc6': .*4096 rows in 1 depth block\(s\) "):
        best_mapping(fc, T, fixed={"depth_splits": 1})
    # at 1 bit the same kernel fits 4 tiles: no depth split
    fc1 = LayerShape("fc6", "dense", 4096, 1, 1, 1000, 1, 1, w_bits=1, a_bits=1)
    m1, c1 = best_mapping(fc1, T)
    assert m1.depth_splits == 1 and m1.chains >= 4 and c1.psum_cycles == 0


# ---------------------------------------------------------------------------------------------
# legality on nn modules

PAD = "padding = array<i64: 1, 1, 1, 1>"
UNIT = "strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>"


def _ops(body: str, args: str) -> list:
    import edgeai
    from edgeai.reference.interpreter import find_main

    text = f"func.func @main({args}) {{\n{body}\n  func.return\n}}"
    module = edgeai.parse_mlir(text)
    return [op for op in find_main(module).body.block.ops if op.name.startswith("nn.")]


def _conv(x, w, y, attrs, op="nn.conv2d", extra=""):
    return (
        f"  %w = nn.constant dense<1> : tensor<{w}>\n"
        f"  %y = {op} %x, %w {{{attrs}{extra}}} : (tensor<{x}>, tensor<{w}>) -> tensor<{y}>"
    )


X4 = "1x8x8x3x!nn.q<u4, 0.1:3>"
W4 = "16x3x3x3x!nn.q<i4, 0.5:0>"
Y4 = "1x8x8x16x!nn.q<i4, 0.2:-1>"
CONV_ATTRS = f"{UNIT}, {PAD}, groups = 1 : i64"


def _verdict(body, x, target=T):
    ops = [op for op in _ops(body, f"%x: tensor<{x}>") if op.name != "nn.constant"]
    return verdict(ops[-1], target), ops[-1]


def test_quantized_conv_maps_with_its_shape():
    (ok, why), op = _verdict(
        _conv(X4, W4, Y4, CONV_ATTRS, extra=', act = #nn.act<relu>, layer = "c1"'), X4
    )
    assert ok and why.startswith("nn.conv2d: conv2d 3x3/1x1 3->16, 4-bit weights x 4-bit")
    assert layer_shape(op) == LayerShape("c1", "conv2d", 3, 8, 8, 16, 8, 8, 3, 3, 1, 1, 4, 4)


def test_strided_1x1_8bit_per_channel_conv_maps():
    scales = ", ".join(["0.5:0"] * 4)
    w = f"4x1x1x3x!nn.q<i8:0, {{{scales}}}>"
    attrs = "strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, "
    attrs += "padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64"
    x = "1x8x8x3x!nn.q<i8, 0.1:-3>"
    (ok, why), op = _verdict(_conv(x, w, "1x4x4x4x!nn.q<i8, 0.2:0>", attrs), x)
    assert ok, why
    s = layer_shape(op)
    assert (s.kh, s.kw, s.stride_h, s.out_h, s.w_bits, s.a_bits) == (1, 1, 2, 4, 8, 8)


def test_depthwise_and_binary_dense_map():
    x = "1x6x6x4x!nn.q<u2, 0.1:0>"
    dw = _conv(
        x, "1x3x3x4x!nn.bin", "1x6x6x4x!nn.q<u2, 0.3:1>", f"{UNIT}, {PAD}", "nn.depthwise_conv2d"
    )
    (ok, why), op = _verdict(dw, x)
    assert ok, why
    assert layer_shape(op).kind == "depthwise" and layer_shape(op).w_bits == 1
    xd = "1x64x!nn.bin"
    dense = (
        "  %w = nn.constant dense<1> : tensor<10x64x!nn.bin>\n"
        f"  %y = nn.dense %x, %w : (tensor<{xd}>, tensor<10x64x!nn.bin>) -> tensor<1x10x!nn.q<i8, 0.5:0>>"
    )
    (ok, why), op = _verdict(dense, xd)
    assert ok and layer_shape(op) == LayerShape(
        "nn.dense", "dense", 64, 1, 1, 10, 1, 1, w_bits=1, a_bits=1
    )


@pytest.mark.parametrize(
    "x, w, y, attrs, op, reason",
    [
        (
            "1x8x8x3xf32",
            "16x3x3x3xf32",
            "1x8x8x16xf32",
            CONV_ATTRS,
            "nn.conv2d",
            "nn.conv2d: float weights: the tiles compute integers",
        ),
        (
            "1x8x8x3xf32",
            "16x3x3x3x!nn.bin",
            "1x8x8x16xf32",
            CONV_ATTRS,
            "nn.conv2d",
            "nn.conv2d: float features: the tiles compute integers",
        ),
        (
            X4,
            "16x3x3x3x!nn.q<i4, 0.5:2>",
            Y4,
            CONV_ATTRS,
            "nn.conv2d",
            "weight zero point 2: the tiles need symmetric weights",
        ),
        (
            X4,
            "16x3x3x3x!nn.q<u4, 0.5:0>",
            Y4,
            CONV_ATTRS,
            "nn.conv2d",
            "unsigned weights (u4): the tiles hold signed weights",
        ),
        (
            X4,
            "16x3x3x3x!nn.q<i16, 0.5:0>",
            Y4,
            CONV_ATTRS,
            "nn.conv2d",
            "16-bit weights: the NPU takes 1..8 bits",
        ),
        (
            "1x8x8x3x!nn.q<i16, 0.1:0>",
            W4,
            Y4,
            CONV_ATTRS,
            "nn.conv2d",
            "16-bit features: the NPU takes 1..8 bits",
        ),
        (X4, W4, "1x8x8x16xi32", CONV_ATTRS, "nn.conv2d", "i32 result: the output unit writes"),
        (X4, W4, "1x8x8x16x!nn.q<i16, 0.2:0>", CONV_ATTRS, "nn.conv2d", "16-bit result"),
        (
            "2x8x8x3x!nn.q<u4, 0.1:3>",
            W4,
            "2x8x8x16x!nn.q<i4, 0.2:-1>",
            CONV_ATTRS,
            "nn.conv2d",
            "batch 2",
        ),
        (
            X4,
            W4,
            "1x6x6x16x!nn.q<i4, 0.2:-1>",
            f"strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, {PAD}, groups = 1 : i64",
            "nn.conv2d",
            "dilation [2, 2]",
        ),
        (
            "1x8x8x4x!nn.q<u4, 0.1:3>",
            "16x3x3x2x!nn.q<i4, 0.5:0>",
            Y4,
            f"{UNIT}, {PAD}, groups = 2 : i64",
            "nn.conv2d",
            "grouped convolution (groups=2)",
        ),
        (
            X4,
            "1x3x3x6x!nn.q<i4, 0.5:0>",
            "1x8x8x6x!nn.q<i4, 0.2:0>",
            f"{UNIT}, {PAD}",
            "nn.depthwise_conv2d",
            "depthwise channel multiplier 2",
        ),
    ],
)
def test_refused_layers_and_reasons(x, w, y, attrs, op, reason):
    (ok, why), _ = _verdict(_conv(x, w, y, attrs, op), x)
    assert not ok and reason in why
    assert "\n" not in why


def test_refused_non_constant_weights_and_host_ops():
    body = (
        f"  %y = nn.conv2d %x, %w {{{CONV_ATTRS}}} : (tensor<{X4}>, tensor<{W4}>) -> tensor<{Y4}>\n"
        "  %p = nn.max_pool2d %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, "
        "dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : "
        f"(tensor<{Y4}>) -> tensor<1x4x4x16x!nn.q<i4, 0.2:-1>>\n"
        "  %r = nn.reshape %p : (tensor<1x4x4x16x!nn.q<i4, 0.2:-1>>) -> tensor<1x256x!nn.q<i4, 0.2:-1>>"
    )
    conv, pool, reshape = _ops(body, f"%x: tensor<{X4}>, %w: tensor<{W4}>")
    assert tuple(verdict(conv)) == (
        False,
        "nn.conv2d: weights are not a constant: the tiles hold stationary weights",
    )
    assert tuple(verdict(pool)) == (False, "nn.max_pool2d: no pooling unit on the DIMC NPU")
    assert legality(pool) == Verdict(False, "nn.max_pool2d: no pooling unit on the DIMC NPU")
    ok, _ = verdict(reshape)
    assert not ok and not legality(reshape).supported
    with pytest.raises(EdgeAIError, match="nn.max_pool2d 'nn.max_pool2d': not a conv2d"):
        layer_shape(pool)


DEEP_X = "1x8x8x256x!nn.q<u4, 0.1:3>"
DEEP_CONV = _conv(DEEP_X, "8x3x3x256x!nn.q<i4, 0.5:0>", "1x8x8x8x!nn.q<i4, 0.2:0>", CONV_ATTRS)


def test_deep_kernel_maps_in_depth_blocks():
    """A 3x3x256 kernel (2304 4-bit weights) is deeper than a chain of 8 tiles (2048 rows): it
    maps, in 2 depth blocks; the reason says so. A 16-tile cluster holds it in one block."""
    (ok, why), op = _verdict(DEEP_CONV, DEEP_X)
    assert ok and why == (
        "nn.conv2d: conv2d 3x3/1x1 256->8, 4-bit weights x 4-bit features on the tiles "
        "(2304-row window: 2+ depth blocks, partial sums via the cluster memory)"
    )
    assert min_depth_splits(layer_shape(op), T) == (8, 2)
    big = load_target(overrides={"tiles_per_cluster": 16})
    (ok, why), _ = _verdict(DEEP_CONV, DEEP_X, big)
    assert ok and "depth blocks" not in why


def test_target_limits_change_the_verdict():
    """What the tiles refuse depends on the target: 8-bit weights need `layer_max_bits` 8 and
    two columns per kernel; a depthwise window (never cut in depth) must fit one chain."""
    x8 = "1x8x8x3x!nn.q<u8, 0.1:3>"
    body = _conv(x8, "16x3x3x3x!nn.q<i8, 0.5:0>", "1x8x8x16x!nn.q<u8, 0.2:0>", CONV_ATTRS)
    assert _verdict(body, x8)[0][0]
    (ok, why), _ = _verdict(body, x8, load_target(overrides={"layer_max_bits": 4}))
    assert not ok and why == "nn.conv2d: 8-bit weights: the NPU takes 1..4 bits"
    (ok, why), _ = _verdict(body, x8, load_target(overrides={"columns_per_tile": 1}))
    assert not ok and why == ("nn.conv2d: 2 weight slices x 1 copies = 2 columns > 1 per tile")
    x4 = "1x8x8x4x!nn.q<u4, 0.1:0>"
    dw = _conv(
        x4,
        "1x3x3x4x!nn.q<i4, 0.5:0>",
        "1x8x8x4x!nn.q<u4, 0.3:0>",
        f"{UNIT}, {PAD}",
        "nn.depthwise_conv2d",
    )
    assert _verdict(dw, x4)[0][0]
    one_tile = load_target(overrides={"tiles_per_cluster": 1, "bits_per_column": 32})
    (ok, why), _ = _verdict(dw, x4, one_tile)
    assert not ok and why == (
        "nn.depthwise_conv2d: a kernel window of 9 rows in 1 depth block(s) needs 2 chained "
        "tiles at 4 bits, chains=1"
    )


def test_supported_ops_rows():
    rows = {r.op: r for r in supported_ops()}
    assert all(isinstance(r, SupportRow) for r in rows.values())
    assert {k for k, r in rows.items() if r.supported} == {
        "nn.conv2d",
        "nn.depthwise_conv2d",
        "nn.dense",
    }
    for check in MAC_CHECKS:  # every rule's docstring is in the conditions
        first = " ".join(check.__doc__.split("\n\n")[0].split())
        assert first in rows["nn.conv2d"].conditions
    assert "cut into depth blocks" in rows["nn.dense"].conditions
    assert rows["nn.max_pool2d"].conditions == "no pooling unit on the DIMC NPU"
    assert rows["nn.max_pool2d"].runs_as == "host Cortex-M"
    assert list(rows) == sorted(rows)


def test_layer_cost_as_dict_is_json():
    import json

    c = layer_cost(CONV, Mapping(stripes=1, cluster_stripes=2, cluster_rounds=2), T)
    d = json.loads(json.dumps(c.as_dict()))
    assert d["cycles_all_clusters"] == 184 and d["cycles_1cluster"] == 584
    assert d["cluster_cycles"] == [184, 184, 144, 144] and d["stripes"] == 1
    assert d["depth_splits"] == 1 and d["psum_cycles"] == 0 and d["energy_psum_j"] == 0
    assert all(isinstance(v, int | float) for v in c.figures().values())
