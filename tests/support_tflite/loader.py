"""A small ``.tflite`` reader on top of the ``tflite`` PyPI package (pure-Python flatbuffers).

Only what the reference-kernel tests need: tensors (dtype, shape, quantization, constant data),
operators of the first subgraph (builtin opcode name, inputs, outputs, builtin options as a dict)
and the graph inputs/outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

try:
    import tflite
    from tflite.BuiltinOperator import BuiltinOperator
    from tflite.BuiltinOptions import BuiltinOptions
    from tflite.TensorType import TensorType
except ImportError as exc:  # pragma: no cover - exercised only without the package
    raise ImportError(
        "the reference-kernel tests read .tflite files with the `tflite` package: "
        "pip install tflite==2.18.0"
    ) from exc

_OPCODE_NAMES = {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}
_OPTIONS_NAMES = {v: k for k, v in vars(BuiltinOptions).items() if not k.startswith("_")}
_TENSOR_DTYPES = {
    TensorType.FLOAT32: np.dtype(np.float32),
    TensorType.INT32: np.dtype(np.int32),
    TensorType.UINT8: np.dtype(np.uint8),
    TensorType.INT64: np.dtype(np.int64),
    TensorType.INT16: np.dtype(np.int16),
    TensorType.INT8: np.dtype(np.int8),
    TensorType.BOOL: np.dtype(np.bool_),
}
_ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6"}
_PADDINGS = {0: "SAME", 1: "VALID"}


@dataclass
class TensorInfo:
    """One tensor of the subgraph; ``data`` is set for constants (weights, biases, shapes)."""

    index: int
    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    scale: np.ndarray  # float32, empty when not quantized
    zero_point: np.ndarray  # int64, empty when not quantized
    quantized_dimension: int
    data: np.ndarray | None

    @property
    def scalar_scale(self) -> float:
        """The per-tensor scale (first entry)."""
        return float(self.scale[0])

    @property
    def scalar_zero_point(self) -> int:
        """The per-tensor zero point (0 when absent)."""
        return int(self.zero_point[0]) if self.zero_point.size else 0


@dataclass
class OperatorInfo:
    """One operator: builtin opcode name, tensor indices (-1 = absent) and builtin options."""

    index: int
    opcode: str
    inputs: list[int]
    outputs: list[int]
    options: dict[str, object] = field(default_factory=dict)


@dataclass
class TfliteModel:
    """The first subgraph of a ``.tflite`` model."""

    path: Path
    tensors: list[TensorInfo]
    operators: list[OperatorInfo]
    inputs: list[int]
    outputs: list[int]


def _read_options(op: tflite.Operator) -> dict[str, object]:
    kind = op.BuiltinOptionsType()
    if kind == 0:
        return {}
    name = _OPTIONS_NAMES.get(kind)
    cls = getattr(tflite, name, None) if name else None
    table = op.BuiltinOptions()
    if cls is None or table is None:
        return {}
    opts = cls()
    opts.Init(table.Bytes, table.Pos)
    out: dict[str, object] = {}
    for attr in dir(cls):
        if not attr[:1].isupper() or attr in ("Init",) or attr.startswith("GetRootAs"):
            continue
        if attr.endswith(("BufferHasIdentifier", "IsNone", "Length")):
            continue
        if attr.endswith("AsNumpy"):
            out[attr[: -len("AsNumpy")]] = getattr(opts, attr)()
            continue
        fn = getattr(opts, attr)
        try:
            value = fn()
        except TypeError:  # vector element getters take an index; the AsNumpy form covers them
            continue
        out.setdefault(attr, value)
    if "FusedActivationFunction" in out:
        out["FusedActivationFunction"] = _ACTIVATIONS.get(
            int(out["FusedActivationFunction"]), str(out["FusedActivationFunction"])
        )
    if "Padding" in out:
        out["Padding"] = _PADDINGS[int(out["Padding"])]
    return out


def load_tflite(path: str | Path) -> TfliteModel:
    """Parse ``path`` (first subgraph only)."""
    path = Path(path)
    buf = path.read_bytes()
    model = tflite.Model.GetRootAsModel(buf, 0)
    sg = model.Subgraphs(0)
    tensors: list[TensorInfo] = []
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        dtype = _TENSOR_DTYPES.get(t.Type())
        if dtype is None:
            raise NotImplementedError(f"{path.name}: tensor type {t.Type()} not supported")
        shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        q = t.Quantization()
        scale = np.zeros(0, np.float32)
        zp = np.zeros(0, np.int64)
        qdim = 0
        if q is not None:
            if q.ScaleLength():
                scale = q.ScaleAsNumpy().astype(np.float32)
            if q.ZeroPointLength():
                zp = q.ZeroPointAsNumpy().astype(np.int64)
            qdim = int(q.QuantizedDimension())
        data = None
        b = model.Buffers(t.Buffer())
        if b is not None and b.DataLength():
            raw = b.DataAsNumpy().tobytes()
            data = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        name = (t.Name() or b"").decode(errors="replace")
        tensors.append(TensorInfo(i, name, dtype, shape, scale, zp, qdim, data))
    operators: list[OperatorInfo] = []
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        oc = model.OperatorCodes(op.OpcodeIndex())
        code = max(int(oc.BuiltinCode()), int(oc.DeprecatedBuiltinCode()))
        operators.append(
            OperatorInfo(
                i,
                _OPCODE_NAMES.get(code, f"OP_{code}"),
                [int(v) for v in op.InputsAsNumpy()] if op.InputsLength() else [],
                [int(v) for v in op.OutputsAsNumpy()] if op.OutputsLength() else [],
                _read_options(op),
            )
        )
    inputs = [int(v) for v in sg.InputsAsNumpy()] if sg.InputsLength() else []
    outputs = [int(v) for v in sg.OutputsAsNumpy()] if sg.OutputsLength() else []
    return TfliteModel(path, tensors, operators, inputs, outputs)


def shared_models_dir(tests_dir: str | Path) -> Path:
    """The shared model folder (see `edgeai.support.paths`); raises a clear error (tests must
    fail, not skip) when it is absent. `tests_dir` is kept for the callers' convenience."""
    from edgeai.support.paths import shared_models_dir as find

    return find()
