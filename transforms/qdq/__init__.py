"""Helpers of `nn-fold-qdq` (transforms/nn_fold_qdq.py): QDQ groups -> integer `nn` ops.

* `common`: matching helpers (dequantized sources, quantize users), op rebuilding, clean-up, and
  `NotFoldable`, the exception that carries the reason a group stays float;
* `bias`: an int32 bias at TFLite's scale `s_x * s_w[c]`;
* `movement`: data-movement ops hoisted above `nn.dequantize`, `quantize(dequantize(x))`;
* `compute`: the groups `quantize(op(dequantize(...)))` that become one integer op.
"""
