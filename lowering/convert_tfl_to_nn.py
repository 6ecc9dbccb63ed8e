"""`convert-tfl-to-nn`: level 0 (`tfl`, NHWC) -> level 1 (`nn`, channels-last).

Input: a module whose functions hold `tfl` ops (as produced by the TFLite frontend).
Output: the same functions holding only `nn` ops (plus `func.return`), verified:

* NHWC is already the `nn` layout: no transpose is inserted, conv filters (OHWI), depthwise
  filters (1HWC) and dense weights ([N, K]) are used as stored;
* TFLite's integer conventions are kept exactly (see `tfl_to_nn_ops`): per-channel weight
  scales, bias scale = input scale x weight scale, fused activations as `act` (a clamp on the
  quantized range), SAME/VALID padding made explicit, softmax `beta` folded into the input scale;
  the result is the integer program `convert-nn-to-kernel` accepts, with no QDQ left to fold;
* constants become `nn.constant` where used (a bias re-typed), shape operands disappear;
* every operator without an `nn` form is reported at once (`UnsupportedError`), each with its
  layer name (`<op>_<index in the subgraph>`) and the reason.

Invariants kept: the function's inputs/outputs (names, shapes, element types) and the results of
TFLite Micro, bit for bit on integer programs (`tests/test_frontend_tflite.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType
from xdsl.ir import Block
from xdsl.passes import ModulePass

from edgeai.dialects import nn
from edgeai.dialects import tfl as T
from edgeai.lowering.tfl_to_nn_ops import CONVERTERS, Converter, Unsupported, unsupported
from edgeai.support.attrs import storage_dtype


def convert_function(f: func.FuncOp) -> None:
    """Rewrite one function's body from `tfl` to `nn` ops."""
    old = f.body.block
    new = Block(arg_types=[a.type for a in old.args])
    conv = Converter(new)
    for a_old, a_new in zip(old.args, new.args, strict=True):
        a_new.name_hint = a_old.name_hint
        conv.vals[a_old] = a_new
    problems: list[str] = []
    ret = None
    for op in old.ops:
        if isinstance(op, func.ReturnOp):
            ret = op
            continue
        if isinstance(op, T.ConstOp | T.NoValueOp):
            continue  # materialized where used
        layer = op.attributes.get("layer")
        conv.layer = layer.data if isinstance(layer, StringAttr) else None
        where = conv.layer or op.name
        if not isinstance(op, T.TflOp):
            problems.append(f"{where}: op '{op.name}' is not a tfl op")
            continue
        try:
            handler = CONVERTERS.get(op.TFL_CODE)
            if handler is None:
                raise Unsupported("no conversion")
            conv.vals[op.results[0]] = handler(conv, op)
        except Unsupported as e:
            problems.append(f"{where} ({op.TFL_CODE}): {e}")
            # a zero placeholder lets the ops after it be checked too (the block is dropped)
            for r in op.results:
                assert isinstance(r.type, TensorType)
                zeros = np.zeros(r.type.get_shape(), storage_dtype(r.type.element_type))
                conv.vals[r] = conv.add(nn.ConstantOp.from_numpy(zeros, r.type.element_type))
    if problems:
        raise unsupported(f"convert-tfl-to-nn @{f.sym_name.data}", problems)
    assert ret is not None, "function without func.return"
    conv.layer = None
    outs = [conv.get(v) for v in ret.arguments]
    new.add_op(func.ReturnOp(*outs))
    f.body.detach_block(old)
    f.body.add_block(new)
    old.erase(safe_erase=False)


@dataclass(frozen=True)
class ConvertTflToNnPass(ModulePass):
    """Lower every function from the `tfl` dialect (TFLite, NHWC) to the `nn` dialect, keeping
    TFLite's integer arithmetic bit for bit."""

    name = "convert-tfl-to-nn"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for f in [o for o in op.ops if isinstance(o, func.FuncOp)]:
            convert_function(f)
        op.attributes["edgeai.level"] = StringAttr("nn")
