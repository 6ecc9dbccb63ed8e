"""TFLite frontend: a `.tflite` flatbuffer -> a module at level 0 (the `tfl` dialect).

    from edgeai.frontends.tflite import import_tflite
    module = import_tflite("kws_ref_model.tflite")      # func.func @main, tfl ops, NHWC

The file is read with the `tflite` package (the flatbuffer schema compiled to Python). Every
subgraph becomes a function (`@main` for subgraph 0, the others private and named after the
subgraph); its inputs/outputs keep the TFLite tensor names (`edgeai.name`). Tensors map to
element types as stated in `edgeai.dialects.tfl` (per-tensor and per-channel quantization,
int8/uint8/int16/int32/float32, plus int64/bool constants); buffers (also the offset form of
files over 2 GiB) become `tfl.const`, variable tensors `tfl.const {tfl.variable}`.

Every problem the dialect cannot represent (unsupported builtin or custom operator, tensor type,
multi-output operator) is collected and reported at once, each with its operator index and name
(`UnsupportedError`); a file that is not a TFLite flatbuffer is a one-line `EdgeAIError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FunctionType,
    IntegerType,
    ModuleOp,
    Signedness,
    StringAttr,
    TensorType,
    UnitAttr,
    f32,
    i1,
)
from xdsl.ir import Attribute, Block, Region, SSAValue

from edgeai.support.errors import EdgeAIError, UnsupportedError

_DTYPES = {  # TFLite TensorType -> NumPy dtype
    0: np.dtype(np.float32),
    2: np.dtype(np.int32),
    3: np.dtype(np.uint8),
    4: np.dtype(np.int64),
    6: np.dtype(np.bool_),
    7: np.dtype(np.int16),
    9: np.dtype(np.int8),
}
_TYPE_NAMES = {
    1: "FLOAT16",
    5: "STRING",
    8: "COMPLEX64",
    10: "FLOAT64",
    11: "COMPLEX128",
    12: "UINT64",
    13: "RESOURCE",
    14: "VARIANT",
    15: "UINT32",
    16: "UINT16",
    17: "INT4",
    18: "BFLOAT16",
}
_ENUMS = {  # option -> names of the TFLite enum values
    "fused_activation_function": ("NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"),
    "padding": ("SAME", "VALID"),
    "weights_format": ("DEFAULT", "SHUFFLED4x16INT8"),
}
_CUSTOM = 32  # BuiltinOperator.CUSTOM


@dataclass
class Tensor:
    """One tensor of a subgraph; `data` holds a buffer's contents (constants)."""

    index: int
    name: str
    dtype: np.dtype | None  # None: a type this frontend does not read (`type_name`)
    type_name: str
    shape: tuple[int, ...]
    scale: np.ndarray  # float32, empty when not quantized
    zero_point: np.ndarray  # int64
    quantized_dimension: int
    data: np.ndarray | None
    is_variable: bool = False


@dataclass
class Operator:
    """One operator: builtin name (or `custom '<code>'`), tensor indices (-1 = absent) and the
    builtin options as (snake_case name -> value)."""

    index: int
    opcode: str
    custom: bool
    inputs: list[int]
    outputs: list[int]
    options: dict[str, object] = field(default_factory=dict)


@dataclass
class Subgraph:
    """A TFLite subgraph (a function)."""

    name: str
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: list[int]
    outputs: list[int]


@dataclass
class TfliteFile:
    """Everything the importer uses from a `.tflite` file."""

    path: str
    version: int
    subgraphs: list[Subgraph]


# ---------------------------------------------------------------------------------------------
# reading the flatbuffer


def _camel(snake: str) -> str:
    return "".join(p.capitalize() for p in snake.split("_"))


def _options(op, opcode: str) -> dict[str, object]:
    """The builtin options the `tfl` op declares, read by name from the options table."""
    import tflite
    from tflite.BuiltinOptions import BuiltinOptions

    from edgeai.dialects.tfl import TFL_OPS

    cls = TFL_OPS.get(opcode)
    kind = op.BuiltinOptionsType()
    if cls is None or kind == 0:
        return {}
    names = {v: k for k, v in vars(BuiltinOptions).items() if not k.startswith("_")}
    table_cls = getattr(tflite, names.get(kind, ""), None)
    table = op.BuiltinOptions()
    if table_cls is None or table is None:
        return {}
    opts = table_cls()
    opts.Init(table.Bytes, table.Pos)
    out: dict[str, object] = {}
    for name, spec in cls.ATTRS.items():
        camel = _camel(name)
        if spec.kind == "ints":
            getter = getattr(opts, f"{camel}AsNumpy", None)
            if getter is not None:
                v = getter()
                out[name] = [int(x) for x in v] if not isinstance(v, int) else []
            continue
        getter = getattr(opts, camel, None)
        if getter is None:
            continue
        value = getter()
        if name in _ENUMS:
            value = _ENUMS[name][int(value)] if 0 <= int(value) < len(_ENUMS[name]) else value
        out[name] = value
    return out


def _tensor(model, t, i: int, data_of) -> Tensor:
    code = int(t.Type())
    dtype = _DTYPES.get(code)
    shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
    q = t.Quantization()
    scale, zp, qdim = np.zeros(0, np.float32), np.zeros(0, np.int64), 0
    if q is not None:
        if q.ScaleLength():
            scale = q.ScaleAsNumpy().astype(np.float32)
        if q.ZeroPointLength():
            zp = q.ZeroPointAsNumpy().astype(np.int64)
        qdim = int(q.QuantizedDimension())
    data = None
    raw = data_of(int(t.Buffer()))
    if raw is not None and dtype is not None:
        count = int(np.prod(shape)) if shape else 1
        if len(raw) != count * dtype.itemsize:
            raise ValueError(
                f"tensor {i} buffer holds {len(raw)} bytes, expected {count * dtype.itemsize}"
            )
        data = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    name = (t.Name() or b"").decode(errors="replace")
    type_name = dtype.name if dtype is not None else _TYPE_NAMES.get(code, f"type {code}")
    return Tensor(i, name, dtype, type_name, shape, scale, zp, qdim, data, bool(t.IsVariable()))


def read_tflite(path: str | Path) -> TfliteFile:
    """Parse `path` into plain dataclasses (all subgraphs); EdgeAIError if it is not a valid
    TFLite flatbuffer."""
    p = Path(path)
    if not p.is_file():
        raise EdgeAIError(f"{path}: no such file")
    buf = p.read_bytes()
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise EdgeAIError(f"{path}: not a TFLite flatbuffer (missing the 'TFL3' identifier)")
    try:
        import tflite
        from tflite.BuiltinOperator import BuiltinOperator
    except ImportError:  # pragma: no cover - the package is a dependency
        raise EdgeAIError("reading .tflite files needs the `tflite` package") from None
    opnames = {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}
    try:
        model = tflite.Model.GetRootAsModel(buf, 0)

        def data_of(b: int) -> bytes | None:
            buffer = model.Buffers(b)
            if buffer is None:
                return None
            off, size = int(buffer.Offset()), int(buffer.Size())
            if off > 1:  # large models keep the data after the flatbuffer
                if off + size > len(buf):
                    raise ValueError(f"buffer {b} lies beyond the end of the file")
                return buf[off : off + size]
            return buffer.DataAsNumpy().tobytes() if buffer.DataLength() else None

        subgraphs = []
        for s in range(model.SubgraphsLength()):
            sg = model.Subgraphs(s)
            tensors = [_tensor(model, sg.Tensors(i), i, data_of) for i in range(sg.TensorsLength())]
            ops = []
            for i in range(sg.OperatorsLength()):
                op = sg.Operators(i)
                oc = model.OperatorCodes(op.OpcodeIndex())
                code = max(int(oc.BuiltinCode()), int(oc.DeprecatedBuiltinCode()))
                custom = code == _CUSTOM
                name = (
                    (oc.CustomCode() or b"?").decode(errors="replace")
                    if custom
                    else opnames.get(code, f"BUILTIN_{code}")
                )
                ops.append(
                    Operator(
                        i,
                        name,
                        custom,
                        [int(v) for v in op.InputsAsNumpy()] if op.InputsLength() else [],
                        [int(v) for v in op.OutputsAsNumpy()] if op.OutputsLength() else [],
                        {} if custom else _options(op, name),
                    )
                )
            ins = [int(v) for v in sg.InputsAsNumpy()] if sg.InputsLength() else []
            outs = [int(v) for v in sg.OutputsAsNumpy()] if sg.OutputsLength() else []
            sg_name = (sg.Name() or b"").decode(errors="replace")
            subgraphs.append(Subgraph(sg_name, tensors, ops, ins, outs))
    except EdgeAIError:
        raise
    except Exception as e:  # truncated/corrupt flatbuffers fail anywhere inside the accessors
        raise EdgeAIError(f"{path}: corrupt TFLite flatbuffer ({type(e).__name__}: {e})") from None
    if not subgraphs:
        raise EdgeAIError(f"{path}: the model has no subgraph")
    return TfliteFile(str(path), int(model.Version()), subgraphs)


# ---------------------------------------------------------------------------------------------
# element types


def element_type(t: Tensor) -> Attribute:
    """The IR element type of a tensor: `!nn.q` when quantized (per-axis along
    `quantized_dimension` when it has several scales), `f32`, else a builtin integer."""
    from edgeai.dialects.nn_types import QuantType

    dt = t.dtype
    assert dt is not None
    if dt == np.float32:
        return f32
    if dt == np.bool_:
        return i1
    if dt.kind in "iu" and t.scale.size and dt.itemsize <= 4:
        scales = t.scale.astype(np.float64)
        zps = t.zero_point if t.zero_point.size else np.zeros(1, np.int64)
        signed = dt.kind == "i"
        if scales.size == 1:
            return QuantType.get(dt.itemsize * 8, signed, float(scales[0]), int(zps[0]))
        zps = np.broadcast_to(zps, scales.shape)
        axis = t.quantized_dimension
        if len(t.shape) == 1:  # some converters record the filter's axis (3) on 1-D biases
            axis = 0
        return QuantType.get(dt.itemsize * 8, signed, scales, zps, axis)
    sign = Signedness.UNSIGNED if dt.kind == "u" else Signedness.SIGNLESS
    return IntegerType(dt.itemsize * 8, sign)


def _symbol(name: str, k: int) -> str:
    s = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_")
    return s if s and not s[0].isdigit() else f"subgraph{k}"


# ---------------------------------------------------------------------------------------------
# building the tfl module


def _check(tf: TfliteFile) -> None:
    """Every unsupported operator/tensor of every subgraph, raised at once."""
    from edgeai.dialects.tfl import TFL_OPS

    problems: list[str] = []
    for k, sg in enumerate(tf.subgraphs):
        where = f"subgraph {k} " if len(tf.subgraphs) > 1 else ""
        for op in sg.operators:
            if op.custom:
                problems.append(f"{where}op #{op.index} custom '{op.opcode}'")
            elif op.opcode not in TFL_OPS:
                problems.append(f"{where}op #{op.index} {op.opcode}")
            elif len(op.outputs) != 1:
                problems.append(f"{where}op #{op.index} {op.opcode} with {len(op.outputs)} outputs")
        used = {i for op in sg.operators for i in op.inputs + op.outputs} | set(sg.inputs)
        for t in sg.tensors:
            if t.dtype is None and t.index in used:
                problems.append(f"{where}tensor #{t.index} '{t.name}' of type {t.type_name}")
    if problems:
        raise UnsupportedError(tf.path, problems)


class _FunctionBuilder:
    """Fills one function body: tensor index -> SSA value, constants on first use."""

    def __init__(self, sg: Subgraph) -> None:
        self.sg = sg
        self.block = Block()
        self.values: dict[int, SSAValue] = {}
        self.none: SSAValue | None = None

    def value(self, i: int) -> SSAValue:
        from edgeai.dialects import tfl
        from edgeai.support.attrs import dense_from_numpy

        if i < 0:
            if self.none is None:
                op = tfl.NoValueOp()
                self.block.add_op(op)
                self.none = op.output
            return self.none
        if i in self.values:
            return self.values[i]
        t = self.sg.tensors[i]
        data = t.data
        if data is None and t.is_variable:
            data = np.zeros(t.shape, t.dtype)
        if data is None:
            raise EdgeAIError(
                f"tensor #{i} '{t.name}' is read before any operator writes it "
                "(not a graph input, constant or variable)"
            )
        elt = element_type(t)
        c = tfl.ConstOp.create(
            properties={"value": dense_from_numpy(data, elt)},
            result_types=[TensorType(elt, list(t.shape))],
            attributes={"tfl.variable": UnitAttr()} if t.is_variable else {},
        )
        self.block.add_op(c)
        self.values[i] = c.output
        return c.output


def _build_function(sg: Subgraph, k: int) -> func.FuncOp:
    from edgeai.dialects.tfl import TFL_OPS, option_attr

    b = _FunctionBuilder(sg)
    for i in sg.inputs:
        t = sg.tensors[i]
        a = b.block.insert_arg(TensorType(element_type(t), list(t.shape)), len(b.block.args))
        b.values[i] = a
    for op in sg.operators:
        cls = TFL_OPS[op.opcode]
        operands = [b.value(i) for i in op.inputs]
        # trailing optional inputs may be left out of the file: pad with tfl.no_value
        while len(operands) < len(cls.INPUTS) and cls.INPUTS[len(operands)] in cls.OPTIONAL:
            operands.append(b.value(-1))
        props = {}
        for name, spec in cls.ATTRS.items():
            props[name] = option_attr(spec, op.options.get(name, spec.default))
        out = sg.tensors[op.outputs[0]]
        new = cls.make(
            operands,
            element_type(out),
            props,
            layer=f"{op.opcode.lower()}_{op.index}",
            shapes=[out.shape],
        )
        b.block.add_op(new)
        b.values[op.outputs[0]] = new.results[0]
    outs = [b.value(i) for i in sg.outputs]
    b.block.add_op(func.ReturnOp(*outs))

    def names(idx: list[int]) -> ArrayAttr:
        return ArrayAttr(
            [DictionaryAttr({"edgeai.name": StringAttr(sg.tensors[i].name)}) for i in idx]
        )

    f = func.FuncOp(
        "main" if k == 0 else _symbol(sg.name, k),
        FunctionType.from_lists([a.type for a in b.block.args], [o.type for o in outs]),
        Region(b.block),
        visibility=None if k == 0 else "private",
        arg_attrs=names(sg.inputs),
        res_attrs=names(sg.outputs),
    )
    return f


def import_tflite(path: str | Path) -> ModuleOp:
    """Read a `.tflite` file and return the verified `tfl`-level module."""
    from xdsl.utils.exceptions import VerifyException

    from edgeai.support.xdsl_fixes import apply

    apply()
    tf = read_tflite(path)
    _check(tf)
    try:
        module = ModuleOp([_build_function(sg, k) for k, sg in enumerate(tf.subgraphs)])
    except (ValueError, VerifyException) as e:  # e.g. a quantization the types cannot hold
        raise EdgeAIError(f"{path}: {str(e).splitlines()[0]}") from None
    module.attributes["edgeai.level"] = StringAttr("tfl")
    try:
        module.verify()
    except VerifyException as e:
        raise EdgeAIError(f"{path}: invalid model: {str(e).splitlines()[0]}") from None
    return module
