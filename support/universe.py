"""Registration of edgeai's dialects and passes with xDSL (lazy factories).

`pyproject.toml` exposes `EDGEAI_UNIVERSE` under the `xdsl.universe` entry point, so both
`edgeai-opt` and plain `xdsl-opt` see the dialects and passes. `PASSES` is the single registry
of pass names -> modules; a pass module defines exactly one `ModulePass` subclass whose `name`
matches.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from xdsl.ir import Dialect
from xdsl.passes import ModulePass
from xdsl.universe import Universe

#: pass name -> module path (one pass per file, file named after the pass)
PASSES: dict[str, str] = {
    "convert-onnx-to-nn": "edgeai.lowering.convert_onnx_to_nn",
    "convert-tfl-to-nn": "edgeai.lowering.convert_tfl_to_nn",
    "convert-nn-to-kernel": "edgeai.lowering.convert_nn_to_kernel",
    "convert-kernel-to-loops": "edgeai.lowering.convert_kernel_to_loops",
    "convert-loops-to-llvm": "edgeai.lowering.convert_loops_to_llvm",
    "nn-fold-constants": "edgeai.transforms.nn_fold_constants",
    "nn-eliminate-dead-code": "edgeai.transforms.nn_eliminate_dead_code",
    "nn-fold-batchnorm": "edgeai.transforms.nn_fold_batchnorm",
    "nn-fuse-activation": "edgeai.transforms.nn_fuse_activation",
    "nn-fuse-pad": "edgeai.transforms.nn_fuse_pad",
    "nn-fuse-bias": "edgeai.transforms.nn_fuse_bias",
    "nn-sink-transposes": "edgeai.transforms.nn_sink_transposes",
    "nn-simplify-reshapes": "edgeai.transforms.nn_simplify_reshapes",
    "nn-optimize": "edgeai.transforms.nn_optimize",
    "nn-fold-sign-threshold": "edgeai.transforms.nn_fold_sign_threshold",
    "nn-fold-qdq": "edgeai.transforms.nn_fold_qdq",
    "nn-quantize": "edgeai.transforms.nn_quantize",
    "mem-plan-arena": "edgeai.transforms.mem_plan_arena",
    "imc-map-tiles": "edgeai.backends.imc.imc_map_tiles",
}

DIALECTS: dict[str, str] = {
    "onnx": "edgeai.dialects.onnx:ONNX",
    "tfl": "edgeai.dialects.tfl:TFL",
    "nn": "edgeai.dialects.nn:NN",
    "kernel": "edgeai.dialects.kernel:KERNEL",
    "mem": "edgeai.dialects.mem:MEM",
    "imc": "edgeai.backends.imc.dialect:IMC",
}


def _dialect_factory(spec: str) -> Callable[[], Dialect]:
    def load() -> Dialect:
        from edgeai.support import xdsl_fixes

        xdsl_fixes.apply()
        module, attr = spec.split(":")
        return getattr(importlib.import_module(module), attr)

    return load


def pass_class(name: str) -> type[ModulePass]:
    """The pass class registered under `name`."""
    module = importlib.import_module(PASSES[name])
    for obj in vars(module).values():
        if (
            isinstance(obj, type)
            and issubclass(obj, ModulePass)
            and getattr(obj, "name", None) == name
        ):
            return obj
    raise LookupError(f"module {PASSES[name]} defines no pass named {name}")


def _pass_factory(name: str) -> Callable[[], type[ModulePass]]:
    return lambda: pass_class(name)


EDGEAI_UNIVERSE = Universe(
    all_dialects={name: _dialect_factory(spec) for name, spec in DIALECTS.items()},
    all_passes={name: _pass_factory(name) for name in PASSES},
)
