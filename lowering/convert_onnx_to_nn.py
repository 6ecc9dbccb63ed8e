"""`convert-onnx-to-nn`: level 0 (`onnx`, NCHW) -> level 1 (`nn`, channels-last).

Input: a module whose functions hold `onnx` ops (as produced by the ONNX frontend).
Output: the same functions holding only `nn` ops (plus `func.return`), verified:

* channels-last inside, with `nn.transpose` only at the graph boundary or where an op really
  needs another element order (the function signature keeps the ONNX layout and types);
* attributes normalized: `auto_pad` resolved into explicit padding, `ceil_mode` into extra
  (uncounted) padding, `count_include_pad`/dilations explicit, `group == channels` convs become
  `nn.depthwise_conv2d`, 1-D convs/pools become 2-D ones with H = 1, Gemm becomes `nn.dense`;
* a few ONNX forms without an `nn` op of their own are composed: Pad `wrap` is one `nn.gather`
  per padded axis, a ConvTranspose whose output starts before its full result (SAME /
  output_shape) is `nn.conv2d_transpose` + zero `nn.pad` + bias `nn.add`; non-constant conv
  weights (also quantized ones) are reshaped/transposed in the graph;
* per-axis quantized values keep their axis through every transpose/reshape the layout needs;
* ops whose operands are all constants are evaluated now (ONNX reference semantics), so shape
  arithmetic and initializer preprocessing leave no trace;
* every unsupported op is reported at once (`UnsupportedError`), each with its layer name.

Invariants kept: the function's inputs/outputs (names, shapes, element types) and the reference
results (bit-exact for float ops that only move data; float arithmetic may differ by rounding).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, NoneType, StringAttr, TensorType
from xdsl.ir import Block
from xdsl.passes import ModulePass

from edgeai.dialects import onnx as O
from edgeai.lowering.onnx_to_nn_ops import CONVERTERS
from edgeai.lowering.onnx_to_nn_patterns import Converter, Skip
from edgeai.support.attrs import storage_dtype
from edgeai.support.errors import EdgeAIError, UnsupportedError

#: ops never folded at compile time even with constant operands (keep quantized weights typed)
_NO_FOLD = {"DequantizeLinear", "QuantizeLinear", "Quant", "BipolarQuant"}


def _fold(conv: Converter, op: O.OnnxOp) -> bool:
    """Evaluate an op whose operands are all constants; True when done."""
    if op.ONNX_TYPE in _NO_FOLD:
        return False
    operands = []
    for o in op.operands:
        if isinstance(o.type, NoneType):
            operands.append(None)
            continue
        c = conv.const_of(o)
        if c is None:
            return False
        operands.append(c)
    if not operands:
        return False
    from edgeai.reference.interpreter import IMPLS, _load

    _load()
    out = IMPLS[type(op)](op, *operands)
    outs = out if isinstance(out, tuple | list) else (out,)
    for r, v in zip(op.results, outs, strict=True):
        assert isinstance(r.type, TensorType)
        arr = np.asarray(v).astype(storage_dtype(r.type.element_type), copy=False)
        conv.set_const(r, arr.reshape(tuple(r.type.get_shape())))
    return True


def convert_function(f: func.FuncOp) -> None:
    """Rewrite one function's body from `onnx` to `nn` ops."""
    old = f.body.block
    new = Block(arg_types=[a.type for a in old.args])
    conv = Converter(new)
    for a_old, a_new in zip(old.args, new.args, strict=True):
        a_new.name_hint = a_old.name_hint
        conv.set(a_old, a_new, tuple(range(len(a_old.type.get_shape()))))  # type: ignore[union-attr]
    problems: list[str] = []
    ret = None
    for op in old.ops:
        if isinstance(op, func.ReturnOp):
            ret = op
            continue
        if isinstance(op, O.NoneOp):
            continue
        if not isinstance(op, O.ConstantOp | O.OnnxOp):
            problems.append(f"op '{op.name}' is not an onnx op")
            continue
        layer = op.attributes.get("layer")
        conv.layer = layer.data if isinstance(layer, StringAttr) else None
        onnx_type = "Constant" if isinstance(op, O.ConstantOp) else op.ONNX_TYPE
        try:
            if isinstance(op, O.OnnxOp) and _fold(conv, op):
                continue
            handler = CONVERTERS.get(onnx_type)
            if handler is None:
                raise UnsupportedError(conv.where(), [f"no conversion for {onnx_type}"])
            handler(conv, op)
        except Skip:
            for r in op.results:
                conv.vals[r] = None
        except UnsupportedError as e:
            problems.extend(f"{conv.where()} ({onnx_type}): {item}" for item in e.items)
            for r in op.results:
                conv.vals[r] = None
    if problems:
        raise UnsupportedError(f"convert-onnx-to-nn @{f.sym_name.data}", problems)
    assert ret is not None, "function without func.return"
    conv.layer = None
    outs = []
    for v in ret.arguments:
        assert isinstance(v.type, TensorType)
        val = conv.get(v)
        if val.const is not None:
            x = conv.const(val.const, v.type.element_type, v.name_hint)
        else:
            x = conv.ident_value(v)
        outs.append(conv.plain(x, v.type.element_type))
    new.add_op(func.ReturnOp(*outs))
    f.body.detach_block(old)
    f.body.add_block(new)
    old.erase(safe_erase=False)


@dataclass(frozen=True)
class ConvertOnnxToNnPass(ModulePass):
    """Lower every function from the `onnx` dialect to the `nn` dialect (channels-last)."""

    name = "convert-onnx-to-nn"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for f in [o for o in op.ops if isinstance(o, func.FuncOp)]:
            try:
                convert_function(f)
            except (EdgeAIError, UnsupportedError):
                raise
        op.attributes["edgeai.level"] = StringAttr("nn")
