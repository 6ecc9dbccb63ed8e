"""Post-training quantization: calibrate, insert quantize/dequantize, fold to integer ops, report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from edgeai.quantization.calibrate import calibrate
from edgeai.quantization.config import QuantConfig
from edgeai.quantization.insert_qdq import insert_qdq
from edgeai.quantization.report import LayerError, layer_errors
from edgeai.support.context import run_pipeline
from edgeai.support.universe import PASSES

#: the pipeline that turns the fake-quantized program into integer ops
FOLD_PIPELINE = "nn-fold-qdq{rounding=tflite},nn-optimize"


@dataclass
class QuantReport:
    """What the quantizer did and the error it introduced."""

    config: QuantConfig
    calibration_samples: int
    weights: dict[str, str]
    skipped: list[str]
    layers: list[LayerError] = field(default_factory=list)
    float_ops_left: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "method": self.config.method,
            "activation_bits": self.config.activation_bits,
            "weight_bits": self.config.weight_bits,
            "io": self.config.io,
            "calibration_samples": self.calibration_samples,
            "weights": self.weights,
            "skipped_layers": self.skipped,
            "float_ops_left": self.float_ops_left,
            "layers": [e.as_dict() for e in self.layers],
        }


def quantize(
    module: ModuleOp,
    calib: Mapping[str, np.ndarray],
    config: QuantConfig | None = None,
    *,
    fold: bool = True,
    report: bool = True,
    progress: bool = False,
) -> tuple[ModuleOp, QuantReport]:
    """Quantize a float program (any level `edgeai.lower` reaches `nn` from) and return the
    quantized `nn` program (a new module) with its report."""
    import edgeai

    config = config or QuantConfig()
    float_module = edgeai.lower(module.clone(), to="nn")
    stats = calibrate(float_module, calib, config, progress=progress)
    quantized = float_module.clone()
    # map statistics onto the clone's values (same op order)
    stats_q = _transfer(float_module, quantized, stats)
    info = insert_qdq(quantized, stats_q, config)
    if fold and "nn-fold-qdq" in PASSES:
        run_pipeline(quantized, FOLD_PIPELINE)
    n = next(iter(calib.values())).shape[0] if calib else 0
    rep = QuantReport(config, int(n), info.weight_types, info.skipped)
    rep.float_ops_left = sorted({op.name for op in quantized.walk() if _is_float_compute(op)})
    if report:
        rep.layers = layer_errors(float_module, quantized, calib)
    return quantized, rep


def _transfer(src: ModuleOp, dst: ModuleOp, values: dict) -> dict:
    """Re-key a per-value dict from `src` onto the structurally identical `dst`."""
    src_vals = [
        v
        for op in src.walk()
        for v in (*op.results, *[a for r in op.regions for b in r.blocks for a in b.args])
    ]
    dst_vals = [
        v
        for op in dst.walk()
        for v in (*op.results, *[a for r in op.regions for b in r.blocks for a in b.args])
    ]
    index = {v: i for i, v in enumerate(src_vals)}
    return {dst_vals[index[v]]: x for v, x in values.items() if v in index}


def _is_float_compute(op) -> bool:
    """An `nn` op that still computes in float (not constants, conversions or data movement)."""
    from xdsl.dialects.builtin import Float32Type, TensorType

    from edgeai.dialects import nn

    skip = (
        nn.ConstantOp,
        nn.QuantizeOp,
        nn.DequantizeOp,
        nn.StorageCastOp,
        nn.ReshapeOp,
        nn.TransposeOp,
    )
    if not op.name.startswith("nn.") or isinstance(op, skip):
        return False
    return any(
        isinstance(r.type, TensorType) and isinstance(r.type.element_type, Float32Type)
        for r in op.results
    )
