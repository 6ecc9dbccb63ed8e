"""Build an `nn` module from a loaded single-op (or small) ``.tflite`` graph — test-only.

This is the IR-level counterpart of :mod:`runner`: instead of calling the TFLite Micro kernels
directly, it states the TFLite operator in the `nn` dialect — quantization in the element types
(``!nn.q<i8, s:z>``, per-channel weights ``!nn.q<i8:0, {...}>``, biases
``!nn.q<i32:0, {s_in*s_w[c]:0}>``), padding made explicit, fused activations as ``act`` — so
that running the module with the reference interpreter checks the type -> kernel mapping of
``edgeai.reference.nn_ops`` against TFLite Micro goldens.

Mapping (TFLite -> `nn`):

* CONV_2D -> ``nn.conv2d`` (``groups = Cin / filter depth``), DEPTHWISE_CONV_2D ->
  ``nn.depthwise_conv2d``, FULLY_CONNECTED -> ``nn.dense`` (inputs of rank > 2 without
  ``keep_num_dims`` flattened to ``[-1, K]``, results reshaped to the TFLite output shape),
  TRANSPOSE_CONV -> ``nn.conv2d_transpose`` (TFLite's padding is computed on the *output* size;
  ``bottom/right = (in - 1) * s + k - top/left - out``, negative when the requested output is
  larger than the natural one). SAME/VALID become explicit ``[top, left, bottom, right]``.
* ADD/SUB/MUL -> ``nn.add``/``nn.sub``/``nn.mul``; pools -> ``nn.avg_pool2d``
  (``count_include_pad = 0``) / ``nn.max_pool2d``; MEAN -> ``nn.reduce_mean``.
* SOFTMAX -> ``nn.softmax`` on the last axis. `nn.softmax` has no ``beta``: ``beta != 1`` is
  folded into the input scale with an ``nn.storage_cast`` (``softmax(beta * s * (q - z))``).
* LOGISTIC/TANH/HARD_SWISH/LEAKY_RELU/RELU -> the `nn` op of the same meaning; RELU6 and
  RELU_N1_TO_1 -> ``nn.clamp``; QUANTIZE -> ``nn.quantize`` (float input) or ``nn.requantize``;
  DEQUANTIZE -> ``nn.dequantize``; PAD/PADV2 -> ``nn.pad``; STRIDED_SLICE -> ``nn.slice`` with
  TensorFlow's masks and negative indices normalized (``shrink_axis_mask`` adds an
  ``nn.reshape``); RESHAPE/SQUEEZE/EXPAND_DIMS -> ``nn.reshape``.
* Fused activations RELU, RELU6, RELU_N1_TO_1 -> ``act``.

int64 biases (int16x8 kernels) are plain ``i64`` tensors: ``!nn.q`` storage is limited to 32 bits
by the dialect's verifier. A TRANSPOSE_CONV ``output_shape`` that is a graph input (as in the
seanet models) is not a function argument: `nn` shapes are static, so its recorded value must
equal the output tensor's shape (:attr:`NnModel.shape_inputs`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FunctionType,
    IntegerType,
    ModuleOp,
    Signedness,
    StringAttr,
    TensorType,
    f32,
)
from xdsl.ir import Attribute, Block, Region, SSAValue

from edgeai.dialects import nn
from edgeai.dialects.common import TensorOp
from edgeai.dialects.nn_types import ActivationAttr, QuantType
from edgeai.support.attrs import f32_attr, i64_array, i64_attr, str_attr

from .loader import OperatorInfo, TensorInfo, TfliteModel


class Unmappable(NotImplementedError):
    """The operator (or one of its options) has no `nn` form in this builder."""


@dataclass
class NnModel:
    """An `nn` module built from a TFLite graph.

    ``inputs`` maps each function argument name (``input<k>``, the npz key of the recorded
    vectors) to its position ``k`` among the TFLite graph inputs. ``shape_inputs`` lists graph
    inputs that became static shapes (name -> the value they must hold).
    """

    module: ModuleOp
    inputs: dict[str, int]
    shape_inputs: dict[str, np.ndarray] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# element types


def _f64(values: np.ndarray | Sequence[float] | float) -> np.ndarray:
    """TFLite's float32 scales widened exactly to double (what `!nn.q` stores)."""
    return np.asarray(values, dtype=np.float32).astype(np.float64).reshape(-1)


def element_type(t: TensorInfo) -> Attribute:
    """The `nn` element type of a TFLite tensor.

    Quantized int8/uint8/int16/int32 tensors become ``!nn.q`` (per-axis along the tensor's
    ``quantized_dimension`` when there is more than one scale: the `nn` verifier then checks it
    is the axis the op expects, 0 for conv/dense weights and 3 for depthwise), float32 stays
    ``f32``, unquantized integers (and int64, wider than ``!nn.q`` allows) are builtin integers.
    """
    dt = t.dtype
    if dt == np.float32:
        return f32
    if dt.kind in "iu" and t.scale.size and dt.itemsize <= 4:
        scales = _f64(t.scale)
        zps = t.zero_point if t.zero_point.size else np.zeros(1, np.int64)
        if scales.size == 1:
            return QuantType.get(dt.itemsize * 8, dt.kind == "i", float(scales[0]), int(zps[0]))
        zps = np.broadcast_to(zps, scales.shape)
        return QuantType.get(dt.itemsize * 8, dt.kind == "i", scales, zps, t.quantized_dimension)
    if dt.kind in "iu":
        sign = Signedness.UNSIGNED if dt.kind == "u" else Signedness.SIGNLESS
        return IntegerType(dt.itemsize * 8, sign)
    raise Unmappable(f"tensor {t.name}: dtype {dt} has no nn element type")


def bias_type(b: TensorInfo, x: TensorInfo, w: TensorInfo, channels: int) -> Attribute:
    """``!nn.q<i32:0, {s_in * s_w[c] : 0}>`` for an int32 bias (scales multiplied in double on
    the float32 values, a per-tensor weight scale broadcast to every channel); ``i64`` for an
    int64 bias (see the module docstring)."""
    if b.dtype == np.int32:
        sw = np.broadcast_to(_f64(w.scale), (channels,))
        sb = _f64(x.scale)[0] * sw
        return QuantType.get(32, True, sb, np.zeros(channels, np.int64), 0)
    if b.dtype == np.int64:
        return IntegerType(64)
    raise Unmappable(f"bias {b.name}: dtype {b.dtype} (expected int32 or int64)")


# --------------------------------------------------------------------------------------------
# TFLite conventions


def same_valid_padding(
    padding: str,
    in_hw: Sequence[int],
    k_hw: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
) -> list[int]:
    """TFLite ``ComputePaddingHeightWidth`` as explicit ``[top, left, bottom, right]``: total
    ``max((out - 1) * s + (k - 1) * d + 1 - in, 0)``, the odd pixel at the bottom/right."""
    lo, hi = [], []
    for size, k, s, d in zip(in_hw, k_hw, stride, dilation, strict=True):
        eff = (k - 1) * d + 1
        if padding == "SAME":
            out = (size + s - 1) // s
        elif padding == "VALID":
            out = (size + s - eff) // s
        else:
            raise Unmappable(f"padding {padding!r}")
        total = max((out - 1) * s + eff - size, 0)
        lo.append(total // 2)
        hi.append(total - total // 2)
    return [lo[0], lo[1], hi[0], hi[1]]


_FUSED = {
    "NONE": None,
    "RELU": (0.0, math.inf),
    "RELU6": (0.0, 6.0),
    "RELU_N1_TO_1": (-1.0, 1.0),
}


def fused_activation(op: OperatorInfo) -> ActivationAttr | None:
    """The ``act`` property for TFLite's ``fused_activation_function``."""
    name = str(op.options.get("FusedActivationFunction", "NONE"))
    if name not in _FUSED:
        raise Unmappable(f"fused activation {name}")
    bounds = _FUSED[name]
    return None if bounds is None else ActivationAttr.clamp(*bounds)


def normalize_strided_slice(
    shape: Sequence[int],
    begin: Sequence[int],
    end: Sequence[int],
    strides: Sequence[int],
    options: dict,
) -> tuple[list[int], list[int], list[int], list[int]]:
    """TensorFlow STRIDED_SLICE -> `nn.slice` bounds: ``(starts, ends, steps, shrunk_axes)``.

    Masks select the full range, negative indices count from the end, bounds are clamped to
    ``[0, d]`` (positive step) or ``[-1, d - 1]`` (negative step); a shrunk axis takes the single
    element at ``begin``. Ellipsis and new-axis masks and ``offset`` are not supported (the
    TFLM runtime's shape inference ignores ``offset``, so its meaning could not be checked)."""
    if options.get("EllipsisMask") or options.get("NewAxisMask") or options.get("Offset"):
        raise Unmappable("STRIDED_SLICE with ellipsis/new-axis masks or offset")
    bm, em = int(options.get("BeginMask", 0)), int(options.get("EndMask", 0))
    sm = int(options.get("ShrinkAxisMask", 0))
    starts, ends, steps, shrunk = [], [], [], []
    for i, d in enumerate(shape):
        s = int(strides[i]) if i < len(strides) else 1
        if s == 0:
            raise Unmappable("STRIDED_SLICE with a zero stride")
        b = int(begin[i]) if i < len(begin) else 0
        e = int(end[i]) if i < len(end) else d
        if sm >> i & 1:
            b = b + d if b < 0 else b
            if not 0 <= b < d:
                raise Unmappable("STRIDED_SLICE shrinks an axis at an out-of-range index")
            starts.append(b)
            ends.append(b + 1)
            steps.append(1)
            shrunk.append(i)
            continue
        lo, hi = (0, d) if s > 0 else (-1, d - 1)
        if bm >> i & 1:
            b = 0 if s > 0 else d - 1
        else:
            b = min(max(b + d if b < 0 else b, lo), hi)
        if em >> i & 1:
            e = d if s > 0 else -1
        else:
            e = min(max(e + d if e < 0 else e, lo), hi)
        if len(range(b, e, s)) == 0 or b < 0:  # empty: a canonical empty range
            b, e = 0, 0
        starts.append(b)
        ends.append(e)
        steps.append(s)
    return starts, ends, steps, shrunk


# --------------------------------------------------------------------------------------------
# the builder


class _Builder:
    """Holds the block being filled and the tensor index -> SSA value map."""

    def __init__(self, model: TfliteModel) -> None:
        self.model = model
        self.block = Block()
        self.values: dict[int, SSAValue] = {}

    def tensor(self, i: int) -> TensorInfo:
        return self.model.tensors[i]

    def add(self, op: TensorOp | nn.ConstantOp) -> SSAValue:
        self.block.add_op(op)
        return op.results[0]

    def value(self, i: int, element: Attribute | None = None) -> SSAValue:
        """The SSA value of tensor ``i``; constants are materialized as ``nn.constant`` with
        ``element`` (default: :func:`element_type`)."""
        if i in self.values:
            return self.values[i]
        t = self.tensor(i)
        if t.data is None:
            raise Unmappable(f"tensor {i} ({t.name}) is neither a graph input nor constant")
        v = self.add(nn.ConstantOp.from_numpy(t.data, element or element_type(t)))
        self.values[i] = v
        return v

    def const_data(self, i: int) -> np.ndarray:
        t = self.tensor(i)
        if t.data is None:
            raise Unmappable(f"tensor {i} ({t.name}) must be constant")
        return t.data

    def make(
        self,
        cls: type[TensorOp],
        operands: Sequence[SSAValue | None],
        out: TensorInfo,
        props: dict[str, Attribute | None],
        layer: str,
    ) -> SSAValue:
        """Build ``cls`` typed like the TFLite output tensor; a shape difference with the same
        element count (FULLY_CONNECTED flattening) is bridged with ``nn.reshape``."""
        y = self.add(cls.make(list(operands), element_type(out), props, layer=layer))
        return self.reshape_to(y, out)

    def reshape_to(self, y: SSAValue, out: TensorInfo) -> SSAValue:
        t = y.type
        assert isinstance(t, TensorType)
        if tuple(t.get_shape()) == tuple(out.shape):
            return y
        if math.prod(t.get_shape()) != math.prod(out.shape):
            raise Unmappable(f"result shape {tuple(t.get_shape())} != TFLite output {out.shape}")
        r = nn.ReshapeOp.make([y], t.element_type, shapes=[tuple(out.shape)])
        return self.add(r)


def _opt_input(op: OperatorInfo, k: int) -> int | None:
    return op.inputs[k] if len(op.inputs) > k and op.inputs[k] >= 0 else None


def _conv(b: _Builder, op: OperatorInfo, layer: str) -> SSAValue:
    x_t, w_t, out = b.tensor(op.inputs[0]), b.tensor(op.inputs[1]), b.tensor(op.outputs[0])
    o = op.options
    stride = [int(o["StrideH"]), int(o["StrideW"])]
    dil = [int(o.get("DilationHFactor", 1)), int(o.get("DilationWFactor", 1))]
    depthwise = op.opcode == "DEPTHWISE_CONV_2D"
    w_axis = 3 if depthwise else 0
    cout = w_t.shape[w_axis]
    bias_i = _opt_input(op, 2)
    operands = [
        b.value(op.inputs[0]),
        b.value(op.inputs[1]),
        None if bias_i is None else b.value(bias_i, bias_type(b.tensor(bias_i), x_t, w_t, cout)),
    ]
    props: dict[str, Attribute | None] = {
        "strides": i64_array(stride),
        "dilations": i64_array(dil),
        "padding": i64_array(
            same_valid_padding(o["Padding"], x_t.shape[1:3], w_t.shape[1:3], stride, dil)
        ),
        "act": fused_activation(op),
    }
    if depthwise:
        mult = int(o.get("DepthMultiplier", 0))
        if mult and x_t.shape[3] * mult != cout:
            raise Unmappable("DEPTHWISE_CONV_2D depth_multiplier inconsistent with the filter")
        return b.make(nn.DepthwiseConv2dOp, operands, out, props, layer)
    props["groups"] = i64_attr(x_t.shape[3] // w_t.shape[3])
    return b.make(nn.Conv2dOp, operands, out, props, layer)


def _fully_connected(b: _Builder, op: OperatorInfo, layer: str) -> SSAValue:
    x_t, w_t, out = b.tensor(op.inputs[0]), b.tensor(op.inputs[1]), b.tensor(op.outputs[0])
    if int(op.options.get("WeightsFormat", 0)) != 0:
        raise Unmappable("FULLY_CONNECTED with shuffled weights")
    n, k = w_t.shape
    x = b.value(op.inputs[0])
    if not op.options.get("KeepNumDims", False) and len(x_t.shape) != 2:
        if math.prod(x_t.shape) % k:
            raise Unmappable("FULLY_CONNECTED input size not a multiple of K")
        x = b.add(
            nn.ReshapeOp.make([x], element_type(x_t), shapes=[(math.prod(x_t.shape) // k, k)])
        )
    bias_i = _opt_input(op, 2)
    operands = [
        x,
        b.value(op.inputs[1]),
        None if bias_i is None else b.value(bias_i, bias_type(b.tensor(bias_i), x_t, w_t, n)),
    ]
    return b.make(nn.DenseOp, operands, out, {"act": fused_activation(op)}, layer)


def _transpose_conv(b: _Builder, op: OperatorInfo, layer: str, nm: NnModel) -> SSAValue:
    shape_i, w_i, x_i = op.inputs[0], op.inputs[1], op.inputs[2]
    x_t, w_t, out = b.tensor(x_i), b.tensor(w_i), b.tensor(op.outputs[0])
    shape_t = b.tensor(shape_i)
    if shape_t.data is not None and tuple(int(v) for v in shape_t.data) != tuple(out.shape):
        raise Unmappable("TRANSPOSE_CONV output_shape differs from the output tensor")
    if shape_i in b.model.inputs:  # fed at run time: its value must be the static shape
        nm.shape_inputs[f"input{b.model.inputs.index(shape_i)}"] = np.asarray(out.shape, np.int32)
    elif shape_t.data is None:
        raise Unmappable("TRANSPOSE_CONV with a computed output_shape")
    o = op.options
    stride = [int(o["StrideH"]), int(o["StrideW"])]
    cout, kh, kw, _ = w_t.shape
    # TFLite computes the padding on the output size, as for the forward convolution
    top, left, _, _ = same_valid_padding(o["Padding"], out.shape[1:3], (kh, kw), stride, (1, 1))
    bottom = (x_t.shape[1] - 1) * stride[0] + kh - top - out.shape[1]
    right = (x_t.shape[2] - 1) * stride[1] + kw - left - out.shape[2]
    bias_i = _opt_input(op, 3)
    operands = [
        b.value(x_i),
        b.value(w_i),
        None if bias_i is None else b.value(bias_i, bias_type(b.tensor(bias_i), x_t, w_t, cout)),
    ]
    props: dict[str, Attribute | None] = {
        "strides": i64_array(stride),
        "dilations": i64_array([1, 1]),
        "padding": i64_array([top, left, bottom, right]),
        "groups": i64_attr(1),
        "act": fused_activation(op),
    }
    return b.make(nn.Conv2dTransposeOp, operands, out, props, layer)


def _pool(b: _Builder, op: OperatorInfo, layer: str) -> SSAValue:
    x_t, out = b.tensor(op.inputs[0]), b.tensor(op.outputs[0])
    o = op.options
    k = [int(o["FilterHeight"]), int(o["FilterWidth"])]
    s = [int(o["StrideH"]), int(o["StrideW"])]
    props: dict[str, Attribute | None] = {
        "kernel": i64_array(k),
        "strides": i64_array(s),
        "dilations": i64_array([1, 1]),
        "padding": i64_array(same_valid_padding(o["Padding"], x_t.shape[1:3], k, s, (1, 1))),
        "act": fused_activation(op),
    }
    if op.opcode == "AVERAGE_POOL_2D":
        props["count_include_pad"] = i64_attr(0)
        return b.make(nn.AvgPool2dOp, [b.value(op.inputs[0])], out, props, layer)
    return b.make(nn.MaxPool2dOp, [b.value(op.inputs[0])], out, props, layer)


def _softmax(b: _Builder, op: OperatorInfo, layer: str) -> SSAValue:
    x_t, out = b.tensor(op.inputs[0]), b.tensor(op.outputs[0])
    x = b.value(op.inputs[0])
    beta = float(np.float32(op.options.get("Beta", 1.0)))
    if beta != 1.0:
        xe = element_type(x_t)
        if not isinstance(xe, QuantType) or beta <= 0:
            raise Unmappable("SOFTMAX with beta != 1 on a non-quantized input")
        # softmax(beta * s * (q - z)): the same stored values under scale beta * s (in double,
        # as TFLite's PreprocessSoftmaxScaling multiplies them)
        scaled = QuantType.get(xe.width, xe.is_signed, xe.scale * beta, xe.zero_point)
        x = b.add(nn.StorageCastOp.make([x], scaled))
    axis = len(x_t.shape) - 1
    return b.make(nn.SoftmaxOp, [x], out, {"axis": i64_attr(axis)}, layer)


def _strided_slice(b: _Builder, op: OperatorInfo, layer: str) -> SSAValue:
    x_t, out = b.tensor(op.inputs[0]), b.tensor(op.outputs[0])
    begin, end, strides = (b.const_data(i).reshape(-1) for i in op.inputs[1:4])
    starts, ends, steps, _ = normalize_strided_slice(x_t.shape, begin, end, strides, op.options)
    props = {"starts": i64_array(starts), "ends": i64_array(ends), "steps": i64_array(steps)}
    y = b.add(nn.SliceOp.make([b.value(op.inputs[0])], element_type(x_t), props, layer=layer))
    return b.reshape_to(y, out)  # shrunk axes


def _pad(b: _Builder, op: OperatorInfo, layer: str) -> SSAValue:
    x_t, out = b.tensor(op.inputs[0]), b.tensor(op.outputs[0])
    pads = b.const_data(op.inputs[1]).reshape(-1, 2)
    value = 0.0
    v_i = _opt_input(op, 2)
    if op.opcode == "PADV2" and v_i is not None:
        raw = b.const_data(v_i).reshape(-1)[0]
        xe = element_type(x_t)
        value = (
            float(raw) if not isinstance(xe, QuantType) else xe.scale * (int(raw) - xe.zero_point)
        )
    props = {
        "pads": i64_array([int(p) for p in pads[:, 0]] + [int(p) for p in pads[:, 1]]),
        "mode": str_attr("constant"),
        "value": f32_attr(value),
    }
    return b.make(nn.PadOp, [b.value(op.inputs[0])], out, props, layer)


_UNARY: dict[str, tuple[type[TensorOp], dict[str, Attribute]]] = {
    "LOGISTIC": (nn.SigmoidOp, {}),
    "TANH": (nn.TanhOp, {}),
    "HARD_SWISH": (nn.HardSwishOp, {}),
    "RELU": (nn.ReluOp, {}),
    "RELU6": (nn.ClampOp, {"min": f32_attr(0.0), "max": f32_attr(6.0)}),
    "RELU_N1_TO_1": (nn.ClampOp, {"min": f32_attr(-1.0), "max": f32_attr(1.0)}),
}
_BINARY = {"ADD": nn.AddOp, "SUB": nn.SubOp, "MUL": nn.MulOp}
_RESHAPES = ("RESHAPE", "SQUEEZE", "EXPAND_DIMS")


def _operator(b: _Builder, op: OperatorInfo, nm: NnModel) -> SSAValue:
    code = op.opcode
    layer = f"{code.lower()}_{op.index}"
    out = b.tensor(op.outputs[0])
    if code in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        return _conv(b, op, layer)
    if code == "FULLY_CONNECTED":
        return _fully_connected(b, op, layer)
    if code == "TRANSPOSE_CONV":
        return _transpose_conv(b, op, layer, nm)
    if code in _BINARY:
        operands = [b.value(op.inputs[0]), b.value(op.inputs[1])]
        return b.make(_BINARY[code], operands, out, {"act": fused_activation(op)}, layer)
    if code in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        return _pool(b, op, layer)
    if code == "MEAN":
        axes = [int(a) for a in b.const_data(op.inputs[1]).reshape(-1)]
        props = {
            "axes": i64_array(axes),
            "keepdims": i64_attr(int(bool(op.options.get("KeepDims")))),
        }
        return b.make(nn.ReduceMeanOp, [b.value(op.inputs[0])], out, props, layer)
    if code == "SOFTMAX":
        return _softmax(b, op, layer)
    if code in _UNARY:
        cls, props = _UNARY[code]
        return b.make(cls, [b.value(op.inputs[0])], out, dict(props), layer)
    if code == "LEAKY_RELU":
        props = {"alpha": f32_attr(float(op.options["Alpha"]))}
        return b.make(nn.LeakyReluOp, [b.value(op.inputs[0])], out, props, layer)
    if code == "QUANTIZE":
        x_t = b.tensor(op.inputs[0])
        cls = nn.QuantizeOp if x_t.dtype == np.float32 else nn.RequantizeOp
        return b.make(cls, [b.value(op.inputs[0])], out, {}, layer)
    if code == "DEQUANTIZE":
        return b.make(nn.DequantizeOp, [b.value(op.inputs[0])], out, {}, layer)
    if code in ("PAD", "PADV2"):
        return _pad(b, op, layer)
    if code == "STRIDED_SLICE":
        return _strided_slice(b, op, layer)
    if code in _RESHAPES:
        return b.reshape_to(b.value(op.inputs[0]), out)
    raise Unmappable(f"no nn mapping for {code}")


def to_nn(model: TfliteModel) -> NnModel:
    """Build the `nn` module (``@main``) of ``model``'s first subgraph.

    Function arguments are the graph inputs (``edgeai.name = "input<k>"``) except static
    shape inputs; the results are the graph outputs (``output<k>``). Raises
    :class:`Unmappable` for operators or options outside the mapping above.
    """
    b = _Builder(model)
    nm = NnModel(ModuleOp([]), {})
    # shape-only inputs are discovered while building: build ops first into the block with
    # placeholder arguments for every graph input, then drop the unused ones
    args = []
    for k, i in enumerate(model.inputs):
        a = b.block.insert_arg(
            TensorType(element_type(model.tensors[i]), list(model.tensors[i].shape)), k
        )
        a.name_hint = f"input{k}"
        b.values[i] = a
        args.append(a)
    for op in model.operators:
        if len(op.outputs) != 1:
            raise Unmappable(f"{op.opcode} with {len(op.outputs)} outputs")
        b.values[op.outputs[0]] = _operator(b, op, nm)
    kept = []
    for k, a in enumerate(args):
        name = f"input{k}"
        if name in nm.shape_inputs:
            if a.uses:
                raise Unmappable(f"{name} is used both as a shape and as data")
            b.block.erase_arg(a)
        else:
            kept.append((name, k, a.type))
    outs = [b.values[i] for i in model.outputs]
    b.block.add_op(func.ReturnOp(*outs))
    ftype = FunctionType.from_lists([t for _, _, t in kept], [o.type for o in outs])
    f = func.FuncOp(
        "main",
        ftype,
        Region(b.block),
        arg_attrs=ArrayAttr([DictionaryAttr({"edgeai.name": StringAttr(n)}) for n, _, _ in kept]),
        res_attrs=ArrayAttr(
            [DictionaryAttr({"edgeai.name": StringAttr(f"output{k}")}) for k in range(len(outs))]
        ),
    )
    nm.module = ModuleOp([f])
    nm.module.attributes["edgeai.level"] = StringAttr("nn")
    nm.inputs = {n: k for n, k, _ in kept}
    return nm
