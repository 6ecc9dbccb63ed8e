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

    %w = kernel.constant dense<1> : memref<2x3x3x8xi8>
    kernel.conv2d %x, %w, %b, %y {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>,
        padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 128 : i64,
        output_offset = -128 : i64, output_multiplier = array<i32: 1242405367, 1572401305>,
        output_shift = array<i32: -8, -10>, qmin = -128 : i64, qmax = 127 : i64}
        : memref<1x8x8x8xi8>, memref<2x3x3x8xi8>, memref<2xi32>, memref<1x8x8x2xi8>

Whether an op is in its quantized or its float form follows from its output buffer: an integer
output selects the quantized form and its properties (`QUANT_PROPS`), an f32 output the float
form (`FLOAT_PROPS`); the verifier names the missing ones. `variant` (optional string) names the
implementation a backend picked for the layer (e.g. "1x1", "im2col", "dsp"); semantics never
depend on it. `layer` (optional attribute) is the name of the model layer the op computes.
Buffers are static memrefs; window properties are `strides`/`dilations`/`kernel` = [h, w] (each
>= 1) and `padding` = [top, left, bottom, right] (>= 0), activations are NHWC, weights OHWI.
`docs/dialects/kernel-ops.md` lists every op with its operands and properties (generated).
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


def _dims(shape: tuple[int, ...]) -> str:
    """`1x8x8x3` (MLIR's spelling of a shape; `scalar` for rank 0)."""
    return "x".join(str(d) for d in shape) if shape else "scalar"


def is_float(v: SSAValue) -> bool:
    """Whether the buffer `v` holds f32 values (the float form of an op)."""
    return isinstance(_elt(v), Float32Type)


def int_width(v: SSAValue) -> int:
    """Bit width of the integer buffer `v` (0 for a float buffer)."""
    e = _elt(v)
    return e.width.data if isinstance(e, IntegerType) else 0


class KernelOp(IRDLOperation):
    """Base of kernel ops: operands are inputs then the output buffer(s), no results.

    The verifier checks what every kernel op shares (static memref operands, no unknown
    attribute, the properties of its quantized or float form) and then the op's own `check`.
    """

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "operands attr-dict `:` type(operands)"

    #: number of trailing operands that are written (outputs)
    NUM_OUTPUTS: ClassVar[int] = 1
    #: properties a quantized form must carry / a float form must carry
    QUANT_PROPS: ClassVar[tuple[str, ...]] = ()
    FLOAT_PROPS: ClassVar[tuple[str, ...]] = ()

    def prop(self, name: str, default=None):
        """Python value of property `name` (ints tuple, int, float, str), or `default`."""
        a = self.properties.get(name)
        return default if a is None else to_py(a)

    @property
    def layer(self) -> str | None:
        """The model layer this kernel computes (`layer` attribute), if recorded."""
        a = self.attributes.get("layer")
        return a.data if isinstance(a, StringAttr) else None

    def inputs(self) -> list[SSAValue]:
        """The buffers the kernel reads."""
        return list(self.operands[: len(self.operands) - self.NUM_OUTPUTS])

    def outputs(self) -> list[SSAValue]:
        """The buffers the kernel writes."""
        return list(self.operands[len(self.operands) - self.NUM_OUTPUTS :])

    @property
    def quantized(self) -> bool:
        """Quantized (integer) form when the output buffer is not f32."""
        return not is_float(self.outputs()[0])

    def verify_(self) -> None:
        for k in self.attributes:
            if k != "layer" and "." not in k:
                raise VerifyException(f"unknown attribute '{k}' for {self.name}")
        for i, o in enumerate(self.operands):
            if not isinstance(o.type, MemRefType) or any(d < 0 for d in o.type.get_shape()):
                raise VerifyException(
                    f"{self.name}: operand #{i} must be a static memref, got {o.type}"
                )
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

    The value is a dense attribute of the memref's shape and element type (stored values:
    quantized weights are their integers, biases int32/int64).

        %w = kernel.constant dense<[1, -2]> : memref<2xi8>
    """

    name = "kernel.constant"
    value = prop_def(DenseIntOrFPElementsAttr)
    output = result_def(MemRefType)
    traits = traits_def(ConstantLike(), Pure())
    assembly_format = None

    def to_numpy(self) -> np.ndarray:
        """The value as a NumPy array of the memref's shape."""
        return numpy_from_dense(self.value)

    @property
    def nbytes(self) -> int:
        """Size of the data in bytes."""
        return int(self.to_numpy().nbytes)

    def verify_(self) -> None:
        t = self.output.type
        vs, ts = tuple(self.value.get_shape()), tuple(t.get_shape())
        if vs != ts:
            raise VerifyException(
                f"kernel.constant: value shape {_dims(vs)} differs from the memref's {_dims(ts)}"
            )
        if self.value.get_element_type() != t.element_type:
            raise VerifyException(
                f"kernel.constant: value element type {self.value.get_element_type()} "
                f"differs from the memref's {t.element_type}"
            )

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


def _out_extent(size: int, pad: int, k: int, stride: int, dilation: int) -> int:
    """Output positions of a window of `k` taps (dilated) sliding over a padded axis."""
    return (size + pad - dilation * (k - 1) - 1) // stride + 1


def _window(x: tuple[int, ...], k: tuple[int, int], op: KernelOp) -> tuple[int, int]:
    """Output height and width of a window `k` over the NHWC input shape `x`."""
    sh, sw = op.prop("strides")
    dh, dw = op.prop("dilations", (1, 1))
    t, left, b, r = op.prop("padding")
    oh = _out_extent(x[1], t + b, k[0], sh, dh)
    ow = _out_extent(x[2], left + r, k[1], sw, dw)
    if oh < 1 or ow < 1:
        raise VerifyException(
            f"{op.name}: window {k[0]}x{k[1]} (dilation {dh}x{dw}) does not fit the padded "
            f"input {x[1] + t + b}x{x[2] + left + r}"
        )
    return oh, ow


def _check_window_props(op: KernelOp, *pairs: str) -> None:
    """`pairs` (strides, dilations, kernel) are [h, w] >= 1; padding is [t, l, b, r] >= 0."""
    for name in pairs:
        v = list(op.prop(name))
        if len(v) != 2 or min(v) < 1:
            raise VerifyException(f"{op.name}: {name} must be [h, w] with values >= 1, got {v}")
    p = list(op.prop("padding"))
    if len(p) != 4 or min(p) < 0:
        raise VerifyException(
            f"{op.name}: padding must be [top, left, bottom, right] with values >= 0, got {p}"
        )


def _check_rank4(op: KernelOp, **shapes: tuple[int, ...]) -> None:
    for name, s in shapes.items():
        if len(s) != 4:
            raise VerifyException(f"{op.name}: {name} must have rank 4, got {_dims(s)}")


def _check_bias(op: _ConvBase, channels: int) -> None:
    if op.bias is not None and _shape(op.bias) != (channels,):
        raise VerifyException(
            f"{op.name}: bias must have shape {channels}, got {_dims(_shape(op.bias))}"
        )


def _check_requant_arrays(op: KernelOp, channels: int) -> None:
    if not op.quantized:
        return
    m, s = op.prop("output_multiplier"), op.prop("output_shift")
    if len(m) != channels or len(s) != channels:
        raise VerifyException(
            f"{op.name}: output_multiplier/output_shift need {channels} values (one per output "
            f"channel), got {len(m)}/{len(s)}"
        )


def _check_output(op: KernelOp, got: tuple[int, ...], expected: tuple[int, ...]) -> None:
    if got != expected:
        raise VerifyException(
            f"{op.name}: output has shape {_dims(got)}, expected {_dims(expected)}"
        )


class _ConvBase(KernelOp):
    """Convolution-like kernels: input, weight, optional bias, output (requantized or float)."""

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
    (int16 x int8 with an int32/int64 bias for 16x8), or float32.

    Input [N, H, W, C], weight [O, KH, KW, C/groups], optional bias [O], output [N, OH, OW, O]
    with `OH = (H + top + bottom - dh*(KH-1) - 1) // sh + 1` (same for OW); `groups` divides C
    and O. Quantized: the module's formula with one `output_multiplier`/`output_shift` per output
    channel, padded taps read `-input_offset` (they add 0); float: clamped to `fmin..fmax`.

        kernel.conv2d %x, %w, %b, %y {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>,
            padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64, fmin = 0.0 : f32, fmax = 6.0 : f32}
            : memref<1x8x8x3xf32>, memref<4x3x3x3xf32>, memref<4xf32>, memref<1x4x4x4xf32>
    """

    name = "kernel.conv2d"
    strides = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    padding = prop_def(DenseArrayBase)
    groups = prop_def(IntegerAttr)

    def check(self) -> None:
        x, w, y = _shape(self.input), _shape(self.weight), _shape(self.output)
        _check_rank4(self, input=x, weight=w, output=y)
        g = self.prop("groups")
        if g < 1 or x[3] % g or w[0] % g:
            raise VerifyException(
                f"kernel.conv2d: groups={g} must divide input channels {x[3]} "
                f"and output channels {w[0]}"
            )
        if w[3] * g != x[3]:
            raise VerifyException(
                f"kernel.conv2d: weight {_dims(w)} expects {w[3] * g} input channels "
                f"(groups={g}), input has {x[3]}"
            )
        _check_window_props(self, "strides", "dilations")
        _check_output(self, y, (x[0], *_window(x, (w[1], w[2]), self), w[0]))
        _check_bias(self, w[0])
        _check_requant_arrays(self, w[0])


@irdl_op_definition
class DepthwiseConv2dOp(_ConvBase):
    """Depthwise 2-D convolution, weights [1, KH, KW, C*M] (output c*M+m reads input c).

    Input [N, H, W, C], optional bias [C*M], output [N, OH, OW, C*M] (window geometry as
    `kernel.conv2d`); per-channel requantization over the C*M output channels, or float.

        kernel.depthwise_conv2d %x, %w, %y {strides = array<i64: 1, 1>,
            dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>,
            input_offset = 128 : i64, output_offset = -128 : i64,
            output_multiplier = array<i32: 1073741824, 1073741824>,
            output_shift = array<i32: -1, -1>,
            qmin = -128 : i64, qmax = 127 : i64}
            : memref<1x4x4x2xi8>, memref<1x3x3x2xi8>, memref<1x4x4x2xi8>
    """

    name = "kernel.depthwise_conv2d"
    strides = prop_def(DenseArrayBase)
    dilations = prop_def(DenseArrayBase)
    padding = prop_def(DenseArrayBase)

    def check(self) -> None:
        x, w, y = _shape(self.input), _shape(self.weight), _shape(self.output)
        _check_rank4(self, input=x, weight=w, output=y)
        if w[0] != 1 or x[3] < 1 or w[3] % x[3]:
            raise VerifyException(
                f"kernel.depthwise_conv2d: weight must be [1, KH, KW, C*multiplier] with "
                f"C={x[3]}, got {_dims(w)}"
            )
        _check_window_props(self, "strides", "dilations")
        _check_output(self, y, (x[0], *_window(x, (w[1], w[2]), self), w[3]))
        _check_bias(self, w[3])
        _check_requant_arrays(self, w[3])


@irdl_op_definition
class FullyConnectedOp(_ConvBase):
    """`y[..., n] = sum_k (x[..., k] + input_offset) * w[n, k] + b[n]`, requantized per channel.

    Input [..., K], weight [N, K], optional bias [N], output [..., N]; one `output_multiplier`/
    `output_shift` per output channel (all equal for per-tensor weights); or float.

        kernel.fully_connected %x, %w, %b, %y {input_offset = 128 : i64, output_offset = 24 : i64,
            output_multiplier = array<i32: 1552512760, 1552512760>,
            output_shift = array<i32: -5, -5>,
            qmin = -128 : i64, qmax = 127 : i64}
            : memref<1x64xi8>, memref<2x64xi8>, memref<2xi32>, memref<1x2xi8>
    """

    name = "kernel.fully_connected"

    def check(self) -> None:
        x, w, y = _shape(self.input), _shape(self.weight), _shape(self.output)
        if len(w) != 2:
            raise VerifyException(f"kernel.fully_connected: weight must be [N, K], got {_dims(w)}")
        if not x or x[-1] != w[1]:
            raise VerifyException(
                f"kernel.fully_connected: input {_dims(x)} does not match weight {_dims(w)} "
                f"(K={w[1]})"
            )
        _check_output(self, y, (*x[:-1], w[0]))
        _check_bias(self, w[0])
        _check_requant_arrays(self, w[0])


# ---------------------------------------------------------------------------------------------
# pooling and reductions


class _PoolBase(KernelOp):
    """2-D pooling windows over NHWC buffers; the output keeps the input's element type."""

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
        _check_rank4(self, input=x, output=y)
        _check_window_props(self, "kernel", "strides")
        _check_output(self, y, (x[0], *_window(x, tuple(self.prop("kernel")), self), x[3]))
        if _elt(self.input) != _elt(self.output):
            raise VerifyException(
                f"{self.name} keeps the element type: {_elt(self.input)} -> {_elt(self.output)}"
            )


@irdl_op_definition
class AvgPool2dOp(_PoolBase):
    """Average pooling; padding is excluded from the divisor (TFLite); integer division rounds
    half away from zero; input and output share quantization.

    The mean of the window's in-bounds values, clamped to `qmin..qmax` (stored values) or
    `fmin..fmax`.

        kernel.avg_pool2d %x, %y {kernel = array<i64: 8, 8>, strides = array<i64: 8, 8>,
            padding = array<i64: 0, 0, 0, 0>, qmin = -128 : i64, qmax = 127 : i64}
            : memref<1x8x8x64xi8>, memref<1x1x1x64xi8>
    """

    name = "kernel.avg_pool2d"


@irdl_op_definition
class MaxPool2dOp(_PoolBase):
    """Max pooling (padding never wins).

    The maximum of the window's in-bounds values, clamped to `qmin..qmax` or `fmin..fmax`.

        kernel.max_pool2d %x, %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>,
            padding = array<i64: 0, 0, 0, 0>, fmin = -3.4028235e+38 : f32,
            fmax = 3.4028235e+38 : f32}
            : memref<1x8x8x8xf32>, memref<1x4x4x8xf32>
    """

    name = "kernel.max_pool2d"


@irdl_op_definition
class MeanOp(KernelOp):
    """Mean over `axes` (TFLM's integer MEAN: sum, then one multiplier including 1/n).

    The output drops the reduced dimensions or keeps them as 1. Quantized:
    `y = saturate(MBQM(sum(x) + input_offset, multiplier, shift) + output_offset)` to the output's
    integer range, where `input_offset = -n * zero_point_in` and the multiplier includes
    `scale_in / (n * scale_out)`; float: the plain mean.

        kernel.mean %x, %y {axes = array<i64: 1, 2>, input_offset = 2048 : i64,
            output_offset = -128 : i64, multiplier = 1073741824 : i64, shift = -4 : i64}
            : memref<1x4x4x8xi8>, memref<1x1x1x8xi8>
    """

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
        for a in self.prop("axes"):
            if not -len(x) <= a < len(x):
                raise VerifyException(f"kernel.mean: axis {a} out of range for rank {len(x)}")
        axes = {a % len(x) for a in self.prop("axes")}
        keep = tuple(1 if i in axes else d for i, d in enumerate(x))
        drop = tuple(d for i, d in enumerate(x) if i not in axes)
        if y not in (keep, drop):
            raise VerifyException(
                f"kernel.mean: output {_dims(y)} does not match reducing {_dims(x)} over "
                f"{sorted(axes)} ({_dims(keep)} or {_dims(drop)})"
            )
        if is_float(self.input) != is_float(self.output):
            raise VerifyException(
                f"kernel.mean: input and output must both be f32 or both integer, "
                f"got {_elt(self.input)} -> {_elt(self.output)}"
            )


# ---------------------------------------------------------------------------------------------
# element-wise


class _BinaryBase(KernelOp):
    """Element-wise kernels of two operands, NumPy broadcasting, one element type throughout."""

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
            raise VerifyException(
                f"{self.name}: {_dims(a)} and {_dims(b)} do not broadcast"
            ) from None
        if tuple(out) != y:
            raise VerifyException(
                f"{self.name}: output {_dims(y)}, broadcast gives {_dims(tuple(out))}"
            )
        types = [_elt(self.lhs), _elt(self.rhs), _elt(self.output)]
        if types[0] != types[1] or types[1] != types[2]:
            raise VerifyException(
                f"{self.name}: operands and output must share the element type, got "
                f"{', '.join(str(t) for t in types)}"
            )


@irdl_op_definition
class AddOp(_BinaryBase):
    """TFLite ADD/SUB: inputs rescaled to a common scale (left_shift, per-input multipliers),
    added (`sign = -1` subtracts the second), output requantized; or float.

    Quantized: `xi = MBQM_smaller_than_one((in_i + input_i_offset) << left_shift,
    input_i_multiplier, input_i_shift)`, then `y = clamp(MBQM_smaller_than_one(x1 + sign * x2,
    output_multiplier, output_shift) + output_offset, qmin, qmax)`; float: `clamp(a + sign * b,
    fmin, fmax)`. `sign` is 1 (the default) or -1.

        kernel.add %a, %b, %y {sign = -1 : i64, fmin = 0.0 : f32, fmax = 3.4028235e+38 : f32}
            : memref<2x3xf32>, memref<3xf32>, memref<2x3xf32>
    """

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

    def check(self) -> None:
        super().check()
        if self.prop("sign", 1) not in (1, -1):
            raise VerifyException(f"kernel.add: sign must be 1 or -1, got {self.prop('sign')}")


@irdl_op_definition
class MulOp(_BinaryBase):
    """TFLite MUL: `(a + off1) * (b + off2)` requantized; or float.

    Quantized: `y = clamp(MBQM((a + input1_offset) * (b + input2_offset), output_multiplier,
    output_shift) + output_offset, qmin, qmax)`; float: `clamp(a * b, fmin, fmax)`.

        kernel.mul %a, %b, %y {input1_offset = 5 : i64, input2_offset = -7 : i64,
            output_offset = 3 : i64, output_multiplier = 1288490189 : i64, output_shift = -8 : i64,
            qmin = -128 : i64, qmax = 127 : i64}
            : memref<1x4x4x8xi8>, memref<1x1x1x8xi8>, memref<1x4x4x8xi8>
    """

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
    with `beta`.

    Input and output have one shape; the quantized form reads an integer buffer and writes int8
    or int16, the float form f32 -> f32 (`softmax(beta * x)`).

        kernel.softmax %x, %y {input_beta_multiplier = 1476210432 : i64,
            input_beta_left_shift = 24 : i64, diff_min = -124 : i64}
            : memref<1x10xi8>, memref<1x10xi8>
    """

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
        x, y = _shape(self.input), _shape(self.output)
        if x != y:
            raise VerifyException(f"kernel.softmax keeps the shape: {_dims(x)} -> {_dims(y)}")
        if is_float(self.input) != is_float(self.output):
            raise VerifyException(
                f"kernel.softmax: input and output must both be f32 or both integer, "
                f"got {_elt(self.input)} -> {_elt(self.output)}"
            )


@irdl_op_definition
class ClampOp(KernelOp):
    """`min(max(x, lo), hi)` on stored values (`qmin/qmax`) or floats (`fmin/fmax`).

    Input and output have one shape and one element type (a standalone activation, e.g. a ReLU
    that could not be fused into its producer).

        kernel.clamp %x, %y {qmin = -128 : i64, qmax = 0 : i64} : memref<2x3xi8>, memref<2x3xi8>
    """

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
            raise VerifyException(
                f"kernel.clamp keeps shape and element type: {self.input.type} -> "
                f"{self.output.type}"
            )


@irdl_op_definition
class RequantizeOp(KernelOp):
    """Integer -> integer: `clamp(MBQM(x + input_offset, multiplier, shift) + output_offset)`.

    Changes the scale/zero point (and possibly the width) of stored values; the clamp is
    `qmin..qmax`.

        kernel.requantize %x, %y {input_offset = 3 : i64, output_offset = 0 : i64,
            multiplier = 1431655765 : i64, shift = 9 : i64, qmin = -32768 : i64, qmax = 32767 : i64}
            : memref<2x3xi8>, memref<2x3xi16>
    """

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
        x, y = _shape(self.input), _shape(self.output)
        if x != y:
            raise VerifyException(f"kernel.requantize keeps the shape: {_dims(x)} -> {_dims(y)}")
        if not int_width(self.input) or not int_width(self.output):
            raise VerifyException(
                f"kernel.requantize maps integers to integers, got {_elt(self.input)} -> "
                f"{_elt(self.output)}"
            )


def _check_scale(op: KernelOp) -> None:
    s = op.prop("scale")
    if not (math.isfinite(s) and s > 0):
        raise VerifyException(f"{op.name}: scale must be finite and > 0, got {s}")


@irdl_op_definition
class QuantizeOp(KernelOp):
    """float -> integer, TFLite: `clamp(round_half_away(x / scale) + zero_point)` (float32 divide).

    The clamp is the output integer type's full range.

        kernel.quantize %x, %q {scale = 0.0235 : f32, zero_point = -128 : i64}
            : memref<1x8xf32>, memref<1x8xi8>
    """

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
            raise VerifyException(
                f"kernel.quantize maps f32 to an integer buffer of the same shape, got "
                f"{self.input.type} -> {self.output.type}"
            )
        _check_scale(self)


@irdl_op_definition
class DequantizeOp(KernelOp):
    """integer -> float: `scale * (q - zero_point)`.

    `scale` and `zero_point` are the input's (per-tensor) quantization parameters; the output is
    f32 of the input's shape.

        kernel.dequantize %q, %y {scale = 0.0235 : f32, zero_point = -128 : i64}
            : memref<1x8xi8>, memref<1x8xf32>
    """

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
                f"kernel.dequantize maps an integer buffer to f32 of the same shape, got "
                f"{self.input.type} -> {self.output.type}"
            )
        _check_scale(self)


# ---------------------------------------------------------------------------------------------
# data movement


@irdl_op_definition
class CopyOp(KernelOp):
    """Copy the bytes of a buffer into another of the same size (a reshape that cannot alias).

    Both buffers hold the same number of elements of one element type, copied in row-major
    order.

        kernel.copy %x, %y : memref<1x2x3x4xi8>, memref<24xi8>
    """

    name = "kernel.copy"
    input = operand_def(MemRefType)
    output = operand_def(MemRefType)

    def check(self) -> None:
        if math.prod(_shape(self.input)) != math.prod(_shape(self.output)) or _elt(
            self.input
        ) != _elt(self.output):
            raise VerifyException(
                f"kernel.copy needs buffers of the same size and element type, got "
                f"{self.input.type} -> {self.output.type}"
            )


@irdl_op_definition
class TransposeOp(KernelOp):
    """`output = transpose(input, perm)`: output dimension i is input dimension `perm[i]`.

    `perm` is a permutation of the input's dimensions; the element type stays.

        kernel.transpose %x, %y {perm = array<i64: 0, 3, 1, 2>}
            : memref<1x2x3x4xi8>, memref<1x4x2x3xi8>
    """

    name = "kernel.transpose"
    input = operand_def(MemRefType)
    output = operand_def(MemRefType)
    perm = prop_def(DenseArrayBase)

    def check(self) -> None:
        x, y, p = _shape(self.input), _shape(self.output), self.prop("perm")
        if sorted(p) != list(range(len(x))) or y != tuple(x[i] for i in p):
            raise VerifyException(f"kernel.transpose: {_dims(x)} by {list(p)} is not {_dims(y)}")
        if _elt(self.input) != _elt(self.output):
            raise VerifyException(
                f"kernel.transpose keeps the element type: {_elt(self.input)} -> "
                f"{_elt(self.output)}"
            )


@irdl_op_definition
class ConcatOp(KernelOp):
    """Concatenation along `axis` (operands share the output's element type and quantization).

    The last operand is the output; the inputs have its rank and its sizes but along `axis`
    (negative counts from the end), where their sizes add up to the output's.

        kernel.concat %a, %b, %y {axis = 3 : i64}
            : memref<1x2x3x1xi8>, memref<1x2x3x4xi8>, memref<1x2x3x5xi8>
    """

    name = "kernel.concat"
    inputs_ = var_operand_def(MemRefType)
    axis = prop_def(IntegerAttr)

    def check(self) -> None:
        shapes = [_shape(v) for v in self.operands]
        if len(shapes) < 2:
            raise VerifyException(
                f"kernel.concat needs at least one input and the output, got {len(shapes)} "
                "operand(s)"
            )
        y, rank, a = shapes[-1], len(shapes[-1]), self.prop("axis")
        if not -rank <= a < rank:
            raise VerifyException(f"kernel.concat: axis {a} out of range for rank {rank}")
        ax = a % rank
        for i, (s, v) in enumerate(zip(shapes[:-1], self.operands[:-1], strict=True)):
            if len(s) != rank or any(s[d] != y[d] for d in range(rank) if d != ax):
                raise VerifyException(
                    f"kernel.concat: input #{i} {_dims(s)} does not fit output {_dims(y)} "
                    f"along axis {ax}"
                )
            if _elt(v) != _elt(self.operands[-1]):
                raise VerifyException(
                    f"kernel.concat: input #{i} has element type {_elt(v)}, output "
                    f"{_elt(self.operands[-1])}"
                )
        total = sum(s[ax] for s in shapes[:-1])
        if total != shapes[-1][ax]:
            raise VerifyException(
                f"kernel.concat sizes along axis {ax} add up to {total}, "
                f"output has {shapes[-1][ax]}"
            )


@irdl_op_definition
class PadOp(KernelOp):
    """Constant padding with `pads = [begin..., end...]` and the stored fill value `value`
    (integer buffers) or `fvalue` (float).

    Output dimension i is `pads[i] + input[i] + pads[rank + i]`; pads are >= 0 (no cropping).

        kernel.pad %x, %y {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, value = -128 : i64}
            : memref<1x2x3x4xi8>, memref<1x4x5x4xi8>
    """

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
        if (
            len(p) != 2 * n
            or y != tuple(x[i] + p[i] + p[i + n] for i in range(n))
            or (p and min(p) < 0)
        ):
            raise VerifyException(f"kernel.pad: {_dims(x)} padded by {list(p)} is not {_dims(y)}")
        if _elt(self.input) != _elt(self.output):
            raise VerifyException(
                f"kernel.pad keeps the element type: {_elt(self.input)} -> {_elt(self.output)}"
            )


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
