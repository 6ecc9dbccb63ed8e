"""Compile and run time of the loop level (level 3) on the MLPerf Tiny int8 QDQ models.

Per model: `convert-kernel-to-loops` time, xDSL time to the llvm dialect and LLVM IR
(`convert-loops-to-llvm` + translation), LLVM time (parse, O2, MCJIT), the time of one inference
through the compiled function (best of N calls on the same buffers) and through `edgeai.run`
(input checks and cache lookup included), against one run of the kernel-level NumPy reference.
Also checks the outputs are bit-exact with the kernel reference. Writes
benchmarks/results/loops_jit.json.
"""

from __future__ import annotations

import json
import os
import time

import numpy as np

import edgeai
from edgeai.reference import jit
from edgeai.reference.interpreter import find_main, io_names
from edgeai.support.context import run_pipeline
from edgeai.support.paths import shared_models_dir

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = shared_models_dir() / "mlperf_tiny"
QDQ = {
    "kws": "kws_ref_model.onnx",
    "ic": "pretrainedResnet_quant.onnx",
    "vww": "vww_96_int8.onnx",
    "ad": "ad01_int8.onnx",
    "sww": "str_ww_ref_model.onnx",
}
TO_KERNEL = (
    'convert-onnx-to-nn,nn-optimize,nn-fold-qdq{rounding="tflite"},nn-optimize,convert-nn-to-kernel'
)


def best(fn, repeat: int) -> float:
    out = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def measure(key: str, ref: np.lib.npyio.NpzFile, repeat: int = 20) -> dict:
    k = edgeai.import_model(str(MODELS / "onnx_qdq_tf2onnx" / QDQ[key]))
    run_pipeline(k, TO_KERNEL)
    loops = k.clone()
    t0 = time.perf_counter()
    run_pipeline(loops, "convert-kernel-to-loops")
    lower_s = time.perf_counter() - t0
    jit.clear_cache()
    compiled = jit.compile_module(loops)
    f = find_main(loops)
    name = io_names(f)[0][0]
    x = {name: ref[f"{key}_x"][:1]}
    want = next(iter(edgeai.run(k, x).values()))
    got = next(iter(edgeai.run(loops, x).values()))
    kernel_ref_s = best(lambda: edgeai.run(k, x), 1)
    run_s = best(lambda: edgeai.run(loops, x), repeat)
    args = [np.zeros(t.get_shape(), np.int8) for t in f.function_type.inputs.data]
    fn = jit.entry(compiled, f)
    call_s = best(lambda: fn(*[a.ctypes.data for a in args]), repeat)
    return {
        "model": QDQ[key],
        "loop_ops": sum(1 for _ in loops.walk()),
        "kernel_to_loops_s": round(lower_s, 3),
        "xdsl_to_llvm_ir_s": round(compiled.xdsl_seconds, 3),
        "llvm_compile_s": round(compiled.llvm_seconds, 3),
        "call_ms": round(call_s * 1e3, 3),
        "edgeai_run_ms": round(run_s * 1e3, 3),
        "kernel_reference_ms": round(kernel_ref_s * 1e3, 1),
        "bit_exact": bool(np.array_equal(got, want)),
    }


def main() -> int:
    ref = np.load(MODELS / "reference_outputs.npz")
    rows = [measure(k, ref) for k in QDQ]
    head = f"{'model':30} {'ops':>5} {'lower s':>8} {'xdsl s':>7} {'llvm s':>7} {'call ms':>8}"
    print(head + f" {'run ms':>7} {'ref ms':>7} exact")
    for r in rows:
        print(
            f"{r['model']:30} {r['loop_ops']:5d} {r['kernel_to_loops_s']:8.3f} "
            f"{r['xdsl_to_llvm_ir_s']:7.3f} {r['llvm_compile_s']:7.3f} {r['call_ms']:8.3f} "
            f"{r['edgeai_run_ms']:7.3f} {r['kernel_reference_ms']:7.1f} {r['bit_exact']}"
        )
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "loops_jit.json"), "w") as fh:
        json.dump(rows, fh, indent=2)
    return 0 if all(r["bit_exact"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
