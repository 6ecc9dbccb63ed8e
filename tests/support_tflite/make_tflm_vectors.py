"""Regenerate ``tflm_vectors/``: single-op int8/int16 models with TFLite Micro golden outputs.

Developer tool, not run by the tests. It needs the ``tflite-micro`` wheel (which also provides the
flatbuffer schema and ``flatbuffers``); the vectors were recorded with
``tflite-micro==0.dev20261023182759``::

    python tests/support_tflite/make_tflm_vectors.py

Each case is ``<name>.tflite`` plus ``<name>.npz`` holding flat ``input0[, input1]`` (one per graph
input, in order) and ``golden``, the layout of the seanet vectors. They cover the kernels and
options the seanet and MLPerf Tiny goldens do not exercise (logistic, tanh, hard-swish, mean, mul,
max-pool, int16 softmax output, dilation, groups, depth multiplier, fused activations,
broadcasting, float quantize/dequantize, ...).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import flatbuffers
import numpy as np
from tflite_micro.python.tflite_micro import runtime as tflm
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as S

OUT_DIR = Path(__file__).resolve().parent / "tflm_vectors"
BO, OPT = S.BuiltinOperator, S.BuiltinOptions
_TYPES = {
    np.dtype(np.float32): S.TensorType.FLOAT32,
    np.dtype(np.int32): S.TensorType.INT32,
    np.dtype(np.int8): S.TensorType.INT8,
    np.dtype(np.int16): S.TensorType.INT16,
    np.dtype(np.int64): S.TensorType.INT64,
}
RNG = np.random.default_rng(20261123)


def tensor(dtype, shape, scale=None, zp=0, qdim=0, data=None) -> dict:
    return {
        "dtype": np.dtype(dtype),
        "shape": [int(s) for s in shape],
        "scale": scale,
        "zp": zp,
        "qdim": qdim,
        "data": data,
    }


def build(code, tensors, op_in, op_out, g_in, g_out, opt_type=0, opt=None) -> bytes:
    model = S.ModelT()
    model.version = 3
    oc = S.OperatorCodeT()
    oc.builtinCode, oc.deprecatedBuiltinCode, oc.version = code, min(code, 127), 1
    model.operatorCodes = [oc]
    buffers = [S.BufferT()]
    tl = []
    for t in tensors:
        tt = S.TensorT()
        tt.shape, tt.type, tt.buffer = t["shape"], _TYPES[t["dtype"]], 0
        if t["data"] is not None:
            b = S.BufferT()
            raw = np.ascontiguousarray(t["data"], dtype=t["dtype"]).tobytes()
            b.data = np.frombuffer(raw, np.uint8)
            buffers.append(b)
            tt.buffer = len(buffers) - 1
        if t["scale"] is not None:
            q = S.QuantizationParametersT()
            q.scale = [float(v) for v in np.atleast_1d(np.asarray(t["scale"], np.float32))]
            q.zeroPoint = [int(t["zp"])] * len(q.scale)
            q.quantizedDimension = t["qdim"]
            tt.quantization = q
        tl.append(tt)
    sg = S.SubGraphT()
    sg.tensors, sg.inputs, sg.outputs = tl, g_in, g_out
    op = S.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, op_in, op_out
    op.builtinOptionsType, op.builtinOptions = opt_type, opt
    sg.operators = [op]
    model.subgraphs, model.buffers = [sg], buffers
    fb = flatbuffers.Builder(1024)
    fb.Finish(model.Pack(fb), file_identifier=b"TFL3")
    return bytes(fb.Output())


def run_tflm(model: bytes, inputs: list[np.ndarray]) -> np.ndarray:
    fd, path = tempfile.mkstemp(suffix=".tflite")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(model)
        it = tflm.Interpreter.from_file(path, arena_size=1 << 22)
        for i, x in enumerate(inputs):
            d = it.get_input_details(i)
            it.set_input(np.asarray(x).reshape(d["shape"]).astype(d["dtype"]), i)
        it.invoke()
        return np.array(it.get_output(0))
    finally:
        os.unlink(path)


def save(name: str, model: bytes, inputs: list[np.ndarray]) -> None:
    golden = run_tflm(model, inputs)
    (OUT_DIR / f"{name}.tflite").write_bytes(model)
    arrays = {f"input{i}": np.asarray(x).reshape(-1) for i, x in enumerate(inputs)}
    np.savez_compressed(OUT_DIR / f"{name}.npz", golden=golden.reshape(-1), **arrays)


def qrand(dtype, shape) -> np.ndarray:
    info = np.iinfo(dtype)
    return RNG.integers(info.min, info.max + 1, size=shape).astype(dtype)


def sweep(dtype, step: int = 1) -> np.ndarray:
    info = np.iinfo(dtype)
    return np.arange(info.min, info.max + 1, step).astype(dtype)


def out_size(size, k, s, d, padding) -> int:
    eff = (k - 1) * d + 1
    return (size + s - 1) // s if padding == 0 else (size + s - eff) // s


def conv(
    name,
    dtype,
    bias_dtype,
    *,
    hw=(9, 8),
    cin=4,
    cout=6,
    k=(3, 3),
    stride=(1, 1),
    dil=(1, 1),
    padding=0,
    act=0,
    depthwise=False,
    mult=1,
    per_channel=True,
    groups=1,
    zp_in=0,
    zp_out=0,
) -> None:
    x = qrand(dtype, (1, *hw, cin))
    if depthwise:
        cout = cin * mult
        wshape, qdim = (1, *k, cout), 3
    else:
        wshape, qdim = (cout, *k, cin // groups), 0
    w = RNG.integers(-127, 128, wshape).astype(np.int8)
    s_in, s_out = np.float32(0.02), np.float32(0.9 if dtype == np.int8 else 0.05)
    s_w = RNG.uniform(0.002, 0.02, cout).astype(np.float32) if per_channel else np.float32(0.01)
    bias = RNG.integers(-20000, 20000, cout).astype(bias_dtype)
    oh = out_size(hw[0], k[0], stride[0], dil[0], padding)
    ow = out_size(hw[1], k[1], stride[1], dil[1], padding)
    bias_scale = np.broadcast_to(np.float32(s_in) * np.atleast_1d(s_w), (cout,))
    tens = [
        tensor(dtype, x.shape, s_in, zp_in),
        tensor(np.int8, wshape, s_w, 0, qdim, w),
        tensor(bias_dtype, (cout,), bias_scale, 0, 0, bias),
        tensor(dtype, (1, oh, ow, cout), s_out, zp_out),
    ]
    if depthwise:
        o, ot, code = S.DepthwiseConv2DOptionsT(), OPT.DepthwiseConv2DOptions, BO.DEPTHWISE_CONV_2D
        o.depthMultiplier = mult
    else:
        o, ot, code = S.Conv2DOptionsT(), OPT.Conv2DOptions, BO.CONV_2D
    o.padding, o.strideH, o.strideW = padding, stride[0], stride[1]
    o.dilationHFactor, o.dilationWFactor, o.fusedActivationFunction = dil[0], dil[1], act
    save(name, build(code, tens, [0, 1, 2], [3], [0], [3], ot, o), [x])


def fully_connected(name, dtype, bias_dtype, *, per_channel=False, act=0, zp_in=0, zp_out=0):
    x = qrand(dtype, (3, 40))
    w = RNG.integers(-127, 128, (7, 40)).astype(np.int8)
    s_in, s_out = np.float32(0.03), np.float32(1.3 if dtype == np.int8 else 0.02)
    s_w = RNG.uniform(0.002, 0.02, 7).astype(np.float32) if per_channel else np.float32(0.011)
    bias = RNG.integers(-20000, 20000, 7).astype(bias_dtype)
    bias_scale = np.broadcast_to(np.float32(s_in) * np.atleast_1d(s_w), (7,))
    tens = [
        tensor(dtype, x.shape, s_in, zp_in),
        tensor(np.int8, w.shape, s_w, 0, 0, w),
        tensor(bias_dtype, (7,), bias_scale, 0, 0, bias),
        tensor(dtype, (3, 7), s_out, zp_out),
    ]
    o = S.FullyConnectedOptionsT()
    o.fusedActivationFunction = act
    save(
        name,
        build(BO.FULLY_CONNECTED, tens, [0, 1, 2], [3], [0], [3], OPT.FullyConnectedOptions, o),
        [x],
    )


def transpose_conv(
    name, dtype, bias_dtype, *, hw=(4, 5), stride=(2, 2), padding=0, zp_in=0, zp_out=0
):
    cin, cout, k = 3, 4, (3, 3)
    x = qrand(dtype, (1, *hw, cin))
    w = RNG.integers(-127, 128, (cout, *k, cin)).astype(np.int8)
    if padding == 0:
        oh, ow = hw[0] * stride[0], hw[1] * stride[1]
    else:
        oh, ow = (hw[0] - 1) * stride[0] + k[0], (hw[1] - 1) * stride[1] + k[1]
    s_in, s_out = np.float32(0.02), np.float32(0.4 if dtype == np.int8 else 0.01)
    s_w = RNG.uniform(0.002, 0.02, cout).astype(np.float32)
    bias = RNG.integers(-20000, 20000, cout).astype(bias_dtype)
    shape = np.array([1, oh, ow, cout], np.int32)
    tens = [
        tensor(np.int32, (4,), data=shape),
        tensor(np.int8, w.shape, s_w, 0, 0, w),
        tensor(dtype, x.shape, s_in, zp_in),
        tensor(bias_dtype, (cout,), np.float32(s_in) * s_w, 0, 0, bias),
        tensor(dtype, tuple(shape), s_out, zp_out),
    ]
    o = S.TransposeConvOptionsT()
    o.padding, o.strideH, o.strideW = padding, stride[0], stride[1]
    save(
        name,
        build(BO.TRANSPOSE_CONV, tens, [0, 1, 2, 3], [4], [0, 2], [4], OPT.TransposeConvOptions, o),
        [shape, x],
    )


def binary(name, code, dtype, shape1, shape2, *, scales=(0.05, 0.02, 0.06), zps=(0, 0, 0), act=0):
    a, b = qrand(dtype, shape1), qrand(dtype, shape2)
    out_shape = np.broadcast_shapes(shape1, shape2)
    tens = [
        tensor(dtype, shape1, np.float32(scales[0]), zps[0]),
        tensor(dtype, shape2, np.float32(scales[1]), zps[1]),
        tensor(dtype, out_shape, np.float32(scales[2]), zps[2]),
    ]
    o, ot = {
        BO.ADD: (S.AddOptionsT(), OPT.AddOptions),
        BO.SUB: (S.SubOptionsT(), OPT.SubOptions),
        BO.MUL: (S.MulOptionsT(), OPT.MulOptions),
    }[code]
    o.fusedActivationFunction = act
    save(name, build(code, tens, [0, 1], [2], [0, 1], [2], ot, o), [a, b])


def pool(name, code, dtype, *, hw=(7, 9), k=(3, 2), stride=(2, 2), padding=0, act=0, zp=0):
    x = qrand(dtype, (1, *hw, 3))
    s = np.float32(0.05)
    oh, ow = (
        out_size(hw[0], k[0], stride[0], 1, padding),
        out_size(hw[1], k[1], stride[1], 1, padding),
    )
    o = S.Pool2DOptionsT()
    o.padding, o.strideH, o.strideW = padding, stride[0], stride[1]
    o.filterHeight, o.filterWidth, o.fusedActivationFunction = k[0], k[1], act
    tens = [tensor(dtype, x.shape, s, zp), tensor(dtype, (1, oh, ow, 3), s, zp)]
    save(name, build(code, tens, [0], [1], [0], [1], OPT.Pool2DOptions, o), [x])


def mean(name, dtype, axes, keep, *, shape=(1, 6, 5, 7), scales=(0.05, 0.03), zps=(0, 0)):
    x = qrand(dtype, shape)
    out_shape = np.mean(x, axis=tuple(axes), keepdims=keep).shape
    ax = np.array(axes, np.int32)
    o = S.ReducerOptionsT()
    o.keepDims = keep
    tens = [
        tensor(dtype, shape, np.float32(scales[0]), zps[0]),
        tensor(np.int32, ax.shape, data=ax),
        tensor(dtype, out_shape, np.float32(scales[1]), zps[1]),
    ]
    save(name, build(BO.MEAN, tens, [0, 1], [2], [0], [2], OPT.ReducerOptions, o), [x])


def softmax(name, out_dtype, beta, *, scale=0.1, zp=3):
    x = qrand(np.int8, (4, 37))
    so, zo = (1 / 256, -128) if out_dtype == np.int8 else (1 / 65536, -32768)
    o = S.SoftmaxOptionsT()
    o.beta = beta
    tens = [
        tensor(np.int8, x.shape, np.float32(scale), zp),
        tensor(out_dtype, x.shape, np.float32(so), zo),
    ]
    save(name, build(BO.SOFTMAX, tens, [0], [1], [0], [1], OPT.SoftmaxOptions, o), [x])


def unary(name, code, dtype, x, in_q, out_q, opt_type=0, opt=None) -> None:
    tens = [
        tensor(dtype, x.shape, np.float32(in_q[0]), in_q[1]),
        tensor(
            dtype if code != BO.DEQUANTIZE else np.float32,
            x.shape,
            None if code == BO.DEQUANTIZE else np.float32(out_q[0]),
            out_q[1],
        ),
    ]
    save(name, build(code, tens, [0], [1], [0], [1], opt_type, opt), [x])


def convert(name, din, dout, x, in_q, out_q) -> None:
    tens = [
        tensor(din, x.shape, None if din == np.float32 else np.float32(in_q[0]), in_q[1]),
        tensor(dout, x.shape, np.float32(out_q[0]), out_q[1]),
    ]
    save(name, build(BO.QUANTIZE, tens, [0], [1], [0], [1]), [x])


def main() -> None:
    OUT_DIR.mkdir(exist_ok=True)
    for f in OUT_DIR.glob("*"):
        f.unlink()
    conv(
        "conv_int8_dilated_same_relu6",
        np.int8,
        np.int32,
        stride=(2, 1),
        dil=(2, 1),
        act=3,
        zp_in=-7,
        zp_out=5,
    )
    conv("conv_int8_grouped_same", np.int8, np.int32, cin=6, cout=4, groups=2, zp_in=11)
    conv(
        "conv_int8_pertensor_valid_relu",
        np.int8,
        np.int32,
        padding=1,
        per_channel=False,
        act=1,
        zp_in=-128,
        zp_out=-128,
    )
    conv("conv_int16_bias32_same", np.int16, np.int32, k=(2, 3))
    conv("conv_int16_bias64_stride2", np.int16, np.int64, stride=(2, 2), k=(3, 1), act=1)
    conv(
        "dwconv_int8_mult2_dilated",
        np.int8,
        np.int32,
        depthwise=True,
        mult=2,
        dil=(1, 2),
        stride=(1, 2),
        zp_in=4,
        zp_out=-3,
        act=3,
    )
    conv("dwconv_int16_bias64_valid", np.int16, np.int64, depthwise=True, padding=1)
    fully_connected("fc_int8_pertensor_relu", np.int8, np.int32, act=1, zp_in=9, zp_out=-20)
    fully_connected("fc_int8_perchannel", np.int8, np.int32, per_channel=True, zp_in=-3)
    fully_connected("fc_int16_bias64", np.int16, np.int64)
    fully_connected("fc_int16_bias32", np.int16, np.int32)
    transpose_conv("tconv_int8_same_s2", np.int8, np.int32, zp_in=-5, zp_out=7)
    transpose_conv("tconv_int16_valid_s21", np.int16, np.int64, stride=(2, 1), padding=1)
    binary(
        "add_int8_broadcast_relu",
        BO.ADD,
        np.int8,
        (1, 3, 4, 5),
        (1, 1, 4, 1),
        zps=(3, -9, -100),
        act=1,
    )
    binary("add_int16_broadcast", BO.ADD, np.int16, (2, 3, 5), (5,))
    binary("sub_int8_broadcast", BO.SUB, np.int8, (3, 1, 6), (1, 4, 6), zps=(-1, 20, 2))
    binary("sub_int16", BO.SUB, np.int16, (4, 33), (4, 33), scales=(0.001, 0.003, 0.002))
    binary(
        "mul_int8_broadcast_relu6",
        BO.MUL,
        np.int8,
        (2, 4, 3),
        (1, 4, 1),
        scales=(0.05, 0.04, 0.01),
        zps=(5, -6, -120),
        act=3,
    )
    binary("mul_int16", BO.MUL, np.int16, (5, 41), (5, 41), scales=(0.001, 0.002, 0.00003))
    pool("avgpool_int8_same", BO.AVERAGE_POOL_2D, np.int8, zp=-3)
    pool("avgpool_int16_valid_relu", BO.AVERAGE_POOL_2D, np.int16, padding=1, act=1)
    pool("maxpool_int8_same_relu6", BO.MAX_POOL_2D, np.int8, act=3, zp=-10)
    pool("maxpool_int16_valid", BO.MAX_POOL_2D, np.int16, padding=1, k=(2, 2))
    mean("mean_int8_hw_keep", np.int8, (1, 2), True, zps=(-4, 6))
    mean("mean_int8_hw_same_q", np.int8, (1, 2), True, scales=(0.05, 0.05), zps=(2, 2))
    mean("mean_int8_c_nokeep", np.int8, (3,), False, zps=(10, -10))
    mean("mean_int16_hw", np.int16, (1, 2), True, shape=(1, 11, 13, 3), scales=(0.001, 0.0004))
    softmax("softmax_int8", np.int8, 1.0)
    softmax("softmax_int8_beta", np.int8, 0.37, scale=0.3, zp=-50)
    softmax("softmax_int8_to_int16", np.int16, 1.0, scale=0.05)
    x8, x16 = sweep(np.int8), sweep(np.int16, 13)
    unary("logistic_int8", BO.LOGISTIC, np.int8, x8, (0.06, -12), (1 / 256, -128))
    unary("logistic_int16_pot", BO.LOGISTIC, np.int16, x16, (1 / 4096, 0), (1 / 32768, 0))
    unary("logistic_int16_general", BO.LOGISTIC, np.int16, x16, (0.0003, 0), (1 / 32768, 0))
    unary("tanh_int8", BO.TANH, np.int8, x8, (0.03, 7), (1 / 128, 0))
    unary("tanh_int16_pot", BO.TANH, np.int16, x16, (1 / 2048, 0), (1 / 32768, 0))
    unary("tanh_int16_general", BO.TANH, np.int16, x16, (0.0007, 0), (1 / 32768, 0))
    unary("hard_swish_int8", BO.HARD_SWISH, np.int8, x8, (0.05, -20), (0.03, -60))
    unary("hard_swish_int8_small", BO.HARD_SWISH, np.int8, x8, (0.011, 30), (0.02, -100))
    for name, dt, x, iq, oq, alpha in (
        ("leaky_relu_int8", np.int8, x8, (0.04, -3), (0.03, 12), 0.2),
        ("leaky_relu_int16", np.int16, x16, (0.0011, 0), (0.0007, 0), 0.1),
    ):
        o = S.LeakyReluOptionsT()
        o.alpha = alpha
        unary(name, BO.LEAKY_RELU, dt, x, iq, oq, OPT.LeakyReluOptions, o)
    unary("relu_int8", BO.RELU, np.int8, x8, (0.04, -3), (0.03, -128))
    unary("relu_int16", BO.RELU, np.int16, x16, (0.0011, 0), (0.0007, 0))
    unary("relu6_int8", BO.RELU6, np.int8, x8, (0.05, -20), (0.05, -20))
    unary("dequantize_int8", BO.DEQUANTIZE, np.int8, x8, (0.037, 5), (None, 0))
    xf = np.concatenate([RNG.standard_normal(300) * 4, np.arange(-8, 8.5, 0.5) * 0.25])
    convert(
        "quantize_f32_int8", np.float32, np.int8, xf.astype(np.float32), (None, 0), (0.0625, -3)
    )
    convert(
        "quantize_f32_int16", np.float32, np.int16, xf.astype(np.float32), (None, 0), (0.0005, 0)
    )
    convert("requantize_int8_int16", np.int8, np.int16, x8, (0.05, 6), (0.0003, 0))
    convert("requantize_int16_int8", np.int16, np.int8, x16, (0.0003, 0), (0.05, 6))
    convert("requantize_int8_int8", np.int8, np.int8, x8, (0.05, 6), (0.07, -9))


if __name__ == "__main__":
    main()
