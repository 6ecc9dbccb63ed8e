"""Helium (MVE) kernels of the Cortex-M backend (backends/cortexm/kernels/mve.py): every variant
bit-exact with the kernel reference under QEMU on the Cortex-M55 (random layers, several per
image), a whole MLPerf Tiny model, and the generated C compiled with -Werror.

These tests need arm-none-eabi-gcc (+ newlib) and qemu-system-arm: without them they fail
with the missing tool's name (`make setup` installs them), they are not skipped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    DictionaryAttr,
    FunctionType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    i8,
    i32,
    i64,
)
from xdsl.ir import Block, Region, SSAValue

import edgeai
from edgeai.backends.cortexm.emit import EmitOptions, Program, emit_c
from edgeai.backends.cortexm.host import compile_objects
from edgeai.backends.cortexm.kernels import CPU_FEATURES, select
from edgeai.backends.cortexm.qemu.runner import require_toolchain, run_network
from edgeai.dialects import kernel as K
from edgeai.dialects import mem
from edgeai.reference import fixedpoint as fp
from edgeai.reference.interpreter import find_main, io_names
from edgeai.support.attrs import dense_from_numpy
from edgeai.support.context import run_pipeline

M55 = "cortex-m55"
M55_FEATURES = CPU_FEATURES[M55]
ARM_FLAGS = [
    "-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-mthumb", "-mfloat-abi=hard",
    "-mcpu=cortex-m55",
]  # fmt: skip
FOLD = 'convert-onnx-to-nn,nn-optimize,nn-fold-qdq{rounding="tflite"},nn-optimize'


@pytest.fixture(scope="module", autouse=True)
def toolchain() -> None:
    """The Arm compiler, newlib and QEMU must be installed (an error naming the missing tool,
    not a skip)."""
    require_toolchain()


# ---------------------------------------------------------------------------------------------
# random kernel programs


class Program_:
    """A kernel-level `@main` built layer by layer. A layer reads a new input argument or the
    output of an earlier layer; outputs nobody reads are the function's outputs, the others
    are arena buffers (so both kinds of operand are covered)."""

    def __init__(self) -> None:
        self.inputs: list[MemRefType] = []
        self.ops: list[tuple] = []  # (op class, operand specs, output type, props)

    def input(self, shape: tuple[int, ...]) -> tuple[str, int]:
        self.inputs.append(MemRefType(i8, list(shape)))
        return ("in", len(self.inputs) - 1)

    def layer(self, cls: type[K.KernelOp], ins: list, out_shape, props: dict) -> tuple[str, int]:
        self.ops.append((cls, ins, MemRefType(i8, list(out_shape)), props))
        return ("layer", len(self.ops) - 1)

    def module(self) -> ModuleOp:
        read = {spec[1] for _, ins, _, _ in self.ops for spec in ins if _is_layer(spec)}
        outs = [i for i in range(len(self.ops)) if i not in read]
        block = Block(arg_types=[*self.inputs, *(self.ops[i][2] for i in outs)])
        args = list(block.args)
        n_in = len(self.inputs)
        written: dict[int, SSAValue] = {}
        for idx, (cls, ins, out_t, props) in enumerate(self.ops):
            operands = []
            for spec in ins:
                if isinstance(spec, np.ndarray):
                    value = dense_from_numpy(spec)
                    t = MemRefType(value.get_element_type(), list(spec.shape))
                    c = K.ConstantOp.create(properties={"value": value}, result_types=[t])
                    block.add_op(c)
                    operands.append(c.output)
                elif spec[0] == "in":
                    operands.append(args[spec[1]])
                else:
                    operands.append(written[spec[1]])
            if idx in read:
                alloc = mem.AllocOp.create(
                    properties={"pool": StringAttr("arena")}, result_types=[out_t]
                )
                block.add_op(alloc)
                written[idx] = alloc.output
            else:
                written[idx] = args[n_in + outs.index(idx)]
            op = cls.create(operands=[*operands, written[idx]], properties=_attrs(props))
            op.verify()
            block.add_op(op)
        block.add_op(func.ReturnOp())
        names = [f"in{i}" for i in range(n_in)] + [f"out{i}" for i in range(len(outs))]
        f = func.FuncOp(
            "main",
            FunctionType.from_lists([a.type for a in block.args], []),
            Region(block),
            arg_attrs=ArrayAttr([DictionaryAttr({"edgeai.name": StringAttr(n)}) for n in names]),
        )
        f.attributes["edgeai.num_outputs"] = IntegerAttr(len(outs), i64)
        m = ModuleOp([f])
        m.attributes["edgeai.model"] = StringAttr("mve_cases")
        m.verify()
        return m


def _is_layer(spec) -> bool:
    return isinstance(spec, tuple) and spec[0] == "layer"


def _attrs(props: dict) -> dict:
    out = {}
    for k, v in props.items():
        if isinstance(v, int | np.integer):
            out[k] = IntegerAttr(int(v), i64)
        elif k in ("output_multiplier", "output_shift"):
            out[k] = DenseArrayBase.from_list(i32, [int(a) for a in v])
        else:
            out[k] = DenseArrayBase.from_list(i64, [int(a) for a in v])
    return out


def _requant(rng: np.random.Generator, channels: int, kind: str) -> dict:
    """Multipliers/shifts: `per-channel` over a wide range (right shifts up to 31, left shifts),
    `per-tensor` (one value repeated), `tiny` (shifts around -31), `mixed` (e >= 0 and > 0)."""
    if kind == "per-tensor":
        scales = np.full(channels, np.exp(rng.uniform(np.log(2e-4), np.log(0.05))))
    elif kind == "tiny":
        scales = np.exp(rng.uniform(np.log(3e-10), np.log(3e-9), channels))
    elif kind == "mixed":
        scales = np.exp(rng.uniform(np.log(0.3), np.log(3.0), channels))
    else:
        scales = np.exp(rng.uniform(np.log(1e-5), np.log(2.0), channels))
    m, s = fp.quantize_multiplier(scales)
    return {"output_multiplier": m.tolist(), "output_shift": s.tolist()}


def _quant(rng: np.random.Generator, channels: int, kind: str) -> dict:
    clamp = rng.random() < 0.4
    lo = int(rng.integers(-128, -20)) if clamp else -128
    hi = int(rng.integers(20, 128)) if clamp else 127
    return {
        "input_offset": int(rng.integers(-127, 129)),
        "output_offset": int(rng.integers(-128, 128)),
        "qmin": lo,
        "qmax": hi,
        **_requant(rng, channels, kind),
    }


def _weights(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(-128, 128, shape).astype(np.int8)


def _bias(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(-(2**18), 2**18, n).astype(np.int32)


def _out_size(size: int, k: int, s: int, d: int, before: int, after: int) -> int:
    return (size + before + after - d * (k - 1) - 1) // s + 1


def add_conv(p, rng, x_shape, oc, kernel, strides=(1, 1), dilations=(1, 1), padding=(0, 0, 0, 0),
             kind="per-channel", bias=True, src=None) -> tuple[str, int]:  # fmt: skip
    """A conv2d layer (groups 1) on a new input of `x_shape` (or on `src`)."""
    n, ih, iw, ic = x_shape
    oh = _out_size(ih, kernel[0], strides[0], dilations[0], padding[0], padding[2])
    ow = _out_size(iw, kernel[1], strides[1], dilations[1], padding[1], padding[3])
    ins = [src or p.input(x_shape), _weights(rng, (oc, *kernel, ic))]
    if bias:
        ins.append(_bias(rng, oc))
    props = {"strides": strides, "dilations": dilations, "padding": padding, "groups": 1}
    return p.layer(K.Conv2dOp, ins, (n, oh, ow, oc), {**props, **_quant(rng, oc, kind)})


def add_depthwise(p, rng, x_shape, kernel, strides=(1, 1), dilations=(1, 1),
                  padding=(0, 0, 0, 0), kind="per-channel", src=None) -> tuple[str, int]:  # fmt: skip
    n, ih, iw, c = x_shape
    oh = _out_size(ih, kernel[0], strides[0], dilations[0], padding[0], padding[2])
    ow = _out_size(iw, kernel[1], strides[1], dilations[1], padding[1], padding[3])
    ins = [src or p.input(x_shape), _weights(rng, (1, *kernel, c)), _bias(rng, c)]
    props = {"strides": strides, "dilations": dilations, "padding": padding}
    return p.layer(K.DepthwiseConv2dOp, ins, (n, oh, ow, c), {**props, **_quant(rng, c, kind)})


def add_fc(p, rng, rows, k, n_out, kind="per-channel", bias=True, weights=None, bias_values=None,
           props=None) -> tuple[str, int]:  # fmt: skip
    w = _weights(rng, (n_out, k)) if weights is None else weights
    ins = [p.input((rows, k)), w]
    if bias:
        ins.append(_bias(rng, n_out) if bias_values is None else bias_values)
    return p.layer(K.FullyConnectedOp, ins, (rows, n_out), props or _quant(rng, n_out, kind))


def add_add(p, rng, shape, sign=1) -> tuple[str, int]:
    ls = 20
    m1, s1 = fp.quantize_multiplier_smaller_than_one_exp(rng.uniform(0.2, 0.5))
    m2, s2 = fp.quantize_multiplier_smaller_than_one_exp(rng.uniform(0.2, 0.5))
    mo, so = fp.quantize_multiplier_smaller_than_one_exp(rng.uniform(0.5, 3.0) / (1 << ls))
    props = {
        "input1_offset": int(rng.integers(-127, 129)), "input2_offset": int(rng.integers(-127, 129)),
        "output_offset": int(rng.integers(-128, 128)), "left_shift": ls,
        "input1_multiplier": int(m1), "input1_shift": int(s1), "input2_multiplier": int(m2),
        "input2_shift": int(s2), "output_multiplier": int(mo), "output_shift": int(so),
        "sign": sign, "qmin": int(rng.integers(-128, -60)), "qmax": int(rng.integers(40, 128)),
    }  # fmt: skip
    return p.layer(K.AddOp, [p.input(shape), p.input(shape)], shape, props)


def add_pool(p, rng, cls, x_shape, kernel, strides) -> tuple[str, int]:
    n, ih, iw, c = x_shape
    oh, ow = (ih - kernel[0]) // strides[0] + 1, (iw - kernel[1]) // strides[1] + 1
    props = {
        "kernel": kernel, "strides": strides, "padding": (0, 0, 0, 0),
        "qmin": int(rng.integers(-128, -100)), "qmax": int(rng.integers(100, 128)),
    }  # fmt: skip
    return p.layer(cls, [p.input(x_shape)], (n, oh, ow, c), props)


def requant_edges(p, rng) -> None:
    """Fully connected layers with zero weights compute `requant(bias)`: biases at the edges of
    int32 and rounding ties of each shift, against every kind of multiplier/shift."""
    ties = []
    for e in range(1, 32):
        half = 1 << (e - 1)
        ties += [half, -half, 3 * half, -3 * half, half - 1, -half - 1]
    edge = [INT32 for INT32 in (-(2**31), 2**31 - 1, -(2**31) + 1, 0, 1, -1)]
    values = np.array(edge + ties, dtype=np.int64)
    values = np.clip(values, -(2**31), 2**31 - 1)
    for kind in ("per-channel", "per-tensor", "tiny", "mixed"):
        n_out = values.size
        props = _quant(rng, n_out, kind)
        props.update(qmin=-128, qmax=127, output_offset=0)
        if kind == "per-channel":  # every shift from -31 to 0 and a few left shifts
            shifts = np.resize(np.arange(-31, 3), n_out)
            props["output_shift"] = shifts.tolist()
            props["output_multiplier"] = rng.integers(2**30, 2**31, n_out).tolist()
        add_fc(
            p, rng, 1, 16, n_out, weights=np.zeros((n_out, 16), np.int8),
            bias_values=values.astype(np.int32), props=props,
        )  # fmt: skip


def random_program(seed: int) -> Program_:
    """Layers of every MVE kernel with random shapes (channel counts not multiples of the
    vector widths), strides, dilations, paddings and quantization."""
    rng = np.random.default_rng(seed)
    p = Program_()
    # convolutions: direct (window rows read in place) with borders, dense (few channels)
    c0 = add_conv(p, rng, (1, 9, 8, 16), 20, (3, 3), padding=(1, 1, 1, 1))
    add_conv(p, rng, (1, 10, 9, 19), 7, (3, 3), strides=(2, 2), padding=(0, 0, 1, 1))
    add_conv(p, rng, (2, 7, 6, 5), 6, (3, 2), strides=(2, 1), padding=(1, 0, 2, 1), kind="mixed")
    add_conv(p, rng, (1, 11, 5, 1), 9, (5, 4), strides=(2, 2), padding=(2, 1, 3, 1))
    add_conv(p, rng, (1, 12, 12, 3), 8, (3, 3), strides=(2, 2), padding=(0, 0, 1, 1))
    add_conv(p, rng, (1, 8, 9, 6), 5, (3, 3), dilations=(2, 2), padding=(2, 2, 2, 2), kind="tiny")
    add_conv(p, rng, (1, 9, 9, 4), 6, (2, 3), dilations=(2, 1), padding=(1, 1, 0, 1))
    add_conv(p, rng, (1, 5, 6, 40), 13, (1, 1), kind="per-tensor", bias=False)
    add_conv(p, rng, (1, 6, 7, 8), 16, (1, 1))  # chunks half empty: the last pixels read safely
    add_conv(p, rng, (1, 8, 8, 12), 4, (1, 1), strides=(2, 2))
    add_conv(p, rng, (1, 4, 4, 64), 5, (3, 3), padding=(1, 1, 1, 1))  # 36 chunks: a row loop
    add_conv(p, rng, (1, 3, 2, 7), 3, (3, 3), padding=(1, 1, 1, 1))  # every pixel a border
    add_conv(p, rng, (1, 5, 5, 9), 4, (2, 2), padding=(0, 0, 1, 1), kind="mixed")
    # depthwise
    d0 = add_depthwise(p, rng, (1, 9, 8, 20), (3, 3), padding=(1, 1, 1, 1), src=c0)
    add_conv(p, rng, (1, 9, 8, 20), 24, (1, 1), src=d0)  # conv -> depthwise -> pointwise
    add_depthwise(p, rng, (1, 9, 8, 13), (3, 3), strides=(2, 2), padding=(0, 0, 1, 1))
    add_depthwise(p, rng, (2, 6, 7, 5), (3, 2), strides=(1, 2), padding=(1, 0, 2, 1))
    add_depthwise(p, rng, (1, 10, 1, 24), (5, 1), kind="per-tensor")
    add_depthwise(p, rng, (1, 8, 8, 11), (3, 3), dilations=(2, 2), padding=(2, 2, 2, 2))
    add_depthwise(p, rng, (1, 5, 5, 7), (5, 5), padding=(2, 2, 2, 2), kind="mixed")
    # fully connected: hoisted input vectors, a tail chunk, many chunks (loop), several rows
    add_fc(p, rng, 1, 40, 10)
    add_fc(p, rng, 3, 27, 6, kind="per-tensor")
    add_fc(p, rng, 1, 456, 9, kind="mixed")
    add_fc(p, rng, 2, 512, 5, bias=False)
    add_fc(p, rng, 1, 8, 12, kind="tiny")
    # element-wise add/sub, pooling
    add_add(p, rng, (1, 5, 5, 7))
    add_add(p, rng, (2, 4, 4, 8), sign=-1)
    add_pool(p, rng, K.AvgPool2dOp, (1, 6, 6, 19), (6, 6), (1, 1))
    add_pool(p, rng, K.AvgPool2dOp, (1, 20, 16, 6), (20, 16), (1, 1))  # 320 taps: int32 lanes
    add_pool(p, rng, K.AvgPool2dOp, (2, 7, 7, 9), (3, 3), (2, 2))
    add_pool(p, rng, K.MaxPool2dOp, (1, 7, 8, 21), (2, 2), (2, 2))
    requant_edges(p, rng)
    return p


def _run_on_m55(m: ModuleOp, seed: int, tmp: Path) -> tuple[list, dict]:
    f = find_main(m)
    n_in = len(io_names(f)[0])
    rng = np.random.default_rng(1000 + seed)
    xs = [
        rng.integers(-128, 128, a.type.get_shape()).astype(np.int8)  # type: ignore[attr-defined]
        for a in f.args[:n_in]
    ]
    result = run_network(m, M55, xs, workdir=tmp, count_instructions=False)
    want = edgeai.run(m, {f"in{i}": x for i, x in enumerate(xs)})
    return result.outputs, want


@pytest.mark.parametrize("seed", [0, 1])
def test_every_mve_kernel_bit_exact_on_m55(seed, tmp_path):
    """Random layers of every MVE kernel (one QEMU image per seed, a chain of three through
    the arena) equal the kernel reference bit for bit, and the M55 selection picks MVE kernels
    for all of them."""
    m = random_program(seed).module()
    kernel_ops = [op for op in find_main(m).walk() if isinstance(op, K.KernelOp)]
    picked = [select(op, M55_FEATURES).name for op in kernel_ops]
    assert all(name.startswith("mve-") for name in picked), picked
    assert {"mve-conv", "mve-depthwise", "mve-fc", "mve-add", "mve-pool"} <= set(picked)
    got, want = _run_on_m55(m, seed, tmp_path)
    assert len(got) == len(want)
    for (name, w), g in zip(want.items(), got, strict=True):
        np.testing.assert_array_equal(g, w, err_msg=name)


# ---------------------------------------------------------------------------------------------
# whole models


@pytest.fixture(scope="module")
def reference(models_dir):
    return np.load(models_dir / "mlperf_tiny" / "reference_outputs.npz")


def _model(models_dir: Path, file: str) -> ModuleOp:
    m = edgeai.import_model(str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / file))
    return run_pipeline(m, FOLD + ",convert-nn-to-kernel")


@pytest.mark.parametrize(("key", "file"), [("kws", "kws_ref_model.onnx"), ("ad", "ad01_int8.onnx")])
def test_mlperf_model_bit_exact_on_m55_with_mve(key, file, models_dir, reference, tmp_path):
    """KWS and AD on the emulated M55: the MVE kernels are selected for every conv-like layer
    and the outputs equal the kernel reference and TFLite Micro's."""
    k = _model(models_dir, file)
    program = Program(k, key, EmitOptions(cpu=M55))
    names = {layer.op.name: impl.name for layer, impl in program.layers}
    for layer, impl in program.layers:
        if isinstance(layer.op, K.Conv2dOp | K.DepthwiseConv2dOp | K.FullyConnectedOp):
            assert impl.name.startswith("mve-"), (layer.op.name, impl.name)
    assert any(n.startswith("mve-") for n in names.values())
    xs, ys = reference[f"{key}_x"], reference[f"{key}_y_tflm"]
    x = xs[:1]
    result = run_network(k, M55, [x], workdir=tmp_path)
    name = io_names(find_main(k))[0][0]
    want = next(iter(edgeai.run(k, {name: x}).values()))
    np.testing.assert_array_equal(result.outputs[0].reshape(want.shape), want)
    np.testing.assert_array_equal(result.outputs[0].reshape(ys[:1].shape), ys[:1])
    assert result.instructions is not None and result.instructions > 0


# ---------------------------------------------------------------------------------------------
# compilation


def test_generated_c_compiles_with_werror_for_m55(models_dir, tmp_path):
    """The C of the random layers and of KWS with the MVE kernels compiles warning-free with
    -std=c99 -Wall -Wextra -Werror for the Cortex-M55."""
    sources = []
    for name, m in (("cases", random_program(2).module()),
                    ("kws", _model(models_dir, "kws_ref_model.onnx"))):  # fmt: skip
        files = emit_c(m, name, tmp_path / name, {"cpu": M55})
        text = (tmp_path / name / f"{name}_kernels.c").read_text()
        assert "(mve-conv)" in text and "EA_MVE_ADVANCE" in text
        sources += [f for f in files if f.suffix == ".c"]
    objs = compile_objects(sources, tmp_path / "obj", cc="arm-none-eabi-gcc", cflags=ARM_FLAGS)
    assert all(o.stat().st_size > 0 for o in objs)


def test_mve_kernels_stay_out_of_cores_without_helium(tmp_path):
    """On the M4 and M7 (no MVE) the MVE kernels are never selected; shapes they do not handle
    (grouped convolution, depth multiplier, float) keep a portable kernel on the M55."""
    p = random_program(3)
    m = p.module()
    for core in ("cortex-m4", "cortex-m7", "cortex-m0plus"):
        for op in find_main(m).walk():
            if isinstance(op, K.KernelOp):
                assert not select(op, CPU_FEATURES[core]).name.startswith("mve-")
    q = Program_()
    rng = np.random.default_rng(0)
    x = q.input((1, 6, 6, 4))
    props = {"strides": (1, 1), "dilations": (1, 1), "padding": (0, 0, 0, 0)}
    q.layer(K.Conv2dOp, [x, _weights(rng, (6, 3, 3, 2))], (1, 4, 4, 6),
            {**props, "groups": 2, **_quant(rng, 6, "per-channel")})  # fmt: skip
    q.layer(K.DepthwiseConv2dOp, [x, _weights(rng, (1, 3, 3, 8))], (1, 4, 4, 8),
            {**props, **_quant(rng, 8, "per-channel")})  # fmt: skip
    for op in find_main(q.module()).walk():
        if isinstance(op, K.KernelOp):
            assert not select(op, M55_FEATURES).name.startswith("mve-")
