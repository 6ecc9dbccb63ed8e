"""Per-layer figures of an `nn` program: MACC, parameters, weight bytes at their real bit width.

MACC counts multiply-accumulates of the ops that have them, the convention of the MLPerf Tiny
and TFLite-based tools' figures: conv2d `N*OH*OW*Cout*KH*KW*Cin/groups`, depthwise
`N*OH*OW*C*M*KH*KW`, transposed conv `N*H*W*Cin*KH*KW*Cout/groups`, dense/matmul `outputs*K`.
Other ops count 0 MACC (their element operations are reported separately as `ops`).
Weights: every constant operand of a layer (weights, bias), in bytes at the element type's bit
width (`!nn.q<i4>` = half a byte per value, `!nn.bin` = 1/8), rounded up per tensor.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerType, ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute, Operation

from edgeai.dialects import nn
from edgeai.dialects.nn_types import BinaryType, QuantType


@dataclass
class Layer:
    name: str
    op: str
    output_shape: list[int]
    macc: int
    ops: int
    params: int
    weights_bytes: int
    weight_bits: int | None

    def as_dict(self) -> dict:
        return asdict(self)


def bits_of(elt: Attribute) -> int:
    """Bit width of an element type (f32 32, !nn.q<i4> 4, !nn.bin 1, i32 32)."""
    if isinstance(elt, QuantType):
        return elt.width
    if isinstance(elt, BinaryType):
        return 1
    if isinstance(elt, IntegerType):
        return elt.width.data
    return 32


def _shape(v) -> tuple[int, ...]:
    return tuple(v.type.get_shape()) if isinstance(v.type, TensorType) else ()


def macc_of(op: Operation) -> int:
    """Multiply-accumulates of one `nn` op (0 for ops without MACs)."""
    y = _shape(op.results[0]) if op.results else ()
    if isinstance(op, nn.Conv2dOp):
        w = _shape(op.weight)
        return math.prod(y) * w[1] * w[2] * w[3]
    if isinstance(op, nn.DepthwiseConv2dOp):
        w = _shape(op.weight)
        return math.prod(y) * w[1] * w[2]
    if isinstance(op, nn.Conv2dTransposeOp):
        x, w = _shape(op.input), _shape(op.weight)
        return math.prod(x) * w[0] * w[1] * w[2] // max(1, op.prop("groups"))
    if isinstance(op, nn.DenseOp):
        return math.prod(y) * _shape(op.weight)[1]
    if isinstance(op, nn.MatMulOp):
        return math.prod(y) * _shape(op.lhs)[-1]
    return 0


def _const_source(v) -> nn.ConstantOp | None:
    """The constant behind an operand (through dequantize/storage_cast of a constant)."""
    owner = v.owner
    while isinstance(owner, nn.DequantizeOp | nn.StorageCastOp):
        owner = owner.input.owner
    return owner if isinstance(owner, nn.ConstantOp) else None


def layers(module: ModuleOp) -> list[Layer]:
    """One row per computing op of the entry function (constants, casts and views folded in)."""
    from edgeai.reference.interpreter import find_main

    f = find_main(module)
    rows = []
    skip = (nn.ConstantOp, nn.StorageCastOp)
    for op in f.body.block.ops:
        if isinstance(op, func.ReturnOp) or isinstance(op, skip) or not op.name.startswith("nn."):
            continue
        if isinstance(op, nn.DequantizeOp) and _const_source(op.input) is not None:
            continue  # a quantized weight's dequantize belongs to its consumer
        params = 0
        wbytes = 0
        wbits = None
        for i, o in enumerate(op.operands):
            c = _const_source(o)
            if c is None:
                continue
            n = math.prod(_shape(c.output))
            b = bits_of(c.output.type.element_type)
            params += n
            wbytes += (n * b + 7) // 8
            if i == 1 or wbits is None:
                wbits = b
        y = _shape(op.results[0]) if op.results else ()
        layer = op.attributes.get("layer")
        name = layer.data if isinstance(layer, StringAttr) else op.name
        rows.append(
            Layer(
                name, op.name, list(y), macc_of(op), math.prod(y) if y else 0, params, wbytes, wbits
            )
        )
    return rows


def totals(rows: list[Layer]) -> dict[str, int]:
    return {
        "macc": sum(r.macc for r in rows),
        "params": sum(r.params for r in rows),
        "weights_bytes": sum(r.weights_bytes for r in rows),
    }
