"""`nn-quantize`: post-training quantization as a pipeline step."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from edgeai.support.errors import EdgeAIError


@dataclass(frozen=True)
class NnQuantizePass(ModulePass):
    """Quantize a float `nn` program with calibration data (post-training quantization).

    Input: a float `nn` program (or `onnx`: it is lowered first); options `calib` (path of a
    `.npz` with one array per input, leading sample axis), `method` (minmax | percentile | mse |
    kl), `percentile`, `activation-bits` (8 | 16), `weight-bits`, `config` (JSON file with
    per-layer overrides, see `edgeai.quantization.config`), `io` (float | int).
    Output: the integer `nn` program: per-channel symmetric int8 weights, asymmetric int8 (or
    symmetric int16) activations, int32 biases, TFLite rounding; layers the config skips, and ops
    without integer semantics, stay float between dequantize/quantize.
    Invariants kept: function names, argument/result names and shapes (element types change to
    quantized ones with `io=int`).

        edgeai-opt m.mlir -p 'nn-quantize{calib="calib.npz" method="mse"}'
    """

    name = "nn-quantize"

    calib: str = ""
    method: str = "minmax"
    percentile: float = 99.99
    activation_bits: int = 8
    weight_bits: int = 8
    config: str = ""
    io: str = "float"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from edgeai.quantization.calibrate import load_calibration
        from edgeai.quantization.config import QuantConfig
        from edgeai.quantization.ptq import quantize

        if not self.calib:
            raise EdgeAIError('nn-quantize needs calibration data: nn-quantize{calib="data.npz"}')
        if self.config:
            base = QuantConfig.load(self.config)
            cfg = QuantConfig(
                **{
                    **base.__dict__,
                    "method": self.method,
                    "percentile": self.percentile,
                    "activation_bits": self.activation_bits,
                    "weight_bits": self.weight_bits,
                    "io": self.io,
                }
            )
        else:
            cfg = QuantConfig(
                method=self.method,
                percentile=self.percentile,
                activation_bits=self.activation_bits,
                weight_bits=self.weight_bits,
                io=self.io,
            )
        quantized, _ = quantize(op, load_calibration(self.calib), cfg, report=False)
        # move the quantized module's contents into `op`
        for old in list(op.body.block.ops):
            old.detach()
            old.erase(safe_erase=False)
        for new in list(quantized.body.block.ops):
            new.detach()
            op.body.block.add_op(new)
        op.attributes.update(quantized.attributes)
