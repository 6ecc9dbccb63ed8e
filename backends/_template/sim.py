"""The __NAME__ functional simulator.

This toy accelerator computes exactly what the `nn` reference computes, so its simulator is the
reference interpreter run on the whole program (the fallback's ops included). A real backend
executes what its `emit` wrote (command stream, tile schedule) and must agree bit-exactly with
the reference on integer programs; `tests/test_backend_contract.py` compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["simulate"]


def simulate(module, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Outputs by name of the `nn` program `module` on one sample."""
    import edgeai

    return edgeai.run(module, dict(inputs))
