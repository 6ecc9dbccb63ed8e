"""Per-layer C kernels: one Python function per kernel op (and implementation) writing the C of
one layer, specialized at compile time (shapes, strides, padding, offsets, activation range and
loop bounds are literals; per-channel parameters are `static const` arrays).

The extension point for SIMD kernels is the registry below. An implementation is registered
with the `kernel` decorator:

    @kernel(K.Conv2dOp, name="dsp-1x1", variant="dsp", requires={"dsp"},
            applies=lambda op: op.quantized and is_pointwise(op), priority=10)
    def conv2d_dsp_1x1(op: K.Conv2dOp, layer: Layer) -> None:
        layer.code(...)            # the body of the layer function

`select(op, features)` picks, among the implementations of the op's class whose `requires` are
all in the target's core features (e.g. {"dsp"} on M4/M7/M33, {"dsp", "mve"} on M55) and whose
`applies(op)` holds, the one with the highest priority; an op whose `variant` property names an
implementation gets that one when the core can run it. The portable C99 implementations
(priority 0, no requirement) always apply, so a new variant never has to cover every case: it
adds a module here (imported by `_load`), nothing else changes.

`scratch(op)` is the stack working memory (bytes of the arrays the kernel declares: window
buffers, im2col columns) an implementation needs for `op`; `select(..., max_scratch=N)` skips
the implementations that need more than N bytes (`edgeai generate -O ram` uses this: SIMD
kernels only where their working buffers are small). The portable kernels need none.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from edgeai.dialects import kernel as K
from edgeai.support.errors import EdgeAIError

from .layer import Layer

#: core -> features the kernels may use ("dsp": SMLAD-style dual 16-bit MAC, "mve": Helium,
#: "fpu"/"fpu_dp": single/double-precision FPU), as in target.py's presets (which take
#: precedence) plus the cores QEMU does not emulate here.
CPU_FEATURES: dict[str, frozenset[str]] = {
    "cortex-m0plus": frozenset(),
    "cortex-m3": frozenset(),
    "cortex-m4": frozenset({"dsp", "fpu"}),
    "cortex-m7": frozenset({"dsp", "fpu", "fpu_dp"}),
    "cortex-m33": frozenset({"dsp", "fpu"}),
    "cortex-m55": frozenset({"dsp", "fpu", "fpu_dp", "mve"}),
    "cortex-m85": frozenset({"dsp", "fpu", "fpu_dp", "mve"}),
}

#: modules holding implementations (imported on first selection)
_MODULES = ("conv", "pool", "elementwise", "softmax", "movement", "dsp", "mve")


def _always(op: K.KernelOp) -> bool:
    return True


def _no_scratch(op: K.KernelOp) -> int:
    return 0


@dataclass(frozen=True)
class KernelImpl:
    """One implementation of a kernel op."""

    op: type[K.KernelOp]
    emit: Callable[[K.KernelOp, Layer], None]
    name: str = "portable"
    variant: str | None = None
    requires: frozenset[str] = frozenset()
    applies: Callable[[K.KernelOp], bool] = field(default=_always)
    #: the output may be the same buffer as an input (element-wise kernels): no `restrict`
    in_place: bool = False
    priority: int = 0
    #: bytes of stack working memory the implementation declares for an op
    scratch: Callable[[K.KernelOp], int] = field(default=_no_scratch)


_REGISTRY: dict[type[K.KernelOp], list[KernelImpl]] = {}
_loaded = False


def kernel(
    *ops: type[K.KernelOp],
    name: str = "portable",
    variant: str | None = None,
    requires: Iterable[str] = (),
    applies: Callable[[K.KernelOp], bool] | None = None,
    in_place: bool = False,
    priority: int = 0,
    scratch: Callable[[K.KernelOp], int] | None = None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register the decorated function as an implementation of each of `ops`."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        for op in ops:
            _REGISTRY.setdefault(op, []).append(
                KernelImpl(
                    op, fn, name, variant, frozenset(requires), applies or _always, in_place,
                    priority, scratch or _no_scratch,
                )
            )  # fmt: skip
        return fn

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        for mod in _MODULES:
            importlib.import_module(f"{__name__}.{mod}")
        _loaded = True


def implementations(op_class: type[K.KernelOp]) -> list[KernelImpl]:
    """Every registered implementation of `op_class`."""
    _load()
    return list(_REGISTRY.get(op_class, []))


def select(op: K.KernelOp, features: frozenset[str], max_scratch: int | None = None) -> KernelImpl:
    """The implementation of `op` for a core with `features`, needing at most `max_scratch`
    bytes of working memory when given (see the module docstring)."""
    _load()
    usable = [
        impl
        for impl in _REGISTRY.get(type(op), [])
        if impl.requires <= features
        and impl.applies(op)
        and (max_scratch is None or impl.scratch(op) <= max_scratch)
    ]
    if not usable:
        raise EdgeAIError(f"{op.name}: no C kernel for this layer on this core")
    wanted = op.prop("variant") if "variant" in op.properties else None
    named = [impl for impl in usable if wanted is not None and impl.variant == wanted]
    return max(named or usable, key=lambda impl: impl.priority)


__all__ = ["CPU_FEATURES", "KernelImpl", "Layer", "implementations", "kernel", "select"]
