"""Run a (single- or multi-op) quantized ``.tflite`` graph with ``edgeai.reference.qkernels``.

Test-only: maps each TFLite builtin operator and its options / tensor quantization onto the
matching reference kernel, the way TFLite Micro's ``Prepare`` derives them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from edgeai.reference import qkernels as qk

from .loader import OperatorInfo, TensorInfo, TfliteModel


class UnsupportedOperator(NotImplementedError):
    """The runner has no mapping for this operator."""


def _act(op: OperatorInfo, out: TensorInfo) -> tuple[int, int]:
    return qk.activation_range(
        str(op.options.get("FusedActivationFunction", "NONE")),
        out.scalar_scale,
        out.scalar_zero_point,
        out.dtype,
    )


def _weight_scale(t: TensorInfo) -> np.ndarray | float:
    return t.scale if t.scale.size > 1 else float(t.scale[0])


def _const(t: TensorInfo) -> np.ndarray:
    if t.data is None:
        raise ValueError(f"tensor {t.index} ({t.name}) is expected to be constant")
    return t.data


def _conv_like(model: TfliteModel, op: OperatorInfo, env: dict[int, np.ndarray]) -> np.ndarray:
    x_t, w_t = model.tensors[op.inputs[0]], model.tensors[op.inputs[1]]
    b_t = model.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    out_t = model.tensors[op.outputs[0]]
    x = env[x_t.index]
    w = _const(w_t)
    bias = None if b_t is None else _const(b_t)
    o = op.options
    stride = (int(o["StrideH"]), int(o["StrideW"]))
    dilation = (int(o.get("DilationHFactor", 1)), int(o.get("DilationWFactor", 1)))
    act_min, act_max = _act(op, out_t)
    common = dict(
        input_scale=x_t.scalar_scale,
        input_zero_point=x_t.scalar_zero_point,
        weight_scale=_weight_scale(w_t),
        output_scale=out_t.scalar_scale,
        output_zero_point=out_t.scalar_zero_point,
        stride=stride,
        dilation=dilation,
        act_min=act_min,
        act_max=act_max,
    )
    pad = qk.tflite_padding(o["Padding"], x.shape[1:3], w.shape[1:3], stride, dilation)
    if op.opcode == "CONV_2D":
        y = qk.conv2d(x, w, bias, padding=pad, **common)
    else:
        y = qk.depthwise_conv2d(
            x, w, bias, padding=pad, depth_multiplier=int(o.get("DepthMultiplier", 1)), **common
        )
    if y.shape != out_t.shape:
        raise ValueError(f"op {op.index}: output shape {y.shape} != {out_t.shape}")
    return y


def _transpose_conv(model: TfliteModel, op: OperatorInfo, env: dict[int, np.ndarray]) -> np.ndarray:
    w_t, x_t = model.tensors[op.inputs[1]], model.tensors[op.inputs[2]]
    b_t = model.tensors[op.inputs[3]] if len(op.inputs) > 3 and op.inputs[3] >= 0 else None
    out_t = model.tensors[op.outputs[0]]
    x = env[x_t.index]
    w = _const(w_t)
    o = op.options
    stride = (int(o["StrideH"]), int(o["StrideW"]))
    out_hw = out_t.shape[1:3]
    pad = qk.transpose_conv_padding(o["Padding"], out_hw, w.shape[1:3], stride)
    act_min, act_max = _act(op, out_t)
    return qk.transpose_conv(
        x,
        w,
        None if b_t is None else _const(b_t),
        input_scale=x_t.scalar_scale,
        input_zero_point=x_t.scalar_zero_point,
        weight_scale=_weight_scale(w_t),
        output_scale=out_t.scalar_scale,
        output_zero_point=out_t.scalar_zero_point,
        stride=stride,
        padding=pad[:2],
        output_hw=out_hw,
        act_min=act_min,
        act_max=act_max,
    )


def _binary(model: TfliteModel, op: OperatorInfo, env: dict[int, np.ndarray]) -> np.ndarray:
    a_t, b_t = model.tensors[op.inputs[0]], model.tensors[op.inputs[1]]
    out_t = model.tensors[op.outputs[0]]
    a = env[a_t.index] if a_t.index in env else _const(a_t)
    b = env[b_t.index] if b_t.index in env else _const(b_t)
    act_min, act_max = _act(op, out_t)
    kwargs = dict(
        input1_scale=a_t.scalar_scale,
        input1_zero_point=a_t.scalar_zero_point,
        input2_scale=b_t.scalar_scale,
        input2_zero_point=b_t.scalar_zero_point,
        output_scale=out_t.scalar_scale,
        output_zero_point=out_t.scalar_zero_point,
        act_min=act_min,
        act_max=act_max,
    )
    if op.opcode == "MUL":
        return qk.mul(a, b, **kwargs)
    fn = qk.add if op.opcode == "ADD" else qk.sub
    # TFLite Micro always takes the general int16 path (it ignores pot_scale_int16).
    return fn(a, b, **kwargs)


def _strided_slice(model: TfliteModel, op: OperatorInfo, x: np.ndarray) -> np.ndarray:
    begin, end, strides = (_const(model.tensors[i]) for i in op.inputs[1:4])
    o = op.options
    if o.get("EllipsisMask") or o.get("NewAxisMask") or o.get("ShrinkAxisMask") or o.get("Offset"):
        raise UnsupportedOperator("STRIDED_SLICE with ellipsis/new-axis/shrink/offset masks")
    bm, em = int(o.get("BeginMask", 0)), int(o.get("EndMask", 0))
    index = tuple(
        slice(
            None if bm >> i & 1 else int(begin[i]),
            None if em >> i & 1 else int(end[i]),
            int(strides[i]),
        )
        for i in range(len(begin))
    )
    return x[index]


def run_operator(
    model: TfliteModel,
    op: OperatorInfo,
    env: dict[int, np.ndarray],
    *,
    float32_prepare: bool = False,
) -> None:
    """Evaluate ``op``, reading its inputs from ``env`` (tensor index -> array) and storing the
    output there. ``float32_prepare`` selects the older TFLite/TFLM float32 multiplier derivation
    where the reference kernels offer it (LEAKY_RELU)."""
    out_t = model.tensors[op.outputs[0]]
    x_t = model.tensors[op.inputs[0]] if op.inputs else None
    x = env.get(x_t.index) if x_t is not None else None
    code = op.opcode
    if code in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        y = _conv_like(model, op, env)
    elif code == "TRANSPOSE_CONV":
        y = _transpose_conv(model, op, env)
    elif code == "FULLY_CONNECTED":
        w_t = model.tensors[op.inputs[1]]
        b_t = model.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
        act_min, act_max = _act(op, out_t)
        y = qk.fully_connected(
            x,
            _const(w_t),
            None if b_t is None else _const(b_t),
            input_scale=x_t.scalar_scale,
            input_zero_point=x_t.scalar_zero_point,
            weight_scale=_weight_scale(w_t),
            weight_zero_point=w_t.scalar_zero_point,
            output_scale=out_t.scalar_scale,
            output_zero_point=out_t.scalar_zero_point,
            act_min=act_min,
            act_max=act_max,
        ).reshape(out_t.shape)
    elif code in ("ADD", "SUB", "MUL"):
        y = _binary(model, op, env)
    elif code in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        o = op.options
        k = (int(o["FilterHeight"]), int(o["FilterWidth"]))
        s = (int(o["StrideH"]), int(o["StrideW"]))
        pad = qk.tflite_padding(o["Padding"], x.shape[1:3], k, s)
        act_min, act_max = _act(op, out_t)
        fn = qk.average_pool2d if code == "AVERAGE_POOL_2D" else qk.max_pool2d
        y = fn(x, filter_hw=k, stride=s, padding=pad, act_min=act_min, act_max=act_max)
    elif code == "SOFTMAX":
        y = qk.softmax(
            x, input_scale=x_t.scalar_scale, beta=float(op.options["Beta"]), out_dtype=out_t.dtype
        )
    elif code in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS"):
        y = x.reshape(out_t.shape)
    elif code == "LEAKY_RELU":
        y = qk.leaky_relu(
            x,
            input_scale=x_t.scalar_scale,
            input_zero_point=x_t.scalar_zero_point,
            output_scale=out_t.scalar_scale,
            output_zero_point=out_t.scalar_zero_point,
            alpha=float(op.options["Alpha"]),
            float32_prepare=float32_prepare,
        )
    elif code == "QUANTIZE":
        if x.dtype == np.float32:
            y = qk.quantize(
                x, scale=out_t.scalar_scale, zero_point=out_t.scalar_zero_point, dtype=out_t.dtype
            )
        else:
            y = qk.requantize(
                x,
                input_scale=x_t.scalar_scale,
                input_zero_point=x_t.scalar_zero_point,
                output_scale=out_t.scalar_scale,
                output_zero_point=out_t.scalar_zero_point,
                dtype=out_t.dtype,
            )
    elif code == "DEQUANTIZE":
        y = qk.dequantize(x, scale=x_t.scalar_scale, zero_point=x_t.scalar_zero_point)
    elif code == "MEAN":
        axes = _const(model.tensors[op.inputs[1]]).reshape(-1)
        y = qk.mean(
            x,
            input_scale=x_t.scalar_scale,
            input_zero_point=x_t.scalar_zero_point,
            output_scale=out_t.scalar_scale,
            output_zero_point=out_t.scalar_zero_point,
            axis=tuple(int(a) for a in axes),
            keepdims=bool(op.options.get("KeepDims", False)),
        ).reshape(out_t.shape)
    elif code == "LOGISTIC":
        y = qk.logistic(x, input_scale=x_t.scalar_scale, input_zero_point=x_t.scalar_zero_point)
    elif code == "TANH":
        y = qk.tanh(x, input_scale=x_t.scalar_scale, input_zero_point=x_t.scalar_zero_point)
    elif code == "HARD_SWISH":
        y = qk.hard_swish(
            x,
            input_scale=x_t.scalar_scale,
            input_zero_point=x_t.scalar_zero_point,
            output_scale=out_t.scalar_scale,
            output_zero_point=out_t.scalar_zero_point,
        )
    elif code == "RELU":
        y = qk.relu(
            x,
            input_scale=x_t.scalar_scale,
            input_zero_point=x_t.scalar_zero_point,
            output_scale=out_t.scalar_scale,
            output_zero_point=out_t.scalar_zero_point,
        )
    elif code == "RELU6":
        y = qk.relu6(x, scale=x_t.scalar_scale, zero_point=x_t.scalar_zero_point)
    elif code == "PAD":
        pads = _const(model.tensors[op.inputs[1]]).reshape(-1, 2)
        y = np.pad(
            x, [tuple(int(v) for v in p) for p in pads], constant_values=out_t.scalar_zero_point
        )
    elif code == "STRIDED_SLICE":
        y = _strided_slice(model, op, x)
    else:
        raise UnsupportedOperator(f"no reference mapping for {code}")
    env[out_t.index] = np.asarray(y).astype(out_t.dtype, copy=False).reshape(out_t.shape)


def run_model(
    model: TfliteModel, inputs: Sequence[np.ndarray], *, float32_prepare: bool = False
) -> list[np.ndarray]:
    """Run the whole subgraph on ``inputs`` (one array per graph input, in order); returns the
    graph outputs. ``float32_prepare`` as in :func:`run_operator`."""
    if len(inputs) != len(model.inputs):
        raise ValueError(f"{model.path.name}: expected {len(model.inputs)} inputs")
    env: dict[int, np.ndarray] = {}
    for idx, value in zip(model.inputs, inputs, strict=True):
        t = model.tensors[idx]
        env[idx] = np.asarray(value).astype(t.dtype, copy=False).reshape(t.shape)
    for op in model.operators:
        run_operator(model, op, env, float32_prepare=float32_prepare)
    return [env[i] for i in model.outputs]
