"""Binary (+-1) arithmetic on packed words: the semantics binary kernels implement bit for bit.

Packing (`pack_bits`): +-1 values are stored 32 per `uint32` word along the reduction (last)
axis. Element `k` goes to word `k // 32`, bit `k % 32` (least significant bit first, so a
little-endian word array is also the bytes in order); a set bit encodes -1 and a clear bit +1
(the sign bit, as Larq Compute Engine packs). The tail of the last word (when the length K is
not a multiple of 32) is filled with clear bits in every packed operand.

Dot product (`xnor_popcount_dot`): for +-1 vectors a, b of length K,
`sum(a * b) = K - 2 * popcount(a XOR b)` — each disagreeing position contributes -1 and each
agreeing one +1 (XNOR-popcount is the same count: `2 * popcount(XNOR) - K`). Tail bits are clear
in both operands, so they never disagree and K is the true length: the result is exact for any K.

Convolutions (`binary_conv2d`, `binary_depthwise_conv2d`) gather windows (im2col), pack them and
take the packed dot with the packed weights. Padding follows the `nn` convention: a padded tap
contributes 0, as in the float convolution of the dequantized values. Windows are padded with +1
(clear bits) and the padded taps' weights are subtracted afterwards (the correction Larq Compute
Engine uses for zero padding).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

WORD_BITS = 32


def words_for(k: int) -> int:
    """Number of 32-bit words holding k packed values."""
    return -(-k // WORD_BITS)


def pack_bits(x: np.ndarray) -> NDArray[np.uint32]:
    """Pack +-1 values along the last axis: `[..., K] -> [..., ceil(K / 32)]` uint32 words.

    Bit `k % 32` of word `k // 32` is set iff element k is -1; tail bits are clear. Raises
    ValueError for values other than +1 and -1."""
    a = np.asarray(x)
    if a.size and not np.all((a == 1) | (a == -1)):
        raise ValueError("pack_bits needs +1/-1 values")
    k = a.shape[-1] if a.ndim else 1
    a = a.reshape(*a.shape[:-1], k) if a.ndim else a.reshape(1)
    n = words_for(k)
    bits = np.zeros((*a.shape[:-1], n * WORD_BITS), dtype=np.uint64)
    bits[..., :k] = a < 0
    weights = np.uint64(1) << np.arange(WORD_BITS, dtype=np.uint64)
    words = (bits.reshape(*a.shape[:-1], n, WORD_BITS) * weights).sum(axis=-1, dtype=np.uint64)
    return words.astype(np.uint32)


def unpack_bits(words: np.ndarray, k: int) -> NDArray[np.int8]:
    """Inverse of `pack_bits`: `[..., W] -> [..., k]` +-1 int8 (k <= 32 * W)."""
    w = np.asarray(words, dtype=np.uint32)
    if k > w.shape[-1] * WORD_BITS:
        raise ValueError(f"{w.shape[-1]} words hold at most {w.shape[-1] * WORD_BITS} values")
    shifts = np.arange(WORD_BITS, dtype=np.uint32)
    bits = (w[..., :, None] >> shifts) & np.uint32(1)
    bits = bits.reshape(*w.shape[:-1], w.shape[-1] * WORD_BITS)[..., :k]
    return np.where(bits == 1, -1, 1).astype(np.int8)


def popcount(words: np.ndarray) -> NDArray[np.int64]:
    """Number of set bits of each word."""
    return np.bitwise_count(np.asarray(words, dtype=np.uint32)).astype(np.int64)


def xnor_popcount_dot(a: np.ndarray, b: np.ndarray, k: int) -> NDArray[np.int64]:
    """Integer dot products of packed +-1 rows: `a [..., M, W]` x `b [N, W]` -> `[..., M, N]`,
    `K - 2 * popcount(a XOR b)` summed over the W words (k: the true length K)."""
    pa = np.asarray(a, dtype=np.uint32)
    pb = np.asarray(b, dtype=np.uint32)
    if pa.ndim < 2 or pb.ndim != 2:
        raise ValueError("xnor_popcount_dot takes a [..., M, W] and b [N, W]")
    if pa.shape[-1] != pb.shape[-1] or pa.shape[-1] != words_for(k):
        raise ValueError(f"packed widths {pa.shape[-1]}, {pb.shape[-1]} do not hold K={k}")
    disagree = popcount(pa[..., :, None, :] ^ pb).sum(axis=-1)  # [..., M, N]
    return k - 2 * disagree


def binary_dense(x: np.ndarray, w: np.ndarray) -> NDArray[np.int64]:
    """`sum_k x[..., k] * w[n, k]` for +-1 x `[..., K]` and w `[N, K]`, through packed words."""
    k = x.shape[-1]
    lead = x.shape[:-1]
    px = pack_bits(x.reshape(-1, k))
    y = xnor_popcount_dot(px, pack_bits(w), k)
    return y.reshape(*lead, w.shape[0])


def _windows(
    x: np.ndarray,
    kh: int,
    kw: int,
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: Sequence[int],
    fill: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(patches `[N, OH, OW, KH, KW, C]` of x padded with `fill`, padded-tap mask
    `[OH, OW, KH, KW]`)."""
    n, h, w_, c = x.shape
    top, left, bottom, right = padding
    sh, sw = strides
    dh, dw = dilations
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    inside = np.pad(np.ones((h, w_), bool), ((top, bottom), (left, right)))
    oh = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1
    ow = (w_ + left + right - dw * (kw - 1) - 1) // sw + 1
    rows = (np.arange(oh) * sh)[:, None] + np.arange(kh) * dh  # [OH, KH]
    cols = (np.arange(ow) * sw)[:, None] + np.arange(kw) * dw  # [OW, KW]
    r = rows[:, None, :, None]
    q = cols[None, :, None, :]
    patches = xp[:, r, q, :]  # [N, OH, OW, KH, KW, C]
    return patches, ~inside[r, q]


def binary_conv2d(
    x: np.ndarray,
    w: np.ndarray,
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: Sequence[int],
    groups: int = 1,
) -> NDArray[np.int64]:
    """Integer 2-D convolution of +-1 x `[N, H, W, C]` with +-1 weights `[O, KH, KW, C/g]`
    (NHWC, OHWI), padded taps contributing 0, computed on packed words."""
    o, kh, kw, cg = w.shape
    patches, pad_mask = _windows(x, kh, kw, strides, dilations, padding, 1)
    n, oh, ow = patches.shape[:3]
    og = o // groups
    out = np.zeros((n, oh, ow, o), dtype=np.int64)
    for g in range(groups):
        cols = patches[..., g * cg : (g + 1) * cg].reshape(n * oh * ow, kh * kw * cg)
        wg = w[g * og : (g + 1) * og].reshape(og, kh * kw * cg)
        acc = xnor_popcount_dot(pack_bits(cols), pack_bits(wg), kh * kw * cg)
        # padded taps held +1: remove their +1 * w contributions (sum of w over the tap)
        tap_sums = w[g * og : (g + 1) * og].sum(axis=3, dtype=np.int64)  # [og, KH, KW]
        correction = np.einsum("pqhw,ohw->pqo", pad_mask.astype(np.int64), tap_sums)
        out[..., g * og : (g + 1) * og] = acc.reshape(n, oh, ow, og) - correction
    return out


def binary_depthwise_conv2d(
    x: np.ndarray,
    w: np.ndarray,
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: Sequence[int],
) -> NDArray[np.int64]:
    """Integer depthwise convolution of +-1 x `[N, H, W, C]` with +-1 weights
    `[1, KH, KW, C * M]` (output channel `c * M + m` reads channel c), padded taps
    contributing 0, computed on packed words (one K = KH * KW dot per output channel)."""
    _, kh, kw, cm = w.shape
    c = x.shape[3]
    m = cm // c
    patches, pad_mask = _windows(x, kh, kw, strides, dilations, padding, 1)
    n, oh, ow = patches.shape[:3]
    out = np.zeros((n, oh, ow, cm), dtype=np.int64)
    mask = pad_mask.astype(np.int64).reshape(oh, ow, kh * kw)
    for ch in range(cm):
        cols = patches[..., ch // m].reshape(n * oh * ow, kh * kw)
        wk = w[0, :, :, ch].reshape(1, kh * kw)
        acc = xnor_popcount_dot(pack_bits(cols), pack_bits(wk), kh * kw)[:, 0]
        correction = mask @ wk[0].astype(np.int64)  # [OH, OW]
        out[..., ch] = acc.reshape(n, oh, ow) - correction
    return out


# ---------------------------------------------------------------------------------------------
# sign(f(acc)) as an integer threshold


SignFn = Callable[[np.ndarray], np.ndarray]


def _threshold_of_pattern(hit: np.ndarray, lo: int) -> tuple[int, int] | None:
    """(threshold, direction) reproducing `hit` (hit[i]: +1 at lo + i), None when `hit` is
    neither an up-set (ascending: acc >= t) nor a down-set (descending: acc <= t)."""
    n = hit.size
    if hit.all():
        return lo, 1
    if not hit.any():
        return lo + n, 1
    first = int(np.argmax(hit))
    if hit[first:].all():
        return lo + first, 1
    last = n - 1 - int(np.argmax(hit[::-1]))
    if hit[: last + 1].all() and first == 0:
        return lo + last, -1
    return None


def sign_thresholds(
    sign_of: SignFn, lo: np.ndarray, hi: np.ndarray, *, enumerate_limit: int = 1 << 16
) -> tuple[NDArray[np.int64], NDArray[np.int8]] | None:
    """Per-channel integer thresholds equivalent to a sign computation on integer inputs.

    `sign_of(acc)` maps int64 `[R, C]` (column c: values of channel c) to +-1 `[R, C]`, with
    exactly the arithmetic to be replaced (e.g. dequantize -> batch norm -> quantize to
    `!nn.bin`, run by the reference). For each channel c and every integer in `[lo[c], hi[c]]`
    the result (t, d) satisfies `sign_of(acc) == +1  <=>  (acc >= t[c] if d[c] == 1 else
    acc <= t[c])`. Ranges up to `enumerate_limit` values are evaluated exhaustively, so the
    equivalence holds by construction; longer ones are bisected on the same arithmetic (sound
    for the monotone float operations of a batch norm with finite parameters) and checked at
    the boundary and at 256 sampled points per channel. Returns None when some channel is not a
    threshold (neither monotone pattern), e.g. a sign of `c / acc`.
    """
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    c = lo.size
    t = np.zeros(c, np.int64)
    d = np.ones(c, np.int8)
    if int((hi - lo).max()) < enumerate_limit:
        gl, gh = int(lo.min()), int(hi.max())
        hits = np.zeros((gh - gl + 1, c), bool)
        for start in range(gl, gh + 1, 4096):
            rows = np.arange(start, min(start + 4096, gh + 1), dtype=np.int64)
            grid = np.broadcast_to(rows[:, None], (rows.size, c))
            hits[start - gl : start - gl + rows.size] = np.asarray(sign_of(grid)) > 0
        for ch in range(c):
            a, b = int(lo[ch]) - gl, int(hi[ch]) - gl
            found = _threshold_of_pattern(hits[a : b + 1, ch], int(lo[ch]))
            if found is None:
                return None
            t[ch], d[ch] = found
        return t, d
    ends = np.asarray(sign_of(np.stack([lo, hi]))) > 0
    up = ~ends[0] & ends[1]
    down = ends[0] & ~ends[1]
    # ascending: smallest acc with +1 in (lo, hi]; descending: largest with +1 in [lo, hi)
    a, b = lo.copy(), hi.copy()  # invariant: up -> P(a)=0, P(b)=1; down -> P(a)=1, P(b)=0
    for _ in range(70):
        if not np.any(b - a > 1):
            break
        mid = a + (b - a) // 2
        p = np.asarray(sign_of(mid[None, :]))[0] > 0
        go_right = np.where(up, ~p, p)
        a = np.where(go_right, mid, a)
        b = np.where(go_right, b, mid)
    t = np.where(up, b, np.where(down, a, np.where(ends[0], lo, hi + 1)))
    d = np.where(down, -1, 1).astype(np.int8)
    rng = np.random.default_rng(0)
    span = (hi - lo + 1).astype(np.float64)
    samples = lo + (rng.random((256, c)) * span).astype(np.int64)
    probes = np.concatenate(
        [samples, np.stack([lo, hi, np.clip(t - 1, lo, hi), np.clip(t, lo, hi)])]
    )
    got = np.asarray(sign_of(probes)) > 0
    want = np.where(d > 0, probes >= t, probes <= t)
    return (t, d) if np.array_equal(got, want) else None


__all__ = [
    "WORD_BITS",
    "words_for",
    "pack_bits",
    "unpack_bits",
    "popcount",
    "xnor_popcount_dot",
    "binary_dense",
    "binary_conv2d",
    "binary_depthwise_conv2d",
    "sign_thresholds",
]
