"""The `onnx` dialect: one op per ONNX operator (level 0), NCHW, ONNX semantics.

Ops follow the newest ONNX opset's definition of each operator; the importer rewrites older forms
(Squeeze axes as attribute, opset<13 Softmax, Clip min/max attributes ...) into it. Every
attribute is present after import (ONNX defaults made explicit, e.g. `strides` of a Conv).
Absent optional inputs are the value of an `onnx.none` op. Op names are the ONNX names in
snake_case (`Conv` -> `onnx.conv`, `QLinearMatMul` -> `onnx.qlinear_matmul`); attribute names
are ONNX's.

    %w = onnx.constant dense<...> : tensor<8x1x3x3xf32>
    %n = onnx.none
    %y = onnx.conv %x, %w, %n {auto_pad = "NOTSET", dilations = array<i64: 1, 1>, group = 1 : i64,
           kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
         : (tensor<1x1x8x8xf32>, tensor<8x1x3x3xf32>, none) -> tensor<1x8x8x8xf32>

The op table below is the single source: `ONNX_OPS` maps ONNX op types to classes and
`OnnxOp.SPEC` keeps each op's inputs, attributes (kind, default) and shape rule.
"""

from __future__ import annotations

import re
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
    var_result_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import ConstantLike, Pure
from xdsl.utils.exceptions import VerifyException

from edgeai.dialects import onnx_shapes as S
from edgeai.dialects.common import TensorOp, parse_constant, print_constant, shape_str
from edgeai.dialects.nn_types import check_tensor_type
from edgeai.support.attrs import numpy_from_dense, to_py

# ---------------------------------------------------------------------------------------------
# attribute kinds


@dataclass(frozen=True)
class AttrSpec:
    """An ONNX attribute: kind ('i', 'f', 's', 'ints', 'floats', 'tensor') and default.

    `required` attributes must be present after import (the importer fills computed defaults,
    e.g. a Conv's kernel_shape from its weight); others may be absent (`output_shape`).
    """

    kind: str
    default: Any = None
    required: bool = True


def I(default: int | None = None, required: bool = True) -> AttrSpec:  # noqa: E743 - short table names
    return AttrSpec("i", default, required)


def F(default: float | None = None) -> AttrSpec:
    return AttrSpec("f", default)


def Str(default: str | None = None) -> AttrSpec:
    return AttrSpec("s", default)


def INTS(required: bool = True) -> AttrSpec:
    return AttrSpec("ints", None, required)


_PROP_TYPES = {
    "i": IntegerAttr,
    "f": FloatAttr,
    "s": StringAttr,
    "ints": DenseArrayBase,
    "floats": DenseArrayBase,
    "tensor": DenseIntOrFPElementsAttr,
}


def snake(name: str) -> str:
    """ONNX op type -> snake_case op name (QLinearConv -> qlinear_conv)."""
    special = {
        "QLinearConv": "qlinear_conv",
        "QLinearMatMul": "qlinear_matmul",
        "MatMul": "matmul",
        "MatMulInteger": "matmul_integer",
        "PRelu": "prelu",
        "LeakyRelu": "leaky_relu",
        "HardSigmoid": "hard_sigmoid",
        "HardSwish": "hard_swish",
        "LogSoftmax": "log_softmax",
    }
    if name in special:
        return special[name]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# ---------------------------------------------------------------------------------------------
# base class


class OnnxOp(TensorOp):
    """Base of generated `onnx` ops; SPEC is filled per op by `_define`."""

    ONNX_TYPE: ClassVar[str] = ""
    INPUTS: ClassVar[tuple[str, ...]] = ()
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()
    ATTRS: ClassVar[dict[str, AttrSpec]] = {}
    RULE: ClassVar[Any] = None
    SAME_TYPE: ClassVar[tuple[int, ...]] = ()

    def attrs(self) -> dict[str, Any]:
        """All attributes as Python values."""
        return {k: self.prop(k) for k in self.ATTRS if k in self.properties}

    def const_operands(self) -> list[np.ndarray | None]:
        """Values of operands defined by `onnx.constant` (None for others)."""
        out: list[np.ndarray | None] = []
        for o in self.operands:
            owner = o.owner
            out.append(owner.to_numpy() if isinstance(owner, ConstantOp) else None)
        return out

    def verify_(self) -> None:
        self.check_discardable_attributes()
        for i, o in enumerate(self.operands):
            name = self.INPUTS[i] if i < len(self.INPUTS) else f"#{i}"
            if isinstance(o.type, NoneType):  # only optional inputs admit `none` (IRDL checks)
                continue
            check_tensor_type(o.type, f"input '{name}'")
        for i, r in enumerate(self.results):
            check_tensor_type(r.type, f"result #{i}")
        # presence and kind of each attribute are enforced by IRDL (prop_def constraints)
        if self.SAME_TYPE:
            vals = [*self.operands, *self.results]
            types = {
                str(vals[i].type.element_type)
                for i in self.SAME_TYPE
                if i < len(vals) and isinstance(vals[i].type, TensorType)
            }
            if len(types) > 1:
                raise VerifyException(
                    f"operands must share one element type, got {', '.join(sorted(types))}"
                )
        if self.RULE is None:
            return
        try:
            expected = self.RULE(self.operand_shapes(), self.attrs(), self.const_operands())
        except VerifyException:
            raise
        except (
            ValueError,
            IndexError,
            TypeError,
            KeyError,
            ZeroDivisionError,
            AssertionError,
        ) as e:
            raise VerifyException(f"invalid operands or attributes: {e!r}") from e
        if expected is None:
            return
        got = [tuple(r.type.get_shape()) for r in self.results]
        if len(expected) != len(got):
            raise VerifyException(f"expected {len(expected)} results, got {len(got)}")
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            if tuple(e) != g:
                raise VerifyException(
                    f"result #{i} has shape {shape_str(g)}, expected {shape_str(e)}"
                )


def _define(
    onnx_type: str,
    inputs: str,
    outputs: str,
    attrs: dict[str, AttrSpec],
    rule: Any,
    doc: str,
    same_type: tuple[int, ...] = (),
) -> type[OnnxOp]:
    """Create the IRDL op class for one ONNX operator.

    `inputs`/`outputs` are space-separated names; a trailing `?` marks an optional input, a
    trailing `*` a variadic one.
    """
    ns: dict[str, Any] = {
        "name": f"onnx.{snake(onnx_type)}",
        "__doc__": doc,
        "__module__": __name__,
    }
    names, optional = [], set()
    for tok in inputs.split():
        field = tok.rstrip("?*").lower()
        names.append(field)
        if tok.endswith("*"):
            ns[field] = var_operand_def(TensorType)
        elif tok.endswith("?"):
            optional.add(field)
            ns[field] = operand_def(TensorType | NoneType)
        else:
            ns[field] = operand_def(TensorType)
    for tok in outputs.split():
        field = tok.rstrip("*").lower()
        ns[field] = var_result_def(TensorType) if tok.endswith("*") else result_def(TensorType)
    for k, spec in attrs.items():
        ns[k] = prop_def(_PROP_TYPES[spec.kind]) if spec.required else _opt_prop(spec.kind)
    ns["traits"] = traits_def(Pure())
    ns["ONNX_TYPE"] = onnx_type
    ns["INPUTS"] = tuple(names)
    ns["OPTIONAL"] = frozenset(optional)
    ns["ATTRS"] = dict(attrs)
    ns["RULE"] = staticmethod(rule) if rule is not None else None
    ns["SAME_TYPE"] = same_type
    ns["__annotations__"] = {
        k: ClassVar for k in ("ONNX_TYPE", "INPUTS", "OPTIONAL", "ATTRS", "RULE", "SAME_TYPE")
    }
    cls = type(f"{onnx_type}Op", (OnnxOp,), ns)
    return irdl_op_definition(cls)


def _opt_prop(kind: str) -> Any:
    from xdsl.irdl import opt_prop_def

    return opt_prop_def(_PROP_TYPES[kind])


# ---------------------------------------------------------------------------------------------
# special ops


@irdl_op_definition
class ConstantOp(TensorOp):
    """A constant tensor: ONNX initializers and Constant nodes (all `value_*` forms).

    %w = onnx.constant dense<[1.0, 2.0]> : tensor<2xf32>
    """

    name = "onnx.constant"
    value = prop_def(DenseIntOrFPElementsAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure(), ConstantLike())
    assembly_format = None
    INFER_SHAPES: ClassVar[bool] = False

    def to_numpy(self) -> np.ndarray:
        return numpy_from_dense(self.value, self.output.type.element_type)

    def verify_(self) -> None:
        check_tensor_type(self.output.type, "result")
        if tuple(self.value.get_shape()) != tuple(self.output.type.get_shape()):
            raise VerifyException("value shape does not match the result type")
        if self.value.get_element_type() != self.output.type.element_type:
            raise VerifyException("value element type does not match the result type")

    def print(self, printer: Printer) -> None:
        print_constant(self, printer)

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        return parse_constant(cls, parser)  # type: ignore[return-value]


@irdl_op_definition
class NoneOp(IRDLOperation):
    """The absent value of an optional ONNX input (ONNX's empty input name).

    %n = onnx.none
    """

    name = "onnx.none"
    output = result_def(NoneType)
    traits = traits_def(Pure())
    assembly_format = "attr-dict"

    def __init__(self) -> None:
        super().__init__(result_types=[NoneType()])


# ---------------------------------------------------------------------------------------------
# the operator table (newest-opset semantics)

_CONV_ATTRS = {
    "auto_pad": Str("NOTSET"),
    "dilations": INTS(),
    "group": I(1),
    "kernel_shape": INTS(),
    "pads": INTS(),
    "strides": INTS(),
}
_POOL_ATTRS = {
    "auto_pad": Str("NOTSET"),
    "ceil_mode": I(0),
    "dilations": INTS(),
    "kernel_shape": INTS(),
    "pads": INTS(),
    "strides": INTS(),
}
_REDUCE_ATTRS = {"keepdims": I(1), "noop_with_empty_axes": I(0)}

_TABLE: list[type[OnnxOp]] = [
    _define(
        "Conv",
        "X W B?",
        "Y",
        _CONV_ATTRS,
        S.conv(),
        "N-D convolution (cross-correlation), NCHW, OIHW weights.",
        (0, 1, 3),
    ),
    _define(
        "ConvTranspose",
        "X W B?",
        "Y",
        {**_CONV_ATTRS, "output_padding": INTS(), "output_shape": INTS(required=False)},
        S.conv_transpose,
        "Transposed convolution; weights are [C_in, C_out/group, k...].",
        (0, 1, 3),
    ),
    _define(
        "Gemm",
        "A B C?",
        "Y",
        {"alpha": F(1.0), "beta": F(1.0), "transA": I(0), "transB": I(0)},
        S.gemm,
        "alpha * op(A) @ op(B) + beta * C, with optional transposes and C broadcast.",
        (0, 1, 3),
    ),
    _define("MatMul", "A B", "Y", {}, S.matmul(), "NumPy matmul.", (0, 1, 2)),
    _define(
        "Add", "A B", "C", {}, S.broadcast, "Element-wise addition with broadcasting.", (0, 1, 2)
    ),
    _define(
        "Sub", "A B", "C", {}, S.broadcast, "Element-wise subtraction with broadcasting.", (0, 1, 2)
    ),
    _define(
        "Mul",
        "A B",
        "C",
        {},
        S.broadcast,
        "Element-wise multiplication with broadcasting.",
        (0, 1, 2),
    ),
    _define(
        "Div",
        "A B",
        "C",
        {},
        S.broadcast,
        "Element-wise division with broadcasting (integer division truncates).",
        (0, 1, 2),
    ),
    _define("Relu", "X", "Y", {}, S.same, "max(x, 0).", (0, 1)),
    _define(
        "LeakyRelu", "X", "Y", {"alpha": F(0.01)}, S.same, "x if x >= 0 else alpha * x.", (0, 1)
    ),
    _define(
        "PRelu",
        "X slope",
        "Y",
        {},
        S.first(0),
        "x if x >= 0 else slope * x (slope broadcast to x).",
        (0, 1, 2),
    ),
    _define(
        "Clip",
        "input min? max?",
        "output",
        {},
        S.same,
        "min(max(x, min), max); absent bounds do not clip.",
        (0, 1, 2, 3),
    ),
    _define("Sigmoid", "X", "Y", {}, S.same, "1 / (1 + exp(-x)).", (0, 1)),
    _define("Tanh", "input", "output", {}, S.same, "Hyperbolic tangent.", (0, 1)),
    _define(
        "HardSigmoid",
        "X",
        "Y",
        {"alpha": F(0.2), "beta": F(0.5)},
        S.same,
        "max(0, min(1, alpha * x + beta)).",
        (0, 1),
    ),
    _define("HardSwish", "X", "Y", {}, S.same, "x * max(0, min(1, x / 6 + 1 / 2)).", (0, 1)),
    _define(
        "Softmax", "input", "output", {"axis": I(-1)}, S.same, "Softmax along one axis.", (0, 1)
    ),
    _define(
        "LogSoftmax",
        "input",
        "output",
        {"axis": I(-1)},
        S.same,
        "Log of softmax along one axis.",
        (0, 1),
    ),
    _define(
        "MaxPool",
        "X",
        "Y",
        {**_POOL_ATTRS, "storage_order": I(0)},
        S.pool,
        "Max pooling; padding never wins.",
        (0, 1),
    ),
    _define(
        "AveragePool",
        "X",
        "Y",
        {**_POOL_ATTRS, "count_include_pad": I(0)},
        S.pool,
        "Average pooling.",
        (0, 1),
    ),
    _define(
        "GlobalAveragePool", "X", "Y", {}, S.global_pool, "Mean over all spatial positions.", (0, 1)
    ),
    _define(
        "GlobalMaxPool", "X", "Y", {}, S.global_pool, "Maximum over all spatial positions.", (0, 1)
    ),
    _define(
        "BatchNormalization",
        "X scale B input_mean input_var",
        "Y",
        {"epsilon": F(1e-5), "momentum": F(0.9), "training_mode": I(0)},
        S.first(0),
        "Inference batch normalization over axis 1.",
        (0, 5),
    ),
    _define(
        "Concat",
        "inputs*",
        "concat_result",
        {"axis": I()},
        S.concat,
        "Concatenation along an axis.",
    ),
    _define(
        "Reshape",
        "data shape",
        "reshaped",
        {"allowzero": I(0)},
        S.reshape,
        "Reshape to a constant shape (0 copies, -1 infers).",
        (0, 2),
    ),
    _define(
        "Flatten",
        "input",
        "output",
        {"axis": I(1)},
        S.flatten,
        "Reshape to 2-D around an axis.",
        (0, 1),
    ),
    _define(
        "Transpose",
        "data",
        "transposed",
        {"perm": INTS()},
        S.transpose,
        "Permute dimensions.",
        (0, 1),
    ),
    _define(
        "Pad",
        "data pads constant_value? axes?",
        "output",
        {"mode": Str("constant")},
        S.pad,
        "Pad (constant/reflect/edge/wrap) with per-axis begin/end amounts.",
        (0, 4),
    ),
    _define(
        "Slice", "data starts ends axes? steps?", "output", {}, S.slice_, "Strided slice.", (0, 5)
    ),
    _define(
        "Split",
        "input split?",
        "outputs*",
        {"axis": I(0), "num_outputs": I(None, required=False)},
        None,
        "Split along an axis into given sizes or equal parts.",
    ),
    _define(
        "Squeeze", "data axes?", "squeezed", {}, S.squeeze, "Remove size-1 dimensions.", (0, 2)
    ),
    _define(
        "Unsqueeze", "data axes", "expanded", {}, S.unsqueeze, "Insert size-1 dimensions.", (0, 2)
    ),
    _define(
        "ReduceMean", "data axes?", "reduced", _REDUCE_ATTRS, S.reduce, "Mean over axes.", (0, 2)
    ),
    _define(
        "ReduceMax", "data axes?", "reduced", _REDUCE_ATTRS, S.reduce, "Maximum over axes.", (0, 2)
    ),
    _define(
        "ReduceSum", "data axes?", "reduced", _REDUCE_ATTRS, S.reduce, "Sum over axes.", (0, 2)
    ),
    _define("Identity", "input", "output", {}, S.same, "The input, unchanged.", (0, 1)),
    _define(
        "Dropout",
        "data ratio? training_mode?",
        "output",
        {"seed": I(None, required=False)},
        S.same,
        "Inference dropout: the input, unchanged.",
        (0, 3),
    ),
    _define(
        "Resize",
        "X roi? scales? sizes?",
        "Y",
        {
            "antialias": I(0),
            "axes": INTS(required=False),
            "coordinate_transformation_mode": Str("half_pixel"),
            "cubic_coeff_a": F(-0.75),
            "exclude_outside": I(0),
            "extrapolation_value": F(0.0),
            "keep_aspect_ratio_policy": Str("stretch"),
            "mode": Str("nearest"),
            "nearest_mode": Str("round_prefer_floor"),
        },
        S.resize,
        "Resize by interpolation (nearest, linear, cubic).",
        (0, 4),
    ),
    _define(
        "Gather",
        "data indices",
        "output",
        {"axis": I(0)},
        S.gather,
        "take(data, indices, axis).",
        (0, 2),
    ),
    _define(
        "QuantizeLinear",
        "x y_scale y_zero_point?",
        "y",
        {
            "axis": I(1),
            "block_size": I(0),
            "output_dtype": I(0),
            "precision": I(0),
            "saturate": I(1),
        },
        S.first(0),
        "saturate(round_half_even(x / scale) + zero_point).",
    ),
    _define(
        "DequantizeLinear",
        "x x_scale x_zero_point?",
        "y",
        {"axis": I(1), "block_size": I(0), "output_dtype": I(0)},
        S.first(0),
        "(x - zero_point) * scale.",
    ),
    _define(
        "QLinearConv",
        "x x_scale x_zero_point w w_scale w_zero_point y_scale y_zero_point B?",
        "y",
        _CONV_ATTRS,
        S.conv(0, 3),
        "Quantized convolution with float rescaling of the int32 accumulator.",
    ),
    _define(
        "QLinearMatMul",
        "a a_scale a_zero_point b b_scale b_zero_point y_scale y_zero_point",
        "y",
        {},
        S.matmul(0, 3),
        "Quantized matmul with float rescaling.",
    ),
    _define(
        "ConvInteger",
        "x w x_zero_point? w_zero_point?",
        "y",
        _CONV_ATTRS,
        S.conv(),
        "Integer convolution into int32.",
    ),
    _define(
        "MatMulInteger",
        "A B a_zero_point? b_zero_point?",
        "Y",
        {},
        S.matmul(),
        "Integer matmul into int32.",
    ),
    # QONNX quantization operators (custom domains, see QONNX_DOMAINS); semantics are qonnx's
    # NumPy execution in float32: reference/onnx_ops.py
    _define(
        "Quant",
        "X scale zeropt bitwidth",
        "Y",
        {"signed": I(), "narrow": I(), "rounding_mode": Str("ROUND")},
        S.broadcast,
        "QONNX uniform fake-quantization: clamp x / scale + zeropt to the (narrow) integer range of "
        "`bitwidth` bits, round (rounding_mode), then (q - zeropt) * scale; 1-bit signed is "
        "bipolar (+-1).",
        (0, 1, 2, 3, 4),
    ),
    _define(
        "BipolarQuant",
        "X scale",
        "Y",
        {},
        S.broadcast,
        "QONNX binary fake-quantization: (x >= 0 ? +1 : -1) * scale.",
        (0, 1, 2),
    ),
    _define(
        "Trunc",
        "X scale zeropt input_bit_width output_scale? output_bit_width",
        "Y",
        {"rounding_mode": Str(), "narrow": I(0), "signed": I(1), "version": I(2)},
        S.broadcast,
        "QONNX truncation of the low bits of a quantized value (qonnx Trunc version 1: "
        "input_bit_width - output_bit_width bits, no output_scale; version 2: a power-of-two "
        "output_scale / scale, clamped to the (narrow) output range).",
        (0, 1, 2, 3, 4, 5, 6),
    ),
]

#: ONNX op type -> op class
ONNX_OPS: dict[str, type[OnnxOp]] = {cls.ONNX_TYPE: cls for cls in _TABLE}

#: custom-op domains of the QONNX operators (qonnx resolves `onnx.brevitas`, Brevitas' export
#: domain, to `qonnx.custom_op.general`; older FINN models use `finn.custom_op.general`)
QONNX_DOMAINS: tuple[str, ...] = (
    "onnx.brevitas",
    "qonnx.custom_op.general",
    "finn.custom_op.general",
)
#: QONNX op type -> table op type (`IntQuant` is qonnx's newer name of `Quant`)
QONNX_OPS: dict[str, str] = {
    "Quant": "Quant",
    "IntQuant": "Quant",
    "BipolarQuant": "BipolarQuant",
    "Trunc": "Trunc",
}


def op_class(domain: str, op_type: str) -> type[OnnxOp] | None:
    """The op class of an ONNX node (domain + op type), None when the dialect has none.

    Standard operators come from the default domain, the QONNX ones from `QONNX_DOMAINS` only.
    """
    if domain in ("", "ai.onnx"):
        return None if op_type in ("Quant", "BipolarQuant", "Trunc") else ONNX_OPS.get(op_type)
    if domain in QONNX_DOMAINS and op_type in QONNX_OPS:
        return ONNX_OPS[QONNX_OPS[op_type]]
    return None


# module-level names for the generated classes (ConvOp, GemmOp, ...)
globals().update({cls.__name__: cls for cls in _TABLE})

ONNX = Dialect("onnx", [ConstantOp, NoneOp, *_TABLE], [])


def attr_from_py(spec: AttrSpec, value: Any) -> Attribute:
    """Property attribute for an ONNX attribute value of the given kind."""
    from xdsl.dialects.builtin import f32, i64

    from edgeai.support.attrs import dense_from_numpy

    if spec.kind == "i":
        return IntegerAttr(int(value), i64)
    if spec.kind == "f":
        return FloatAttr(float(np.float32(value)), f32)
    if spec.kind == "s":
        return StringAttr(value.decode() if isinstance(value, bytes) else str(value))
    if spec.kind == "ints":
        return DenseArrayBase.from_list(i64, [int(v) for v in value])
    if spec.kind == "floats":
        return DenseArrayBase.from_list(f32, [float(v) for v in value])
    if spec.kind == "tensor":
        return dense_from_numpy(np.asarray(value))
    raise ValueError(spec.kind)


__all__ = [
    "ONNX",
    "ONNX_OPS",
    "QONNX_DOMAINS",
    "QONNX_OPS",
    "op_class",
    "OnnxOp",
    "ConstantOp",
    "NoneOp",
    "AttrSpec",
    "attr_from_py",
    "to_py",
]
