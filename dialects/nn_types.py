"""Element types and attributes of the `nn` dialect.

Quantization travels in the element type, MLIR-`quant` style:

* `!nn.q<i8, 0.0235:-128>` — integer storage of the given signedness and width (1..64 bits:
  `i4`, `u8`, `i16`, `i32` ...), one scale and zero point: `real = scale * (q - zero_point)`.
* `!nn.q<i8:3, {0.5:0, 0.25:0, ...}>` — per-axis (per-channel) quantization along dimension 3
  of the tensor; one `scale:zero_point` pair per index of that dimension.
* `!nn.bin`, `!nn.bin<0.5>`, `!nn.bin<:0, {0.5, 0.25}>` — binary values +1/-1 (stored as int8
  +-1 by the reference, packed 32 per word by kernels), optionally scaled by alpha, per tensor
  or per axis: `real = alpha * b`.

`#nn.act<relu>`, `#nn.act<relu6>`, `#nn.act<clamp -1.0, 1.0>` describe an activation fused
into its producer (a clamp of the real-valued result).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    ArrayAttr,
    Float32Type,
    FloatAttr,
    IntAttr,
    IntegerType,
    StringAttr,
    TensorType,
    f64,
)
from xdsl.ir import Attribute, ParametrizedAttribute, TypeAttribute
from xdsl.irdl import irdl_attr_definition
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from edgeai.support.xdsl_fixes import format_float


def _parse_storage(parser: AttrParser) -> tuple[int, bool]:
    pos = parser.pos
    ident = parser.parse_identifier()
    if len(ident) < 2 or ident[0] not in "iu" or not ident[1:].isdigit():
        parser.raise_error(f"expected storage type like i8 or u4, got '{ident}'", pos, parser.pos)
    return int(ident[1:]), ident[0] == "i"


def _parse_number(parser: AttrParser) -> float:
    """A float or integer literal (scales may be written as `1` or `0.5`)."""
    value = parser.parse_optional_number()
    if value is None:
        parser.raise_error("expected a number")
    return float(value)


@irdl_attr_definition
class QuantType(ParametrizedAttribute, TypeAttribute):
    """Uniformly quantized integer element type: `real = scale * (stored - zero_point)`.

    Example: `tensor<1x8x8x16x!nn.q<i8, 0.02:-3>>`, per-channel weights
    `tensor<16x3x3x8x!nn.q<i8:0, {0.01:0, ...}>>`, int32 bias `!nn.q<i32:0, {...}>`.
    """

    name = "nn.q"
    bits: IntAttr
    signed: IntAttr
    axis: IntAttr
    scales: ArrayAttr[FloatAttr]
    zero_points: ArrayAttr[IntAttr]

    @staticmethod
    def get(
        bits: int,
        signed: bool,
        scales: float | Sequence[float] | np.ndarray,
        zero_points: int | Sequence[int] | np.ndarray,
        axis: int | None = None,
    ) -> QuantType:
        """Build a per-tensor (`axis=None`) or per-axis quantized type."""
        s = np.atleast_1d(np.asarray(scales, dtype=np.float64)).ravel()
        z = np.atleast_1d(np.asarray(zero_points, dtype=np.int64)).ravel()
        if axis is not None and z.size == 1 and s.size > 1:
            z = np.repeat(z, s.size)
        return QuantType(
            IntAttr(int(bits)),
            IntAttr(int(bool(signed))),
            IntAttr(-1 if axis is None else int(axis)),
            ArrayAttr([FloatAttr(float(v), f64) for v in s]),
            ArrayAttr([IntAttr(int(v)) for v in z]),
        )

    # --- accessors ---------------------------------------------------------------------------
    @property
    def is_signed(self) -> bool:
        return bool(self.signed.data)

    @property
    def width(self) -> int:
        return self.bits.data

    @property
    def channel_axis(self) -> int | None:
        """The quantization axis, or None for per-tensor quantization."""
        return None if self.axis.data < 0 else self.axis.data

    @property
    def qmin(self) -> int:
        return -(1 << (self.width - 1)) if self.is_signed else 0

    @property
    def qmax(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.is_signed else (1 << self.width) - 1

    def scale_array(self) -> np.ndarray:
        return np.array([s.value.data for s in self.scales], dtype=np.float64)

    def zero_point_array(self) -> np.ndarray:
        return np.array([z.data for z in self.zero_points], dtype=np.int64)

    @property
    def scale(self) -> float:
        """The per-tensor scale (raises for per-axis types)."""
        if self.channel_axis is not None:
            raise ValueError("per-axis quantized type has no single scale")
        return self.scales.data[0].value.data

    @property
    def zero_point(self) -> int:
        if self.channel_axis is not None:
            raise ValueError("per-axis quantized type has no single zero point")
        return self.zero_points.data[0].data

    def storage_dtype(self) -> np.dtype:
        for b in (8, 16, 32, 64):
            if self.width <= b:
                return np.dtype(f"{'i' if self.is_signed else 'u'}{b // 8}")
        raise ValueError("too wide")

    def with_axis(self, axis: int | None) -> QuantType:
        return QuantType.get(
            self.width, self.is_signed, self.scale_array(), self.zero_point_array(), axis
        )

    def broadcast_params(self, rank: int) -> tuple[np.ndarray, np.ndarray]:
        """(scales, zero_points) shaped to broadcast against a tensor of the given rank."""
        s, z = self.scale_array(), self.zero_point_array()
        if self.channel_axis is None:
            return s.reshape(()), z.reshape(())
        shape = [1] * rank
        shape[self.channel_axis] = s.size
        return s.reshape(shape), z.reshape(shape)

    # --- syntax ------------------------------------------------------------------------------
    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        with parser.in_angle_brackets():
            bits, signed = _parse_storage(parser)
            axis = -1
            if parser.parse_optional_punctuation(":") is not None:
                axis = parser.parse_integer(allow_negative=False)
            parser.parse_punctuation(",")

            def pair() -> tuple[float, int]:
                s = _parse_number(parser)
                parser.parse_punctuation(":")
                return s, parser.parse_integer()

            if axis >= 0:
                pairs = parser.parse_comma_separated_list(parser.Delimiter.BRACES, pair)
            else:
                pairs = [pair()]
        return (
            IntAttr(bits),
            IntAttr(int(signed)),
            IntAttr(axis),
            ArrayAttr([FloatAttr(s, f64) for s, _ in pairs]),
            ArrayAttr([IntAttr(z) for _, z in pairs]),
        )

    def print_parameters(self, printer: Printer) -> None:
        storage = f"{'i' if self.is_signed else 'u'}{self.width}"
        pairs = [
            f"{format_float(s.value.data)}:{z.data}"
            for s, z in zip(self.scales, self.zero_points, strict=True)
        ]
        if self.channel_axis is None:
            printer.print_string(f"<{storage}, {pairs[0]}>")
        else:
            printer.print_string(f"<{storage}:{self.channel_axis}, {{{', '.join(pairs)}}}>")

    def verify(self) -> None:
        if not 1 <= self.width <= 64:
            raise VerifyException(f"!nn.q storage width must be 1..64 bits, got {self.width}")
        if self.width == 1 and self.is_signed:
            raise VerifyException("!nn.q<i1> is not a valid storage type (use u1 or !nn.bin)")
        if len(self.scales) != len(self.zero_points):
            raise VerifyException("!nn.q needs as many zero points as scales")
        if len(self.scales) == 0:
            raise VerifyException("!nn.q needs at least one scale")
        if self.channel_axis is None and len(self.scales) != 1:
            raise VerifyException("per-tensor !nn.q takes exactly one scale:zero_point pair")
        for s in self.scales:
            v = s.value.data
            if not (math.isfinite(v) and v > 0):
                raise VerifyException(f"!nn.q scale must be finite and > 0, got {v}")
        for z in self.zero_points:
            if not self.qmin <= z.data <= self.qmax:
                raise VerifyException(
                    f"!nn.q zero point {z.data} outside the storage range [{self.qmin}, {self.qmax}]"
                )


@irdl_attr_definition
class BinaryType(ParametrizedAttribute, TypeAttribute):
    """Binary element type: values +1/-1, optionally scaled by alpha (per tensor or per axis).

    Examples: `!nn.bin` (plain +-1), `!nn.bin<0.5>`, `!nn.bin<:0, {0.5, 0.25}>`.
    """

    name = "nn.bin"
    axis: IntAttr
    alphas: ArrayAttr[FloatAttr]

    @staticmethod
    def get(
        alphas: float | Sequence[float] | np.ndarray | None = None, axis: int | None = None
    ) -> BinaryType:
        a = (
            []
            if alphas is None
            else [float(v) for v in np.atleast_1d(np.asarray(alphas, dtype=np.float64)).ravel()]
        )
        return BinaryType(
            IntAttr(-1 if axis is None else axis), ArrayAttr([FloatAttr(v, f64) for v in a])
        )

    @property
    def channel_axis(self) -> int | None:
        return None if self.axis.data < 0 else self.axis.data

    def alpha_array(self) -> np.ndarray:
        if not self.alphas.data:
            return np.ones(1)
        return np.array([a.value.data for a in self.alphas], dtype=np.float64)

    def broadcast_alpha(self, rank: int) -> np.ndarray:
        a = self.alpha_array()
        if self.channel_axis is None:
            return a.reshape(())
        shape = [1] * rank
        shape[self.channel_axis] = a.size
        return a.reshape(shape)

    def with_axis(self, axis: int | None) -> BinaryType:
        return BinaryType.get(self.alpha_array() if self.alphas.data else None, axis)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        if parser.parse_optional_punctuation("<") is None:
            return (IntAttr(-1), ArrayAttr([]))
        axis = -1
        if parser.parse_optional_punctuation(":") is not None:
            axis = parser.parse_integer(allow_negative=False)
            parser.parse_punctuation(",")
            alphas = parser.parse_comma_separated_list(
                parser.Delimiter.BRACES, lambda: _parse_number(parser)
            )
        else:
            alphas = [_parse_number(parser)]
        parser.parse_punctuation(">")
        return (IntAttr(axis), ArrayAttr([FloatAttr(a, f64) for a in alphas]))

    def print_parameters(self, printer: Printer) -> None:
        if not self.alphas.data:
            return
        vals = [format_float(a.value.data) for a in self.alphas]
        if self.channel_axis is None:
            printer.print_string(f"<{vals[0]}>")
        else:
            printer.print_string(f"<:{self.channel_axis}, {{{', '.join(vals)}}}>")

    def verify(self) -> None:
        if self.channel_axis is None and len(self.alphas) > 1:
            raise VerifyException("per-tensor !nn.bin takes at most one alpha")
        if self.channel_axis is not None and not self.alphas.data:
            raise VerifyException("per-axis !nn.bin needs one alpha per channel")
        for a in self.alphas:
            v = a.value.data
            if not (math.isfinite(v) and v > 0):
                raise VerifyException(f"!nn.bin alpha must be finite and > 0, got {v}")


_ACT_KINDS = ("relu", "relu6", "clamp")


@irdl_attr_definition
class ActivationAttr(ParametrizedAttribute):
    """An activation fused into its producer: a clamp of the real-valued result.

    `#nn.act<relu>` = clamp to [0, inf), `#nn.act<relu6>` = [0, 6], `#nn.act<clamp lo, hi>`
    with floats or `-inf`/`inf` bounds. Quantized producers clamp on the quantized range.
    """

    name = "nn.act"
    kind: StringAttr
    lo: FloatAttr
    hi: FloatAttr

    @staticmethod
    def get(kind: str, lo: float | None = None, hi: float | None = None) -> ActivationAttr:
        if kind == "relu":
            lo, hi = 0.0, math.inf
        elif kind == "relu6":
            lo, hi = 0.0, 6.0
        else:
            lo = -math.inf if lo is None else float(lo)
            hi = math.inf if hi is None else float(hi)
        return ActivationAttr(StringAttr(kind), FloatAttr(lo, f64), FloatAttr(hi, f64))

    @staticmethod
    def clamp(lo: float, hi: float) -> ActivationAttr:
        """The canonical attribute for clamp(lo, hi): relu/relu6 when they match."""
        if lo == 0.0 and hi == math.inf:
            return ActivationAttr.get("relu")
        if lo == 0.0 and hi == 6.0:
            return ActivationAttr.get("relu6")
        return ActivationAttr.get("clamp", lo, hi)

    @property
    def bounds(self) -> tuple[float, float]:
        return self.lo.value.data, self.hi.value.data

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        def bound() -> float:
            value = parser.parse_optional_number()
            if value is not None:
                return float(value)
            if parser.parse_optional_punctuation("-") is not None:
                parser.parse_keyword("inf")
                return -math.inf
            parser.parse_keyword("inf")
            return math.inf

        with parser.in_angle_brackets():
            kind = parser.parse_identifier()
            if kind not in _ACT_KINDS:
                parser.raise_error(
                    f"unknown activation '{kind}', expected one of {', '.join(_ACT_KINDS)}"
                )
            lo = hi = None
            if kind == "clamp":
                lo = bound()
                parser.parse_punctuation(",")
                hi = bound()
        a = ActivationAttr.get(kind, lo, hi)
        return (a.kind, a.lo, a.hi)

    def print_parameters(self, printer: Printer) -> None:
        kind = self.kind.data
        if kind != "clamp":
            printer.print_string(f"<{kind}>")
            return

        def fmt(v: float) -> str:
            return "inf" if v == math.inf else "-inf" if v == -math.inf else format_float(v)

        lo, hi = self.bounds
        printer.print_string(f"<clamp {fmt(lo)}, {fmt(hi)}>")

    def verify(self) -> None:
        if self.kind.data not in _ACT_KINDS:
            raise VerifyException(f"unknown activation '{self.kind.data}'")
        lo, hi = self.bounds
        if math.isnan(lo) or math.isnan(hi) or lo > hi:
            raise VerifyException(f"#nn.act bounds must satisfy lo <= hi, got [{lo}, {hi}]")


# --- element-type predicates and tensor checks -------------------------------------------------


def is_float(elt: Attribute) -> bool:
    return isinstance(elt, Float32Type)


def is_quant(elt: Attribute) -> bool:
    return isinstance(elt, QuantType)


def is_binary(elt: Attribute) -> bool:
    return isinstance(elt, BinaryType)


def is_int(elt: Attribute) -> bool:
    """A plain (non-quantized) integer type such as i32 accumulators or i64 indices."""
    return isinstance(elt, IntegerType)


def element_type(t: Attribute) -> Attribute:
    assert isinstance(t, TensorType), t
    return t.element_type


def check_tensor_type(t: Attribute, what: str) -> None:
    """Verify that a per-axis quantized/binary element type fits its tensor's shape."""
    if not isinstance(t, TensorType):
        raise VerifyException(f"{what} must be a ranked tensor, got {t}")
    shape = t.get_shape()
    if any(d < 0 for d in shape):
        raise VerifyException(f"{what} must have a static shape, got {t}")
    elt = t.element_type
    if isinstance(elt, QuantType | BinaryType) and elt.channel_axis is not None:
        ax = elt.channel_axis
        n = len(elt.scales) if isinstance(elt, QuantType) else len(elt.alphas)
        if ax >= len(shape):
            raise VerifyException(
                f"{what}: quantization axis {ax} out of range for rank {len(shape)}"
            )
        if shape[ax] != n:
            raise VerifyException(
                f"{what}: {n} quantization parameters for axis {ax} of size {shape[ax]}"
            )
