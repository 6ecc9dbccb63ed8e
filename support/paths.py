"""Where the shared models and data live.

Tests and benchmarks read the real models from `shared/models` beside the project checkout
(`<checkout>/../shared/models`). A clone made elsewhere (CI clones into a temporary folder)
finds them beside the checkout it was cloned from (its local `origin`), and `EDGEAI_MODELS`
overrides both.
"""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _origin_checkout(root: Path) -> Path | None:
    """The local directory this checkout was cloned from, if any."""
    try:
        url = subprocess.run(
            ["git", "-C", str(root), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if url.startswith("file://"):
        url = url[len("file://") :]
    path = Path(url)
    return path.resolve() if url and path.is_absolute() and path.is_dir() else None


@cache
def shared_models_dir() -> Path:
    """The `shared/models` folder; FileNotFoundError (with the places tried) when absent."""
    tried: list[Path] = []
    env = os.environ.get("EDGEAI_MODELS")
    if env:
        tried.append(Path(env))
    tried.append(PROJECT_ROOT.parent / "shared" / "models")
    origin = _origin_checkout(PROJECT_ROOT)
    if origin is not None:
        tried.append(origin.parent / "shared" / "models")
    for p in tried:
        if p.is_dir():
            return p.resolve()
    raise FileNotFoundError(
        "shared models not found (tried "
        + ", ".join(str(p) for p in tried)
        + "); set EDGEAI_MODELS"
    )


if __name__ == "__main__":  # used by tests/lit/lit.cfg.py and shell scripts
    print(shared_models_dir())


#: the MLPerf Tiny int8 models in QDQ ONNX form (`mlperf_tiny/onnx_qdq_tf2onnx/`), by task
MLPERF_QDQ: dict[str, str] = {
    "kws": "kws_ref_model.onnx",
    "ic": "pretrainedResnet_quant.onnx",
    "vww": "vww_96_int8.onnx",
    "ad": "ad01_int8.onnx",
    "sww": "str_ww_ref_model.onnx",
}
#: QDQ ONNX -> `nn` with TFLite's integer rounding (bit-exact with TFLite Micro)
QDQ_TO_NN_TFLITE = 'convert-onnx-to-nn,nn-optimize,nn-fold-qdq{rounding="tflite"},nn-optimize'
