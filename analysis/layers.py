"""Per-layer figures of an `nn` program: MACC, parameters, weight bytes at their real bit width.

MACC counts multiply-accumulates of the ops that have them, the convention of the MLPerf Tiny
and TFLite-based tools' figures: conv2d `N*OH*OW*Cout*KH*KW*Cin/groups`, depthwise
`N*OH*OW*C*M*KH*KW`, transposed conv `N*H*W*Cin*KH*KW*Cout/groups`, dense/matmul `outputs*K`.
Other ops count 0 MACC (their element operations are reported separately as `ops`, the
output elements, and by type in `op_profile`: `analysis/profile.py`).
Weights: every constant operand of a layer (weights, bias), in bytes at the element type's bit
width (`!nn.q<i4>` = half a byte per value, `!nn.bin` = 1/8), rounded up per tensor; the
`weight_profile` counts them per bit unit.

`name` is the model's node name: the `layer` attribute the frontends set (the ONNX node name;
for TFLite, whose operators have no names, `<opcode>_<operator index>`), carried through the
lowerings; several rows share a name when one node became several `nn` ops (a BatchNorm left as
`nn.mul` + `nn.add`, a QONNX quantizer as `nn.quantize` + `nn.dequantize`).
`activation_bytes` is filled by `analysis/analyze.py` from the memory plan (0 here).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerType, ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute, Operation

from edgeai.dialects import nn
from edgeai.dialects.nn_types import BinaryType, QuantType


@dataclass
class Layer:
    """One row of the per-layer table (see the module docstring)."""

    name: str
    op: str
    output_shape: list[int]
    macc: int
    ops: int
    params: int
    weights_bytes: int
    weight_bits: int | None
    op_profile: dict[str, int] = field(default_factory=dict)
    weight_profile: list[dict] = field(default_factory=list)
    activation_bytes: int = 0

    def as_dict(self) -> dict:
        """The row as JSON-able data."""
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


def is_weight_only(op: Operation) -> bool:
    """Whether `op` only defines or converts a constant (no layer of its own): constants,
    storage casts, and the dequantize of a quantized weight (it belongs to its consumer)."""
    if isinstance(op, nn.ConstantOp):
        return True
    if isinstance(op, nn.DequantizeOp | nn.StorageCastOp):
        return _const_source(op.input) is not None
    return False


def layer_name(op: Operation) -> str:
    """The model's node name of an op (its `layer` attribute), else the op name."""
    layer = op.attributes.get("layer")
    return layer.data if isinstance(layer, StringAttr) else op.name


def layer_rows(module: ModuleOp) -> list[tuple[Operation, Layer]]:
    """(op, row) per computing op of the entry function, in program order."""
    from edgeai.analysis.profile import op_profile, weight_profile
    from edgeai.reference.interpreter import find_main

    f = find_main(module)
    rows = []
    for op in f.body.block.ops:
        if isinstance(op, func.ReturnOp) or not op.name.startswith("nn."):
            continue
        if isinstance(op, nn.StorageCastOp) or is_weight_only(op):
            continue
        params = 0
        wbytes = 0
        wbits = None
        consts: list[tuple[int, int]] = []
        for i, o in enumerate(op.operands):
            c = _const_source(o)
            if c is None:
                continue
            n = math.prod(_shape(c.output))
            b = bits_of(c.output.type.element_type)
            params += n
            wbytes += (n * b + 7) // 8
            consts.append((n, b))
            if i == 1 or wbits is None:
                wbits = b
        y = _shape(op.results[0]) if op.results else ()
        macc = macc_of(op)
        row = Layer(
            layer_name(op),
            op.name,
            list(y),
            macc,
            math.prod(y) if y else 0,
            params,
            wbytes,
            wbits,
            op_profile(op, macc),
            weight_profile(consts),
        )
        rows.append((op, row))
    return rows


def layers(module: ModuleOp) -> list[Layer]:
    """One row per computing op of the entry function (constants, casts and views folded in)."""
    return [row for _, row in layer_rows(module)]


def totals(rows: list[Layer]) -> dict[str, int]:
    """Model totals: MACC, parameters, weight bytes."""
    return {
        "macc": sum(r.macc for r in rows),
        "params": sum(r.params for r in rows),
        "weights_bytes": sum(r.weights_bytes for r in rows),
    }
