"""ONNX frontend: `.onnx` file -> level-0 IR (`onnx` dialect inside `func.func @main`).

* Opsets 9 to the newest the installed `onnx` package knows; older operator forms are rewritten
  to the newest one (Squeeze/Unsqueeze/Reduce* axes attributes -> inputs, Split's `split`
  attribute -> input, Clip's min/max and Pad's pads/value attributes -> inputs, Slice-1..9's
  starts/ends/axes attributes -> inputs, Resize-10 -> Resize with `asymmetric` coordinates and
  `floor` rounding, opset<13 Softmax -> reshape + softmax + reshape). Opset-9 operators without
  a newer form we support (Upsample) are reported.
* Static subgraphs are evaluated at import: a standard node whose inputs are all constants, and
  `Shape`/`Size` of any value (every shape is static here), run through `onnx.reference` (with
  the model's opset) and become constants, so shape arithmetic (Shape -> Gather -> Unsqueeze ->
  Concat -> Reshape), `Pow`/`Sqrt`/`Cast`/`Range`/`Where` ... on initializers leave no trace and
  need not be supported ops. Quantization operators (QuantizeLinear, DequantizeLinear, QONNX
  Quant/BipolarQuant) and random/training-time ops (Random*, Dropout) are never folded, so
  quantized weights stay typed.
* QONNX operators `Quant` (alias `IntQuant`), `BipolarQuant` and `Trunc` import from the domains
  in `QONNX_DOMAINS` (`onnx.brevitas`, `qonnx.custom_op.general`, `finn.custom_op.general`);
  Trunc's version (1 or 2) follows the model's opset import of its domain, as in qonnx.
* Dropout runs in inference mode; its optional mask output is a constant of ones.
* Initializers and Constant nodes become `onnx.constant`; every attribute gets its value
  (ONNX defaults made explicit, kernel_shape/strides/pads/dilations filled in).
* Shapes are static: symbolic dimensions come from `input_shapes` (the CLI's
  `--input-shape name=1,3,32,32`); a symbolic leading (batch) dimension defaults to 1.
* Everything unsupported — op types, element types, attribute values — is collected first and
  reported at once in an `UnsupportedError`, one entry per node with its name and op type.

Graph input/output names are kept as `edgeai.name` argument/result attributes, node names as
each op's `layer` attribute.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FunctionType,
    IntegerType,
    ModuleOp,
    NoneType,
    Signedness,
    StringAttr,
    TensorType,
    f32,
)
from xdsl.ir import Attribute, Block, Region, SSAValue

from edgeai.dialects import onnx as O
from edgeai.dialects.onnx_shapes import split_sizes
from edgeai.support.attrs import dense_from_numpy, storage_dtype
from edgeai.support.errors import EdgeAIError, UnsupportedError

MIN_OPSET = 9
MAX_OPSET = onnx.defs.onnx_opset_version()

_ELEM_TYPES: dict[int, Attribute] = {
    TensorProto.FLOAT: f32,
    TensorProto.INT8: IntegerType(8),
    TensorProto.UINT8: IntegerType(8, Signedness.UNSIGNED),
    TensorProto.INT16: IntegerType(16),
    TensorProto.UINT16: IntegerType(16, Signedness.UNSIGNED),
    TensorProto.INT32: IntegerType(32),
    TensorProto.UINT32: IntegerType(32, Signedness.UNSIGNED),
    TensorProto.INT64: IntegerType(64),
    TensorProto.UINT64: IntegerType(64, Signedness.UNSIGNED),
    TensorProto.BOOL: IntegerType(1),
}


#: NumPy dtypes of the element types above (constants of other dtypes are unsupported)
_SUPPORTED_DTYPES = tuple(
    np.dtype(t)
    for t in (
        np.float32,
        np.int8,
        np.uint8,
        np.int16,
        np.uint16,
        np.int32,
        np.uint32,
        np.int64,
        np.uint64,
        np.bool_,
    )
)


def elem_type_of(code: int, where: str) -> Attribute:
    if code not in _ELEM_TYPES:
        name = (
            TensorProto.DataType.Name(code) if code in TensorProto.DataType.values() else str(code)
        )
        raise UnsupportedError(where, [f"element type {name}"])
    return _ELEM_TYPES[code]


def _type_name(code: int) -> str:
    try:
        return TensorProto.DataType.Name(code)
    except ValueError:
        return str(code)


def sanitize(name: str) -> str:
    """A valid SSA name hint from an ONNX value name."""
    s = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not s or s[0].isdigit():
        s = "v" + s
    return s


# ---------------------------------------------------------------------------------------------
# legality: collect every problem before building anything


def _attr(node: onnx.NodeProto, name: str, default: Any = None) -> Any:
    """A node attribute as a Python value (strings decoded), or `default`."""
    for a in node.attribute:
        if a.name == name:
            v = onnx.helper.get_attribute_value(a)
            return v.decode() if isinstance(v, bytes) else v
    return default


def node_label(node: onnx.NodeProto, idx: int) -> str:
    """The name used for a node in messages and `layer` attributes (`<OpType>_<index>` if unnamed)."""
    return node.name or f"{node.op_type}_{idx}"


#: window ops -> position of the weight input (None: pooling, the kernel comes from kernel_shape)
_WINDOW_OPS: dict[str, int | None] = {
    "Conv": 1,
    "ConvTranspose": 1,
    "ConvInteger": 1,
    "QLinearConv": 3,
    "MaxPool": None,
    "AveragePool": None,
}


class _GraphFacts:
    """What the legality check knows about a graph's values before import: ranks, element
    types and constant values (initializers and Constant nodes)."""

    def __init__(self, g: onnx.GraphProto):
        self.types: dict[str, int] = {}
        self.ranks: dict[str, int] = {}
        self.tensors: dict[str, TensorProto] = {}  # converted to arrays only when asked
        self.non_tensor: set[str] = set()
        for vi in [*g.input, *g.output, *g.value_info]:
            if vi.type.HasField("tensor_type"):
                tt = vi.type.tensor_type
                self.types[vi.name] = tt.elem_type
                if tt.HasField("shape"):
                    self.ranks[vi.name] = len(tt.shape.dim)
            else:
                self.non_tensor.add(vi.name)
        for init in g.initializer:
            self.types[init.name] = init.data_type
            self.ranks[init.name] = len(init.dims)
            self.tensors[init.name] = init
        for node in g.node:
            if node.op_type == "Constant" and node.output:
                for a in node.attribute:
                    if a.name == "value":
                        self.types[node.output[0]] = a.t.data_type
                        self.ranks[node.output[0]] = len(a.t.dims)
                        self.tensors[node.output[0]] = a.t
                    elif a.name in ("value_float", "value_floats"):
                        self.types[node.output[0]] = TensorProto.FLOAT
                    elif a.name in ("value_int", "value_ints"):
                        self.types[node.output[0]] = TensorProto.INT64

    def const(self, node: onnx.NodeProto, pos: int) -> np.ndarray | None:
        """Value of the node's input `pos` when it is a supported constant, else None."""
        if pos < len(node.input) and node.input[pos] in self.tensors:
            t = self.tensors[node.input[pos]]
            return numpy_helper.to_array(t) if t.data_type in _ELEM_TYPES else None
        return None


def _spatial_dims(node: onnx.NodeProto, facts: _GraphFacts) -> int | None:
    """Number of spatial dimensions of a conv/pool node, when known before import."""
    kernel = _attr(node, "kernel_shape")
    if kernel:
        return len(kernel)
    wpos = _WINDOW_OPS[node.op_type]
    for pos in ([wpos] if wpos is not None else []) + [0]:
        if pos < len(node.input) and node.input[pos] in facts.ranks:
            return facts.ranks[node.input[pos]] - 2
    return None


def _qonnx_problems(node: onnx.NodeProto, op: str, version: int) -> list[str]:
    """Attributes qonnx requires, and known rounding modes, of a QONNX Quant/Trunc node."""
    from edgeai.reference.qops import QONNX_ROUNDING

    required = ("signed", "narrow") if op == "Quant" else ("rounding_mode",)
    problems = [f"missing required attribute '{a}'" for a in required if _attr(node, a) is None]
    mode = _attr(node, "rounding_mode")
    if mode is not None and str(mode).upper() not in QONNX_ROUNDING:
        problems.append(f"rounding_mode '{mode}' (supported: {', '.join(QONNX_ROUNDING)})")
    if op == "Trunc":
        expected = 5 if version < 2 else 6
        if len(node.input) != expected:
            problems.append(
                f"{len(node.input)} inputs for Trunc version {version} (expects {expected})"
            )
    return problems


def check_node(
    node: onnx.NodeProto,
    used_outputs: set[str],
    facts: _GraphFacts | None = None,
    versions: dict[str, int] | None = None,
) -> list[str]:
    """Problems that make this node unsupported (empty list when fine); `versions` are the
    model's opset imports by domain (QONNX Trunc's version)."""
    op = node.op_type
    problems: list[str] = []
    if node.domain not in ("", "ai.onnx", *O.QONNX_DOMAINS):
        return [f"custom domain '{node.domain}'"]
    cls = O.op_class(node.domain, op)
    if cls is None and not (op == "Constant" and node.domain in ("", "ai.onnx")):
        if node.domain in O.QONNX_DOMAINS:
            return [f"operator not supported (QONNX ops: {', '.join(O.QONNX_OPS)})"]
        if op == "Upsample":
            return ["operator not supported (Upsample, opset <= 9; Resize is supported)"]
        return ["operator not supported"]
    if cls is not None and cls.ONNX_TYPE in ("Quant", "Trunc"):
        problems += _qonnx_problems(node, cls.ONNX_TYPE, (versions or {}).get(node.domain, 1))
    if op in _WINDOW_OPS and facts is not None:
        n = _spatial_dims(node, facts)
        if n is not None and n not in (1, 2):
            problems.append(f"{n}-D windows (1-D and 2-D convolution/pooling are supported)")
    if op == "Resize":
        mode = _attr(node, "mode", "nearest")
        if mode not in ("nearest", "linear"):
            problems.append(f"mode '{mode}' (supported: nearest, linear)")
        if _attr(node, "antialias", 0):
            problems.append("antialias=1")
        if _attr(node, "coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize":
            problems.append("coordinate_transformation_mode 'tf_crop_and_resize'")
    if op == "Pad" and _attr(node, "mode", "constant") not in (
        "constant",
        "reflect",
        "edge",
        "wrap",
    ):
        problems.append(f"mode '{_attr(node, 'mode')}' (supported: constant, reflect, edge, wrap)")
    if op in ("QuantizeLinear", "DequantizeLinear"):
        if _attr(node, "block_size", 0):
            problems.append("blocked quantization (block_size > 0)")
        od = _attr(node, "output_dtype", 0)
        if od and od not in _ELEM_TYPES:
            problems.append(f"output_dtype {_type_name(od)}")
        if _attr(node, "precision", 0) not in (0, TensorProto.FLOAT):
            problems.append(f"precision {_type_name(_attr(node, 'precision'))}")
    if op == "MaxPool" and len(node.output) > 1 and node.output[1] in used_outputs:
        problems.append("the Indices output")
    if op == "BatchNormalization":
        if _attr(node, "training_mode", 0):
            problems.append("training_mode=1")
        if any(o in used_outputs for o in node.output[1:]):
            problems.append("running statistics outputs")
    if op == "Dropout" and facts is not None:
        training = facts.const(node, 2)
        ratio = facts.const(node, 1)
        if len(node.input) > 2 and node.input[2] and training is None:
            problems.append("a non-constant training_mode")
        elif training is not None and bool(np.ravel(training)[0]):
            r = 0.5 if ratio is None else float(np.ravel(ratio)[0])
            if len(node.input) > 1 and node.input[1] and ratio is None:
                problems.append("training_mode=1 with a non-constant ratio")
            elif r != 0.0:
                problems.append("training_mode=1 (random dropout)")
    if op == "Constant":
        for a in node.attribute:
            if a.name in ("sparse_value", "value_string", "value_strings"):
                problems.append(f"attribute '{a.name}'")
    if facts is not None:
        problems += _node_type_problems(node, facts)
    return problems


def _node_type_problems(node: onnx.NodeProto, facts: _GraphFacts) -> list[str]:
    """Unsupported element types (or non-tensor types) of a node's inputs and outputs."""
    bad: dict[str, list[str]] = {}
    for name in [*node.input, *node.output]:
        if not name:
            continue
        if name in facts.non_tensor:
            bad.setdefault("non-tensor type (sequence/map/optional)", []).append(name)
        code = facts.types.get(name)
        if code is not None and code not in _ELEM_TYPES:
            bad.setdefault(f"element type {_type_name(code)}", []).append(name)
    return [
        f"{what} ({', '.join(repr(n) for n in dict.fromkeys(names))})"
        for what, names in sorted(bad.items())
    ]


def check_model(model: onnx.ModelProto) -> None:
    """Raise UnsupportedError listing every unsupported node / type in the model.

    Each entry names the node and its op type (`node 'conv1' (Conv): 3-D windows ...`); values
    not attached to any node are named by themselves.
    """
    g = model.graph
    opset = _default_opset(model)
    items: list[str] = []
    if opset < MIN_OPSET or opset > MAX_OPSET:
        items.append(f"opset {opset} (supported: {MIN_OPSET}..{MAX_OPSET})")
    folded = fold_plan(model)
    live = [n for i, n in enumerate(g.node) if i not in folded]
    used = {i for n in live for i in n.input} | {o.name for o in g.output}
    facts = _GraphFacts(g)
    versions = _opset_versions(model)
    for idx, node in enumerate(g.node):
        if idx in folded:
            continue
        if node.op_type == "Constant" and not (set(node.output) & used):
            continue  # only feeds folded nodes: any element type will do
        for p in check_node(node, used, facts, versions):
            items.append(f"node '{node_label(node, idx)}' ({node.op_type}): {p}")
    on_nodes = {n for node in live for n in [*node.input, *node.output]}
    for name in sorted(facts.non_tensor - on_nodes):
        items.append(f"value '{name}': non-tensor type (sequence/map/optional)")
    for name, code in sorted(facts.types.items()):
        if name not in on_nodes and code not in _ELEM_TYPES:
            items.append(f"value '{name}': element type {_type_name(code)}")
    if items:
        raise UnsupportedError(f"{g.name or 'model'}", items)


#: standard ops never evaluated at import: quantization keeps weights typed; the others are
#: random or training-time behaviour (Dropout is an identity in inference, converted as such)
_NO_FOLD = frozenset(
    {
        "QuantizeLinear",
        "DequantizeLinear",
        "DynamicQuantizeLinear",
        "Dropout",
        "RandomNormal",
        "RandomUniform",
        "RandomNormalLike",
        "RandomUniformLike",
        "Multinomial",
        "Bernoulli",
    }
)
#: ops whose result depends only on their input's (static) shape
_SHAPE_OPS = frozenset({"Shape", "Size"})


def _foldable(node: onnx.NodeProto, consts: set[str]) -> bool:
    """Whether the importer evaluates `node` (see `fold_plan`)."""
    if node.domain not in ("", "ai.onnx") or node.op_type in _NO_FOLD | {"Constant"}:
        return False
    if not onnx.defs.has(node.op_type) or any(a.g.node or a.graphs for a in node.attribute):
        return False
    if node.op_type in _SHAPE_OPS:
        return bool(node.input and node.input[0])
    inputs = [i for i in node.input if i]
    return bool(inputs) and all(i in consts for i in inputs)


def fold_plan(model: onnx.ModelProto) -> set[int]:
    """Indices of the nodes evaluated at import: standard nodes whose inputs are all constants
    (initializers, Constant nodes, folded results) and `Shape`/`Size` of any value."""
    g = model.graph
    consts = {i.name for i in g.initializer}
    plan: set[int] = set()
    for idx, node in enumerate(g.node):
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
            consts.update(node.output)
        elif _foldable(node, consts):
            plan.add(idx)
            consts.update(o for o in node.output if o)
    return plan


def _opset_versions(model: onnx.ModelProto) -> dict[str, int]:
    return {imp.domain: int(imp.version) for imp in model.opset_import}


def _default_opset(model: onnx.ModelProto) -> int:
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return int(imp.version)
    return MIN_OPSET


# ---------------------------------------------------------------------------------------------
# the importer


class _Importer:
    def __init__(
        self, model: onnx.ModelProto, input_shapes: dict[str, Sequence[int]] | None, name: str
    ):
        self.model = model
        self.graph = model.graph
        self.opset = _default_opset(model)
        self.input_shapes = {k: list(v) for k, v in (input_shapes or {}).items()}
        self.name = name
        self.values: dict[str, SSAValue] = {}
        self.consts: dict[str, np.ndarray] = {}
        #: constants built only when a non-folded node (or the graph output) uses them
        self.deferred: dict[str, tuple[np.ndarray, Attribute | None]] = {}
        self.folded = fold_plan(model)
        self.versions = _opset_versions(model)
        self.block = Block()
        self._none: SSAValue | None = None

    # -- helpers --------------------------------------------------------------------------------
    def add(self, op):
        self.block.add_op(op)
        return op

    def none(self) -> SSAValue:
        if self._none is None:
            self._none = self.add(O.NoneOp()).output
        return self._none

    def constant(self, array: np.ndarray, hint: str, elem: Attribute | None = None) -> SSAValue:
        arr = np.asarray(array)
        if elem is None:
            if arr.dtype == np.float64:
                arr = arr.astype(np.float32)
            if arr.dtype not in _SUPPORTED_DTYPES:
                raise UnsupportedError(f"constant '{hint}'", [f"element type {arr.dtype}"])
        attr = dense_from_numpy(arr, elem)
        et = attr.get_element_type()
        op = self.add(
            O.ConstantOp.create(
                properties={"value": attr}, result_types=[TensorType(et, list(arr.shape))]
            )
        )
        op.output.name_hint = sanitize(hint)
        return op.output

    def define_const(self, name: str, arr: np.ndarray, elem: Attribute | None = None) -> None:
        """Record a constant value; its IR constant is built now when its element type is
        supported, else on first use (folded subgraphs may compute in float64, strings ...)."""
        self.consts[name] = arr
        if elem is None and arr.dtype not in _SUPPORTED_DTYPES:
            self.deferred[name] = (arr, elem)
        else:
            self.values[name] = self.constant(arr, name, elem)

    def value(self, name: str) -> SSAValue:
        if name == "":
            return self.none()
        if name in self.deferred:
            arr, elem = self.deferred.pop(name)
            self.values[name] = self.constant(arr, name, elem)
        if name not in self.values:
            raise EdgeAIError(
                f"value '{name}' is used before it is defined (graph not topologically sorted?)"
            )
        return self.values[name]

    def const_value(self, name: str) -> np.ndarray | None:
        return self.consts.get(name)

    # -- graph inputs ---------------------------------------------------------------------------
    def input_type(self, vi: onnx.ValueInfoProto) -> TensorType:
        tt = vi.type.tensor_type
        et = elem_type_of(tt.elem_type, f"input '{vi.name}'")
        dims: list[int | str] = []
        for d in tt.shape.dim:
            dims.append(int(d.dim_value) if d.HasField("dim_value") else (d.dim_param or "?"))
        if vi.name in self.input_shapes:
            shape = self.input_shapes[vi.name]
            if len(shape) != len(dims):
                raise EdgeAIError(
                    f"--input-shape {vi.name}: rank {len(shape)} but the model's input has rank {len(dims)}"
                )
            for i, (given, d) in enumerate(zip(shape, dims, strict=True)):
                if isinstance(d, int) and d >= 0 and d != given:
                    raise EdgeAIError(
                        f"--input-shape {vi.name}: dimension {i} is {d} in the model, not {given}"
                    )
            return TensorType(et, shape)
        shape = []
        for i, d in enumerate(dims):
            if isinstance(d, int) and d >= 0:
                shape.append(d)
            elif i == 0:
                shape.append(1)  # symbolic batch dimension
            else:
                raise EdgeAIError(
                    f"input '{vi.name}' has symbolic dimension {i} ('{d}'); fix it with --input-shape {vi.name}=..."
                )
        return TensorType(et, shape)

    # -- nodes ----------------------------------------------------------------------------------
    def run(self) -> ModuleOp:
        g = self.graph
        init_names = {i.name for i in g.initializer}
        for init in g.initializer:
            arr = numpy_helper.to_array(init)
            self.define_const(init.name, arr, _ELEM_TYPES.get(init.data_type))
        graph_inputs = [vi for vi in g.input if vi.name not in init_names]
        unknown = set(self.input_shapes) - {vi.name for vi in graph_inputs}
        if unknown:
            raise EdgeAIError(
                f"--input-shape names unknown input(s) {', '.join(sorted(unknown))}; the model's inputs are "
                + ", ".join(vi.name for vi in graph_inputs)
            )
        arg_types = [self.input_type(vi) for vi in graph_inputs]
        args = [self.block.insert_arg(t, i) for i, t in enumerate(arg_types)]
        for vi, a in zip(graph_inputs, args, strict=True):
            a.name_hint = sanitize(vi.name)
            self.values[vi.name] = a
        for idx, node in enumerate(g.node):
            self.node(node, idx)
        outs = []
        for vi in g.output:
            outs.append(self.value(vi.name))
        self.add(func.ReturnOp(*outs))
        ftype = FunctionType.from_lists(arg_types, [o.type for o in outs])
        arg_attrs = ArrayAttr(
            [DictionaryAttr({"edgeai.name": StringAttr(vi.name)}) for vi in graph_inputs]
        )
        res_attrs = ArrayAttr(
            [DictionaryAttr({"edgeai.name": StringAttr(vi.name)}) for vi in g.output]
        )
        f = func.FuncOp("main", ftype, Region(self.block), arg_attrs=arg_attrs, res_attrs=res_attrs)
        module = ModuleOp([f])
        module.attributes["edgeai.model"] = StringAttr(self.name)
        module.attributes["edgeai.level"] = StringAttr("onnx")
        return module

    def node(self, node: onnx.NodeProto, idx: int) -> None:
        op_type = node.op_type
        label = node_label(node, idx)
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in attrs.items()}
        if op_type == "Constant":
            self.define_const(node.output[0], _constant_value(label, attrs))
            return
        if idx in self.folded:
            self.fold(node, label)
            return
        inputs = list(node.input)
        inputs, attrs, handled = self.upgrade(node, inputs, attrs, label)
        if handled:
            return
        cls = O.op_class(node.domain, op_type)
        assert cls is not None, f"{op_type} passed the legality check"
        n_in = len(cls.INPUTS)
        is_variadic = op_type == "Concat"
        if not is_variadic:
            if len(inputs) > n_in:
                raise UnsupportedError(
                    f"node '{label}' ({op_type})",
                    [f"{len(inputs)} inputs, expected at most {n_in}"],
                )
            inputs = inputs + [""] * (n_in - len(inputs))
        operands = [self.value(i) for i in inputs]
        self.fill_defaults(cls, node, attrs, operands)
        props = {}
        for k, v in attrs.items():
            if k not in cls.ATTRS:
                raise UnsupportedError(f"node '{label}' ({op_type})", [f"unknown attribute '{k}'"])
            if v is None:
                continue
            props[k] = O.attr_from_py(cls.ATTRS[k], v)
        consts = [self.consts.get(i) if i else None for i in inputs]
        shapes = [
            tuple(o.type.get_shape()) if isinstance(o.type, TensorType) else None for o in operands
        ]
        py_attrs = {k: v for k, v in attrs.items() if v is not None}
        outputs = [o for o in node.output]
        if op_type in ("MaxPool", "BatchNormalization", "Dropout"):
            outputs = outputs[:1]
        if op_type == "Split":
            x = shapes[0]
            assert x is not None
            sizes = split_sizes(x, py_attrs, consts, len(outputs))
            if sizes is None or len(sizes) != len(outputs):
                raise UnsupportedError(
                    f"node '{label}' (Split)",
                    ["split sizes must be constant and match the outputs"],
                )
            ax = py_attrs.get("axis", 0) % len(x)
            out_shapes = [tuple(s if i == ax else d for i, d in enumerate(x)) for s in sizes]
        else:
            try:
                out_shapes = cls.RULE(shapes, py_attrs, consts)
            except Exception as e:
                raise EdgeAIError(f"node '{label}' ({op_type}): {e}") from None
            if out_shapes is None:
                missing = [
                    cls.INPUTS[i]
                    for i, c in enumerate(consts)
                    if c is None and i > 0 and shapes[i] is not None
                ]
                raise UnsupportedError(
                    f"node '{label}' ({op_type})",
                    [f"input(s) {', '.join(missing)} must be constant (static shapes only)"],
                )
        elems = self.result_elem_types(op_type, operands, attrs, len(out_shapes))
        result_types = [TensorType(e, list(s)) for e, s in zip(elems, out_shapes, strict=True)]
        op = cls.create(
            operands=operands,
            result_types=result_types,
            properties=props,
            attributes={"layer": StringAttr(label)},
        )
        self.add(op)
        for name, res in zip(outputs, op.results, strict=True):
            if name:
                res.name_hint = sanitize(name)
                self.values[name] = res

    # -- defaults and old opsets ----------------------------------------------------------------
    def fill_defaults(
        self,
        cls: type[O.OnnxOp],
        node: onnx.NodeProto,
        attrs: dict[str, Any],
        operands: list[SSAValue],
    ) -> None:
        op_type = node.op_type
        for k, spec in cls.ATTRS.items():
            if k not in attrs and spec.default is not None:
                attrs[k] = spec.default
        if op_type in (
            "Conv",
            "ConvTranspose",
            "ConvInteger",
            "QLinearConv",
            "MaxPool",
            "AveragePool",
        ):
            x = operands[0].type
            assert isinstance(x, TensorType)
            n = len(x.get_shape()) - 2
            if op_type in ("MaxPool", "AveragePool"):
                if "kernel_shape" not in attrs:
                    raise UnsupportedError(
                        f"node '{node.name or op_type}' ({op_type})", ["missing kernel_shape"]
                    )
            else:
                w = operands[3 if op_type == "QLinearConv" else 1].type
                assert isinstance(w, TensorType)
                attrs.setdefault("kernel_shape", list(w.get_shape()[2:]))
            attrs.setdefault("strides", [1] * n)
            attrs.setdefault("dilations", [1] * n)
            attrs.setdefault("pads", [0] * (2 * n))
            if op_type == "ConvTranspose":
                attrs.setdefault("output_padding", [0] * n)
        if op_type == "Transpose" and "perm" not in attrs:
            rank = len(operands[0].type.get_shape())  # type: ignore[union-attr]
            attrs["perm"] = list(reversed(range(rank)))

    def fold(self, node: onnx.NodeProto, label: str) -> None:
        """Evaluate a node of the fold plan with `onnx.reference` (the model's opsets); its
        outputs become constants. `Shape`/`Size` see a zero-stride array of the static shape."""
        from onnx.reference import ReferenceEvaluator

        feeds: dict[str, np.ndarray] = {}
        for name in dict.fromkeys(i for i in node.input if i):
            if name in self.consts:
                feeds[name] = self.consts[name]
            else:  # Shape/Size of a value: only its shape matters
                t = self.value(name).type
                assert isinstance(t, TensorType)
                dtype = storage_dtype(t.element_type)
                feeds[name] = np.broadcast_to(np.zeros((), dtype), tuple(t.get_shape()))
        graph = onnx.helper.make_graph(
            [node],
            "fold",
            [onnx.helper.make_tensor_value_info(n, TensorProto.UNDEFINED, None) for n in feeds],
            [onnx.helper.make_empty_tensor_value_info(o) for o in node.output if o],
        )
        proto = onnx.helper.make_model(graph, opset_imports=list(self.model.opset_import))
        try:
            results = ReferenceEvaluator(proto).run(None, feeds)
        except Exception as e:
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise EdgeAIError(
                f"node '{label}' ({node.op_type}): folding at import failed: {msg}"
            ) from None
        for name, arr in zip([o for o in node.output if o], results, strict=True):
            self.define_const(name, np.asarray(arr))

    def upgrade(self, node: onnx.NodeProto, inputs: list[str], attrs: dict[str, Any], label: str):
        """Rewrite older operator forms into the newest one. Returns (inputs, attrs, handled)."""
        op = node.op_type
        if op == "Slice" and self.opset < 10:  # Slice-1: starts/ends/axes attributes
            moved_inputs = [inputs[0]]
            for name in ("starts", "ends", "axes"):
                if name in attrs:
                    vals = np.asarray(attrs.pop(name), dtype=np.int64)
                    moved_inputs.append(self.attr_constant(f"{label}_{name}", vals))
            return moved_inputs, attrs, False
        if op == "Trunc":  # qonnx: version 1 (no output_scale) unless the domain says >= 2
            version = 1 if self.versions.get(node.domain, 1) < 2 else 2
            attrs["version"] = version
            if version == 1:
                inputs = [*inputs[:4], "", *inputs[4:]]
            return inputs, attrs, False
        # attribute-to-input moves
        moved = {
            "Squeeze": ("axes", 1, 13),
            "Unsqueeze": ("axes", 1, 13),
            "ReduceSum": ("axes", 1, 13),
            "ReduceMean": ("axes", 1, 18),
            "ReduceMax": ("axes", 1, 18),
            "Split": ("split", 1, 13),
        }
        if op in moved:
            name, pos, since = moved[op]
            if name in attrs:
                vals = attrs.pop(name)
                const_name = f"{label}_{name}"
                self.consts[const_name] = np.asarray(vals, dtype=np.int64)
                self.values[const_name] = self.constant(self.consts[const_name], const_name)
                inputs = (
                    inputs[:pos] + [""] * (pos - len(inputs)) + [const_name] + inputs[pos + 1 :]
                )
        if op == "Dropout":
            attrs.pop("ratio", None)
            attrs.pop("is_test", None)
            if len(node.output) > 1 and node.output[1]:
                x = self.value(inputs[0]).type
                assert isinstance(x, TensorType)
                mask = np.ones(tuple(x.get_shape()), dtype=np.bool_)
                self.consts[node.output[1]] = mask
                self.values[node.output[1]] = self.constant(mask, node.output[1])
        if op == "Clip" and ("min" in attrs or "max" in attrs):  # Clip-6: bounds as attributes
            bounds = [attrs.pop("min", None), attrs.pop("max", None)]
            inputs = inputs[:1]
            for name, v in zip(("min", "max"), bounds, strict=True):
                inputs.append(
                    self.attr_constant(f"{label}_{name}", np.array(v, np.float32))
                    if v is not None
                    else ""
                )
        if op == "Pad" and "pads" in attrs:  # Pad-2: pads and value as attributes
            pads = np.asarray(attrs.pop("pads"), dtype=np.int64)
            value = np.array(attrs.pop("value", 0.0), dtype=np.float32)
            inputs = [
                inputs[0],
                self.attr_constant(f"{label}_pads", pads),
                self.attr_constant(f"{label}_value", value),
            ]
        if op == "Resize" and self.opset < 11:  # Resize-10: (X, scales), asymmetric + floor
            inputs = [inputs[0], "", inputs[1]]
            attrs["coordinate_transformation_mode"] = "asymmetric"
            attrs["nearest_mode"] = "floor"
        if op in ("Softmax", "LogSoftmax") and self.opset < 13:
            x = self.value(inputs[0]).type
            assert isinstance(x, TensorType)
            shape = list(x.get_shape())
            axis = attrs.get("axis", 1)
            axis = axis + len(shape) if axis < 0 else axis
            if axis == len(shape) - 1:
                attrs["axis"] = -1
                return inputs, attrs, False
            self.coerced_softmax(node, inputs[0], shape, axis, label)
            return inputs, attrs, True
        return inputs, attrs, False

    def attr_constant(self, name: str, value: np.ndarray) -> str:
        """Register an attribute value moved to an input as a constant; returns its name."""
        self.consts[name] = value
        self.values[name] = self.constant(value, name)
        return name

    def coerced_softmax(
        self, node: onnx.NodeProto, x_name: str, shape: list[int], axis: int, label: str
    ) -> None:
        """opset<13 (Log)Softmax: flatten to 2-D at `axis`, normalize rows, restore shape."""
        x = self.value(x_name)
        rows, cols = int(np.prod(shape[:axis])), int(np.prod(shape[axis:]))
        et = x.type.element_type  # type: ignore[union-attr]
        s1 = self.constant(np.array([rows, cols], np.int64), f"{label}_shape2d")
        r1 = self.add(
            O.ReshapeOp.create(
                operands=[x, s1],
                result_types=[TensorType(et, [rows, cols])],
                properties={"allowzero": O.attr_from_py(O.AttrSpec("i"), 0)},
                attributes={"layer": StringAttr(f"{label}_flatten")},
            )
        )
        cls = O.ONNX_OPS[node.op_type]
        sm = self.add(
            cls.create(
                operands=[r1.results[0]],
                result_types=[TensorType(et, [rows, cols])],
                properties={"axis": O.attr_from_py(O.AttrSpec("i"), -1)},
                attributes={"layer": StringAttr(label)},
            )
        )
        s2 = self.constant(np.array(shape, np.int64), f"{label}_shape")
        r2 = self.add(
            O.ReshapeOp.create(
                operands=[sm.results[0], s2],
                result_types=[TensorType(et, shape)],
                properties={"allowzero": O.attr_from_py(O.AttrSpec("i"), 0)},
                attributes={"layer": StringAttr(f"{label}_restore")},
            )
        )
        r2.results[0].name_hint = sanitize(node.output[0])
        self.values[node.output[0]] = r2.results[0]

    def result_elem_types(
        self, op_type: str, operands: list[SSAValue], attrs: dict[str, Any], n: int
    ) -> list[Attribute]:
        def et(i: int) -> Attribute:
            t = operands[i].type
            return t.element_type if isinstance(t, TensorType) else f32

        if op_type == "QuantizeLinear":
            if not isinstance(operands[2].type, NoneType):
                return [et(2)]
            od = attrs.get("output_dtype", 0)
            return [_ELEM_TYPES[od] if od else IntegerType(8, Signedness.UNSIGNED)]
        if op_type == "DequantizeLinear":
            return [et(1)]
        if op_type in ("QLinearConv", "QLinearMatMul"):
            return [et(7)]
        if op_type in ("ConvInteger", "MatMulInteger"):
            return [IntegerType(32)]
        return [et(0)] * n


def _constant_value(label: str, attrs: dict[str, Any]) -> np.ndarray:
    """The value of a Constant node (any of its `value*` attribute forms)."""
    if "value" in attrs:
        return numpy_helper.to_array(attrs["value"])
    if "value_float" in attrs:
        return np.array(attrs["value_float"], dtype=np.float32)
    if "value_floats" in attrs:
        return np.array(attrs["value_floats"], dtype=np.float32)
    if "value_int" in attrs:
        return np.array(attrs["value_int"], dtype=np.int64)
    if "value_ints" in attrs:
        return np.array(attrs["value_ints"], dtype=np.int64)
    raise UnsupportedError(f"node '{label}' (Constant)", ["no supported value attribute"])


def load_model(path: str | os.PathLike) -> onnx.ModelProto:
    """Read an ONNX file, with one-line errors for missing or corrupt files."""
    p = os.fspath(path)
    if not os.path.exists(p):
        raise EdgeAIError(f"{p}: no such file")
    try:
        return onnx.load(p)
    except Exception as e:  # protobuf decode errors have multi-line messages
        raise EdgeAIError(
            f"{p}: not a valid ONNX model ({str(e).splitlines()[0] if str(e) else type(e).__name__})"
        ) from None


def import_onnx(
    model: str | os.PathLike | onnx.ModelProto,
    input_shapes: dict[str, Sequence[int]] | None = None,
    name: str | None = None,
) -> ModuleOp:
    """Import an ONNX model (path or ModelProto) into a verified level-0 module."""
    if isinstance(model, onnx.ModelProto):
        proto, label = model, name or model.graph.name or "model"
    else:
        proto = load_model(model)
        label = name or os.path.splitext(os.path.basename(os.fspath(model)))[0]
    check_model(proto)
    module = _Importer(proto, input_shapes, label).run()
    try:
        module.verify()
    except Exception as e:
        raise EdgeAIError(
            f"{label}: imported IR does not verify: {str(e).splitlines()[0]}"
        ) from None
    return module


__all__ = ["import_onnx", "load_model", "check_model", "storage_dtype"]
