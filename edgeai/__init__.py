"""edgeai: an open, MLIR-style multi-level compiler for tiny machine learning.

The public Python API (everything else is internal):

    import edgeai
    m = edgeai.import_model("model.onnx", input_shapes={"x": [1, 3, 32, 32]})   # level 0
    m = edgeai.lower(m, to="nn")                       # level 1, graph-optimized
    outputs = edgeai.run(m, {"x": array})              # NumPy reference interpreter

Imports are lazy so that `import edgeai` stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from xdsl.dialects.builtin import ModuleOp

__all__ = ["import_model", "parse_mlir", "lower", "run", "EdgeAIError", "LEVELS", "__version__"]
__version__ = "0.1.0"

#: lowering targets of `lower(to=...)` and the pipeline that reaches each from the level below
LEVELS: dict[str, str] = {
    # nn-fold-qdq keeps an ONNX model's own (onnxruntime) semantics by default; TFLite Micro
    # bit-exactness is chosen explicitly with nn-fold-qdq{rounding=tflite}
    "nn": "convert-onnx-to-nn,nn-optimize,nn-fold-qdq{rounding=onnx},nn-optimize",
}
#: the crossing tfl -> nn (TFLite models already carry TFLite's integer semantics: no QDQ to fold)
TFL_TO_NN = "convert-tfl-to-nn,nn-optimize"


def __getattr__(name: str) -> Any:
    if name == "EdgeAIError":
        from edgeai.support.errors import EdgeAIError

        return EdgeAIError
    raise AttributeError(name)


def import_model(path: str, input_shapes: Mapping[str, Sequence[int]] | None = None) -> ModuleOp:
    """Read a model: `.onnx` (-> `onnx` level), `.tflite` (-> `tfl` level) or `.mlir` (any
    level, verified).

    `input_shapes` fixes symbolic input dimensions (ONNX only), e.g. `{"input": [1, 3, 32, 32]}`.
    """
    import os

    from edgeai.support.errors import EdgeAIError

    ext = os.path.splitext(str(path))[1].lower()
    if ext == ".onnx":
        from edgeai.frontends.onnx import import_onnx

        return import_onnx(path, input_shapes)
    if ext == ".tflite":
        if input_shapes:
            raise EdgeAIError(f"{path}: TFLite models have static shapes (no input shapes)")
        from edgeai.frontends.tflite import import_tflite

        return import_tflite(path)
    if ext == ".mlir":
        if input_shapes:
            raise EdgeAIError(
                f"{path}: input shapes can only be given for framework models, not .mlir"
            )
        return parse_mlir_file(path)
    raise EdgeAIError(
        f"{path}: unknown model format '{ext or '(none)'}' (expected .onnx, .tflite or .mlir)"
    )


def parse_mlir(text: str, source: str = "<string>") -> ModuleOp:
    """Parse and verify MLIR text holding edgeai/xDSL dialects."""
    from xdsl.parser import Parser
    from xdsl.utils.exceptions import ParseError, VerifyException

    from edgeai.support.context import make_context
    from edgeai.support.errors import EdgeAIError
    from edgeai.tools.common import describe_parse_error, describe_verify_error

    try:
        module = Parser(make_context(), text, source).parse_module()
        module.verify()
    except ParseError as e:
        raise EdgeAIError(describe_parse_error(e)) from None
    except VerifyException as e:
        raise EdgeAIError(f"{source}: {describe_verify_error(e)}") from None
    return module


def parse_mlir_file(path: str) -> ModuleOp:
    import os

    from edgeai.support.errors import EdgeAIError

    if not os.path.exists(path):
        raise EdgeAIError(f"{path}: no such file")
    with open(path, encoding="utf-8") as f:
        return parse_mlir(f.read(), str(path))


def level_of(module: ModuleOp) -> str:
    """The IR level recorded on the module (`onnx`, `nn`, ...), inferred from its ops if absent."""
    from xdsl.dialects.builtin import StringAttr

    lvl = module.attributes.get("edgeai.level")
    if isinstance(lvl, StringAttr):
        return lvl.data
    dialects = {op.name.split(".")[0] for op in module.walk()}
    return "onnx" if "onnx" in dialects else "tfl" if "tfl" in dialects else "nn"


def lower(module: ModuleOp, to: str = "nn", pipeline: str | None = None) -> ModuleOp:
    """Lower `module` in place to level `to` and return it.

    Without `pipeline`, the default pipeline of each crossing runs (see `LEVELS`); an explicit
    `pipeline` (pass-pipeline text, e.g. "convert-onnx-to-nn,nn-fold-batchnorm") replaces it.
    """
    from edgeai.support.context import run_pipeline
    from edgeai.support.errors import EdgeAIError

    if to not in LEVELS:
        raise EdgeAIError(f"unknown level '{to}' (known: {', '.join(LEVELS)})")
    if pipeline is not None:
        return run_pipeline(module, pipeline)
    current = level_of(module)
    if current == "tfl":
        run_pipeline(module, TFL_TO_NN)
        current = "nn"
    order = ["onnx", *LEVELS]
    if current not in order:
        raise EdgeAIError(f"cannot lower a module at level '{current}'")
    for lvl in order[order.index(current) + 1 : order.index(to) + 1]:
        run_pipeline(module, LEVELS[lvl])
    return module


def run(
    module: ModuleOp, inputs: Mapping[str, np.ndarray] | None = None, *, seed: int = 0
) -> dict[str, np.ndarray]:
    """Run the module with the reference interpreter (loop-level modules: compiled by the
    llvmlite JIT); returns outputs by name.

    `inputs` maps the model's input names to arrays; `None` draws seeded random inputs.
    """
    from edgeai.reference.interpreter import run as _run

    return _run(module, inputs, seed=seed)
