"""Import + lowering time of the MLPerf Tiny QDQ ONNX models (the issue's target: < 5 s for the
largest, vww_96_int8.onnx). Measures, per model, the best of several in-process runs of
`import_model` + `lower(to="nn")` (warm: Python modules already loaded) and one cold run in a
fresh interpreter (includes Python start-up and imports). Writes benchmarks/results/import_speed.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from edgeai.support.paths import shared_models_dir

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = str(shared_models_dir() / "mlperf_tiny" / "onnx_qdq_tf2onnx")
TARGET_S = 5.0


def measure(path: str, repeat: int = 3) -> dict:
    import edgeai

    best_import = best_total = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        m = edgeai.import_model(path)
        t1 = time.perf_counter()
        edgeai.lower(m, to="nn")
        t2 = time.perf_counter()
        best_import = min(best_import, t1 - t0)
        best_total = min(best_total, t2 - t0)
    ops = sum(1 for _ in m.walk())
    code = "import time,sys;t=time.perf_counter();import edgeai;m=edgeai.lower(edgeai.import_model(sys.argv[1]));print(time.perf_counter()-t)"
    cold = float(
        subprocess.run(
            [sys.executable, "-c", code, path], check=True, capture_output=True, text=True
        ).stdout
    )
    return {
        "model": os.path.basename(path),
        "bytes": os.path.getsize(path),
        "nn_ops": ops,
        "import_s": round(best_import, 4),
        "import_and_lower_s": round(best_total, 4),
        "cold_process_s": round(cold, 3),
    }


def main() -> int:
    files = sorted(os.listdir(MODELS))
    rows = [measure(os.path.join(MODELS, f)) for f in files if f.endswith(".onnx")]
    largest = max(rows, key=lambda r: r["bytes"])
    print(f"{'model':32} {'KB':>6} {'ops':>5} {'import s':>9} {'+lower s':>9} {'cold s':>7}")
    for r in rows:
        print(
            f"{r['model']:32} {r['bytes'] / 1024:6.0f} {r['nn_ops']:5d} {r['import_s']:9.3f} {r['import_and_lower_s']:9.3f} {r['cold_process_s']:7.2f}"
        )
    ok = largest["cold_process_s"] < TARGET_S
    print(
        f"largest model {largest['model']}: {largest['cold_process_s']:.2f} s cold (target < {TARGET_S} s): {'OK' if ok else 'MISSED'}"
    )
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "import_speed.json"), "w") as f:
        json.dump(
            {"target_s": TARGET_S, "largest": largest["model"], "met": ok, "models": rows},
            f,
            indent=2,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
