"""`edgeai generate` / `edgeai validate` end to end: files, report numbers recomputed from the
ONNX model, budgets, bad input, runners and exit codes; every MLPerf Tiny model compiled for
every core."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from edgeai.tools.edgeai_main import main
from edgeai.tools.generate import EXIT_MISMATCH, parse_size
from tests.conftest import DIGITS_ONNX

QDQ_DIR = ("mlperf_tiny", "onnx_qdq_tf2onnx")
MLPERF = {
    "kws": "kws_ref_model.onnx",
    "ic": "pretrainedResnet_quant.onnx",
    "vww": "vww_96_int8.onnx",
    "ad": "ad01_int8.onnx",
    "sww": "str_ww_ref_model.onnx",
    "ic_float": "pretrainedResnet.onnx",
}
CORE_FLAGS = {
    "cortex-m4": ["-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16"],
    "cortex-m7": ["-mcpu=cortex-m7", "-mfpu=fpv5-d16"],
    "cortex-m33": ["-mcpu=cortex-m33", "-mfpu=fpv5-sp-d16"],
    "cortex-m55": ["-mcpu=cortex-m55"],
}


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def model_path(models_dir: Path, key: str) -> str:
    return str(models_dir.joinpath(*QDQ_DIR, MLPERF[key]))


# ---------------------------------------------------------------------------------------------
# generate


def onnx_figures(path: str) -> tuple[int, int, int]:
    """MACC, parameters and weight bytes of a float ONNX CNN as deployed (batch norms folded),
    computed from the ONNX graph alone (shape inference; conv MACC = output elements x kernel
    volume / groups, Gemm = outputs x K)."""
    model = onnx.shape_inference.infer_shapes(onnx.load(path))
    g = model.graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    shapes = {}
    for vi in list(g.value_info) + list(g.output) + list(g.input):
        shapes[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    macc = params = wbytes = 0
    biasless = set()  # outputs of convs without a bias: a folded batch norm gives them one
    for node in g.node:
        if node.op_type == "Conv" and len(node.input) < 3:
            biasless.add(node.output[0])
        if node.op_type == "BatchNormalization" and node.input[0] in biasless:
            channels = inits[node.input[1]].size
            params += channels
            wbytes += 4 * channels
        consts = [inits[i] for i in node.input if i in inits]
        if node.op_type in ("Conv", "Gemm", "MatMul"):
            for c in consts:
                params += c.size
                wbytes += c.nbytes
        if node.op_type == "Conv":
            w = inits[node.input[1]]
            y = shapes[node.output[0]]
            macc += math.prod(y) * math.prod(w.shape[1:])
        elif node.op_type in ("Gemm", "MatMul"):
            w = inits[node.input[1]]
            trans_b = any(a.name == "transB" and a.i for a in node.attribute)
            macc += math.prod(shapes[node.output[0]]) * w.shape[1 if trans_b else 0]
    return macc, params, wbytes


def test_generate_writes_the_c_and_a_true_report(capsys, tmp_path):
    out = tmp_path / "gen" / "digits"
    rc, stdout, _ = run_cli(
        capsys, "generate", "-m", str(DIGITS_ONNX), "--target", "cortex-m4", "-o", str(out)
    )
    assert rc == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "digits_cnn.h",
            "digits_cnn.c",
            "digits_cnn_kernels.h",
            "digits_cnn_kernels.c",
            "digits_cnn_weights.c",
            "report.json",
        ]
    )
    report = json.loads((out / "report.json").read_text())
    for key in ("macc", "weights_bytes", "arena_bytes", "arena_lower_bound_bytes", "io_in_arena"):
        assert key in report
    macc, params, wbytes = onnx_figures(str(DIGITS_ONNX))
    assert (report["macc"], report["params"], report["weights_bytes"]) == (macc, params, wbytes)
    assert sum(r["macc"] for r in report["layers"]) == macc
    for r in report["layers"]:
        assert set(r) >= {"name", "op", "output_shape", "macc", "weights_bytes"}
    conv = [r for r in report["layers"] if r["op"] == "nn.conv2d"]
    assert [r["name"] for r in conv] == ["conv1", "conv2"]
    assert conv[0]["output_shape"] == [1, 8, 8, 8] and conv[0]["macc"] == 8 * 8 * 8 * 9
    # the arena the header announces is the report's; I/O sizes from the ONNX input/output
    header = (out / "digits_cnn.h").read_text()
    assert f"#define digits_cnn_ARENA_BYTES {report['arena_bytes']}" in header.replace("u\n", "\n")
    assert report["input_bytes"] == 1 * 1 * 8 * 8 * 4 and report["output_bytes"] == 10 * 4
    assert report["scratch_bytes"] == 0  # float kernels declare no working buffers
    assert report["ram_bytes"] == report["arena_bytes"] + 256 + 40
    assert report["arena_lower_bound_bytes"] <= report["arena_bytes"]
    assert "MACC 23,200" in stdout and "conv2" in stdout


def test_generate_names_the_network_and_rejects_bad_names(capsys, tmp_path):
    rc, _, _ = run_cli(
        capsys, "generate", "-m", str(DIGITS_ONNX), "--target", "cortex-m7",
        "--name", "my_net", "-o", str(tmp_path / "a"),
    )  # fmt: skip
    assert rc == 0 and (tmp_path / "a" / "my_net.h").exists()
    rc, _, err = run_cli(
        capsys, "generate", "-m", str(DIGITS_ONNX), "--target", "cortex-m7",
        "--name", "my-net", "-o", str(tmp_path / "b"),
    )  # fmt: skip
    assert rc == 1 and err.count("\n") == 1 and "--name my-net" in err
    assert not (tmp_path / "b").exists()


def test_ram_limit_too_small_is_one_line_and_writes_nothing(capsys, tmp_path):
    out = tmp_path / "out"
    rc, stdout, err = run_cli(
        capsys, "generate", "-m", str(DIGITS_ONNX), "--target", "cortex-m4",
        "--ram-limit", "1K", "-o", str(out),
    )  # fmt: skip
    assert rc == 1
    assert err.startswith("error: --ram-limit 1K: the model needs ") and err.count("\n") == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []
    rc, _, err = run_cli(
        capsys, "generate", "-m", str(DIGITS_ONNX), "--target", "cortex-m4",
        "--flash-limit", "2K", "-o", str(out),
    )  # fmt: skip
    assert rc == 1 and "--flash-limit 2K" in err and not out.exists()
    rc, _, _ = run_cli(
        capsys, "generate", "-m", str(DIGITS_ONNX), "--target", "cortex-m4",
        "--ram-limit", "64K", "--flash-limit", "1M", "-o", str(out),
    )  # fmt: skip
    assert rc == 0 and (out / "report.json").exists()


def test_ram_limit_on_an_mlperf_model(capsys, models_dir, tmp_path):
    """VWW needs more than 64K of RAM: a clear verdict with the excess."""
    out = tmp_path / "vww"
    rc, _, err = run_cli(
        capsys, "generate", "-m", model_path(models_dir, "vww"), "--target", "cortex-m55",
        "--ram-limit", "64K", "-o", str(out),
    )  # fmt: skip
    assert rc == 1 and "64K" in err and "bytes over the 65,536 allowed" in err
    assert not out.exists()


def test_objective_ram_trades_kernel_scratch_for_speed(capsys, models_dir, tmp_path):
    """-O ram keeps every kernel's stack working buffers within 256 bytes (the DSP kernel of
    AD's 640-tap layers buffers 640 int16 = 1,280 bytes: portable C there instead); the RAM
    figure counts the scratch; both builds are bit-exact on the host and under QEMU."""
    reports = {}
    for objective in ("balanced", "ram"):
        out = tmp_path / objective
        rc, _, err = run_cli(
            capsys, "generate", "-m", model_path(models_dir, "ad"), "--target", "cortex-m4",
            "-O", objective, "-o", str(out),
        )  # fmt: skip
        assert rc == 0, err
        reports[objective] = json.loads((out / "report.json").read_text())
    bal, ram = reports["balanced"], reports["ram"]
    assert bal["scratch_bytes"] == 640 * 2  # one window of 640 taps as int16
    assert ram["scratch_bytes"] <= 256
    for r in (bal, ram):
        io = r["input_bytes"] + r["output_bytes"]
        assert r["ram_bytes"] == r["arena_bytes"] + io + r["scratch_bytes"]
    assert ram["ram_bytes"] < bal["ram_bytes"]
    impls = {k["implementation"] for k in ram["kernels"] if k["op"] == "kernel.fully_connected"}
    assert "portable" in impls
    assert {k["implementation"] for k in bal["kernels"]} == {"dsp-gemm"}
    for runner in ("host", "qemu"):
        rc, out, err = run_cli(
            capsys, "validate", "-m", model_path(models_dir, "ad"), "--target", "cortex-m4",
            "-O", "ram", "--runner", runner, "--samples", "1",
        )  # fmt: skip
        assert rc == 0 and "bit-exact yes" in out, err


@pytest.mark.parametrize(
    "text,value",
    [("64K", 65536), ("1M", 1 << 20), ("65536", 65536), ("512KiB", 512 * 1024), ("1.5k", 1536)],
)
def test_parse_size(text, value):
    assert parse_size(text, "--ram-limit") == value


def test_unwritable_output_is_one_line_and_leaves_nothing(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    rc, _, err = run_cli(
        capsys, "generate", "-m", str(DIGITS_ONNX), "--target", "cortex-m4",
        "-o", str(blocker / "out"),
    )  # fmt: skip
    assert rc == 1 and err.count("\n") == 1 and "is not a directory" in err
    rc, _, err = run_cli(
        capsys, "generate", "-m", str(DIGITS_ONNX), "--target", "cortex-m4",
        "-o", "/proc/edgeai_out/x",
    )  # fmt: skip
    assert rc == 1 and err.count("\n") == 1 and "/proc/edgeai_out" in err
    assert not os.path.exists("/proc/edgeai_out")
    rc, _, err = run_cli(
        capsys, "generate", "-m", str(DIGITS_ONNX), "--target", "cortex-m4", "-o", str(blocker)
    )
    assert rc == 1 and "exists and is not a directory" in err


def unsupported_model(path: Path) -> Path:
    """Conv -> Sigmoid -> Tanh: nn ops without a Cortex-M kernel (yet)."""
    w = numpy_helper.from_array(np.ones((2, 1, 1, 1), np.float32), "w")
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
            helper.make_node("Sigmoid", ["c"], ["s"], name="the_sigmoid"),
            helper.make_node("Tanh", ["s"], ["y"], name="the_tanh"),
        ],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])],
        [w],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, path)
    return path


def test_unsupported_op_is_reported_in_one_line(capsys, tmp_path):
    model = unsupported_model(tmp_path / "odd.onnx")
    out = tmp_path / "out"
    for cmd in (["generate", "-o", str(out)], ["validate", "--runner", "host"]):
        rc, stdout, err = run_cli(
            capsys, cmd[0], "-m", str(model), "--target", "cortex-m4", *cmd[1:]
        )
        assert rc == 1 and err.count("\n") == 1, err
        assert "the_sigmoid" in err and "the_tanh" in err, err
        assert not out.exists()


def test_unknown_model_and_bad_options(capsys, tmp_path):
    rc, _, err = run_cli(
        capsys, "generate", "-m", str(tmp_path / "nope.onnx"), "--target", "cortex-m4"
    )
    assert rc == 1 and "nope.onnx" in err and err.count("\n") == 1
    rc, _, err = run_cli(
        capsys, "generate", "-m", str(DIGITS_ONNX), "--target", "cortex-m4", "--alignment", "3",
        "-o", str(tmp_path / "o"),
    )  # fmt: skip
    assert rc == 1 and "--alignment 3" in err
    with pytest.raises(SystemExit):
        main(["generate", "-m", str(DIGITS_ONNX), "--target", "cortex-m3"])
    capsys.readouterr()


# ---------------------------------------------------------------------------------------------
# validate


def test_validate_int8_resnet_on_the_host_is_bit_exact(capsys, models_dir, tmp_path):
    ref = np.load(models_dir / "mlperf_tiny" / "reference_outputs.npz")
    inputs = tmp_path / "ic.npz"
    np.savez(inputs, input_1_int8=ref["ic_x"][:3])
    rc, stdout, _ = run_cli(
        capsys, "validate", "-m", model_path(models_dir, "ic"), "--target", "cortex-m4",
        "--runner", "host", "--inputs", str(inputs), "--json",
    )  # fmt: skip
    assert rc == 0
    result = json.loads(stdout)
    assert result["passed"] and result["samples"] == 3
    (out,) = result["outputs"]
    assert out["bit_exact"] and out["max_abs"] == 0 and out["top1_agreement"] == 1.0
    assert out["count"] == 3 * 10


def test_validate_jit_runner_and_text_output(capsys, models_dir):
    rc, stdout, _ = run_cli(
        capsys, "validate", "-m", model_path(models_dir, "ad"), "--target", "cortex-m33",
        "--runner", "jit", "--samples", "2",
    )  # fmt: skip
    assert rc == 0, stdout
    assert "bit-exact yes" in stdout and stdout.rstrip().splitlines()[-1].startswith("PASSED")


def test_validate_qemu_runner_reports_instructions(capsys, models_dir):
    rc, stdout, _ = run_cli(
        capsys, "validate", "-m", str(DIGITS_ONNX), "--target", "cortex-m4", "--runner", "qemu",
        "--samples", "2", "--json",
    )  # fmt: skip
    assert rc == 0
    result = json.loads(stdout)
    assert result["passed"] and len(result["instructions_per_inference"]) == 2
    assert all(n > 23_200 for n in result["instructions_per_inference"])  # > 1 per MAC


def test_validate_failure_gives_exit_code_3(capsys):
    """A float model with a zero tolerance fails the comparison (float rounding differs)."""
    rc, stdout, _ = run_cli(
        capsys, "validate", "-m", str(DIGITS_ONNX), "--target", "cortex-m4", "--runner", "host",
        "--samples", "8", "--rtol", "0",
    )  # fmt: skip
    assert rc == EXIT_MISMATCH
    assert stdout.rstrip().splitlines()[-1].startswith("FAILED")


def test_validate_inputs_errors(capsys, tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, image=np.zeros((3, 5), np.float32))
    rc, _, err = run_cli(
        capsys, "validate", "-m", str(DIGITS_ONNX), "--target", "cortex-m4", "--runner", "host",
        "--inputs", str(bad),
    )  # fmt: skip
    assert rc == 1 and "does not fit the input shape" in err and err.count("\n") == 1
    rc, _, err = run_cli(
        capsys, "validate", "-m", str(DIGITS_ONNX), "--target", "cortex-m4", "--runner", "host",
        "--inputs", str(tmp_path / "missing.npz"),
    )  # fmt: skip
    assert rc == 1 and "no such file" in err


# ---------------------------------------------------------------------------------------------
# every MLPerf Tiny model compiles for every core


@pytest.mark.parametrize("core", list(CORE_FLAGS))
@pytest.mark.parametrize("key", list(MLPERF))
def test_mlperf_models_compile_for_every_core(key, core, capsys, models_dir, tmp_path):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.fail("arm-none-eabi-gcc missing: apt-get install gcc-arm-none-eabi")
    out = tmp_path / "c"
    rc, _, err = run_cli(
        capsys, "generate", "-m", model_path(models_dir, key), "--target", core, "-o", str(out)
    )
    assert rc == 0, err
    flags = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-mthumb", "-mfloat-abi=hard"]
    for c in sorted(out.glob("*.c")):
        proc = subprocess.run(
            ["arm-none-eabi-gcc", *flags, *CORE_FLAGS[core], "-c", str(c), "-o", str(c) + ".o"],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr[:2000]
