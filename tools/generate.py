"""`edgeai generate` and `edgeai validate`: a model -> C for a Cortex-M core, and proof it matches.

    edgeai generate -m MODEL --target cortex-m4 [-O ram|time|balanced] [-o DIR] [--name NET]
                    [--io-in-arena] [--alignment 16] [--ram-limit 64K] [--flash-limit 1M]
                    [--input-shape NAME=D0,D1,..] [--json] [-v]
    edgeai validate -m MODEL --target cortex-m4 --runner host|qemu|jit [--inputs in.npz]
                    [--samples N] [--seed S] [--rtol 1e-4] [--json] [-v] (+ generate's options)

Both lower the model to `nn` (ONNX: layout conversion and graph optimizer, quantize/dequantize
pairs folded into integer ops with TFLite's rounding: the kernels are TFLite Micro's integer
semantics), then to `kernel` ops (`convert-nn-to-kernel`), and plan the arena
(`mem-plan-arena`). `generate` emits the C into a temporary folder beside DIR and moves it into
DIR only when everything succeeded (no partial output), with `report.json`. `validate` runs the
same program with a runner and compares with the `nn` reference interpreter:

* `host`: the C compiled with the host's gcc, all samples in one process: the core's kernels,
  DSP helpers in their portable C form (Helium kernels need the core: an M55 network runs its
  DSP kernels on the host);
* `qemu`: the C built for the core with arm-none-eabi-gcc and run on its board under
  `qemu-system-arm` (the core's own kernels); executed instructions per inference reported;
* `jit`: the loop-level program (`convert-kernel-to-loops`) compiled by the llvmlite JIT.

Integer outputs must be bit-exact; float outputs within `--rtol` of the reference's largest
magnitude. Exit codes: 0 passed, 3 the comparison failed, 1 any error (one line on stderr).
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import IntegerAttr, ModuleOp

from edgeai.support.errors import EdgeAIError

TARGETS = ("cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55")
OBJECTIVES = ("ram", "time", "balanced")
RUNNERS = ("host", "qemu", "jit")
NN_PIPELINE = 'convert-onnx-to-nn,nn-optimize,nn-fold-qdq{rounding="tflite"},nn-optimize'
DEFAULT_OUTPUT = "edgeai_output"
#: exit code of `validate` when the outputs do not match
EXIT_MISMATCH = 3


def parse_size(text: str, what: str) -> int:
    """`64K`, `1M`, `65536`, `512KiB`, `1.5M` -> bytes (K = 1024)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)(i?[bB])?\s*", text or "")
    if not m:
        raise EdgeAIError(f"{what} '{text}': expected a size like 64K, 1M or 65536")
    mult = {"": 1, "k": 1024, "m": 1024 * 1024}[m.group(2).lower()]
    return int(float(m.group(1)) * mult)


def c_identifier(stem: str) -> str:
    """A C identifier from a file stem (`kws-ref.model` -> `kws_ref_model`)."""
    s = re.sub(r"\W", "_", stem)
    return ("net_" + s) if not s or s[0].isdigit() else s


class Progress:
    """Step messages on stderr with elapsed times (when enabled)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.t0 = time.perf_counter()

    def step(self, text: str) -> None:
        if self.enabled:
            print(f"[{time.perf_counter() - self.t0:6.2f}s] {text}", file=sys.stderr, flush=True)


@dataclass
class Compiled:
    """A model compiled for a Cortex-M core: its `nn` program, its planned kernel program and
    the report figures."""

    name: str
    target: str
    nn_module: ModuleOp
    kernel_module: ModuleOp
    report: dict = field(default_factory=dict)


def lower_to_nn(model: str, input_shapes: dict | None) -> ModuleOp:
    """Import `model` (.onnx, .tflite, or .mlir at the onnx, tfl or nn level) and lower it to
    `nn`."""
    import edgeai
    from edgeai.support.context import run_pipeline

    module = edgeai.import_model(model, input_shapes)
    level = edgeai.level_of(module)
    if level == "onnx":
        run_pipeline(module, NN_PIPELINE)
    elif level == "tfl":
        run_pipeline(module, edgeai.TFL_TO_NN)
    elif level != "nn":
        raise EdgeAIError(
            f"{model}: a program at level '{level}' cannot be compiled "
            "(give an .onnx model or an .mlir program at the onnx or nn level)"
        )
    return module


def _func_int(f, key: str) -> int | None:
    a = f.attributes.get(key)
    return a.value.data if isinstance(a, IntegerAttr) else None


def check_options(
    model: str,
    target: str,
    objective: str = "balanced",
    alignment: int = 16,
    name: str | None = None,
) -> str:
    """Reject bad compile options before the model is read; the network name."""
    if target not in TARGETS:
        raise EdgeAIError(f"--target {target}: unknown core (choose from {', '.join(TARGETS)})")
    if objective not in OBJECTIVES:
        raise EdgeAIError(
            f"-O {objective}: unknown objective (choose from {', '.join(OBJECTIVES)})"
        )
    if alignment < 4 or alignment & (alignment - 1):
        raise EdgeAIError(f"--alignment {alignment}: a power of two >= 4 expected")
    net = name or c_identifier(Path(model).stem)
    if c_identifier(net) != net:
        raise EdgeAIError(f"--name {net}: not a C identifier (try '{c_identifier(net)}')")
    return net


def compile_model(
    model: str,
    target: str,
    objective: str = "balanced",
    name: str | None = None,
    io_in_arena: bool = False,
    alignment: int = 16,
    input_shapes: dict | None = None,
    progress: Progress | None = None,
) -> Compiled:
    """Import, lower to kernels and plan the arena (no C yet); the report without C figures.
    The passes are the Cortex-M backend's phases (`backends/cortexm/pipeline.py`)."""
    from edgeai.backends.cortexm.pipeline import LEGALIZE, allocate_pipeline
    from edgeai.support.context import run_pipeline

    net = check_options(model, target, objective, alignment, name)
    progress = progress or Progress(False)
    progress.step(f"importing {os.path.basename(model)} and lowering it to nn")
    nn_module = lower_to_nn(model, input_shapes)
    progress.step("lowering to kernels (convert-nn-to-kernel)")
    kernel_module = nn_module.clone()
    run_pipeline(kernel_module, LEGALIZE)
    progress.step(f"planning the arena (-O {objective})")
    run_pipeline(kernel_module, allocate_pipeline(objective, alignment, io_in_arena))
    report = compile_report(nn_module, kernel_module, model, net, target, objective, alignment)
    return Compiled(net, target, nn_module, kernel_module, report)


def compile_report(
    nn_module: ModuleOp,
    kernel_module: ModuleOp,
    model: str,
    name: str,
    target: str,
    objective: str,
    alignment: int,
) -> dict:
    """The report of a planned kernel program (its `nn` program's layers), no C figures."""
    from edgeai.analysis.analyze import attach_activation_bytes, kernel_plan
    from edgeai.analysis.layers import layers, totals
    from edgeai.analysis.profile import merge, percent
    from edgeai.reference.interpreter import find_main

    f = find_main(kernel_module)
    rows = layers(nn_module)
    # the same per-layer numbers as `edgeai analyze` (live arena bytes, op-type profile)
    attach_activation_bytes(rows, kernel_plan(kernel_module))
    profile = merge([r.op_profile for r in rows])
    return {
        "model": os.path.basename(model),
        "name": name,
        "target": target,
        "objective": objective,
        **totals(rows),
        "arena_bytes": _func_int(f, "edgeai.arena_bytes") or 0,
        "arena_lower_bound_bytes": _func_int(f, "edgeai.arena_lower_bound_bytes") or 0,
        "io_in_arena": bool(_func_int(f, "edgeai.io_in_arena")),
        "alignment": alignment,
        "op_profile": profile,
        "op_profile_percent": percent(profile),
        "layers": [r.as_dict() for r in rows],
    }


#: -O objective -> the largest stack working buffer a kernel may declare (bytes, None: the
#: kernels' own caps); with `ram`, layers whose SIMD kernel needs more get a kernel that does not
SCRATCH_LIMITS: dict[str, int | None] = {"ram": 256, "balanced": None, "time": None}


def emit_options(compiled: Compiled, host: bool = False):
    """The C emitter options of `compiled`: its core and -O's scratch limit. `host`: the same
    kernels compiled natively (the DSP helpers have a portable C form, Helium ones do not: on
    the host an M55 network uses its DSP kernels instead)."""
    from edgeai.backends.cortexm.emit import EmitOptions

    limit = SCRATCH_LIMITS.get(compiled.report.get("objective", "balanced"))
    if not host:
        return EmitOptions(cpu=compiled.target, max_scratch=limit)
    features = EmitOptions(cpu=compiled.target).core_features() - {"mve"}
    return EmitOptions(features=features, max_scratch=limit)


def program_of(compiled: Compiled, portable: bool = False):
    """The resolved C program (`emit.Program`) for the target's core (or portable kernels)."""
    from edgeai.backends.cortexm.emit import EmitOptions, Program

    options = EmitOptions() if portable else emit_options(compiled)
    return Program(compiled.kernel_module, compiled.name, options)


def add_c_figures(compiled: Compiled, program) -> None:
    """Complete the report with what the emitter placed: flash arrays, tables, I/O buffers,
    the kernel chosen for each layer, and the RAM the application provides."""
    from edgeai.backends.cortexm.sizes import emitted_figures

    r = compiled.report
    flash = emitted_figures(program)
    io_in = sum(b.nbytes for b in program.inputs)
    io_out = sum(b.nbytes for b in program.outputs)
    r["flash_weights_bytes"] = flash["weights"]
    r["flash_tables_bytes"] = flash["tables"]
    r["input_bytes"] = io_in
    r["output_bytes"] = io_out
    r["scratch_bytes"] = program.scratch_bytes
    r["ram_bytes"] = (
        r["arena_bytes"] + (0 if r["io_in_arena"] else io_in + io_out) + program.scratch_bytes
    )
    r["inputs"] = [_io_dict(b) for b in program.inputs]
    r["outputs"] = [_io_dict(b) for b in program.outputs]
    r["kernels"] = [
        {"function": layer.function, "op": layer.op.name, "implementation": impl.name}
        for layer, impl in program.layers
    ]


def _io_dict(b) -> dict:
    d = {"name": b.name, "shape": list(b.shape), "dtype": str(b.dtype), "bytes": b.nbytes}
    if b.scale is not None:
        d["scale"] = b.scale
        d["zero_point"] = b.zero_point
    return d


def check_limits(report: dict, ram_limit: str | None, flash_limit: str | None) -> None:
    """Raise when the network does not fit the stated RAM / flash budget."""
    if ram_limit:
        limit = parse_size(ram_limit, "--ram-limit")
        need = report.get("ram_bytes", report["arena_bytes"])
        if need > limit:
            where = "arena" if report["io_in_arena"] else "arena + input/output buffers"
            raise EdgeAIError(
                f"--ram-limit {ram_limit}: the model needs {need:,} bytes of RAM ({where}), "
                f"{need - limit:,} bytes over the {limit:,} allowed"
            )
    if flash_limit:
        limit = parse_size(flash_limit, "--flash-limit")
        need = report.get("flash_weights_bytes", report["weights_bytes"]) + report.get(
            "flash_tables_bytes", 0
        )
        if need > limit:
            raise EdgeAIError(
                f"--flash-limit {flash_limit}: the model's constants need {need:,} bytes of "
                f"flash, {need - limit:,} bytes over the {limit:,} allowed (code not counted)"
            )


def write_outputs(compiled: Compiled, program, out_dir: str, progress: Progress) -> list[Path]:
    """Emit the C and report.json into `out_dir` all or nothing (`backends.base.write_folder`:
    a temporary folder beside it, then moved in; nothing is left behind on error)."""
    from edgeai.backends.base import write_folder
    from edgeai.backends.cortexm.emit import write_program

    def fill(tmp: Path) -> None:
        progress.step(f"emitting C for {compiled.target}")
        write_program(program, tmp)
        (tmp / "report.json").write_text(json.dumps(compiled.report, indent=2) + "\n")

    return write_folder(out_dir, fill)


def summary(report: dict) -> str:
    """The readable summary `generate` prints."""
    r = report
    lines = [
        f"{r['model']} -> {r['name']} for {r['target']} (-O {r['objective']})",
        f"  MACC {r['macc']:,}   params {r['params']:,}   weights {r['weights_bytes']:,} B",
        f"  arena {r['arena_bytes']:,} B (lower bound {r['arena_lower_bound_bytes']:,} B, "
        f"inputs/outputs {'inside' if r['io_in_arena'] else 'outside'})",
    ]
    if "ram_bytes" in r:
        lines.append(
            f"  RAM {r['ram_bytes']:,} B (arena + I/O buffers + kernel scratch "
            f"{r.get('scratch_bytes', 0):,} B)   flash for constants "
            f"{r['flash_weights_bytes'] + r['flash_tables_bytes']:,} B "
            f"(weights {r['flash_weights_bytes']:,} + tables {r['flash_tables_bytes']:,})"
        )
    lines.append(f"  {'layer':32} {'op':22} {'output':16} {'MACC':>12} {'weights B':>10}")
    for row in r["layers"]:
        shape = "x".join(map(str, row["output_shape"]))
        lines.append(
            f"  {row['name'][:32]:32} {row['op'][:22]:22} {shape:16} {row['macc']:12,} "
            f"{row['weights_bytes']:10,}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# validate


def io_specs(module: ModuleOp) -> tuple[list[tuple[str, tuple, np.dtype]], list[str]]:
    """(name, shape, dtype) of the inputs and the output names of an `nn` program."""
    from xdsl.dialects.builtin import TensorType

    from edgeai.reference.interpreter import find_main, io_names
    from edgeai.support.attrs import storage_dtype

    f = find_main(module)
    names, out_names = io_names(f)
    specs = []
    for n, a in zip(names, f.args, strict=True):
        t = a.type
        assert isinstance(t, TensorType)
        specs.append((n, tuple(int(d) for d in t.get_shape()), storage_dtype(t.element_type)))
    return specs, list(out_names)


def load_samples(
    path: str | None, specs: list[tuple[str, tuple, np.dtype]], samples: int, seed: int
) -> list[dict[str, np.ndarray]]:
    """The validation inputs: from `path` (.npz named by input, or .npy for one input; an
    extra leading axis holds several samples), else `samples` seeded random ones (standard
    normal for float inputs, uniform over the type for integer inputs)."""
    if path is None:
        rng = np.random.default_rng(seed)
        out = []
        for _ in range(samples):
            sample = {}
            for n, shape, dt in specs:
                if dt.kind == "f":
                    sample[n] = rng.standard_normal(shape).astype(dt)
                else:
                    info = np.iinfo(dt)
                    sample[n] = rng.integers(info.min, int(info.max) + 1, shape).astype(dt)
            out.append(sample)
        return out
    if not os.path.exists(path):
        raise EdgeAIError(f"--inputs {path}: no such file")
    try:
        data = np.load(path, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - any unreadable file is the user's input error
        raise EdgeAIError(f"--inputs {path}: cannot read ({type(e).__name__}: {e})") from None
    arrays = {specs[0][0]: data} if isinstance(data, np.ndarray) else {k: data[k] for k in data}
    if len(arrays) == 1 and len(specs) == 1 and specs[0][0] not in arrays:
        arrays = {specs[0][0]: next(iter(arrays.values()))}
    missing = [n for n, _, _ in specs if n not in arrays]
    if missing:
        raise EdgeAIError(f"--inputs {path}: no array for input(s) {', '.join(missing)}")
    counts = set()
    per_input = {}
    for n, shape, dt in specs:
        a = np.asarray(arrays[n])
        size = math.prod(shape)
        if a.size == size:
            a = a.reshape(1, *shape)
        elif size and a.size % size == 0 and a.shape[-len(shape) + 1 :] == shape[1:]:
            a = a.reshape(-1, *shape)
        else:
            raise EdgeAIError(
                f"--inputs {path}: array '{n}' of shape {a.shape} does not fit the input "
                f"shape {shape} (or N samples of it)"
            )
        per_input[n] = a.astype(dt, copy=False)
        counts.add(a.shape[0])
    if len(counts) != 1:
        raise EdgeAIError(f"--inputs {path}: the inputs hold different numbers of samples")
    count = counts.pop()
    return [{n: per_input[n][i] for n, _, _ in specs} for i in range(count)]


def float_ok(ref: np.ndarray, got: np.ndarray, rtol: float) -> tuple[bool, float]:
    """Whether float outputs agree: max |err| <= rtol * max |ref| (+ a 1e-7 floor)."""
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    err = float(np.max(np.abs(got.astype(np.float64) - ref))) if ref.size else 0.0
    return bool(err <= rtol * scale + 1e-7), err


def run_target(
    compiled: Compiled,
    runner: str,
    samples: list[dict[str, np.ndarray]],
    progress: Progress,
) -> tuple[list[list[np.ndarray]], dict]:
    """Outputs per sample from `runner`, and runner figures (instructions, sizes)."""
    extra: dict = {}
    if runner == "host":
        from edgeai.backends.cortexm.host import HostRunner

        progress.step("compiling the C for the host (gcc; SIMD helpers in portable C)")
        host = HostRunner(compiled.kernel_module, compiled.name, emit_options(compiled, host=True))
        try:
            progress.step(f"running {len(samples)} sample(s) on the host")
            return host.run_many(samples), extra
        finally:
            host.close()
    if runner == "jit":
        import edgeai
        from edgeai.support.context import run_pipeline

        progress.step("lowering to loops (convert-kernel-to-loops) and JIT-compiling")
        loops = compiled.kernel_module.clone()
        run_pipeline(loops, "convert-kernel-to-loops")
        outs = []
        for i, s in enumerate(samples):
            progress.step(f"JIT run {i + 1}/{len(samples)}")
            outs.append(list(edgeai.run(loops, s).values()))
        return outs, extra
    if runner == "qemu":
        from edgeai.backends.cortexm.qemu.runner import run_network

        outs, counts = [], []
        result = None
        for i, s in enumerate(samples):
            progress.step(
                f"building for {compiled.target} and running under QEMU {i + 1}/{len(samples)}"
            )
            result = run_network(
                compiled.kernel_module, compiled.target, s, compiled.name,
                max_scratch=emit_options(compiled).max_scratch,
            )  # fmt: skip
            outs.append(list(result.outputs))
            counts.append(result.instructions)
        if result is not None:
            extra = {
                "instructions_per_inference": counts,
                "flash_bytes": result.flash_bytes,
                "ram_bytes": result.ram_bytes,
                "stack_peak_bytes": result.stack_peak_bytes,
            }
        return outs, extra
    raise EdgeAIError(f"--runner {runner}: unknown (choose from {', '.join(RUNNERS)})")


def validate(
    compiled: Compiled,
    runner: str,
    samples: list[dict[str, np.ndarray]],
    rtol: float,
    progress: Progress,
) -> dict:
    """Run, compare with the `nn` reference and return the validation result (JSON-able)."""
    import edgeai
    from edgeai.analysis.metrics import compare

    _, out_names = io_specs(compiled.nn_module)
    got, extra = run_target(compiled, runner, samples, progress)
    refs = []
    for i, s in enumerate(samples):
        progress.step(f"reference (nn interpreter) {i + 1}/{len(samples)}")
        refs.append(list(edgeai.run(compiled.nn_module, s).values()))
    outputs = []
    passed = True
    for k, name in enumerate(out_names):
        ref = np.stack([r[k] for r in refs])
        y = np.stack([np.asarray(g[k]).reshape(ref.shape[1:]) for g in got])
        m = compare(name, ref, y.astype(ref.dtype, copy=False))
        d = m.as_dict()
        if m.bit_exact is None:
            ok, _ = float_ok(ref, y, rtol)
            d["tolerance"] = f"max|err| <= {rtol:g} * max|ref|"
        else:
            ok = m.bit_exact
            d["tolerance"] = "bit-exact"
        d["passed"] = ok
        passed &= ok
        outputs.append(d)
    return {
        "model": compiled.report["model"],
        "name": compiled.name,
        "target": compiled.target,
        "runner": runner,
        "samples": len(samples),
        "passed": bool(passed),
        "outputs": outputs,
        **extra,
    }


def format_validation(result: dict) -> str:
    """The readable validation table."""
    from edgeai.analysis.metrics import OutputMetrics, format_metrics

    keys = OutputMetrics.__dataclass_fields__
    ms = [OutputMetrics(**{k: v for k, v in o.items() if k in keys}) for o in result["outputs"]]
    lines = [
        f"{result['model']} on {result['target']} ({result['runner']} runner), "
        f"{result['samples']} sample(s), compared with the nn reference:",
        format_metrics(ms),
    ]
    if "instructions_per_inference" in result:
        ins = result["instructions_per_inference"]
        lines.append(
            f"  instructions per inference {ins[0]:,}   flash {result['flash_bytes']:,} B   "
            f"RAM {result['ram_bytes']:,} B (stack peak {result['stack_peak_bytes']} B)"
        )
    verdict = "PASSED" if result["passed"] else "FAILED"
    tol = ", ".join(f"{o['name']}: {o['tolerance']}" for o in result["outputs"])
    lines.append(f"{verdict} ({tol})")
    return "\n".join(lines)


__all__ = [
    "EXIT_MISMATCH",
    "OBJECTIVES",
    "RUNNERS",
    "TARGETS",
    "Compiled",
    "Progress",
    "add_c_figures",
    "check_limits",
    "check_options",
    "compile_model",
    "compile_report",
    "format_validation",
    "load_samples",
    "parse_size",
    "program_of",
    "summary",
    "validate",
    "write_outputs",
]
