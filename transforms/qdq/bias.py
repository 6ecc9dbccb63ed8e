"""The bias of a folded convolution: integers at TFLite's scale `s_x * s_w[c]`, zero point 0.

TFLite's integer kernels (and onnxruntime's QLinearConv) add the stored int32 bias to the
accumulator `sum (x - z_x) * (w - z_w)`, whose scale is `s_x * s_w[c]`; the bias scale recorded
in the model is never read. A QDQ graph dequantizes its bias with its own scale, so:

* recorded scale equal to `s_x * s_w[c]` up to float32 rounding (converters store the float32
  product, e.g. tf2onnx and onnxruntime's quantizer): the stored integers are kept as they are;
* any other scale: the bias is requantized to `s_x * s_w[c]`, and folded only when the new
  integers dequantize to the very float32 values the QDQ graph adds (e.g. a scale twice the
  product, or a zero bias); otherwise the group is not folded.
"""

from __future__ import annotations

import numpy as np

from edgeai.dialects.nn_types import BinaryType, QuantType
from edgeai.reference import fixedpoint as fp
from edgeai.transforms.qdq.common import NotFoldable

#: relative distance to 1 of recorded / expected bias scale that counts as the same scale: a few
#: float32 ulps (2^-24 each), as converters round the product s_x * s_w to float32
SAME_SCALE = 2.0**-20


def target_scales(x: QuantType, w: QuantType | BinaryType, channels: int) -> np.ndarray:
    """`s_x * s_w[c]` per output channel, in double (TFLite's effective scale); a binary weight's
    scale is its alpha."""
    sw = w.alpha_array() if isinstance(w, BinaryType) else w.scale_array()
    return x.scale * (np.repeat(sw, channels) if sw.size == 1 else sw)


def channel_params(values: np.ndarray, t: QuantType, channels: int) -> tuple[np.ndarray, ...]:
    """(stored values, scales, zero points) as `[C]` arrays for a bias that varies only along its
    last axis (shape `[C]`, `[1, .., 1, C]` or all ones); NotFoldable otherwise."""
    shape = values.shape
    if any(d != 1 for d in shape[:-1]) or (shape and shape[-1] not in (1, channels)):
        raise NotFoldable(f"bias of shape {list(shape)} does not run along the {channels} channels")
    s, z = t.broadcast_params(values.ndim)

    def flat(a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.broadcast_to(a, shape).reshape(-1), (channels,)).copy()

    return flat(values.astype(np.int64)), flat(s), flat(z)


def integer_bias(values: np.ndarray, t: QuantType, target: np.ndarray, width: int) -> np.ndarray:
    """Stored bias values (`[C]` after `channel_params`) of type t requantized to `target` scales
    with zero point 0, as int64; NotFoldable when not exactly representable."""
    q, s, z = channel_params(values, t, target.size)
    q = q - z
    ratio = s / target
    same = np.abs(ratio - 1.0) <= SAME_SCALE
    new = np.where(same, q, np.rint(q * ratio)).astype(np.int64)
    exact = same | (fp.dequantize(new, target, 0) == fp.dequantize(q, s, 0))
    if not np.all(exact):
        c = int(np.argmin(exact))
        raise NotFoldable(
            f"bias scale {s[c]:.9g} is not s_x*s_w = {target[c]:.9g} (channel {c}) and the bias "
            f"value {int(q[c])} has no exact integer at that scale"
        )
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    if new.size and (new.min() < lo or new.max() > hi):
        raise NotFoldable(f"bias requantized to s_x*s_w overflows i{width}")
    return new
