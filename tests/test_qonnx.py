"""QONNX models and operators against qonnx's own execution (`qonnx.core.onnx_exec`).

* The Brevitas TFC MNIST MLPs (binary and 2-bit; opset 9, `onnx.brevitas` custom ops) import,
  lower to `nn` and run exactly like qonnx: every intermediate value at the `onnx` level, every
  quantized activation and the outputs at the `nn` level (tolerance 0), on the 10 MNIST samples
  and on seeded random inputs; TFC_1W1A also after `nn-fold-sign-threshold` (xnor-popcount
  dense layers + integer thresholds).
* `Quant`, `BipolarQuant` and `Trunc` against qonnx's functions on random inputs (all rounding
  modes, signed/unsigned, narrow, 1..8 bits), and the importer's opset-9 forms and folding.
"""

from __future__ import annotations

import warnings

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import edgeai
from edgeai.dialects import nn
from edgeai.frontends.onnx import import_onnx
from edgeai.reference.interpreter import IMPLS, _load, find_main, run_function
from edgeai.support.context import run_pipeline
from edgeai.support.errors import UnsupportedError

TFC = ["TFC_1W1A", "TFC_1W2A", "TFC_2W2A"]
QONNX_DOMAIN = "qonnx.custom_op.general"


def _qonnx_exec(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrapper = ModelWrapper(model).transform(InferShapes())
        return execute_onnx(wrapper, feeds, return_full_exec_context=True)


@pytest.fixture(scope="module")
def mnist(models_dir) -> np.ndarray:
    """The 10 MNIST samples (row i has label i) as the models expect them: [0, 1] float32
    `[1, 1, 28, 28]` (the graphs map them to [-1, 1] with their Mul 2 / Sub 1 nodes)."""
    x = np.load(models_dir / "tflm" / "testdata" / "mnist_samples_0to9_28x28_uint8.npy")
    return (x.astype(np.float32) / np.float32(255)).reshape(10, 1, 1, 28, 28)


def _inputs(mnist: np.ndarray) -> list[np.ndarray]:
    rng = np.random.default_rng(2024)
    rand = [rng.uniform(0, 1, (1, 1, 28, 28)).astype(np.float32) for _ in range(5)]
    rand += [rng.standard_normal((1, 1, 28, 28)).astype(np.float32) for _ in range(5)]
    return [*mnist, *rand]


def _model(models_dir, name: str) -> onnx.ModelProto:
    return onnx.load(str(models_dir / "qonnx" / f"{name}.onnx"))


def _traced(module, x: np.ndarray) -> tuple[np.ndarray, dict[str, list[tuple[str, np.ndarray]]]]:
    """(output, layer -> [(op name, first result)]) of a reference run."""
    seen: dict[str, list[tuple[str, np.ndarray]]] = {}

    def trace(op, outs):
        layer = op.attributes.get("layer")
        if layer is not None and outs:
            seen.setdefault(layer.data, []).append((op.name, outs[0]))

    (y,) = run_function(find_main(module), [x], trace)
    return y, seen


def test_preprocessing_maps_unit_range_to_pm1(models_dir):
    g = _model(models_dir, "TFC_1W1A").graph
    consts = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    mul = next(n for n in g.node if n.op_type == "Mul")
    sub = next(n for n in g.node if n.op_type == "Sub")
    assert float(consts[mul.input[1]]) == 2.0 and float(consts[sub.input[1]].ravel()[0]) == 1.0


@pytest.mark.parametrize("name", TFC)
def test_import_folds_shape_arithmetic_and_pow(name, models_dir):
    m = import_onnx(_model(models_dir, name))
    ops = {op.name for op in m.walk() if op.name.startswith("onnx.")}
    assert ops <= {
        "onnx.constant",
        "onnx.reshape",
        "onnx.mul",
        "onnx.sub",
        "onnx.div",
        "onnx.add",
        "onnx.quant",
        "onnx.bipolar_quant",
        "onnx.transpose",
        "onnx.matmul",
        "onnx.batch_normalization",
    }, ops


@pytest.mark.parametrize("name", TFC)
def test_tfc_matches_qonnx_exactly(name, models_dir, mnist):
    """onnx level: every node output identical to qonnx's; nn level: every quantized
    activation and the output identical; top-1 accuracy on the 10 samples equals qonnx's."""
    proto = _model(models_dir, name)
    out_of = {n.name: n.output[0] for n in proto.graph.node}
    quant_layers = {n.name for n in proto.graph.node if n.op_type in ("Quant", "BipolarQuant")}
    level0 = import_onnx(proto, name=name)
    level1 = edgeai.lower(import_onnx(proto, name=name), pipeline="convert-onnx-to-nn")
    default = edgeai.lower(import_onnx(proto, name=name), to="nn")
    correct = {"qonnx": 0, "onnx": 0, "nn": 0}
    for i, x in enumerate(_inputs(mnist)):
        ctx = _qonnx_exec(proto, {"0": x})
        want = ctx[proto.graph.output[0].name]
        y0, seen0 = _traced(level0, x)
        for layer, results in seen0.items():
            if layer in out_of:
                assert np.array_equal(results[-1][1], ctx[out_of[layer]]), (name, i, layer)
        y1, seen1 = _traced(level1, x)
        compared = 0
        for layer in quant_layers & set(seen1):
            deq = [v for op, v in seen1[layer] if op == "nn.dequantize"]
            if deq:  # activations (weights became quantized constants)
                assert np.array_equal(deq[-1], ctx[out_of[layer]]), (name, i, layer)
                compared += 1
        assert compared == 4
        (y2,) = edgeai.run(default, {"0": x}).values()
        for got in (y0, y1, y2):
            assert got.dtype == np.float32 and np.array_equal(got, want), (name, i)
        if i < 10:
            correct["qonnx"] += int(np.argmax(want) == i)
            correct["onnx"] += int(np.argmax(y0) == i)
            correct["nn"] += int(np.argmax(y1) == i)
    assert correct["onnx"] == correct["nn"] == correct["qonnx"]
    print(f"{name}: top-1 on the 10 MNIST samples {correct['nn']}/10 (qonnx {correct['qonnx']}/10)")
    assert correct["qonnx"] >= 9


def test_tfc_1w1a_threshold_folding_matches_qonnx(models_dir, mnist):
    """TFC_1W1A after nn-fold-sign-threshold: four xnor-popcount dense layers (i32), three
    nn.threshold layers, no batch norm; outputs identical to qonnx."""
    proto = _model(models_dir, "TFC_1W1A")
    m = edgeai.lower(import_onnx(proto), pipeline="convert-onnx-to-nn,nn-fold-sign-threshold")
    ops = [op for op in m.walk()]
    dense = [op for op in ops if isinstance(op, nn.DenseOp)]
    assert len(dense) == 4 and all(nn.kind(d.input.type) == "b" for d in dense)
    assert all(nn.kind(d.output.type) == "i" for d in dense)
    assert sum(isinstance(op, nn.ThresholdOp) for op in ops) == 3
    assert not any(isinstance(op, nn.BatchNormOp) for op in ops)
    for x in _inputs(mnist):
        want = _qonnx_exec(proto, {"0": x})[proto.graph.output[0].name]
        (got,) = edgeai.run(m, {"0": x}).values()
        assert np.array_equal(got, want)
    # the same after the graph optimizer (batch norms lowered to mul + add first)
    m2 = edgeai.lower(
        import_onnx(proto), pipeline="convert-onnx-to-nn,nn-optimize,nn-fold-sign-threshold"
    )
    assert sum(isinstance(op, nn.ThresholdOp) for op in m2.walk()) == 3
    x = mnist[3]
    (got,) = edgeai.run(m2, {"0": x}).values()
    assert np.array_equal(got, _qonnx_exec(proto, {"0": x})[proto.graph.output[0].name])


@pytest.mark.parametrize("name", TFC)
def test_nn_batch_norm_quantizes_like_qonnx_for_every_reachable_accumulator(name, models_dir):
    """The hidden layers' MatMul results are integers in [-K, K] (+-1 / {-1, 0, 1} operands).
    For every such integer, nn's batch norm + quantize gives exactly the fake-quantized value
    qonnx computes (onnxruntime's batch norm, qonnx's Quant): so the nn level equals qonnx on
    every input, not only on the sampled ones, although the float batch norm rounds differently."""
    _load()
    proto = _model(models_dir, name)
    level0 = import_onnx(proto)
    level1 = edgeai.lower(import_onnx(proto), pipeline="convert-onnx-to-nn")

    def const(v):
        return v.owner.to_numpy()

    by_layer0 = {op.layer: op for op in level0.walk() if hasattr(op, "layer") and op.layer}
    seq1 = list(find_main(level1).body.block.ops)
    checked = 0
    for op0 in by_layer0.values():
        if op0.name != "onnx.batch_normalization":
            continue
        k = op0.operands[0].owner.operands[1].type.get_shape()[0]  # MatMul weight [K, N]
        q0 = next(iter(op0.results[0].uses)).operation
        acc = np.repeat(np.arange(-k, k + 1, dtype=np.float32)[:, None], 64, axis=1)
        y0 = IMPLS[type(op0)](op0, acc, *[const(o) for o in op0.operands[1:]])
        want = IMPLS[type(q0)](q0, y0, *[const(o) for o in q0.operands[1:]])
        bn1 = next(o for o in seq1 if isinstance(o, nn.BatchNormOp) and o.layer == op0.layer)
        quant1 = next(iter(bn1.output.uses)).operation
        deq1 = next(iter(quant1.results[0].uses)).operation
        y1 = IMPLS[nn.BatchNormOp](bn1, acc, *[const(o) for o in bn1.operands[1:]])
        got = IMPLS[nn.DequantizeOp](deq1, IMPLS[nn.QuantizeOp](quant1, y1))
        assert np.array_equal(got, want), (name, op0.layer)
        checked += 1
    assert checked == 3


# ---------------------------------------------------------------------------------------------
# single QONNX operators against qonnx's functions

MODES = ["ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN"]


def _one_node_model(
    nodes: list[onnx.NodeProto],
    inits: dict[str, np.ndarray],
    outputs: list[str],
    shape: list[int],
    domain_version: int = 1,
    domain: str = QONNX_DOMAIN,
) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)
    outs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, shape) for o in outputs]
    tensors = [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in inits.items()]
    graph = helper.make_graph(nodes, "g", [x], outs, tensors)
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(domain, domain_version)],
    )


def _probe_values(rng, n: int, scale: np.ndarray, zp: np.ndarray) -> np.ndarray:
    """Random values plus exact and near ties of x / scale + zp, saturation and signed zeros."""
    ties = (rng.integers(-20, 20, n) + 0.5 - zp) * scale
    near = np.nextafter(ties.astype(np.float32), np.float32(np.inf) * rng.choice([-1, 1], n))
    x = np.where(
        rng.random(n) < 0.3,
        ties,
        np.where(rng.random(n) < 0.5, near, rng.standard_normal(n) * 6 * scale),
    )
    x = x.astype(np.float32)
    x.flat[:4] = [0.0, -0.0, np.float32(0.49999997), 1e30]
    return x


def _run_both(model: onnx.ModelProto, x: np.ndarray, nn_level: bool) -> list[dict]:
    m0 = import_onnx(model)
    runs = [edgeai.run(m0, {"x": x})]
    if nn_level:
        m1 = edgeai.lower(import_onnx(model), pipeline="convert-onnx-to-nn")
        runs.append(edgeai.run(m1, {"x": x}))
    return runs


@pytest.mark.parametrize("bits", range(1, 9))
@pytest.mark.parametrize("signed", [0, 1])
@pytest.mark.parametrize("narrow", [0, 1])
@pytest.mark.parametrize("per_channel", [False, True])
def test_quant_matches_qonnx(bits, signed, narrow, per_channel):
    from qonnx.custom_op.general.quant import quant as qonnx_quant

    rng = np.random.default_rng(bits * 8 + signed * 4 + narrow * 2 + per_channel)
    shape = [4, 64]
    scale = (
        rng.uniform(0.01, 2, (4, 1)).astype(np.float32)
        if per_channel
        else np.array(rng.uniform(0.01, 2), np.float32)
    )
    lo = -(1 << (bits - 1)) + narrow if signed else 0
    hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1 - narrow
    one_bit_signed = signed and bits == 1
    zp = np.array(0 if one_bit_signed else rng.integers(max(lo, -3), min(hi, 3) + 1), np.float32)
    bw = np.array(bits, np.float32)
    nodes = [
        helper.make_node(
            "Quant",
            ["x", "s", "z", "b"],
            [f"y{i}"],
            domain=QONNX_DOMAIN,
            signed=signed,
            narrow=narrow,
            rounding_mode=mode,
            name=f"q{i}",
        )
        for i, mode in enumerate(MODES)
    ]
    outputs = [f"y{i}" for i in range(len(MODES))]
    model = _one_node_model(nodes, {"s": scale, "z": zp, "b": bw}, outputs, shape)
    x = np.stack(
        [_probe_values(rng, 64, scale.ravel()[min(r, scale.size - 1)], zp) for r in range(4)]
    )
    for run in _run_both(model, x, nn_level=True):
        for i, mode in enumerate(MODES):
            want = qonnx_quant(x, scale, zp, bw, signed, narrow, mode)
            assert np.array_equal(run[f"y{i}"], want), (mode, bits, signed, narrow)


@pytest.mark.parametrize("zp", [0.0, 1.0, -2.0])
def test_quant_float32_rounding_quirks(zp):
    """qonnx rounds in float32 after adding the zero point: 0.49999997 + 1 is 1.5 (-> 2 half to
    even), and HALF_UP's |v| + 0.5 rounds 0.49999997 up to 1; both levels follow it."""
    from qonnx.custom_op.general.quant import quant as qonnx_quant

    s, z, b = np.float32(1), np.float32(zp), np.float32(8)
    vals = [0.49999997, 0.5, 1.5, 2.5, 0.50000006, 1.4999999, 3.5, 126.5, 127.5, 300.0]
    x = np.array(vals + [-v for v in vals], np.float32)
    nodes = [
        helper.make_node(
            "Quant",
            ["x", "s", "z", "b"],
            [f"y{i}"],
            domain=QONNX_DOMAIN,
            signed=1,
            narrow=1,
            rounding_mode=mode,
        )
        for i, mode in enumerate(MODES)
    ]
    outputs = [f"y{i}" for i in range(len(MODES))]
    model = _one_node_model(nodes, {"s": s, "z": z, "b": b}, outputs, [x.size])
    for run in _run_both(model, x, nn_level=True):
        for i, mode in enumerate(MODES):
            assert np.array_equal(run[f"y{i}"], qonnx_quant(x, s, z, b, 1, 1, mode)), mode
    if zp == 0.0:
        half_up = qonnx_quant(x[:1], s, z, b, 1, 1, "HALF_UP")
        assert half_up.tolist() == [1.0]  # the quirk this test pins down


def test_quant_non_integer_zero_point_runs_at_onnx_level_and_is_reported_at_nn():
    from qonnx.custom_op.general.quant import quant as qonnx_quant

    rng = np.random.default_rng(7)
    s, z, b = np.float32(0.25), np.float32(0.5), np.float32(4)
    node = helper.make_node(
        "Quant", ["x", "s", "z", "b"], ["y"], domain=QONNX_DOMAIN, signed=0, narrow=0, name="qz"
    )
    model = _one_node_model([node], {"s": s, "z": z, "b": b}, ["y"], [64])
    x = _probe_values(rng, 64, s, z)
    (run,) = _run_both(model, x, nn_level=False)
    assert np.array_equal(run["y"], qonnx_quant(x, s, z, b, 0, 0, "ROUND"))
    with pytest.raises(UnsupportedError) as e:
        edgeai.lower(import_onnx(model), pipeline="convert-onnx-to-nn")
    assert "layer 'qz' (Quant): Quant with a non-integer zero point" in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("per_channel", [False, True])
def test_bipolar_quant_matches_qonnx(per_channel):
    from qonnx.custom_op.general.bipolar_quant import binary_quant

    rng = np.random.default_rng(11)
    scale = rng.uniform(0.1, 3, (4, 1)).astype(np.float32) if per_channel else np.float32(0.75)
    node = helper.make_node("BipolarQuant", ["x", "s"], ["y"], domain="onnx.brevitas")
    model = _one_node_model([node], {"s": scale}, ["y"], [4, 32], domain="onnx.brevitas")
    x = rng.standard_normal((4, 32)).astype(np.float32)
    x[0, :3] = [0.0, -0.0, -1e-45]
    for run in _run_both(model, x, nn_level=True):
        assert np.array_equal(run["y"], binary_quant(x, scale))


@pytest.mark.parametrize("mode", ["FLOOR", "ROUND", "CEIL", "HALF_UP"])
def test_trunc_versions_match_qonnx_and_are_reported_at_nn(mode):
    from qonnx.custom_op.general.trunc import trunc_v1, trunc_v2

    rng = np.random.default_rng(5)
    s, z = np.float32(0.125), np.float32(2)
    in_bits, out_bits, out_scale = np.float32(8), np.float32(4), np.float32(0.5)
    x = ((rng.integers(-128, 128, 64) - z) * s).astype(np.float32)
    v1 = helper.make_node(
        "Trunc", ["x", "s", "z", "ib", "ob"], ["y"], domain=QONNX_DOMAIN, rounding_mode=mode
    )
    m1 = _one_node_model([v1], {"s": s, "z": z, "ib": in_bits, "ob": out_bits}, ["y"], [64])
    (run,) = _run_both(m1, x, nn_level=False)
    assert np.array_equal(run["y"], trunc_v1(x, s, z, in_bits, out_bits, mode))
    v2 = helper.make_node(
        "Trunc",
        ["x", "s", "z", "ib", "os", "ob"],
        ["y"],
        domain=QONNX_DOMAIN,
        rounding_mode=mode,
        signed=1,
        narrow=1,
        name="trunc",
    )
    inits = {"s": s, "z": z, "ib": in_bits, "os": out_scale, "ob": out_bits}
    m2 = _one_node_model([v2], inits, ["y"], [64], domain_version=2)
    (run,) = _run_both(m2, x, nn_level=False)
    want = trunc_v2(x, s, z, in_bits, 1, 1, out_scale, out_bits, mode)
    assert np.array_equal(run["y"], want)
    with pytest.raises(UnsupportedError) as e:
        edgeai.lower(import_onnx(m2), pipeline="convert-onnx-to-nn")
    assert "layer 'trunc' (Trunc): QONNX Trunc has no exact nn form" in str(e.value)


def test_unrepresentable_quant_reported_with_its_node():
    node = helper.make_node(
        "Quant", ["x", "s", "z", "b"], ["y"], domain=QONNX_DOMAIN, signed=0, narrow=0, name="wide"
    )
    model = _one_node_model(
        [node], {"s": np.float32(1), "z": np.float32(0), "b": np.float32(24)}, ["y"], [4]
    )
    with pytest.raises(UnsupportedError) as e:
        edgeai.lower(import_onnx(model), pipeline="convert-onnx-to-nn")
    msg = str(e.value)
    assert "\n" not in msg and "layer 'wide' (Quant): Quant range [0, 16777215] (24 bits)" in msg


@pytest.mark.parametrize("domain", ["onnx.brevitas", QONNX_DOMAIN, "finn.custom_op.general"])
def test_qonnx_domains_and_intquant_alias(domain):
    node = helper.make_node(
        "IntQuant", ["x", "s", "z", "b"], ["y"], domain=domain, signed=1, narrow=0
    )
    model = _one_node_model(
        [node],
        {"s": np.float32(0.5), "z": np.float32(0), "b": np.float32(3)},
        ["y"],
        [3],
        domain=domain,
    )
    x = np.array([-9.0, 0.3, 0.8], np.float32)
    for run in _run_both(model, x, nn_level=True):
        assert run["y"].tolist() == [-2.0, 0.5, 1.0]


def test_unsupported_qonnx_forms_are_named():
    bad = [
        helper.make_node("Quant", ["x", "s", "z", "b"], ["y1"], signed=1, narrow=0, name="std"),
        helper.make_node("MultiThreshold", ["x", "s"], ["y2"], domain=QONNX_DOMAIN, name="mt"),
        helper.make_node("Quant", ["x", "s", "z", "b"], ["y3"], domain=QONNX_DOMAIN, name="noattr"),
    ]
    inits = {"s": np.float32(1), "z": np.float32(0), "b": np.float32(4)}
    model = _one_node_model(bad, inits, ["y1", "y2", "y3"], [2])
    with pytest.raises(UnsupportedError) as e:
        import_onnx(model)
    msg = str(e.value)
    assert "node 'std' (Quant): operator not supported" in msg
    assert "node 'mt' (MultiThreshold): operator not supported (QONNX ops:" in msg
    assert "node 'noattr' (Quant): missing required attribute 'signed'" in msg
    assert len(e.value.items) == 4


# ---------------------------------------------------------------------------------------------
# opset 9 and import-time folding


def _std_model(nodes, inputs, outputs, inits=(), opset: int = 9) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info(n, t, s) for n, t, s in outputs],
        list(inits),
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def test_opset9_slice_attributes_become_inputs():
    model = _std_model(
        [helper.make_node("Slice", ["x"], ["y"], starts=[1, 0], ends=[3, -1], axes=[0, 2])],
        [("x", TensorProto.FLOAT, [4, 2, 5])],
        [("y", TensorProto.FLOAT, [2, 2, 4])],
    )
    x = np.arange(40, dtype=np.float32).reshape(4, 2, 5)
    for run in _run_both(model, x, nn_level=True):
        assert np.array_equal(run["y"], x[1:3, :, 0:-1])


def test_opset9_upsample_is_reported():
    model = _std_model(
        [helper.make_node("Upsample", ["x", "sc"], ["y"], mode="nearest", name="up")],
        [("x", TensorProto.FLOAT, [1, 1, 2, 2])],
        [("y", TensorProto.FLOAT, [1, 1, 4, 4])],
        [numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "sc")],
    )
    with pytest.raises(UnsupportedError, match=r"node 'up' \(Upsample\): operator not supported"):
        import_onnx(model)


def test_static_subgraphs_fold_at_import():
    """Shape -> Gather -> Unsqueeze -> Concat -> Reshape (a flatten), and constant chains through
    ops outside the supported set (Cast to double, Pow, Sqrt, ConstantOfShape, Range, Expand,
    Equal, Where, Size) become constants; only supported ops remain."""
    f64 = TensorProto.DOUBLE
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "zero1"], ["n1"]),
        helper.make_node("Concat", ["n1", "minus1"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["flat"]),
        helper.make_node("Cast", ["two"], ["two64"], to=f64),
        helper.make_node("Pow", ["two64", "two64"], ["four64"]),
        helper.make_node("Sqrt", ["four64"], ["sq64"]),
        helper.make_node("Cast", ["sq64"], ["sq"], to=TensorProto.FLOAT),
        helper.make_node("Size", ["x"], ["size"]),
        helper.make_node("Cast", ["size"], ["sizef"], to=TensorProto.FLOAT),
        helper.make_node("Div", ["sq", "sizef"], ["k"]),
        helper.make_node(
            "ConstantOfShape",
            ["len"],
            ["ones"],
            value=numpy_helper.from_array(np.array([1.0], np.float32)),
        ),
        helper.make_node("Range", ["r0", "r1", "r2"], ["ramp"]),
        helper.make_node("Expand", ["ramp", "len"], ["ramp2"]),
        helper.make_node("Equal", ["ramp2", "r2"], ["mask"]),
        helper.make_node("Where", ["mask", "ones", "ramp2"], ["w"]),
        helper.make_node("Mul", ["flat", "k"], ["scaled"]),
        helper.make_node("Add", ["scaled", "w"], ["y"]),
    ]
    inits = [
        numpy_helper.from_array(np.array(0, np.int64), "zero"),
        numpy_helper.from_array(np.array([0], np.int64), "zero1"),
        numpy_helper.from_array(np.array([-1], np.int64), "minus1"),
        numpy_helper.from_array(np.array(2.0, np.float32), "two"),
        numpy_helper.from_array(np.array([6], np.int64), "len"),
        numpy_helper.from_array(np.array(0.0, np.float32), "r0"),
        numpy_helper.from_array(np.array(6.0, np.float32), "r1"),
        numpy_helper.from_array(np.array(1.0, np.float32), "r2"),
    ]
    model = _std_model(
        nodes, [("x", TensorProto.FLOAT, [1, 2, 3])], [("y", TensorProto.FLOAT, [1, 6])], inits, 13
    )
    m = import_onnx(model)
    ops = {op.name for op in m.walk() if op.name.startswith("onnx.")}
    assert ops == {"onnx.constant", "onnx.reshape", "onnx.mul", "onnx.add"}, ops
    x = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    want = x.reshape(1, 6) * np.float32(2.0 / 6) + np.where(np.arange(6) == 1, 1, np.arange(6))
    for run in _run_both(model, x, nn_level=True):
        assert np.allclose(run["y"], want.astype(np.float32), rtol=0, atol=1e-6)


def test_quantization_ops_are_not_folded():
    """Quant / BipolarQuant of constants stay typed (quantized constants at the nn level)."""
    node = helper.make_node("BipolarQuant", ["w", "s"], ["wq"], domain=QONNX_DOMAIN)
    mm = helper.make_node("MatMul", ["x", "wq"], ["y"])
    inits = {"w": np.array([[0.5, -2.0], [-0.1, 3.0]], np.float32), "s": np.float32(1)}
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    tensors = [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()]
    model = helper.make_model(
        helper.make_graph([node, mm], "g", [x], [y], tensors),
        opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(QONNX_DOMAIN, 1)],
    )
    m = edgeai.lower(import_onnx(model), pipeline="convert-onnx-to-nn")
    consts = [op for op in m.walk() if isinstance(op, nn.ConstantOp)]
    assert any(nn.kind(c.output.type) == "b" for c in consts)
    run_pipeline(m, "nn-optimize")
    xin = np.array([[1.0, 2.0]], np.float32)
    (got,) = edgeai.run(m, {"x": xin}).values()
    assert np.array_equal(got, xin @ np.array([[1, -1], [-1, 1]], np.float32))
