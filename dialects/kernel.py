"""The `kernel` dialect (level 2): target-chosen kernels on buffers, integer-exact.

Each op is one call of a kernel: it reads its input buffers and writes its output buffer
(destination passing: the output is the last operand, ops have no results). Quantized kernels carry
exactly the parameters an integer implementation needs, computed at compile time with TFLite's
conventions: offsets (`input_offset = -zero_point_in`, `output_offset = zero_point_out`), one
fixed-point `output_multiplier`/`output_shift` per output channel, the activation range
`qmin..qmax` on stored values. Float kernels carry `fmin..fmax`. So the C emitter, the loop
lowering and the reference all implement the same formula:

    acc = bias[c] + sum((x + input_offset) * w)                      (int32)
    y   = clamp(MultiplyByQuantizedMultiplier(acc, mult[c], shift[c]) + output_offset, qmin, qmax)

    %w = kernel.constant dense<...> : memref<16x3x3x8xi8>
    kernel.conv2d %x, %w, %b, %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>,
        padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 128 : i64,
        output_offset = -128 : i64, output_multiplier = array<i32: ...>,
        output_shift = array<i32: ...>, qmin = -128 : i64, qmax = 127 : i64}
        : memref<1x8x8x8xi8>, memref<16x3x3x8xi8>, memref<16xi32>, memref<1x8x8x16xi8>

`variant` (optional string) names the implementation a backend picked for the layer (e.g.
"1x1", "im2col", "dsp"); semantics never depend on it.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    StringAttr,
)
from xdsl.ir import Attribute, Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from edgeai.support.attrs import numpy_from_dense, to_py


def _shape(v: SSAValue) -> tuple[int, ...]:
    assert isinstance(v.type, MemRefType), v.type
    return tuple(v.type.get_shape())


def _elt(v: SSAValue) -> Attribute:
    assert isinstance(v.type, MemRefType)
    return v.type.element_type


def is_float(v: SSAValue) -> bool:
    return isinstance(_elt(v), Float32Type)


def int_width(v: SSAValue) -> int:
    e = _elt(v)
    return e.width.data if isinstance(e, IntegerType) else 0


class KernelOp(IRDLOperation):
    """Base of kernel ops: operands are inputs then the output buffer(s)."""

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "operands attr-dict `:` type(operands)"

    #: number of trailing operands that are written (outputs)
    NUM_OUTPUTS: ClassVar[int] = 1
    #: properties a quantized form must carry / a float form must carry
    QUANT_PROPS: ClassVar[tuple[str, ...]] = ()
    FLOAT_PROPS: ClassVar[tuple[str, ...]] = ()

    def prop(self, name: str, default=None):
        a = self.properties.get(name)
        return default if a is None else to_py(a)

    @property
    def layer(self) -> str | None:
        a = self.attributes.get("layer")
        return a.data if isinstance(a, StringAttr) else None

    def inputs(self) -> list[SSAValue]:
        return list(self.operands[: len(self.operands) - self.NUM_OUTPUTS])

    def outputs(self) -> list[SSAValue]:
        return list(self.operands[len(self.operands) - self.NUM_OUTPUTS :])

    @property
    def quantized(self) -> bool:
        return not is_float(self.outputs()[0])

    def verify_(self) -> None:
        for k in self.attributes:
            if k != "layer" and "." not in k:
                raise VerifyException(f"unknown attribute '{k}' for {self.name}")
        for i, o in enumerate(self.operands):
            if not isinstance(o.type, MemRefType) or any(d < 0 for d in o.type.get_shape()):
                raise VerifyException(f"operand #{i} must be a static memref, got {o.type}")
        needed = self.QUANT_PROPS if self.quantized else self.FLOAT_PROPS
        missing = [p for p in needed if p not in self.properties]
        if missing:
            kind = "quantized" if self.quantized else "float"
            raise VerifyException(f"{kind} {self.name} needs {', '.join(missing)}")
        self.check()

    def check(self) -> None:
        """Op-specific shape/type rules."""


# ---------------------------------------------------------------------------------------------
# constants


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """Read-only data (weights, biases, tables), placed in flash by the C emitter.

    %w = kernel.constant dense<[1, -2]> : memref<2xi8>
    """

    name = "kernel.constant"
    value = prop_def(DenseIntOrFPElementsAttr)
    output = result_def(MemRefType)
    traits = traits_def(ConstantLike(), Pure())
    assembly_format = None

    def to_numpy(self) -> np.ndarray:
        return numpy_from_dense(self.value)

    @property
    def nbytes(self) -> int:
        return int(self.to_numpy().nbytes)

    def verify_(self) -> None:
        t = self.output.type
        if tuple(self.value.get_shape()) != tuple(t.get_shape()):
            raise VerifyException("kernel.constant value shape differs from the memref")
        if self.value.get_element_type() != t.element_type:
            raise VerifyException("kernel.constant value element type differs from the memref")

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        self.value.print_without_type(printer)
        if self.attributes:
            printer.print_op_attributes(dict(self.attributes))
        printer.print_string(" : ")
        printer.print_attribute(self.output.type)

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        from edgeai.dialects.common import parse_constant

        op = parse_constant(cls, parser)  # parses `dense<...> : memref<...>` the same way
        return op  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# convolutions and fully connected

_REQUANT = ("input_offset", "output_offset", "output_multiplier", "output_shift", "qmin", "qmax")


def _window(x: tuple[int, ...], k: tuple[int, int], op: KernelOp) -> tuple[int, int]:
    sh, sw = op.prop("strides")
    dh, dw = op.prop("dilations")
    t, left, b, r = op.prop("padding")
    oh = (x[1] + t + b - dh * (k[0] - 1) - 1) // sh + 1
    ow = (x[2] + left + r - dw * (k[1] - 1) - 1) // sw + 1
    return oh, ow


def _check_requant_arrays(op: KernelOp, channels: int) -> None:
    if not op.quantized:
        return
    m, s = op.prop("output_multiplier"), op.prop("output_shift")
    if len(m) != channels or len(s) != channels:
        raise VerifyException(
            f"output_multiplier/output_shift need {channels} values, got {len(m)}/{len(s)}"
        )


class _ConvBase(KernelOp):
    input = operand_def(MemRefType)
    weight = operand_def(MemRefType)
    bias = opt_operand_def(MemRefType)
    output = operand_def(MemRefType)
    input_offset = opt_prop_def(IntegerAttr)
    output_offset = opt_prop_def(IntegerAttr)
    output_multiplier = opt_prop_def(DenseArrayBase)
    output_shift = opt_prop_def(DenseArrayBase)
    qmin = opt_prop_def(IntegerAttr)
    qmax = opt_prop_def(IntegerAttr)
    fmin = opt_prop_def(FloatAttr)
    fmax = opt_prop_def(FloatAttr)
    variant = opt_prop_def(StringAttr)
    QUANT_PROPS: ClassVar[tuple[str, ...]] = _REQUANT
    FLOAT_PROPS: ClassVar[tuple[str, ...]] = ("fmin", "fmax")

    def outputs(self) -> list[SSAValue]:
        return [self.output]

    def inputs(self) -> list[SSAValue]:
        return [v for v in (self.input, self.weight, self.bias) if v is not None]


@irdl_op_definition
class Conv2dOp(_ConvBase):
    """Grouped 2-D convolution, NHWC input, OHWI weights; int8 x int8 -> int32 -> requantized
    (int16 x int8 with an int32/int64 bias for 16x8), or float32."""

    name = "kernel.conv2d"
    strides = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    padding = prop_def(DenseArrayBase)
    groups = prop_def(IntegerAttr)

    def check(self) -> None:
        x, w, y = _shape(self.input), _shape(self.weight), _shape(self.output)
        g = self.prop("groups")
        if len(x) != 4 or len(w) != 4 or len(y) != 4 or w[3] * g != x[3] or y[3] != w[0]:
            raise VerifyException(f"conv2d shapes do not fit: x {x}, w {w}, y {y}, groups {g}")
        if (y[1], y[2]) != _window(x, (w[1], w[2]), self):
            raise VerifyException(f"conv2d output {y} does not match the window geometry")
        _check_requant_arrays(self, w[0])


@irdl_op_definition
class DepthwiseConv2dOp(_ConvBase):
    """Depthwise 2-D convolution, weights [1, KH, KW, C*M] (output c*M+m reads input c)."""

    name = "kernel.depthwise_conv2d"
    strides = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    padding = prop_def(DenseArrayBase)

    def check(self) -> None:
        x, w, y = _shape(self.input), _shape(self.weight), _shape(self.output)
        if len(x) != 4 or w[0] != 1 or w[3] % x[3] or y[3] != w[3]:
            raise VerifyException(f"depthwise shapes do not fit: x {x}, w {w}, y {y}")
        if (y[1], y[2]) != _window(x, (w[1], w[2]), self):
            raise VerifyException(f"depthwise output {y} does not match the window geometry")
        _check_requant_arrays(self, w[3])


@irdl_op_definition
class FullyConnectedOp(_ConvBase):
    """`y[..., n] = sum_k (x[..., k] + input_offset) * w[n, k] + b[n]`, requantized per channel."""

    name = "kernel.fully_connected"

    def check(self) -> None:
        x, w, y = _shape(self.input), _shape(self.weight), _shape(self.output)
        if len(w) != 2 or x[-1] != w[1] or y != (*x[:-1], w[0]):
            raise VerifyException(f"fully_connected shapes do not fit: x {x}, w {w}, y {y}")
        _check_requant_arrays(self, w[0])


# ---------------------------------------------------------------------------------------------
# pooling and reductions


class _PoolBase(KernelOp):
    input = operand_def(MemRefType)
    output = operand_def(MemRefType)
    kernel = prop_def(DenseArrayBase)
    strides = prop_def(DenseArrayBase)
    padding = prop_def(DenseArrayBase)
    qmin = opt_prop_def(IntegerAttr)
    qmax = opt_prop_def(IntegerAttr)
    fmin = opt_prop_def(FloatAttr)
    fmax = opt_prop_def(FloatAttr)
    variant = opt_prop_def(StringAttr)
    QUANT_PROPS: ClassVar[tuple[str, ...]] = ("qmin", "qmax")
    FLOAT_PROPS: ClassVar[tuple[str, ...]] = ("fmin", "fmax")

    def check(self) -> None:
        x, y = _shape(self.input), _shape(self.output)
        sh, sw = self.prop("strides")
        kh, kw = self.prop("kernel")
        t, left, b, r = self.prop("padding")
        oh, ow = (x[1] + t + b - kh) // sh + 1, (x[2] + left + r - kw) // sw + 1
        if y != (x[0], oh, ow, x[3]):
            raise VerifyException(f"{self.name}: output {y} does not match the window geometry")
        if _elt(self.input) != _elt(self.output):
            raise VerifyException(f"{self.name} keeps the element type")


@irdl_op_definition
class AvgPool2dOp(_PoolBase):
    """Average pooling; padding is excluded from the divisor (TFLite); integer division rounds
    half away from zero; input and output share quantization."""

    name = "kernel.avg_pool2d"


@irdl_op_definition
class MaxPool2dOp(_PoolBase):
    """Max pooling (padding never wins)."""

    name = "kernel.max_pool2d"


@irdl_op_definition
class MeanOp(KernelOp):
    """Mean over `axes` (TFLM's integer MEAN: sum, then one multiplier including 1/n)."""

    name = "kernel.mean"
    input = operand_def(MemRefType)
    output = operand_def(MemRefType)
    axes = prop_def(DenseArrayBase)
    input_offset = opt_prop_def(IntegerAttr)
    output_offset = opt_prop_def(IntegerAttr)
    multiplier = opt_prop_def(IntegerAttr)
    shift = opt_prop_def(IntegerAttr)
    QUANT_PROPS: ClassVar[tuple[str, ...]] = (
        "input_offset",
        "output_offset",
        "multiplier",
        "shift",
    )

    def check(self) -> None:
        x, y = _shape(self.input), _shape(self.output)
        axes = {a % len(x) for a in self.prop("axes")}
        keep = tuple(1 if i in axes else d for i, d in enumerate(x))
        drop = tuple(d for i, d in enumerate(x) if i not in axes)
        if y not in (keep, drop):
            raise VerifyException(
                f"kernel.mean output {y} does not match reducing {x} over {sorted(axes)}"
            )


# ---------------------------------------------------------------------------------------------
# element-wise


class _BinaryBase(KernelOp):
    lhs = operand_def(MemRefType)
    rhs = operand_def(MemRefType)
    output = operand_def(MemRefType)
    qmin = opt_prop_def(IntegerAttr)
    qmax = opt_prop_def(IntegerAttr)
    fmin = opt_prop_def(FloatAttr)
    fmax = opt_prop_def(FloatAttr)
    FLOAT_PROPS: ClassVar[tuple[str, ...]] = ("fmin", "fmax")

    def check(self) -> None:
        a, b, y = _shape(self.lhs), _shape(self.rhs), _shape(self.output)
        try:
            out = np.broadcast_shapes(a, b)
        except ValueError:
            raise VerifyException(f"{self.name}: {a} and {b} do not broadcast") from None
        if tuple(out) != y:
            raise VerifyException(f"{self.name}: output {y}, broadcast gives {tuple(out)}")


@irdl_op_definition
class AddOp(_BinaryBase):
    """TFLite ADD/SUB: inputs rescaled to a common scale (left_shift, per-input multipliers),
    added (`sign = -1` subtracts the second), output requantized; or float."""

    name = "kernel.add"
    input1_offset = opt_prop_def(IntegerAttr)
    input2_offset = opt_prop_def(IntegerAttr)
    output_offset = opt_prop_def(IntegerAttr)
    left_shift = opt_prop_def(IntegerAttr)
    input1_multiplier = opt_prop_def(IntegerAttr)
    input1_shift = opt_prop_def(IntegerAttr)
    input2_multiplier = opt_prop_def(IntegerAttr)
    input2_shift = opt_prop_def(IntegerAttr)
    output_multiplier = opt_prop_def(IntegerAttr)
    output_shift = opt_prop_def(IntegerAttr)
    sign = opt_prop_def(IntegerAttr)
    QUANT_PROPS: ClassVar[tuple[str, ...]] = (
        "input1_offset", "input2_offset", "output_offset", "left_shift", "input1_multiplier",
        "input1_shift", "input2_multiplier", "input2_shift", "output_multiplier", "output_shift",
        "qmin", "qmax",
    )  # fmt: skip


@irdl_op_definition
class MulOp(_BinaryBase):
    """TFLite MUL: `(a + off1) * (b + off2)` requantized; or float."""

    name = "kernel.mul"
    input1_offset = opt_prop_def(IntegerAttr)
    input2_offset = opt_prop_def(IntegerAttr)
    output_offset = opt_prop_def(IntegerAttr)
    output_multiplier = opt_prop_def(IntegerAttr)
    output_shift = opt_prop_def(IntegerAttr)
    QUANT_PROPS: ClassVar[tuple[str, ...]] = (
        "input1_offset",
        "input2_offset",
        "output_offset",
        "output_multiplier",
        "output_shift",
        "qmin",
        "qmax",
    )


@irdl_op_definition
class SoftmaxOp(KernelOp):
    """Softmax over the last axis: TFLite int8 (gemmlowp fixed point; output 1/256:-128 or int16
    1/65536:-32768) from `input_beta_multiplier`, `input_beta_left_shift`, `diff_min`; or float
    with `beta`."""

    name = "kernel.softmax"
    input = operand_def(MemRefType)
    output = operand_def(MemRefType)
    input_beta_multiplier = opt_prop_def(IntegerAttr)
    input_beta_left_shift = opt_prop_def(IntegerAttr)
    diff_min = opt_prop_def(IntegerAttr)
    beta = opt_prop_def(FloatAttr)
    QUANT_PROPS: ClassVar[tuple[str, ...]] = (
        "input_beta_multiplier",
        "input_beta_left_shift",
        "diff_min",
    )
    FLOAT_PROPS: ClassVar[tuple[str, ...]] = ("beta",)

    def check(self) -> None:
        if _shape(self.input) != _shape(self.output):
            raise VerifyException("kernel.softmax keeps the shape")


@irdl_op_definition
class ClampOp(KernelOp):
    """`min(max(x, lo), hi)` on stored values (`qmin/qmax`) or floats (`fmin/fmax`)."""

    name = "kernel.clamp"
    input = operand_def(MemRefType)
    output = operand_def(MemRefType)
    qmin = opt_prop_def(IntegerAttr)
    qmax = opt_prop_def(IntegerAttr)
    fmin = opt_prop_def(FloatAttr)
    fmax = opt_prop_def(FloatAttr)
    QUANT_PROPS: ClassVar[tuple[str, ...]] = ("qmin", "qmax")
    FLOAT_PROPS: ClassVar[tuple[str, ...]] = ("fmin", "fmax")

    def check(self) -> None:
        if _shape(self.input) != _shape(self.output) or _elt(self.input) != _elt(self.output):
            raise VerifyException("kernel.clamp keeps shape and element type")


@irdl_op_definition
class RequantizeOp(KernelOp):
    """Integer -> integer: `clamp(MBQM(x + input_offset, multiplier, shift) + output_offset)`."""

    name = "kernel.requantize"
    input = operand_def(MemRefType)
    output = operand_def(MemRefType)
    input_offset = prop_def(IntegerAttr)
    output_offset = prop_def(IntegerAttr)
    multiplier = prop_def(IntegerAttr)
    shift = prop_def(IntegerAttr)
    qmin = prop_def(IntegerAttr)
    qmax = prop_def(IntegerAttr)

    def check(self) -> None:
        if _shape(self.input) != _shape(self.output):
            raise VerifyException("kernel.requantize keeps the shape")


@irdl_op_definition
class QuantizeOp(KernelOp):
    """float -> integer, TFLite: `clamp(round_half_away(x / scale) + zero_point)` (float32 divide)."""

    name = "kernel.quantize"
    input = operand_def(MemRefType)
    output = operand_def(MemRefType)
    scale = prop_def(FloatAttr)
    zero_point = prop_def(IntegerAttr)

    @property
    def quantized(self) -> bool:  # its props are the same in both forms
        return False

    def check(self) -> None:
        if (
            _shape(self.input) != _shape(self.output)
            or not is_float(self.input)
            or is_float(self.output)
        ):
            raise VerifyException("kernel.quantize maps f32 to an integer buffer of the same shape")


@irdl_op_definition
class DequantizeOp(KernelOp):
    """integer -> float: `scale * (q - zero_point)`."""

    name = "kernel.dequantize"
    input = operand_def(MemRefType)
    output = operand_def(MemRefType)
    scale = prop_def(FloatAttr)
    zero_point = prop_def(IntegerAttr)

    def check(self) -> None:
        if (
            _shape(self.input) != _shape(self.output)
            or is_float(self.input)
            or not is_float(self.output)
        ):
            raise VerifyException(
                "kernel.dequantize maps an integer buffer to f32 of the same shape"
            )


# ---------------------------------------------------------------------------------------------
# data movement


@irdl_op_definition
class CopyOp(KernelOp):
    """Copy the bytes of a buffer into another of the same size (a reshape that cannot alias)."""

    name = "kernel.copy"
    input = operand_def(MemRefType)
    output = operand_def(MemRefType)

    def check(self) -> None:
        if math.prod(_shape(self.input)) != math.prod(_shape(self.output)) or _elt(
            self.input
        ) != _elt(self.output):
            raise VerifyException("kernel.copy needs buffers of the same size and element type")


@irdl_op_definition
class TransposeOp(KernelOp):
    """`output = transpose(input, perm)`."""

    name = "kernel.transpose"
    input = operand_def(MemRefType)
    output = operand_def(MemRefType)
    perm = prop_def(DenseArrayBase)

    def check(self) -> None:
        x, y, p = _shape(self.input), _shape(self.output), self.prop("perm")
        if sorted(p) != list(range(len(x))) or y != tuple(x[i] for i in p):
            raise VerifyException(f"kernel.transpose: {x} by {list(p)} is not {y}")


@irdl_op_definition
class ConcatOp(KernelOp):
    """Concatenation along `axis` (operands share the output's element type and quantization)."""

    name = "kernel.concat"
    inputs_ = var_operand_def(MemRefType)
    axis = prop_def(IntegerAttr)

    def check(self) -> None:
        shapes = [_shape(v) for v in self.operands]
        ax = self.prop("axis") % len(shapes[-1])
        total = sum(s[ax] for s in shapes[:-1])
        if total != shapes[-1][ax]:
            raise VerifyException(
                f"kernel.concat sizes along axis {ax} add up to {total}, output has {shapes[-1][ax]}"
            )


@irdl_op_definition
class PadOp(KernelOp):
    """Constant padding with `pads = [begin..., end...]` and the stored fill value `value`
    (integer buffers) or `fvalue` (float)."""

    name = "kernel.pad"
    input = operand_def(MemRefType)
    output = operand_def(MemRefType)
    pads = prop_def(DenseArrayBase)
    value = opt_prop_def(IntegerAttr)
    fvalue = opt_prop_def(FloatAttr)
    QUANT_PROPS: ClassVar[tuple[str, ...]] = ("value",)
    FLOAT_PROPS: ClassVar[tuple[str, ...]] = ("fvalue",)

    def check(self) -> None:
        x, y, p = _shape(self.input), _shape(self.output), self.prop("pads")
        n = len(x)
        if len(p) != 2 * n or y != tuple(x[i] + p[i] + p[i + n] for i in range(n)) or min(p) < 0:
            raise VerifyException(f"kernel.pad: {x} padded by {list(p)} is not {y}")


KERNEL_OPS = [
    ConstantOp,
    Conv2dOp,
    DepthwiseConv2dOp,
    FullyConnectedOp,
    AvgPool2dOp,
    MaxPool2dOp,
    MeanOp,
    AddOp,
    MulOp,
    SoftmaxOp,
    ClampOp,
    RequantizeOp,
    QuantizeOp,
    DequantizeOp,
    CopyOp,
    TransposeOp,
    ConcatOp,
    PadOp,
]

KERNEL = Dialect("kernel", KERNEL_OPS, [])

__all__ = [c.__name__ for c in KERNEL_OPS] + ["KERNEL", "KernelOp", "is_float", "int_width"]
