"""Per-op lowerings of `convert-kernel-to-loops` (kernel ops -> `scf`/`memref`/`arith`).

`builder.py` holds the small IR builder every lowering uses, `fixedpoint.py` the TFLite/gemmlowp
integer primitives emitted as private helper functions of the module, and one file per family of
kernels (`conv.py`, `pool.py`, `elementwise.py`, `softmax.py`, `movement.py`). `LOWERINGS` maps
each kernel op class to its lowering.
"""

from __future__ import annotations

from edgeai.lowering.kernel_to_loops.registry import LOWERINGS

__all__ = ["LOWERINGS"]
