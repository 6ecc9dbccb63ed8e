"""Shared machinery for the tensor-level dialects (`onnx`, `nn`).

Every op of those dialects derives from `TensorOp`:

* properties are printed inside the attribute dictionary (`ParsePropInAttrDict`), the generic
  assembly format is `operands attr-dict : functional-type(operands, results)`;
* `infer_shapes(shapes, prop)` states the op's shape rule once; the verifier checks the result
  types against it, and `TensorOp.make(...)` uses it to build ops without spelling result shapes;
* `check_types()` states which element types the op accepts (hook for each op);
* a discardable `layer` attribute keeps the framework node name for reports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    MemRefType,
    NoneType,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import IRDLOperation, ParsePropInAttrDict
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from edgeai.dialects.nn_types import check_tensor_type
from edgeai.support.attrs import to_py

Shape = tuple[int, ...]
PropGetter = Callable[[str], Any]


def shape_str(shape: Sequence[int]) -> str:
    return "x".join(str(d) for d in shape) if len(shape) else "scalar"


def shape_of(v: SSAValue | Attribute) -> Shape:
    t = v.type if isinstance(v, SSAValue) else v
    assert isinstance(t, TensorType), f"expected a tensor, got {t}"
    return tuple(t.get_shape())


def broadcast_shapes(*shapes: Shape) -> Shape:
    """NumPy/ONNX multidirectional broadcasting; raises VerifyException when incompatible."""
    rank = max(len(s) for s in shapes)
    out = []
    for i in range(rank):
        dims = {s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0}
        dims.discard(1)
        if len(dims) > 1:
            raise VerifyException(
                f"shapes {', '.join(shape_str(s) for s in shapes)} are not broadcastable"
            )
        out.append(dims.pop() if dims else 1)
    return tuple(out)


def normalize_axis(axis: int, rank: int, what: str = "axis") -> int:
    if not -rank <= axis < max(rank, 1):
        raise VerifyException(f"{what} {axis} out of range for rank {rank}")
    return axis + rank if axis < 0 else axis


class TensorOp(IRDLOperation):
    """Base class of `onnx` and `nn` ops (not an op itself)."""

    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "operands attr-dict `:` functional-type(operands, results)"

    # Accepted element-type combinations: one string per combination, operand kinds then result
    # kinds, e.g. "qqq->q" (f = f32, q = !nn.q, b = !nn.bin, i = plain integer). None: the op
    # states a structural rule in check_types instead (data movement keeps its element type).
    KINDS: ClassVar[tuple[str, ...] | None] = None

    # Subclasses may set this to False when result shapes cannot be inferred from operand
    # shapes and properties alone (e.g. reshape: the result type carries the shape).
    INFER_SHAPES: ClassVar[bool] = True

    # ------------------------------------------------------------------ shape rule hooks
    @classmethod
    def infer_shapes(cls, shapes: list[Shape], prop: PropGetter) -> list[Shape]:
        """Result shapes from operand shapes (in operand order, optional ones omitted)."""
        raise NotImplementedError(f"{cls.name} has no shape rule")

    def check_types(self) -> None:
        """Element-type rules of the op; raise VerifyException on violation."""

    # ------------------------------------------------------------------ helpers
    def prop(self, name: str, default: Any = None) -> Any:
        """Python value of a property (tuple of ints, int, float, str, bool, ndarray, attr)."""
        attr = self.properties.get(name)
        return default if attr is None else to_py(attr)

    @property
    def layer(self) -> str | None:
        a = self.attributes.get("layer")
        return a.data if isinstance(a, StringAttr) else None

    def operand_shapes(self) -> list[Shape | None]:
        """Operand shapes; None for `none`-typed (absent optional) operands."""
        return [shape_of(o) if isinstance(o.type, TensorType) else None for o in self.operands]

    def check_discardable_attributes(self) -> None:
        """Only `layer` and dialect-prefixed (`x.y`) discardable attributes are allowed, so a
        misspelled property name is an error instead of a silently ignored attribute."""
        for k in self.attributes:
            if k != "layer" and "." not in k:
                raise VerifyException(f"unknown attribute '{k}' for {self.name}")

    def verify_(self) -> None:
        self.check_discardable_attributes()
        for i, o in enumerate(self.operands):
            if isinstance(o.type, NoneType):
                continue
            check_tensor_type(o.type, f"operand #{i}")
        for i, r in enumerate(self.results):
            check_tensor_type(r.type, f"result #{i}")
        if self.INFER_SHAPES:
            try:
                expected = self.infer_shapes(self.operand_shapes(), self.prop)
            except VerifyException:
                raise
            except (ValueError, IndexError, TypeError, ZeroDivisionError) as e:
                raise VerifyException(f"invalid operands or properties: {e}") from e
            got = [shape_of(r) for r in self.results]
            if len(expected) != len(got):
                raise VerifyException(f"expected {len(expected)} results, got {len(got)}")
            for i, (e, g) in enumerate(zip(expected, got, strict=True)):
                if tuple(e) != tuple(g):
                    raise VerifyException(
                        f"result #{i} has shape {shape_str(g)}, expected {shape_str(e)}"
                    )
        self.check_types()

    @classmethod
    def make(
        cls,
        operands: Sequence[SSAValue | None],
        elements: Attribute | Sequence[Attribute],
        props: dict[str, Attribute] | None = None,
        *,
        layer: str | None = None,
        shapes: Sequence[Shape] | None = None,
    ):
        """Build the op, inferring result shapes; `elements` gives the result element type(s).

        `None` operands stand for absent optional operands.
        """
        props = {k: v for k, v in (props or {}).items() if v is not None}
        present = [o for o in operands if o is not None]
        if shapes is None:

            def get(name: str) -> Any:
                a = props.get(name)
                return None if a is None else to_py(a)

            shapes = cls.infer_shapes(
                [shape_of(o) if isinstance(o.type, TensorType) else None for o in present], get
            )
        elts = [elements] * len(shapes) if isinstance(elements, Attribute) else list(elements)
        result_types = [TensorType(e, list(s)) for e, s in zip(elts, shapes, strict=True)]
        operand_arg = cls._operand_groups(list(operands))
        attrs = {"layer": StringAttr(layer)} if layer else {}
        return (
            cls.create(
                operands=present,
                result_types=result_types,
                properties=props,
                attributes=attrs,
            )
            if operand_arg is None
            else cls(
                operands=operand_arg,
                result_types=[result_types] if cls._single_variadic_result() else result_types,
                properties=props,
                attributes=attrs,
            )
        )

    # IRDL builds need one entry per operand definition (None for absent optional, list for
    # variadic). We map a flat operand list onto the definitions.
    @classmethod
    def _operand_groups(cls, operands: list[SSAValue | None]) -> list | None:
        from xdsl.irdl import OptOperandDef, VarOperandDef

        defs = [d for _, d in cls.get_irdl_definition().operands]
        if any(isinstance(d, VarOperandDef) and not isinstance(d, OptOperandDef) for d in defs):
            if len(defs) != 1:
                return None
            return [[o for o in operands if o is not None]]
        padded = list(operands) + [None] * (len(defs) - len(operands))
        return padded[: len(defs)]

    @classmethod
    def _single_variadic_result(cls) -> bool:
        from xdsl.irdl import VarResultDef

        defs = [d for _, d in cls.get_irdl_definition().results]
        return len(defs) == 1 and isinstance(defs[0], VarResultDef)


# --- custom syntax shared by `nn.constant` and `onnx.constant` ---------------------------------
#   %c = nn.constant dense<[1, 2]> {attrs} : tensor<2x!nn.q<i8, 0.5:0>>
# The dense body is parsed with the storage type of the result type, so quantized and binary
# tensors print their stored integers.


def print_constant(op: IRDLOperation, printer: Printer) -> None:
    value = op.properties["value"]
    assert isinstance(value, DenseIntOrFPElementsAttr)
    printer.print_string(" ")
    value.print_without_type(printer)
    if op.attributes:
        printer.print_op_attributes(dict(op.attributes))
    printer.print_string(" : ")
    printer.print_attribute(op.results[0].type)


def parse_constant(cls: type[IRDLOperation], parser: Parser) -> IRDLOperation:
    from edgeai.support.attrs import storage_type

    start = parser.pos
    parser.parse_characters("dense")
    text = parser.lexer.input.content
    i, depth = parser.pos, 0
    while i < len(text):  # find the matching '>' of dense<...>, skipping string literals
        c = text[i]
        if c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
            if depth == 0:
                break
        elif c == '"':
            i = text.index('"', i + 1)
        i += 1
    if depth != 0:
        parser.raise_error("unterminated dense<...> literal", start, parser.pos)
    body = text[parser.pos : i + 1]
    parser._resume_from(i + 1)  # noqa: SLF001 - xDSL offers no public way to skip text
    attrs = parser.parse_optional_attr_dict()
    parser.parse_punctuation(":")
    type_pos = parser.pos
    result_type = parser.parse_type()
    if not isinstance(result_type, TensorType | MemRefType):
        parser.raise_error(
            "constant result must be a ranked tensor or memref type", type_pos, parser.pos
        )
    st = storage_type(result_type.element_type)
    sub = Parser(parser.ctx, f"dense{body} : {TensorType(st, list(result_type.get_shape()))}")
    try:
        value = sub.parse_attribute()
    except Exception as e:  # report at the constant's position, not inside the sub-parser
        parser.raise_error(f"invalid constant value: {str(e).splitlines()[-1]}", start, parser.pos)
    return cls.create(properties={"value": value}, result_types=[result_type], attributes=attrs)
