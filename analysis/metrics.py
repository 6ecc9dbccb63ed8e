"""Validation metrics between reference outputs and tested outputs.

For each output tensor (flattened over samples): max |error|, RMSE, MAE, L2R (relative L2 error
`||y - r|| / ||r||`), COS (cosine similarity), NSE (Nash–Sutcliffe efficiency
`1 - sum((y - r)^2) / sum((r - mean(r))^2)`), bit-exactness for integer outputs, and for
classifier-like outputs (last axis > 1) top-1 agreement, plus accuracy and a confusion matrix
when labels are given.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass
class OutputMetrics:
    name: str
    dtype: str
    count: int
    max_abs: float
    rmse: float
    mae: float
    l2r: float
    cos: float
    nse: float
    bit_exact: bool | None
    differing: int
    top1_agreement: float | None = None
    accuracy_reference: float | None = None
    accuracy_tested: float | None = None
    confusion: list[list[int]] | None = field(default=None)

    def as_dict(self) -> dict:
        return asdict(self)


def compare(
    name: str, reference: np.ndarray, tested: np.ndarray, labels: np.ndarray | None = None
) -> OutputMetrics:
    """Metrics of `tested` against `reference` (same shape; a leading sample axis is allowed)."""
    r = np.asarray(reference)
    y = np.asarray(tested)
    if r.shape != y.shape:
        raise ValueError(f"output '{name}': shapes {r.shape} and {y.shape} differ")
    rf, yf = r.astype(np.float64).ravel(), y.astype(np.float64).ravel()
    err = yf - rf
    n = err.size
    sq = float(np.sum(err * err))
    rnorm = float(np.linalg.norm(rf))
    denom = rnorm * float(np.linalg.norm(yf))
    var = float(np.sum((rf - rf.mean()) ** 2)) if n else 0.0
    integer = r.dtype.kind in "iub"
    m = OutputMetrics(
        name=name,
        dtype=str(r.dtype),
        count=n,
        max_abs=float(np.max(np.abs(err))) if n else 0.0,
        rmse=math.sqrt(sq / n) if n else 0.0,
        mae=float(np.mean(np.abs(err))) if n else 0.0,
        l2r=(math.sqrt(sq) / rnorm) if rnorm > 0 else (0.0 if sq == 0 else math.inf),
        cos=(float(rf @ yf) / denom) if denom > 0 else (1.0 if sq == 0 else 0.0),
        nse=(1.0 - sq / var) if var > 0 else (1.0 if sq == 0 else -math.inf),
        bit_exact=bool(np.array_equal(r, y)) if integer else None,
        differing=int(np.count_nonzero(err)),
    )
    if r.ndim >= 1 and r.shape[-1] > 1:
        rc = r.reshape(-1, r.shape[-1]).argmax(axis=1)
        yc = y.reshape(-1, y.shape[-1]).argmax(axis=1)
        m.top1_agreement = float(np.mean(rc == yc))
        if labels is not None:
            lab = np.asarray(labels).reshape(-1)
            if lab.size == rc.size:
                k = int(max(r.shape[-1], lab.max() + 1))
                m.accuracy_reference = float(np.mean(rc == lab))
                m.accuracy_tested = float(np.mean(yc == lab))
                conf = np.zeros((k, k), dtype=np.int64)
                np.add.at(conf, (lab, yc), 1)
                m.confusion = conf.tolist()
    return m


def format_metrics(ms: list[OutputMetrics]) -> str:
    lines = []
    for m in ms:
        exact = (
            ""
            if m.bit_exact is None
            else f"  bit-exact {'yes' if m.bit_exact else f'no ({m.differing}/{m.count} differ)'}"
        )
        top1 = "" if m.top1_agreement is None else f"  top-1 agreement {m.top1_agreement:.2%}"
        acc = (
            ""
            if m.accuracy_tested is None
            else f"  accuracy {m.accuracy_tested:.2%} (reference {m.accuracy_reference:.2%})"
        )
        lines.append(
            f"  {m.name} [{m.dtype}, {m.count} values]: max|err| {m.max_abs:.4g}  RMSE {m.rmse:.4g}  MAE {m.mae:.4g}  "
            f"L2R {m.l2r:.4g}  COS {m.cos:.6f}  NSE {m.nse:.6f}{exact}{top1}{acc}"
        )
    return "\n".join(lines)
