"""Cortex-M C emitter: generated C compiled for the host (and for Arm cores) against the kernel
reference and TFLite Micro."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DictionaryAttr,
    FloatAttr,
    FunctionType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    f32,
    i8,
    i32,
    i64,
)
from xdsl.ir import Block, Region, SSAValue

import edgeai
from edgeai.backends.cortexm.emit import EmitOptions, Program, emit_c
from edgeai.backends.cortexm.host import HostRunner, compile_c, compile_objects
from edgeai.backends.cortexm.qemu.runner import require_toolchain
from edgeai.backends.cortexm.sizes import emitted_figures, memory_figures
from edgeai.dialects import kernel as K
from edgeai.dialects import mem
from edgeai.reference import fixedpoint as fp
from edgeai.reference.interpreter import find_main, io_names
from edgeai.support.attrs import dense_from_numpy
from edgeai.support.context import run_pipeline
from edgeai.support.errors import EdgeAIError
from tests.conftest import DIGITS_ONNX, ROOT

QDQ = {
    "kws": ("kws_ref_model.onnx", 1),
    "ic": ("pretrainedResnet_quant.onnx", 3),
    "vww": ("vww_96_int8.onnx", 2),
    "ad": ("ad01_int8.onnx", 4),
    "sww": ("str_ww_ref_model.onnx", 4),
}
FOLD = 'convert-onnx-to-nn,nn-optimize,nn-fold-qdq{rounding="tflite"},nn-optimize'
GOLDEN = ROOT / "tests" / "golden" / "digits_cnn"
ARM_CORES = {
    "cortex-m4": ["-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16"],
    "cortex-m7": ["-mcpu=cortex-m7", "-mfpu=fpv5-d16"],
    "cortex-m33": ["-mcpu=cortex-m33", "-mfpu=fpv5-sp-d16"],
    "cortex-m55": ["-mcpu=cortex-m55"],
}
ARM_FLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-mthumb", "-mfloat-abi=hard"]


def qdq_kernel_module(models_dir: Path, key: str) -> ModuleOp:
    m = edgeai.import_model(str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / QDQ[key][0]))
    return run_pipeline(m, FOLD + ",convert-nn-to-kernel")


def float_kernel_module(path: str) -> ModuleOp:
    return run_pipeline(edgeai.lower(edgeai.import_model(path)), "convert-nn-to-kernel")


@pytest.fixture(scope="module")
def reference(models_dir):
    return np.load(models_dir / "mlperf_tiny" / "reference_outputs.npz")


# ---------------------------------------------------------------------------------------------
# end to end on the MLPerf Tiny models


@pytest.mark.parametrize("key", list(QDQ))
def test_int8_mlperf_host_c_bit_exact(key, models_dir, reference, tmp_path):
    """The C of each int8 MLPerf Tiny model equals the kernel reference and TFLite Micro."""
    k = qdq_kernel_module(models_dir, key)
    runner = HostRunner(k, workdir=tmp_path)
    xs, ys = reference[f"{key}_x"], reference[f"{key}_y_tflm"]
    n = QDQ[key][1]
    outs = runner.run_many([[xs[i : i + 1]] for i in range(n)])
    name = io_names(find_main(k))[0][0]
    for i in range(n):
        (got,) = outs[i]
        want = next(iter(edgeai.run(k, {name: xs[i : i + 1]}).values()))
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got.reshape(ys[i : i + 1].shape), ys[i : i + 1])


@pytest.mark.parametrize("model", ["digits", "resnet_float"])
def test_float_models_host_c_match_reference(model, models_dir, digits_split, tmp_path):
    """Float digits CNN and float ResNet-8: C within 1e-4 relative of the reference."""
    if model == "digits":
        k = float_kernel_module(str(DIGITS_ONNX))
        x = np.asarray(digits_split[2][:3], dtype=np.float32)  # test images
    else:
        path = models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / "pretrainedResnet.onnx"
        k = float_kernel_module(str(path))
        x = np.random.default_rng(0).standard_normal((3, 32, 32, 3)).astype(np.float32)
    runner = HostRunner(k, workdir=tmp_path)
    name = io_names(find_main(k))[0][0]
    shape = runner.inputs[0].shape
    samples = [[x[i].reshape(shape)] for i in range(len(x))]
    outs = runner.run_many(samples)
    for s, (got,) in zip(samples, outs, strict=True):
        want = next(iter(edgeai.run(k, {name: s[0]}).values()))
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


# ---------------------------------------------------------------------------------------------
# kernels the models do not use: small kernel programs with random parameters


class Builder:
    """A kernel-level `@main(inputs..., outputs...)` built op by op."""

    def __init__(self, inputs: list[MemRefType], outputs: list[MemRefType]):
        self.block = Block(arg_types=[*inputs, *outputs])
        self.n_in, self.n_out = len(inputs), len(outputs)
        self.ins = list(self.block.args[: self.n_in])
        self.outs = list(self.block.args[self.n_in :])

    def const(self, value: np.ndarray) -> SSAValue:
        t = MemRefType(dense_from_numpy(value).get_element_type(), list(value.shape))
        op = K.ConstantOp.create(properties={"value": dense_from_numpy(value)}, result_types=[t])
        self.block.add_op(op)
        return op.output

    def alloc(self, t: MemRefType) -> SSAValue:
        op = mem.AllocOp.create(properties={"pool": StringAttr("arena")}, result_types=[t])
        self.block.add_op(op)
        return op.output

    def view(self, v: SSAValue, shape: list[int]) -> SSAValue:
        t = MemRefType(v.type.element_type, shape)  # type: ignore[attr-defined]
        op = mem.ViewOp.create(operands=[v], result_types=[t])
        self.block.add_op(op)
        return op.output

    def op(self, cls: type[K.KernelOp], operands: list[SSAValue], **props) -> None:
        attrs = {}
        for k, v in props.items():
            if isinstance(v, float):
                attrs[k] = FloatAttr(v, f32)
            elif isinstance(v, int | np.integer):
                attrs[k] = IntegerAttr(int(v), i64)
            elif k in ("output_multiplier", "output_shift"):
                attrs[k] = DenseArrayBase.from_list(i32, [int(a) for a in v])
            else:
                attrs[k] = DenseArrayBase.from_list(i64, [int(a) for a in v])
        op = cls.create(operands=operands, properties=attrs)
        op.verify()
        self.block.add_op(op)

    def module(self) -> ModuleOp:
        self.block.add_op(func.ReturnOp())
        types = [a.type for a in self.block.args]
        names = [f"in{i}" for i in range(self.n_in)] + [f"out{i}" for i in range(self.n_out)]
        f = func.FuncOp(
            "main",
            FunctionType.from_lists(types, []),
            Region(self.block),
            arg_attrs=ArrayAttr([DictionaryAttr({"edgeai.name": StringAttr(n)}) for n in names]),
        )
        f.attributes["edgeai.num_outputs"] = IntegerAttr(self.n_out, i64)
        m = ModuleOp([f])
        m.attributes["edgeai.model"] = StringAttr("coverage")
        m.verify()
        return m


def _requant(rng, channels: int, lo: float = 1e-4, hi: float = 4.0) -> dict:
    m, s = fp.quantize_multiplier(np.exp(rng.uniform(np.log(lo), np.log(hi), channels)))
    return {"output_multiplier": m.tolist(), "output_shift": s.tolist()}


def _int8_program(seed: int) -> ModuleOp:
    """Every integer kernel with parameters the models do not exercise (batch 2, groups,
    dilation, asymmetric padding, depth multiplier, broadcasting, positive shifts)."""
    rng = np.random.default_rng(seed)
    x_t = MemRefType(i8, [2, 7, 6, 4])
    outs = {
        "conv": [2, 3, 6, 6], "dw": [2, 7, 5, 8], "maxp": [2, 4, 3, 4], "avgp": [2, 4, 3, 4],
        "mean": [2, 1, 1, 4], "sub": [2, 7, 6, 4], "mul": [2, 7, 6, 4], "clamp": [2, 7, 6, 4],
        "req": [2, 7, 6, 4], "tr": [4, 2, 6, 7], "cat": [2, 7, 6, 7], "pad": [2, 8, 9, 5],
        "fc": [2, 7, 6, 3], "sm": [2, 7, 6, 4], "cp": [2, 168],
    }  # fmt: skip
    b = Builder([x_t, MemRefType(i8, [1, 1, 6, 1])], [MemRefType(i8, s) for s in outs.values()])
    x, x2 = b.ins
    o = dict(zip(outs, b.outs, strict=True))
    off = lambda: int(rng.integers(-128, 128))  # noqa: E731
    q = lambda: {"qmin": int(rng.integers(-128, -60)), "qmax": int(rng.integers(40, 128))}  # noqa: E731
    w = b.const(rng.integers(-127, 128, (6, 3, 2, 2)).astype(np.int8))
    bias = b.const(rng.integers(-3000, 3000, 6).astype(np.int32))
    b.op(K.Conv2dOp, [x, w, bias, o["conv"]], strides=(2, 1), dilations=(2, 1),
         padding=(1, 0, 2, 1), groups=2, input_offset=off(), output_offset=off(),
         **_requant(rng, 6, 1e-4, 3.0), **q())  # fmt: skip
    wd = b.const(rng.integers(-127, 128, (1, 3, 3, 8)).astype(np.int8))
    b.op(K.DepthwiseConv2dOp, [x, wd, o["dw"]], strides=(1, 1), dilations=(1, 2),
         padding=(1, 2, 1, 1), input_offset=off(), output_offset=off(),
         **_requant(rng, 8, 1e-3, 2.0), **q())  # fmt: skip
    b.op(K.MaxPool2dOp, [x, o["maxp"]], kernel=(3, 2), strides=(2, 2), padding=(1, 0, 1, 0), **q())
    b.op(K.AvgPool2dOp, [x, o["avgp"]], kernel=(3, 3), strides=(2, 2), padding=(1, 1, 1, 1), **q())
    m, s = fp.quantize_multiplier(0.7 / 42)
    b.op(K.MeanOp, [x, o["mean"]], axes=(1, 2), input_offset=-5 * 42, output_offset=3,
         multiplier=int(m), shift=int(s))  # fmt: skip
    ls = 20
    m1, s1 = fp.quantize_multiplier_smaller_than_one_exp(0.4)
    m2, s2 = fp.quantize_multiplier_smaller_than_one_exp(0.5)
    mo, so = fp.quantize_multiplier_smaller_than_one_exp(1.7 / (1 << ls))
    b.op(K.AddOp, [x, x2, o["sub"]], input1_offset=off(), input2_offset=off(),
         output_offset=off(), left_shift=ls, input1_multiplier=int(m1), input1_shift=int(s1),
         input2_multiplier=int(m2), input2_shift=int(s2), output_multiplier=int(mo),
         output_shift=int(so), sign=-1, **q())  # fmt: skip
    mm, sm = fp.quantize_multiplier(0.013)
    b.op(K.MulOp, [x, x2, o["mul"]], input1_offset=off(), input2_offset=off(),
         output_offset=off(), output_multiplier=int(mm), output_shift=int(sm), **q())  # fmt: skip
    b.op(K.ClampOp, [x, o["clamp"]], qmin=-20, qmax=50)
    mr, sr = fp.quantize_multiplier(3.3)  # a positive shift
    b.op(K.RequantizeOp, [x, o["req"]], input_offset=7, output_offset=-9, multiplier=int(mr),
         shift=int(sr), qmin=-128, qmax=127)  # fmt: skip
    b.op(K.TransposeOp, [x, o["tr"]], perm=(3, 0, 2, 1))
    c3 = b.const(rng.integers(-128, 128, (2, 7, 6, 3)).astype(np.int8))
    b.op(K.ConcatOp, [c3, x, o["cat"]], axis=3)
    b.op(K.PadOp, [x, o["pad"]], pads=(0, 0, 2, 0, 0, 1, 1, 1), value=-7)
    wf = b.const(rng.integers(-127, 128, (3, 4)).astype(np.int8))
    b.op(K.FullyConnectedOp, [x, wf, o["fc"]], input_offset=off(), output_offset=off(),
         **_requant(rng, 3, 1e-3, 0.05), **q())  # fmt: skip
    sm_m, sm_e = fp.preprocess_softmax_scaling(1.0, 0.1, 5)
    b.op(K.SoftmaxOp, [x, o["sm"]], input_beta_multiplier=sm_m, input_beta_left_shift=sm_e,
         diff_min=-fp.calculate_input_radius(5, sm_e))  # fmt: skip
    t = b.alloc(MemRefType(i8, [2, 7, 6, 4]))
    b.op(K.CopyOp, [x, t])
    b.op(K.CopyOp, [b.view(t, [2, 168]), o["cp"]])
    return b.module()


def _float_program(seed: int) -> ModuleOp:
    """Every float kernel, plus quantize/dequantize between float and int8."""
    rng = np.random.default_rng(seed)
    x_t = MemRefType(f32, [2, 7, 6, 4])
    outs = {
        "conv": ([2, 3, 6, 6], f32), "dw": ([2, 7, 5, 8], f32), "maxp": ([2, 4, 3, 4], f32),
        "avgp": ([2, 4, 3, 4], f32), "mean": ([2, 4], f32), "add": ([2, 7, 6, 4], f32),
        "mul": ([2, 7, 6, 4], f32), "clamp": ([2, 7, 6, 4], f32), "q": ([2, 7, 6, 4], i8),
        "dq": ([2, 7, 6, 4], f32), "tr": ([4, 2, 6, 7], f32), "cat": ([2, 7, 6, 8], f32),
        "pad": ([2, 8, 9, 5], f32), "fc": ([2, 7, 6, 3], f32), "sm": ([2, 7, 6, 4], f32),
    }  # fmt: skip
    b = Builder([x_t, MemRefType(f32, [6, 1])], [MemRefType(t, s) for s, t in outs.values()])
    x, x2 = b.ins
    o = dict(zip(outs, b.outs, strict=True))
    r = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    big = {"fmin": -3.4028234663852886e38, "fmax": 3.4028234663852886e38}
    b.op(K.Conv2dOp, [x, b.const(r(6, 3, 2, 2)), b.const(r(6)), o["conv"]], strides=(2, 1),
         dilations=(2, 1), padding=(1, 0, 2, 1), groups=2, fmin=-1.5, fmax=2.0)  # fmt: skip
    b.op(K.DepthwiseConv2dOp, [x, b.const(r(1, 3, 3, 8)), o["dw"]], strides=(1, 1),
         dilations=(1, 2), padding=(1, 2, 1, 1), fmin=0.0, fmax=6.0)  # fmt: skip
    b.op(K.MaxPool2dOp, [x, o["maxp"]], kernel=(3, 2), strides=(2, 2), padding=(1, 0, 1, 0),
         **big)  # fmt: skip
    b.op(K.AvgPool2dOp, [x, o["avgp"]], kernel=(3, 3), strides=(2, 2), padding=(1, 1, 1, 1),
         **big)  # fmt: skip
    b.op(K.MeanOp, [x, o["mean"]], axes=(1, 2))
    b.op(K.AddOp, [x, x2, o["add"]], fmin=-1.0, fmax=1e30)
    b.op(K.MulOp, [x, x2, o["mul"]], **big)
    b.op(K.ClampOp, [x, o["clamp"]], fmin=-0.5, fmax=0.25)
    b.op(K.QuantizeOp, [x, o["q"]], scale=0.0123, zero_point=-3)
    b.op(K.DequantizeOp, [o["q"], o["dq"]], scale=0.0123, zero_point=-3)
    b.op(K.TransposeOp, [x, o["tr"]], perm=(3, 0, 2, 1))
    b.op(K.ConcatOp, [x, b.const(r(2, 7, 6, 4)), o["cat"]], axis=-1)
    b.op(K.PadOp, [x, o["pad"]], pads=(0, 0, 2, 0, 0, 1, 1, 1), fvalue=0.5)
    b.op(K.FullyConnectedOp, [x, b.const(r(3, 4)), b.const(r(3)), o["fc"]], **big)
    b.op(K.SoftmaxOp, [x, o["sm"]], beta=1.7)
    return b.module()


@pytest.mark.parametrize("kind", ["int8", "float"])
def test_every_kernel_matches_the_reference(kind, tmp_path):
    """Integer kernels bit-exact with the kernel reference; float ones within float rounding
    (int8 quantize of float bit-exact)."""
    rng = np.random.default_rng(5)
    runs = []
    for seed in range(2):
        m = _int8_program(seed) if kind == "int8" else _float_program(seed)
        runner = HostRunner(m, workdir=tmp_path / str(seed))
        if kind == "int8":
            ins = [rng.integers(-128, 128, (2, 7, 6, 4)), rng.integers(-128, 128, (1, 1, 6, 1))]
            ins = [a.astype(np.int8) for a in ins]
        else:
            ins = [rng.standard_normal((2, 7, 6, 4)), rng.standard_normal((6, 1))]
            ins = [a.astype(np.float32) for a in ins]
        runs.append((m, runner, ins))
    for m, runner, ins in runs:
        got = runner.run(ins)
        want = edgeai.run(m, {"in0": ins[0], "in1": ins[1]})
        for (name, w), g in zip(want.items(), got, strict=True):
            if w.dtype.kind == "f":
                np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6, err_msg=name)
            else:
                np.testing.assert_array_equal(g, w, err_msg=name)


def test_fixedpoint_helpers_in_c_match_reference(tmp_path):
    """The C fixed-point helpers agree with reference/fixedpoint.py on edge and random values."""
    rng = np.random.default_rng(0)
    edge = np.array([0, 1, -1, 2**31 - 1, -(2**31), 2**30, -(2**30), 12345, -98765], np.int64)
    a = np.concatenate([edge, rng.integers(-(2**31), 2**31, 400)]).astype(np.int32)
    bm = np.concatenate([edge, rng.integers(-(2**31), 2**31, 400)]).astype(np.int32)
    sh = rng.integers(-31, 8, a.size).astype(np.int32)
    neg = -np.abs(a.astype(np.int64)).clip(0, 2**31 - 1).astype(np.int32)
    frac = np.abs(a.astype(np.int64)).clip(0, 2**31 - 1).astype(np.int32)
    pos = np.maximum(np.abs(a.astype(np.int64)) >> 8, 1).astype(np.int32)
    fx = (rng.standard_normal(a.size) * 3).astype(np.float32)
    common = (ROOT / "backends" / "cortexm" / "runtime" / "kernels_common.h").read_text()
    src = tmp_path / "fx.c"
    src.write_text(
        "#include <stdint.h>\n#include <stdio.h>\n#include <string.h>\n"
        + common
        + f"""
static const int32_t A[{a.size}] = {{{", ".join(map(str, a.tolist()))}}};
static const int32_t B[{a.size}] = {{{", ".join(map(str, bm.tolist()))}}};
static const int32_t S[{a.size}] = {{{", ".join(map(str, sh.tolist()))}}};
static const int32_t N[{a.size}] = {{{", ".join(map(str, neg.tolist()))}}};
static const int32_t F[{a.size}] = {{{", ".join(map(str, frac.tolist()))}}};
static const int32_t P[{a.size}] = {{{", ".join(map(str, pos.tolist()))}}};
static const float X[{a.size}] = {{{", ".join(f"{v:.9g}f" for v in fx.tolist())}}};
int main(void)
{{
    int i, bits;
    for (i = 0; i < {a.size}; ++i) {{
        int32_t r = ea_get_reciprocal(P[i], 12, &bits);
        printf("%ld %ld %ld %ld %ld %ld %d %ld\\n", (long)ea_srdhm(A[i], B[i]),
               (long)ea_mbqm(A[i], B[i], S[i]), (long)ea_exp_on_negative_values(N[i], 5),
               (long)ea_one_over_one_plus_x(F[i]), (long)r, (long)ea_rdbpot(A[i], i % 32),
               bits, (long)ea_quantize_f32(X[i], 0.0173f, -3, -128, 127));
    }}
    return 0;
}}
"""
    )
    exe = compile_c([src], tmp_path / "fx")
    got = np.loadtxt(
        subprocess.run([exe], capture_output=True, text=True, check=True).stdout.splitlines(),
        dtype=np.int64,
    )
    recip, bits = fp.get_reciprocal(pos, 12)
    want = np.stack(
        [
            fp.saturating_rounding_doubling_high_mul(a, bm),
            fp.multiply_by_quantized_multiplier(a, bm, sh),
            fp.exp_on_negative_values(neg, 5),
            fp.one_over_one_plus_x_for_x_in_0_1(frac),
            recip,
            fp.rounding_divide_by_pot(a, np.arange(a.size) % 32),
            bits,
            fp.quantize(fx, np.float32(0.0173), -3, -128, 127),
        ],
        axis=1,
    )
    np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------------------------------------
# several networks and instances in one program; the API's error codes


MULTI_MAIN = r"""
#include <stdio.h>
#include <string.h>
#include "kws.h"
#include "digits.h"

static uint8_t arena_a[kws_ARENA_BYTES] __attribute__((aligned(16)));
static uint8_t arena_b[kws_ARENA_BYTES] __attribute__((aligned(16)));
static uint8_t arena_d[digits_ARENA_BYTES + 16u] __attribute__((aligned(16)));
static int8_t kws_in[2][kws_IN0_BYTES];
static float digits_in[digits_IN0_BYTES / 4];
static int8_t kws_out[3][kws_OUT0_BYTES];
static float digits_out[digits_OUT0_BYTES / 4];

static void load(const char *path, void *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL || fread(buf, 1u, n, f) != n) { printf("read error\n"); }
    if (f != NULL) { fclose(f); }
}

#define CHECK(expr, want) printf("%s %d\n", #expr, (expr) == (want))

int main(void)
{
    kws_ctx a, b, z;
    digits_ctx d;
    const void *ia[1], *ib[1], *id[1];
    void *oa[1], *ob[1], *od[1];
    load("kws_in.bin", kws_in, sizeof kws_in);
    load("digits_in.bin", digits_in, sizeof digits_in);
    ia[0] = kws_in[0]; ib[0] = kws_in[1]; id[0] = digits_in;
    oa[0] = kws_out[0]; ob[0] = kws_out[1]; od[0] = digits_out;
    /* errors */
    CHECK(kws_init(NULL, arena_a), kws_ERR_NULL);
    CHECK(kws_init(&z, NULL), kws_ERR_NULL);
    CHECK(kws_init(&z, arena_a + 1), kws_ERR_ALIGN);
    memset(&z, 0, sizeof z);
    CHECK(kws_run(&z, ia, oa), kws_ERR_STATE);
    CHECK(digits_init(&d, arena_d + 4), digits_ERR_ALIGN);
    CHECK(digits_init(&d, arena_d), digits_OK);
    id[0] = (const uint8_t *)digits_in + 2;
    CHECK(digits_run(&d, id, od), digits_ERR_ALIGN);
    id[0] = digits_in;
    CHECK(digits_run(&d, NULL, od), digits_ERR_NULL);
    /* two instances of kws interleaved with digits */
    CHECK(kws_init(&a, arena_a), kws_OK);
    CHECK(kws_init(&b, arena_b), kws_OK);
    CHECK(kws_run(&a, ia, oa), kws_OK);
    CHECK(digits_run(&d, id, od), digits_OK);
    CHECK(kws_run(&b, ib, ob), kws_OK);
    oa[0] = kws_out[2];
    CHECK(kws_run(&a, ib, oa), kws_OK);
    kws_deinit(&a);
    CHECK(kws_run(&a, ia, oa), kws_ERR_STATE);
    kws_deinit(&b);
    digits_deinit(&d);
    {
        FILE *f = fopen("out.bin", "wb");
        fwrite(kws_out, 1u, sizeof kws_out, f);
        fwrite(digits_out, 1u, sizeof digits_out, f);
        fclose(f);
    }
    return 0;
}
"""


@pytest.fixture(scope="module")
def two_networks(models_dir, tmp_path_factory):
    """kws (int8) as `kws` and the digits CNN (float) as `digits`, emitted into one folder."""
    out = tmp_path_factory.mktemp("two")
    kws = qdq_kernel_module(models_dir, "kws")
    digits = float_kernel_module(str(DIGITS_ONNX))
    files = emit_c(kws, "kws", out) + emit_c(digits, "digits", out)
    return out, kws, digits, files


def test_two_networks_and_two_instances_in_one_program(two_networks, reference, digits_split):
    """Two networks and two instances of one link into one program and compute what each
    computes alone; every external symbol carries its network's prefix; the API's errors."""
    out, kws, digits, files = two_networks
    objects = compile_objects([f for f in files if f.suffix == ".c"], out / "obj")
    nm = subprocess.run(
        ["nm", "-g", "--defined-only", *map(str, objects)], capture_output=True, text=True
    ).stdout
    symbols = [ln.split()[-1] for ln in nm.splitlines() if len(ln.split()) == 3]
    assert symbols and all(s.startswith(("kws_", "digits_")) for s in symbols), symbols
    (out / "main.c").write_text(MULTI_MAIN)
    exe = compile_c([*objects, out / "main.c"], out / "multi")
    xs = reference["kws_x"]
    kx = np.concatenate([xs[:1], np.clip(xs[:1].astype(np.int16) * -1, -128, 127)]).astype(np.int8)
    (out / "kws_in.bin").write_bytes(kx.tobytes())
    dx = np.asarray(digits_split[2][0], dtype=np.float32)
    (out / "digits_in.bin").write_bytes(dx.tobytes())
    proc = subprocess.run([exe], capture_output=True, text=True, cwd=out, check=True)
    checks = [ln.rsplit(" ", 1) for ln in proc.stdout.splitlines()]
    assert checks and all(ok == "1" for _, ok in checks), proc.stdout
    raw = (out / "out.bin").read_bytes()
    ky = np.frombuffer(raw[:36], dtype=np.int8).reshape(3, 1, 12)
    dy = np.frombuffer(raw[36:], dtype=np.float32).reshape(1, 10)
    kname, dname = io_names(find_main(kws))[0][0], io_names(find_main(digits))[0][0]
    k0 = next(iter(edgeai.run(kws, {kname: kx[:1]}).values()))
    k1 = next(iter(edgeai.run(kws, {kname: kx[1:]}).values()))
    np.testing.assert_array_equal(ky[0], k0)
    np.testing.assert_array_equal(ky[1], k1)
    np.testing.assert_array_equal(ky[2], k1)
    np.testing.assert_array_equal(ky[0], reference["kws_y_tflm"][:1])
    dshape = find_main(digits).args[0].type.get_shape()
    dw = next(iter(edgeai.run(digits, {dname: dx.reshape(dshape)}).values()))
    np.testing.assert_allclose(dy, dw, rtol=1e-4, atol=1e-4 * np.abs(dw).max())


@pytest.mark.parametrize("core", list(ARM_CORES))
def test_emitted_c_compiles_clean_for_arm_cores(core, two_networks, tmp_path):
    """int8 and float networks compile with -Wall -Wextra -Werror for each Cortex-M core
    (without the cross compiler: an error naming its Debian package, not a skip)."""
    require_toolchain(plugin=False)
    _, _, _, files = two_networks
    objs = compile_objects(
        [f for f in files if f.suffix == ".c"],
        tmp_path,
        cc="arm-none-eabi-gcc",
        cflags=[*ARM_FLAGS, *ARM_CORES[core]],
    )
    assert all(o.stat().st_size > 0 for o in objs)


def test_io_macros_and_sizes(two_networks, models_dir):
    """The header's sizes and I/O quantization are those of the module; the figures of
    sizes.py recomputed from the IR."""
    out, kws, _, _ = two_networks
    header = (out / "kws.h").read_text()
    fig = memory_figures(kws)
    assert f"#define kws_ARENA_BYTES {fig.arena_bytes}u" in header
    assert "#define kws_IN0_BYTES 490u" in header and "#define kws_OUT0_BYTES 12u" in header
    assert "#define kws_IN0_ZERO_POINT 83" in header
    assert "#define kws_OUT0_SCALE 0.00390625f" in header
    assert "#define kws_OUT0_ZERO_POINT (-128)" in header
    f = find_main(kws)
    consts = [op for op in f.walk() if isinstance(op, K.ConstantOp)]
    assert fig.weights_bytes == sum(op.to_numpy().nbytes for op in consts)
    assert (fig.input_bytes, fig.output_bytes) == (490, 12)
    program = Program(kws, "kws", EmitOptions())
    emitted = emitted_figures(program)
    # the folded biases replace the biases: the weights file weighs what the constants weigh
    assert emitted["weights"] == fig.weights_bytes
    assert emitted["tables"] > 0
    digits_header = (out / "digits.h").read_text()
    assert "SCALE" not in digits_header and "#define digits_OUT0_BYTES 40u" in digits_header


def test_inputs_and_outputs_planned_in_the_arena(tmp_path):
    """When the plan puts the inputs/outputs in the arena (`edgeai.io_in_arena`, an
    `edgeai.offset` per argument), NET_run copies them in and out: same API, same results."""
    from edgeai.backends.cortexm.plan import bump_plan

    k = float_kernel_module(str(DIGITS_ONNX))
    bump_plan(k)
    f = find_main(k)
    top = f.attributes["edgeai.arena_bytes"].value.data
    attrs = []
    for a, d in zip(f.args, f.arg_attrs.data, strict=True):
        top = -(-top // 16) * 16
        attrs.append(DictionaryAttr({**d.data, "edgeai.offset": IntegerAttr(top, i64)}))
        top += mem.buffer_bytes(a.type)
    f.arg_attrs = ArrayAttr(attrs)
    f.attributes["edgeai.io_in_arena"] = IntegerAttr(1, 1)
    f.attributes["edgeai.arena_bytes"] = IntegerAttr(top, i64)
    runner = HostRunner(k, "digits_io", workdir=tmp_path)
    assert f"#define digits_io_ARENA_BYTES {top}u" in (tmp_path / "digits_io.h").read_text()
    x = np.random.default_rng(1).random((1, 1, 8, 8), dtype=np.float32)
    (got,) = runner.run([x])
    want = next(iter(edgeai.run(k, {io_names(f)[0][0]: x}).values()))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
    f.attributes["edgeai.io_in_arena"] = IntegerAttr(1, 1)
    f.arg_attrs = ArrayAttr([DictionaryAttr({}) for _ in f.args])
    with pytest.raises(EdgeAIError, match="no edgeai.offset"):
        emit_c(k, "digits_io", tmp_path / "bad")


def test_kernel_variants_dispatch_on_core_features_and_variant(tmp_path):
    """A registered SIMD-style implementation is picked for cores with its feature (and an
    op's `variant` names one), the portable kernel elsewhere; results stay bit-exact."""
    from edgeai.backends.cortexm import kernels as KS
    from edgeai.backends.cortexm.kernels.conv import fully_connected

    def fc_dsp(op, layer):
        layer.code("/* dsp variant */")
        fully_connected(op, layer)

    def fc_named(op, layer):
        layer.code("/* named variant */")
        fully_connected(op, layer)

    saved = list(KS.implementations(K.FullyConnectedOp))
    KS.kernel(K.FullyConnectedOp, name="test-dsp", requires={"dsp"}, priority=100)(fc_dsp)
    KS.kernel(K.FullyConnectedOp, name="test-named", variant="named", priority=-1)(fc_named)
    try:
        m = _int8_program(3)
        emit_c(m, "m4", tmp_path / "m4", {"cpu": "cortex-m4"})
        emit_c(m, "m0", tmp_path / "m0", EmitOptions(cpu="cortex-m0plus"))
        assert "(test-dsp)" in (tmp_path / "m4" / "m4_kernels.c").read_text()
        assert "(test-dsp)" not in (tmp_path / "m0" / "m0_kernels.c").read_text()
        fc = next(op for op in find_main(m).walk() if isinstance(op, K.FullyConnectedOp))
        fc.properties["variant"] = StringAttr("named")
        emit_c(m, "named", tmp_path / "named", {"cpu": "cortex-m4"})
        assert "/* named variant */" in (tmp_path / "named" / "named_kernels.c").read_text()
        runner = HostRunner(m, "m4", {"cpu": "cortex-m4"}, tmp_path / "run")
        rng = np.random.default_rng(2)
        ins = [rng.integers(-128, 128, s).astype(np.int8) for s in ((2, 7, 6, 4), (1, 1, 6, 1))]
        want = edgeai.run(m, {"in0": ins[0], "in1": ins[1]})
        for g, w in zip(runner.run(ins), want.values(), strict=True):
            np.testing.assert_array_equal(g, w)
    finally:
        KS._REGISTRY[K.FullyConnectedOp] = saved
    with pytest.raises(EdgeAIError, match="unknown Cortex-M core"):
        emit_c(m, "x", tmp_path / "x", {"cpu": "cortex-m99"})


# ---------------------------------------------------------------------------------------------
# golden output and errors


def test_golden_digits_cnn(tmp_path):
    """The generated C of the digits CNN is checked in (tests/golden/digits_cnn); a change to
    the emitter shows up as a diff. Regenerate with EDGEAI_UPDATE_GOLDEN=1."""
    from edgeai.backends.cortexm.plan import bump_plan

    k = float_kernel_module(str(DIGITS_ONNX))
    bump_plan(k)  # the golden shows the emitter's code, not the planner's choices
    files = emit_c(k, "digits_cnn", tmp_path)
    if os.environ.get("EDGEAI_UPDATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for old in GOLDEN.iterdir():
            old.unlink()
        for p in files:
            shutil.copy(p, GOLDEN / p.name)
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(p.name for p in files)
    for p in files:
        assert p.read_text() == (GOLDEN / p.name).read_text(), f"{p.name} differs from golden"


def test_errors_are_one_line(tmp_path):
    """Bad input gives one clear line: an nn-level module, a bad name, a compile failure."""
    nn_level = edgeai.lower(edgeai.import_model(str(DIGITS_ONNX)))
    with pytest.raises(EdgeAIError, match="convert-nn-to-kernel") as e:
        emit_c(nn_level, "digits", tmp_path)
    assert "\n" not in str(e.value)
    with pytest.raises(EdgeAIError, match="not a C identifier"):
        emit_c(float_kernel_module(str(DIGITS_ONNX)), "9 lives", tmp_path)
    bad = tmp_path / "bad.c"
    bad.write_text("int main(void) { return x; }\n")
    with pytest.raises(EdgeAIError, match=r"C compilation failed \(gcc\): .*error") as e:
        compile_c([bad], tmp_path / "bad")
    assert "\n" not in str(e.value)
