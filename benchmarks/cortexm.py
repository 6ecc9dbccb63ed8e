"""Cortex-M benchmark: the MLPerf Tiny models on emulated Cortex-M4/M7/M33/M55 cores.

For each model (the int8 models kws, ic, vww, ad, sww and the float ResNet-8 `ic_float`) and
each core, the network is lowered to the kernel level, emitted as C with the kernels the core's
features select, built with arm-none-eabi-gcc -O2 and run once under qemu-system-arm on one real
input of `reference_outputs.npz` (`backends/cortexm/qemu/runner.py`). Recorded:

* flash bytes (the whole image less the embedded input; split into network code, constants,
  weights and the test harness), RAM bytes (arena + stack peak + .bss + .data);
* executed instructions per inference (exact, from the QEMU plugin; not cycles);
* bit-exactness of that run against the kernel-level reference and (int8) TFLite Micro's
  stored outputs; the float model's largest error relative to the output range;
* compile time: edgeai lowering (import to kernel level), C emission, the arm-gcc build;
* which kernel implementation each layer used;
* TFLite Micro's arena for the same .tflite model (the `tflite-micro` package, host build:
  the planned tensor memory ("head") is the target's; the total includes 64-bit runtime data);
* the peer figures of `shared/notes/peer-baselines.md` (TFLM reference kernels and TFLM +
  CMSIS-NN, instructions per inference on M4 and M55; M7/M33 use the M4 figure, which the note
  shows to be within 0.7 %) and our ratio to them (< 1: fewer instructions than the peer).

    python benchmarks/cortexm.py [--models kws,ad] [--cores m4,m55] [--quick]

Writes benchmarks/results/cortexm.json and cortexm.md; progress on stderr. Exits non-zero when a
run is not bit-exact (int8) or not within 1e-4 of the reference (float).
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

import edgeai
from edgeai.analysis.layers import layers as nn_layers
from edgeai.analysis.layers import totals
from edgeai.backends.cortexm.emit import default_name
from edgeai.backends.cortexm.plan import planned
from edgeai.backends.cortexm.qemu.runner import ARM_GCC, QEMU, require_toolchain, run_network
from edgeai.backends.cortexm.sizes import memory_figures
from edgeai.backends.cortexm.target import get_target
from edgeai.reference.interpreter import find_main, io_names
from edgeai.support.context import run_pipeline
from edgeai.support.errors import EdgeAIError
from edgeai.support.paths import shared_models_dir

HERE = Path(__file__).resolve().parent
MODELS = shared_models_dir() / "mlperf_tiny"
PEER_NOTE = shared_models_dir().parent / "notes" / "peer-baselines.md"
TO_NN_INT8 = 'convert-onnx-to-nn,nn-optimize,nn-fold-qdq{rounding="tflite"},nn-optimize'

#: key -> (ONNX model, TFLite model for TFLM, reference key, int8?)
MODEL_FILES = {
    "kws": ("kws_ref_model.onnx", "keyword_spotting/kws_ref_model.tflite", "kws", True),
    "ic": (
        "pretrainedResnet_quant.onnx",
        "image_classification/pretrainedResnet_quant.tflite",
        "ic",
        True,
    ),
    "vww": ("vww_96_int8.onnx", "visual_wake_words/vww_96_int8.tflite", "vww", True),
    "ad": ("ad01_int8.onnx", "anomaly_detection/ad01_int8.tflite", "ad", True),
    "sww": ("str_ww_ref_model.onnx", "streaming_wakeword/str_ww_ref_model.tflite", "sww", True),
    "ic_float": (
        "pretrainedResnet.onnx",
        "image_classification/pretrainedResnet.tflite",
        "ic",
        False,
    ),
}
CORES = ("cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55")
QUICK_MODELS = ("kws", "ad")
QUICK_CORES = ("cortex-m4", "cortex-m55")
#: rows of the peer note's tables -> our keys
PEER_ROWS = {"KWS": "kws", "IC": "ic", "VWW": "vww", "AD": "ad"}


def log(msg: str) -> None:
    """A progress line on stderr."""
    print(f"[cortexm] {msg}", file=sys.stderr, flush=True)


def _number(cell: str) -> int | None:
    digits = re.sub(r"[^\d]", "", cell.split("B")[0])
    return int(digits) if digits else None


def peer_baselines(path: Path = PEER_NOTE) -> dict[str, dict[str, int]]:
    """The instruction counts and TFLM arenas of the peer note, per model key:
    `macs`, `m4_tflm_ref`, `m4_cmsis_nn`, `m55_tflm_ref`, `m55_cmsis_nn`, `m4_arena`,
    `m55_arena` (bytes, TFLM + CMSIS-NN)."""
    if not path.is_file():
        log(f"peer note {path} not found: no peer columns")
        return {}
    out: dict[str, dict[str, int]] = {}
    section = ""
    for line in path.read_text().splitlines():
        if line.startswith("## "):
            section = line
            continue
        if not line.startswith("| ") or line.startswith("| model") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        key = PEER_ROWS.get(cells[0].split()[0])
        if key is None:
            continue
        row = out.setdefault(key, {})
        if section.startswith("## Instructions") and len(cells) >= 6:
            names = ("macs", "m4_tflm_ref", "m4_cmsis_nn", "m55_tflm_ref", "m55_cmsis_nn")
            row.update({n: _number(c) for n, c in zip(names, cells[1:6], strict=True)})
        elif section.startswith("## Memory") and len(cells) >= 3:
            row.update({"m4_arena": _number(cells[1]), "m55_arena": _number(cells[2])})
    return out


def tflm_arena(tflite: Path, x: np.ndarray) -> dict:
    """TFLite Micro (the `tflite-micro` package) on the same model and input: its arena
    (total, head = planned tensors, tail = runtime data, host build) and its output."""
    try:
        from tflite_micro.python.tflite_micro import runtime as tflm
    except ImportError:
        return {"available": False, "why": "the tflite-micro package is not installed"}
    try:
        it = tflm.Interpreter.from_file(str(tflite), arena_size=4 << 20)
        detail = it.get_input_details(0)
        it.set_input(x.reshape(detail["shape"]).astype(detail["dtype"]), 0)
        it.invoke()
        y = np.array(it.get_output(0))
        # TFLM prints through its C debug log (stderr in this build): capture fds 1 and 2
        sys.stdout.flush()
        sys.stderr.flush()
        saved = [os.dup(1), os.dup(2)]
        with tempfile.TemporaryFile() as tmp:
            os.dup2(tmp.fileno(), 1)
            os.dup2(tmp.fileno(), 2)
            try:
                it.print_allocations()
            finally:
                ctypes.CDLL(None).fflush(None)  # the C library's buffers, into tmp
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                for fd in saved:
                    os.close(fd)
            tmp.seek(0)
            text = tmp.read().decode(errors="replace")
    except Exception as e:  # noqa: BLE001 - TFLM refusing a model is a result, not a failure
        return {"available": False, "why": f"{type(e).__name__}: {e}".splitlines()[0]}
    figures = {
        k: int(v) for k, v in re.findall(r"Arena allocation (total|head|tail) (\d+) bytes", text)
    }
    return {
        "available": True,
        "arena_total_host_bytes": figures.get("total"),
        "arena_head_bytes": figures.get("head"),
        "arena_tail_host_bytes": figures.get("tail"),
        "output": y,
    }


def lower(key: str) -> tuple[object, int, float]:
    """The kernel-level module of a model, its MACs (nn level) and the lowering time."""
    onnx_file = MODELS / "onnx_qdq_tf2onnx" / MODEL_FILES[key][0]
    t0 = time.perf_counter()
    m = edgeai.import_model(str(onnx_file))
    m = run_pipeline(m, TO_NN_INT8) if MODEL_FILES[key][3] else edgeai.lower(m)
    t1 = time.perf_counter()
    macs = totals(nn_layers(m))["macc"]
    t2 = time.perf_counter()
    run_pipeline(m, "convert-nn-to-kernel")
    seconds = (t1 - t0) + (time.perf_counter() - t2)
    return m, macs, seconds


@functools.cache
def input_quantization(key: str) -> tuple[float, int]:
    """(scale, zero point) of the int8 model's input (`NET_IN0_SCALE`/`_ZERO_POINT`)."""
    from edgeai.backends.cortexm.emit import EmitOptions, Program

    k, _, _ = lower(key)
    b = Program(k, "net", EmitOptions()).inputs[0]
    return float(b.scale), int(b.zero_point)


def model_input(key: str, ref, k) -> np.ndarray:
    """Sample 0 of the model's reference input; for the float ResNet-8 the int8 IC input
    dequantized with the int8 model's input scale and zero point."""
    _, _, rkey, int8 = MODEL_FILES[key]
    x = ref[f"{rkey}_x"][0:1]
    if int8:
        return x
    scale, zero_point = input_quantization(rkey)
    shape = find_main(k).args[0].type.get_shape()
    return ((x.astype(np.float32) - zero_point) * scale).reshape(shape).astype(np.float32)


def flash_split(parts: dict[str, dict[str, int]], net: str) -> dict[str, int]:
    """Network code, network constants (weights file; kernel tables), harness and padding
    bytes of the flash image, from the runner's per-object map figures."""
    flash = (".vectors", ".text", ".rodata", ".data")
    own = {net, f"{net}_kernels", f"{net}_weights"}
    out = {"code": 0, "weights": 0, "tables": 0, "library": 0, "harness": 0, "padding": 0}
    for label, sections in parts.items():
        n_text = sections.get(".text", 0) + sections.get(".vectors", 0)
        n_const = sections.get(".rodata", 0) + sections.get(".data", 0)
        if label in own:
            out["code"] += n_text
            out["weights" if label.endswith("_weights") else "tables"] += n_const
        elif label == "harness":
            out["harness"] += n_text + n_const
        elif label == "linker":
            out["padding"] += sum(sections.get(s, 0) for s in flash)
        else:
            out["library"] += n_text + n_const
    return out


def ratio(ours: int | None, peer: int | None) -> float | None:
    return round(ours / peer, 3) if ours and peer else None


def run_one(key: str, core: str, k, x: np.ndarray, want: np.ndarray, ref, peers) -> dict:
    """One model on one core: figures, checks and peer ratios."""
    _, _, rkey, int8 = MODEL_FILES[key]
    r = run_network(k, core, [x], timeout=1800)
    got = r.outputs[0].reshape(want.shape)
    net = default_name(k)
    rec: dict = {
        "instructions": r.instructions,
        "flash_bytes": r.flash_bytes,
        "flash": flash_split(r.flash_parts, net),
        "ram_bytes": r.ram_bytes,
        "arena_bytes": r.arena_bytes,
        "stack_peak_bytes": r.stack_peak_bytes,
        "bss_bytes": r.bss_bytes,
        "data_bytes": r.data_bytes,
        "lowering_s": None,
        "emit_s": round(r.timings["emit"], 3),
        "arm_gcc_build_s": round(r.timings["build"], 3),
        "qemu_run_s": round(r.timings["run"], 3),
        "kernels": dict(Counter(impl for _, impl in r.layers)),
        "layers": [list(pair) for pair in r.layers],
    }
    if int8:
        rec["bit_exact_reference"] = bool(np.array_equal(got, want))
        y_tflm = ref[f"{rkey}_y_tflm"][0]
        rec["bit_exact_tflm"] = bool(np.array_equal(got.reshape(-1), y_tflm.reshape(-1)))
        rec["ok"] = rec["bit_exact_reference"]
    else:
        scale = float(np.abs(want).max()) or 1.0
        rec["max_rel_err"] = float(np.abs(got - want).max() / scale)
        rec["argmax_equal"] = bool(np.argmax(got) == np.argmax(want))
        rec["ok"] = rec["max_rel_err"] <= 1e-4
    peer = peers.get(key, {}) if int8 else {}
    side = "m55" if core == "cortex-m55" else "m4"
    rec["peer_from"] = side if peer else None
    rec["peer_tflm_ref"] = peer.get(f"{side}_tflm_ref")
    rec["peer_cmsis_nn"] = peer.get(f"{side}_cmsis_nn")
    rec["ratio_tflm_ref"] = ratio(r.instructions, rec["peer_tflm_ref"])
    rec["ratio_cmsis_nn"] = ratio(r.instructions, rec["peer_cmsis_nn"])
    rec["peer_arena_cmsis_nn"] = peer.get(f"{side}_arena")
    return rec


def tool_versions() -> dict[str, str]:
    def first(cmd: list[str]) -> str:
        out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
        return out.splitlines()[0].strip() if out else "?"

    return {ARM_GCC: first([ARM_GCC, "--version"]), QEMU: first([QEMU, "--version"])}


def _fmt(v, unit: str = "") -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "**no**"
    if isinstance(v, float):
        return f"{v:.2f}{unit}"
    return f"{v:,}{unit}"


def markdown(result: dict) -> str:
    """The tables of cortexm.md."""
    lines = [
        "# Cortex-M: MLPerf Tiny models on emulated cores (QEMU)",
        "",
        f"Generated by `python benchmarks/cortexm.py` on {result['date']}; "
        f"{result['tools'][ARM_GCC]}; {result['tools'][QEMU]}. Flags: `-O2` + the core's "
        "(`backends/cortexm/target.py`). Instructions are executed instructions of one "
        "`NET_run` (exact, QEMU TCG plugin), not cycles; compare them on the same core only. "
        "Peers: `shared/notes/peer-baselines.md` (TFLM at -O2 with the same compiler; M7/M33 "
        "compared with the M4 figure). Ratio < 1: fewer instructions than the peer.",
        "",
        "## Instructions per inference",
        "",
        "| model | core | MACs | instructions | instr/MAC | TFLM ref | ours / TFLM ref | "
        "TFLM+CMSIS-NN | ours / CMSIS-NN | exact |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    failed = []
    for key, m in result["models"].items():
        for core, c in m["cores"].items():
            if "error" in c:
                failed.append(f"- {key} on {core}: {c['error']}")
                lines.append(f"| {key} | {core} | {_fmt(m['macs'])} | failed (below) |||||||")
                continue
            ipm = c["instructions"] / m["macs"] if m["macs"] else None
            exact = (
                f"{_fmt(c['bit_exact_reference'])} / TFLM {_fmt(c['bit_exact_tflm'])}"
                if "bit_exact_reference" in c
                else f"rel err {c['max_rel_err']:.1e}"
            )
            lines.append(
                f"| {key} | {core} | {_fmt(m['macs'])} | {_fmt(c['instructions'])} | "
                f"{_fmt(ipm)} | {_fmt(c['peer_tflm_ref'])} | {_fmt(c['ratio_tflm_ref'])} | "
                f"{_fmt(c['peer_cmsis_nn'])} | {_fmt(c['ratio_cmsis_nn'])} | {exact} |"
            )
    lines += [
        "",
        "## Memory (bytes)",
        "",
        "Flash = whole image less the embedded input (code + weights + tables + library + "
        "harness ≈ 1 KB + padding). RAM = arena + stack peak + .bss + .data; + I/O adds the "
        "input and output buffers when they are not in the arena (TFLM's arena holds them). "
        "Lower bound: the planner's (largest set of simultaneously live tensors). TFLM arena: "
        "`tflite-micro` on the host (head = planned tensors, the part comparable with our "
        "arena; total includes 64-bit runtime data), and the peer note's M4/M55 "
        "TFLM + CMSIS-NN arena on the target.",
        "",
        "| model | core | flash | code | weights | tables | RAM | RAM + I/O | arena | "
        "lower bound | stack peak | .bss | TFLM head | TFLM total (host) | "
        "TFLM+CMSIS-NN arena (peer) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, m in result["models"].items():
        t = m["tflm"]
        for core, c in m["cores"].items():
            if "error" in c:
                continue
            f = c["flash"]
            lines.append(
                f"| {key} | {core} | {_fmt(c['flash_bytes'])} | {_fmt(f['code'] + f['library'])} | "
                f"{_fmt(f['weights'])} | {_fmt(f['tables'])} | {_fmt(c['ram_bytes'])} | "
                f"{_fmt(c['ram_bytes'] + m['io_bytes'])} | {_fmt(c['arena_bytes'])} | "
                f"{_fmt(m['arena_lower_bound_bytes'])} | "
                f"{_fmt(c['stack_peak_bytes'])} | {_fmt(c['bss_bytes'])} | "
                f"{_fmt(t.get('arena_head_bytes'))} | {_fmt(t.get('arena_total_host_bytes'))} | "
                f"{_fmt(c['peer_arena_cmsis_nn'])} |"
            )
    lines += [
        "",
        "## Compile time (seconds) and kernels",
        "",
        "| model | core | edgeai lowering | C emission | arm-gcc build | QEMU run | kernels used |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for key, m in result["models"].items():
        for core, c in m["cores"].items():
            if "error" in c:
                continue
            kernels = ", ".join(f"{n}×{k}" for k, n in sorted(c["kernels"].items()))
            lines.append(
                f"| {key} | {core} | {_fmt(m['lowering_s'])} | {_fmt(c['emit_s'])} | "
                f"{_fmt(c['arm_gcc_build_s'])} | {_fmt(c['qemu_run_s'])} | {kernels} |"
            )
    if failed:
        lines += ["", "## Failed runs", "", *failed]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", help=f"comma-separated, from {','.join(MODEL_FILES)}")
    ap.add_argument("--cores", help="comma-separated: m4, m7, m33, m55 (or cortex-m4 ...)")
    ap.add_argument("--quick", action="store_true", help="kws and ad on m4 and m55")
    ap.add_argument("--out", default=str(HERE / "results" / "cortexm"), help="JSON/MD stem")
    args = ap.parse_args(argv)
    models = list(QUICK_MODELS if args.quick else MODEL_FILES)
    cores = list(QUICK_CORES if args.quick else CORES)
    if args.models:
        models = [m.strip() for m in args.models.split(",") if m.strip()]
        unknown = [m for m in models if m not in MODEL_FILES]
        if unknown:
            ap.error(f"unknown model(s) {', '.join(unknown)} (known: {', '.join(MODEL_FILES)})")
    if args.cores:
        cores = [get_target(c.strip()).name for c in args.cores.split(",") if c.strip()]
    require_toolchain()
    ref = np.load(MODELS / "reference_outputs.npz")
    peers = peer_baselines()
    result: dict = {
        "date": datetime.date.today().isoformat(),
        "tools": tool_versions(),
        "input": "sample 0 of reference_outputs.npz (<m>_x; float ResNet-8: ic_x dequantized)",
        "models": {},
    }
    ok = True
    for key in models:
        log(f"{key}: lowering to the kernel level")
        k, macs, lower_s = lower(key)
        x = model_input(key, ref, k)
        name = io_names(find_main(k))[0][0]
        want = next(iter(edgeai.run(k, {name: x}).values()))
        log(f"{key}: TFLite Micro (host) arena")
        t = tflm_arena(MODELS / MODEL_FILES[key][1], x)
        y = t.pop("output", None)
        if y is not None and MODEL_FILES[key][3]:
            t["output_matches_stored_tflm"] = bool(
                np.array_equal(y.reshape(-1), ref[f"{MODEL_FILES[key][2]}_y_tflm"][0].reshape(-1))
            )
        mem_figs = memory_figures(k)
        planned_main = find_main(planned(k))
        io_attr = planned_main.attributes.get("edgeai.io_in_arena")
        io_in_arena = bool(getattr(getattr(io_attr, "value", None), "data", 0))
        entry = {
            "onnx": MODEL_FILES[key][0],
            "tflite": MODEL_FILES[key][1],
            "macs": macs,
            "weights_bytes": mem_figs.weights_bytes,
            "arena_lower_bound_bytes": mem_figs.arena_lower_bound_bytes,
            "io_in_arena": io_in_arena,
            "io_bytes": 0 if io_in_arena else mem_figs.input_bytes + mem_figs.output_bytes,
            "lowering_s": round(lower_s, 3),
            "tflm": t,
            "peer": peers.get(key, {}) if MODEL_FILES[key][3] else {},
            "cores": {},
        }
        for core in cores:
            log(f"{key} on {core}: emit, build, run under QEMU")
            t0 = time.perf_counter()
            try:
                rec = run_one(key, core, k, x, want, ref, peers)
            except EdgeAIError as e:
                entry["cores"][core] = {"ok": False, "error": str(e)}
                ok = False
                log(f"{key} on {core}: FAILED: {e}")
                continue
            rec["lowering_s"] = entry["lowering_s"]
            entry["cores"][core] = rec
            ok &= rec["ok"]
            log(
                f"{key} on {core}: {rec['instructions']:,} instructions, flash "
                f"{rec['flash_bytes']:,} B, RAM {rec['ram_bytes']:,} B, "
                f"{'ok' if rec['ok'] else 'MISMATCH'} ({time.perf_counter() - t0:.1f} s)"
            )
        result["models"][key] = entry
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    out.with_suffix(".md").write_text(markdown(result))
    log(f"wrote {out.with_suffix('.json')} and {out.with_suffix('.md')}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
