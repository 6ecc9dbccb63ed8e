"""Build quantized `nn` programs from a list of layer specifications (no framework needed).

Used to make benchmark networks and random test layers at any bit width (1..8-bit weights and
features), e.g. the VGG16-style and YOLOv2-tiny-style CNNs of the IMC benchmarks:

    specs = [ConvSpec("conv1", 16, k=3), ConvSpec("conv2", 32, k=3, stride=2)]
    module = quant_net(specs, input_hwc=(32, 32, 3), seed=0)

Every layer is a quantized `nn.conv2d`, `nn.depthwise_conv2d` or `nn.dense`: signed symmetric
weights with one scale per output channel, an `i32` bias at scale `input scale x weight scale`,
unsigned features with zero point 0 (what a ReLU network produces; the input image likewise), the
result requantized with TFLite's rounding and clamped (`relu` = the unsigned range). Weights are
seeded random values; scales are chosen so that the accumulator's spread roughly fills the output
range (the numbers are meaningful integers, not saturated ones).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from xdsl.builder import Builder
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType
from xdsl.ir import Block, Region, SSAValue
from xdsl.rewriter import InsertPoint

from edgeai.dialects import nn
from edgeai.dialects.nn_types import BinaryType, QuantType
from edgeai.support.attrs import i64_array, i64_attr
from edgeai.support.errors import EdgeAIError

__all__ = ["ConvSpec", "quant_net"]


@dataclass(frozen=True)
class ConvSpec:
    """One layer: `kind` conv2d | depthwise | dense, `out_c` output channels (depthwise: equal to
    the input's), square `k` x `k` window, `stride`, padding `pad` ("same" or a number on every
    side), weight bits `w_bits`, output feature bits `a_bits`."""

    name: str
    out_c: int
    k: int = 3
    stride: int = 1
    pad: str | int = "same"
    kind: str = "conv2d"
    w_bits: int = 4
    a_bits: int = 4


def _out(n: int, k: int, stride: int, before: int, after: int) -> int:
    return (n + before + after - k) // stride + 1


def _padding(spec: ConvSpec, h: int, w: int) -> tuple[int, int, int, int]:
    """[top, left, bottom, right] (TFLite SAME: the extra row/column at the end)."""
    if isinstance(spec.pad, int):
        return (spec.pad,) * 4
    if spec.pad != "same":
        raise EdgeAIError(f"layer '{spec.name}': pad '{spec.pad}' is not 'same' or a number")
    pads = []
    for n in (h, w):
        out = math.ceil(n / spec.stride)
        total = max((out - 1) * spec.stride + spec.k - n, 0)
        pads.append((total // 2, total - total // 2))
    return (pads[0][0], pads[1][0], pads[0][1], pads[1][1])


def _weights(rng: np.random.Generator, shape: tuple[int, ...], bits: int) -> np.ndarray:
    """Signed symmetric weights -(2^(b-1) - 1) .. 2^(b-1) - 1; 1 bit: binary +-1."""
    if bits == 1:
        return rng.choice(np.array([-1, 1], dtype=np.int8), size=shape)
    hi = (1 << (bits - 1)) - 1
    return rng.integers(-hi, hi + 1, size=shape, dtype=np.int64).astype(np.int8)


def quant_net(
    specs: list[ConvSpec],
    input_hwc: tuple[int, int, int],
    input_bits: int = 4,
    seed: int = 0,
    name: str = "main",
) -> ModuleOp:
    """A module with one function `name` running `specs` in sequence on a 1 x H x W x C input."""
    rng = np.random.default_rng(seed)
    h, w, c = input_hwc
    sx = 1.0 / ((1 << input_bits) - 1)
    x_type = QuantType.get(input_bits, False, sx, 0)
    block = Block(arg_types=[TensorType(x_type, [1, h, w, c])])
    b = Builder(InsertPoint.at_end(block))
    x: SSAValue = block.args[0]
    for spec in specs:
        if spec.kind not in ("conv2d", "depthwise", "dense"):
            raise EdgeAIError(f"layer '{spec.name}': unknown kind '{spec.kind}'")
        for what, bits in (("w_bits", spec.w_bits), ("a_bits", spec.a_bits)):
            if not 1 <= bits <= 16:
                raise EdgeAIError(f"layer '{spec.name}': {what}={bits} outside 1..16")
        if spec.kind == "dense":
            fan_in, wshape = h * w * c, (spec.out_c, h * w * c)
            if (h, w) != (1, 1):
                x = b.insert(
                    nn.ReshapeOp.make([x], x.type.element_type, shapes=[(1, fan_in)])
                ).results[0]
            elif len(x.type.get_shape()) == 4:
                x = b.insert(nn.ReshapeOp.make([x], x.type.element_type, shapes=[(1, c)])).results[
                    0
                ]
        elif spec.kind == "depthwise":
            if spec.out_c != c:
                raise EdgeAIError(f"layer '{spec.name}': depthwise out_c {spec.out_c} != {c}")
            fan_in, wshape = spec.k * spec.k, (1, spec.k, spec.k, c)
        else:
            fan_in, wshape = spec.k * spec.k * c, (spec.out_c, spec.k, spec.k, c)
        wq = _weights(rng, wshape, spec.w_bits)
        axis = 3 if spec.kind == "depthwise" else 0
        # weight scales ~ 1 / (wmax * sqrt(fan_in)): accumulators of unit-range features stay O(1)
        wmax = max(1, (1 << (spec.w_bits - 1)) - 1)
        sw = rng.uniform(0.8, 1.2, size=spec.out_c) / (wmax * math.sqrt(fan_in))
        w_type = (
            BinaryType.get(sw, axis=axis)
            if spec.w_bits == 1
            else QuantType.get(spec.w_bits, True, sw, 0, axis=axis)
        )
        wv = b.insert(nn.ConstantOp.from_numpy(wq, w_type, f"{spec.name}_w")).output
        sb = sx * sw
        bias = rng.uniform(-0.1, 0.1, spec.out_c)
        b_type = QuantType.get(32, True, sb, 0, axis=0)
        bv = b.insert(
            nn.ConstantOp.from_numpy(np.round(bias / sb).astype(np.int32), b_type, f"{spec.name}_b")
        ).output
        # features are reals in about [0, 1] (x_real = sx * q), weights about +-1/sqrt(fan_in):
        # the accumulator spreads over about +-0.5, and [0, 1] is again the output range
        amax = (1 << spec.a_bits) - 1
        sy = 1.0 / amax
        y_type = QuantType.get(spec.a_bits, False, sy, 0)
        if spec.kind == "dense":
            op = nn.DenseOp.make([x, wv, bv], y_type, {}, layer=spec.name)
            h = w = 1
            c = spec.out_c
        else:
            top, left, bottom, right = _padding(spec, h, w)
            props = {
                "strides": i64_array([spec.stride, spec.stride]),
                "dilations": i64_array([1, 1]),
                "padding": i64_array([top, left, bottom, right]),
            }
            if spec.kind == "conv2d":
                props["groups"] = i64_attr(1)
                op = nn.Conv2dOp.make([x, wv, bv], y_type, props, layer=spec.name)
            else:
                op = nn.DepthwiseConv2dOp.make([x, wv, bv], y_type, props, layer=spec.name)
            h = _out(h, spec.k, spec.stride, top, bottom)
            w = _out(w, spec.k, spec.stride, left, right)
            c = spec.out_c
        b.insert(op)
        x = op.results[0]
        x.name_hint = spec.name
        sx = sy
    b.insert(func.ReturnOp(x))
    f = func.FuncOp(name, ([block.args[0].type], [x.type]), Region(block))
    f.attributes["sym_visibility"] = StringAttr("public")
    module = ModuleOp([f])
    module.verify()
    return module
