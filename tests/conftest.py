"""Shared pytest fixtures and paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from edgeai.support.paths import shared_models_dir

ROOT = Path(__file__).resolve().parent.parent
MODELS = shared_models_dir()
EXAMPLES = ROOT / "examples"
DIGITS_ONNX = EXAMPLES / "digits_cnn" / "digits_cnn.onnx"


def require_models() -> Path:
    """The shared model folder; its absence is an error, not a skip."""
    if not MODELS.is_dir():
        raise FileNotFoundError(
            f"shared models not found at {MODELS} (expected beside the project)"
        )
    return MODELS


@pytest.fixture(scope="session")
def models_dir() -> Path:
    return require_models()


@pytest.fixture(scope="session")
def digits_split():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "digits_data", EXAMPLES / "digits_cnn" / "data.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.load_split()


os.environ.setdefault("PYTHONHASHSEED", "0")
