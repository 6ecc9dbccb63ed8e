"""Insert quantize/dequantize pairs and quantized weights into a float `nn` program.

After this step the program is "fake-quantized": every float activation `v` of a quantized layer
is replaced by `dequantize(quantize(v))` with its calibrated type, weights by
`dequantize(constant : !nn.q<i8:axis, {...}>)` (symmetric, narrow range, per output channel) or
`!nn.bin<:axis, {alpha}>` for binary layers, biases by `dequantize(constant : !nn.q<i32:0,
{s_x*s_w}>)`. It still runs in float and shows exactly the rounding a quantized kernel will do;
`nn-fold-qdq` then turns each `dequantize -> op -> quantize` into the integer op.

Output quantization per op kind (TFLite's conventions, so that TFLite kernels apply):
* softmax / sigmoid: int8 1/256 : -128 (int16: 1/32768 : 0); tanh: 1/128 : 0 (int16 1/32768 : 0);
* max/avg pooling, reshape, transpose, slice, gather, split, pad, resize, reduce_max: the input's
  parameters (these kernels require equal input and output quantization);
* everything else: the calibrated range (asymmetric int8 with TFLite zero-point nudging, int16
  symmetric with zero point 0, or b-bit asymmetric for low-bit layers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import Float32Type, FunctionType, ModuleOp, StringAttr, TensorType, f32
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from edgeai.dialects import nn
from edgeai.dialects.nn_types import BinaryType, QuantType
from edgeai.quantization.calibrate import choose_range
from edgeai.quantization.config import QuantConfig
from edgeai.quantization.observers import TensorStats, quant_grid
from edgeai.reference.interpreter import find_main
from edgeai.support.errors import EdgeAIError

_FIXED = {
    nn.SoftmaxOp: {8: (1.0 / 256, -128), 16: (1.0 / 32768, 0)},
    nn.SigmoidOp: {8: (1.0 / 256, -128), 16: (1.0 / 32768, 0)},
    nn.TanhOp: {8: (1.0 / 128, 0), 16: (1.0 / 32768, 0)},
}
_PASS_THROUGH = tuple(c for c in nn.ELEMENT_MOVING_OPS if c is not nn.ConcatOp) + (
    nn.MaxPool2dOp,
    nn.AvgPool2dOp,
    nn.ReduceMaxOp,
)
_WEIGHTED = (nn.Conv2dOp, nn.DepthwiseConv2dOp, nn.Conv2dTransposeOp, nn.DenseOp)
_WEIGHT_AXIS = {nn.Conv2dOp: 0, nn.DepthwiseConv2dOp: 3, nn.Conv2dTransposeOp: 0, nn.DenseOp: 0}
_ROUNDING = StringAttr("tflite")


@dataclass
class InsertInfo:
    """What the insertion did, for the report."""

    quantized_values: dict[SSAValue, Attribute]  # float value -> its quantized type
    weight_types: dict[str, str]  # layer -> "int8 per-channel", "binary", ...
    skipped: list[str]


def _is_f32(v: SSAValue) -> bool:
    return isinstance(v.type, TensorType) and isinstance(v.type.element_type, Float32Type)


def activation_type(st: TensorStats, config: QuantConfig, bits: int) -> QuantType:
    """Quantized type of an activation from its statistics."""
    if bits == 16:
        lo, hi = choose_range(st, config, -32767, 32767)
        m = max(abs(lo), abs(hi))
        scale = float(np.float32(m / 32767)) if m > 0 else 1.0
        return QuantType.get(16, True, scale, 0)
    qmin, qmax = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    lo, hi = choose_range(st, config, qmin, qmax)
    scale, zp = quant_grid(lo, hi, qmin, qmax)
    return QuantType.get(bits, True, scale, zp)


def quantize_weight(
    w: np.ndarray, axis: int, bits: int, binary: bool
) -> tuple[np.ndarray, Attribute]:
    """(stored values, element type) of a weight tensor, per output channel."""
    moved = np.moveaxis(w.astype(np.float64), axis, 0).reshape(w.shape[axis], -1)
    if binary:
        alpha = np.abs(moved).mean(axis=1)
        alpha = np.where(alpha > 0, alpha, 1.0).astype(np.float32).astype(np.float64)
        return np.where(w >= 0, 1, -1).astype(np.int8), BinaryType.get(alpha, axis)
    qmax = (1 << (bits - 1)) - 1
    amax = np.abs(moved).max(axis=1)
    scale = np.where(amax > 0, amax / qmax, 1.0).astype(np.float32).astype(np.float64)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / scale.reshape(shape)), -qmax, qmax).astype(np.int8)
    return q, QuantType.get(bits, True, scale, np.zeros_like(scale, dtype=np.int64), axis)


class _Inserter:
    def __init__(self, module: ModuleOp, stats: dict[SSAValue, TensorStats], config: QuantConfig):
        self.f = find_main(module)
        self.block: Block = self.f.body.block
        self.stats = stats
        self.config = config
        self.rw = Rewriter()
        self.qtypes: dict[SSAValue, Attribute] = {}
        self.weights: dict[str, str] = {}
        self.skipped: list[str] = []

    # -- helpers ------------------------------------------------------------------------------
    def _qdq_after(self, v: SSAValue, qt: Attribute, point: InsertPoint) -> None:
        q = nn.QuantizeOp.make([v], qt, {"rounding": _ROUNDING})
        d = nn.DequantizeOp.make([q.output], f32)
        self.rw.insert_op([q, d], point)
        v.replace_uses_with_if(d.output, lambda use: use.operation is not q)
        self.qtypes[v] = qt

    def _input_qtype(self, v: SSAValue) -> Attribute | None:
        owner = v.owner
        if isinstance(owner, nn.DequantizeOp):
            return owner.input.type.element_type  # type: ignore[union-attr]
        return None

    def _output_qtype(
        self, op: Operation, r: SSAValue, bits: int, binary: bool
    ) -> Attribute | None:
        if binary:
            return BinaryType.get()
        fixed = _FIXED.get(type(op))
        if fixed is not None and bits in fixed:
            scale, zp = fixed[bits]
            return QuantType.get(bits, True, scale, zp)
        if isinstance(op, _PASS_THROUGH) and op.operands:
            qt = self._input_qtype(op.operands[0])
            if isinstance(qt, QuantType) and qt.channel_axis is None:
                return qt
        st = self.stats.get(r)
        if st is None:
            return None
        return activation_type(st, self.config, bits)

    def _quantize_weights(self, op: Operation, layer: str | None, bits: int, binary: bool) -> None:
        w = op.operands[1]
        owner = w.owner
        axis = _WEIGHT_AXIS[type(op)]
        if isinstance(owner, nn.DequantizeOp) and isinstance(owner.input.owner, nn.ConstantOp):
            # already quantized (QONNX / QDQ import, binary-weight networks): keep it
            wt = owner.input.type.element_type  # type: ignore[union-attr]
            if not isinstance(wt, QuantType | BinaryType):
                return
            stored = owner.input.owner.to_numpy()
            self.weights[layer or op.name] = (
                "binary (given)" if isinstance(wt, BinaryType) else f"int{wt.width} (given)"
            )
        elif isinstance(owner, nn.ConstantOp) and _is_f32(w):
            stored, wt = quantize_weight(owner.to_numpy(), axis, bits, binary)
            const = nn.ConstantOp.from_numpy(stored, wt, w.name_hint)
            deq = nn.DequantizeOp.make([const.output], f32)
            self.rw.insert_op([const, deq], InsertPoint.before(op))
            op.operands[1] = deq.output
            self.weights[layer or op.name] = "binary" if binary else f"int{bits} per-channel"
        else:
            return
        # bias: int32 with scale s_x * s_w[c] (TFLite's convention)
        if len(op.operands) < 3:
            return
        b = op.operands[2]
        xt = self._input_qtype(op.operands[0])
        if (
            not isinstance(b.owner, nn.ConstantOp)
            or not _is_f32(b)
            or not isinstance(xt, QuantType)
        ):
            return
        if xt.channel_axis is not None:
            return
        if isinstance(wt, QuantType) and wt.channel_axis not in (None, axis):
            return
        sw = wt.alpha_array() if isinstance(wt, BinaryType) else wt.scale_array()
        sw = np.broadcast_to(sw, (stored.shape[axis],))
        bscale = np.asarray([float(xt.scale) * float(s) for s in sw])
        bq = np.clip(np.round(b.owner.to_numpy().astype(np.float64) / bscale), -(2**31), 2**31 - 1)
        bt = QuantType.get(32, True, bscale, np.zeros(bscale.size, np.int64), 0)
        bconst = nn.ConstantOp.from_numpy(bq.astype(np.int32), bt, b.name_hint)
        bdeq = nn.DequantizeOp.make([bconst.output], f32)
        self.rw.insert_op([bconst, bdeq], InsertPoint.before(op))
        op.operands[2] = bdeq.output

    # -- main ---------------------------------------------------------------------------------
    def run(self) -> InsertInfo:
        for arg in list(self.f.args):
            if _is_f32(arg) and arg in self.stats:
                bits = self.config.activation_bits
                self._qdq_after(
                    arg,
                    activation_type(self.stats[arg], self.config, bits),
                    InsertPoint.at_start(self.block),
                )
        known_layers = set()
        for op in list(self.block.ops):
            if isinstance(op, nn.ConstantOp | nn.QuantizeOp | nn.DequantizeOp | func.ReturnOp):
                continue
            layer = op.attributes.get("layer")
            name = layer.data if isinstance(layer, StringAttr) else None
            if name:
                known_layers.add(name)
            lc = self.config.for_layer(name)
            if lc.skip:
                self.skipped.append(name or op.name)
                continue
            assert lc.weight_bits is not None and lc.activation_bits is not None
            if isinstance(op, _WEIGHTED):
                self._quantize_weights(op, name, lc.weight_bits, lc.weights == "binary")
            for r in op.results:
                if not _is_f32(r):
                    continue
                qt = self._output_qtype(op, r, lc.activation_bits, lc.activations == "binary")
                if qt is not None:
                    self._qdq_after(r, qt, InsertPoint.after(op))
        unknown = sorted(set(self.config.layers) - known_layers)
        if unknown:
            raise EdgeAIError(
                f"quantizer config names unknown layer(s) {', '.join(unknown)}; the model's layers are "
                + ", ".join(sorted(known_layers))
            )
        return InsertInfo(dict(self.qtypes), dict(self.weights), list(self.skipped))


def insert_qdq(
    module: ModuleOp, stats: dict[SSAValue, TensorStats], config: QuantConfig
) -> InsertInfo:
    """Fake-quantize `module` in place (see the module docstring)."""
    info = _Inserter(module, stats, config).run()
    if config.io == "int":
        integer_io(module)
    module.verify()
    return info


def integer_io(module: ModuleOp) -> None:
    """Make a fake-quantized function take and return quantized tensors: drop the quantize right
    after each float argument and the dequantize right before each result."""
    f = find_main(module)
    rw = Rewriter()
    new_inputs = []
    for arg in list(f.args):
        users = [u.operation for u in arg.uses]
        if len(users) == 1 and isinstance(users[0], nn.QuantizeOp):
            q = users[0]
            new_arg = rw.replace_value_with_new_type(arg, q.output.type)
            q.output.replace_all_uses_with(new_arg)
            rw.erase_op(q)
            new_inputs.append(new_arg.type)
        else:
            new_inputs.append(arg.type)
    ret = f.body.block.last_op
    assert isinstance(ret, func.ReturnOp)
    outs = []
    for i, v in enumerate(ret.arguments):
        if isinstance(v.owner, nn.DequantizeOp):
            ret.operands[i] = v.owner.input
        outs.append(ret.operands[i].type)
    f.function_type = FunctionType.from_lists(new_inputs, outs)
