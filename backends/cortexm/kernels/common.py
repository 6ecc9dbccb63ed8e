"""Helpers shared by the portable kernels: window geometry, requantization and clamping code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from edgeai.backends.cortexm.cgen import Code, f32_literal
from edgeai.dialects import kernel as K

from .layer import Layer

FLT_MAX = float(np.finfo(np.float32).max)


def plus(expr: str, k: int) -> str:
    """`expr + k` / `expr - |k|` / `expr`."""
    if k == 0:
        return expr
    return f"{expr} + {k}" if k > 0 else f"{expr} - {-k}"


def times(expr: str, k: int) -> str:
    """`expr * k` with the trivial cases folded."""
    if k == 0:
        return "0"
    return expr if k == 1 else f"{expr} * {k}"


@dataclass(frozen=True)
class Axis:
    """One spatial axis of a sliding window: input length, kernel, stride, dilation, padding."""

    size: int
    kernel: int
    stride: int
    dilation: int
    pad_before: int
    out: int

    def full_range(self) -> tuple[int, int]:
        """Inclusive range of outputs whose window lies inside the input (may be empty)."""
        s, p = self.stride, self.pad_before
        lo = -(-p // s)
        hi = (self.size - 1 - (self.kernel - 1) * self.dilation + p) // s
        return max(lo, 0), min(hi, self.out - 1)

    @property
    def always_full(self) -> bool:
        lo, hi = self.full_range()
        return lo == 0 and hi >= self.out - 1

    def inside(self, var: str) -> str | None:
        """C condition `var` is an output with a full window (None: always)."""
        lo, hi = self.full_range()
        if lo > hi:
            return "0"
        parts = []
        if lo > 0:
            parts.append(f"{var} >= {lo}")
        if hi < self.out - 1:
            parts.append(f"{var} <= {hi}")
        return " && ".join(parts) or None


def window_axes(
    x_shape: Sequence[int],
    y_shape: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    padding: Sequence[int],
) -> tuple[Axis, Axis]:
    """The H and W axes of an NHWC window op."""
    t, left, _b, _r = padding
    return (
        Axis(x_shape[1], kernel[0], strides[0], dilations[0], t, y_shape[1]),
        Axis(x_shape[2], kernel[1], strides[1], dilations[1], left, y_shape[2]),
    )


def requant(layer: Layer, acc: str, channel: str, out_ctype: str, suffix: str = "") -> str:
    """C expression storing int32 `acc` of channel `channel` with the op's per-channel
    `output_multiplier`/`output_shift`, `output_offset` and `qmin..qmax`."""
    op = layer.op
    mult = np.asarray(op.prop("output_multiplier"), dtype=np.int64)
    shift = np.asarray(op.prop("output_shift"), dtype=np.int64)
    m = layer.per_channel("mult" + suffix, "int32_t", mult, channel)
    s = layer.per_channel("shift" + suffix, "int8_t", shift, channel)
    fn = "ea_mbqm_le1" if np.all(shift <= 0) else "ea_mbqm"
    core = plus(f"{fn}({acc}, {m}, {s})", op.prop("output_offset"))
    return f"({out_ctype})ea_clamp({core}, {op.prop('qmin')}, {op.prop('qmax')})"


def fclamp(code: Code, var: str, op: K.KernelOp) -> None:
    """Clamp float `var` to the op's `fmin..fmax` (bounds at +-FLT_MAX cost nothing)."""
    lo, hi = float(op.prop("fmin")), float(op.prop("fmax"))
    if lo > -FLT_MAX:
        code(f"{var} = {var} < {f32_literal(lo)} ? {f32_literal(lo)} : {var};")
    if hi < FLT_MAX:
        code(f"{var} = {var} > {f32_literal(hi)} ? {f32_literal(hi)} : {var};")
