"""The backend contract (`backends/base.py`), checked on every folder under `backends/`.

Every discovered backend folder, plus `backends/_template/` instantiated into a temporary
folder by `tools/new_backend.py`, is checked for: the required files; `BACKEND`, a `Backend`
named after its folder, cheap to import; presets that round-trip through JSON and load from
files, bad target files rejected in one line naming the key; SUPPORTED_OPS.md current and
consistent with `legality`; verdicts with reasons on small real programs; phases that are
valid pass pipelines or documented callables; `generate` writing files and report.json without
touching its input; the simulator bit-exact with the `nn` reference and the cost model's
totals, when the backend declares them; module docstrings. Then the Cortex-M backend's own
promises (legality = convert-nn-to-kernel's verdicts, phases = compile_model's passes), the
registry and the CLI dispatch, and `tools/new_backend.py`'s errors.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import edgeai
from edgeai.backends import (
    all_backends,
    backend_for_target,
    backend_names,
    get_backend,
    target_names,
)
from edgeai.backends.base import (
    PHASES,
    Backend,
    Phase,
    Verdict,
    load_target,
    nn_op_names,
    render_supported_ops,
    target_to_dict,
)
from edgeai.support.errors import EdgeAIError, UnsupportedError
from tests.conftest import DIGITS_ONNX

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_NAME = "template_check"
sys.path.insert(0, str(ROOT / "tools"))
import new_backend  # noqa: E402 - tools/ is not a package on sys.path

#: a program with ops no backend here runs (float sigmoid and tanh) around a float conv
ODD_PROGRAM = """
func.func @main(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x3xf32> {
  %w = nn.constant dense<0.25> : tensor<3x3x3x2xf32>
  %y = nn.conv2d %x, %w {layer = "conv", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64} : (tensor<1x4x4x2xf32>, tensor<3x3x3x2xf32>) -> tensor<1x4x4x3xf32>
  %s = nn.sigmoid %y {layer = "the_sigmoid"} : (tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32>
  %t = nn.tanh %s {layer = "the_tanh"} : (tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32>
  func.return %t : tensor<1x4x4x3xf32>
}
"""


# ---------------------------------------------------------------------------------------------
# fixtures: the backends and small real programs


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory):
    """`_template` instantiated as `template_check` in a folder on EDGEAI_BACKENDS_PATH."""
    import edgeai.backends as registry

    where = tmp_path_factory.mktemp("backends")
    new_backend.instantiate(TEMPLATE_NAME, where)
    old = os.environ.get("EDGEAI_BACKENDS_PATH")
    os.environ["EDGEAI_BACKENDS_PATH"] = str(where)
    yield where / TEMPLATE_NAME
    if old is None:
        del os.environ["EDGEAI_BACKENDS_PATH"]
    else:
        os.environ["EDGEAI_BACKENDS_PATH"] = old
    if str(where) in registry.__path__:
        registry.__path__.remove(str(where))
    for mod in [m for m in sys.modules if m.startswith(f"edgeai.backends.{TEMPLATE_NAME}")]:
        del sys.modules[mod]


@pytest.fixture(params=[*backend_names(), "_template"])
def folder(request) -> Path:
    """A backend folder (the template: its instance)."""
    if request.param == "_template":
        return request.getfixturevalue("template_dir")
    return ROOT / "backends" / request.param


@pytest.fixture()
def backend(folder) -> Backend:
    return get_backend(folder.name)


@pytest.fixture(scope="module")
def programs() -> dict[str, object]:
    """Small real `nn` programs: the digits CNN in float and quantized to int8 (TFLite
    rounding, as `edgeai quantize` makes it), and ODD_PROGRAM."""
    from edgeai.quantization.ptq import quantize
    from edgeai.tools.generate import lower_to_nn

    calib = {"image": np.random.default_rng(0).random((16, 1, 8, 8), dtype=np.float32)}
    quantized, _ = quantize(edgeai.import_model(str(DIGITS_ONNX)), calib)
    return {
        "digits_float": lower_to_nn(str(DIGITS_ONNX), None),
        "digits_int8": quantized,
        "odd": edgeai.parse_mlir(ODD_PROGRAM),
    }


def nn_ops(module) -> list:
    from edgeai.reference.interpreter import find_main

    return [op for op in find_main(module).body.block.ops if op.name.startswith("nn.")]


# ---------------------------------------------------------------------------------------------
# the contract, per backend


def test_folder_has_the_contract_files(folder):
    for name in ("README.md", "__init__.py", "target.py", "legality.py", "pipeline.py"):
        assert (folder / name).is_file(), f"{folder.name}: {name} missing"
    assert (folder / "SUPPORTED_OPS.md").is_file(), (
        f"{folder.name}: run python -m edgeai.backends --write"
    )
    local = list((folder / "test").glob("test_*.py"))
    shared = list((ROOT / "tests").glob(f"test_{folder.name}*.py"))
    assert local or shared, (
        f"{folder.name}: no tests in {folder.name}/test/ nor tests/test_{folder.name}*.py"
    )
    assert "BACKEND" in (folder / "__init__.py").read_text(encoding="utf-8")


def test_backend_object(backend, folder):
    assert isinstance(backend, Backend)
    assert backend.name == folder.name
    assert backend.description.strip() and "\n" not in backend.description
    assert backend.folder == folder.resolve()
    if backend.fallback is not None:
        assert backend.fallback != backend.name and backend.fallback in backend_names()
        assert get_backend(backend.fallback).fallback is None, "a fallback has no fallback"
    for flag, hook in (("has_simulator", "simulate"), ("has_cost_model", "cost")):
        declared = getattr(backend, flag)
        assert isinstance(declared, bool)
        overridden = getattr(type(backend), hook) is not getattr(Backend, hook)
        assert declared == overridden, (
            f"{backend.name}: {flag}={declared} but {hook} is {'' if overridden else 'not '}overridden"
        )


def test_package_import_is_cheap(backend, folder):
    """Importing the package and listing its presets loads neither NumPy nor xDSL's IR nor
    edgeai's dialects (the CLI imports every backend to build its options)."""
    heavy = ("numpy", "xdsl.ir", "xdsl.dialects", "edgeai.dialects", "edgeai.lowering")
    code = (
        f"import sys, edgeai.backends.{folder.name} as m\n"
        "m.BACKEND.targets(); m.BACKEND.cli_defaults()\n"
        f"print(sorted(k for k in sys.modules if k.split('.')[0] == 'numpy' or k.startswith({heavy[1:]!r})))\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]", f"{folder.name}/__init__.py imports {p.stdout.strip()}"


def test_presets_are_frozen_dataclasses_that_round_trip_through_json(backend, tmp_path):
    presets = backend.targets()
    assert presets, f"{backend.name}: no presets"
    cls = type(next(iter(presets.values())))
    for key, preset in presets.items():
        assert type(preset) is cls and dataclasses.is_dataclass(preset)
        assert cls.__dataclass_params__.frozen, f"{cls.__name__} is not frozen"
        assert preset.name == key
        assert backend.load_target(key) is preset
        full = tmp_path / f"{key}.json"
        full.write_text(json.dumps(target_to_dict(preset), indent=2))
        assert backend.load_target(str(full)) == preset
        based = tmp_path / f"{key}_base.json"
        based.write_text(json.dumps({"base": key}))
        assert backend.load_target(str(based)) == preset
        assert backend.load_target(key, json.loads(full.read_text())) == preset


def _one_line_error(fn, *names: str) -> str:
    with pytest.raises(EdgeAIError) as e:
        fn()
    msg = str(e.value)
    assert "\n" not in msg.strip(), msg
    for n in names:
        assert n in msg, (n, msg)
    return msg


def _scalar_fields(cls) -> list[tuple[str, object]]:
    import typing

    hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
    return [
        (f.name, hints[f.name])
        for f in dataclasses.fields(cls)
        if hints[f.name] in (int, float, str, bool)
    ]


def test_bad_target_files_are_one_line_errors(backend, tmp_path):
    key, preset = next(iter(backend.targets().items()))
    bad = tmp_path / "bad.json"

    def load(data: object) -> object:
        bad.write_text(json.dumps(data))
        return backend.load_target(str(bad))

    _one_line_error(lambda: load({"base": key, "no_such_field": 1}), "bad.json", "no_such_field")
    _one_line_error(lambda: load({"base": "no_such_preset"}), "no_such_preset")
    scalars = _scalar_fields(type(preset))
    assert scalars, f"{backend.name}: a target with no scalar parameter?"
    for name, _ in scalars:
        _one_line_error(lambda name=name: load({"base": key, name: [[1]]}), "bad.json", f"'{name}'")
    required = [
        f.name
        for f in dataclasses.fields(preset)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if required:
        _one_line_error(lambda: load({}), f"'{required[0]}'")
    bad.write_text("{not json")
    _one_line_error(lambda: backend.load_target(str(bad)), "not valid JSON")
    _one_line_error(lambda: backend.load_target(key, {"no_such_field": 1}), "no_such_field")
    _one_line_error(lambda: backend.load_target("no-such-target"), "no-such-target", key)


def test_supported_ops_md_is_current_and_covers_every_nn_op(backend, folder):
    text = (folder / "SUPPORTED_OPS.md").read_text(encoding="utf-8")
    assert text == render_supported_ops(backend), "out of date: python -m edgeai.backends --write"
    rows = backend.supported_ops()
    assert sorted(r.op for r in rows) == nn_op_names()
    for r in rows:
        assert r.conditions.strip(), r


def test_legality_gives_verdicts_with_reasons(backend, programs):
    table = {r.op: r.supported for r in backend.supported_ops()}
    refused = 0
    for name, module in programs.items():
        for op in nn_ops(module):
            v = backend.legality(op)
            assert isinstance(v, Verdict) and isinstance(v.supported, bool), (name, op.name, v)
            assert isinstance(v.reason, str) and "\n" not in v.reason
            if not v.supported:
                refused += 1
                assert v.reason.strip(), f"{backend.name}: {op.name} refused without a reason"
            else:
                assert table[op.name], f"{op.name} accepted but SUPPORTED_OPS.md says no"
    assert refused, f"{backend.name} accepts every op of {', '.join(programs)}"


def test_partition_places_every_op(backend, programs):
    allowed = {backend.name, backend.fallback, None}
    for module in programs.values():
        ops = [op for op in nn_ops(module) if op.name != "nn.constant"]
        placed = backend.partition(module)
        assert [p.op for p in placed] == [op.name for op in ops]
        for p, op in zip(placed, ops, strict=True):
            assert p.ir is op and p.backend in allowed and p.reason.strip()
            assert (p.backend == backend.name) == backend.legality(op).supported
            assert json.dumps(p.as_dict())


def test_phases_are_documented_pipelines_or_callables(backend):
    from xdsl.passes import PassPipeline

    from edgeai.support.context import available_passes

    phases = backend.phases()
    names = [p.name for p in phases]
    assert phases and len(set(names)) == len(names)
    assert names == [n for n in PHASES if n in names], f"{names}: not in the order of {PHASES}"
    options = backend.options(model="contract.onnx")
    for p in phases:
        assert isinstance(p, Phase) and p.doc.strip()
        text = p.pipeline_text(options)
        if text is not None:
            passes = PassPipeline.parse_spec(available_passes(), text, lambda *a: None).passes
            assert passes, f"{backend.name}: phase {p.name}: empty pipeline '{text}'"
        else:
            assert callable(p.run) and (p.run.__doc__ or "").strip(), p.name


def test_generate_writes_files_and_report(backend, programs, tmp_path):
    module = programs["digits_int8"]
    before = str(module)
    out = tmp_path / "deep" / "out"
    result = backend.generate(module, backend.options(model="digits_int8.mlir"), out)
    assert str(module) == before, "generate changed its input program"
    assert result.files and all(f.is_file() and f.parent == out for f in result.files)
    assert "report.json" in {f.name for f in result.files}
    assert json.loads((out / "report.json").read_text()) == json.loads(json.dumps(result.report))
    assert backend.summary(result).strip()


def test_generate_of_a_program_no_backend_runs_is_a_one_line_error(backend, programs, tmp_path):
    out = tmp_path / "out"
    _one_line_error(
        lambda: backend.generate(programs["odd"], backend.options(model="odd.mlir"), out),
        "the_sigmoid",
    )
    assert not out.exists()


def test_simulator_is_bit_exact_with_the_reference(backend, programs):
    from edgeai.tools.generate import io_specs, load_samples

    module = programs["digits_int8"]
    options = backend.options(model="digits_int8.mlir")
    if not backend.has_simulator:
        _one_line_error(lambda: backend.simulate(module, {}, options), "no simulator")
        return
    specs, out_names = io_specs(module)
    for sample in load_samples(None, specs, 2, seed=3):
        got = backend.simulate(module, sample, options)
        want = edgeai.run(module, sample)
        assert list(got) == out_names == list(want)
        for k in out_names:
            np.testing.assert_array_equal(np.asarray(got[k]).reshape(want[k].shape), want[k])


def test_cost_model_totals(backend, programs):
    module = programs["digits_int8"]
    options = backend.options(model="digits_int8.mlir")
    if not backend.has_cost_model:
        _one_line_error(lambda: backend.cost(module, options), "no cost model")
        return
    c = backend.cost(module, options)
    assert isinstance(c["cycles"], int) and c["cycles"] > 0
    assert all({"name", "cycles"} <= set(r) and isinstance(r["cycles"], int) for r in c["layers"])
    assert sum(r["cycles"] for r in c["layers"]) == c["cycles"]
    json.dumps(c)


def test_modules_have_docstrings(folder):
    contract = {"__init__.py", "target.py", "legality.py", "pipeline.py"}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{path.relative_to(folder.parent)}: no module docstring"
        if path.name not in contract or path.parent != folder:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                assert ast.get_docstring(node), f"{path.name}: {node.name} has no docstring"


# ---------------------------------------------------------------------------------------------
# the registry and the command line


def test_target_names_are_unique_and_found(template_dir):
    seen: dict[str, str] = {}
    for b in all_backends():  # folders without BACKEND fail test_backend_object
        for t in b.targets():
            assert t not in seen, f"target {t} of {b.name} is also a target of {seen[t]}"
            seen[t] = b.name
    assert seen == target_names() and TEMPLATE_NAME in seen
    assert backend_for_target("cortex-m4").name == "cortexm"
    assert backend_for_target(TEMPLATE_NAME).name == TEMPLATE_NAME
    _one_line_error(
        lambda: backend_for_target("cortex-m3"), "cortex-m3", "cortex-m4", TEMPLATE_NAME
    )
    _one_line_error(lambda: get_backend("nope"), "nope", "cortexm")


def test_discovery_skips_private_folders_and_flags_missing_backend(tmp_path, monkeypatch):
    import edgeai.backends as registry

    for name, text in (("_hidden", "BACKEND = 1\n"), ("halfdone", '"""Not yet."""\n')):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(text)
    monkeypatch.setenv("EDGEAI_BACKENDS_PATH", str(tmp_path))
    try:
        assert "halfdone" in backend_names() and "_hidden" not in backend_names()
        assert "halfdone" not in {b.name for b in registry.all_backends()}
        _one_line_error(lambda: get_backend("halfdone"), "halfdone", "BACKEND")
    finally:
        registry.__path__.remove(str(tmp_path))
        sys.modules.pop("edgeai.backends.halfdone", None)


def test_generate_cli_dispatches_by_target(template_dir, programs, tmp_path, capsys):
    from edgeai.tools.edgeai_main import main

    model = tmp_path / "digits_q.mlir"
    model.write_text(str(programs["digits_int8"]))
    out = tmp_path / "out"
    rc = main(["generate", "-m", str(model), "--target", TEMPLATE_NAME, "-o", str(out)])
    stdout, err = capsys.readouterr()
    assert rc == 0, err
    assert "digits_q" in stdout and f"wrote 3 files to {out}" in stdout
    assert json.loads((out / "report.json").read_text())["backend"] == TEMPLATE_NAME
    # the other backend's options are refused, naming the option
    for argv, flag in (
        (["--target", TEMPLATE_NAME, "--io-in-arena"], "--io-in-arena"),
        (
            ["--target", "cortex-m4", f"--{TEMPLATE_NAME}-fallback", "none"],
            f"--{TEMPLATE_NAME}-fallback",
        ),
    ):
        rc = main(["generate", "-m", str(model), "-o", str(tmp_path / "x"), *argv])
        err = capsys.readouterr().err
        assert rc == 1 and err.count("\n") == 1 and flag in err, err
    # a backend option reaches the backend; a target override file too
    rc = main(
        [
            "generate",
            "-m",
            str(model),
            "--target",
            TEMPLATE_NAME,
            f"--{TEMPLATE_NAME}-fallback",
            "none",
            "-o",
            str(tmp_path / "x"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 1 and "gap" in err and not (tmp_path / "x").exists()
    cfg = tmp_path / "fast.json"
    cfg.write_text(json.dumps({"macs_per_cycle": 1024}))
    rc = main(
        [
            "generate",
            "-m",
            str(model),
            "--target",
            TEMPLATE_NAME,
            "--target-config",
            str(cfg),
            "-o",
            str(out),
            "--json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert rc == 0 and report["target_parameters"]["macs_per_cycle"] == 1024
    cfg.write_text(json.dumps({"macs_per_cycle": "many"}))
    rc = main(
        ["generate", "-m", str(model), "--target", TEMPLATE_NAME, "--target-config", str(cfg)]
    )
    err = capsys.readouterr().err
    assert rc == 1 and "'macs_per_cycle'" in err and "fast.json" in err
    rc = main(["generate", "-m", str(model), "--target", "cortex-m4", "--target-config", str(cfg)])
    assert rc == 1 and "macs_per_cycle" in capsys.readouterr().err
    cfg.write_text(json.dumps({"clock_hz": 1}))  # valid, but the C path takes presets as they are
    rc = main(["generate", "-m", str(model), "--target", "cortex-m4", "--target-config", str(cfg)])
    err = capsys.readouterr().err
    assert rc == 1 and "changed: clock_hz" in err and err.count("\n") == 1
    with pytest.raises(SystemExit):
        main(["generate", "-m", str(model), "--target", "no-such-target"])
    assert TEMPLATE_NAME in capsys.readouterr().err


def test_every_supported_ops_md_is_current():
    """`python -m edgeai.backends --check`: every backend's table and the template's."""
    p = subprocess.run(
        [sys.executable, "-m", "edgeai.backends", "--check"], capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr
    listing = subprocess.run(
        [sys.executable, "-m", "edgeai.backends"], capture_output=True, text=True, check=True
    ).stdout
    assert "cortexm: targets cortex-m4, cortex-m7, cortex-m33, cortex-m55;" in listing


def test_load_target_nested_and_typed_fields(tmp_path):
    from edgeai.backends.cortexm.target import TARGETS

    m4 = TARGETS["cortex-m4"]
    t = load_target(TARGETS, "cortex-m4", {"flash": {"size": 1024}, "features": ["dsp"]})
    assert t.flash == dataclasses.replace(m4.flash, size=1024) and t.features == frozenset({"dsp"})
    assert t.ram == m4.ram and t.gcc_flags == m4.gcc_flags
    _one_line_error(
        lambda: load_target(TARGETS, "cortex-m4", {"flash": {"sise": 1}}), "'flash.sise'"
    )
    _one_line_error(
        lambda: load_target(TARGETS, "cortex-m4", {"flash": {"size": 1.5}}),
        "'flash.size'",
        "integer",
    )
    _one_line_error(lambda: load_target(TARGETS, "cortex-m4", {"clock_hz": True}), "'clock_hz'")
    _one_line_error(lambda: load_target(TARGETS, "cortex-m4", {"gcc_flags": [1]}), "'gcc_flags[0]'")
    assert load_target(TARGETS, "cortex-m4", {"boot": None}).boot is None
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"name": "x", "cpu": "cortex-m4"}))
    _one_line_error(lambda: load_target(TARGETS, str(f)), "t.json", "missing key 'gcc_flags'")
    _one_line_error(lambda: load_target(TARGETS, str(tmp_path / "none.json")), "no such file")


# ---------------------------------------------------------------------------------------------
# the Cortex-M backend's promises

Q = "!nn.q<i8, 0.5:-1>"
W8 = "!nn.q<i8, 0.25:0>"

#: one-op programs: (input type, output type, body defining %y)
SINGLE_OPS = {
    "softmax_last_axis": (
        "tensor<2x3xf32>",
        "tensor<2x3xf32>",
        'nn.softmax %x {layer = "case", axis = -1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>',
    ),
    "softmax_first_axis": (
        "tensor<2x3xf32>",
        "tensor<2x3xf32>",
        'nn.softmax %x {layer = "case", axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>',
    ),
    "avg_pool_counting_padding": (
        "tensor<1x8x8x4xf32>",
        "tensor<1x5x5x4xf32>",
        'nn.avg_pool2d %x {layer = "case", kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 2, 2>, count_include_pad = 1 : i64, counted_padding = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x4xf32>) -> tensor<1x5x5x4xf32>',
    ),
    "max_pool_dilated": (
        "tensor<1x4x4x2xf32>",
        "tensor<1x2x2x2xf32>",
        'nn.max_pool2d %x {layer = "case", kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32>',
    ),
    "max_pool_requantizing": (
        f"tensor<1x4x4x2x{Q}>",
        f"tensor<1x2x2x2x{W8}>",
        f'nn.max_pool2d %x {{layer = "case", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, rounding = "tflite"}} : (tensor<1x4x4x2x{Q}>) -> tensor<1x2x2x2x{W8}>',
    ),
    "pad_constant": (
        "tensor<1x2x2x3xf32>",
        "tensor<1x4x4x3xf32>",
        'nn.pad %x {layer = "case", pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, mode = "constant", value = 0.0 : f32} : (tensor<1x2x2x3xf32>) -> tensor<1x4x4x3xf32>',
    ),
    "pad_reflect": (
        "tensor<1x2x2x3xf32>",
        "tensor<1x4x4x3xf32>",
        'nn.pad %x {layer = "case", pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, mode = "reflect", value = 0.0 : f32} : (tensor<1x2x2x3xf32>) -> tensor<1x4x4x3xf32>',
    ),
    "dense_int8": (
        f"tensor<2x3x{Q}>",
        f"tensor<2x4x{Q}>",
        f'nn.dense %x, %c {{layer = "case", rounding = "tflite"}} : (tensor<2x3x{Q}>, tensor<4x3x{W8}>) -> tensor<2x4x{Q}>',
        f"tensor<4x3x{W8}>",
    ),
    "dense_asymmetric_weights": (
        f"tensor<2x3x{Q}>",
        f"tensor<2x4x{Q}>",
        f'nn.dense %x, %c {{layer = "case", rounding = "tflite"}} : (tensor<2x3x{Q}>, tensor<4x3x!nn.q<i8, 0.25:3>>) -> tensor<2x4x{Q}>',
        "tensor<4x3x!nn.q<i8, 0.25:3>>",
    ),
    "dense_onnx_rounding": (
        f"tensor<2x3x{Q}>",
        f"tensor<2x4x{Q}>",
        f'nn.dense %x, %c {{layer = "case", rounding = "onnx"}} : (tensor<2x3x{Q}>, tensor<4x3x{W8}>) -> tensor<2x4x{Q}>',
        f"tensor<4x3x{W8}>",
    ),
    "dense_int4_weights": (
        f"tensor<2x3x{Q}>",
        f"tensor<2x4x{Q}>",
        f'nn.dense %x, %c {{layer = "case", rounding = "tflite"}} : (tensor<2x3x{Q}>, tensor<4x3x!nn.q<i4, 0.25:0>>) -> tensor<2x4x{Q}>',
        "tensor<4x3x!nn.q<i4, 0.25:0>>",
    ),
    "add_int8_broadcast": (
        f"tensor<2x3x{Q}>",
        "tensor<2x3x!nn.q<i8, 1.0:0>>",
        f'nn.add %x, %c {{layer = "case", rounding = "tflite"}} : (tensor<2x3x{Q}>, tensor<3x{Q}>) -> tensor<2x3x!nn.q<i8, 1.0:0>>',
        f"tensor<3x{Q}>",
    ),
    "concat_mixed_quantization": (
        f"tensor<2x3x{Q}>",
        f"tensor<2x6x{Q}>",
        f'nn.concat %x, %c {{layer = "case", axis = 1 : i64}} : (tensor<2x3x{Q}>, tensor<2x3x{W8}>) -> tensor<2x6x{Q}>',
        f"tensor<2x3x{W8}>",
    ),
    "quantize_int8": (
        "tensor<4xf32>",
        "tensor<4x!nn.q<i8, 0.1:3>>",
        'nn.quantize %x {layer = "case", rounding = "tflite"} : (tensor<4xf32>) -> tensor<4x!nn.q<i8, 0.1:3>>',
    ),
    "quantize_uint8": (
        "tensor<4xf32>",
        "tensor<4x!nn.q<u8, 0.1:128>>",
        'nn.quantize %x {layer = "case", rounding = "tflite"} : (tensor<4xf32>) -> tensor<4x!nn.q<u8, 0.1:128>>',
    ),
    "dequantize_int16": (
        "tensor<4x!nn.q<i16, 0.001:0>>",
        "tensor<4xf32>",
        'nn.dequantize %x {layer = "case"} : (tensor<4x!nn.q<i16, 0.001:0>>) -> tensor<4xf32>',
    ),
    "transpose": (
        "tensor<2x3xf32>",
        "tensor<3x2xf32>",
        'nn.transpose %x {layer = "case", perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>',
    ),
    "sigmoid": (
        "tensor<2x3xf32>",
        "tensor<2x3xf32>",
        'nn.sigmoid %x {layer = "case"} : (tensor<2x3xf32>) -> tensor<2x3xf32>',
    ),
}


def _single_op(case: tuple) -> object:
    in_t, out_t, op = case[:3]
    const = f"  %c = nn.constant dense<1> : {case[3]}\n" if len(case) > 3 else ""
    return edgeai.parse_mlir(
        f"func.func @main(%x: {in_t}) -> {out_t} {{\n{const}  %y = {op}\n  func.return %y : {out_t}\n}}"
    )


def _conversion_problems(module) -> list[str] | None:
    from edgeai.support.context import run_pipeline

    try:
        run_pipeline(module.clone(), "convert-nn-to-kernel")
    except UnsupportedError as e:
        return [str(e)]
    return None


def test_cortexm_legality_is_convert_nn_to_kernels_verdict(programs, models_dir):
    """On one-op programs around every refusal of the conversion, the digits programs and the
    MLPerf Tiny int8 models: legality accepts every op exactly when the lowering succeeds, and
    the refused layers are the ones its error names."""
    from edgeai.analysis.layers import layer_name
    from edgeai.support.paths import MLPERF_QDQ
    from edgeai.tools.generate import lower_to_nn

    cortexm = get_backend("cortexm")
    modules = {k: _single_op(v) for k, v in SINGLE_OPS.items()} | dict(programs)
    for key, fname in MLPERF_QDQ.items():
        modules[key] = lower_to_nn(
            str(models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / fname), None
        )
    verdicts = {}
    for name, module in modules.items():
        refused = [(layer_name(op), cortexm.legality(op)) for op in nn_ops(module)]
        refused = [(layer, v) for layer, v in refused if not v.supported]
        problems = _conversion_problems(module)
        verdicts[name] = not refused
        assert (problems is None) == (not refused), (name, refused, problems)
        for layer, v in refused:
            # the lowering names the op and why; the layer when the op has no kernel at all
            message = v.reason.split(": ", 1)[1]
            if message == "no Cortex-M kernel":
                assert (
                    f"layer '{layer}': {v.reason.split(':')[0]} has no Cortex-M kernel"
                    in problems[0]
                )
            else:
                assert message in problems[0], (name, v.reason, problems)
    assert sum(verdicts.values()) >= 11 and sum(not v for v in verdicts.values()) >= 10, verdicts


def test_cortexm_phases_are_compile_models_passes():
    from edgeai.tools.generate import compile_model, lower_to_nn

    cortexm = get_backend("cortexm")
    compiled = compile_model(
        str(DIGITS_ONNX), "cortex-m7", objective="ram", io_in_arena=True, alignment=8
    )
    options = cortexm.options("cortex-m7", objective="ram", io_in_arena=True, alignment=8)
    state = cortexm.run_phases(lower_to_nn(str(DIGITS_ONNX), None), options, until="allocate")
    assert str(state.module) == str(compiled.kernel_module)
    _one_line_error(lambda: cortexm.options(unknown_option=1), "unknown_option", "alignment")
    _one_line_error(lambda: cortexm.run_phases(state.module, options, until="tile"), "tile")


# ---------------------------------------------------------------------------------------------
# tools/new_backend.py


def test_new_backend_copies_and_renames(template_dir):
    text = "".join(p.read_text() for p in template_dir.rglob("*") if p.is_file())
    assert "__NAME__" not in text and "__Name__" not in text
    assert "class TemplateCheckBackend(Backend)" in text
    assert (template_dir / "test" / f"test_{TEMPLATE_NAME}.py").is_file()
    assert new_backend.camel("my_npu2") == "MyNpu2"


@pytest.mark.parametrize(
    ("name", "message"),
    [("cortexm", "already exists"), ("Foo", "lowercase"), ("foo-bar", "lowercase"),
     ("_x", "lowercase"), ("class", "keyword"), ("1x", "lowercase")],
)  # fmt: skip
def test_new_backend_refuses_bad_names(name, message):
    before = sorted(p.name for p in (ROOT / "backends").iterdir())
    p = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "new_backend.py"), name],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and message in p.stderr and name in p.stderr, p.stderr
    assert sorted(p.name for p in (ROOT / "backends").iterdir()) == before
