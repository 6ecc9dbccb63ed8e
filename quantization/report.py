"""Per-layer error of a quantized program against its float original.

For every layer (an op carrying the model's node name in `layer`) that produces a float tensor in
the original, the quantized program's op of the same layer is found, its output dequantized, and
both are compared on the evaluation samples: SQNR (dB), RMSE, max |error|, cosine similarity,
plus the output range. The error is cumulative (a layer inherits its inputs' error), which is
what a user sees at that point of the network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
from xdsl.dialects.builtin import Float32Type, ModuleOp, StringAttr, TensorType
from xdsl.ir import Operation

from edgeai.dialects.nn_types import BinaryType, QuantType
from edgeai.quantization.calibrate import samples
from edgeai.reference.interpreter import find_main, run_function
from edgeai.reference.nn_ops import dequant


@dataclass
class LayerError:
    layer: str
    op: str
    type: str
    sqnr_db: float
    rmse: float
    max_abs: float
    cosine: float
    float_range: tuple[float, float]

    def as_dict(self) -> dict:
        d = asdict(self)
        d["float_range"] = list(self.float_range)
        return d


def _layer_outputs(
    module: ModuleOp, args: list[np.ndarray], want_float_only: bool
) -> dict[str, tuple[Operation, np.ndarray]]:
    """Last op of each layer and its first result value (dequantized to real numbers)."""
    f = find_main(module)
    out: dict[str, tuple[Operation, np.ndarray]] = {}

    def trace(op: Operation, results: list) -> None:
        layer = op.attributes.get("layer")
        if not isinstance(layer, StringAttr) or not op.results:
            return
        r = op.results[0]
        if not isinstance(r.type, TensorType):
            return
        et = r.type.element_type
        if isinstance(et, Float32Type):
            out[layer.data] = (op, np.asarray(results[0], dtype=np.float64))
        elif not want_float_only and isinstance(et, QuantType | BinaryType):
            out[layer.data] = (op, dequant(results[0], et).astype(np.float64))

    run_function(f, args, trace)
    return out


def _metrics(ref: np.ndarray, got: np.ndarray) -> tuple[float, float, float, float]:
    err = got - ref
    p_sig, p_err = float(np.sum(ref * ref)), float(np.sum(err * err))
    sqnr = math.inf if p_err == 0 else (10 * math.log10(p_sig / p_err) if p_sig > 0 else -math.inf)
    rmse = float(np.sqrt(np.mean(err * err))) if err.size else 0.0
    max_abs = float(np.max(np.abs(err))) if err.size else 0.0
    denom = float(np.linalg.norm(ref) * np.linalg.norm(got))
    cos = (
        float(np.dot(ref.ravel(), got.ravel()) / denom)
        if denom > 0
        else (1.0 if p_err == 0 else 0.0)
    )
    return sqnr, rmse, max_abs, cos


def layer_errors(
    float_module: ModuleOp, quant_module: ModuleOp, data: Mapping[str, np.ndarray], limit: int = 32
) -> list[LayerError]:
    """Error of each layer of `quant_module` against `float_module` on up to `limit` samples."""
    refs: dict[str, list[np.ndarray]] = {}
    gots: dict[str, list[np.ndarray]] = {}
    ops: dict[str, Operation] = {}
    order: list[str] = []
    qargs = list(samples(quant_module, _quantized_inputs(quant_module, data), limit))
    for i, args in enumerate(samples(float_module, data, limit)):
        fl = _layer_outputs(float_module, args, True)
        qu = _layer_outputs(quant_module, qargs[i], False)
        for name, (_, ref) in fl.items():
            if name not in qu or qu[name][1].shape != ref.shape:
                continue
            if name not in refs:
                order.append(name)
                refs[name], gots[name] = [], []
            refs[name].append(ref)
            gots[name].append(qu[name][1])
            ops[name] = qu[name][0]
    result = []
    for name in order:
        ref, got = (
            np.concatenate([r.ravel() for r in refs[name]]),
            np.concatenate([g.ravel() for g in gots[name]]),
        )
        sqnr, rmse, max_abs, cos = _metrics(ref, got)
        op = ops[name]
        et = op.results[0].type.element_type  # type: ignore[union-attr]
        result.append(
            LayerError(
                name,
                op.name,
                str(et),
                sqnr,
                rmse,
                max_abs,
                cos,
                (float(ref.min()), float(ref.max())),
            )
        )
    return result


def _quantized_inputs(module: ModuleOp, data: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Float sample arrays converted to the storage of quantized arguments (integer I/O)."""
    from edgeai.reference.interpreter import io_names
    from edgeai.reference.nn_ops import quant

    f = find_main(module)
    names, _ = io_names(f)
    out = dict(data)
    for name, t in zip(names, f.function_type.inputs.data, strict=True):
        et = t.element_type  # type: ignore[union-attr]
        key = name if name in out else ("" if "" in out else None)
        if (
            key is not None
            and isinstance(et, QuantType | BinaryType)
            and np.asarray(out[key]).dtype.kind == "f"
        ):
            out[key] = quant(np.asarray(out[key], dtype=np.float32), et)
    return out


def format_table(errors: list[LayerError]) -> str:
    lines = [
        f"{'layer':24} {'op':22} {'SQNR dB':>8} {'RMSE':>10} {'max|err|':>10} {'cos':>8}  type"
    ]
    for e in errors:
        sq = "inf" if math.isinf(e.sqnr_db) and e.sqnr_db > 0 else f"{e.sqnr_db:8.2f}"
        lines.append(
            f"{e.layer[:24]:24} {e.op[:22]:22} {sq:>8} {e.rmse:10.4g} {e.max_abs:10.4g} {e.cosine:8.5f}  {e.type}"
        )
    return "\n".join(lines)
