"""Command-line tools: outputs, one-line errors, exit codes, no partial files."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import DIGITS_ONNX


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    exe = {
        "edgeai": "edgeai.tools.edgeai_main",
        "edgeai-opt": "edgeai.tools.opt",
        "edgeai-translate": "edgeai.tools.translate",
    }
    cmd = [sys.executable, "-m", exe[args[0]], *args[1:]]
    return subprocess.run(cmd, capture_output=True, text=True, input=stdin, timeout=120)


def assert_one_line_error(p: subprocess.CompletedProcess, *fragments: str) -> None:
    assert p.returncode != 0, p.stdout
    err = p.stderr.strip()
    assert "Traceback" not in err, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: "), err
    for f in fragments:
        assert f in err, err


def test_translate_import_both_levels(tmp_path):
    p = run("edgeai-translate", "--import", str(DIGITS_ONNX))
    assert p.returncode == 0, p.stderr
    assert "onnx.conv" in p.stdout and "onnx.batch_normalization" in p.stdout
    out = tmp_path / "d.mlir"
    p = run("edgeai-translate", "--import", str(DIGITS_ONNX), "--to", "nn", "-o", str(out))
    assert p.returncode == 0, p.stderr
    text = out.read_text()
    assert "nn.conv2d" in text and "onnx." not in text
    # the printed nn module parses back and runs through edgeai-opt unchanged
    p = run("edgeai-opt", str(out))
    assert p.returncode == 0 and "nn.dense" in p.stdout


def test_run_with_inputs_and_output(tmp_path):
    x = np.random.default_rng(1).random((1, 1, 8, 8)).astype(np.float32)
    np.savez(tmp_path / "in.npz", image=x)
    p = run(
        "edgeai",
        "run",
        "-m",
        str(DIGITS_ONNX),
        "--inputs",
        str(tmp_path / "in.npz"),
        "-o",
        str(tmp_path / "out.npz"),
    )
    assert p.returncode == 0, p.stderr
    assert "logits" in p.stdout
    got = np.load(tmp_path / "out.npz")["logits"]
    import onnxruntime as ort

    want = ort.InferenceSession(str(DIGITS_ONNX)).run(None, {"image": x})[0]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_run_random_inputs_are_seeded():
    a = run("edgeai", "run", "-m", str(DIGITS_ONNX), "--seed", "3")
    b = run("edgeai", "run", "-m", str(DIGITS_ONNX), "--seed", "3", "--level", "onnx")
    assert a.returncode == 0 and b.returncode == 0
    assert (
        a.stdout.splitlines()[1].split("argmax")[1] == b.stdout.splitlines()[1].split("argmax")[1]
    )


def test_run_mlir_file(tmp_path):
    mlir = tmp_path / "m.mlir"
    assert (
        run(
            "edgeai-translate", "--import", str(DIGITS_ONNX), "--to", "nn", "-o", str(mlir)
        ).returncode
        == 0
    )
    p = run("edgeai", "run", "-m", str(mlir))
    assert p.returncode == 0, p.stderr
    assert "at level 'nn'" in p.stdout


@pytest.mark.parametrize(
    "args,fragments",
    [
        (("edgeai", "run", "-m", "missing.onnx"), ("missing.onnx", "no such file")),
        (("edgeai", "run", "-m", "pyproject.toml"), ("unknown model format",)),
        (("edgeai", "run", "-m", str(DIGITS_ONNX), "--inputs", "nope.npz"), ("--inputs nope.npz",)),
        (
            ("edgeai", "run", "-m", str(DIGITS_ONNX), "--input-shape", "image=1,x"),
            ("--input-shape",),
        ),
        (
            ("edgeai", "run", "-m", str(DIGITS_ONNX), "--input-shape", "foo=1,2"),
            ("unknown input", "foo"),
        ),
        (("edgeai", "run", "-m", str(DIGITS_ONNX), "--input-shape", "image=1,1,8"), ("rank 3",)),
        (("edgeai-translate", "--import", "missing.onnx"), ("no such file",)),
        (("edgeai-opt", "missing.mlir"), ("missing.mlir", "no such file")),
        (
            ("edgeai-opt", "-p", "no-such-pass", str(DIGITS_ONNX)),
            ("invalid pass pipeline", "no-such-pass"),
        ),
    ],
)
def test_errors_are_one_line(args, fragments):
    assert_one_line_error(run(*args), *fragments)


def test_bad_input_shape_data(tmp_path):
    np.savez(tmp_path / "in.npz", image=np.zeros((2, 3), np.float32))
    p = run("edgeai", "run", "-m", str(DIGITS_ONNX), "--inputs", str(tmp_path / "in.npz"))
    assert_one_line_error(p, "input 'image'", "shape")


def test_opt_parse_and_verify_errors_are_one_line():
    p = run("edgeai-opt", stdin="func.func @f() { %0 = nn.bogus }")
    assert_one_line_error(p, "nn.bogus")
    bad = (
        "func.func @f(%x: tensor<2x3xf32>) {\n"
        "  %0 = nn.reshape %x : (tensor<2x3xf32>) -> tensor<7xf32>\n  func.return\n}\n"
    )
    assert_one_line_error(run("edgeai-opt", stdin=bad), "changes the element count")


def test_opt_pass_pipeline_alias():
    src = (
        "func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {\n  func.return %x : tensor<2xf32>\n}\n"
    )
    a = run("edgeai-opt", "--pass-pipeline=builtin.module(canonicalize)", stdin=src)
    b = run("edgeai-opt", "-p", "canonicalize", stdin=src)
    assert a.returncode == 0 and a.stdout == b.stdout


def test_translate_output_not_written_on_error(tmp_path):
    out = tmp_path / "out.mlir"
    p = run("edgeai-translate", "--import", str(tmp_path / "missing.onnx"), "-o", str(out))
    assert p.returncode != 0 and not out.exists()
    assert not list(tmp_path.iterdir())
