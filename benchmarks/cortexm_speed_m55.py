"""Instructions per inference of the MLPerf Tiny int8 models on the emulated Cortex-M55: the
portable C kernels against the kernels the M55 selects (Helium/MVE, see
backends/cortexm/kernels/mve.py), and against TensorFlow Lite Micro + CMSIS-NN.

For each model and kernel set, one QEMU image (mps3-an547, arm-none-eabi-gcc -O2) runs every
stored sample of `reference_outputs.npz` (`<m>_x`) through `NET_run`; the instructions are
counted for the first one (exactly, between markers, as `run_network` does), the outputs of all
are compared with TFLite Micro's (`<m>_y_tflm`). The peer's counts are those of
../shared/notes/peer-baselines.md (TFLM + CMSIS-NN on the M55, same compiler, flags and board);
the target is at most 0.7x of them. `--layers` adds per-layer counts (each layer alone in an
image, random input) for the selected kernels.

    python benchmarks/cortexm_speed_m55.py [--models kws,ic,vww,ad,sww] [--layers]

Writes benchmarks/results/cortexm_speed_m55.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    FunctionType,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    i64,
)
from xdsl.ir import Block, Region

import edgeai
from edgeai.backends.cortexm.emit import EmitOptions, Program, write_program
from edgeai.backends.cortexm.qemu import runner
from edgeai.backends.cortexm.qemu.runner import build_image, run_image
from edgeai.dialects import kernel as K
from edgeai.reference.interpreter import find_main
from edgeai.support.context import run_pipeline
from edgeai.support.paths import MLPERF_QDQ, QDQ_TO_NN_TFLITE, shared_models_dir

HERE = Path(__file__).resolve().parent
MODELS = shared_models_dir() / "mlperf_tiny"
CORE = "cortex-m55"
QDQ = MLPERF_QDQ
TO_KERNEL = QDQ_TO_NN_TFLITE + ",convert-nn-to-kernel"
#: TFLM + CMSIS-NN on the M55, instructions per inference (../shared/notes/peer-baselines.md)
PEER = {"kws": 1_813_111, "ic": 4_911_088, "vww": 6_558_262, "ad": 149_973}
TARGET_RATIO = 0.7
#: kernel sets: the portable C only (the M55's FPU features, no DSP/MVE), and the M55's own
KERNEL_SETS = {
    "portable": frozenset({"fpu", "fpu_dp"}),
    "selected": None,
}


def _multi_harness(net: str, inputs: Sequence[np.ndarray], n_outputs: int) -> str:
    """`main.c` running every sample of inputs[0] (samples stacked on axis 0) through NET_run;
    the markers surround the first inference only; output 0 receives all outputs."""
    (x,) = inputs
    raw = np.ascontiguousarray(x).tobytes()
    data = runner._c_bytes(raw)
    return f"""/* Multi-sample harness of {net} (benchmarks/cortexm_speed_m55.py). */
#include <stdint.h>

#include "semihost.h"
#include "{net}.h"

#define EDGEAI_STACK_PAINT 0xC5ACCE55u
#define SAMPLES ({len(raw)}u / {net}_IN0_BYTES)

extern uint32_t __stack_limit[];
extern uint32_t __stack_top[];

static const uint8_t edgeai_in[{len(raw)}] __attribute__((section(".testdata"), aligned(16))) = {{
{data}
}};
static uint8_t edgeai_out[SAMPLES * {net}_OUT0_BYTES]
    __attribute__((section(".testbuf"), aligned(16)));
static uint8_t edgeai_arena[{net}_ARENA_BYTES > 0 ? {net}_ARENA_BYTES : 16]
    __attribute__((section(".arena"), aligned({net}_ARENA_ALIGN)));
static {net}_ctx edgeai_ctx;

__attribute__((noipa)) void {runner.MARKER_START}(void)
{{
    __asm__ volatile("" ::: "memory");
}}

__attribute__((noipa)) void {runner.MARKER_STOP}(void)
{{
    __asm__ volatile("" ::: "memory");
}}

__attribute__((noipa)) static void edgeai_paint_stack(void)
{{
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (volatile uint32_t *p = __stack_limit; p < sp - 32; ++p) {{
        *p = EDGEAI_STACK_PAINT;
    }}
}}

static uint32_t edgeai_stack_peak(void)
{{
    const volatile uint32_t *p = __stack_limit;
    while (p < __stack_top && *p == EDGEAI_STACK_PAINT) {{
        ++p;
    }}
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}}

int main(void)
{{
    uint32_t i;
    int rc, fd;
    {runner.MARKER_START}();
    {runner.MARKER_STOP}();
    if ({net}_init(&edgeai_ctx, edgeai_arena) != {net}_OK) {{
        return 2;
    }}
    edgeai_paint_stack();
    for (i = 0; i < SAMPLES; ++i) {{
        const void *in[1] = {{edgeai_in + i * {net}_IN0_BYTES}};
        void *out[1] = {{edgeai_out + i * {net}_OUT0_BYTES}};
        if (i == 0u) {{
            {runner.MARKER_START}();
        }}
        rc = {net}_run(&edgeai_ctx, in, out);
        if (i == 0u) {{
            {runner.MARKER_STOP}();
            sh_put_dec("edgeai-result stack_peak ", edgeai_stack_peak());
        }}
        if (rc != {net}_OK) {{
            return 3;
        }}
    }}
    fd = sh_open("out0.bin", SH_MODE_WB);
    if (fd < 0 || sh_write(fd, edgeai_out, sizeof edgeai_out) != 0) {{
        return 4;
    }}
    sh_close(fd);
    return 0;
}}
"""


runner.HARNESSES.setdefault("edgeai-multi", _multi_harness)


def kernel_module(key: str) -> ModuleOp:
    m = edgeai.import_model(str(MODELS / "onnx_qdq_tf2onnx" / QDQ[key]))
    return run_pipeline(m, TO_KERNEL)


def run_samples(module: ModuleOp, key: str, features: frozenset[str] | None, x: np.ndarray):
    """Emit, build and run every sample of `x`; (QemuResult, outputs [samples, ...], kernels)."""
    options = EmitOptions(cpu=CORE, features=features or frozenset())
    program = Program(module, key, options)
    (inp,), (out,) = program.inputs, program.outputs
    samples = x.reshape(-1, *inp.shape).astype(inp.dtype)
    work = Path(tempfile.mkdtemp(prefix=f"speed-{key}-"))
    try:
        files = write_program(program, work / "src")
        image = build_image(
            [p for p in files if p.suffix == ".c"], [work / "src"], CORE, "edgeai-multi",
            [samples], [((len(samples), *out.shape), out.dtype)], key, workdir=work,
        )  # fmt: skip
        result = run_image(image, timeout=600)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    kernels = Counter(impl.name for _, impl in program.layers)
    return result, result.outputs[0], kernels


def _single_layer(op: K.KernelOp) -> tuple[ModuleOp, int]:
    """A module running `op` alone: its non-constant inputs become arguments."""
    consts = {o: o.owner for o in op.operands if isinstance(o.owner, K.ConstantOp)}
    ins = [o for o in op.operands[:-1] if o not in consts]
    out = op.operands[-1]
    block = Block(arg_types=[o.type for o in ins] + [out.type])
    mapping = dict(zip([*ins, out], block.args, strict=True))
    for o, c in consts.items():
        clone = c.clone()
        block.add_op(clone)
        mapping[o] = clone.output
    new = op.clone()
    for i, o in enumerate(op.operands):
        new.operands[i] = mapping[o]
    block.add_op(new)
    block.add_op(func.ReturnOp())
    names = [f"in{i}" for i in range(len(ins))] + ["out0"]
    f = func.FuncOp(
        "main",
        FunctionType.from_lists([a.type for a in block.args], []),
        Region(block),
        arg_attrs=ArrayAttr([DictionaryAttr({"edgeai.name": StringAttr(n)}) for n in names]),
    )
    f.attributes["edgeai.num_outputs"] = IntegerAttr(1, i64)
    m = ModuleOp([f])
    m.attributes["edgeai.model"] = StringAttr("layer")
    return m, len(ins)


def layer_counts(module: ModuleOp) -> list[dict]:
    """Instructions of each layer alone on the M55 with the selected kernels (random input)."""
    rng = np.random.default_rng(0)
    rows = []
    ops = [op for op in find_main(module).body.block.ops if isinstance(op, K.KernelOp)]
    for i, op in enumerate(ops):
        m, n_in = _single_layer(op)
        args = find_main(m).args[:n_in]
        xs = [rng.integers(-128, 128, a.type.get_shape()).astype(np.int8) for a in args]
        program = Program(m, "layer", EmitOptions(cpu=CORE))
        impl = program.layers[0][1].name
        r = runner.run_network(m, CORE, xs, "layer")
        macs = _macs(op)
        rows.append(
            {
                "index": i,
                "op": op.name,
                "kernel": impl,
                "shape": [list(o.type.get_shape()) for o in op.operands],  # type: ignore[attr-defined]
                "instructions": r.instructions,
                "macs": macs,
                "instructions_per_mac": round(r.instructions / macs, 3) if macs else None,
            }
        )
    return rows


def _macs(op: K.KernelOp) -> int:
    if isinstance(op, K.Conv2dOp):
        oc, kh, kw, ic = op.weight.type.get_shape()  # type: ignore[attr-defined]
        return math.prod(op.output.type.get_shape()) * kh * kw * ic  # type: ignore[attr-defined]
    if isinstance(op, K.DepthwiseConv2dOp):
        _, kh, kw, _ = op.weight.type.get_shape()  # type: ignore[attr-defined]
        return math.prod(op.output.type.get_shape()) * kh * kw  # type: ignore[attr-defined]
    if isinstance(op, K.FullyConnectedOp):
        n, k = op.weight.type.get_shape()  # type: ignore[attr-defined]
        return math.prod(op.output.type.get_shape()) * k  # type: ignore[attr-defined]
    return 0


def measure(key: str, ref: np.lib.npyio.NpzFile, with_layers: bool) -> dict:
    module = kernel_module(key)
    x, want = ref[f"{key}_x"], ref[f"{key}_y_tflm"]
    entry: dict = {"samples": int(len(x))}
    for label, features in KERNEL_SETS.items():
        t0 = time.perf_counter()
        result, outputs, kernels = run_samples(module, key, features, x)
        exact = [
            bool(np.array_equal(outputs[i].reshape(want[i].shape), want[i])) for i in range(len(x))
        ]
        entry[label] = {
            "instructions": result.instructions,
            "flash_bytes": result.flash_bytes,
            "ram_bytes": result.ram_bytes,
            "stack_peak_bytes": result.stack_peak_bytes,
            "bit_exact_with_tflm": f"{sum(exact)}/{len(exact)}",
            "kernels": dict(sorted(kernels.items())),
            "seconds": round(time.perf_counter() - t0, 2),
        }
    sel, port = entry["selected"]["instructions"], entry["portable"]["instructions"]
    entry["speedup_vs_portable"] = round(port / sel, 2)
    if key in PEER:
        entry["peer_instructions"] = PEER[key]
        entry["ratio_to_peer"] = round(sel / PEER[key], 3)
        entry["target_instructions"] = int(PEER[key] * TARGET_RATIO)
        entry["meets_target"] = sel <= PEER[key] * TARGET_RATIO
    if with_layers:
        entry["layers"] = layer_counts(module)
    return entry


def main(argv: Sequence[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(QDQ), help="comma-separated subset of models")
    ap.add_argument("--layers", action="store_true", help="per-layer counts (slower)")
    ap.add_argument("--out", default=str(HERE / "results" / "cortexm_speed_m55.json"))
    args = ap.parse_args(argv)
    keys = [k.strip() for k in args.models.split(",") if k.strip()]
    unknown = [k for k in keys if k not in QDQ]
    if unknown:
        raise SystemExit(f"unknown model(s): {', '.join(unknown)} (known: {', '.join(QDQ)})")
    runner.require_toolchain()
    ref = np.load(MODELS / "reference_outputs.npz")
    results = {}
    for key in keys:
        results[key] = measure(key, ref, args.layers)
        r = results[key]
        ratio = f", {r['ratio_to_peer']}x the peer" if "ratio_to_peer" in r else ""
        print(
            f"{key}: {r['selected']['instructions']:,} instructions with the selected kernels "
            f"({r['portable']['instructions']:,} portable{ratio}), bit-exact "
            f"{r['selected']['bit_exact_with_tflm']}, flash {r['selected']['flash_bytes']:,} B, "
            f"stack {r['selected']['stack_peak_bytes']} B",
            flush=True,
        )
    doc = {
        "benchmark": "instructions per inference on the emulated Cortex-M55 (QEMU mps3-an547)",
        "compiler": "arm-none-eabi-gcc -O2 -mcpu=cortex-m55 -mfloat-abi=hard",
        "peer": "TFLite Micro + CMSIS-NN on the M55 (../shared/notes/peer-baselines.md)",
        "target_ratio_to_peer": TARGET_RATIO,
        "models": results,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and set(keys) != set(QDQ):
        old = json.loads(out.read_text())
        doc["models"] = {**old.get("models", {}), **results}
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    tmp.replace(out)
    return doc


if __name__ == "__main__":
    main()
