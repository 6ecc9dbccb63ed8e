"""ONNX backend node-test conformance for edgeai's supported op set.

Runs the node tests that ship inside the installed `onnx` package
(`onnx.backend.test.loader.load_model_tests(kind="node")`) whose graphs use only the supported
operators, through every execution path, and compares with the expected outputs:

* `onnx`: import (`import_onnx`) + the reference interpreter at level 0;
* `nn`: import + `convert-onnx-to-nn` + the reference interpreter at level 1;
* `nn-opt`: as `nn` followed by `nn-optimize` (only when `transforms/nn_optimize.py` exists).

Harness policy. edgeai needs static shapes and constant parameters, while ONNX node tests pass
parameter-like operands (Reshape's shape, Slice's starts ..., quantization scales) as graph
inputs. `STATIC_INPUTS` lists, per op type, exactly the input positions the harness turns into
initializers (with the test's own values) before import; everything else stays a graph input
(Conv weights, BatchNorm statistics, PRelu slopes, Gemm's C ...).

Outcome per case: `pass`; `unsupported` when import or conversion raises `UnsupportedError`
(the model uses a type or attribute deliberately out of scope, reported in one line); `fail` for
any other exception or an output outside the tolerance (floats: the case's rtol/atol, like
ONNX's backend runner; integers: exact; dtypes and shapes must match).

Usage: `python benchmarks/onnx_conformance.py [-k SUBSTRING] [-v]` prints a per-op table, the
failures, `N unsupported` and `N passed, N failed`, and writes
`benchmarks/results/onnx_conformance.json`. The test suite imports this module
(`tests/test_onnx_conformance.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

#: the operators edgeai supports (the issue's list); a case qualifies if all its nodes are here
SUPPORTED_OPS: tuple[str, ...] = (
    "Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu",
    "PRelu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Softmax", "LogSoftmax",
    "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization", "Concat",
    "Reshape", "Flatten", "Transpose", "Pad", "Slice", "Split", "Squeeze", "Unsqueeze",
    "ReduceMean", "ReduceMax", "ReduceSum", "Identity", "Dropout", "Constant", "Resize", "Gather",
    "QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul", "ConvInteger",
    "MatMulInteger",
)  # fmt: skip

#: op type -> input positions that are parameters (made initializers by the harness)
STATIC_INPUTS: dict[str, tuple[int, ...]] = {
    "Reshape": (1,),  # shape
    "Slice": (1, 2, 3, 4),  # starts, ends, axes, steps
    "Pad": (1, 2, 3),  # pads, constant_value, axes
    "Split": (1,),  # split
    "Squeeze": (1,),  # axes
    "Unsqueeze": (1,),  # axes
    "ReduceMean": (1,),  # axes
    "ReduceMax": (1,),  # axes
    "ReduceSum": (1,),  # axes
    "Resize": (1, 2, 3),  # roi, scales, sizes
    "Clip": (1, 2),  # min, max
    "QuantizeLinear": (1, 2),  # y_scale, y_zero_point
    "DequantizeLinear": (1, 2),  # x_scale, x_zero_point
    "QLinearConv": (1, 2, 4, 5, 6, 7),  # x/w/y scales and zero points
    "QLinearMatMul": (1, 2, 4, 5, 6, 7),  # a/b/y scales and zero points
    "ConvInteger": (2, 3),  # x_zero_point, w_zero_point
    "MatMulInteger": (2, 3),  # a_zero_point, b_zero_point
    "Dropout": (1, 2),  # ratio, training_mode
    "Gather": (1,),  # indices
}

PATHS: tuple[str, ...] = ("onnx", "nn", "nn-opt")
DEFAULT_RTOL, DEFAULT_ATOL = 1e-3, 1e-7

_HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS_JSON = os.path.join(_HERE, "results", "onnx_conformance.json")


# ---------------------------------------------------------------------------------------------
# selecting and preparing cases


def load_cases() -> list[Any]:
    """The installed onnx package's node tests whose nodes are all supported op types."""
    from onnx.backend.test.loader import load_model_tests

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = load_model_tests(kind="node")
    ops = set(SUPPORTED_OPS)
    return [
        c
        for c in cases
        if c.model is not None
        and c.data_sets
        and all(n.op_type in ops and n.domain in ("", "ai.onnx") for n in c.model.graph.node)
    ]


def case_op(case: Any) -> str:
    """The op a case tests: its first non-Constant node type (Constant for pure constant tests)."""
    types = [n.op_type for n in case.model.graph.node if n.op_type != "Constant"]
    return types[0] if types else "Constant"


def static_input_names(model: onnx.ModelProto) -> set[str]:
    """Graph inputs that feed a parameter position of some node (see `STATIC_INPUTS`)."""
    graph_inputs = {vi.name for vi in model.graph.input}
    names = set()
    for node in model.graph.node:
        for pos in STATIC_INPUTS.get(node.op_type, ()):
            if pos < len(node.input) and node.input[pos] in graph_inputs:
                names.add(node.input[pos])
    return names


def as_array(value: Any) -> np.ndarray:
    """A data set value as a NumPy array (some node tests store TensorProtos)."""
    if isinstance(value, onnx.TensorProto):
        return numpy_helper.to_array(value)
    return np.asarray(value)


def freeze_parameters(
    model: onnx.ModelProto, inputs: Sequence[np.ndarray]
) -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """Copy of `model` with its parameter-like graph inputs made initializers.

    `inputs` are the data set's values in graph-input order; returns the new model and the
    remaining (data) inputs by name.
    """
    frozen = onnx.ModelProto()
    frozen.CopyFrom(model)
    static = static_input_names(model)
    data: dict[str, np.ndarray] = {}
    keep = []
    for vi, value in zip(model.graph.input, inputs, strict=False):
        if vi.name in static:
            if isinstance(value, onnx.TensorProto):
                tensor = onnx.TensorProto()
                tensor.CopyFrom(value)
                tensor.name = vi.name
            else:
                tensor = numpy_helper.from_array(np.asarray(value), vi.name)
            frozen.graph.initializer.append(tensor)
        else:
            keep.append(vi)
            data[vi.name] = as_array(value)
    del frozen.graph.input[:]
    frozen.graph.input.extend(keep)
    return frozen, data


# ---------------------------------------------------------------------------------------------
# running one case


@dataclass
class PathResult:
    """Outcome of one execution path: 'pass', 'fail' or 'unsupported', with a one-line detail."""

    outcome: str
    detail: str = ""


@dataclass
class CaseResult:
    """Outcome of one node test over all paths."""

    name: str
    op: str
    outcome: str
    paths: dict[str, PathResult] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def detail(self) -> str:
        """The first non-pass path's detail."""
        for p, r in self.paths.items():
            if r.outcome != "pass":
                return f"[{p}] {r.detail}"
        return ""


def nn_optimize_available() -> bool:
    """True once the graph optimizer pipeline `nn-optimize` exists."""
    import importlib.util

    return importlib.util.find_spec("edgeai.transforms.nn_optimize") is not None


def compare(expected: np.ndarray, got: np.ndarray, rtol: float, atol: float) -> str | None:
    """None when `got` matches `expected` (shape, dtype, values), else a one-line reason."""
    if got.shape != expected.shape:
        return f"shape {got.shape}, expected {expected.shape}"
    if got.dtype != expected.dtype:
        return f"dtype {got.dtype}, expected {expected.dtype}"
    if expected.dtype.kind == "f":
        ok = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
        if not ok.all():
            diff = np.abs(got.astype(np.float64) - expected.astype(np.float64))
            diff = np.where(ok, 0, diff)
            return (
                f"{int((~ok).sum())}/{ok.size} values differ, max abs error {np.nanmax(diff):.3g}"
            )
        return None
    if not np.array_equal(got, expected):
        bad = int((got != expected).sum())
        return f"{bad}/{expected.size} integer values differ"
    return None


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0] if text else ''}"


def run_path(
    path: str,
    model: onnx.ModelProto,
    data: dict[str, np.ndarray],
    expected: Sequence[np.ndarray],
    rtol: float,
    atol: float,
) -> PathResult:
    """Import `model`, lower it as `path` says, run it on `data` and compare with `expected`."""
    from edgeai.frontends.onnx import import_onnx
    from edgeai.reference.interpreter import run
    from edgeai.support.context import run_pipeline
    from edgeai.support.errors import UnsupportedError

    try:
        module = import_onnx(model)
        if path == "nn":
            run_pipeline(module, "convert-onnx-to-nn")
        elif path == "nn-opt":
            run_pipeline(module, "convert-onnx-to-nn,nn-optimize")
    except UnsupportedError as e:
        return PathResult("unsupported", str(e))
    except Exception as e:  # noqa: BLE001 - any other error is a failure to report
        return PathResult("fail", f"compile: {_one_line(e)}")
    try:
        with np.errstate(all="ignore"):
            outs = run(module, data)
    except Exception as e:  # noqa: BLE001
        return PathResult("fail", f"run: {_one_line(e)}")
    names = [vi.name for vi in model.graph.output]
    for name, exp in zip(names, expected, strict=True):
        got = outs.get(name)
        if got is None:
            return PathResult("fail", f"output '{name}' missing")
        why = compare(as_array(exp), np.asarray(got), rtol, atol)
        if why is not None:
            return PathResult("fail", f"output '{name}': {why}")
    return PathResult("pass")


def run_case(case: Any, paths: Sequence[str] | None = None) -> CaseResult:
    """Run one node test through `paths` (default: all available) on every data set."""
    if paths is None:
        paths = [p for p in PATHS if p != "nn-opt" or nn_optimize_available()]
    rtol = case.rtol if case.rtol is not None else DEFAULT_RTOL
    atol = case.atol if case.atol is not None else DEFAULT_ATOL
    t0 = time.perf_counter()
    results: dict[str, PathResult] = {}
    for inputs, expected in case.data_sets:
        model, data = freeze_parameters(case.model, inputs)
        for p in paths:
            if p in results and results[p].outcome != "pass":
                continue
            results[p] = run_path(p, model, data, expected, rtol, atol)
    outcomes = {r.outcome for r in results.values()}
    outcome = (
        "fail" if "fail" in outcomes else "unsupported" if "unsupported" in outcomes else "pass"
    )
    return CaseResult(case.name, case_op(case), outcome, results, time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------
# report


def summarize(results: Sequence[CaseResult]) -> dict[str, dict[str, int]]:
    """op -> {cases, passed, failed, unsupported}."""
    table: dict[str, dict[str, int]] = {}
    for r in results:
        row = table.setdefault(r.op, {"cases": 0, "passed": 0, "failed": 0, "unsupported": 0})
        row["cases"] += 1
        row[{"pass": "passed", "fail": "failed", "unsupported": "unsupported"}[r.outcome]] += 1
    return dict(sorted(table.items()))


def format_report(results: Sequence[CaseResult], verbose: bool = False) -> str:
    """The per-op table, failures (and with `verbose`, unsupported reasons), and the totals."""
    table = summarize(results)
    lines = [f"{'op':<20} {'cases':>5} {'passed':>6} {'failed':>6} {'unsupported':>11}"]
    for op, row in table.items():
        lines.append(
            f"{op:<20} {row['cases']:>5} {row['passed']:>6} {row['failed']:>6} {row['unsupported']:>11}"
        )
    failed = [r for r in results if r.outcome == "fail"]
    if failed:
        lines.append("")
        lines.append("failures:")
        lines += [f"  {r.name}: {r.detail}" for r in failed]
    if verbose:
        unsup = [r for r in results if r.outcome == "unsupported"]
        if unsup:
            lines.append("")
            lines.append("unsupported:")
            lines += [f"  {r.name}: {r.detail}" for r in unsup]
    n_pass = sum(r.outcome == "pass" for r in results)
    n_unsup = sum(r.outcome == "unsupported" for r in results)
    lines.append("")
    lines.append(f"{n_unsup} unsupported")
    lines.append(f"{n_pass} passed, {len(failed)} failed")
    return "\n".join(lines)


def write_json(results: Sequence[CaseResult], path: str, seconds: float) -> None:
    """Machine-readable results: totals, the per-op table and every case's outcome."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    doc = {
        "onnx_version": onnx.__version__,
        "paths": sorted({p for r in results for p in r.paths}, key=PATHS.index),
        "seconds": round(seconds, 2),
        "totals": {
            "cases": len(results),
            "passed": sum(r.outcome == "pass" for r in results),
            "failed": sum(r.outcome == "fail" for r in results),
            "unsupported": sum(r.outcome == "unsupported" for r in results),
        },
        "ops": summarize(results),
        "cases": [
            {
                "name": r.name,
                "op": r.op,
                "outcome": r.outcome,
                "detail": r.detail,
                "paths": {p: pr.outcome for p, pr in r.paths.items()},
            }
            for r in results
        ],
    }
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; exit status 1 when a case fails."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", dest="pattern", default=None, help="only cases whose name contains this")
    ap.add_argument("-v", "--verbose", action="store_true", help="also list unsupported cases")
    ap.add_argument("-o", "--output", default=RESULTS_JSON, help="JSON results file")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    cases = load_cases()
    if args.pattern:
        cases = [c for c in cases if args.pattern in c.name]
    results = [run_case(c) for c in cases]
    seconds = time.perf_counter() - t0
    print(format_report(results, args.verbose))
    if not args.pattern:
        write_json(results, args.output, seconds)
    return 1 if any(r.outcome == "fail" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
