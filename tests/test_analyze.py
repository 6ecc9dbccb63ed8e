"""`edgeai analyze`: every number of the report recomputed independently.

MACC by formula per op kind on hand-built ONNX models; weights bytes from the bit widths; op-type
and weight profiles of hand-built 8-bit, binary and mixed-precision layers; the QONNX binary MNIST
MLPs against their layer shapes; the MLPerf Tiny models against published figures and against
their flatbuffers read with the `tflite` package; the memory plan against generate's arena and
its own buffers; the fit verdict, exit codes and user errors of the command.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import onnx
import pytest
import tflite
from onnx import TensorProto, helper, numpy_helper

from edgeai.analysis.analyze import EXIT_NO_FIT, analyze_model, format_text
from edgeai.analysis.targets import PRESETS
from edgeai.tools.edgeai_main import main
from edgeai.tools.generate import compile_model

# the report's keys (docs/analyze.md; the schema shared with analysis/html_report.py)
REPORT_KEYS = {
    "schema", "model", "target", "inputs", "outputs", "params", "macc", "weights_bytes",
    "activations_bytes", "activations_lower_bound_bytes", "io_bytes", "ram_bytes", "flash_bytes",
    "op_profile", "op_profile_percent", "layers", "memory_plan", "fit",
}  # fmt: skip
LAYER_KEYS = {
    "name", "op", "output_shape", "params", "weights_bytes", "weight_bits", "macc",
    "activation_bytes", "op_profile", "weight_profile", "ops",
}  # fmt: skip
PLAN_KEYS = {"level", "note", "alignment", "peak_bytes", "lower_bound_bytes", "steps", "buffers"}
FIT_KEYS = {
    "target", "ram_limit", "flash_limit", "ram_needed", "flash_needed", "fits", "ram_margin",
    "flash_margin", "peak_layer", "verdict",
}  # fmt: skip

MLPERF_TFLITE = {
    "kws": ("keyword_spotting", "kws_ref_model.tflite"),
    "ic": ("image_classification", "pretrainedResnet_quant.tflite"),
    "vww": ("visual_wake_words", "vww_96_int8.tflite"),
    "ad": ("anomaly_detection", "ad01_int8.tflite"),
}
# MACs of the MLPerf Tiny int8 models; source: ../shared/notes/peer-baselines.md ("Instructions
# per inference" table, column MACs)
MLPERF_MACS = {"kws": 2_656_768, "ic": 12_501_632, "vww": 7_489_664, "ad": 264_192}


def _dense(k: int, n: int) -> int:
    return k * n + n


def _conv(kh: int, kw: int, cin: int, cout: int) -> int:
    return kh * kw * cin * cout + cout


def _dw(kh: int, kw: int, c: int) -> int:
    return kh * kw * c + c


def _separable(cin: int, cout: int) -> int:
    return _dw(3, 3, cin) + _conv(1, 1, cin, cout)


# Parameters of the MLPerf Tiny reference models as their reference architectures define them
# (mlcommons/tiny, benchmark/training/<task>/: DS-CNN with 64 filters; ResNet-8 "resnet_v1_eembc"
# with 16/32/64 filters, as the pretrained model; MobileNetV1 alpha 0.25 on 96x96x3 with 2
# classes; the FC autoencoder 640-128x4-8-128x4-640), with each batch norm folded into the
# preceding layer's bias as the TFLite converter (and the TFLite-based tools reading the
# flatbuffer) count them. Cross-checked below against the flatbuffer's tensor shapes.
MLPERF_PARAMS = {
    "kws": _conv(10, 4, 1, 64) + 4 * _separable(64, 64) + _dense(64, 12),
    "ic": _conv(3, 3, 3, 16)
    + 2 * _conv(3, 3, 16, 16)
    + _conv(3, 3, 16, 32) + _conv(3, 3, 32, 32) + _conv(1, 1, 16, 32)
    + _conv(3, 3, 32, 64) + _conv(3, 3, 64, 64) + _conv(1, 1, 32, 64)
    + _dense(64, 10),
    "vww": _conv(3, 3, 3, 8)
    + sum(
        _separable(a, b)
        for a, b in [(8, 16), (16, 32), (32, 32), (32, 64), (64, 64), (64, 128)]
        + [(128, 128)] * 5 + [(128, 256), (256, 256)]
    )
    + _dense(256, 2),
    "ad": _dense(640, 128) + 3 * _dense(128, 128) + _dense(128, 8) + _dense(8, 128)
    + 3 * _dense(128, 128) + _dense(128, 640),
}  # fmt: skip


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def mlperf(models_dir: Path, key: str) -> str:
    folder, name = MLPERF_TFLITE[key]
    return str(models_dir / "mlperf_tiny" / folder / name)


def live_from_buffers(plan: dict) -> list[int]:
    """Bytes occupied at each step, recomputed from the plan's buffers (union of byte ranges)."""
    out = []
    for p in range(len(plan["steps"])):
        used: set[int] = set()
        for b in plan["buffers"]:
            if b["first_step"] <= p <= b["last_step"]:
                used.update(range(b["offset"], b["offset"] + b["bytes"]))
        out.append(len(used))
    return out


def check_plan(report: dict) -> None:
    """Plan invariants: buffers live at the same step do not share bytes unless one hands its
    bytes to the other at that step (in place); peak >= live bytes, >= lower bound; the largest
    per-layer live bytes is the plan's live peak."""
    plan = report["memory_plan"]
    assert set(plan) == PLAN_KEYS
    bufs = plan["buffers"]
    for i, a in enumerate(bufs):
        assert a["offset"] % plan["alignment"] == 0 or a["bytes"] == 0
        assert a["offset"] + a["bytes"] <= plan["peak_bytes"]
        for b in bufs[:i]:
            if a["first_step"] <= b["last_step"] and b["first_step"] <= a["last_step"]:
                disjoint = (
                    a["offset"] + a["bytes"] <= b["offset"]
                    or b["offset"] + b["bytes"] <= a["offset"]
                )
                handover = a["first_step"] == b["last_step"] or b["first_step"] == a["last_step"]
                assert disjoint or (handover and a["offset"] == b["offset"])
    live = live_from_buffers(plan)
    assert plan["peak_bytes"] >= plan["lower_bound_bytes"] >= 0
    assert plan["peak_bytes"] >= max(live, default=0)
    assert max(r["activation_bytes"] for r in report["layers"]) == max(live, default=0)
    assert report["activations_bytes"] == plan["peak_bytes"]
    assert report["activations_lower_bound_bytes"] == plan["lower_bound_bytes"]
    assert report["ram_bytes"] == report["activations_bytes"] + report["io_bytes"]
    assert report["flash_bytes"] == report["weights_bytes"]
    total = sum(report["op_profile"].values())
    for k, v in report["op_profile"].items():
        assert report["op_profile_percent"][k] == pytest.approx(100 * v / total, abs=0.006)
    merged: dict[str, int] = {}
    for r in report["layers"]:
        for k, v in r["op_profile"].items():
            merged[k] = merged.get(k, 0) + v
    assert merged == report["op_profile"]


# ---------------------------------------------------------------------------------------------
# MACC per op kind, float ONNX


@pytest.fixture(scope="module")
def float_onnx(tmp_path_factory) -> str:
    """conv (stride 2, pad 1, relu) -> depthwise (group 6) -> transposed conv (stride 2) ->
    max pool 2x2 -> average pool 2x2 -> flatten -> Gemm; and a MatMul of two inputs."""
    rng = np.random.default_rng(0)

    def init(name, shape):
        return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)

    inits = [
        init("w_conv", (6, 3, 3, 3)), init("b_conv", (6,)), init("w_dw", (6, 1, 3, 3)),
        init("b_dw", (6,)), init("w_up", (6, 4, 2, 2)), init("w_fc", (5, 16)), init("b_fc", (5,)),
    ]  # fmt: skip
    node = helper.make_node
    nodes = [
        node("Conv", ["x", "w_conv", "b_conv"], ["c"], name="conv", strides=[2, 2], pads=[1] * 4),
        node("Relu", ["c"], ["cr"], name="relu"),
        node("Conv", ["cr", "w_dw", "b_dw"], ["d"], name="dw", group=6, pads=[1] * 4),
        node("ConvTranspose", ["d", "w_up"], ["u"], name="deconv", strides=[2, 2]),
        node("MaxPool", ["u"], ["p"], name="maxpool", kernel_shape=[2, 2], strides=[2, 2]),
        node("AveragePool", ["p"], ["a"], name="avgpool", kernel_shape=[2, 2], strides=[2, 2]),
        node("Flatten", ["a"], ["fl"], name="flatten"),
        node("Gemm", ["fl", "w_fc", "b_fc"], ["y"], name="fc", transB=1),
        node("MatMul", ["m1", "m2"], ["z"], name="mm"),
    ]
    vi = helper.make_tensor_value_info
    graph = helper.make_graph(
        nodes,
        "ops",
        [
            vi("x", TensorProto.FLOAT, [1, 3, 8, 8]),
            vi("m1", TensorProto.FLOAT, [2, 4, 5]),
            vi("m2", TensorProto.FLOAT, [2, 5, 3]),
        ],
        [vi("y", TensorProto.FLOAT, [1, 5]), vi("z", TensorProto.FLOAT, [2, 4, 3])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    path = tmp_path_factory.mktemp("onnx") / "ops.onnx"
    onnx.save(model, path)
    return str(path)


def test_macc_by_formula_per_op_kind(float_onnx):
    r = analyze_model(float_onnx)
    rows = {}
    for x in r["layers"]:
        rows.setdefault(x["name"], {})[x["op"]] = x
    conv = rows["conv"]["nn.conv2d"]
    # conv: output elements x KH x KW x Cin / groups
    assert conv["output_shape"] == [1, 4, 4, 6]
    assert conv["macc"] == (1 * 4 * 4 * 6) * (3 * 3 * 3)
    # depthwise: output elements x KH x KW
    dw = rows["dw"]["nn.depthwise_conv2d"]
    assert dw["macc"] == (4 * 4 * 6) * (3 * 3)
    # transposed conv: input elements x KH x KW x Cout / groups
    up = rows["deconv"]["nn.conv2d_transpose"]
    assert up["output_shape"] == [1, 8, 8, 4] and up["macc"] == (4 * 4 * 6) * (2 * 2) * 4
    # pooling: no MACs; window operations in the profile
    mp, ap = rows["maxpool"]["nn.max_pool2d"], rows["avgpool"]["nn.avg_pool2d"]
    assert mp["macc"] == 0 and ap["macc"] == 0
    assert mp["op_profile"] == {"sfmax_32": 4 * 4 * 4 * (2 * 2)}
    assert ap["op_profile"] == {"sfavg_32": 2 * 2 * 4 * (2 * 2)}
    # dense: outputs x K; matmul: outputs x K
    assert rows["fc"]["nn.dense"]["macc"] == 5 * 16
    assert rows["mm"]["nn.matmul"]["macc"] == (2 * 4 * 3) * 5
    # float MACs; the relu fused into the conv is one compare per output
    assert conv["op_profile"] == {"sfmult_32_32": conv["macc"], "sfcmp_32": 4 * 4 * 6}
    assert rows["mm"]["nn.matmul"]["op_profile"] == {"sfmult_32_32": 120}
    assert r["macc"] == 2592 + 864 + 1536 + 80 + 120
    # float weights: 4 bytes per value, weights and bias
    assert conv["weights_bytes"] == (6 * 27 + 6) * 4 and conv["weight_bits"] == 32
    assert conv["weight_profile"] == [{"unit": "32-bit", "bits": 32, "count": 6 * 27 + 6}]
    assert up["weights_bytes"] == 6 * 4 * 2 * 2 * 4
    assert r["params"] == (6 * 27 + 6) + (6 * 9 + 6) + 6 * 4 * 4 + (5 * 16 + 5)
    assert r["weights_bytes"] == 4 * r["params"]
    # no Cortex-M kernel for the transposed conv: planned at nn level, and the report says so
    assert r["memory_plan"]["level"] == "nn" and "conv2d_transpose" in r["memory_plan"]["note"]
    check_plan(r)


# ---------------------------------------------------------------------------------------------
# weights and op-type profiles at 8-bit, 1-bit and mixed precision (nn level)

MIXED = """
func.func @main(%x: tensor<1x4x4x2x!nn.q<i8, 0.5:0>>, %b: tensor<1x4x4x2x!nn.bin>,
                %f: tensor<1x4x4x2xf32>, %h: tensor<1x8x!nn.q<i16, 0.01:0>>)
    -> (tensor<1x4x4x3x!nn.q<i8, 0.25:-128>>, tensor<1x4x4x3xi32>, tensor<1x4x4x2xf32>,
        tensor<1x4x!nn.q<i16, 0.5:0>>, tensor<1x5x!nn.q<i8, 0.2:0>>, tensor<1x4x!nn.q<i8, 0.2:0>>) {
  %w8 = nn.constant dense<1> : tensor<3x3x3x2x!nn.q<i8:0, {0.1:0, 0.2:0, 0.3:0}>>
  %b32 = nn.constant dense<2> : tensor<3x!nn.q<i32:0, {0.05:0, 0.1:0, 0.15:0}>>
  %c8 = nn.conv2d %x, %w8, %b32 {layer = "c8", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64, act = #nn.act<relu>} : (tensor<1x4x4x2x!nn.q<i8, 0.5:0>>, tensor<3x3x3x2x!nn.q<i8:0, {0.1:0, 0.2:0, 0.3:0}>>, tensor<3x!nn.q<i32:0, {0.05:0, 0.1:0, 0.15:0}>>) -> tensor<1x4x4x3x!nn.q<i8, 0.25:-128>>
  %w1 = nn.constant dense<1> : tensor<3x3x3x2x!nn.bin>
  %cb = nn.conv2d %b, %w1 {layer = "cb", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64} : (tensor<1x4x4x2x!nn.bin>, tensor<3x3x3x2x!nn.bin>) -> tensor<1x4x4x3xi32>
  %dw = nn.constant dense<-1> : tensor<1x3x3x2x!nn.bin<0.5>>
  %df = nn.depthwise_conv2d %f, %dw {layer = "df", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x2xf32>, tensor<1x3x3x2x!nn.bin<0.5>>) -> tensor<1x4x4x2xf32>
  %wm = nn.constant dense<1> : tensor<4x8x!nn.bin>
  %mx = nn.dense %h, %wm {layer = "mx"} : (tensor<1x8x!nn.q<i16, 0.01:0>>, tensor<4x8x!nn.bin>) -> tensor<1x4x!nn.q<i16, 0.5:0>>
  %r = nn.reshape %x {layer = "flat"} : (tensor<1x4x4x2x!nn.q<i8, 0.5:0>>) -> tensor<1x32x!nn.q<i8, 0.5:0>>
  %w4 = nn.constant dense<1> : tensor<5x32x!nn.q<i4, 0.1:0>>
  %m48 = nn.dense %r, %w4 {layer = "m48"} : (tensor<1x32x!nn.q<i8, 0.5:0>>, tensor<5x32x!nn.q<i4, 0.1:0>>) -> tensor<1x5x!nn.q<i8, 0.2:0>>
  %wb = nn.constant dense<1> : tensor<4x32x!nn.bin>
  %mux = nn.dense %r, %wb {layer = "mux8"} : (tensor<1x32x!nn.q<i8, 0.5:0>>, tensor<4x32x!nn.bin>) -> tensor<1x4x!nn.q<i8, 0.2:0>>
  func.return %c8, %cb, %df, %mx, %m48, %mux : tensor<1x4x4x3x!nn.q<i8, 0.25:-128>>, tensor<1x4x4x3xi32>, tensor<1x4x4x2xf32>, tensor<1x4x!nn.q<i16, 0.5:0>>, tensor<1x5x!nn.q<i8, 0.2:0>>, tensor<1x4x!nn.q<i8, 0.2:0>>
}
"""


def test_weights_and_profiles_mixed_precision(tmp_path):
    path = tmp_path / "mixed.mlir"
    path.write_text(MIXED)
    r = analyze_model(str(path))
    rows = {x["name"]: x for x in r["layers"]}
    conv_macc = 1 * 4 * 4 * 3 * (3 * 3 * 2)
    expect = {
        # name: (MACC, op profile, [(bits, count)] of the constants)
        "c8": (conv_macc, {"smult_8_8": conv_macc, "scmp_8": 48}, [(8, 54), (32, 3)]),
        "cb": (conv_macc, {"sxor_1_1": conv_macc}, [(1, 54)]),
        "df": (4 * 4 * 2 * 9, {"sfmult_1_32": 288}, [(1, 18)]),
        "mx": (4 * 8, {"smux_1_16": 32}, [(1, 32)]),
        "m48": (5 * 32, {"smult_4_8": 160}, [(4, 160)]),
        "mux8": (4 * 32, {"smux_1_8": 128}, [(1, 128)]),
        "flat": (0, {}, []),
    }
    assert set(rows) == set(expect)
    for name, (macc, prof, consts) in expect.items():
        row = rows[name]
        assert row["macc"] == macc, name
        assert row["op_profile"] == prof, name
        assert row["weight_profile"] == [
            {"unit": f"{b}-bit", "bits": b, "count": n} for b, n in consts
        ], name
        # bytes at the real bit width, rounded up per tensor
        assert row["weights_bytes"] == sum(math.ceil(n * b / 8) for b, n in consts), name
        assert row["params"] == sum(n for _, n in consts), name
    assert rows["c8"]["weights_bytes"] == 54 + 3 * 4
    assert rows["cb"]["weights_bytes"] == 7 and rows["m48"]["weights_bytes"] == 80
    assert rows["c8"]["weight_bits"] == 8 and rows["cb"]["weight_bits"] == 1
    assert rows["m48"]["weight_bits"] == 4
    assert r["inputs"][0]["quantization"] == {"scale": 0.5, "zero_point": 0}
    assert [i["dtype"] for i in r["inputs"]] == ["int8", "binary", "float32", "int16"]
    assert r["inputs"][1]["quantization"] == {"alpha": 1.0}
    assert r["memory_plan"]["level"] == "nn"
    # inputs and outputs stay outside the arena: the I/O bytes at their bit widths
    io_in = 32 * 1 + math.ceil(32 / 8) + 32 * 4 + 8 * 2
    io_out = 48 + 48 * 4 + 32 * 4 + 4 * 2 + 5 + 4
    assert r["io_bytes"] == io_in + io_out
    check_plan(r)


# ---------------------------------------------------------------------------------------------
# QONNX binary / 2-bit MNIST MLPs: 784-64-64-64-10

QONNX = {
    # model: (weight bits, activation bits, MAC op type)
    "TFC_1W1A": (1, 1, "sxor_1_1"),
    "TFC_1W2A": (1, 2, "smux_1_2"),
    "TFC_2W2A": (2, 2, "smult_2_2"),
}
WIDTHS = [784, 64, 64, 64, 10]


@pytest.mark.parametrize("name", list(QONNX))
def test_qonnx_profiles_from_layer_shapes(name, models_dir):
    wbits, abits, mac = QONNX[name]
    path = models_dir / "qonnx" / f"{name}.onnx"
    # the layer shapes, read from the ONNX graph: the weight initializers of the quantizers
    # feeding the four MatMuls are [out, in]
    g = onnx.load(str(path)).graph
    shapes = [tuple(t.dims) for t in g.initializer if len(t.dims) == 2]
    assert shapes == [(b, a) for a, b in zip(WIDTHS, WIDTHS[1:], strict=False)]
    macs = sum(a * b for a, b in zip(WIDTHS, WIDTHS[1:], strict=False))
    quantized = sum(WIDTHS[:-1])  # activations entering the four MatMuls, quantized
    r = analyze_model(str(path))
    prof = r["op_profile"]
    assert prof[mac] == macs == r["macc"]
    assert prof[f"sfquant_32_{abits}"] == quantized
    assert prof[f"sfdequant_{abits}_32"] == quantized
    # input scaling 2x - 1 on 784 values; output: (y - mean) / sqrt(var) * gamma + beta on 10;
    # hidden batch norms either kept (mul + add on 3 x 64) or folded by the graph optimizer
    bn = 3 * 64 if any(x["name"].startswith("BatchNormalization") for x in r["layers"]) else 0
    assert prof == {
        mac: macs,
        f"sfquant_32_{abits}": quantized,
        f"sfdequant_{abits}_32": quantized,
        "sfmul_32_32": 784 + 10 + bn,
        "sfsub_32_32": 784 + 10,
        "sfdiv_32_32": 10,
        "sfadd_32_32": 10 + bn,
    }
    dense = [x for x in r["layers"] if x["op"] == "nn.dense"]
    assert [x["output_shape"] for x in dense] == [[1, n] for n in WIDTHS[1:]]
    for x, k, n in zip(dense, WIDTHS, WIDTHS[1:], strict=False):
        units = {e["bits"]: e["count"] for e in x["weight_profile"]}
        assert units[wbits] == k * n, x["name"]
        assert x["weights_bytes"] == math.ceil(k * n * wbits / 8) + 4 * units.get(32, 0)
        assert set(units) <= {wbits, 32} and units.get(32, n) == n  # a float bias if any
    total_w = sum(
        e["count"] for x in r["layers"] for e in x["weight_profile"] if e["bits"] == wbits
    )
    assert total_w == macs
    # no Cortex-M kernels for these: the nn-level plan of the float and quantized tensors
    assert r["memory_plan"]["level"] == "nn" and r["memory_plan"]["note"]
    assert r["io_bytes"] == 784 * 4 + 10 * 4
    check_plan(r)


# ---------------------------------------------------------------------------------------------
# MLPerf Tiny: MACC and params against published figures and the flatbuffers


def flatbuffer_figures(path: str) -> tuple[int, int]:
    """(MACC, params) of an int8 TFLite model read with the `tflite` package: conv MACC =
    output elements x KH x KW x Cin, depthwise = output elements x KH x KW, fully connected =
    outputs x K; params = the constant inputs (weights, biases) of those operators."""
    buf = Path(path).read_bytes()
    model = tflite.Model.GetRootAsModel(buf, 0)
    sg = model.Subgraphs(0)
    B = tflite.BuiltinOperator
    macc, params, seen = 0, 0, set()
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        opcode = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if opcode not in (B.CONV_2D, B.DEPTHWISE_CONV_2D, B.FULLY_CONNECTED):
            continue
        ins = [int(t) for t in op.InputsAsNumpy()]
        out = sg.Tensors(int(op.OutputsAsNumpy()[0])).ShapeAsNumpy()
        w = sg.Tensors(ins[1]).ShapeAsNumpy()
        n_out = int(np.prod(out))
        if opcode == B.CONV_2D:
            macc += n_out * int(w[1] * w[2] * w[3])
        elif opcode == B.DEPTHWISE_CONV_2D:
            macc += n_out * int(w[1] * w[2])
        else:
            macc += n_out * int(w[1])
        for t in ins[1:]:
            tensor = sg.Tensors(t) if t >= 0 else None
            if tensor is None or t in seen or model.Buffers(tensor.Buffer()).DataLength() == 0:
                continue
            seen.add(t)
            params += int(np.prod(tensor.ShapeAsNumpy()))
    return macc, params


@pytest.mark.parametrize("key", list(MLPERF_TFLITE))
def test_mlperf_macc_params_and_arena(key, models_dir):
    path = mlperf(models_dir, key)
    r = analyze_model(path)
    assert r["macc"] == MLPERF_MACS[key]
    assert r["params"] == MLPERF_PARAMS[key]
    assert (r["macc"], r["params"]) == flatbuffer_figures(path)
    assert r["op_profile"]["smult_8_8"] == r["macc"]
    # int8 weights (1 byte each) + int32 biases (4 bytes each)
    units = {}
    for x in r["layers"]:
        for e in x["weight_profile"]:
            units[e["bits"]] = units.get(e["bits"], 0) + e["count"]
    assert set(units) == {8, 32}
    assert r["weights_bytes"] == units[8] + 4 * units[32]
    # the activations are generate's planned arena
    report = compile_model(path, "cortex-m4").report
    assert r["memory_plan"]["level"] == "kernel" and r["memory_plan"]["note"] is None
    assert r["activations_bytes"] == report["arena_bytes"]
    assert r["activations_lower_bound_bytes"] == report["arena_lower_bound_bytes"]
    check_plan(r)
    # generate's report carries the same per-layer numbers and profile
    assert report["op_profile"] == r["op_profile"]
    assert report["op_profile_percent"] == r["op_profile_percent"]
    assert [x["activation_bytes"] for x in report["layers"]] == [
        x["activation_bytes"] for x in r["layers"]
    ]
    assert [x["weight_profile"] for x in report["layers"]] == [
        x["weight_profile"] for x in r["layers"]
    ]


def test_kws_plan_by_hand(models_dir):
    """DS-CNN: every hidden tensor is 1x25x5x64 int8 = 8,000 bytes; a layer reads one and
    writes one, so the live peak is 16,000 bytes, reached at the first layer reading an arena
    buffer; the I/O buffers are the 49x10 input and the 12 outputs."""
    r = analyze_model(mlperf(models_dir, "kws"))
    assert r["activations_bytes"] == r["activations_lower_bound_bytes"] == 2 * 25 * 5 * 64
    assert r["io_bytes"] == 49 * 10 + 12
    rows = {x["name"]: x for x in r["layers"]}
    assert rows["conv_2d_0"]["activation_bytes"] == 8000  # reads the input (outside the arena)
    assert rows["depthwise_conv_2d_1"]["activation_bytes"] == 16000
    assert rows["reshape_10"]["activation_bytes"] == 0  # a view: no step
    assert rows["fully_connected_11"]["activation_bytes"] == 64 + 12
    assert r["memory_plan"]["steps"][0] == "conv_2d_0"
    assert r["inputs"] == [
        {
            "name": "input_1",
            "shape": [1, 49, 10, 1],
            "dtype": "int8",
            "quantization": r["inputs"][0]["quantization"],
        }
    ]
    q = r["inputs"][0]["quantization"]
    assert q["zero_point"] == 83 and q["scale"] == pytest.approx(0.5847029)


# ---------------------------------------------------------------------------------------------
# fit check and the command


def test_fit_under_and_over_limit(models_dir, capsys):
    path = mlperf(models_dir, "kws")
    rc, out, err = run_cli(capsys, "analyze", "-m", path, "--target", "stm32f401re")
    assert rc == 0 and err == ""
    last = out.strip().splitlines()[-1]
    assert last.strip().startswith("fits stm32f401re: RAM 16.1 KiB of 96 KiB")
    assert "RAM peak at layer 'depthwise_conv_2d_1'" in last
    # 16,502 bytes needed (16,000 arena + 502 I/O): 502 over a 16,000-byte limit
    rc, out, err = run_cli(
        capsys, "analyze", "-m", path, "--target", "stm32f401re", "--ram-limit", "16000", "--json"
    )
    assert rc == EXIT_NO_FIT
    fit = json.loads(out)["fit"]
    assert set(fit) == FIT_KEYS
    assert fit["target"] == "stm32f401re" and fit["ram_limit"] == 16000
    assert fit["flash_limit"] == 512 * 1024  # the preset's figure where not overridden
    assert fit["fits"] is False and fit["ram_margin"] == -502 and fit["ram_needed"] == 16502
    assert fit["flash_margin"] == 512 * 1024 - fit["flash_needed"]
    assert "over by 502 B (0.5 KiB)" in fit["verdict"] and fit["verdict"] in err
    assert len(err.strip().splitlines()) == 1
    # the ISPU's 8 KiB data RAM is too small; a limit alone is the "custom" target
    rc, out, _ = run_cli(capsys, "analyze", "-m", path, "--target", "ISPU")
    assert rc == EXIT_NO_FIT and "does not fit ispu: RAM 16.1 KiB of 8 KiB" in out
    r = analyze_model(path, flash_limit="20K")
    assert r["target"] is None and r["fit"]["target"] == "custom"
    assert r["fit"]["ram_limit"] is None and r["fit"]["flash_margin"] == 20 * 1024 - 24368
    assert not r["fit"]["fits"]
    assert analyze_model(path)["fit"] is None


def test_json_schema_and_text(models_dir, capsys, tmp_path):
    path = str(models_dir / "qonnx" / "TFC_1W1A.onnx")
    html = tmp_path / "report.html"
    rc, out, err = run_cli(
        capsys, "analyze", "-m", path, "--target", "stm32l476rg", "--json", "--html", str(html)
    )
    assert rc == 0 and err == ""
    r = json.loads(out)
    assert set(r) == REPORT_KEYS and r["schema"] == 1
    assert r["model"] == "TFC_1W1A.onnx" and r["target"] == "stm32l476rg"
    assert all(set(x) == LAYER_KEYS for x in r["layers"])
    assert set(r["fit"]) == FIT_KEYS and r["fit"]["fits"] is True
    check_plan(r)
    assert html.read_text().lstrip().lower().startswith("<!doctype html")
    text = format_text(r)
    for needle in ("sxor_1_1", "MatMul_16", "weight profile", "1-bit", "planned at nn level"):
        assert needle in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--target", "cortex-m4"], "--target cortex-m4: unknown device (choose from"),
        (["--ram-limit", "12Q"], "--ram-limit '12Q': expected a size"),
        (["--flash-limit", "lots"], "--flash-limit 'lots': expected a size"),
        (["--html", "/nonexistent-dir/r.html"], "--html /nonexistent-dir/r.html: directory"),
    ],
)
def test_user_errors_one_line(argv, message, models_dir, capsys):
    path = str(models_dir / "qonnx" / "TFC_1W1A.onnx")
    rc, out, err = run_cli(capsys, "analyze", "-m", path, *argv)
    assert rc == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_missing_model_one_line(tmp_path, capsys):
    for model, message in (
        (tmp_path / "nope.onnx", "nope.onnx: no such file"),
        (tmp_path, "is a directory"),
    ):
        rc, out, err = run_cli(capsys, "analyze", "-m", str(model))
        assert rc == 1 and out == "" and len(err.strip().splitlines()) == 1
        assert err.startswith("error: ") and message in err


def test_presets():
    stm32 = [t for t in PRESETS.values() if t.name.startswith("stm32")]
    assert len(stm32) >= 12
    assert {t.name[5:7] for t in stm32} >= {"f4", "f7", "h7", "l4", "u5", "n6"}
    assert all(t.ram and t.flash and t.mhz for t in stm32)
    assert PRESETS["ispu"].ram == 8 * 1024 and PRESETS["ispu"].flash == 32 * 1024
    assert PRESETS["imc"].flash == 2 * 1024 * 1024 // 8 and PRESETS["imc"].ram is None
    assert "external" in PRESETS["stm32n657x0"].note


def test_docs_cover_presets_and_keys():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "analyze.md").read_text()
    for name in PRESETS:
        assert f"| `{name}` |" in doc, name
    for key in REPORT_KEYS | {f"fit.{k}" for k in FIT_KEYS - {"target"}}:
        assert f"`{key}`" in doc or f"`{key}`," in doc, key
    for key in PLAN_KEYS:
        assert f"memory_plan.{key}" in doc or f".{key}`" in doc, key
