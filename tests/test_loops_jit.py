"""Level 3: `convert-kernel-to-loops` + the llvmlite JIT compute what the kernel reference does.

* the five int8 MLPerf Tiny QDQ kernel programs, lowered to loops and JIT-run, are bit-exact with
  the kernel reference and with TensorFlow Lite Micro's outputs;
* float programs (the digits CNN, the float ResNet) match within float rounding;
* the fixed-point primitives emitted as IR equal `edgeai.reference.fixedpoint` on edge values;
* hypothesis: random small kernel ops of every kind (shapes, strides, padding, groups,
  broadcasting, quantization parameters, wrap-around biases) give exactly the kernel reference's
  integers, and exactly its floats too, except float convolutions / fully connected (BLAS sums
  in another order) and float softmax (NumPy's exp vs libm's), compared within 1e-5 / 1e-6.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DenseArrayBase,
    FloatAttr,
    FunctionType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
    f32,
    i32,
    i64,
)
from xdsl.ir import Attribute, Block, Region
from xdsl.rewriter import InsertPoint

import edgeai
from edgeai.dialects import kernel as K
from edgeai.dialects import mem
from edgeai.lowering.kernel_to_loops import fixedpoint as fpir
from edgeai.lowering.kernel_to_loops.builder import LoopBuilder, ModuleState
from edgeai.reference import fixedpoint as fp
from edgeai.reference import jit
from edgeai.reference.interpreter import find_main, io_names, random_inputs
from edgeai.support.attrs import dense_from_numpy, dtype_to_element_type
from edgeai.support.context import run_pipeline
from edgeai.support.errors import UnsupportedError
from tests.conftest import DIGITS_ONNX

QDQ = {
    "kws": "kws_ref_model.onnx",
    "ic": "pretrainedResnet_quant.onnx",
    "vww": "vww_96_int8.onnx",
    "ad": "ad01_int8.onnx",
    "sww": "str_ww_ref_model.onnx",
}
TO_KERNEL = (
    'convert-onnx-to-nn,nn-optimize,nn-fold-qdq{rounding="tflite"},nn-optimize,convert-nn-to-kernel'
)
LOOP_DIALECTS = {"builtin", "func", "scf", "memref", "arith", "math"}
FLT_MAX = float(np.finfo(np.float32).max)


def to_loops(kernel_module: ModuleOp) -> ModuleOp:
    m = kernel_module.clone()
    run_pipeline(m, "convert-kernel-to-loops")
    return m


@pytest.fixture(scope="module")
def reference(models_dir):
    return np.load(models_dir / "mlperf_tiny" / "reference_outputs.npz")


# ----------------------------------------------------------------------------------------------
# whole models


@pytest.mark.parametrize("key", list(QDQ))
def test_int8_mlperf_loop_program_bit_exact(key, models_dir, reference):
    k = edgeai.import_model(str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / QDQ[key]))
    run_pipeline(k, TO_KERNEL)
    t0 = time.perf_counter()
    loops = to_loops(k)
    lower_s = time.perf_counter() - t0
    assert loops.attributes["edgeai.level"] == StringAttr("loops")
    dialects = {op.name.split(".")[0] for op in loops.walk()}
    assert dialects <= LOOP_DIALECTS, dialects
    n_ops = sum(1 for _ in loops.walk())
    assert n_ops < 5000  # rolled: the size follows the layer count, not the iteration count
    compiled = jit.compile_module(loops)
    name = io_names(find_main(k))[0][0]
    xs = reference[f"{key}_x"][:2]
    for i in range(len(xs)):
        a = next(iter(edgeai.run(k, {name: xs[i : i + 1]}).values()))
        t0 = time.perf_counter()
        b = next(iter(edgeai.run(loops, {name: xs[i : i + 1]}).values()))
        run_s = time.perf_counter() - t0
        np.testing.assert_array_equal(b, a)
        np.testing.assert_array_equal(b, reference[f"{key}_y_tflm"][i : i + 1])
    print(
        f"{key}: {n_ops} ops, lower {lower_s:.2f}s, xdsl->llvm {compiled.xdsl_seconds:.2f}s, "
        f"llvm {compiled.llvm_seconds:.2f}s, run {run_s * 1e3:.2f}ms"
    )


@pytest.mark.parametrize("path", [str(DIGITS_ONNX), "resnet_float"])
def test_float_loop_program_matches(path, models_dir):
    if path == "resnet_float":
        path = str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / "pretrainedResnet.onnx")
    k = edgeai.lower(edgeai.import_model(path))
    run_pipeline(k, "convert-nn-to-kernel")
    loops = to_loops(k)
    for seed in (3, 4):
        inputs = random_inputs(k, seed=seed)
        a = next(iter(edgeai.run(k, inputs).values()))
        b = next(iter(edgeai.run(loops, inputs).values()))
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5 * float(np.abs(a).max()))


def test_compiled_modules_are_cached(models_dir):
    k = edgeai.import_model(str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / QDQ["ad"]))
    run_pipeline(k, TO_KERNEL)
    loops = to_loops(k)
    first = jit.compile_module(loops)
    assert jit.compile_module(loops) is first  # same object
    assert jit.compile_module(loops.clone()) is first  # same text
    reparsed = edgeai.parse_mlir(str(loops))  # level 3 prints and parses back losslessly
    assert jit.compile_module(reparsed) is first
    # a planned arena: every buffer a view at its offset into one byte global
    planned = k.clone()
    offset = 0
    for op in find_main(planned).body.block.ops:
        if isinstance(op, mem.AllocOp):
            op.offset = IntegerAttr(offset, i64)
            offset += -(-op.nbytes // 16) * 16
    planned_loops = to_loops(planned)
    text = str(planned_loops)
    assert "memref.view" in text and "main_arena" in text
    x = random_inputs(k, seed=1)
    a = next(iter(edgeai.run(k, x).values()))
    np.testing.assert_array_equal(next(iter(edgeai.run(planned_loops, x).values())), a)
    np.testing.assert_array_equal(next(iter(edgeai.run(loops, x).values())), a)


# ----------------------------------------------------------------------------------------------
# the fixed-point primitives as IR


def _elementwise_module(names: Sequence[str], emit, out: str = "y") -> tuple[ModuleOp, int]:
    """`@main(names..., y)` computing `y[i] = emit(builder, *loaded[i])` over i32 vectors."""
    n = 64
    t = MemRefType(i32, [n])
    block = Block(arg_types=[t] * (len(names) + 1))
    for a, nm in zip(block.args, [*names, out], strict=True):
        a.name_hint = nm
    f = func.FuncOp("main", FunctionType.from_lists([t] * (len(names) + 1), []), Region(block))
    f.attributes["edgeai.num_outputs"] = IntegerAttr(1, i64)
    module = ModuleOp([f])
    state = ModuleState(module, f)
    b = LoopBuilder(InsertPoint.at_end(block), state)

    def body(b: LoopBuilder, i):
        vals = [b.load(a, [i]) for a in block.args[:-1]]
        b.store(emit(b, *vals), block.args[-1], [i])

    b.for_(0, n, body)
    block.add_op(func.ReturnOp())
    module.attributes["edgeai.level"] = StringAttr("loops")
    module.verify()
    return module, n


EDGE = np.array(
    [fp.INT32_MIN, fp.INT32_MIN + 1, -(1 << 30), -3, -2, -1, 0, 1, 2, 3, 1 << 30, fp.INT32_MAX],
    dtype=np.int64,
)


def _int32_samples(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.integers(fp.INT32_MIN, fp.INT32_MAX, size=n, endpoint=True)
    v[: len(EDGE)] = EDGE
    return v.astype(np.int32)


def test_fixedpoint_primitives_as_ir_match_reference():
    rng = np.random.default_rng(0)
    module, n = _elementwise_module(["a", "b"], fpir.srdhm)
    a, c = _int32_samples(rng, n), rng.permutation(_int32_samples(rng, n))
    c[:12] = np.array(EDGE[::-1], dtype=np.int32)
    got = edgeai.run(module, {"a": a, "b": c})["y"]
    np.testing.assert_array_equal(got, fp.saturating_rounding_doubling_high_mul(a, c))

    module, n = _elementwise_module(["x", "e"], fpir.rdbpot)
    x, e = _int32_samples(rng, n), rng.integers(0, 32, size=n).astype(np.int32)
    got = edgeai.run(module, {"x": x, "e": e})["y"]
    np.testing.assert_array_equal(got, fp.rounding_divide_by_pot(x, e))

    module, n = _elementwise_module(["x", "m", "s"], fpir.mbqm)
    x = _int32_samples(rng, n)
    m = rng.integers(1 << 30, fp.INT32_MAX, size=n, endpoint=True).astype(np.int32)
    s = rng.integers(-31, 31, size=n).astype(np.int32)
    got = edgeai.run(module, {"x": x, "m": m, "s": s})["y"]
    np.testing.assert_array_equal(got, fp.multiply_by_quantized_multiplier(x, m, s))

    module, n = _elementwise_module(["a"], lambda b, a: fpir.exp_on_negative_values(b, a, 5))
    a = -np.abs(_int32_samples(rng, n).astype(np.int64)).clip(0, fp.INT32_MAX).astype(np.int32)
    a[:3] = [0, -1, fp.INT32_MIN + 1]
    got = edgeai.run(module, {"a": a})["y"]
    np.testing.assert_array_equal(got, fp.exp_on_negative_values(a, 5))

    module, n = _elementwise_module(["a"], fpir.one_over_one_plus_x)
    a = rng.integers(0, fp.INT32_MAX, size=n, endpoint=True).astype(np.int32)
    a[:3] = [0, 1, fp.INT32_MAX]
    got = edgeai.run(module, {"a": a})["y"]
    np.testing.assert_array_equal(got, fp.one_over_one_plus_x_for_x_in_0_1(a))


# ----------------------------------------------------------------------------------------------
# random kernel ops


def _memref(shape: Sequence[int], dtype) -> MemRefType:
    return MemRefType(dtype_to_element_type(np.dtype(dtype)), list(shape))


def _i(v: int) -> IntegerAttr:
    return IntegerAttr(int(v), i64)


def _f(v: float) -> FloatAttr:
    return FloatAttr(float(np.float32(v)), f32)


def _a64(vals) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, [int(v) for v in vals])


def _a32(vals) -> DenseArrayBase:
    return DenseArrayBase.from_list(i32, [int(v) for v in np.ravel(vals)])


def kernel_program(
    cls: type[K.KernelOp],
    operands: Sequence[str | np.ndarray],
    inputs: dict[str, np.ndarray],
    out_shape: Sequence[int],
    out_dtype,
    props: dict[str, Attribute],
) -> ModuleOp:
    """`@main(inputs..., y)` holding one kernel op; array operands become `kernel.constant`s."""
    names = list(inputs)
    types = [_memref(inputs[n].shape, inputs[n].dtype) for n in names]
    types.append(_memref(out_shape, out_dtype))
    block = Block(arg_types=types)
    for a, n in zip(block.args, [*names, "y"], strict=True):
        a.name_hint = n
    values = []
    for o in operands:
        if isinstance(o, str):
            values.append(block.args[names.index(o)])
            continue
        c = K.ConstantOp.create(
            properties={"value": dense_from_numpy(o)}, result_types=[_memref(o.shape, o.dtype)]
        )
        block.add_op(c)
        values.append(c.output)
    block.add_op(cls.create(operands=[*values, block.args[-1]], properties=props))
    block.add_op(func.ReturnOp())
    f = func.FuncOp("main", FunctionType.from_lists(types, []), Region(block))
    f.attributes["edgeai.num_outputs"] = IntegerAttr(1, i64)
    module = ModuleOp([f])
    module.attributes["edgeai.level"] = StringAttr("kernel")
    module.verify()
    return module


def check_same(module: ModuleOp, inputs: dict[str, np.ndarray], tol: float | None = None):
    """The loop-level program (JIT) against the kernel reference."""
    want = edgeai.run(module, inputs)["y"]
    loops = to_loops(module)
    assert not any(isinstance(op, K.KernelOp) for op in loops.walk())
    got = edgeai.run(loops, inputs)["y"]
    if tol is None:
        np.testing.assert_array_equal(got, want)
    else:
        scale = max(1.0, float(np.nanmax(np.abs(want))) if want.size else 1.0)
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

seeds = st.integers(0, 2**32 - 1)


def _i8(rng: np.random.Generator, shape) -> np.ndarray:
    return rng.integers(-128, 128, size=shape).astype(np.int8)


def _requant_props(draw, rng, channels: int) -> dict[str, Attribute]:
    qmin = draw(st.integers(-128, 127))
    qmax = draw(st.integers(qmin, 127))
    return {
        "input_offset": _i(draw(st.integers(-127, 128))),
        "output_offset": _i(draw(st.integers(-128, 127))),
        "output_multiplier": _a32(rng.integers(1 << 30, 1 << 31, size=channels)),
        "output_shift": _a32(rng.integers(-31, 8, size=channels)),
        "qmin": _i(qmin),
        "qmax": _i(qmax),
    }


def _float_act(draw) -> dict[str, Attribute]:
    lo, hi = draw(st.sampled_from([(-FLT_MAX, FLT_MAX), (0.0, FLT_MAX), (0.0, 6.0), (-1.0, 1.0)]))
    return {"fmin": _f(lo), "fmax": _f(hi)}


@SETTINGS
@given(st.data(), seeds, st.booleans(), st.sampled_from(["conv", "depthwise", "fc"]))
def test_random_conv_like_ops(data, seed, quant, kind):
    draw = data.draw
    rng = np.random.default_rng(seed)
    props: dict[str, Attribute] = {}
    if kind == "fc":
        lead = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
        k_in, n_out = draw(st.integers(1, 24)), draw(st.integers(1, 6))
        x_shape, w_shape, y_shape = (*lead, k_in), (n_out, k_in), (*lead, n_out)
        cls: type[K.KernelOp] = K.FullyConnectedOp
    else:
        n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 7)), draw(st.integers(1, 7))
        kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
        sh, sw, dh, dw = (draw(st.integers(1, 2)) for _ in range(4))
        pads = [draw(st.integers(0, 2)) for _ in range(4)]
        oh = (h + pads[0] + pads[2] - dh * (kh - 1) - 1) // sh + 1
        ow = (w + pads[1] + pads[3] - dw * (kw - 1) - 1) // sw + 1
        assume(oh >= 1 and ow >= 1)
        props.update(strides=_a64([sh, sw]), dilations=_a64([dh, dw]), padding=_a64(pads))
        if kind == "depthwise":
            c, mult = draw(st.integers(1, 4)), draw(st.integers(1, 3))
            n_out = c * mult
            w_shape = (1, kh, kw, n_out)
            cls = K.DepthwiseConv2dOp
        else:
            groups, cin_g, og = (draw(st.integers(1, 3)) for _ in range(3))
            c, n_out = groups * cin_g, groups * og
            w_shape = (n_out, kh, kw, cin_g)
            props["groups"] = _i(groups)
            cls = K.Conv2dOp
        x_shape, y_shape = (n, h, w, c), (n, oh, ow, n_out)
    with_bias = draw(st.booleans())
    if quant:
        x, wt = _i8(rng, x_shape), _i8(rng, w_shape)
        big = draw(st.booleans())  # biases near the int32 limits make the accumulator wrap
        b = rng.integers(-(2**31) if big else -(2**16), 2**31 if big else 2**16, size=n_out)
        b = b.astype(np.int32)
        props.update(_requant_props(draw, rng, n_out))
        out_dtype = np.int8
    else:
        x = rng.standard_normal(x_shape).astype(np.float32)
        wt = rng.standard_normal(w_shape).astype(np.float32)
        b = rng.standard_normal(n_out).astype(np.float32)
        props.update(_float_act(draw))
        out_dtype = np.float32
    operands: list[str | np.ndarray] = ["x", wt, *([b] if with_bias else [])]
    module = kernel_program(cls, operands, {"x": x}, y_shape, out_dtype, props)
    check_same(module, {"x": x}, None if quant else 1e-5)


@SETTINGS
@given(st.data(), seeds, st.booleans(), st.booleans())
def test_random_pooling(data, seed, quant, avg):
    draw = data.draw
    rng = np.random.default_rng(seed)
    n, h, w, c = (draw(st.integers(1, 6)) for _ in range(4))
    n = min(n, 2)
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    pads = [draw(st.integers(0, k - 1)) for k in (kh, kw, kh, kw)]
    oh, ow = (h + pads[0] + pads[2] - kh) // sh + 1, (w + pads[1] + pads[3] - kw) // sw + 1
    assume(oh >= 1 and ow >= 1)
    props: dict[str, Attribute] = {
        "kernel": _a64([kh, kw]),
        "strides": _a64([sh, sw]),
        "padding": _a64(pads),
    }
    if quant:
        x = _i8(rng, (n, h, w, c))
        qmin = draw(st.integers(-128, 127))
        props.update(qmin=_i(qmin), qmax=_i(draw(st.integers(qmin, 127))))
    else:
        x = rng.standard_normal((n, h, w, c)).astype(np.float32)
        props.update(_float_act(draw))
    cls = K.AvgPool2dOp if avg else K.MaxPool2dOp
    module = kernel_program(cls, ["x"], {"x": x}, (n, oh, ow, c), x.dtype, props)
    check_same(module, {"x": x})


@SETTINGS
@given(st.data(), seeds, st.booleans(), st.booleans())
def test_random_mean(data, seed, quant, keepdims):
    draw = data.draw
    rng = np.random.default_rng(seed)
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    axes = sorted(set(draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=3))))
    out = tuple(1 if i in axes else d for i, d in enumerate(shape))
    if not keepdims:
        out = tuple(d for i, d in enumerate(shape) if i not in axes)
    props: dict[str, Attribute] = {"axes": _a64(axes)}
    if quant:
        x = _i8(rng, shape)
        props.update(
            input_offset=_i(draw(st.integers(-5000, 5000))),
            output_offset=_i(draw(st.integers(-128, 127))),
            multiplier=_i(draw(st.integers(1 << 29, (1 << 31) - 1))),
            shift=_i(draw(st.integers(-31, 4))),
        )
    else:
        x = rng.standard_normal(shape).astype(np.float32)
    module = kernel_program(K.MeanOp, ["x"], {"x": x}, out, x.dtype, props)
    check_same(module, {"x": x})


def _broadcast_shapes(draw, out: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two operand shapes whose NumPy broadcast is exactly `out`."""
    drop = draw(st.integers(0, len(out)))  # leading dims the second operand lacks
    sa, sb = [], []
    for k, d in enumerate(out):
        one_a = k >= drop and draw(st.booleans())
        sa.append(1 if one_a else d)
        if k >= drop:
            sb.append(d if one_a or not draw(st.booleans()) else 1)
    if draw(st.booleans()):
        sa, sb = sb, sa
    return tuple(sa), tuple(sb)


@SETTINGS
@given(st.data(), seeds, st.booleans(), st.sampled_from(["add", "sub", "mul"]))
def test_random_binary_ops(data, seed, quant, kind):
    draw = data.draw
    rng = np.random.default_rng(seed)
    out = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    sa, sb = _broadcast_shapes(draw, out)
    cls = K.MulOp if kind == "mul" else K.AddOp
    props: dict[str, Attribute] = {}
    if kind == "sub":
        props["sign"] = _i(-1)
    if quant:
        a, b = _i8(rng, sa), _i8(rng, sb)
        qmin = draw(st.integers(-128, 127))
        props.update(
            input1_offset=_i(draw(st.integers(-127, 128))),
            input2_offset=_i(draw(st.integers(-127, 128))),
            output_offset=_i(draw(st.integers(-128, 127))),
            output_multiplier=_i(draw(st.integers(1 << 30, (1 << 31) - 1))),
            qmin=_i(qmin),
            qmax=_i(draw(st.integers(qmin, 127))),
        )
        if kind == "mul":
            props["output_shift"] = _i(draw(st.integers(-31, 8)))
        else:
            props.update(
                left_shift=_i(draw(st.integers(0, 20))),
                input1_multiplier=_i(draw(st.integers(1 << 30, (1 << 31) - 1))),
                input1_shift=_i(draw(st.integers(-31, 0))),
                input2_multiplier=_i(draw(st.integers(1 << 30, (1 << 31) - 1))),
                input2_shift=_i(draw(st.integers(-31, 0))),
                output_shift=_i(draw(st.integers(-31, 0))),
            )
    else:
        a = rng.standard_normal(sa).astype(np.float32)
        b = rng.standard_normal(sb).astype(np.float32)
        props.update(_float_act(draw))
    inputs = {"a": a, "b": b}
    module = kernel_program(cls, ["a", "b"], inputs, out, a.dtype, props)
    check_same(module, inputs)


@SETTINGS
@given(st.data(), seeds, st.booleans())
def test_random_softmax(data, seed, quant):
    draw = data.draw
    rng = np.random.default_rng(seed)
    shape = tuple(draw(st.lists(st.integers(1, 12), min_size=1, max_size=3)))
    beta = draw(st.sampled_from([1.0, 0.5, 2.0, 1e-3]))
    if quant:
        x = _i8(rng, shape)
        scale = draw(st.floats(1e-3, 0.5))
        m, e = fp.preprocess_softmax_scaling(beta, scale, 5)
        props: dict[str, Attribute] = {
            "input_beta_multiplier": _i(m),
            "input_beta_left_shift": _i(e),
            "diff_min": _i(-fp.calculate_input_radius(5, e)),
        }
        out_dtype = draw(st.sampled_from([np.int8, np.int16]))
    else:
        x = (rng.standard_normal(shape) * 4).astype(np.float32)
        props = {"beta": _f(beta)}
        out_dtype = np.float32
    module = kernel_program(K.SoftmaxOp, ["x"], {"x": x}, shape, out_dtype, props)
    check_same(module, {"x": x}, None if quant else 1e-6)


@SETTINGS
@given(st.data(), seeds, st.sampled_from(["clamp", "requantize", "quantize", "dequantize"]))
def test_random_pointwise_ops(data, seed, kind):
    draw = data.draw
    rng = np.random.default_rng(seed)
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    props: dict[str, Attribute] = {}
    if kind == "clamp":
        if draw(st.booleans()):
            x = _i8(rng, shape)
            lo = draw(st.integers(-128, 127))
            props = {"qmin": _i(lo), "qmax": _i(draw(st.integers(lo, 127)))}
        else:
            x = rng.standard_normal(shape).astype(np.float32)
            props = _float_act(draw)
        out_dtype, cls = x.dtype, K.ClampOp
    elif kind == "requantize":
        in_dtype = draw(st.sampled_from([np.int8, np.int16, np.int32]))
        out_dtype = draw(st.sampled_from([np.int8, np.int16]))
        info = np.iinfo(in_dtype)
        x = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(in_dtype)
        oinfo = np.iinfo(out_dtype)
        lo = draw(st.integers(int(oinfo.min), int(oinfo.max)))
        props = {
            "input_offset": _i(draw(st.integers(-128, 128))),
            "output_offset": _i(draw(st.integers(-128, 127))),
            "multiplier": _i(draw(st.integers(1 << 30, (1 << 31) - 1))),
            "shift": _i(draw(st.integers(-31, 8))),
            "qmin": _i(lo),
            "qmax": _i(draw(st.integers(lo, int(oinfo.max)))),
        }
        cls = K.RequantizeOp
    elif kind == "quantize":
        x = (rng.standard_normal(shape) * draw(st.sampled_from([1.0, 100.0]))).astype(np.float32)
        flat = x.reshape(-1)
        specials = [np.inf, -np.inf, np.nan, 3.5e38, -0.0, 0.5, -0.5, 1.5, 2.5]
        k = min(len(specials), flat.size)
        flat[:k] = np.asarray(specials[:k], dtype=np.float32)
        props = {
            "scale": _f(draw(st.sampled_from([1.0, 0.5, 0.1, 1 / 3, 0.0078125]))),
            "zero_point": _i(draw(st.integers(-128, 127))),
        }
        out_dtype = draw(st.sampled_from([np.int8, np.int16]))
        cls = K.QuantizeOp
    else:
        in_dtype = draw(st.sampled_from([np.int8, np.int16, np.int32]))
        info = np.iinfo(in_dtype)
        x = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(in_dtype)
        props = {
            "scale": _f(draw(st.floats(1e-4, 10.0))),
            "zero_point": _i(draw(st.integers(-128, 127))),
        }
        out_dtype, cls = np.float32, K.DequantizeOp
    module = kernel_program(cls, ["x"], {"x": x}, shape, out_dtype, props)
    check_same(module, {"x": x})


@SETTINGS
@given(st.data(), seeds, st.sampled_from(["copy", "transpose", "concat", "pad"]))
def test_random_data_movement(data, seed, kind):
    draw = data.draw
    rng = np.random.default_rng(seed)
    dtype = draw(st.sampled_from([np.int8, np.int32, np.float32]))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))

    def arr(s):
        return (rng.standard_normal(s) * 50).astype(dtype)

    x = arr(shape)
    inputs = {"x": x}
    operands: list[str | np.ndarray] = ["x"]
    props: dict[str, Attribute] = {}
    if kind == "copy":
        out = tuple(draw(st.permutations([*shape, 1])))
        cls: type[K.KernelOp] = K.CopyOp
    elif kind == "transpose":
        perm = draw(st.permutations(range(len(shape))))
        out = tuple(shape[p] for p in perm)
        props = {"perm": _a64(perm)}
        cls = K.TransposeOp
    elif kind == "concat":
        axis = draw(st.integers(0, len(shape) - 1))
        others = []
        for _ in range(draw(st.integers(1, 2))):
            s = list(shape)
            s[axis] = draw(st.integers(1, 3))
            others.append(tuple(s))
        inputs["z"] = arr(others[0])
        operands = ["x", "z", *[arr(s) for s in others[1:]]]
        out = list(shape)
        out[axis] = shape[axis] + sum(s[axis] for s in others)
        out = tuple(out)
        props = {"axis": _i(axis)}
        cls = K.ConcatOp
    else:
        pads = [draw(st.integers(0, 2)) for _ in range(2 * len(shape))]
        out = tuple(d + pads[i] + pads[i + len(shape)] for i, d in enumerate(shape))
        props = {"pads": _a64(pads)}
        if dtype == np.float32:
            props["fvalue"] = _f(draw(st.sampled_from([0.0, -1.5])))
        else:
            props["value"] = _i(draw(st.integers(-128, 127)))
        cls = K.PadOp
    module = kernel_program(cls, operands, inputs, out, dtype, props)
    check_same(module, inputs)


# ----------------------------------------------------------------------------------------------
# coverage and errors


def test_every_kernel_op_has_a_loop_lowering():
    from edgeai.lowering.kernel_to_loops import LOWERINGS

    assert set(K.KERNEL_OPS) - {K.ConstantOp} == set(LOWERINGS)


def test_avg_pool_window_entirely_in_padding_is_reported():
    x = np.zeros((1, 1, 1, 1), np.int8)
    props = {
        "kernel": _a64([1, 1]),
        "strides": _a64([1, 1]),
        "padding": _a64([1, 0, 0, 0]),
        "qmin": _i(-128),
        "qmax": _i(127),
    }
    module = kernel_program(K.AvgPool2dOp, ["x"], {"x": x}, (1, 2, 1, 1), np.int8, props)
    with pytest.raises(UnsupportedError, match="entirely in the padding"):
        run_pipeline(module, "convert-kernel-to-loops")
