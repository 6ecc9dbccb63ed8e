"""`edgeai`: the user-facing driver (stedgeai-style subcommands).

    edgeai run -m model.onnx|model.mlir [--inputs in.npz] [-o out.npz] [--input-shape n=1,3,8,8]
               [--level onnx|nn] [--seed N]

    edgeai analyze -m MODEL [--target DEVICE] [--ram-limit 64K] [--flash-limit 1M] [--json]
               [--html report.html] [--input-shape NAME=D0,D1,..] [-v]

    edgeai generate -m MODEL --target TARGET [--target-config FILE.json] [-O ram|time|balanced]
               [-o DIR] [--name NET] [--json] [-v] (+ the target's backend's options; Cortex-M:
               [--io-in-arena] [--alignment 16] [--ram-limit 64K] [--flash-limit 1M])
    edgeai validate -m MODEL --target ... --runner host|qemu|jit [--inputs in.npz] [--samples N]
               [--rtol 1e-4] [--json]

    edgeai quantize -m float.onnx --calib data.npz -o q.mlir [--method minmax|percentile|mse|kl]
               [--activation-bits 8|16] [--weight-bits N] [--config layers.json] [--io float|int]
               [--report report.json]

`run` executes the model with the reference interpreter (after lowering to `--level`, default
`nn`) on the given inputs, or on seeded random inputs, prints each output and optionally saves
them. `analyze` prints MACC, params, weights, the planned activations, a per-layer table, the
op-type and weight profiles and, with a device preset (`analysis/targets.py`) or limits, whether
the model fits (exit code 4 when it does not; `edgeai/analysis/analyze.py`, docs/analyze.md).
`generate` and `validate` are described in `edgeai/tools/generate.py`. Errors are one line on
stderr with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from edgeai.support.errors import EdgeAIError
from edgeai.tools.common import guarded, parse_input_shapes


def _load_inputs(path: str, names: list[str]) -> dict[str, np.ndarray]:
    if not os.path.exists(path):
        raise EdgeAIError(f"--inputs {path}: no such file")
    try:
        data = np.load(path, allow_pickle=False)
    except Exception as e:  # noqa: BLE001
        raise EdgeAIError(f"--inputs {path}: cannot read ({type(e).__name__}: {e})") from None
    if isinstance(data, np.ndarray):
        if len(names) != 1:
            raise EdgeAIError(
                f"--inputs {path}: a .npy holds one array but the model has {len(names)} inputs"
            )
        return {names[0]: data}
    arrays = {k: data[k] for k in data.files}
    if len(arrays) == 1 and len(names) == 1 and names[0] not in arrays:
        return {names[0]: next(iter(arrays.values()))}
    return arrays


def _summary(name: str, arr: np.ndarray) -> str:
    flat = arr.ravel()
    head = np.array2string(flat[:8], precision=5, separator=", ", max_line_width=200)
    more = " ..." if flat.size > 8 else ""
    extra = ""
    if (
        arr.ndim >= 1
        and arr.shape[-1] > 1
        and arr.size == arr.shape[-1] * (arr.size // arr.shape[-1])
    ):
        extra = (
            f"  argmax(last axis)={np.argmax(arr.reshape(-1, arr.shape[-1]), axis=-1).tolist()[:8]}"
        )
    return f"  {name}: {arr.dtype}{list(arr.shape)} {head}{more}{extra}"


def cmd_run(args: argparse.Namespace) -> int:
    import edgeai
    from edgeai.reference.interpreter import find_main, io_names

    t0 = time.perf_counter()
    module = edgeai.import_model(args.model, parse_input_shapes(args.input_shape) or None)
    if args.level != "onnx":
        edgeai.lower(module, to=args.level)
    elif edgeai.level_of(module) != "onnx":
        raise EdgeAIError(
            f"--level onnx: {args.model} is already at level '{edgeai.level_of(module)}'"
        )
    names, _ = io_names(find_main(module))
    inputs = _load_inputs(args.inputs, names) if args.inputs else None
    outputs = edgeai.run(module, inputs, seed=args.seed)
    dt = time.perf_counter() - t0
    src = args.inputs or f"random inputs (seed {args.seed})"
    print(
        f"{os.path.basename(args.model)} at level '{args.level}' on {src}: {len(outputs)} output(s) in {dt:.2f} s"
    )
    for k, v in outputs.items():
        print(_summary(k, v))
    if args.output:
        out_dir = os.path.dirname(os.path.abspath(args.output))
        if not os.path.isdir(out_dir):
            raise EdgeAIError(f"-o {args.output}: directory {out_dir} does not exist")
        tmp = args.output + ".tmp.npz"
        np.savez(tmp, **outputs)
        os.replace(tmp, args.output)
        print(f"wrote {args.output}")
    return 0


def cmd_quantize(args: argparse.Namespace) -> int:
    import json

    import edgeai
    from edgeai.quantization.calibrate import load_calibration
    from edgeai.quantization.config import QuantConfig
    from edgeai.quantization.ptq import quantize
    from edgeai.quantization.report import format_table
    from edgeai.tools.translate import write_atomic

    if not args.output.endswith(".mlir"):
        raise EdgeAIError(f"-o {args.output}: the quantized program is written as .mlir")
    out_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(out_dir):
        raise EdgeAIError(f"-o {args.output}: directory {out_dir} does not exist")
    base = QuantConfig.load(args.config) if args.config else QuantConfig()
    overrides = {
        k: v
        for k, v in (
            ("method", args.method),
            ("percentile", args.percentile),
            ("activation_bits", args.activation_bits),
            ("weight_bits", args.weight_bits),
            ("io", args.io),
        )
        if v is not None
    }
    config = QuantConfig(**{**base.__dict__, **overrides})
    calib = load_calibration(args.calib)
    t0 = time.perf_counter()
    module = edgeai.import_model(args.model, parse_input_shapes(args.input_shape) or None)
    quantized, report = quantize(module, calib, config, progress=sys.stderr.isatty())
    dt = time.perf_counter() - t0
    text = str(quantized) + "\n"
    write_atomic(args.output, text)
    print(
        f"quantized {os.path.basename(args.model)} ({config.method}, int{config.activation_bits} activations, "
        f"int{config.weight_bits} weights, {report.calibration_samples} calibration samples) in {dt:.1f} s"
    )
    print(format_table(report.layers))
    if report.float_ops_left:
        print(f"left in float: {', '.join(report.float_ops_left)}")
    if args.report:
        write_atomic(args.report, json.dumps(report.as_dict(), indent=2) + "\n")
        print(f"wrote {args.report}")
    print(f"wrote {args.output}")
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    import json

    from edgeai.analysis.analyze import EXIT_NO_FIT, analyze_model, format_text
    from edgeai.tools.generate import Progress

    if args.html:
        out_dir = os.path.dirname(os.path.abspath(args.html))
        if not os.path.isdir(out_dir):
            raise EdgeAIError(f"--html {args.html}: directory {out_dir} does not exist")
    progress = Progress(args.verbose or (sys.stderr.isatty() and not args.json))
    report = analyze_model(
        args.model,
        target=args.target,
        ram_limit=args.ram_limit,
        flash_limit=args.flash_limit,
        input_shapes=parse_input_shapes(args.input_shape) or None,
        progress=progress,
    )
    if args.html:
        _write_html(args.html, report)
    print(json.dumps(report, indent=2) if args.json else format_text(report))
    if args.html and not args.json:
        print(f"wrote {args.html}")
    fit = report["fit"]
    if fit is not None and not fit["fits"]:
        if args.json:
            print(f"edgeai analyze: {fit['verdict']}", file=sys.stderr)
        return EXIT_NO_FIT
    return 0


def _write_html(path: str, report: dict) -> None:
    """The self-contained HTML report (`analysis/html_report.py`), written atomically."""
    from edgeai.tools.translate import write_atomic

    try:
        from edgeai.analysis.html_report import render_html
    except ImportError:
        raise EdgeAIError(
            f"--html {path}: the HTML report is not available in this installation "
            "(edgeai.analysis.html_report is missing)"
        ) from None
    write_atomic(path, render_html(report))


def _compile_args(args: argparse.Namespace, progress):
    from edgeai.tools.generate import compile_model

    return compile_model(
        args.model,
        args.target,
        objective=args.objective,
        name=args.name,
        io_in_arena=args.io_in_arena,
        alignment=args.alignment,
        input_shapes=parse_input_shapes(args.input_shape) or None,
        progress=progress,
    )


def _progress(args: argparse.Namespace):
    from edgeai.tools.generate import Progress

    return Progress(args.verbose or (sys.stderr.isatty() and not args.json))


def cmd_generate(args: argparse.Namespace) -> int:
    """`generate`: the backend owning `--target` compiles the model (backends/base.py)."""
    import json

    from edgeai.backends import backend_for_target
    from edgeai.backends.base import GenerateOptions
    from edgeai.tools.generate import lower_to_nn

    backend = backend_for_target(args.target)
    extra = {}
    for dest, (owner, flag, default) in args.backend_options.items():
        if owner == backend.name:
            extra[dest] = getattr(args, dest, default)
        elif hasattr(args, dest):
            raise EdgeAIError(
                f"{flag}: an option of the {owner} backend, not of {backend.name} "
                f"(--target {args.target})"
            )
    input_shapes = parse_input_shapes(args.input_shape) or None
    progress = _progress(args)
    options = GenerateOptions(
        target=backend.load_target(args.target, args.target_config),
        model=args.model,
        objective=args.objective,
        name=args.name,
        extra=extra,
        progress=progress,
    )
    backend.check_options(options)
    progress.step(f"importing {os.path.basename(args.model)} and lowering it to nn")
    result = backend.generate(lower_to_nn(args.model, input_shapes), options, args.output)
    files = result.files
    if args.json:
        print(json.dumps(result.report, indent=2))
    else:
        print(backend.summary(result))
        print(f"wrote {len(files)} files to {args.output}: {', '.join(p.name for p in files)}")
    return 0


def _generate_options(p: argparse.ArgumentParser) -> None:
    """`generate`'s options: the common ones, then each backend's own group (their defaults
    are applied by `cmd_generate` for the target's backend; given with another backend's
    target they are an error)."""
    from edgeai.backends import all_backends

    backends = all_backends()
    p.add_argument(
        "-m",
        "--model",
        required=True,
        help="model file (.onnx, .tflite, or .mlir at onnx/tfl/nn level)",
    )
    p.add_argument(
        "--target",
        required=True,
        choices=[t for b in backends for t in b.targets()],
        metavar="TARGET",
        help="target preset: "
        + "; ".join(f"{', '.join(b.targets())} ({b.name})" for b in backends),
    )
    p.add_argument(
        "--target-config",
        metavar="FILE.json",
        help="override the preset's parameters: a JSON object of field: value",
    )
    _objective_and_name(p)
    p.add_argument(
        "-o", "--output", default="edgeai_output", help="output folder (default edgeai_output)"
    )
    _shape_json_verbose(p)
    owners: dict[str, tuple[str, str, object]] = {}
    for b in backends:
        group = p.add_argument_group(f"{b.name} options (targets {', '.join(b.targets())})")
        first = len(group._group_actions)
        b.add_cli_options(group)
        for action in group._group_actions[first:]:
            owners[action.dest] = (b.name, action.option_strings[0], action.default)
            action.default = argparse.SUPPRESS
    p.set_defaults(backend_options=owners)


def cmd_validate(args: argparse.Namespace) -> int:
    import json

    from edgeai.tools.generate import (
        EXIT_MISMATCH,
        format_validation,
        io_specs,
        load_samples,
        validate,
    )

    if args.samples < 1:
        raise EdgeAIError(f"--samples {args.samples}: at least 1 expected")
    if not args.rtol >= 0:
        raise EdgeAIError(f"--rtol {args.rtol}: a non-negative tolerance expected")
    progress = _progress(args)
    compiled = _compile_args(args, progress)
    specs, _ = io_specs(compiled.nn_module)
    samples = load_samples(args.inputs, specs, args.samples, args.seed)
    result = validate(compiled, args.runner, samples, args.rtol, progress)
    print(json.dumps(result, indent=2) if args.json else format_validation(result))
    return 0 if result["passed"] else EXIT_MISMATCH


def _objective_and_name(p: argparse.ArgumentParser) -> None:
    """-O and --name, shared by generate and validate."""
    from edgeai.tools.generate import OBJECTIVES

    p.add_argument(
        "-O",
        dest="objective",
        default="balanced",
        choices=OBJECTIVES,
        help="memory/speed trade-off of the plan and kernels (default balanced)",
    )
    p.add_argument("--name", help="network name, a C identifier (default: the model file's stem)")


def _shape_json_verbose(p: argparse.ArgumentParser) -> None:
    """--input-shape, --json and -v, shared by generate and validate."""
    p.add_argument(
        "--input-shape",
        action="append",
        metavar="NAME=D0,D1,...",
        help="fix a symbolic input shape",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("-v", "--verbose", action="store_true", help="show progress on stderr")


def _cortexm_options(p: argparse.ArgumentParser) -> None:
    from edgeai.tools.generate import TARGETS

    p.add_argument(
        "-m", "--model", required=True, help="model file (.onnx, or .mlir at onnx/nn level)"
    )
    p.add_argument("--target", required=True, choices=TARGETS, help="Cortex-M core")
    _objective_and_name(p)
    p.add_argument(
        "--io-in-arena",
        action="store_true",
        help="plan the input and output buffers inside the arena (default: application-owned)",
    )
    p.add_argument("--alignment", type=int, default=16, help="arena buffer alignment (default 16)")
    _shape_json_verbose(p)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="edgeai", description="edgeai: a multi-level compiler for tiny ML"
    )
    p.add_argument("--version", action="version", version="edgeai 0.1.0")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    r = sub.add_parser("run", help="run a model with the reference interpreter")
    r.add_argument("-m", "--model", required=True, help="model file (.onnx or .mlir)")
    r.add_argument(
        "--inputs", help="inputs as .npz (one array per model input, named as the input) or .npy"
    )
    r.add_argument("-o", "--output", help="write the outputs to this .npz file")
    r.add_argument(
        "--input-shape",
        action="append",
        metavar="NAME=D0,D1,...",
        help="fix a symbolic input shape",
    )
    r.add_argument(
        "--level", default="nn", choices=["onnx", "nn"], help="IR level to run at (default: nn)"
    )
    r.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default: 0)")
    r.set_defaults(func=cmd_run)
    a = sub.add_parser(
        "analyze", help="MACC, memory, op-type profile and fit check of a model, per layer"
    )
    a.add_argument("-m", "--model", required=True, help="model file (.onnx, .tflite or .mlir)")
    a.add_argument(
        "--target",
        metavar="DEVICE",
        help="device preset to check the fit against (e.g. stm32f401re, ispu, imc; see "
        "docs/analyze.md)",
    )
    a.add_argument("--ram-limit", metavar="SIZE", help="RAM budget (activations + I/O), e.g. 64K")
    a.add_argument("--flash-limit", metavar="SIZE", help="budget for the weights, e.g. 1M")
    a.add_argument("--json", action="store_true", help="print the report as JSON")
    a.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")
    a.add_argument(
        "--input-shape",
        action="append",
        metavar="NAME=D0,D1,...",
        help="fix a symbolic input shape",
    )
    a.add_argument("-v", "--verbose", action="store_true", help="show progress on stderr")
    a.set_defaults(func=cmd_analyze)
    g = sub.add_parser(
        "generate", help="target artifacts (C, schedules, ...) with a memory/compute report"
    )
    _generate_options(g)
    g.set_defaults(func=cmd_generate)
    v = sub.add_parser("validate", help="run the generated C and compare with the reference")
    _cortexm_options(v)
    v.add_argument("--runner", required=True, choices=["host", "qemu", "jit"], help="where to run")
    v.add_argument(
        "--inputs", help=".npz (one array per input; a leading axis for N samples) or .npy"
    )
    v.add_argument(
        "--samples", type=int, default=4, help="random samples without --inputs (default 4)"
    )
    v.add_argument("--seed", type=int, default=0, help="seed of the random samples (default 0)")
    v.add_argument(
        "--rtol",
        type=float,
        default=1e-4,
        help="float tolerance relative to max|ref| (default 1e-4)",
    )
    v.set_defaults(func=cmd_validate)
    q = sub.add_parser("quantize", help="post-training quantization with calibration data")
    q.add_argument("-m", "--model", required=True, help="float model (.onnx or .mlir)")
    q.add_argument("--calib", required=True, help=".npz: one array per input, leading sample axis")
    q.add_argument("-o", "--output", required=True, help="quantized program (.mlir)")
    q.add_argument(
        "--method",
        choices=["minmax", "percentile", "mse", "kl"],
        help="activation range method (default minmax)",
    )
    q.add_argument(
        "--percentile", type=float, help="percentile for --method percentile (default 99.99)"
    )
    q.add_argument(
        "--activation-bits", type=int, choices=[8, 16], help="activation width (default 8)"
    )
    q.add_argument(
        "--weight-bits",
        type=int,
        choices=range(2, 9),
        metavar="2..8",
        help="weight width (default 8)",
    )
    q.add_argument(
        "--config", help="JSON with global settings and per-layer overrides (mixed precision)"
    )
    q.add_argument("--io", choices=["float", "int"], help="float I/O (default) or quantized I/O")
    q.add_argument("--report", help="write the per-layer error report as JSON")
    q.add_argument(
        "--input-shape",
        action="append",
        metavar="NAME=D0,D1,...",
        help="fix a symbolic input shape",
    )
    q.set_defaults(func=cmd_quantize)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return guarded(lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
