"""Arena memory plan (`mem-plan-arena`) on the MLPerf Tiny int8 QDQ models (+ float ResNet-8).

Per model and per placement of the inputs/outputs (inside the arena: the fair comparison with
TensorFlow Lite Micro, whose planned tensor memory, the "head" `<m>_arena[1]` of
reference_outputs.npz, holds its input and output tensors; outside: the application owns
them), per objective: the peak (`edgeai.arena_bytes`), the lower bound
(`edgeai.arena_lower_bound_bytes`), their ratio, the planning time (best of 3), whether the
order changed and how many buffers were written in place. Also the bytes without any reuse
(every buffer its own slot: the bump allocator of backends/cortexm/plan.py) and the bytes
TFLite Micro's greedy placement gives on the same live intervals (program order, no in place).
Checks that the planned module computes bit for bit what the unplanned one computes (one
sample, reference interpreter). Writes benchmarks/results/mem_plan.json.

    python benchmarks/mem_plan.py
"""

from __future__ import annotations

import json
import os
import time

import numpy as np

import edgeai
from edgeai.reference.interpreter import find_main, io_names, random_inputs
from edgeai.support.context import run_pipeline
from edgeai.support.paths import MLPERF_QDQ, QDQ_TO_NN_TFLITE, shared_models_dir
from edgeai.transforms.mem_plan_arena import plan_function
from edgeai.transforms.memplan.inplace import groups_of
from edgeai.transforms.memplan.model import build_program, intervals, padded
from edgeai.transforms.memplan.place import tflm_greedy
from edgeai.transforms.memplan.planner import Options

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = shared_models_dir() / "mlperf_tiny"
QDQ = MLPERF_QDQ
TO_KERNEL = QDQ_TO_NN_TFLITE + ",convert-nn-to-kernel"
OBJECTIVES = ("balanced", "ram", "time")


def kernel_module(key: str):
    if key == "ic_float":
        m = edgeai.lower(
            edgeai.import_model(str(MODELS / "onnx_qdq_tf2onnx" / "pretrainedResnet.onnx"))
        )
        return run_pipeline(m, "convert-nn-to-kernel")
    m = edgeai.import_model(str(MODELS / "onnx_qdq_tf2onnx" / QDQ[key]))
    return run_pipeline(m, TO_KERNEL)


def plan_once(m, opts: Options):
    """(planned clone, plan, seconds: best of 3)."""
    best, out = float("inf"), None
    for _ in range(3):
        p = m.clone()
        t0 = time.perf_counter()
        plan = plan_function(find_main(p), opts)
        best = min(best, time.perf_counter() - t0)
        out = (p, plan)
    assert out is not None
    return out[0], out[1], best


def baselines(m, io_in_arena: bool) -> dict:
    """No reuse (bump allocator) and TFLM's greedy placement on the program-order intervals."""
    prog = build_program(find_main(m))
    order = list(range(len(prog.steps)))
    items = intervals(prog, order, groups_of(prog, []), io_in_arena, 16)
    return {
        "no_reuse_bytes": sum(padded(i.size, 16) for i in items),
        "tflm_greedy_bytes": tflm_greedy(items, 16).peak,
    }


def measure(key: str, ref) -> dict:
    m = kernel_module(key)
    f = find_main(m)
    name = io_names(f)[0][0]
    x = {name: ref[f"{key}_x"][:1]} if key in QDQ else random_inputs(m, seed=0)
    want = next(iter(edgeai.run(m, x).values()))
    row: dict = {
        "model": QDQ.get(key, "pretrainedResnet.onnx (float)"),
        "key": key,
        "steps": len(build_program(f).steps),
        "tflm_head_bytes": int(ref[f"{key}_arena"][1]) if key in QDQ else None,
        "tflm_arena_bytes": int(ref[f"{key}_arena"][0]) if key in QDQ else None,
    }
    for io in (True, False):
        where = "io_in_arena" if io else "io_outside"
        entry = baselines(m, io)
        for objective in OBJECTIVES:
            p, plan, seconds = plan_once(m, Options(16, io, objective, True))
            g = find_main(p).attributes
            peak = g["edgeai.arena_bytes"].value.data
            bound = g["edgeai.arena_lower_bound_bytes"].value.data
            got = next(iter(edgeai.run(p, x).values()))
            entry[objective] = {
                "peak_bytes": peak,
                "lower_bound_bytes": bound,
                "peak_over_bound": round(peak / bound, 4) if bound else 1.0,
                "plan_s": round(seconds, 4),
                "reordered": plan.reordered,
                "in_place": len(plan.merges),
                "heuristic": plan.placement.heuristic,
                "bit_exact": bool(np.array_equal(got, want)),
            }
        row[where] = entry
    return row


def main() -> int:
    ref = np.load(MODELS / "reference_outputs.npz")
    rows = [measure(k, ref) for k in [*QDQ, "ic_float"]]
    print(
        f"{'model':9} {'io':8} {'peak':>7} {'bound':>7} {'ratio':>6} {'TFLM head':>9} "
        f"{'ram':>7} {'time':>7} {'no reuse':>8} {'TFLM greedy':>11} {'plan s':>7}"
    )
    ok = True
    for r in rows:
        for where in ("io_in_arena", "io_outside"):
            e = r[where]
            b = e["balanced"]
            head = r["tflm_head_bytes"] if where == "io_in_arena" and r["tflm_head_bytes"] else ""
            print(
                f"{r['key']:9} {where[3:]:8} {b['peak_bytes']:7d} {b['lower_bound_bytes']:7d} "
                f"{b['peak_over_bound']:6.3f} {head!s:>9} {e['ram']['peak_bytes']:7d} "
                f"{e['time']['peak_bytes']:7d} {e['no_reuse_bytes']:8d} "
                f"{e['tflm_greedy_bytes']:11d} {b['plan_s']:7.3f}"
            )
            for o in OBJECTIVES:
                ok &= e[o]["bit_exact"] and e[o]["peak_over_bound"] <= 1.05
            if head:
                ok &= b["peak_bytes"] <= head
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "mem_plan.json"), "w") as fh:
        json.dump(rows, fh, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
