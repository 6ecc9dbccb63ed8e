"""The `tfl` dialect: one op per TFLite builtin operator (level 0), NHWC, TFLite semantics.

What the `.tflite` file says, made explicit: op names are the builtin codes in lower case
(`CONV_2D` -> `tfl.conv_2d`), properties are the builtin options in snake_case with every default
filled in (`padding = "SAME"`, `fused_activation_function = "RELU6"`, booleans as `0`/`1`).
Tensor quantization is carried by the element types exactly as stored in the file: per-tensor
`!nn.q<i8, s:z>`, per-channel `!nn.q<i8:axis, {s:z, ...}>` along the tensor's
`quantized_dimension` (int8, uint8, int16 and int32 biases); float32 stays `f32`, unquantized
integers are builtin integers. Buffers become `tfl.const`, TFLite's absent optional input (index
-1) is the value of `tfl.no_value`, variable tensors (LSTM/SVDF state) are `tfl.const` ops with
the `tfl.variable` unit attribute holding the initial (zero) state.

    %w = tfl.const dense<...> : tensor<8x3x3x1x!nn.q<i8:0, {0.01:0, ...}>>
    %b = tfl.const dense<...> : tensor<8x!nn.q<i32:0, {0.0001:0, ...}>>
    %y = tfl.conv_2d %x, %w, %b {dilation_h_factor = 1 : i64, dilation_w_factor = 1 : i64,
           fused_activation_function = "RELU6", padding = "SAME", stride_h = 1 : i64,
           stride_w = 1 : i64} : (tensor<1x8x8x1x!nn.q<i8, 0.5:-1>>, ...) -> tensor<1x8x8x8x...>

`TFL_OPS` maps TFLite builtin names to op classes; each class keeps its inputs (`INPUTS`,
optional ones in `OPTIONAL`) and options (`ATTRS`: kind, default, allowed string values). The
verifier checks operand/result tensor types, the string enumerations, operand counts and, where
TFLite states one, the result shape (convolutions, pools, element-wise broadcasting, fully
connected, concatenation, reshape element counts, data-movement element types).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    NoneType,
    StringAttr,
    TensorType,
    UnitAttr,
)
from xdsl.ir import Attribute, Dialect
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from edgeai.dialects.common import (
    Shape,
    TensorOp,
    broadcast_shapes,
    normalize_axis,
    parse_constant,
    print_constant,
    shape_str,
)
from edgeai.dialects.nn_types import check_tensor_type
from edgeai.support.attrs import numpy_from_dense, to_py

# ---------------------------------------------------------------------------------------------
# option kinds

PADDINGS = ("SAME", "VALID")
ACTIVATIONS = ("NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT")


@dataclass(frozen=True)
class OptSpec:
    """A builtin option: kind ('i', 'f', 's', 'ints'), default and, for strings, the allowed
    values (TFLite enums are imported by name)."""

    kind: str
    default: Any = None
    choices: tuple[str, ...] = ()


def _i(default: int = 0) -> OptSpec:
    return OptSpec("i", default)


def _f(default: float = 0.0) -> OptSpec:
    return OptSpec("f", default)


def _s(default: str, choices: tuple[str, ...]) -> OptSpec:
    return OptSpec("s", default, choices)


_ACT = _s("NONE", ACTIVATIONS)
_PAD = _s("SAME", PADDINGS)
_PROP_TYPES = {"i": IntegerAttr, "f": FloatAttr, "s": StringAttr, "ints": DenseArrayBase}


# ---------------------------------------------------------------------------------------------
# shape rules: (operand shapes with None for absent ones, option getter) -> result shapes, or
# None when TFLite fixes the result shape from data (reshape targets, constant axes)


def _out_size(padding: str, size: int, k: int, s: int, d: int) -> int:
    eff = (k - 1) * d + 1
    return (size + s - 1) // s if padding == "SAME" else (size + s - eff) // s


def _conv_rule(shapes: list[Shape | None], opt: Any) -> list[Shape]:
    x, w = shapes[0], shapes[1]
    assert x is not None and w is not None
    if len(x) != 4 or len(w) != 4:
        raise VerifyException(f"expected 4-D input and filter, got {shape_str(x)}, {shape_str(w)}")
    depthwise = opt("depth_multiplier") is not None
    cout = w[3] if depthwise else w[0]
    if depthwise and w[0] != 1:
        raise VerifyException(f"depthwise filter must be 1xHxWxC, got {shape_str(w)}")
    if not depthwise and x[3] % w[3]:
        raise VerifyException(f"input channels {x[3]} not a multiple of filter depth {w[3]}")
    if shapes[2] is not None and shapes[2] != (cout,):
        raise VerifyException(f"bias must have shape {cout}, got {shape_str(shapes[2])}")
    pad = opt("padding")
    h = _out_size(pad, x[1], w[1], opt("stride_h"), opt("dilation_h_factor"))
    wd = _out_size(pad, x[2], w[2], opt("stride_w"), opt("dilation_w_factor"))
    return [(x[0], h, wd, cout)]


def _pool_rule(shapes: list[Shape | None], opt: Any) -> list[Shape]:
    x = shapes[0]
    assert x is not None
    if len(x) != 4:
        raise VerifyException(f"expected a 4-D input, got {shape_str(x)}")
    pad = opt("padding")
    h = _out_size(pad, x[1], opt("filter_height"), opt("stride_h"), 1)
    w = _out_size(pad, x[2], opt("filter_width"), opt("stride_w"), 1)
    return [(x[0], h, w, x[3])]


def _broadcast_rule(shapes: list[Shape | None], opt: Any) -> list[Shape]:
    return [broadcast_shapes(*[s for s in shapes if s is not None])]


def _same_rule(shapes: list[Shape | None], opt: Any) -> list[Shape]:
    assert shapes[0] is not None
    return [shapes[0]]


def _fc_rule(shapes: list[Shape | None], opt: Any) -> list[Shape] | None:
    x, w = shapes[0], shapes[1]
    assert x is not None and w is not None
    if len(w) != 2:
        raise VerifyException(f"weights must be 2-D, got {shape_str(w)}")
    n, k = w
    if x[-1] != k and opt("keep_num_dims"):
        raise VerifyException(f"input depth {x[-1]} != weights depth {k}")
    if math.prod(x) % k:
        raise VerifyException(f"input size {math.prod(x)} not a multiple of weights depth {k}")
    if shapes[2] is not None and shapes[2] != (n,):
        raise VerifyException(f"bias must have shape {n}, got {shape_str(shapes[2])}")
    if opt("keep_num_dims"):
        return [(*x[:-1], n)]
    return [(math.prod(x) // k, n)]


def _concat_rule(shapes: list[Shape | None], opt: Any) -> list[Shape]:
    present = [s for s in shapes if s is not None]
    rank = len(present[0])
    axis = normalize_axis(opt("axis"), rank)
    for s in present:
        if len(s) != rank or any(
            a != b for i, (a, b) in enumerate(zip(s, present[0], strict=True)) if i != axis
        ):
            raise VerifyException(
                f"operands {', '.join(shape_str(s) for s in present)} differ off axis {axis}"
            )
    out = list(present[0])
    out[axis] = sum(s[axis] for s in present)
    return [tuple(out)]


def _squeeze_rule(shapes: list[Shape | None], opt: Any) -> list[Shape]:
    x = shapes[0]
    assert x is not None
    dims = opt("squeeze_dims") or ()
    axes = {normalize_axis(d, len(x), "squeeze dim") for d in dims}
    if not axes:
        return [tuple(d for d in x if d != 1)]
    for a in axes:
        if x[a] != 1:
            raise VerifyException(f"squeeze dim {a} has size {x[a]}, expected 1")
    return [tuple(d for i, d in enumerate(x) if i not in axes)]


# ---------------------------------------------------------------------------------------------
# base class


class TflOp(TensorOp):
    """Base of the generated `tfl` ops; the class attributes are filled by `_define`."""

    TFL_CODE: ClassVar[str] = ""
    INPUTS: ClassVar[tuple[str, ...]] = ()
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()
    ATTRS: ClassVar[dict[str, OptSpec]] = {}
    RULE: ClassVar[Any] = None
    #: operand/result positions that must share one element type (data movement)
    SAME_TYPE: ClassVar[tuple[int, ...]] = ()
    #: result must keep the input's element count (reshape-like ops)
    SAME_SIZE: ClassVar[bool] = False

    def options(self) -> dict[str, Any]:
        """All builtin options as Python values."""
        return {k: self.prop(k) for k in self.ATTRS if k in self.properties}

    def verify_(self) -> None:
        self.check_discardable_attributes()
        for i, o in enumerate(self.operands):
            if not isinstance(o.type, NoneType):
                name = self.INPUTS[i] if i < len(self.INPUTS) else f"#{i}"
                check_tensor_type(o.type, f"input '{name}'")
        for i, r in enumerate(self.results):
            check_tensor_type(r.type, f"result #{i}")
        for k, spec in self.ATTRS.items():
            if spec.choices and self.prop(k) not in spec.choices:
                raise VerifyException(
                    f"{k} must be one of {', '.join(spec.choices)}, got '{self.prop(k)}'"
                )
        vals = [*self.operands, *self.results]
        if self.SAME_TYPE:
            types = {
                str(vals[i].type.element_type)
                for i in self.SAME_TYPE
                if i < len(vals) and isinstance(vals[i].type, TensorType)
            }
            if len(types) > 1:
                raise VerifyException(f"operands must share one element type, got {sorted(types)}")
        shapes = [
            tuple(o.type.get_shape()) if isinstance(o.type, TensorType) else None for o in vals
        ]
        if self.SAME_SIZE and math.prod(shapes[0] or ()) != math.prod(shapes[-1] or ()):
            raise VerifyException(
                f"result {shape_str(shapes[-1] or ())} must keep the "
                f"{math.prod(shapes[0] or ())} elements of the input"
            )
        if self.RULE is None:
            return
        try:
            expected = self.RULE(self.operand_shapes(), self.prop)
        except VerifyException:
            raise
        except (ValueError, IndexError, TypeError, ZeroDivisionError, AssertionError) as e:
            raise VerifyException(f"invalid operands or options: {e!r}") from e
        if expected is None:
            return
        got = [tuple(r.type.get_shape()) for r in self.results]
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            if tuple(e) != g:
                raise VerifyException(
                    f"result #{i} has shape {shape_str(g)}, expected {shape_str(e)}"
                )


def _define(
    code: str,
    inputs: str,
    attrs: dict[str, OptSpec],
    doc: str,
    rule: Any = None,
    same_type: tuple[int, ...] = (),
    same_size: bool = False,
    results: int = 1,
) -> type[TflOp]:
    """The IRDL op class of one TFLite builtin; `inputs` are space-separated names, `?` marks
    an optional input (a `tfl.no_value` operand when absent), `*` a variadic one."""
    ns: dict[str, Any] = {"name": f"tfl.{code.lower()}", "__doc__": doc, "__module__": __name__}
    names, optional = [], set()
    for tok in inputs.split():
        field = tok.rstrip("?*")
        names.append(field)
        if tok.endswith("*"):
            ns[field] = var_operand_def(TensorType)
        elif tok.endswith("?"):
            optional.add(field)
            ns[field] = operand_def(TensorType | NoneType)
        else:
            ns[field] = operand_def(TensorType)
    for r in range(results):
        ns["output" if r == 0 else f"output{r}"] = result_def(TensorType)
    for k, spec in attrs.items():
        ns[k] = prop_def(_PROP_TYPES[spec.kind])
    ns["traits"] = traits_def(Pure())
    ns.update(
        TFL_CODE=code,
        INPUTS=tuple(names),
        OPTIONAL=frozenset(optional),
        ATTRS=dict(attrs),
        RULE=staticmethod(rule) if rule is not None else None,
        SAME_TYPE=same_type,
        SAME_SIZE=same_size,
    )
    ns["__annotations__"] = {
        k: ClassVar
        for k in ("TFL_CODE", "INPUTS", "OPTIONAL", "ATTRS", "RULE", "SAME_TYPE", "SAME_SIZE")
    }
    camel = "".join(p.capitalize() for p in code.split("_"))
    return irdl_op_definition(type(f"{camel}Op", (TflOp,), ns))


# ---------------------------------------------------------------------------------------------
# special ops


@irdl_op_definition
class ConstOp(TensorOp):
    """A constant tensor (a TFLite buffer), quantized ones typed `!nn.q`; with the `tfl.variable`
    unit attribute: a variable tensor (recurrent state) and its initial value.

    %w = tfl.const dense<[1, -2]> : tensor<2x!nn.q<i8, 0.5:0>>
    """

    name = "tfl.const"
    value = prop_def(DenseIntOrFPElementsAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure(), ConstantLike())
    assembly_format = None
    INFER_SHAPES: ClassVar[bool] = False

    def to_numpy(self) -> np.ndarray:
        """The stored values (storage integers for quantized tensors)."""
        return numpy_from_dense(self.value, self.output.type.element_type)

    @property
    def is_variable(self) -> bool:
        """True for a variable tensor (state), whose value is only the initial one."""
        return isinstance(self.attributes.get("tfl.variable"), UnitAttr)

    def verify_(self) -> None:
        check_tensor_type(self.output.type, "result")
        if tuple(self.value.get_shape()) != tuple(self.output.type.get_shape()):
            raise VerifyException("value shape does not match the result type")

    def print(self, printer: Printer) -> None:
        print_constant(self, printer)

    @classmethod
    def parse(cls, parser: Parser) -> ConstOp:
        return parse_constant(cls, parser)  # type: ignore[return-value]


@irdl_op_definition
class NoValueOp(IRDLOperation):
    """The absent optional input of a TFLite operator (tensor index -1).

    %n = tfl.no_value
    """

    name = "tfl.no_value"
    output = result_def(NoneType)
    traits = traits_def(Pure())
    assembly_format = "attr-dict"

    def __init__(self) -> None:
        super().__init__(result_types=[NoneType()])


# ---------------------------------------------------------------------------------------------
# the operator table

_CONV = {
    "dilation_h_factor": _i(1),
    "dilation_w_factor": _i(1),
    "fused_activation_function": _ACT,
    "padding": _PAD,
    "stride_h": _i(1),
    "stride_w": _i(1),
}
_POOL = {
    "filter_height": _i(1),
    "filter_width": _i(1),
    "fused_activation_function": _ACT,
    "padding": _PAD,
    "stride_h": _i(1),
    "stride_w": _i(1),
}
_LSTM_INPUTS = (
    "input input_to_input_weights? input_to_forget_weights input_to_cell_weights "
    "input_to_output_weights recurrent_to_input_weights? recurrent_to_forget_weights "
    "recurrent_to_cell_weights recurrent_to_output_weights cell_to_input_weights? "
    "cell_to_forget_weights? cell_to_output_weights? input_gate_bias? forget_gate_bias "
    "cell_gate_bias output_gate_bias projection_weights? projection_bias? output_state "
    "cell_state input_layer_norm_coefficients? forget_layer_norm_coefficients? "
    "cell_layer_norm_coefficients? output_layer_norm_coefficients?"
)

_TABLE: list[type[TflOp]] = [
    _define(
        "CONV_2D",
        "input filter bias?",
        _CONV,
        "2-D convolution, NHWC input, OHWI filter (groups = input depth / filter depth).",
        _conv_rule,
    ),
    _define(
        "DEPTHWISE_CONV_2D",
        "input filter bias?",
        {**_CONV, "depth_multiplier": _i(1)},
        "Depthwise 2-D convolution, filter 1xHxWx(C*multiplier).",
        _conv_rule,
    ),
    _define(
        "FULLY_CONNECTED",
        "input filter bias?",
        {
            "asymmetric_quantize_inputs": _i(0),
            "fused_activation_function": _ACT,
            "keep_num_dims": _i(0),
            "weights_format": _s("DEFAULT", ("DEFAULT", "SHUFFLED4x16INT8")),
        },
        "input x filter^T + bias; the input is flattened to [-1, K] unless keep_num_dims.",
        _fc_rule,
    ),
    _define(
        "TRANSPOSE_CONV",
        "output_shape weights input bias?",
        {"fused_activation_function": _ACT, "padding": _PAD, "stride_h": _i(1), "stride_w": _i(1)},
        "Transposed 2-D convolution to a given output shape (OHWI weights).",
    ),
    _define(
        "AVERAGE_POOL_2D", "input", _POOL, "Average pooling (padding not counted).", _pool_rule
    ),
    _define("MAX_POOL_2D", "input", _POOL, "Max pooling.", _pool_rule, (0, 1)),
    _define(
        "ADD",
        "lhs rhs",
        {"fused_activation_function": _ACT, "pot_scale_int16": _i(1)},
        "Element-wise addition with broadcasting.",
        _broadcast_rule,
    ),
    _define(
        "SUB",
        "lhs rhs",
        {"fused_activation_function": _ACT, "pot_scale_int16": _i(1)},
        "Element-wise subtraction with broadcasting.",
        _broadcast_rule,
    ),
    _define(
        "MUL",
        "lhs rhs",
        {"fused_activation_function": _ACT},
        "Element-wise multiplication with broadcasting.",
        _broadcast_rule,
    ),
    _define(
        "RESHAPE",
        "input shape?",
        {},
        "Reshape; the result type holds the new shape.",
        same_type=(0, 2),
        same_size=True,
    ),
    _define(
        "SQUEEZE",
        "input",
        {"squeeze_dims": OptSpec("ints", ())},
        "Remove size-1 dimensions (all of them when squeeze_dims is empty).",
        _squeeze_rule,
        (0, 1),
    ),
    _define(
        "EXPAND_DIMS",
        "input axis",
        {},
        "Insert a size-1 dimension.",
        same_type=(0, 2),
        same_size=True,
    ),
    _define(
        "SOFTMAX", "input", {"beta": _f(1.0)}, "softmax(beta * x) on the last axis.", _same_rule
    ),
    _define("LOGISTIC", "input", {}, "1 / (1 + exp(-x)).", _same_rule),
    _define("TANH", "input", {}, "Hyperbolic tangent.", _same_rule),
    _define("RELU", "input", {}, "max(x, 0).", _same_rule),
    _define("RELU6", "input", {}, "min(max(x, 0), 6).", _same_rule),
    _define("RELU_N1_TO_1", "input", {}, "min(max(x, -1), 1).", _same_rule),
    _define("LEAKY_RELU", "input", {"alpha": _f(0.2)}, "x if x >= 0 else alpha * x.", _same_rule),
    _define("HARD_SWISH", "input", {}, "x * relu6(x + 3) / 6.", _same_rule),
    _define("QUANTIZE", "input", {}, "Float -> quantized, or requantize.", _same_rule),
    _define("DEQUANTIZE", "input", {}, "Quantized -> float.", _same_rule),
    _define(
        "MEAN",
        "input axis",
        {"keep_dims": _i(0)},
        "Mean over the constant axes.",
    ),
    _define("PAD", "input padding", {}, "Zero padding (the zero point when quantized).", None),
    _define("PADV2", "input padding constant_values", {}, "Padding with a given value.", None),
    _define(
        "CONCATENATION",
        "values*",
        {"axis": _i(0), "fused_activation_function": _ACT},
        "Concatenation along an axis.",
        _concat_rule,
    ),
    _define(
        "STRIDED_SLICE",
        "input begin end strides",
        {
            "begin_mask": _i(0),
            "ellipsis_mask": _i(0),
            "end_mask": _i(0),
            "new_axis_mask": _i(0),
            "offset": _i(0),
            "shrink_axis_mask": _i(0),
        },
        "TensorFlow strided slice with its masks.",
        same_type=(0, 4),
    ),
    _define("TRANSPOSE", "input perm", {}, "Permute dimensions.", same_type=(0, 2), same_size=True),
    _define(
        "UNIDIRECTIONAL_SEQUENCE_LSTM",
        _LSTM_INPUTS,
        {
            "asymmetric_quantize_inputs": _i(0),
            "cell_clip": _f(0.0),
            "diagonal_recurrent_tensors": _i(0),
            "fused_activation_function": _ACT,
            "proj_clip": _f(0.0),
            "time_major": _i(0),
        },
        "LSTM over a sequence (gates i, f, c, o; optional peephole, projection, layer norm); "
        "output_state and cell_state are variable tensors.",
    ),
    _define(
        "SVDF",
        "input feature_weights time_weights bias? activation_state",
        {"asymmetric_quantize_inputs": _i(0), "fused_activation_function": _ACT, "rank": _i(1)},
        "Singular-value-decomposition filter: feature projection, a memory of past frames "
        "(activation_state, a variable tensor) filtered in time, rank reduction.",
    ),
]

#: TFLite builtin name -> op class
TFL_OPS: dict[str, type[TflOp]] = {cls.TFL_CODE: cls for cls in _TABLE}

globals().update({cls.__name__: cls for cls in _TABLE})

TFL = Dialect("tfl", [ConstOp, NoValueOp, *_TABLE], [])


def option_attr(spec: OptSpec, value: Any) -> Attribute:
    """Property attribute for a builtin option value of the given kind."""
    from xdsl.dialects.builtin import f32, i64

    if spec.kind == "i":
        return IntegerAttr(int(value), i64)
    if spec.kind == "f":
        return FloatAttr(float(np.float32(value)), f32)
    if spec.kind == "s":
        return StringAttr(str(value))
    if spec.kind == "ints":
        return DenseArrayBase.from_list(i64, [int(v) for v in value])
    raise ValueError(spec.kind)


__all__ = [
    "TFL",
    "TFL_OPS",
    "TflOp",
    "ConstOp",
    "NoValueOp",
    "OptSpec",
    "option_attr",
    "to_py",
    "ACTIVATIONS",
    "PADDINGS",
]
