"""Kernel op class -> lowering function (`fn(builder, op)` emits the loops at the builder)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edgeai.dialects import kernel as K
from edgeai.lowering.kernel_to_loops import conv, elementwise, movement, pool, softmax

Lowering = Callable[[Any, Any], None]

LOWERINGS: dict[type[K.KernelOp], Lowering] = {
    K.Conv2dOp: conv.conv2d,
    K.DepthwiseConv2dOp: conv.conv2d,
    K.FullyConnectedOp: conv.fully_connected,
    K.AvgPool2dOp: pool.pool2d,
    K.MaxPool2dOp: pool.pool2d,
    K.MeanOp: pool.mean,
    K.AddOp: elementwise.binary,
    K.MulOp: elementwise.binary,
    K.SoftmaxOp: softmax.softmax,
    K.ClampOp: elementwise.clamp,
    K.RequantizeOp: elementwise.requantize,
    K.QuantizeOp: elementwise.quantize,
    K.DequantizeOp: elementwise.dequantize,
    K.CopyOp: movement.copy,
    K.TransposeOp: movement.transpose,
    K.ConcatOp: movement.concat,
    K.PadOp: movement.pad,
}

__all__ = ["LOWERINGS", "Lowering"]
