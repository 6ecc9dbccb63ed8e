"""Range observers: from calibration values to a quantization range per tensor.

All methods see the same data: a first pass records the min/max of each tensor, a second pass
(histogram methods only) accumulates a histogram of `bins` bins over that range.

* `minmax`: the observed range (always including 0).
* `percentile`: the range holding `percentile` % of the values (tails clipped equally).
* `mse`: the range among shrunken candidates that minimizes the expected squared quantization
  error (rounding inside, clipping outside) computed on the histogram.
* `kl`: the clipping threshold minimizing the KL divergence between the histogram and its
  quantized version (entropy calibration); one-sided for non-negative tensors, on |x| otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class TensorStats:
    """Running statistics of one tensor over the calibration set."""

    lo: float = np.inf
    hi: float = -np.inf
    count: int = 0
    hist: np.ndarray | None = None
    edges: np.ndarray | None = None
    samples: list[float] = field(default_factory=list)

    def update_range(self, x: np.ndarray) -> None:
        if x.size:
            self.lo = min(self.lo, float(np.min(x)))
            self.hi = max(self.hi, float(np.max(x)))
            self.count += x.size

    def update_hist(self, x: np.ndarray, bins: int) -> None:
        if self.edges is None:
            lo, hi = min(self.lo, 0.0), max(self.hi, 0.0)
            if hi - lo <= 0:
                hi = lo + 1e-6
            self.edges = np.linspace(lo, hi, bins + 1)
            self.hist = np.zeros(bins, dtype=np.float64)
        h, _ = np.histogram(np.clip(x, self.edges[0], self.edges[-1]), bins=self.edges)
        self.hist += h


def quant_grid(lo: float, hi: float, qmin: int, qmax: int) -> tuple[float, int]:
    """(scale, zero point) mapping [lo, hi] (0 included) onto [qmin, qmax] (TFLite nudging)."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo <= 0:
        return 1.0, int(np.clip(0, qmin, qmax))
    scale = float(np.float32((hi - lo) / (qmax - qmin)))
    if scale <= 0 or not np.isfinite(scale):
        scale = float(np.finfo(np.float32).tiny)
    zp = int(np.clip(np.round(qmin - lo / scale), qmin, qmax))
    return scale, zp


def _expected_error(
    centers: np.ndarray, counts: np.ndarray, scale: float, zp: int, qmin: int, qmax: int
) -> float:
    q = np.clip(np.round(centers / scale) + zp, qmin, qmax)
    err = centers - (q - zp) * scale
    return float(np.sum(counts * err * err))


def range_minmax(st: TensorStats) -> tuple[float, float]:
    return min(st.lo, 0.0), max(st.hi, 0.0)


def range_percentile(st: TensorStats, percentile: float) -> tuple[float, float]:
    assert st.hist is not None and st.edges is not None
    cdf = np.cumsum(st.hist)
    total = cdf[-1]
    if total <= 0:
        return range_minmax(st)
    tail = (100.0 - percentile) / 100.0 * total
    lo_i = int(np.searchsorted(cdf, tail, side="left"))
    hi_i = int(np.searchsorted(cdf, total - tail, side="left"))
    lo = float(st.edges[lo_i]) if st.lo < 0 else 0.0
    hi = float(st.edges[min(hi_i + 1, len(st.edges) - 1)])
    return min(lo, 0.0), max(hi, 0.0)


def range_mse(st: TensorStats, qmin: int, qmax: int) -> tuple[float, float]:
    assert st.hist is not None and st.edges is not None
    centers = (st.edges[:-1] + st.edges[1:]) / 2
    lo0, hi0 = range_minmax(st)
    best, best_err = (lo0, hi0), np.inf
    for t in np.linspace(0.2, 1.0, 81):
        lo, hi = lo0 * t, hi0 * t
        scale, zp = quant_grid(lo, hi, qmin, qmax)
        err = _expected_error(centers, st.hist, scale, zp, qmin, qmax)
        if not np.isfinite(best_err) or err < best_err * (1 - 1e-12):
            best, best_err = (lo, hi), err
    return best


def range_kl(st: TensorStats, levels: int) -> tuple[float, float]:
    """Entropy calibration: the clipping threshold whose quantized histogram loses least.

    For a candidate threshold (the first `i` bins of the magnitude histogram) the reference `P` is
    those bins with all the clipped mass added to the last one; the candidate `Q` quantizes the
    in-range bins (without the clipped mass) into the available levels and spreads each level's
    mass evenly over its non-empty bins. The threshold with the least KL(P || Q) wins.
    """
    assert st.hist is not None and st.edges is not None
    centers = (st.edges[:-1] + st.edges[1:]) / 2
    one_sided = st.lo >= 0
    mag = centers if one_sided else np.abs(centers)
    nb = 2048
    top = float(np.max(np.abs(st.edges)))
    hist, edges = np.histogram(mag, bins=nb, range=(0.0, top), weights=st.hist)
    if hist.sum() <= 0:
        return range_minmax(st)
    nlev = levels if one_sided else levels // 2
    best_i, best_kl = nb, np.inf
    for i in range(nlev, nb + 1, 8):
        ref = hist[:i]
        p = ref.copy()
        p[-1] += hist[i:].sum()
        starts = np.linspace(0, i, nlev + 1).astype(np.int64)[:-1]
        starts = np.unique(starts)
        mass = np.add.reduceat(ref, starts)
        nonzero = np.add.reduceat((ref > 0).astype(np.float64), starts)
        per_bin = np.where(nonzero > 0, mass / np.maximum(nonzero, 1), 0.0)
        group = np.repeat(np.arange(starts.size), np.diff(np.append(starts, i)))
        q = np.where(ref > 0, per_bin[group], 0.0)
        if p.sum() <= 0 or q.sum() <= 0:
            continue
        pn, qn = p / p.sum(), q / q.sum()
        mask = pn > 0
        kl = float(np.sum(pn[mask] * np.log(pn[mask] / np.maximum(qn[mask], 1e-12))))
        if kl < best_kl:
            best_kl, best_i = kl, i
    thr = float(edges[best_i])
    if one_sided:
        return 0.0, thr
    return -thr if st.lo < 0 else 0.0, thr if st.hi > 0 else 0.0
