"""A layer's placement on DIMC tiles: its shape, the mapping choice, and the geometry they imply.

The cost model (`cost.py`), the mapper (`imc-map-tiles`), the `imc` dialect's verifiers and the
simulator (`sim.py`) all read the same `Geometry`, so what is costed is what is simulated.

A layer (`LayerShape`) is a convolution, a depthwise convolution or a dense layer with `out_c`
kernels of `depth` weights each. A mapping (`Mapping`) chooses, inside one cluster,

* `chains`: tiles one behind the other, each holding a slice of the kernel's rows; their
  partial sums flow down the chain;
* `parallel`: chains holding different kernels, fed the same features;
* `stripes`: chains holding the same kernels, fed different horizontal stripes of the output;
* `copies`: side-by-side copies of a kernel in the columns of one chain, each shifted by one
  output column (`stride_w` input columns): one pass then computes `copies` adjacent outputs
  of a row from a window `kw + (copies - 1) * stride_w` wide;

* `depth_splits`: a kernel window deeper than one chain can hold is cut into this many
  consecutive blocks of rows, computed one after the other (each block its own weight load);
  the output unit keeps the partial sums of a block (`psum_bits` each, spilled to and read
  back from the cluster's memory) and adds the next block's;

with `stripes * chains * parallel <= tiles_per_cluster`; and across clusters,
`cluster_stripes` clusters taking more stripes (the kernels broadcast to them) times
`cluster_rounds` clusters taking different kernel rounds.

Tile rows. A chain's rows hold one kernel window, ordered `(ky, kx, c)` with `c` fastest:
row `(ky * window_w + kx) * in_c + c` for a convolution (the copy `m` of a kernel has tap
`(ky, kx, c)` at column `kx + m * stride_w`, zeros elsewhere), row `c` for a dense layer. A
depthwise layer places its channels block-diagonally: channel slot `j` of the chain owns rows
`j * kernel_rows + ky * window_w + kx` and only its own columns. The rows are split over the
chain's tiles in equal consecutive slices of `rows_per_chain_tile`. With depth splits, block `d`
holds the window rows `d * rows_used ..` (`block_rows(d)`; the last block may be shorter) and
the chain's tiles split the block's rows the same way.

Tile columns. A chain holds `kernels_per_chain` kernels per round, each as `w_slices` columns
(4-bit weight slices, least significant first) times `copies`; columns are ordered
`(kernel, copy, slice)` with `slice` fastest. Kernel `k` of round `r` sits in parallel group
`(k // kernels_per_chain) % parallel` with `r = k // (kernels_per_chain * parallel)`.

Precision. Weights above `tile_max_bits` are split into `w_slices` slices (low slices unsigned,
the top one signed); features above it are streamed in `a_passes` bit-serial passes (4-bit
slices, least significant first). Partial results are shifted and added in the output unit.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from edgeai.backends.imc.target import ImcTarget
from edgeai.support.errors import EdgeAIError

__all__ = ["KINDS", "LayerShape", "Mapping", "Geometry", "MappingError", "geometry"]

#: layer kinds the tiles compute
KINDS = ("conv2d", "depthwise", "dense")


class MappingError(EdgeAIError):
    """A mapping that does not fit the tiles (one line naming the layer and the limit)."""


@dataclass(frozen=True)
class LayerShape:
    """What the mapper needs of one layer (NHWC; dense: all spatial sizes 1)."""

    name: str
    kind: str
    in_c: int
    in_h: int
    in_w: int
    out_c: int
    out_h: int
    out_w: int
    kh: int = 1
    kw: int = 1
    stride_h: int = 1
    stride_w: int = 1
    w_bits: int = 4
    a_bits: int = 4

    @property
    def depth(self) -> int:
        """Weights of one kernel (one output channel)."""
        per_c = 1 if self.kind == "depthwise" else self.in_c
        return self.kh * self.kw * per_c

    @property
    def macs(self) -> int:
        """Multiply-accumulates per inference."""
        return self.out_h * self.out_w * self.out_c * self.depth

    @property
    def params(self) -> int:
        """Weights (no bias)."""
        return self.out_c * self.depth

    @property
    def weight_bytes(self) -> int:
        """Weights at their bit width, in bytes."""
        return (self.params * self.w_bits + 7) // 8

    @property
    def input_bytes(self) -> int:
        """The input feature map at `a_bits`, in bytes."""
        return (self.in_h * self.in_w * self.in_c * self.a_bits + 7) // 8

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Mapping:
    """The choice the mapper makes (or the user forces) for one layer."""

    stripes: int = 1
    chains: int = 1
    parallel: int = 1
    copies: int = 1
    cluster_stripes: int = 1
    cluster_rounds: int = 1
    depth_splits: int = 1

    @property
    def tiles(self) -> int:
        """Tiles used in each cluster."""
        return self.stripes * self.chains * self.parallel

    @property
    def clusters(self) -> int:
        """Clusters used."""
        return self.cluster_stripes * self.cluster_rounds

    def single_cluster(self) -> Mapping:
        """The same tile arrangement on one cluster."""
        return Mapping(
            self.stripes, self.chains, self.parallel, self.copies, 1, 1, self.depth_splits
        )

    def as_dict(self) -> dict:
        # flat int fields: no asdict() deep copy (geometry() calls this on every mapping tried)
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Geometry:
    """Everything a (shape, mapping, target) triple fixes about rows, columns and rounds."""

    shape: LayerShape
    mapping: Mapping
    tile_w_bits: int
    w_slices: int
    tile_a_bits: int
    a_passes: int
    rows_per_tile: int
    window_w: int
    kernel_rows: int
    depth_splits: int
    kernels_per_chain: int
    rows_used: int
    rows_per_chain_tile: int
    columns_used: int
    kernel_rounds: int
    rounds_per_cluster: int
    total_stripes: int
    stripe_rows: int
    passes_per_row: int

    # -- where things are -----------------------------------------------------------------

    def kernels_of(self, round_: int, group: int) -> range:
        """Output channels held by parallel group `group` in kernel round `round_`."""
        start = (round_ * self.mapping.parallel + group) * self.kernels_per_chain
        return range(
            min(start, self.shape.out_c), min(start + self.kernels_per_chain, self.shape.out_c)
        )

    def block_rows(self, block: int = 0) -> range:
        """Rows of the kernel window in depth block `block` (0 .. depth_splits - 1)."""
        return range(
            min(block * self.rows_used, self.kernel_rows),
            min((block + 1) * self.rows_used, self.kernel_rows),
        )

    def chain_rows(self, tile: int, block: int = 0) -> range:
        """Rows held by tile `tile` (0 = head) of a chain in depth block `block`, counted from
        the block's first row (without depth splits: the window's rows)."""
        r = self.rows_per_chain_tile
        n = len(self.block_rows(block)) if self.shape.kind != "depthwise" else self.rows_used
        return range(min(tile * r, n), min((tile + 1) * r, n))

    def row_of(self, ky: int, kx: int, c: int = 0, slot: int = 0) -> int:
        """Row of kernel tap (ky, kx, c) in window coordinates (`kx` < window_w); `slot`: the
        depthwise channel slot of the chain."""
        s = self.shape
        if s.kind == "dense":
            return c
        if s.kind == "depthwise":
            return slot * self.kernel_rows + ky * self.window_w + kx
        return (ky * self.window_w + kx) * s.in_c + c

    def stripe_rows_of(self, stripe: int) -> range:
        """Output rows of stripe `stripe` (0 .. total_stripes - 1)."""
        h = self.shape.out_h
        return range(min(stripe * self.stripe_rows, h), min((stripe + 1) * self.stripe_rows, h))

    def cluster_share(self, cluster: int) -> tuple[range, range]:
        """(kernel rounds, stripes) computed by cluster `cluster` (0 .. mapping.clusters - 1).

        Cluster `i` takes the stripe block `i % cluster_stripes` (stripes `block * stripes ...`)
        and the round block `i // cluster_stripes` (consecutive rounds).
        """
        m = self.mapping
        sb, rb = cluster % m.cluster_stripes, cluster // m.cluster_stripes
        rounds = range(
            min(rb * self.rounds_per_cluster, self.kernel_rounds),
            min((rb + 1) * self.rounds_per_cluster, self.kernel_rounds),
        )
        return rounds, range(sb * m.stripes, (sb + 1) * m.stripes)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("shape")
        d.pop("mapping")
        return d


def _check(ok: bool, shape: LayerShape, msg: str) -> None:
    if not ok:
        raise MappingError(f"layer '{shape.name}': {msg}")


def geometry(shape: LayerShape, mapping: Mapping, target: ImcTarget) -> Geometry:
    """The geometry of `mapping` for `shape` on `target`; `MappingError` when it does not fit."""
    m, t, s = mapping, target, shape
    _check(s.kind in KINDS, s, f"kind '{s.kind}' is not one of {', '.join(KINDS)}")
    for k, v in m.as_dict().items():
        _check(isinstance(v, int) and v >= 1, s, f"{k}={v}: must be a positive integer")
    for k in ("w_bits", "a_bits"):
        b = getattr(s, k)
        _check(1 <= b <= t.layer_max_bits, s, f"{k}={b}: the NPU takes 1..{t.layer_max_bits}")
    _check(
        m.tiles <= t.tiles_per_cluster,
        s,
        f"stripes x chains x parallel = {m.stripes}x{m.chains}x{m.parallel} = {m.tiles} "
        f"tiles > {t.tiles_per_cluster} per cluster",
    )
    _check(
        m.clusters <= t.clusters,
        s,
        f"cluster_stripes x cluster_rounds = {m.clusters} > {t.clusters} clusters",
    )
    _check(s.kind != "dense" or m.copies == 1, s, "a dense layer has no kernel copies")
    _check(m.copies <= s.out_w, s, f"copies={m.copies} > {s.out_w} output columns")
    tile_w_bits = min(s.w_bits, t.tile_max_bits)
    w_slices = math.ceil(s.w_bits / t.tile_max_bits)
    tile_a_bits = min(s.a_bits, t.tile_max_bits)
    a_passes = math.ceil(s.a_bits / t.tile_max_bits)
    rows_per_tile = t.rows_per_tile(tile_w_bits)
    window_w = s.kw + (m.copies - 1) * s.stride_w
    if s.kind == "dense":
        kernel_rows = s.in_c
    elif s.kind == "depthwise":
        kernel_rows = s.kh * window_w
    else:
        kernel_rows = s.kh * window_w * s.in_c
    _check(
        s.kind != "depthwise" or m.depth_splits == 1,
        s,
        "a depthwise kernel is not split in depth (depth_splits must be 1)",
    )
    _check(
        m.depth_splits <= kernel_rows,
        s,
        f"depth_splits={m.depth_splits} > {kernel_rows} kernel rows",
    )
    cols_per_kernel = w_slices * m.copies
    _check(
        cols_per_kernel <= t.columns_per_tile,
        s,
        f"{w_slices} weight slices x {m.copies} copies = {cols_per_kernel} columns "
        f"> {t.columns_per_tile} per tile",
    )
    kpc = min(s.out_c, t.columns_per_tile // cols_per_kernel)
    capacity = m.chains * rows_per_tile
    if s.kind == "depthwise":
        kpc = min(kpc, capacity // kernel_rows)
        rows_used = kpc * kernel_rows
    else:
        rows_used = math.ceil(kernel_rows / m.depth_splits)
        _check(
            m.depth_splits == 1 or (m.depth_splits - 1) * rows_used < kernel_rows,
            s,
            f"depth_splits={m.depth_splits}: the last of blocks of {rows_used} rows is empty",
        )
    # rows the chain must hold: the block, or one depthwise slot when none fits
    need_rows = max(rows_used, kernel_rows) if s.kind == "depthwise" else rows_used
    _check(
        kpc >= 1 and rows_used <= capacity,
        s,
        f"a kernel window of {kernel_rows} rows in {m.depth_splits} depth block(s) needs "
        f"{math.ceil(need_rows / rows_per_tile)} chained tiles at {tile_w_bits} bits, "
        f"chains={m.chains}",
    )
    _check(m.chains <= rows_used, s, f"chains={m.chains} > {rows_used} rows to hold")
    groups = math.ceil(s.out_c / kpc)
    _check(
        m.parallel <= groups,
        s,
        f"parallel={m.parallel} > {groups} groups of {kpc} kernels (idle tiles)",
    )
    rounds = math.ceil(s.out_c / (kpc * m.parallel))
    _check(
        m.cluster_rounds <= rounds,
        s,
        f"cluster_rounds={m.cluster_rounds} > {rounds} kernel rounds",
    )
    total_stripes = m.stripes * m.cluster_stripes
    _check(total_stripes <= s.out_h, s, f"{total_stripes} stripes > {s.out_h} output rows")
    return Geometry(
        shape=s,
        mapping=m,
        tile_w_bits=tile_w_bits,
        w_slices=w_slices,
        tile_a_bits=tile_a_bits,
        a_passes=a_passes,
        rows_per_tile=rows_per_tile,
        window_w=window_w,
        kernel_rows=kernel_rows,
        depth_splits=m.depth_splits,
        kernels_per_chain=kpc,
        rows_used=rows_used,
        rows_per_chain_tile=math.ceil(rows_used / m.chains),
        columns_used=kpc * cols_per_kernel,
        kernel_rounds=rounds,
        rounds_per_cluster=math.ceil(rounds / m.cluster_rounds),
        total_stripes=total_stripes,
        stripe_rows=math.ceil(s.out_h / total_stripes),
        passes_per_row=math.ceil(s.out_w / m.copies),
    )
