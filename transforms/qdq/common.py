"""Matching and rebuilding helpers shared by the `nn-fold-qdq` patterns."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from xdsl.dialects.builtin import StringAttr, TensorType, f32
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter
from xdsl.utils.exceptions import VerifyException

from edgeai.dialects import nn
from edgeai.dialects.nn_types import BinaryType, QuantType

ROUNDINGS = ("tflite", "onnx")


class NotFoldable(Exception):
    """A QDQ group that stays float; the message says why (one line, for remarks and tests)."""


def quant_type(v: SSAValue) -> QuantType | None:
    t = v.type
    e = t.element_type if isinstance(t, TensorType) else None
    return e if isinstance(e, QuantType) else None


def per_tensor(v: SSAValue) -> QuantType | None:
    """The element type of v when it is quantized per tensor (`!nn.q<i8, s:z>`)."""
    q = quant_type(v)
    return q if q is not None and q.channel_axis is None else None


def dq_source(v: SSAValue) -> SSAValue | None:
    """x when v = nn.dequantize(x) with x quantized (`!nn.q`), else None."""
    op = v.owner
    if isinstance(op, nn.DequantizeOp) and quant_type(op.input) is not None:
        return op.input
    return None


def dq_weight_source(v: SSAValue) -> SSAValue | None:
    """x when v = nn.dequantize(x) with x quantized (`!nn.q`) or binary (`!nn.bin`), else None."""
    op = v.owner
    if isinstance(op, nn.DequantizeOp) and isinstance(op.input.type, TensorType):
        if isinstance(op.input.type.element_type, QuantType | BinaryType):
            return op.input
    return None


def dq_per_tensor(v: SSAValue, what: str) -> SSAValue:
    """x when v = nn.dequantize(x) with x quantized per tensor; NotFoldable otherwise."""
    x = dq_source(v)
    if x is None:
        raise NotFoldable(f"{what} is not an nn.dequantize of a quantized value")
    if per_tensor(x) is None:
        raise NotFoldable(f"{what} is quantized per axis, the integer op needs one scale")
    return x


def dq_constant(v: SSAValue, what: str) -> nn.ConstantOp:
    """The quantized constant c when v = nn.dequantize(c); NotFoldable otherwise."""
    x = dq_source(v)
    if x is None or not isinstance(x.owner, nn.ConstantOp):
        raise NotFoldable(f"{what} is not an nn.dequantize of a quantized constant")
    return x.owner


def quantize_mismatch(q: nn.QuantizeOp) -> str | None:
    """Why q's rounding cannot become an integer op's (QONNX modes, narrow range), or None."""
    r = q.properties.get("rounding")
    mode = r.data if isinstance(r, StringAttr) else None
    if mode not in (None, *ROUNDINGS):
        return f"the nn.quantize rounds with {mode}, which no integer op expresses"
    if q.prop("narrow"):
        return "the nn.quantize saturates to the narrow range, which no integer op expresses"
    return None


def has_property(cls: type[Operation], name: str) -> bool:
    return name in dict(cls.get_irdl_definition().properties)


def retyped(t: Attribute, element: Attribute) -> TensorType:
    assert isinstance(t, TensorType)
    return TensorType(element, list(t.get_shape()))


def rebuild(
    op: Operation,
    operands: Sequence[SSAValue],
    result_types: Sequence[Attribute],
    rounding: str | None = None,
    props: dict[str, Attribute | None] | None = None,
) -> Operation:
    """op's class with new operands and result types, op's attributes and properties updated by
    `props` (None removes one), then `rounding` (last) when given and the op has that property."""
    new_props = dict(op.properties)
    for k, v in (props or {}).items():
        new_props.pop(k, None)
        if v is not None:
            new_props[k] = v
    if rounding is not None and has_property(type(op), "rounding"):
        new_props.pop("rounding", None)
        new_props["rounding"] = StringAttr(rounding)
    return type(op).create(
        operands=list(operands),
        result_types=list(result_types),
        properties=new_props,
        attributes=dict(op.attributes),
    )


def dequantize(x: SSAValue, like: Operation, name_hint: str | None = None) -> nn.DequantizeOp:
    """nn.dequantize(x) to f32 with x's shape, carrying like's `layer`."""
    op = nn.DequantizeOp.create(
        operands=[x],
        result_types=[retyped(x.type, f32)],
        attributes={k: v for k, v in like.attributes.items() if k == "layer"},
    )
    op.output.name_hint = name_hint
    return op


def verified(ops: Sequence[Operation]) -> None:
    """Verify freshly built ops; a verifier message becomes the reason not to fold."""
    for op in ops:
        try:
            op.verify()
        except VerifyException as e:
            raise NotFoldable(f"the integer {op.name} would not verify: {e}") from None


def erase_dead(rewriter: PatternRewriter, ops: Iterable[Operation]) -> None:
    """Erase ops left without users, then the dequantize/constant producers they orphaned."""
    work = list(dict.fromkeys(ops))
    while work:
        op = work.pop(0)
        if op.parent is None or any(r.uses for r in op.results):
            continue
        producers = [o.owner for o in op.operands]
        rewriter.erase(op)
        work.extend(p for p in producers if isinstance(p, nn.DequantizeOp | nn.ConstantOp))
