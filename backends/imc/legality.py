"""Which `nn` ops run on the DIMC tiles, and the `LayerShape` the mapper needs of them.

The tiles compute integer dot products of stationary weights with streamed features, and the
output unit of a cluster shifts and adds weight slices and feature passes, corrects the input
zero point, adds the bias, requantizes and clamps. So a layer maps when it is a convolution,
a depthwise convolution or a dense layer (`nn.conv2d` with groups=1, 1x1 and strided included;
`nn.depthwise_conv2d` with multiplier 1; `nn.dense`) that passes every check of `MAC_CHECKS`
(each a function whose docstring states its rule; `supported_ops()` turns them into the rows of
SUPPORTED_OPS.md). Every other op runs on the host Cortex-M (the Cortex-M backend), with the
reason in `HOST_REASONS`.

`verdict(op, target)` gives the backend contract's `Verdict` (`backends/base.py`), which also
unpacks as `(supported, reason)`: a one-line reason either way (how it maps, or what is
missing); `legality(op, target)` is the same, the contract's hook. `supported_ops()` gives the
contract's `SupportRow`s.

Kernel windows deeper than a chain of a cluster's tiles (a 3x3x256 convolution at 4 bits: 2304
rows > 8 tiles x 256) map too: the mapper cuts them into depth blocks computed one after the
other, the partial sums kept in the cluster's memory between blocks (`mapping.py`, `cost.py`).
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from xdsl.dialects.builtin import Float32Type, TensorType
from xdsl.ir import Attribute, Operation, SSAValue

from edgeai.backends.base import SupportRow, Verdict
from edgeai.backends.imc.mapping import LayerShape, Mapping, MappingError, geometry
from edgeai.backends.imc.target import DIMC_18NM, ImcTarget
from edgeai.dialects import nn
from edgeai.dialects.nn_types import BinaryType, QuantType
from edgeai.support.errors import EdgeAIError

__all__ = [
    "HOST_REASONS",
    "MAC_CHECKS",
    "MAC_OPS",
    "ImcVerdict",
    "layer_shape",
    "legality",
    "min_depth_splits",
    "supported_ops",
    "verdict",
]

#: the ops the tiles compute, and their LayerShape kind
MAC_OPS: dict[str, str] = {
    "nn.conv2d": "conv2d",
    "nn.depthwise_conv2d": "depthwise",
    "nn.dense": "dense",
}

#: how a supported layer runs (SUPPORTED_OPS.md "runs as")
RUNS_AS = "DIMC tiles: stripes x chains x parallel per cluster, kernel rounds, output unit"


def _elt(v: SSAValue) -> Attribute:
    t = v.type
    return t.element_type if isinstance(t, TensorType) else t


def _shape(v: SSAValue) -> tuple[int, ...]:
    return tuple(v.type.get_shape())


def _bits(t: Attribute) -> int | None:
    """Bit width of an integer element type (`!nn.q` width, `!nn.bin` 1), None otherwise."""
    if isinstance(t, QuantType):
        return t.width
    if isinstance(t, BinaryType):
        return 1
    return None


def _type_name(t: Attribute) -> str:
    if isinstance(t, QuantType):
        return f"{'i' if t.is_signed else 'u'}{t.width}"
    if isinstance(t, BinaryType):
        return "binary"
    return str(t)


def _is_constant(v: SSAValue) -> bool:
    owner = v.owner
    while isinstance(owner, nn.StorageCastOp):
        owner = owner.input.owner
    return isinstance(owner, nn.ConstantOp)


# ---------------------------------------------------------------------------------------------
# the checks of a MAC layer (conv2d, depthwise_conv2d, dense); each returns a refusal or None


def integer_arithmetic(op: Operation, target: ImcTarget) -> str | None:
    """Weights and features are integers (`!nn.q` or `!nn.bin`): the tiles compute integers,
    float layers run on the host."""
    if isinstance(_elt(op.weight), Float32Type):
        return "float weights: the tiles compute integers"
    if isinstance(_elt(op.input), Float32Type):
        return "float features: the tiles compute integers"
    if _bits(_elt(op.weight)) is None:
        return f"{_elt(op.weight)} weights: the tiles take !nn.q or !nn.bin weights"
    if _bits(_elt(op.input)) is None:
        return f"{_elt(op.input)} features: the tiles take !nn.q or !nn.bin features"
    return None


def constant_weights(op: Operation, target: ImcTarget) -> str | None:
    """Weights and bias are constants: the tiles hold the weights stationary, loaded from the
    system memory; the output unit adds the bias."""
    if not _is_constant(op.weight):
        return "weights are not a constant: the tiles hold stationary weights"
    if op.bias is not None and not _is_constant(op.bias):
        return "bias is not a constant"
    return None


def weight_format(op: Operation, target: ImcTarget) -> str | None:
    """Weights are signed `!nn.q` with zero point 0 (per tensor or per output channel) or
    `!nn.bin`, of at most `layer_max_bits` bits (8 on dimc-18nm): up to `tile_max_bits` (4)
    natively, wider ones as `tile_max_bits`-bit slices in adjacent columns."""
    w = _elt(op.weight)
    bits = _bits(w)
    assert bits is not None
    if isinstance(w, QuantType):
        if not w.is_signed:
            return f"unsigned weights ({_type_name(w)}): the tiles hold signed weights"
        zps = [int(z) for z in w.zero_point_array()]
        if any(zps):
            z = next(z for z in zps if z)
            return f"weight zero point {z}: the tiles need symmetric weights (zero point 0)"
    if bits > target.layer_max_bits:
        return f"{bits}-bit weights: the NPU takes 1..{target.layer_max_bits} bits"
    return None


def feature_format(op: Operation, target: ImcTarget) -> str | None:
    """Features are `!nn.q` (signed or unsigned, any zero point: the output unit subtracts
    `zero_point * sum(w)`) or `!nn.bin`, per tensor, of at most `layer_max_bits` bits; wider than
    `tile_max_bits` they stream in bit-serial passes of `tile_max_bits` bits."""
    x = _elt(op.input)
    bits = _bits(x)
    assert bits is not None
    if bits > target.layer_max_bits:
        return f"{bits}-bit features: the NPU takes 1..{target.layer_max_bits} bits"
    return None


def requantized_output(op: Operation, target: ImcTarget) -> str | None:
    """The result is requantized to `!nn.q` of at most `layer_max_bits` bits by the output unit,
    with an optional fused clamp (`act`: relu, relu6, clamp); an integer accumulator result
    runs on the host."""
    y = _elt(op.output)
    if not isinstance(y, QuantType):
        return (
            f"{y} result: the output unit writes requantized !nn.q features "
            "(an accumulator result runs on the host)"
        )
    if y.width > target.layer_max_bits:
        return f"{y.width}-bit result: the output unit writes 1..{target.layer_max_bits} bits"
    return None


def batch_one(op: Operation, target: ImcTarget) -> str | None:
    """Batch 1 (one input feature map)."""
    x = _shape(op.input)
    n = math.prod(x[:-1]) if isinstance(op, nn.DenseOp) else x[0]
    if n != 1:
        return f"batch {n}: the mapping streams one feature map (batch 1)"
    return None


def window(op: Operation, target: ImcTarget) -> str | None:
    """Convolutions: groups = 1 (1x1 and strided included), depthwise multiplier 1, dilation 1;
    any stride and padding."""
    if isinstance(op, nn.DenseOp):
        return None
    if tuple(op.prop("dilations") or (1, 1)) != (1, 1):
        return f"dilation {list(op.prop('dilations'))}: the tiles hold dense kernel windows"
    if isinstance(op, nn.Conv2dOp) and int(op.prop("groups") or 1) != 1:
        return f"grouped convolution (groups={op.prop('groups')}): not a tile mapping"
    if isinstance(op, nn.DepthwiseConv2dOp):
        c, cm = _shape(op.input)[3], _shape(op.weight)[3]
        if cm != c:
            return f"depthwise channel multiplier {cm // c}: the tiles map multiplier 1"
    return None


def min_depth_splits(shape: LayerShape, target: ImcTarget) -> tuple[int, int]:
    """(chains, depth_splits) of the smallest arrangement that holds `shape`'s kernel window:
    a chain as long as the window needs (at most `tiles_per_cluster`) and the fewest depth blocks
    it then takes, `ceil(kernel_rows / (chains * rows_per_tile))` (depthwise: 1, never split)."""
    rpt = target.rows_per_tile(min(shape.w_bits, target.tile_max_bits))
    per_c = 1 if shape.kind == "depthwise" else shape.in_c
    rows = shape.kh * shape.kw * per_c
    chains = max(1, min(math.ceil(rows / rpt), target.tiles_per_cluster))
    if shape.kind == "depthwise":
        return chains, 1
    return chains, max(1, math.ceil(rows / (chains * rpt)))


def fits_the_tiles(op: Operation, target: ImcTarget) -> str | None:
    """The kernel window fits the tiles: a convolution or dense window deeper than one chain of
    a cluster's tiles (2048 weights of 4 bits, 8192 of 1 bit on dimc-18nm) is cut into depth
    blocks computed one after the other, the partial sums kept in the cluster's memory; a
    depthwise window is never cut and must fit one chain; a kernel's weight slices fit a
    tile's columns."""
    shape = layer_shape(op)
    chains, depth = min_depth_splits(shape, target)
    try:
        geometry(shape, Mapping(chains=chains, depth_splits=depth), target)
        return None
    except MappingError as e:
        msg = str(e)
    prefix = f"layer '{shape.name}': "
    return msg[len(prefix) :] if msg.startswith(prefix) else msg


#: the checks of a MAC layer, in order; the first refusal is the verdict's reason
MAC_CHECKS: tuple[Callable[[Operation, ImcTarget], str | None], ...] = (
    integer_arithmetic,
    constant_weights,
    weight_format,
    feature_format,
    requantized_output,
    batch_one,
    window,
    fits_the_tiles,
)

#: why the other `nn` ops run on the host
HOST_REASONS: dict[str, str] = {
    "nn.max_pool2d": "no pooling unit on the DIMC NPU",
    "nn.avg_pool2d": "no pooling unit on the DIMC NPU",
    "nn.reduce_mean": "no reduction unit on the DIMC NPU",
    "nn.reduce_max": "no reduction unit on the DIMC NPU",
    "nn.reduce_sum": "no reduction unit on the DIMC NPU",
    "nn.softmax": "no softmax unit on the DIMC NPU",
    "nn.log_softmax": "no softmax unit on the DIMC NPU",
    "nn.add": "element-wise: no element-wise unit on the DIMC NPU",
    "nn.sub": "element-wise: no element-wise unit on the DIMC NPU",
    "nn.mul": "element-wise: no element-wise unit on the DIMC NPU",
    "nn.div": "element-wise: no element-wise unit on the DIMC NPU",
    "nn.maximum": "element-wise: no element-wise unit on the DIMC NPU",
    "nn.minimum": "element-wise: no element-wise unit on the DIMC NPU",
    "nn.relu": "standalone activation: the output unit clamps only a fused conv/dense result "
    "(nn-fuse-activation fuses it)",
    "nn.clamp": "standalone activation: the output unit clamps only a fused conv/dense result "
    "(nn-fuse-activation fuses it)",
    "nn.leaky_relu": "activation other than a clamp: no activation unit on the DIMC NPU",
    "nn.prelu": "activation other than a clamp: no activation unit on the DIMC NPU",
    "nn.sigmoid": "activation other than a clamp: no activation unit on the DIMC NPU",
    "nn.tanh": "activation other than a clamp: no activation unit on the DIMC NPU",
    "nn.hard_sigmoid": "activation other than a clamp: no activation unit on the DIMC NPU",
    "nn.hard_swish": "activation other than a clamp: no activation unit on the DIMC NPU",
    "nn.threshold": "sign threshold: no threshold unit on the DIMC NPU",
    "nn.batch_norm": "batch normalization: fold it into the convolution (nn-fold-batchnorm)",
    "nn.matmul": "both operands are features: the tiles need constant (stationary) weights",
    "nn.conv2d_transpose": "transposed convolution: not a tile mapping",
    "nn.reshape": "data layout (a view): handled by the host",
    "nn.transpose": "data movement: runs on the host",
    "nn.concat": "data movement: runs on the host",
    "nn.pad": "data movement: runs on the host (nn-fuse-pad folds it into a convolution)",
    "nn.slice": "data movement: runs on the host",
    "nn.split": "data movement: runs on the host",
    "nn.gather": "data movement: runs on the host",
    "nn.resize": "data movement: runs on the host",
    "nn.quantize": "type conversion: runs on the host",
    "nn.dequantize": "type conversion: runs on the host",
    "nn.requantize": "type conversion: runs on the host",
    "nn.storage_cast": "type reinterpretation: no data changes, handled by the host",
    "nn.constant": "data: weights are loaded by the layers that use them",
}


def layer_shape(op: Operation) -> LayerShape:
    """The `LayerShape` of a conv2d (groups 1), depthwise_conv2d (multiplier 1) or dense op:
    NHWC features, OHWI conv weights, `[1, KH, KW, C]` depthwise and `[N, K]` dense weights;
    bits from the element types (`!nn.q` width, `!nn.bin` 1); the name is the model's node name.
    `EdgeAIError` for any other op or type.
    """
    from edgeai.analysis.layers import layer_name

    name = layer_name(op)
    kind = MAC_OPS.get(op.name)
    if kind is None:
        raise EdgeAIError(f"{op.name} '{name}': not a conv2d, depthwise_conv2d or dense layer")
    w_bits, a_bits = _bits(_elt(op.weight)), _bits(_elt(op.input))
    if w_bits is None or a_bits is None:
        raise EdgeAIError(f"{op.name} '{name}': the tiles take integer weights and features")
    x, w = _shape(op.input), _shape(op.weight)
    if kind == "conv2d" and int(op.prop("groups") or 1) != 1:
        raise EdgeAIError(f"{op.name} '{name}': groups={op.prop('groups')}, the tiles map 1")
    if kind == "depthwise" and w[3] != x[3]:
        raise EdgeAIError(f"{op.name} '{name}': depthwise multiplier must be 1")
    from xdsl.utils.exceptions import VerifyException

    from edgeai.backends.imc.dialect import layer_shape as shape_of_layer

    try:  # the shape the imc.layer verifier rebuilds: one definition
        return dataclasses.replace(shape_of_layer(op), name=name)
    except VerifyException as e:
        raise EdgeAIError(str(e)) from None


@dataclass(frozen=True)
class ImcVerdict(Verdict):
    """The contract's `Verdict` that also reads as the tuple `(supported, reason)` (unpacking,
    indexing), as `verdict()` returned before the contract."""

    def __iter__(self) -> Iterator[bool | str]:
        return iter((self.supported, self.reason))

    def __getitem__(self, i: int) -> bool | str:
        return (self.supported, self.reason)[i]

    def __len__(self) -> int:
        return 2


def verdict(op: Operation, target: ImcTarget = DIMC_18NM) -> ImcVerdict:
    """Whether one `nn` op runs on `target`, and why: a MAC layer passing every check of
    `MAC_CHECKS` maps (reason: what it becomes, with the depth blocks a window deeper than a
    chain needs), anything else runs on the host (reason: the first failed check, or
    `HOST_REASONS`). Unpacks as `(supported, reason)`."""
    if op.name not in MAC_OPS:
        return ImcVerdict(False, f"{op.name}: {HOST_REASONS.get(op.name, 'no DIMC mapping')}")
    for check in MAC_CHECKS:
        reason = check(op, target)
        if reason is not None:
            return ImcVerdict(False, f"{op.name}: {reason}")
    s = layer_shape(op)
    what = (
        f"dense {s.in_c}->{s.out_c}"
        if s.kind == "dense"
        else f"{s.kind} {s.kh}x{s.kw}/{s.stride_h}x{s.stride_w} {s.in_c}->{s.out_c}"
    )
    text = f"{op.name}: {what}, {s.w_bits}-bit weights x {s.a_bits}-bit features on the tiles"
    _, depth = min_depth_splits(s, target)
    if depth > 1:
        text += (
            f" ({s.depth}-row window: {depth}+ depth blocks, partial sums via the cluster memory)"
        )
    return ImcVerdict(True, text)


def legality(op: Operation, target: ImcTarget = DIMC_18NM) -> Verdict:
    """The backend contract's legality hook (`Backend.legality`): `verdict(op, target)` as a
    plain `Verdict`."""
    v = verdict(op, target)
    return Verdict(v.supported, v.reason)


def _first_paragraph(fn: Callable) -> str:
    return " ".join(inspect.cleandoc(fn.__doc__ or "").split("\n\n")[0].split())


def supported_ops() -> list[SupportRow]:
    """One `SupportRow` per `nn` op (SUPPORTED_OPS.md), sorted by name: the MAC layers with the
    rules of `MAC_CHECKS` (their docstrings) as conditions, the others refused with their
    `HOST_REASONS`."""
    conditions = " ".join(_first_paragraph(c) for c in MAC_CHECKS)
    kinds = {
        "nn.conv2d": "2-D convolution, groups=1 (1x1 and strided included).",
        "nn.depthwise_conv2d": "depthwise convolution, multiplier 1.",
        "nn.dense": "fully connected layer.",
    }
    rows = []
    for name in sorted(op.name for op in nn.NN.operations):
        if name in MAC_OPS:
            rows.append(SupportRow(name, True, f"{kinds[name]} {conditions}", RUNS_AS))
        else:
            reason = HOST_REASONS.get(name, "no DIMC mapping")
            rows.append(SupportRow(name, False, reason, "host Cortex-M"))
    return rows
