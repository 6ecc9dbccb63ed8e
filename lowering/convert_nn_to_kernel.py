"""`convert-nn-to-kernel`: level 1 (`nn`, tensors) -> level 2 (`kernel` + `mem`, buffers).

Input: `nn` functions whose quantized ops use TFLite rounding (after `nn-fold-qdq{rounding=tflite}`)
or float32, as produced by `edgeai.lower(..., to="nn")` plus folding.
Output: the same functions in destination-passing form:

* signature `(inputs..., outputs...) -> ()` with memrefs of the storage element types (int8 for
  `!nn.q<i8,...>`); the last `edgeai.num_outputs` arguments are the outputs, names kept;
* every intermediate tensor is a `mem.alloc {pool = "arena"}` buffer (offsets come from
  `mem-plan-arena`), a value the function returns is written straight into its output buffer;
* `nn.reshape` / `nn.storage_cast` are `mem.view`s (no copy) unless they produce an output;
* each computing op is one `kernel` op whose integer parameters (offsets, per-channel multiplier
  and shift, activation range) are computed here with TFLite Micro's formulas;
* constants become `kernel.constant` (flash);
* an input or output that is quantized at the boundary (a `!nn.q` argument/result, or an integer
  one reinterpreted by `nn.storage_cast`) records its per-tensor quantization in its argument
  attributes, `edgeai.scale` (f32) and `edgeai.zero_point` (i64), for the emitters' I/O macros.
Everything the kernels cannot run is reported at once, one line per op.
Invariants kept: bit-exact results with the `nn` reference for integer programs (tested on the
MLPerf Tiny models); float programs within float rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FloatAttr,
    FunctionType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.passes import ModulePass

from edgeai.dialects import kernel as K
from edgeai.dialects import mem, nn
from edgeai.dialects.nn_types import QuantType
from edgeai.lowering.nn_to_kernel_ops import CONVERSIONS, Emit
from edgeai.support.attrs import storage_type
from edgeai.support.errors import UnsupportedError


def memref_of(t: TensorType) -> MemRefType:
    return MemRefType(storage_type(t.element_type), list(t.get_shape()))


def _per_tensor_quant(t: Attribute) -> QuantType | None:
    e = t.element_type if isinstance(t, TensorType) else None
    return e if isinstance(e, QuantType) and e.channel_axis is None else None


def _io_quant_attrs(v: SSAValue, is_result: bool) -> dict[str, Attribute]:
    """`edgeai.scale`/`edgeai.zero_point` of a function input (`is_result=False`) or returned
    value, when it is quantized per tensor at the boundary (see the module docstring)."""
    q = _per_tensor_quant(v.type)
    if q is None and is_result and isinstance(v.owner, nn.StorageCastOp):
        q = _per_tensor_quant(v.owner.input.type)
    if q is None and not is_result:
        casts = [u.operation for u in v.uses if isinstance(u.operation, nn.StorageCastOp)]
        found = {_per_tensor_quant(c.output.type) for c in casts} - {None}
        q = found.pop() if len(found) == 1 else None
    if q is None:
        return {}
    return {
        "edgeai.scale": FloatAttr(float(np.float32(q.scale)), f32),
        "edgeai.zero_point": IntegerAttr(int(q.zero_point), i64),
    }


def _with_quant(attrs: DictionaryAttr, quant: dict[str, Attribute]) -> DictionaryAttr:
    return DictionaryAttr({**attrs.data, **quant}) if quant else attrs


def convert_function(f: func.FuncOp) -> func.FuncOp:
    """The kernel-level version of `f` (a new function)."""
    old = f.body.block
    ret = old.last_op
    assert isinstance(ret, func.ReturnOp)
    in_types = [memref_of(a.type) for a in old.args]  # type: ignore[arg-type]
    out_types = [memref_of(v.type) for v in ret.arguments]  # type: ignore[arg-type]
    block = Block(arg_types=[*in_types, *out_types])
    n_in = len(in_types)
    buf: dict[SSAValue, SSAValue] = {}
    for a_old, a_new in zip(old.args, block.args[:n_in], strict=True):
        a_new.name_hint = a_old.name_hint
        buf[a_old] = a_new
    out_args = list(block.args[n_in:])
    # the output buffer each returned value is produced into (its first return position)
    dest: dict[SSAValue, SSAValue] = {}
    for i, v in enumerate(ret.arguments):
        if v in dest:
            continue
        dest[v] = out_args[i]
        # produce through single-use reinterpretations straight into the output buffer
        while isinstance(v.owner, nn.ReshapeOp | nn.StorageCastOp) and v.owner.input.has_one_use():
            src = v.owner.input
            if (
                src in dest
                or isinstance(src.owner, nn.ConstantOp)
                or not isinstance(src.owner, nn.NN_OP_TYPES)
            ):
                break
            target = dest[v]
            want = memref_of(src.type)  # type: ignore[arg-type]
            if target.type != want:
                view = mem.ViewOp.create(operands=[target], result_types=[want])
                block.add_op(view)
                target = view.output
            dest[src] = target
            v = src

    problems: list[str] = []

    def add(op) -> None:
        block.add_op(op)

    def alloc(v: SSAValue) -> SSAValue:
        if v in dest and not isinstance(v.owner, func.FuncOp):
            return dest[v]
        a = mem.AllocOp.create(
            properties={"pool": StringAttr("arena")}, result_types=[memref_of(v.type)]
        )  # type: ignore[arg-type]
        a.output.name_hint = v.name_hint
        add(a)
        return a.output

    for op in old.ops:
        if op is ret:
            continue
        if isinstance(op, nn.ConstantOp):
            c = K.ConstantOp.create(
                properties={"value": op.value}, result_types=[memref_of(op.output.type)]
            )
            c.output.name_hint = op.output.name_hint
            add(c)
            buf[op.output] = c.output
            continue
        if isinstance(op, nn.ReshapeOp | nn.StorageCastOp):
            src = buf.get(op.input)
            if src is None:
                continue
            t = memref_of(op.output.type)
            d_in = dest.get(op.input)
            if (
                op.output in dest
                and d_in is not None
                and src is d_in  # the input really was produced into its destination
                and (
                    d_in is dest[op.output]
                    or (isinstance(d_in.owner, mem.ViewOp) and d_in.owner.input is dest[op.output])
                )
            ):
                buf[op.output] = dest[op.output]  # produced in place through the view
                continue
            if src.type == t:
                view = src
            else:
                v = mem.ViewOp.create(operands=[src], result_types=[t])
                add(v)
                view = v.output
            buf[op.output] = view
            continue
        conv = CONVERSIONS.get(type(op))
        layer = op.attributes.get("layer")
        if conv is None:
            where = f"layer '{layer.data}'" if isinstance(layer, StringAttr) else op.name
            problems.append(f"{where}: {op.name} has no Cortex-M kernel")
            continue
        if len(op.results) != 1:
            problems.append(f"{op.name}: several results are not supported")
            continue
        operands = [buf.get(o) for o in op.operands]
        if any(o is None for o in operands):
            continue  # an earlier problem
        out = alloc(op.results[0])
        try:
            conv(
                Emit(operands, out, add, layer.data if isinstance(layer, StringAttr) else None), op
            )  # type: ignore[arg-type]
        except UnsupportedError as e:
            problems.extend(e.items)
            continue
        buf[op.results[0]] = out
    if problems:
        raise UnsupportedError("convert-nn-to-kernel", problems)
    # results not produced in place: views of inputs, constants, values returned twice
    for i, v in enumerate(ret.arguments):
        src = buf[v]
        if src is out_args[i]:
            continue
        target = out_args[i]
        if src.type != target.type:
            view = mem.ViewOp.create(
                operands=[src],
                result_types=[MemRefType(src.type.element_type, target.type.get_shape())],
            )  # type: ignore[union-attr]
            add(view)
            src = view.output
        add(K.CopyOp.create(operands=[src, target]))
    add(func.ReturnOp())
    names = list(f.arg_attrs.data) if f.arg_attrs else [DictionaryAttr({}) for _ in in_types]
    res_names = list(f.res_attrs.data) if f.res_attrs else [DictionaryAttr({}) for _ in out_types]
    names = [
        _with_quant(d, _io_quant_attrs(a, False)) for d, a in zip(names, old.args, strict=True)
    ]
    res_names = [
        _with_quant(d, _io_quant_attrs(v, True))
        for d, v in zip(res_names, ret.arguments, strict=True)
    ]
    new = func.FuncOp(
        f.sym_name.data,
        FunctionType.from_lists([*in_types, *out_types], []),
        Region(block),
        arg_attrs=ArrayAttr([*names, *res_names]),
    )
    new.attributes["edgeai.num_outputs"] = IntegerAttr(len(out_types), i64)
    return new


@dataclass(frozen=True)
class ConvertNnToKernelPass(ModulePass):
    """Lower every `nn` function to kernels on buffers (see the module docstring)."""

    name = "convert-nn-to-kernel"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for f in [o for o in op.ops if isinstance(o, func.FuncOp)]:
            new = convert_function(f)
            op.body.block.insert_op_before(new, f)
            f.detach()
            f.erase()
        op.attributes["edgeai.level"] = StringAttr("kernel")
