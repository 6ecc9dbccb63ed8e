"""`nn-fold-qdq`: fold ONNX QDQ groups (dequantize -> float op -> quantize) into integer `nn` ops."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriteWalker

from edgeai.support.errors import EdgeAIError
from edgeai.transforms.qdq.common import ROUNDINGS
from edgeai.transforms.qdq.compute import FoldQuantizedGroup, not_folded
from edgeai.transforms.qdq.movement import FoldQuantizeDequantize, HoistDequantize


@dataclass(frozen=True)
class NnFoldQdqPass(ModulePass):
    """Fold QDQ groups (`quantize(op(dequantize(x), ...))`) into integer `nn` ops.

    Input: `nn` functions as `convert-onnx-to-nn,nn-optimize` leave an ONNX QDQ model: float ops
    between `nn.dequantize` of quantized values (activations, constant weights and int32 biases)
    and `nn.quantize` (fused activations already in `act`).
    Output:
    * data-movement ops (reshape, transpose, slice, gather, split, pad with a value of the
      quantized type, resize nearest, concat of one type) move above `nn.dequantize`;
      `quantize(dequantize(x))` becomes `x` (same type) or `nn.requantize` (other per-tensor type);
    * conv2d / depthwise_conv2d / conv2d_transpose / dense whose input is a dequantized per-tensor
      value, weight a dequantized value quantized per tensor or along the output-channel axis,
      bias absent or a dequantized constant (also `add(op, dequantize(bias))` after a bias-less
      op, as tf2onnx emits MatMul + Add), and whose only user is a per-tensor `nn.quantize`:
      the same op on the quantized operands with the quantize's result type and a
      `!nn.q<i32, s_x*s_w[c]:0>` bias (kept when its recorded scale is s_x*s_w up to float32
      rounding, requantized when exact, else not folded; an all-zero bias is dropped);
      matmul of two dequantized per-tensor values likewise;
    * add / sub / mul, relu / clamp / leaky_relu / sigmoid / tanh / hard_swish / softmax,
      max_pool2d / avg_pool2d / reduce_mean, concat and resize with dequantized per-tensor
      operands and a quantized result, the same way.
    Every folded op gets `rounding` = the `rounding` option: `tflite` (default; only where the
    reference runs TFLite Micro's integer kernel, so results are TFLM's bit for bit) or `onnx`
    (ONNX's float rescale, round half to even, as onnxruntime). Groups that do not match stay
    float with their dequantize/quantize (mixed precision), as does every group whose quantize
    rounds with a QONNX mode or saturates to the narrow range; `remarks=true` prints one line per
    such op with the reason to stderr (also `NnFoldQdqPass.not_folded`).
    Invariants kept: function signatures (boundary `nn.storage_cast`s), the results of every op
    that is not folded, `layer` attributes; constants and dequantizes left unused are erased.
    Without `nn.quantize`/`nn.dequantize` (float models) the pass changes nothing.
    """

    name = "nn-fold-qdq"

    rounding: str = "tflite"
    remarks: bool = False

    def rewrite(self, module: ModuleOp) -> bool:
        """Fold to a fixpoint; True when the module changed."""
        if self.rounding not in ROUNDINGS:
            raise EdgeAIError(
                f"nn-fold-qdq: rounding must be one of {', '.join(ROUNDINGS)}, got '{self.rounding}'"
            )
        patterns = GreedyRewritePatternApplier(
            [
                HoistDequantize(),
                FoldQuantizeDequantize(self.rounding),
                FoldQuantizedGroup(self.rounding),
            ],
            dce_enabled=False,
        )
        changed = PatternRewriteWalker(patterns).rewrite_module(module)
        if self.remarks:
            for op, why in self.not_folded(module):
                layer = op.attributes.get("layer")
                where = f" {layer}" if layer is not None else ""
                print(f"remark: nn-fold-qdq: {op.name}{where} stays float: {why}", file=sys.stderr)
        return changed

    def not_folded(self, module: ModuleOp) -> list[tuple[Operation, str]]:
        """The ops of QDQ groups that stay float, each with the reason."""
        return not_folded(list(module.walk()), self.rounding)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.rewrite(op)
