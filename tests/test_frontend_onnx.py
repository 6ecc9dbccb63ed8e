"""ONNX frontend: unsupported constructs reported together, static shapes, old opset forms."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

import edgeai
from edgeai.frontends.onnx import import_onnx
from edgeai.support.errors import EdgeAIError, UnsupportedError


def make(nodes, inputs, outputs, inits=(), opset=17):
    g = h.make_graph(
        nodes,
        "g",
        [h.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [h.make_tensor_value_info(n, t, s) for n, t, s in outputs],
        initializer=[nh.from_array(a, n) for n, a in inits],
    )
    return h.make_model(g, opset_imports=[h.make_opsetid("", opset)], ir_version=8)


def ort_run(model, feeds):
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(
        None, feeds
    )


def test_all_unsupported_ops_reported_at_once():
    m = make(
        [
            h.make_node("Erf", ["x"], ["a"], name="erf_1"),
            h.make_node("Relu", ["a"], ["b"], name="relu_ok"),
            h.make_node("Cos", ["b"], ["c"], name="cos_2"),
            h.make_node("MyOp", ["c"], ["y"], name="custom_3", domain="com.example"),
        ],
        [("x", T.FLOAT, [1, 4])],
        [("y", T.FLOAT, [1, 4])],
    )
    m.opset_import.append(h.make_opsetid("com.example", 1))
    with pytest.raises(UnsupportedError) as e:
        import_onnx(m)
    items = e.value.items
    assert len(items) == 3
    assert any("erf_1" in i and "Erf" in i for i in items)
    assert any("cos_2" in i and "Cos" in i for i in items)
    assert any("custom_3" in i and "com.example" in i for i in items)
    assert "\n" not in str(e.value)


def test_unsupported_element_types_listed():
    m = make(
        [h.make_node("Relu", ["x"], ["y"], name="r")],
        [("x", T.DOUBLE, [2])],
        [("y", T.DOUBLE, [2])],
    )
    with pytest.raises(UnsupportedError, match="DOUBLE"):
        import_onnx(m)


def test_opset_range_checked():
    m = make(
        [h.make_node("Relu", ["x"], ["y"])], [("x", T.FLOAT, [2])], [("y", T.FLOAT, [2])], opset=8
    )
    with pytest.raises(UnsupportedError, match="opset 8"):
        import_onnx(m)


def test_symbolic_batch_defaults_to_one_and_other_dims_need_a_shape():
    m = make(
        [h.make_node("Relu", ["x"], ["y"])],
        [("x", T.FLOAT, ["N", 3, "W"])],
        [("y", T.FLOAT, ["N", 3, "W"])],
    )
    with pytest.raises(EdgeAIError, match="symbolic dimension 2"):
        import_onnx(m)
    mod = import_onnx(m, {"x": [2, 3, 5]})
    f = mod.body.block.first_op
    assert list(f.function_type.inputs.data[0].get_shape()) == [2, 3, 5]
    m2 = make(
        [h.make_node("Relu", ["x"], ["y"])], [("x", T.FLOAT, ["N", 3])], [("y", T.FLOAT, ["N", 3])]
    )
    f2 = import_onnx(m2).body.block.first_op
    assert list(f2.function_type.inputs.data[0].get_shape()) == [1, 3]


def test_input_shape_must_match_static_dims():
    m = make(
        [h.make_node("Relu", ["x"], ["y"])], [("x", T.FLOAT, [1, 3])], [("y", T.FLOAT, [1, 3])]
    )
    with pytest.raises(EdgeAIError, match="dimension 1 is 3"):
        import_onnx(m, {"x": [1, 4]})


def test_corrupt_file_is_one_line_error(tmp_path):
    p = tmp_path / "bad.onnx"
    p.write_bytes(b"\x08\x07garbage that is not protobuf\xff\xff")
    with pytest.raises(EdgeAIError) as e:
        edgeai.import_model(str(p))
    assert "bad.onnx" in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("axis", [1, 2])
def test_opset11_softmax_coerces_to_2d(axis):
    """Opset < 13 Softmax normalizes over all dims from `axis` on: the importer reproduces it."""
    m = make(
        [h.make_node("Softmax", ["x"], ["y"], axis=axis)],
        [("x", T.FLOAT, [2, 3, 4])],
        [("y", T.FLOAT, [2, 3, 4])],
        opset=11,
    )
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    want = ort_run(m, {"x": x})[0]
    mod = import_onnx(m)
    np.testing.assert_allclose(edgeai.run(mod, {"x": x})["y"], want, rtol=1e-5, atol=1e-6)
    edgeai.lower(mod, to="nn")
    np.testing.assert_allclose(edgeai.run(mod, {"x": x})["y"], want, rtol=1e-5, atol=1e-6)


def test_opset11_squeeze_and_reduce_axes_attributes():
    m = make(
        [
            h.make_node("ReduceSum", ["x"], ["s"], axes=[2], keepdims=1),
            h.make_node("Squeeze", ["s"], ["y"], axes=[2]),
        ],
        [("x", T.FLOAT, [2, 3, 4])],
        [("y", T.FLOAT, [2, 3])],
        opset=11,
    )
    x = np.random.default_rng(1).standard_normal((2, 3, 4)).astype(np.float32)
    mod = edgeai.lower(import_onnx(m))
    np.testing.assert_allclose(edgeai.run(mod, {"x": x})["y"], ort_run(m, {"x": x})[0], rtol=1e-5)


def test_constant_node_forms_and_constant_folding():
    """Constant nodes (value_floats, value_ints) and all-constant subgraphs fold at conversion."""
    m = make(
        [
            h.make_node("Constant", [], ["c"], value_floats=[1.0, 2.0, 3.0]),
            h.make_node("Constant", [], ["k"], value_ints=[1, 3]),
            h.make_node("Mul", ["c", "c"], ["c2"]),
            h.make_node("Reshape", ["c2", "k"], ["c3"]),
            h.make_node("Add", ["x", "c3"], ["y"]),
        ],
        [("x", T.FLOAT, [2, 3])],
        [("y", T.FLOAT, [2, 3])],
    )
    x = np.ones((2, 3), np.float32)
    mod = edgeai.lower(import_onnx(m))
    names = [op.name for op in mod.walk() if op.name.startswith("nn.")]
    assert names.count("nn.add") == 1 and "nn.mul" not in names and "nn.reshape" not in names
    np.testing.assert_allclose(edgeai.run(mod, {"x": x})["y"], ort_run(m, {"x": x})[0])


def test_names_and_layers_kept():
    m = make(
        [h.make_node("Relu", ["in:0"], ["out/0"], name="my relu")],
        [("in:0", T.FLOAT, [2])],
        [("out/0", T.FLOAT, [2])],
    )
    mod = import_onnx(m)
    text = str(mod)
    assert (
        'edgeai.name = "in:0"' in text
        and 'edgeai.name = "out/0"' in text
        and 'layer = "my relu"' in text
    )
    assert set(edgeai.run(mod, {"in:0": np.ones(2, np.float32)})) == {"out/0"}


def test_model_proto_and_path_equivalent(tmp_path):
    m = make([h.make_node("Relu", ["x"], ["y"])], [("x", T.FLOAT, [2])], [("y", T.FLOAT, [2])])
    p = tmp_path / "r.onnx"
    onnx.save(m, p)
    a, b = str(import_onnx(m, name="r")), str(edgeai.import_model(str(p)))
    assert a == b
