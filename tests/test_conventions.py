"""Project conventions that must hold for every op and pass (STYLE.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgeai.dialects.nn import NN
from edgeai.dialects.onnx import ONNX
from edgeai.support.universe import PASSES, pass_class

LIT = Path(__file__).resolve().parent / "lit"


@pytest.mark.parametrize("dialect", [NN, ONNX], ids=["nn", "onnx"])
def test_every_op_and_type_has_a_docstring(dialect):
    for op in dialect.operations:
        assert op.__doc__ and op.__doc__.strip(), f"{op.name} has no docstring"
    for attr in dialect.attributes:
        assert attr.__doc__ and attr.__doc__.strip(), f"{attr.name} has no docstring"


@pytest.mark.parametrize("name", sorted(PASSES))
def test_every_pass_is_documented_and_has_its_lit_test(name):
    cls = pass_class(name)
    assert cls.name == name
    assert cls.__doc__ and len(cls.__doc__.strip()) > 40, f"{name}: docstring too short"
    module_file = PASSES[name].rsplit(".", 1)[1] + ".py"
    assert module_file == name.replace("-", "_") + ".py", (
        "one pass per file, file named after the pass"
    )
    lit_files = list(LIT.rglob(f"{name}.mlir"))
    assert lit_files, f"no lit test tests/lit/**/{name}.mlir"
    text = lit_files[0].read_text()
    assert "RUN:" in text and name in text


def test_every_dialect_has_ops_and_invalid_lit_files():
    for d in ("nn", "onnx"):
        assert (LIT / "dialects" / d / "ops.mlir").is_file()
        assert (LIT / "dialects" / d / "invalid.mlir").is_file()


def test_nn_ops_round_trip_file_covers_every_op():
    text = (LIT / "dialects" / "nn" / "ops.mlir").read_text()
    missing = [op.name for op in NN.operations if f"{op.name} " not in text]
    assert not missing, f"ops.mlir lacks {missing}"


def test_onnx_ops_round_trip_file_covers_every_op():
    text = (LIT / "dialects" / "onnx" / "ops.mlir").read_text()
    missing = [op.name for op in ONNX.operations if op.name not in text]
    assert not missing, f"ops.mlir lacks {missing}"


def test_op_reference_page_is_current():
    """docs/dialects/nn-ops.md is generated from the op classes; regenerate when they change."""
    import subprocess
    import sys

    root = LIT.parent.parent
    p = subprocess.run(
        [sys.executable, str(root / "docs" / "gen_op_reference.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 0, p.stderr


def test_every_computing_nn_op_declares_its_type_combinations():
    """Ops that compute state their accepted element-type kinds; only data movement is structural."""
    structural = {
        "nn.constant", "nn.storage_cast", "nn.concat", "nn.reshape", "nn.transpose", "nn.pad",
        "nn.slice", "nn.split", "nn.gather",
    }  # fmt: skip
    for op in NN.operations:
        kinds = getattr(op, "KINDS", None)
        if op.name in structural:
            continue
        assert kinds, f"{op.name} declares no KINDS"
        for k in kinds:
            ins, outs = k.split("->")
            assert set(ins + outs) <= set("fqbi"), (op.name, k)
