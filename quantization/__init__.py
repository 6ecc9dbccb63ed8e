"""Post-training quantization (PTQ) of `nn` programs.

    calib = {"image": samples}                 # one array per input, leading sample axis
    qmodule, report = quantize(module, calib, QuantConfig(method="mse"))

Pipeline: calibrate activation ranges on the float program (observers.py, calibrate.py) →
insert quantize/dequantize pairs with the chosen parameters and quantized weights/biases
(insert_qdq.py) → fold them into integer `nn` ops (`nn-fold-qdq`) → measure the error each layer
introduced (report.py). The same fold serves ONNX QDQ models, so imported and PTQ-quantized
models meet in the same integer `nn` program.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edgeai.quantization.config import QuantConfig

__all__ = ["quantize", "QuantConfig", "load_calibration"]


def __getattr__(name: str) -> Any:
    if name == "QuantConfig":
        from edgeai.quantization.config import QuantConfig

        return QuantConfig
    if name == "quantize":
        from edgeai.quantization.ptq import quantize

        return quantize
    if name == "load_calibration":
        from edgeai.quantization.calibrate import load_calibration

        return load_calibration
    raise AttributeError(name)
