"""The `nn` dialect: framework-independent neural-network ops on tensors (level 1).

Conventions (see docs/dialects/nn.md for the rationale):

* Layout is channels-last: activations are `[N, H, W, C]`; conv weights `[Cout, KH, KW, Cin/groups]`
  (OHWI), depthwise weights `[1, KH, KW, C * multiplier]`, dense weights `[N_out, K]`.
* Padding is explicit `[top, left, bottom, right]`; no `auto_pad`/`ceil_mode` survives here.
* Quantization is carried by the element type (`!nn.q<...>`, `!nn.bin`): the same `nn.conv2d`
  is a float conv on `f32`, an integer conv with requantization on `!nn.q` operands, an
  accumulator-only conv when its result is a plain `i32`.
* Integer semantics follow TFLite's reference kernels (fixed-point multiplier + shift). Ops carrying
  `rounding = "onnx"` use ONNX's float rescale with round-half-to-even instead (QLinearConv,
  QuantizeLinear), so that models imported from ONNX's quantized operators stay exact.
* An activation fused into its producer is the `act` property (`#nn.act<relu>` ...).
* Every op's shape rule is `infer_shapes`; the verifier checks result types against it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Dialect, SSAValue
from xdsl.irdl import (
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from edgeai.dialects.common import (
    PropGetter,
    Shape,
    TensorOp,
    broadcast_shapes,
    normalize_axis,
    parse_constant,
    print_constant,
    shape_of,
    shape_str,
)
from edgeai.dialects.nn_types import (
    ActivationAttr,
    BinaryType,
    QuantType,
    check_tensor_type,
)
from edgeai.support.attrs import (
    dense_from_numpy,
    numpy_from_dense,
    storage_type,
)

# ---------------------------------------------------------------------------------------------
# element-type kinds and rules


def kind(t: Attribute) -> str:
    """'f' for f32, 'q' for !nn.q, 'b' for !nn.bin, 'i' for plain integers, '?' otherwise."""
    elt = t.element_type if isinstance(t, TensorType) else t
    if isinstance(elt, Float32Type):
        return "f"
    if isinstance(elt, QuantType):
        return "q"
    if isinstance(elt, BinaryType):
        return "b"
    if isinstance(elt, IntegerType):
        return "i"
    return "?"


def narrow_range(t: QuantType) -> tuple[int, int]:
    """Storage range without its most negative (signed) or largest (unsigned) value."""
    return (t.qmin + 1, t.qmax) if t.is_signed else (t.qmin, t.qmax - 1)


def elt(v: SSAValue | Attribute) -> Attribute:
    t = v.type if isinstance(v, SSAValue) else v
    assert isinstance(t, TensorType)
    return t.element_type


def _kinds(op: TensorOp) -> str:
    return (
        "".join(kind(o.type) for o in op.operands)
        + "->"
        + "".join(kind(r.type) for r in op.results)
    )


def _check_allowed(op: TensorOp, allowed: Sequence[str]) -> None:
    k = _kinds(op)
    if k not in allowed:
        types = ", ".join(str(o.type.element_type) for o in op.operands)
        outs = ", ".join(str(r.type.element_type) for r in op.results)
        raise VerifyException(
            f"unsupported element types ({types}) -> ({outs}); accepted kinds: {', '.join(allowed)}"
            " (f=f32, q=!nn.q, b=!nn.bin, i=integer)"
        )


def _same_element_types(op: TensorOp, values: Sequence[SSAValue], what: str) -> None:
    first = elt(values[0])
    for v in values[1:]:
        if elt(v) != first:
            raise VerifyException(
                f"{what} must have the same element type, got {first} and {elt(v)}"
            )


def _check_rounding(op: TensorOp) -> None:
    r = op.prop("rounding")
    if r is not None and r not in ("tflite", "onnx"):
        raise VerifyException(f"rounding must be 'tflite' or 'onnx', got '{r}'")


# ---------------------------------------------------------------------------------------------
# window arithmetic shared by convolutions and pooling


def _pair(values: tuple[int, ...] | None, default: int, name: str) -> tuple[int, int]:
    if values is None:
        return (default, default)
    if len(values) != 2:
        raise VerifyException(f"{name} must have 2 values, got {len(values)}")
    return (int(values[0]), int(values[1]))


def _padding(
    values: tuple[int, ...] | None, allow_negative: bool = False
) -> tuple[int, int, int, int]:
    if values is None:
        return (0, 0, 0, 0)
    if len(values) != 4:
        raise VerifyException(
            f"padding must be [top, left, bottom, right], got {len(values)} values"
        )
    if not allow_negative and min(values) < 0:
        raise VerifyException(f"padding must be >= 0, got {list(values)}")
    return tuple(int(v) for v in values)  # type: ignore[return-value]


def window_out(size: int, k: int, stride: int, dilation: int, pad_lo: int, pad_hi: int) -> int:
    """Output length of a sliding window (floor mode) over an explicitly padded axis."""
    if stride < 1 or dilation < 1 or k < 1:
        raise VerifyException(f"kernel {k}, stride {stride}, dilation {dilation} must be >= 1")
    span = dilation * (k - 1) + 1
    padded = size + pad_lo + pad_hi
    if padded < span:
        raise VerifyException(f"window of extent {span} larger than padded input {padded}")
    return (padded - span) // stride + 1


def _spatial_out(x: Shape, kh: int, kw: int, prop: PropGetter) -> tuple[int, int]:
    sh, sw = _pair(prop("strides"), 1, "strides")
    dh, dw = _pair(prop("dilations"), 1, "dilations")
    t, left, b, r = _padding(prop("padding"))
    return (window_out(x[1], kh, sh, dh, t, b), window_out(x[2], kw, sw, dw, left, r))


def _rank(shape: Shape, n: int, what: str) -> None:
    if len(shape) != n:
        raise VerifyException(f"{what} must have rank {n}, got {shape_str(shape)}")


# ---------------------------------------------------------------------------------------------
# constants


@irdl_op_definition
class ConstantOp(TensorOp):
    """A constant tensor (weights, biases, shapes), stored densely, never one op per element.

    The attribute holds the storage values (int8 for `!nn.q<i8,...>`, +-1 int8 for `!nn.bin`);
    the result type gives their meaning.

        %w = nn.constant dense<[[1, -2], [3, 4]]> : tensor<2x2x!nn.q<i8, 0.5:0>>
    """

    name = "nn.constant"
    value = prop_def(DenseIntOrFPElementsAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure(), ConstantLike())
    assembly_format = None  # custom print/parse below
    INFER_SHAPES: ClassVar[bool] = False

    @staticmethod
    def from_numpy(
        array: np.ndarray, element_type: Attribute | None = None, name_hint: str | None = None
    ) -> ConstantOp:
        """Constant holding `array` (storage values) with the given tensor element type."""
        attr = dense_from_numpy(array, element_type)
        et = element_type if element_type is not None else attr.get_element_type()
        op = ConstantOp.create(
            properties={"value": attr}, result_types=[TensorType(et, list(np.shape(array)))]
        )
        if name_hint:
            op.output.name_hint = name_hint
        return op

    def to_numpy(self) -> np.ndarray:
        return numpy_from_dense(self.value, self.output.type.element_type)

    def verify_(self) -> None:
        check_tensor_type(self.output.type, "result")
        t = self.output.type
        if tuple(self.value.get_shape()) != tuple(t.get_shape()):
            raise VerifyException(
                f"value shape {shape_str(self.value.get_shape())} does not match result shape {shape_str(t.get_shape())}"
            )
        if self.value.get_element_type() != storage_type(t.element_type):
            raise VerifyException(
                f"value element type {self.value.get_element_type()} is not the storage type "
                f"{storage_type(t.element_type)} of {t.element_type}"
            )
        et = t.element_type
        if isinstance(et, QuantType):
            data = self.to_numpy()
            if data.size and (data.min() < et.qmin or data.max() > et.qmax):
                raise VerifyException(f"stored values outside [{et.qmin}, {et.qmax}] of {et}")
        if isinstance(et, BinaryType):
            data = self.to_numpy()
            if data.size and not np.all(np.abs(data) == 1):
                raise VerifyException("!nn.bin constant values must be +1 or -1")

    def print(self, printer: Printer) -> None:
        print_constant(self, printer)

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        return parse_constant(cls, parser)


# ---------------------------------------------------------------------------------------------
# convolutions and dense


_CONV_KINDS = ("fff->f", "ff->f", "qqq->q", "qq->q", "qqq->i", "qq->i", "qqi->q", "qqi->i")
#: binary weights (conv2d, depthwise_conv2d, dense): `!nn.bin` x `!nn.bin` accumulates the +-1
#: products (xnor-popcount) into a plain integer or requantizes them; f32 x `!nn.bin` is a float
#: result; `!nn.q` x `!nn.bin` accumulates (x - zero_point) * (+-1) like a quantized conv
_BINARY_CONV_KINDS = (
    "bb->i",
    "bbi->i",
    "bb->q",
    "bbq->q",
    "fb->f",
    "fbf->f",
    "qb->q",
    "qbq->q",
    "qb->i",
    "qbi->i",
)


class _ConvLike(TensorOp):
    """Common verifier for conv2d / depthwise_conv2d / conv2d_transpose / dense.

    Binary weights (`!nn.bin`, see `_BINARY_CONV_KINDS`; not conv2d_transpose): with a binary
    input the result is the integer sum of the +-1 products (the xnor-popcount count, alphas
    ignored) or, for a quantized result, that count requantized with the real multiplier
    `alpha_x * alpha_w / scale_y`; padded taps of a binary input contribute 0 (zero padding, as
    the float convolution it replaces: kernels pad with +1 and subtract the padded taps'
    weights). f32 input: `alpha_w[n] * sum(x * b)` in float32. Quantized input: integer
    accumulation of `(x - zero_point) * b`, like a quantized convolution with weight scale alpha.
    """

    input = operand_def(TensorType)
    weight = operand_def(TensorType)
    bias = opt_operand_def(TensorType)
    output = result_def(TensorType)
    act = opt_prop_def(ActivationAttr)
    rounding = opt_prop_def(StringAttr)
    traits = traits_def(Pure())

    def _out_channels(self) -> int:
        return shape_of(self.output)[-1]

    KINDS: ClassVar[tuple[str, ...]] = _CONV_KINDS + _BINARY_CONV_KINDS

    def check_types(self) -> None:
        _check_allowed(self, self.KINDS)
        _check_rounding(self)
        if self.bias is not None:
            b = shape_of(self.bias)
            if b != (self._out_channels(),):
                raise VerifyException(
                    f"bias must have shape {self._out_channels()}, got {shape_str(b)}"
                )
        if kind(self.output.type) == "i" and self.act is not None:
            raise VerifyException("an accumulator (integer) result cannot carry a fused activation")
        x, w = elt(self.input), elt(self.weight)
        if isinstance(x, QuantType) and x.channel_axis is not None:
            raise VerifyException(
                "the input of a quantized convolution must be quantized per tensor"
            )
        if isinstance(x, BinaryType) and x.channel_axis is not None:
            raise VerifyException("the input of a binary convolution must be binary per tensor")
        y = elt(self.output)
        if isinstance(y, QuantType) and y.channel_axis is not None:
            raise VerifyException(
                "the result of a quantized convolution must be quantized per tensor"
            )
        if (
            isinstance(w, QuantType | BinaryType)
            and w.channel_axis is not None
            and w.channel_axis != self._weight_channel_axis()
        ):
            raise VerifyException(
                f"per-channel weights must be quantized along axis {self._weight_channel_axis()}"
            )

    def _weight_channel_axis(self) -> int:
        return 0


@irdl_op_definition
class Conv2dOp(_ConvLike):
    """2-D convolution, NHWC input, OHWI weights `[Cout, KH, KW, Cin/groups]`, optional bias.

    %y = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>,
           padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64, act = #nn.act<relu>}
         : (tensor<1x8x8x3xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x8x8x16xf32>
    """

    name = "nn.conv2d"
    strides = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    padding = prop_def(DenseArrayBase)
    groups = prop_def(IntegerAttr)

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        x, w = shapes[0], shapes[1]
        _rank(x, 4, "input")
        _rank(w, 4, "weight")
        g = int(prop("groups") or 1)
        if g < 1 or x[3] % g or w[0] % g:
            raise VerifyException(
                f"groups={g} must divide input channels {x[3]} and output channels {w[0]}"
            )
        if w[3] * g != x[3]:
            raise VerifyException(
                f"weight expects {w[3] * g} input channels (groups={g}), input has {x[3]}"
            )
        oh, ow = _spatial_out(x, w[1], w[2], prop)
        return [(x[0], oh, ow, w[0])]


@irdl_op_definition
class DepthwiseConv2dOp(_ConvLike):
    """Depthwise 2-D convolution: weights `[1, KH, KW, C * multiplier]`; output channel
    `c * multiplier + m` reads input channel `c`.

        %y = nn.depthwise_conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>,
               padding = array<i64: 1, 1, 1, 1>}
             : (tensor<1x8x8x4xf32>, tensor<1x3x3x4xf32>, tensor<4xf32>) -> tensor<1x8x8x4xf32>
    """

    name = "nn.depthwise_conv2d"
    strides = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    padding = prop_def(DenseArrayBase)

    def _weight_channel_axis(self) -> int:
        return 3

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        x, w = shapes[0], shapes[1]
        _rank(x, 4, "input")
        _rank(w, 4, "weight")
        if w[0] != 1 or w[3] % x[3]:
            raise VerifyException(
                f"depthwise weight must be [1, KH, KW, C*multiplier] with C={x[3]}, got {shape_str(w)}"
            )
        oh, ow = _spatial_out(x, w[1], w[2], prop)
        return [(x[0], oh, ow, w[3])]


@irdl_op_definition
class Conv2dTransposeOp(_ConvLike):
    """Transposed 2-D convolution (gradient of conv2d w.r.t. its input), NHWC.

    Weights `[Cout, KH, KW, Cin/groups]`. Output size per axis is
    `(in - 1) * stride + dilation * (k - 1) + 1 - pad_lo - pad_hi`; a negative `pad_hi` extends
    the output (ONNX `output_padding`).
    """

    name = "nn.conv2d_transpose"
    KINDS: ClassVar[tuple[str, ...]] = _CONV_KINDS
    strides = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    padding = prop_def(DenseArrayBase)
    groups = prop_def(IntegerAttr)

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        x, w = shapes[0], shapes[1]
        _rank(x, 4, "input")
        _rank(w, 4, "weight")
        g = int(prop("groups") or 1)
        if g < 1 or x[3] % g or w[0] % g or w[3] * g != x[3]:
            raise VerifyException(
                f"weight {shape_str(w)} does not match input channels {x[3]} with groups={g}"
            )
        sh, sw = _pair(prop("strides"), 1, "strides")
        dh, dw = _pair(prop("dilations"), 1, "dilations")
        t, left, b, r = _padding(prop("padding"), allow_negative=True)
        if min(t, left) < 0:
            raise VerifyException("top/left padding of a transposed conv must be >= 0")
        oh = (x[1] - 1) * sh + dh * (w[1] - 1) + 1 - t - b
        ow = (x[2] - 1) * sw + dw * (w[2] - 1) + 1 - left - r
        if oh < 1 or ow < 1:
            raise VerifyException(f"transposed conv output {oh}x{ow} is empty")
        return [(x[0], oh, ow, w[0])]


@irdl_op_definition
class DenseOp(_ConvLike):
    """Fully connected layer: `y[..., n] = sum_k x[..., k] * w[n, k] + b[n]`.

    %y = nn.dense %x, %w, %b : (tensor<1x64xf32>, tensor<10x64xf32>, tensor<10xf32>) -> tensor<1x10xf32>
    """

    name = "nn.dense"

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        x, w = shapes[0], shapes[1]
        _rank(w, 2, "weight")
        if len(x) < 1 or x[-1] != w[1]:
            raise VerifyException(
                f"input {shape_str(x)} does not match weight {shape_str(w)} (K={w[1]})"
            )
        return [(*x[:-1], w[0])]


@irdl_op_definition
class MatMulOp(TensorOp):
    """Matrix product of two tensors with NumPy `matmul` semantics (batch broadcasting).

    Quantized operands (per-tensor) give a requantized or an `i32` accumulator result.
    """

    KINDS: ClassVar[tuple[str, ...]] = ("ff->f", "qq->q", "qq->i", "ii->i")

    name = "nn.matmul"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    output = result_def(TensorType)
    act = opt_prop_def(ActivationAttr)
    rounding = opt_prop_def(StringAttr)
    traits = traits_def(Pure())

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        a, b = shapes
        if not a or not b:
            raise VerifyException("matmul operands must have rank >= 1")
        a2 = (1, *a) if len(a) == 1 else a
        b2 = (*b, 1) if len(b) == 1 else b
        if a2[-1] != b2[-2]:
            raise VerifyException(
                f"matmul inner dimensions differ: {shape_str(a)} x {shape_str(b)}"
            )
        batch = broadcast_shapes(a2[:-2], b2[:-2])
        out = [*batch, a2[-2], b2[-1]]
        if len(b) == 1:
            out.pop(-1)
        if len(a) == 1:
            out.pop(-2 if len(b) != 1 else -1)
        return [tuple(out)]

    def check_types(self) -> None:
        _check_allowed(self, self.KINDS)
        _check_rounding(self)


# ---------------------------------------------------------------------------------------------
# element-wise ops


class _Binary(TensorOp):
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    output = result_def(TensorType)
    act = opt_prop_def(ActivationAttr)
    rounding = opt_prop_def(StringAttr)
    traits = traits_def(Pure())
    KINDS: ClassVar[tuple[str, ...]] = ("ff->f", "qq->q", "ii->i")

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        return [broadcast_shapes(*shapes)]

    def check_types(self) -> None:
        _check_allowed(self, self.KINDS)
        _check_rounding(self)
        if kind(self.output.type) == "i":
            _same_element_types(
                self, [self.lhs, self.rhs, self.output], "integer operands and result"
            )


@irdl_op_definition
class AddOp(_Binary):
    """Element-wise `lhs + rhs` with broadcasting.  `%z = nn.add %x, %y : (...) -> ...`"""

    name = "nn.add"


@irdl_op_definition
class SubOp(_Binary):
    """Element-wise `lhs - rhs` with broadcasting."""

    name = "nn.sub"


@irdl_op_definition
class MulOp(_Binary):
    """Element-wise `lhs * rhs` with broadcasting."""

    name = "nn.mul"


@irdl_op_definition
class DivOp(_Binary):
    """Element-wise `lhs / rhs` with broadcasting (integers: truncating division as ONNX)."""

    name = "nn.div"


@irdl_op_definition
class MaximumOp(_Binary):
    """Element-wise maximum with broadcasting."""

    name = "nn.maximum"


@irdl_op_definition
class MinimumOp(_Binary):
    """Element-wise minimum with broadcasting."""

    name = "nn.minimum"


class _Unary(TensorOp):
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    KINDS: ClassVar[tuple[str, ...]] = ("f->f", "q->q")

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        return [shapes[0]]

    def check_types(self) -> None:
        _check_allowed(self, self.KINDS)
        _check_rounding(self)


@irdl_op_definition
class ReluOp(_Unary):
    """`max(x, 0)`.  `%y = nn.relu %x : (tensor<4xf32>) -> tensor<4xf32>`"""

    name = "nn.relu"
    KINDS: ClassVar[tuple[str, ...]] = ("f->f", "q->q", "i->i")
    rounding = opt_prop_def(StringAttr)


@irdl_op_definition
class ClampOp(_Unary):
    """`min(max(x, min), max)` on real values (ONNX Clip, ReLU6); bounds may be +-inf."""

    name = "nn.clamp"
    min = prop_def(FloatAttr)
    max = prop_def(FloatAttr)
    rounding = opt_prop_def(StringAttr)
    KINDS: ClassVar[tuple[str, ...]] = ("f->f", "q->q", "i->i")

    def check_types(self) -> None:
        super().check_types()
        lo, hi = self.prop("min"), self.prop("max")
        if math.isnan(lo) or math.isnan(hi):
            raise VerifyException("clamp bounds must not be NaN")


@irdl_op_definition
class LeakyReluOp(_Unary):
    """`x if x >= 0 else alpha * x`."""

    name = "nn.leaky_relu"
    alpha = prop_def(FloatAttr)
    rounding = opt_prop_def(StringAttr)


@irdl_op_definition
class PReluOp(TensorOp):
    """`x if x >= 0 else slope * x`, `slope` broadcast against `x` (usually per channel)."""

    KINDS: ClassVar[tuple[str, ...]] = ("ff->f", "qq->q")

    name = "nn.prelu"
    input = operand_def(TensorType)
    slope = operand_def(TensorType)
    output = result_def(TensorType)
    rounding = opt_prop_def(StringAttr)
    traits = traits_def(Pure())

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        out = broadcast_shapes(shapes[0], shapes[1])
        if out != shapes[0]:
            raise VerifyException(
                f"slope {shape_str(shapes[1])} must broadcast to input {shape_str(shapes[0])}"
            )
        return [shapes[0]]

    def check_types(self) -> None:
        _check_allowed(self, self.KINDS)


@irdl_op_definition
class SigmoidOp(_Unary):
    """Logistic function `1 / (1 + exp(-x))`."""

    name = "nn.sigmoid"
    rounding = opt_prop_def(StringAttr)


@irdl_op_definition
class TanhOp(_Unary):
    """Hyperbolic tangent."""

    name = "nn.tanh"
    rounding = opt_prop_def(StringAttr)


@irdl_op_definition
class HardSigmoidOp(_Unary):
    """`max(0, min(1, alpha * x + beta))`."""

    name = "nn.hard_sigmoid"
    alpha = prop_def(FloatAttr)
    beta = prop_def(FloatAttr)
    rounding = opt_prop_def(StringAttr)


@irdl_op_definition
class HardSwishOp(_Unary):
    """`x * relu6(x + 3) / 6`."""

    name = "nn.hard_swish"
    rounding = opt_prop_def(StringAttr)


class _AxisUnary(_Unary):
    axis = prop_def(IntegerAttr)
    rounding = opt_prop_def(StringAttr)

    def check_types(self) -> None:
        super().check_types()
        normalize_axis(int(self.prop("axis")), len(shape_of(self.input)))


@irdl_op_definition
class SoftmaxOp(_AxisUnary):
    """Softmax along one axis: `exp(b*(x - max)) / sum(exp(b*(x - max)))` with `b` the optional
    `beta` (TFLite SOFTMAX's beta; absent = 1.0).

        %y = nn.softmax %x {axis = -1 : i64, beta = 0.5 : f32} : (tensor<1x10xf32>) -> tensor<1x10xf32>
    """

    name = "nn.softmax"
    beta = opt_prop_def(FloatAttr)


@irdl_op_definition
class LogSoftmaxOp(_AxisUnary):
    """Log-softmax along one axis."""

    name = "nn.log_softmax"


# ---------------------------------------------------------------------------------------------
# pooling and reductions


class _Pool(TensorOp):
    KINDS: ClassVar[tuple[str, ...]] = ("f->f", "q->q", "i->i")
    input = operand_def(TensorType)
    output = result_def(TensorType)
    kernel = prop_def(DenseArrayBase)
    strides = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    padding = prop_def(DenseArrayBase)
    act = opt_prop_def(ActivationAttr)
    rounding = opt_prop_def(StringAttr)
    traits = traits_def(Pure())

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        x = shapes[0]
        _rank(x, 4, "input")
        kh, kw = _pair(prop("kernel"), 1, "kernel")
        oh, ow = _spatial_out(x, kh, kw, prop)
        return [(x[0], oh, ow, x[3])]

    def check_types(self) -> None:
        _check_allowed(self, self.KINDS)
        _check_rounding(self)


@irdl_op_definition
class MaxPool2dOp(_Pool):
    """Max pooling over `kernel` windows of an NHWC tensor; padded positions never win.

    %y = nn.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>,
           dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
         : (tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32>
    """

    name = "nn.max_pool2d"


@irdl_op_definition
class AvgPool2dOp(_Pool):
    """Average pooling over `kernel` windows of an NHWC tensor.

    The divisor counts the window positions inside the input, plus (when `count_include_pad`)
    those inside the first `counted_padding` rows/columns of padding ([top, left, bottom, right];
    defaults to all of `padding`). Padding beyond `counted_padding` (from ONNX `ceil_mode`)
    is never counted.
    """

    name = "nn.avg_pool2d"
    count_include_pad = prop_def(IntegerAttr)
    counted_padding = opt_prop_def(DenseArrayBase)

    def check_types(self) -> None:
        super().check_types()
        cp = self.prop("counted_padding")
        if cp is not None:
            pad = _padding(self.prop("padding"))
            cpad = _padding(cp)
            if any(c > p for c, p in zip(cpad, pad, strict=True)):
                raise VerifyException(f"counted_padding {list(cpad)} exceeds padding {list(pad)}")


class _Reduce(TensorOp):
    KINDS: ClassVar[tuple[str, ...]] = ("f->f", "q->q", "i->i")
    input = operand_def(TensorType)
    output = result_def(TensorType)
    axes = prop_def(DenseArrayBase)
    keepdims = prop_def(IntegerAttr)
    rounding = opt_prop_def(StringAttr)
    traits = traits_def(Pure())

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        x = shapes[0]
        axes = sorted({normalize_axis(a, len(x), "reduction axis") for a in prop("axes")})
        keep = bool(prop("keepdims"))
        out = (
            [1 if i in axes else d for i, d in enumerate(x)]
            if keep
            else [d for i, d in enumerate(x) if i not in axes]
        )
        return [tuple(out)]

    def check_types(self) -> None:
        _check_allowed(self, self.KINDS)
        _check_rounding(self)
        rank = len(shape_of(self.input))
        if len({a % max(rank, 1) for a in self.prop("axes")}) != len(self.prop("axes")):
            raise VerifyException("reduction axes must be unique")


@irdl_op_definition
class ReduceMeanOp(_Reduce):
    """Mean over `axes` (global average pooling is `axes = [1, 2]`)."""

    name = "nn.reduce_mean"


@irdl_op_definition
class ReduceMaxOp(_Reduce):
    """Maximum over `axes`."""

    name = "nn.reduce_max"


@irdl_op_definition
class ReduceSumOp(_Reduce):
    """Sum over `axes`."""

    name = "nn.reduce_sum"


@irdl_op_definition
class BatchNormOp(TensorOp):
    """Inference batch normalization along the last (channel) axis:
    `(x - mean) / sqrt(var + epsilon) * scale + bias`; parameters are `[C]` tensors.
    """

    KINDS: ClassVar[tuple[str, ...]] = ("fffff->f",)

    name = "nn.batch_norm"
    input = operand_def(TensorType)
    scale = operand_def(TensorType)
    bias = operand_def(TensorType)
    mean = operand_def(TensorType)
    var = operand_def(TensorType)
    output = result_def(TensorType)
    epsilon = prop_def(FloatAttr)
    traits = traits_def(Pure())

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        x = shapes[0]
        if not x:
            raise VerifyException("batch_norm input must have rank >= 1")
        for s in shapes[1:]:
            if s != (x[-1],):
                raise VerifyException(
                    f"batch_norm parameters must have shape {x[-1]}, got {shape_str(s)}"
                )
        return [x]

    def check_types(self) -> None:
        _check_allowed(self, self.KINDS)


# ---------------------------------------------------------------------------------------------
# data movement


def _check_same_values(
    op: TensorOp, src: SSAValue, dst: SSAValue, axis_map: dict[int, int] | None
) -> None:
    """Element type of a data-movement result: equal to the input, per-axis params moved by axis_map."""
    a, b = elt(src), elt(dst)
    if isinstance(a, QuantType | BinaryType) and a.channel_axis is not None:
        new_axis = None if axis_map is None else axis_map.get(a.channel_axis)
        if new_axis is None:
            raise VerifyException(
                f"{op.name} cannot move the per-axis quantization axis {a.channel_axis}"
            )
        expected = a.with_axis(new_axis)
    else:
        expected = a
    if b != expected:
        raise VerifyException(f"result element type {b} must be {expected}")


@irdl_op_definition
class ConcatOp(TensorOp):
    """Concatenation of tensors along `axis` (all operands share the element type).

    Quantized operands with different scales are requantized to the result's parameters.
    """

    name = "nn.concat"
    inputs = var_operand_def(TensorType)
    output = result_def(TensorType)
    axis = prop_def(IntegerAttr)
    traits = traits_def(Pure())

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        if not shapes:
            raise VerifyException("concat needs at least one operand")
        rank = len(shapes[0])
        ax = normalize_axis(int(prop("axis")), rank)
        for s in shapes[1:]:
            if len(s) != rank or any(
                d != e for i, (d, e) in enumerate(zip(s, shapes[0], strict=True)) if i != ax
            ):
                raise VerifyException(
                    f"concat operands {shape_str(shapes[0])} and {shape_str(s)} differ off axis {ax}"
                )
        out = list(shapes[0])
        out[ax] = sum(s[ax] for s in shapes)
        return [tuple(out)]

    def check_types(self) -> None:
        kinds = {kind(o.type) for o in self.operands} | {kind(self.output.type)}
        if len(kinds) != 1 or kinds == {"?"}:
            raise VerifyException(
                "concat operands and result must all be f32, all quantized or all integer"
            )
        if kinds == {"i"} or kinds == {"f"}:
            _same_element_types(self, [*self.inputs, self.output], "concat operands and result")
        for v in [*self.inputs, self.output]:
            e = elt(v)
            if isinstance(e, QuantType) and e.channel_axis is not None:
                raise VerifyException("concat supports per-tensor quantization only")


@irdl_op_definition
class ReshapeOp(TensorOp):
    """Reinterpret the elements (row-major order) with the result type's shape."""

    name = "nn.reshape"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    INFER_SHAPES: ClassVar[bool] = False

    def check_types(self) -> None:
        a, b = shape_of(self.input), shape_of(self.output)
        if math.prod(a) != math.prod(b):
            raise VerifyException(
                f"reshape from {shape_str(a)} to {shape_str(b)} changes the element count"
            )
        src = elt(self.input)
        if isinstance(src, QuantType | BinaryType) and src.channel_axis is not None:
            # the quantized axis must survive as a dimension with the same elements before it
            ax = src.channel_axis
            before = math.prod(a[:ax])
            axis_map = {}
            for j in range(len(b)):
                if math.prod(b[:j]) == before and b[j] == a[ax]:
                    axis_map[ax] = j
                    break
            _check_same_values(self, self.input, self.output, axis_map)
        else:
            _check_same_values(self, self.input, self.output, None)


@irdl_op_definition
class TransposeOp(TensorOp):
    """Permutation of dimensions: `result.shape[i] = input.shape[perm[i]]`."""

    name = "nn.transpose"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    perm = prop_def(DenseArrayBase)
    traits = traits_def(Pure())

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        x, perm = shapes[0], prop("perm")
        if sorted(perm) != list(range(len(x))):
            raise VerifyException(f"perm {list(perm)} is not a permutation of {len(x)} dimensions")
        return [tuple(x[p] for p in perm)]

    def check_types(self) -> None:
        perm = self.prop("perm")
        _check_same_values(self, self.input, self.output, {p: i for i, p in enumerate(perm)})


@irdl_op_definition
class PadOp(TensorOp):
    """Padding: `pads = [begin_0, ..., begin_n-1, end_0, ..., end_n-1]` (negative crops).

    `mode` is `constant` (fill with the real value `value`), `reflect` or `edge`.
    """

    name = "nn.pad"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    pads = prop_def(DenseArrayBase)
    mode = prop_def(StringAttr)
    value = prop_def(FloatAttr)
    traits = traits_def(Pure())

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        x, pads = shapes[0], prop("pads")
        n = len(x)
        if len(pads) != 2 * n:
            raise VerifyException(f"pads must have {2 * n} values for rank {n}, got {len(pads)}")
        out = tuple(x[i] + pads[i] + pads[i + n] for i in range(n))
        if any(d < 0 for d in out):
            raise VerifyException(f"padding gives a negative dimension: {out}")
        return [out]

    def check_types(self) -> None:
        if self.prop("mode") not in ("constant", "reflect", "edge"):
            raise VerifyException(
                f"pad mode must be constant, reflect or edge, got '{self.prop('mode')}'"
            )
        x = shape_of(self.input)
        pads = self.prop("pads")
        axis_map = {i: i for i in range(len(x)) if pads[i] == 0 and pads[i + len(x)] == 0}
        _check_same_values(self, self.input, self.output, axis_map)


@irdl_op_definition
class SliceOp(TensorOp):
    """Strided slice with one `start, end, step` per dimension, already normalized:
    `0 <= start < dim` (or the empty range), `end` in `[-1, dim]`, `step != 0`; the selected
    indices are `range(start, end, step)` (so `end = -1` with a negative step reaches index 0).
    """

    name = "nn.slice"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    starts = prop_def(DenseArrayBase)
    ends = prop_def(DenseArrayBase)
    steps = prop_def(DenseArrayBase)
    traits = traits_def(Pure())

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        x = shapes[0]
        starts, ends, steps = prop("starts"), prop("ends"), prop("steps")
        if not len(starts) == len(ends) == len(steps) == len(x):
            raise VerifyException(f"starts/ends/steps must have {len(x)} values each")
        out = []
        for d, s, e, st in zip(x, starts, ends, steps, strict=True):
            if st == 0:
                raise VerifyException("slice step must not be 0")
            if not (-1 <= e <= d) or not (0 <= s <= d):
                raise VerifyException(
                    f"slice bounds start={s}, end={e} not normalized for size {d}"
                )
            out.append(len(range(s, e, st)))
        return [tuple(out)]

    def check_types(self) -> None:
        x = shape_of(self.input)
        s, e, st = self.prop("starts"), self.prop("ends"), self.prop("steps")
        axis_map = {i: i for i in range(len(x)) if s[i] == 0 and e[i] == x[i] and st[i] == 1}
        _check_same_values(self, self.input, self.output, axis_map)


@irdl_op_definition
class SplitOp(TensorOp):
    """Split along `axis` into pieces whose sizes are the results' sizes along it."""

    name = "nn.split"
    input = operand_def(TensorType)
    outputs = var_result_def(TensorType)
    axis = prop_def(IntegerAttr)
    traits = traits_def(Pure())
    INFER_SHAPES: ClassVar[bool] = False

    def check_types(self) -> None:
        x = shape_of(self.input)
        ax = normalize_axis(int(self.prop("axis")), len(x))
        total = 0
        for r in self.outputs:
            s = shape_of(r)
            if len(s) != len(x) or any(
                d != e for i, (d, e) in enumerate(zip(s, x, strict=True)) if i != ax
            ):
                raise VerifyException(
                    f"split result {shape_str(s)} does not match input {shape_str(x)} off axis {ax}"
                )
            total += s[ax]
            _check_same_values(self, self.input, r, {i: i for i in range(len(x)) if i != ax})
        if total != x[ax]:
            raise VerifyException(
                f"split sizes add up to {total}, input has {x[ax]} along axis {ax}"
            )


@irdl_op_definition
class GatherOp(TensorOp):
    """`take(input, indices, axis)` with constant `indices` (negative values count from the end)."""

    name = "nn.gather"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    axis = prop_def(IntegerAttr)
    indices = prop_def(DenseIntOrFPElementsAttr)
    traits = traits_def(Pure())

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        x = shapes[0]
        ax = normalize_axis(int(prop("axis")), len(x))
        idx = np.asarray(prop("indices"))
        if idx.size and (idx.min() < -x[ax] or idx.max() >= x[ax]):
            raise VerifyException(f"gather indices out of range for size {x[ax]}")
        return [(*x[:ax], *idx.shape, *x[ax + 1 :])]

    def check_types(self) -> None:
        if not isinstance(self.indices.get_element_type(), IntegerType):
            raise VerifyException("gather indices must be integers")
        x = shape_of(self.input)
        ax = normalize_axis(int(self.prop("axis")), len(x))
        nidx = len(self.indices.get_shape())
        axis_map = {i: i for i in range(ax)}
        axis_map.update({i: i + nidx - 1 for i in range(ax + 1, len(x))})
        _check_same_values(self, self.input, self.output, axis_map)


_RESIZE_MODES = ("nearest", "linear")
_COORD_MODES = (
    "half_pixel",
    "asymmetric",
    "align_corners",
    "pytorch_half_pixel",
    "half_pixel_symmetric",
)
_NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


@irdl_op_definition
class ResizeOp(TensorOp):
    """Resize by nearest or (multi)linear interpolation, ONNX conventions.

    `scales` (one per dimension, f64 array) map output coordinates to input ones through
    `coordinate_mode`; the output shape is the result type's.
    """

    KINDS: ClassVar[tuple[str, ...]] = ("f->f", "q->q", "i->i")

    name = "nn.resize"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    mode = prop_def(StringAttr)
    coordinate_mode = prop_def(StringAttr)
    nearest_mode = prop_def(StringAttr)
    scales = prop_def(DenseArrayBase)
    traits = traits_def(Pure())
    INFER_SHAPES: ClassVar[bool] = False

    def check_types(self) -> None:
        _check_allowed(self, self.KINDS)
        if self.prop("mode") not in _RESIZE_MODES:
            raise VerifyException(f"resize mode must be one of {', '.join(_RESIZE_MODES)}")
        if self.prop("coordinate_mode") not in _COORD_MODES:
            raise VerifyException(f"unknown coordinate_mode '{self.prop('coordinate_mode')}'")
        if self.prop("nearest_mode") not in _NEAREST_MODES:
            raise VerifyException(f"unknown nearest_mode '{self.prop('nearest_mode')}'")
        x, y = shape_of(self.input), shape_of(self.output)
        sc = self.prop("scales")
        if len(sc) != len(x) or len(y) != len(x):
            raise VerifyException(
                "resize needs one scale per dimension and an output of the same rank"
            )
        if any(s <= 0 for s in sc):
            raise VerifyException("resize scales must be > 0")
        _check_same_values(
            self, self.input, self.output, {i: i for i in range(len(x)) if x[i] == y[i]}
        )


# ---------------------------------------------------------------------------------------------
# type conversions


#: `nn.quantize` rounding modes of QONNX's Quant: x / scale + zero_point in float32, clamped to
#: the (narrow) range, then rounded in float32 as qonnx does (see docs/dialects/nn.md)
QONNX_ROUNDINGS = (
    "qonnx_half_even",
    "qonnx_floor",
    "qonnx_ceil",
    "qonnx_up",
    "qonnx_down",
    "qonnx_half_up",
    "qonnx_half_down",
)


@irdl_op_definition
class QuantizeOp(_Unary):
    """f32 -> quantized (`!nn.q`, round and saturate) or binary (`!nn.bin`, sign with 0 -> +1).

    `rounding`: "tflite" (default; round(x / scale) half away from zero, then + zero point),
    "onnx" (half to even, then + zero point) or one of QONNX's modes `qonnx_half_even`,
    `qonnx_floor`, `qonnx_ceil`, `qonnx_up`, `qonnx_down`, `qonnx_half_up`, `qonnx_half_down`,
    which round `float32(float32(x / scale) + zero_point)` after clamping it to the range, with
    qonnx's float32 formulas. `narrow = true` saturates to the narrow range (signed: the most
    negative value is dropped, unsigned: the largest). For `!nn.bin` results a QONNX mode means
    QONNX's 1-bit Quant: +1 iff `float32(x / alpha) >= 0`.

        %q = nn.quantize %x {rounding = "qonnx_half_even", narrow = true}
             : (tensor<1x64xf32>) -> tensor<1x64x!nn.q<i2, 1.0:0>>
    """

    name = "nn.quantize"
    rounding = opt_prop_def(StringAttr)
    narrow = opt_prop_def(IntegerAttr)
    KINDS: ClassVar[tuple[str, ...]] = ("f->q", "f->b")

    def check_types(self) -> None:
        _check_allowed(self, self.KINDS)
        r = self.prop("rounding")
        if r is not None and r not in ("tflite", "onnx", *QONNX_ROUNDINGS):
            raise VerifyException(
                f"rounding must be 'tflite', 'onnx' or one of {', '.join(QONNX_ROUNDINGS)}, "
                f"got '{r}'"
            )
        if self.prop("narrow") and not isinstance(elt(self.output), QuantType):
            raise VerifyException("narrow applies to quantized (!nn.q) results only")


@irdl_op_definition
class DequantizeOp(_Unary):
    """Quantized or binary -> f32: `scale * (q - zero_point)`, `alpha * b`."""

    name = "nn.dequantize"
    KINDS: ClassVar[tuple[str, ...]] = ("q->f", "b->f", "i->f")


@irdl_op_definition
class RequantizeOp(_Unary):
    """Quantized -> quantized with other scale/zero point/width (TFLite REQUANTIZE rules)."""

    name = "nn.requantize"
    rounding = opt_prop_def(StringAttr)
    KINDS: ClassVar[tuple[str, ...]] = ("q->q", "i->q")


@irdl_op_definition
class ThresholdOp(TensorOp):
    """Per-channel integer threshold to a binary value: a batch norm (or mul/add) followed by
    sign(), folded for an integer accumulator (`nn-fold-sign-threshold`).

    `result[..., c] = +1` iff `input[..., c] >= thresholds[c]` when `direction[c] = 1` (the
    default), iff `input[..., c] <= thresholds[c]` when `direction[c] = -1` (a negative batch norm
    scale), else -1; integers are compared exactly (thresholds may be wider than the input).

        %y = nn.threshold %acc, %t {direction = array<i8: 1, -1>}
             : (tensor<1x2xi32>, tensor<2xi32>) -> tensor<1x2x!nn.bin>
    """

    KINDS: ClassVar[tuple[str, ...]] = ("ii->b",)

    name = "nn.threshold"
    input = operand_def(TensorType)
    thresholds = operand_def(TensorType)
    output = result_def(TensorType)
    direction = opt_prop_def(DenseArrayBase)
    traits = traits_def(Pure())

    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        x, t = shapes
        if not x:
            raise VerifyException("threshold input must have rank >= 1")
        if t != (x[-1],):
            raise VerifyException(
                f"thresholds must have shape {x[-1]} (one per channel), got {shape_str(t)}"
            )
        d = prop("direction")
        if d is not None and len(d) != x[-1]:
            raise VerifyException(f"direction must have {x[-1]} values, got {len(d)}")
        return [x]

    def check_types(self) -> None:
        _check_allowed(self, self.KINDS)
        d = self.prop("direction")
        if d is not None and any(v not in (1, -1) for v in d):
            raise VerifyException("direction values must be 1 (>=) or -1 (<=)")
        y = elt(self.output)
        assert isinstance(y, BinaryType)
        if y.channel_axis is not None and y.channel_axis != len(shape_of(self.output)) - 1:
            raise VerifyException("a per-axis binary result must be scaled along the last axis")


@irdl_op_definition
class StorageCastOp(_Unary):
    """Reinterpret stored values under another element type with the same storage dtype,
    e.g. a graph input `i8` as `!nn.q<i8, 0.5:-1>` (MLIR quant's `scast`); no data changes.
    """

    name = "nn.storage_cast"

    def check_types(self) -> None:
        from edgeai.support.attrs import storage_dtype

        a, b = elt(self.input), elt(self.output)
        if kind(a) not in "qib" or kind(b) not in "qib":
            raise VerifyException(
                f"storage_cast needs integer, quantized or binary types, got {a} -> {b}"
            )
        if storage_dtype(a) != storage_dtype(b):
            raise VerifyException(
                f"storage_cast between different storage types {storage_dtype(a)} and {storage_dtype(b)}"
            )


#: every op class of the dialect (for isinstance checks)
NN_OP_TYPES: tuple[type[TensorOp], ...] = ()

#: ops that only select, reorder or repeat elements (no arithmetic on values); quantized
#: operands keep their parameters through them (resize: nearest; concat: equal parameters)
ELEMENT_MOVING_OPS: tuple[type[TensorOp], ...] = (
    ReshapeOp,
    TransposeOp,
    SliceOp,
    GatherOp,
    SplitOp,
    PadOp,
    ConcatOp,
    ResizeOp,
)

NN_OPS: list[type[TensorOp]] = [
    ConstantOp,
    Conv2dOp,
    DepthwiseConv2dOp,
    Conv2dTransposeOp,
    DenseOp,
    MatMulOp,
    AddOp,
    SubOp,
    MulOp,
    DivOp,
    MaximumOp,
    MinimumOp,
    ReluOp,
    ClampOp,
    LeakyReluOp,
    PReluOp,
    SigmoidOp,
    TanhOp,
    HardSigmoidOp,
    HardSwishOp,
    SoftmaxOp,
    LogSoftmaxOp,
    MaxPool2dOp,
    AvgPool2dOp,
    ReduceMeanOp,
    ReduceMaxOp,
    ReduceSumOp,
    BatchNormOp,
    ConcatOp,
    ReshapeOp,
    TransposeOp,
    PadOp,
    SliceOp,
    SplitOp,
    GatherOp,
    ResizeOp,
    QuantizeOp,
    DequantizeOp,
    RequantizeOp,
    ThresholdOp,
    StorageCastOp,
]

NN_OP_TYPES = tuple(NN_OPS)

NN = Dialect("nn", NN_OPS, [QuantType, BinaryType, ActivationAttr])

__all__ = [op.__name__ for op in NN_OPS] + [
    "NN",
    "kind",
    "elt",
    "window_out",
    "narrow_range",
    "QONNX_ROUNDINGS",
    "Any",
]
