"""Which `nn` ops and element types the Cortex-M C path runs.

An op runs here when `convert-nn-to-kernel` turns it into a kernel op (the table
`lowering/nn_to_kernel_ops.CONVERSIONS` and the checks of its conversion functions) and a
portable C kernel implements that kernel op (`kernels/`; SIMD variants are optional extras).
`legality(op)` answers by running the op's real conversion on scratch buffers and selecting its
portable kernel, so the verdict is the lowering's own, with its message as the reason; the
rules below group the ops and state the conditions (their docstrings are the rows of
`SUPPORTED_OPS.md`). Constants, reshapes and storage casts need no kernel (flash data and
buffer views).
"""

from __future__ import annotations

from edgeai.backends.base import RuleTable, SupportRow, Verdict

__all__ = ["KERNEL_OPS", "RULES", "legality", "supported_ops"]

RULES = RuleTable("cortexm", refused="no Cortex-M kernel")

#: nn op -> the kernel op class (dialects/kernel.py) its conversion emits
KERNEL_OPS: dict[str, str] = {
    "nn.conv2d": "Conv2dOp",
    "nn.depthwise_conv2d": "DepthwiseConv2dOp",
    "nn.dense": "FullyConnectedOp",
    "nn.max_pool2d": "MaxPool2dOp",
    "nn.avg_pool2d": "AvgPool2dOp",
    "nn.reduce_mean": "MeanOp",
    "nn.add": "AddOp",
    "nn.sub": "AddOp",
    "nn.mul": "MulOp",
    "nn.softmax": "SoftmaxOp",
    "nn.relu": "ClampOp",
    "nn.clamp": "ClampOp",
    "nn.quantize": "QuantizeOp",
    "nn.dequantize": "DequantizeOp",
    "nn.requantize": "RequantizeOp",
    "nn.transpose": "TransposeOp",
    "nn.concat": "ConcatOp",
    "nn.pad": "PadOp",
}


def _kernels(op_name: str) -> str:
    """`kernel.x`: its C implementations (and the core features they need)."""
    from edgeai.backends.cortexm.kernels import implementations
    from edgeai.dialects import kernel as K

    cls = getattr(K, KERNEL_OPS[op_name])
    impls = [
        i.name + (f" ({', '.join(sorted(i.requires))})" if i.requires else "")
        for i in sorted(implementations(cls), key=lambda i: (i.priority, i.name))
    ]
    extra = (
        "; kernel.requantize when the types differ" if op_name in ("nn.relu", "nn.clamp") else ""
    )
    return f"`{cls.name}`: {', '.join(impls)}{extra}"


def _layer(op) -> str:
    from xdsl.dialects.builtin import StringAttr

    layer = op.attributes.get("layer")
    return f"layer '{layer.data}'" if isinstance(layer, StringAttr) else f"op {op.name}"


def _convert(op) -> Verdict:
    """The verdict of the op's conversion run on scratch buffers, then of kernel selection."""
    from xdsl.dialects.builtin import StringAttr, TensorType
    from xdsl.ir import Block

    from edgeai.backends.cortexm.kernels import select
    from edgeai.lowering.convert_nn_to_kernel import memref_of
    from edgeai.lowering.nn_to_kernel_ops import CONVERSIONS, Emit
    from edgeai.support.errors import EdgeAIError, UnsupportedError

    conv = CONVERSIONS.get(type(op))
    layer = op.attributes.get("layer")
    if conv is None:
        where = f"layer '{layer.data}'" if isinstance(layer, StringAttr) else op.name
        return Verdict.no(f"{where}: {op.name} has no Cortex-M kernel")
    if len(op.results) != 1:
        return Verdict.no(f"{op.name}: several results are not supported")
    values = [*op.operands, op.results[0]]
    if not all(isinstance(v.type, TensorType) for v in values):
        return Verdict.no(f"{_layer(op)}: {op.name} on non-tensor values")
    block = Block(arg_types=[memref_of(v.type) for v in values])
    made: list = []
    emit = Emit(
        list(block.args[:-1]),
        block.args[-1],
        made.append,
        layer.data if isinstance(layer, StringAttr) else None,
    )
    try:
        conv(emit, op)
        impl = select(made[-1], frozenset())
        kernel = made[-1].name
    except UnsupportedError as e:
        return Verdict.no("; ".join(e.items))
    except EdgeAIError as e:
        return Verdict.no(f"{_layer(op)}: {e}")
    finally:
        for m in made:
            m.drop_all_references()
    return Verdict.yes(f"{kernel} ({impl.name} C kernel; SIMD variants chosen per core)")


@RULES.rule("nn.conv2d", runs_as=_kernels)
def conv2d(op) -> Verdict:
    """f32 input, weights and bias; or int8 per-tensor activations (TFLite rounding) with
    symmetric int8 weights (per-tensor or per-channel) and an int32 bias. Any strides,
    dilations, padding and groups; any fused activation."""
    return _convert(op)


@RULES.rule("nn.depthwise_conv2d", runs_as=_kernels)
def depthwise_conv2d(op) -> Verdict:
    """f32; or int8 per-tensor activations with symmetric int8 weights (per-tensor or
    per-channel) and an int32 bias. Any strides, dilations, padding and channel multiplier;
    any fused activation."""
    return _convert(op)


@RULES.rule("nn.dense", runs_as=_kernels)
def dense(op) -> Verdict:
    """f32; or int8 per-tensor activations with symmetric int8 weights (per-tensor or
    per-channel) and an int32 bias; leading input dimensions are rows; any fused activation."""
    return _convert(op)


@RULES.rule("nn.max_pool2d", runs_as=_kernels)
def max_pool2d(op) -> Verdict:
    """f32, or int8 per-tensor with the same quantization in and out; no dilation; any fused
    activation."""
    return _convert(op)


@RULES.rule("nn.avg_pool2d", runs_as=_kernels)
def avg_pool2d(op) -> Verdict:
    """f32, or int8 per-tensor with the same quantization in and out; no dilation; a padded
    window averages its valid elements only (no count_include_pad)."""
    return _convert(op)


@RULES.rule("nn.reduce_mean", runs_as=_kernels)
def reduce_mean(op) -> Verdict:
    """f32, or int8 per-tensor (TFLite's MEAN: one multiplier for the count and the
    scales), over any axes."""
    return _convert(op)


@RULES.rule("nn.add", "nn.sub", runs_as=_kernels)
def add_sub(op) -> Verdict:
    """f32, or int8 per-tensor operands and result (TFLite's ADD: a 20-bit left shift and a
    multiplier per operand); NumPy broadcasting; any fused activation."""
    return _convert(op)


@RULES.rule("nn.mul", runs_as=_kernels)
def mul(op) -> Verdict:
    """f32, or int8 per-tensor operands and result (TFLite's MUL: one multiplier); NumPy
    broadcasting; any fused activation."""
    return _convert(op)


@RULES.rule("nn.softmax", runs_as=_kernels)
def softmax(op) -> Verdict:
    """Over the last axis: f32, or int8 per-tensor input with TFLite's int8 output (scale
    1/256, zero point -128; gemmlowp's fixed-point exp)."""
    return _convert(op)


@RULES.rule("nn.relu", "nn.clamp", runs_as=_kernels)
def relu_clamp(op) -> Verdict:
    """f32, or int8 per-tensor (a clamp when input and output share their quantization, else
    a requantize with the clamp range)."""
    return _convert(op)


@RULES.rule("nn.quantize", runs_as=_kernels)
def quantize(op) -> Verdict:
    """f32 -> int8 per-tensor, TFLite rounding."""
    return _convert(op)


@RULES.rule("nn.dequantize", runs_as=_kernels)
def dequantize(op) -> Verdict:
    """int8 per-tensor -> f32."""
    return _convert(op)


@RULES.rule("nn.requantize", runs_as=_kernels)
def requantize(op) -> Verdict:
    """int8 -> int8 per-tensor, TFLite rounding (saturating)."""
    return _convert(op)


@RULES.rule("nn.transpose", runs_as=_kernels)
def transpose(op) -> Verdict:
    """Any permutation, any element type (a loop nest over the output)."""
    return _convert(op)


@RULES.rule("nn.concat", runs_as=_kernels)
def concat(op) -> Verdict:
    """Any axis; f32, or int8 operands that all share the result's quantization (requantize
    them first otherwise)."""
    return _convert(op)


@RULES.rule("nn.pad", runs_as=_kernels)
def pad(op) -> Verdict:
    """Constant mode with non-negative pads; f32, or int8 (the pad value quantized with
    TFLite's rounding)."""
    return _convert(op)


@RULES.rule("nn.constant", runs_as="`kernel.constant`: a `const` array in flash")
def constant(op) -> Verdict:
    """Any element type."""
    return Verdict.yes("nn.constant: a const array in flash")


@RULES.rule("nn.reshape", "nn.storage_cast", runs_as="`mem.view` of the input's buffer")
def views(op) -> Verdict:
    """Any element type: no copy (a `kernel.copy` only when a returned value is a view of an
    input or of a constant)."""
    return Verdict.yes(f"{op.name}: a view of its input's buffer (no kernel)")


def legality(op) -> Verdict:
    """Whether the C path runs `op` (see the module docstring)."""
    return RULES.verdict(op)


def supported_ops() -> list[SupportRow]:
    """SUPPORTED_OPS.md's rows: every `nn` op."""
    return RULES.rows()
