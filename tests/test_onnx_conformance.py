"""ONNX backend node-test conformance of the supported op set (harness: benchmarks/onnx_conformance.py).

Every node test of the installed `onnx` package whose nodes are all supported op types runs
through import -> reference (`onnx` level), `convert-onnx-to-nn` -> reference, and (once it exists)
`nn-optimize` -> reference. Each case must pass, or be reported unsupported with the reason kept in
`EXPECTED_UNSUPPORTED` (so a case that regresses into "unsupported" fails here too).
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "onnx_conformance", ROOT / "benchmarks" / "onnx_conformance.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("onnx_conformance", mod)
    spec.loader.exec_module(mod)
    return mod


H = _load_harness()

#: case -> a fragment of its unsupported reason (the legitimately out-of-scope cases)
EXPECTED_UNSUPPORTED: dict[str, str] = {
    # 3-D convolution / pooling (1-D and 2-D only)
    "test_averagepool_3d_default": "3-D windows",
    "test_averagepool_3d_dilations_small": "3-D windows",
    "test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_True": "3-D windows",
    "test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_False": "3-D windows",
    "test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_True": "3-D windows",
    "test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_False": "3-D windows",
    "test_convtranspose_3d": "3-D windows",
    "test_maxpool_3d_default": "3-D windows",
    "test_maxpool_3d_dilations": "3-D windows",
    "test_maxpool_3d_dilations_use_ref_impl": "3-D windows",
    "test_maxpool_3d_dilations_use_ref_impl_large": "3-D windows",
    # training-time behaviour
    "test_batchnorm_example_training_mode": "training_mode=1",
    "test_batchnorm_epsilon_training_mode": "training_mode=1",
    "test_training_dropout_default": "training_mode=1 (random dropout)",
    "test_training_dropout_default_mask": "training_mode=1 (random dropout)",
    "test_training_dropout": "training_mode=1 (random dropout)",
    "test_training_dropout_mask": "training_mode=1 (random dropout)",
    # argmax pooling (its only consumer, MaxUnpool, is not supported)
    "test_maxpool_with_argmax_2d_precomputed_pads": "the Indices output",
    "test_maxpool_with_argmax_2d_precomputed_strides": "the Indices output",
    # sequence / optional values
    "test_identity_sequence": "non-tensor type",
    "test_identity_opt": "non-tensor type",
    # element types other than float32 and 8..64-bit integers
    "test_dequantizelinear_e4m3fn": "element type FLOAT8E4M3FN",
    "test_dequantizelinear_e4m3fn_float16": "element type FLOAT16",
    "test_dequantizelinear_e4m3fn_zero_point": "element type FLOAT8E4M3FN",
    "test_dequantizelinear_e5m2": "element type FLOAT8E5M2",
    "test_dequantizelinear_uint4": "element type UINT4",
    "test_dequantizelinear_int4": "element type INT4",
    "test_dequantizelinear_uint2": "element type UINT2",
    "test_dequantizelinear_int2": "element type INT2",
    "test_dequantizelinear_float4e2m1": "element type FLOAT4E2M1",
    "test_quantizelinear_e4m3fn": "element type FLOAT8E4M3FN",
    "test_quantizelinear_e5m2": "element type FLOAT8E5M2",
    "test_quantizelinear_uint4": "element type UINT4",
    "test_quantizelinear_int4": "element type INT4",
    "test_quantizelinear_uint2": "element type UINT2",
    "test_quantizelinear_int2": "element type INT2",
    "test_quantizelinear_float4e2m1": "element type FLOAT4E2M1",
    "test_qlinearmatmul_2D_uint8_float16": "element type FLOAT16",
    "test_qlinearmatmul_3D_uint8_float16": "element type FLOAT16",
    "test_qlinearmatmul_2D_int8_float16": "element type FLOAT16",
    "test_qlinearmatmul_3D_int8_float16": "element type FLOAT16",
    # blocked quantization
    "test_dequantizelinear_blocked": "blocked quantization",
    "test_quantizelinear_blocked_asymmetric": "blocked quantization",
    "test_quantizelinear_blocked_symmetric": "blocked quantization",
    # Resize: cubic, antialias, tf_crop_and_resize
    "test_resize_upsample_scales_cubic": "mode 'cubic'",
    "test_resize_upsample_scales_cubic_align_corners": "mode 'cubic'",
    "test_resize_downsample_scales_cubic": "mode 'cubic'",
    "test_resize_downsample_scales_cubic_align_corners": "mode 'cubic'",
    "test_resize_upsample_sizes_cubic": "mode 'cubic'",
    "test_resize_downsample_sizes_cubic": "mode 'cubic'",
    "test_resize_upsample_scales_cubic_A_n0p5_exclude_outside": "mode 'cubic'",
    "test_resize_downsample_scales_cubic_A_n0p5_exclude_outside": "mode 'cubic'",
    "test_resize_upsample_scales_cubic_asymmetric": "mode 'cubic'",
    "test_resize_downsample_scales_cubic_antialias": "antialias=1",
    "test_resize_downsample_sizes_cubic_antialias": "antialias=1",
    "test_resize_downsample_scales_linear_antialias": "antialias=1",
    "test_resize_downsample_sizes_linear_antialias": "antialias=1",
    "test_resize_tf_crop_and_resize": "tf_crop_and_resize",
    "test_resize_tf_crop_and_resize_extrapolation_value": "tf_crop_and_resize",
    "test_resize_tf_crop_and_resize_axes_2_3": "tf_crop_and_resize",
    "test_resize_tf_crop_and_resize_axes_3_2": "tf_crop_and_resize",
}


@functools.cache
def cases() -> tuple[Any, ...]:
    """The qualifying node tests (loading them takes a few seconds: once per process)."""
    return tuple(H.load_cases())


_RESULTS: dict[str, Any] = {}


def result(case: Any) -> Any:
    """The case's `CaseResult`, computed once per process."""
    if case.name not in _RESULTS:
        _RESULTS[case.name] = H.run_case(case)
    return _RESULTS[case.name]


def test_case_selection():
    names = {c.name for c in cases()}
    assert len(names) > 300, (
        "the installed onnx package should provide several hundred qualifying node tests"
    )
    assert set(EXPECTED_UNSUPPORTED) <= names, sorted(set(EXPECTED_UNSUPPORTED) - names)
    assert {H.case_op(c) for c in cases()} <= set(H.SUPPORTED_OPS)


@pytest.mark.parametrize("op", [op for op in H.SUPPORTED_OPS if op != "Constant"] + ["Constant"])
def test_op_conformance(op: str):
    """Every case of `op` passes on every path, or is one of the expected unsupported cases."""
    mine = [c for c in cases() if H.case_op(c) == op]
    if not mine:
        pytest.skip(f"the installed onnx has no node test for {op}")
    problems = []
    for c in mine:
        r = result(c)
        if r.outcome == "fail":
            problems.append(f"{c.name}: {r.detail}")
        elif r.outcome == "unsupported" and c.name not in EXPECTED_UNSUPPORTED:
            problems.append(f"{c.name}: unexpectedly unsupported: {r.detail}")
        elif r.outcome == "pass" and c.name in EXPECTED_UNSUPPORTED:
            problems.append(f"{c.name}: passes now; remove it from EXPECTED_UNSUPPORTED")
    assert not problems, "\n".join(problems)


def test_unsupported_set_and_messages():
    """The unsupported cases are exactly the expected ones, each with a one-line message that
    names the node and its op type and gives the expected reason."""
    unsupported = {c.name: (c, result(c)) for c in cases() if result(c).outcome == "unsupported"}
    assert sorted(unsupported) == sorted(EXPECTED_UNSUPPORTED)
    for name, (c, r) in unsupported.items():
        msgs = [p.detail for p in r.paths.values() if p.outcome == "unsupported"]
        assert msgs, name
        for m in msgs:
            assert "\n" not in m, f"{name}: multi-line message {m!r}"
            assert EXPECTED_UNSUPPORTED[name] in m, f"{name}: {m}"
            assert re.search(rf"(node|layer) '[^']+' \({H.case_op(c)}\)", m), (
                f"{name}: node/op not named in {m}"
            )


def test_unsupported_model_lists_every_problem_once():
    """A model with several out-of-scope constructs gets one line naming each node and op."""
    import onnx
    from onnx import TensorProto, helper

    from edgeai.frontends.onnx import import_onnx
    from edgeai.support.errors import UnsupportedError

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4, 4])
    h = helper.make_tensor_value_info("h", TensorProto.DOUBLE, [1, 1, 4, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 2, 2, 2])
    nodes = [
        helper.make_node(
            "MaxPool", ["x"], ["p"], kernel_shape=[2, 2, 2], strides=[2, 2, 2], name="pool3d"
        ),
        helper.make_node("Resize", ["p", "", "s"], ["y"], mode="cubic", name="up"),
        helper.make_node("Identity", ["h"], ["h2"], name="dbl"),
    ]
    scales = helper.make_tensor("s", TensorProto.FLOAT, [5], [1, 1, 1, 1, 1])
    h2 = helper.make_tensor_value_info("h2", TensorProto.DOUBLE, [1, 1, 4, 4, 4])
    model = helper.make_model(
        helper.make_graph(nodes, "g", [x, h], [y, h2], [scales]),
        opset_imports=[helper.make_opsetid("", 19)],
    )
    with pytest.raises(UnsupportedError) as e:
        import_onnx(model)
    msg = str(e.value)
    assert "\n" not in msg
    assert "node 'pool3d' (MaxPool): 3-D windows" in msg
    assert "node 'up' (Resize): mode 'cubic'" in msg
    assert "node 'dbl' (Identity): element type DOUBLE ('h', 'h2')" in msg
    assert len(e.value.items) == 3
    assert isinstance(model, onnx.ModelProto)


def test_benchmark_script_report(tmp_path, capsys):
    """The standalone script prints the per-op table and ends with `N passed, N failed`."""
    out = tmp_path / "r.json"
    status = H.main(["-k", "test_relu", "-o", str(out)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert status == 0
    assert lines[0].split() == ["op", "cases", "passed", "failed", "unsupported"]
    assert re.fullmatch(r"\d+ unsupported", lines[-2])
    assert re.fullmatch(r"\d+ passed, \d+ failed", lines[-1])


# ---------------------------------------------------------------------------------------------
# variants of the node tests that exercise the converter beyond single ops on plain inputs


def _channels_last_variant(case: Any) -> tuple[Any, dict[str, Any]] | None:
    """The case with a 1x1 MaxPool (an identity whose `nn` value is channels-last) in front
    of every rank-3/4 float data input, or None when no input qualifies."""
    from onnx import TensorProto, helper

    model, data = H.freeze_parameters(case.model, case.data_sets[0][0])
    g = model.graph
    changed = False
    for vi in g.input:
        tt = vi.type.tensor_type
        if vi.name in data and tt.elem_type == TensorProto.FLOAT and len(tt.shape.dim) in (3, 4):
            new = vi.name + "__channels_last"
            for node in g.node:
                for i, name in enumerate(node.input):
                    if name == vi.name:
                        node.input[i] = new
            kernel = [1] * (len(tt.shape.dim) - 2)
            g.node.insert(0, helper.make_node("MaxPool", [vi.name], [new], kernel_shape=kernel))
            changed = True
    if not changed or any(o.name in data for o in g.output):
        return None
    return model, data


def test_ops_on_channels_last_values():
    """Every op converts correctly when its input is a channels-last `nn` value (the layout a
    conv or pool leaves), not only when it comes straight from a graph input."""
    problems, checked = [], 0
    for c in cases():
        if c.name in EXPECTED_UNSUPPORTED:
            continue
        variant = _channels_last_variant(c)
        if variant is None:
            continue
        model, data = variant
        r = H.run_path("nn", model, data, c.data_sets[0][1], c.rtol, c.atol)
        checked += 1
        if r.outcome != "pass":
            problems.append(f"{c.name}: {r.detail}")
    assert checked > 150
    assert not problems, "\n".join(problems)


def test_ops_folded_at_conversion():
    """With every input constant, `convert-onnx-to-nn` folds each op (ONNX semantics) into an
    `nn.constant` with the expected value, type and shape."""
    import onnx

    problems = []
    for c in cases():
        if c.name in EXPECTED_UNSUPPORTED:
            continue
        model = onnx.ModelProto()
        model.CopyFrom(c.model)
        inputs, expected = c.data_sets[0]
        for vi, value in zip(model.graph.input, inputs, strict=False):
            tensor = (
                value
                if isinstance(value, onnx.TensorProto)
                else onnx.numpy_helper.from_array(value)
            )
            tensor.name = vi.name
            model.graph.initializer.append(tensor)
        del model.graph.input[:]
        if any(n.name in {i.name for i in model.graph.initializer} for n in model.graph.output):
            continue
        r = H.run_path("nn", model, {}, expected, c.rtol, c.atol)
        if r.outcome != "pass":
            problems.append(f"{c.name}: {r.detail}")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# corner cases the node tests miss (each was a bug)


def _single_node_model(op: str, x_shape: list[int], inits: dict[str, Any], **attrs: Any) -> Any:
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    node = helper.make_node(op, ["x", *inits], ["y"], **attrs)
    tensors = [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()]
    graph = helper.make_graph([node], "g", [x], [y], tensors)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])


def _check_all_paths(model: Any, x: Any, expected: Any) -> None:
    paths = ["onnx", "nn"] + (["nn-opt"] if H.nn_optimize_available() else [])
    for path in paths:
        r = H.run_path(path, model, {"x": x}, [expected], 1e-5, 1e-6)
        assert r.outcome == "pass", f"{path}: {r.detail}"


def test_conv_transpose_output_larger_than_full_extends_both_sides():
    """SAME_UPPER with a kernel smaller than the stride: the output (in * stride) exceeds the
    full transposed conv, so padding is negative on both sides (zeros + bias there)."""
    import numpy as np

    x = np.arange(1, 5, dtype=np.float32).reshape(1, 1, 4)
    w = np.full((1, 1, 1), 2.0, np.float32)
    b = np.array([0.5], np.float32)
    model = _single_node_model(
        "ConvTranspose", [1, 1, 4], {"w": w, "b": b}, auto_pad="SAME_UPPER", strides=[3]
    )
    # full output: 10 values (x * 2 every 3rd position); 12 wanted: total -2, begin -1, end -1
    full = np.zeros(10, np.float32)
    full[::3] = 2 * x.ravel()
    expected = (np.concatenate([[0.0], full, [0.0]]) + 0.5).astype(np.float32).reshape(1, 1, 12)
    _check_all_paths(model, x, expected)


def test_pad_wrap_with_crop():
    """Pad mode `wrap` (lowered to gathers) with a negative pad that crops first."""
    import numpy as np

    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    pads = np.array([2, -1, 1, 3], np.int64)  # rows: +2 / +1, columns: -1 / +3
    model = _single_node_model("Pad", [3, 4], {"pads": pads}, mode="wrap")
    expected = np.pad(x[:, 1:], ((2, 1), (0, 3)), mode="wrap")
    _check_all_paths(model, x, expected)


def test_resize_align_corners_uses_real_output_length():
    """align_corners with a scale that does not divide evenly maps through in * scale (2.4),
    not through the rounded output length (2)."""
    import numpy as np

    x = np.array([[[[1.0, 2.0, 3.0, 4.0]]]], np.float32)
    scales = np.array([1, 1, 1, 0.6], np.float32)
    model = _single_node_model(
        "Resize",
        [1, 1, 1, 4],
        {"roi": np.zeros(0, np.float32), "scales": scales},
        mode="linear",
        coordinate_transformation_mode="align_corners",
    )
    expected = np.array([[[[1.0, 1.0 + 3 / 1.4]]]], np.float32)
    _check_all_paths(model, x, expected)


def test_opset10_attribute_forms():
    """Opset-10 Clip (min/max attributes), Pad (pads/value attributes) and Resize (X, scales;
    asymmetric coordinates, floor rounding) import as their newest forms."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    x = np.arange(12, dtype=np.float32).reshape(1, 1, 3, 4) - 5
    scales = numpy_helper.from_array(np.array([1, 1, 2, 1.5], np.float32), "s")
    forms = [
        (helper.make_node("Clip", ["x"], ["y"], min=-2.0, max=3.0), [], np.clip(x, -2, 3)),
        (
            helper.make_node("Pad", ["x"], ["y"], pads=[0, 0, 1, 2, 0, 0, 0, 1], value=1.5),
            [],
            np.pad(x, ((0, 0), (0, 0), (1, 0), (2, 1)), constant_values=1.5),
        ),
        (
            helper.make_node("Resize", ["x", "s"], ["y"], mode="nearest"),
            [scales],
            x[:, :, [0, 0, 1, 1, 2, 2]][:, :, :, [0, 0, 1, 2, 2, 3]],
        ),
    ]
    for node, inits, expected in forms:
        xi = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 3, 4])
        yi = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
        graph = helper.make_graph([node], "g", [xi], [yi], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 10)])
        _check_all_paths(model, x, expected)
