"""DSP-extension kernels of the Cortex-M backend (backends/cortexm/kernels/dsp.py): SMLAD
convolution / fully connected and depthwise kernels, bit-exact with the kernel reference

* under QEMU on the Cortex-M4 and M33 (the instructions themselves: inline asm and ACLE);
* on the host, where runtime/kernels_dsp.h falls back to portable C with the same results
  (random layers and every MLPerf Tiny int8 model, against TFLite Micro's outputs too);
* compiled with -std=c99 -Wall -Wextra -Werror for the M4, M7 and M33.

The QEMU tests need arm-none-eabi-gcc (+ newlib) and qemu-system-arm: without them they fail
with the missing tool's name (`make setup` installs them), they are not skipped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import edgeai
from edgeai.backends.cortexm.emit import EmitOptions, Program, emit_c
from edgeai.backends.cortexm.host import HostRunner, compile_objects
from edgeai.backends.cortexm.kernels import CPU_FEATURES, select
from edgeai.backends.cortexm.qemu.runner import require_toolchain, run_network
from edgeai.dialects import kernel as K
from edgeai.reference.interpreter import find_main, io_names
from edgeai.support.context import run_pipeline
from edgeai.support.paths import MLPERF_QDQ, QDQ_TO_NN_TFLITE
from tests.test_cortexm_mve import Program_, add_fc, random_program

FOLD = QDQ_TO_NN_TFLITE
QDQ = MLPERF_QDQ
CONV_LIKE = (K.Conv2dOp, K.DepthwiseConv2dOp, K.FullyConnectedOp)


def _inputs(m, seed: int) -> list[np.ndarray]:
    f = find_main(m)
    n_in = len(io_names(f)[0])
    rng = np.random.default_rng(2000 + seed)
    return [rng.integers(-128, 128, a.type.get_shape()).astype(np.int8) for a in f.args[:n_in]]


def _reference(m, xs: list[np.ndarray]) -> dict[str, np.ndarray]:
    return edgeai.run(m, {f"in{i}": x for i, x in enumerate(xs)})


def _dsp_names(m, core: str) -> list[str]:
    ops = [op for op in find_main(m).walk() if isinstance(op, CONV_LIKE)]
    return [select(op, CPU_FEATURES[core]).name for op in ops]


@pytest.mark.parametrize(("seed", "core"), [(0, "cortex-m4"), (1, "cortex-m33")])
def test_every_dsp_kernel_bit_exact_on_target(seed, core, tmp_path):
    """Random conv / depthwise / fully connected layers (paddings, strides, dilations, odd
    channel counts, per-tensor/per-channel/left-shift requantization, int32 edge biases) on
    the emulated core equal the kernel reference bit for bit; the DSP kernels are selected."""
    require_toolchain(plugin=False)
    m = random_program(seed).module()
    names = _dsp_names(m, core)
    assert {"dsp-gemm", "dsp-dw"} <= set(names), names
    assert names.count("portable") <= 2, names  # only layers whose folded bias leaves int32
    xs = _inputs(m, seed)
    got = run_network(m, core, xs, workdir=tmp_path, count_instructions=False).outputs
    want = _reference(m, xs)
    assert len(got) == len(want)
    for (name, w), g in zip(want.items(), got, strict=True):
        np.testing.assert_array_equal(g.reshape(w.shape), w, err_msg=name)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_portable_fallback_of_the_dsp_helpers_on_host(seed, tmp_path):
    """The same programs emitted for the M4 and compiled for the host (kernels_dsp.h's
    portable C) are bit-exact too: the C the DSP kernels generate is checked on every run."""
    m = random_program(seed).module()
    xs = _inputs(m, seed)
    runner = HostRunner(m, "dsp_cases", EmitOptions(cpu="cortex-m4"), tmp_path)
    text = (tmp_path / "dsp_cases_kernels.c").read_text()
    assert "(dsp-gemm)" in text and "(dsp-dw)" in text and "EA_DSP_DOT4" in text
    got = runner.run(xs)
    for (name, w), g in zip(_reference(m, xs).items(), got, strict=True):
        np.testing.assert_array_equal(g.reshape(w.shape), w, err_msg=name)


def test_one_row_fully_connected_shapes(tmp_path):
    """One-row layers take the 4-channel asm path (EA_DSP_DOT4) with the channel and tap
    remainders in C: every output count 1..9 and tap count 4..13 on the target."""
    require_toolchain(plugin=False)
    rng = np.random.default_rng(7)
    p = Program_()
    for n_out in range(1, 10):
        add_fc(p, rng, 1, 3 + n_out, n_out)
        add_fc(p, rng, 1, 16 * n_out + 4, n_out + 3, kind="per-tensor")
    m = p.module()
    assert set(_dsp_names(m, "cortex-m4")) == {"dsp-gemm"}
    xs = _inputs(m, 7)
    got = run_network(m, "cortex-m4", xs, workdir=tmp_path, count_instructions=False).outputs
    for (name, w), g in zip(_reference(m, xs).items(), got, strict=True):
        np.testing.assert_array_equal(g.reshape(w.shape), w, err_msg=name)


@pytest.fixture(scope="module")
def reference(models_dir):
    return np.load(models_dir / "mlperf_tiny" / "reference_outputs.npz")


@pytest.mark.parametrize("key", list(QDQ))
def test_mlperf_models_with_dsp_kernels_on_host(key, models_dir, reference, tmp_path):
    """Every MLPerf Tiny int8 model emitted for the M4 (DSP kernels for its conv-like
    layers) and compiled for the host equals TFLite Micro's outputs on the bundled samples."""
    m = edgeai.import_model(str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / QDQ[key]))
    run_pipeline(m, FOLD + ",convert-nn-to-kernel")
    program = Program(m, key, EmitOptions(cpu="cortex-m4"))
    impls = [impl.name for layer, impl in program.layers if isinstance(layer.op, CONV_LIKE)]
    assert impls and all(n.startswith("dsp-") for n in impls), impls
    runner = HostRunner(m, key, EmitOptions(cpu="cortex-m4"), tmp_path)
    xs, ys = reference[f"{key}_x"], reference[f"{key}_y_tflm"]
    got = runner.run_many([[xs[i : i + 1]] for i in range(min(3, len(xs)))])
    for i, (g,) in enumerate(got):
        np.testing.assert_array_equal(g.reshape(-1), ys[i].reshape(-1), err_msg=f"{key}[{i}]")


def test_generated_c_compiles_with_werror_for_dsp_cores(models_dir, tmp_path):
    """The DSP kernels' C (random layers and KWS) compiles warning-free for M4, M7 and M33."""
    m = random_program(4).module()
    kws = edgeai.import_model(
        str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / "kws_ref_model.onnx")
    )
    run_pipeline(kws, FOLD + ",convert-nn-to-kernel")
    for core, fpu in (("cortex-m4", "fpv4-sp-d16"), ("cortex-m7", "fpv5-d16"),
                      ("cortex-m33", "fpv5-sp-d16")):  # fmt: skip
        sources: list[Path] = []
        for name, mod in (("cases", m), ("kws", kws)):
            d = tmp_path / core / name
            files = emit_c(mod, name, d, {"cpu": core})
            assert "(dsp-gemm)" in (d / f"{name}_kernels.c").read_text()
            sources += [f for f in files if f.suffix == ".c"]
        flags = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-mthumb",
                 "-mfloat-abi=hard", f"-mcpu={core}", f"-mfpu={fpu}"]  # fmt: skip
        objs = compile_objects(sources, tmp_path / core / "obj", cc="arm-none-eabi-gcc",
                               cflags=flags)  # fmt: skip
        assert all(o.stat().st_size > 0 for o in objs)
