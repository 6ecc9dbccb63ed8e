"""The edgeai demo: compile the bundled digits CNN and prove it still computes the same thing.

1. import `examples/digits_cnn/digits_cnn.onnx` (level 0, `onnx` dialect);
2. lower it to the `nn` dialect with the default pipeline (layout conversion + graph optimizer)
   and show what the optimizer did;
3. run the `nn` program with the reference interpreter on the 450 held-out digits and compare
   with onnxruntime on the original model: max abs error, accuracy of both, agreement;
4. `edgeai generate --target cortex-m4`: C files and report.json in build/demo/digits_cnn;
5. `edgeai validate --runner host`: the C compiled with gcc on the 450 digits vs the reference;
6. `edgeai validate --runner qemu`: the C built for the Cortex-M4 and run under QEMU (mps2-an386)
   on a few digits, with the executed instructions per inference.

Exit status is non-zero when any step disagrees beyond float tolerance or fails.
"""

from __future__ import annotations

import collections
import importlib.util
import os
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "digits_cnn", "digits_cnn.onnx")


def load_split():
    spec = importlib.util.spec_from_file_location(
        "digits_data", os.path.join(HERE, "digits_cnn", "data.py")
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.load_split()


def op_histogram(module) -> str:
    counts = collections.Counter(
        op.name
        for op in module.walk()
        if "." in op.name and not op.name.startswith(("builtin.", "func."))
    )
    return ", ".join(f"{k} x{v}" for k, v in sorted(counts.items()))


def main() -> int:
    import onnxruntime as ort

    import edgeai

    t0 = time.perf_counter()
    module = edgeai.import_model(MODEL)
    t1 = time.perf_counter()
    print(f"[1/6] imported {os.path.relpath(MODEL)} in {t1 - t0:.2f} s")
    print(f"      level 0 ops: {op_histogram(module)}")
    edgeai.lower(module, to="nn")
    t2 = time.perf_counter()
    print(f"[2/6] lowered to nn (convert-onnx-to-nn, nn-optimize) in {t2 - t1:.2f} s")
    print(f"      level 1 ops: {op_histogram(module)}")
    fused = [op for op in module.walk() if op.name == "nn.conv2d" and "act" in op.properties]
    print(f"      batch norms folded, {len(fused)} ReLU(s) fused into convolutions")

    _, _, x_test, y_test = load_split()
    sess = ort.InferenceSession(MODEL, providers=["CPUExecutionProvider"])
    ours, theirs = [], []
    for x in x_test:
        ours.append(edgeai.run(module, {"image": x[None]})["logits"][0])
        theirs.append(sess.run(None, {"image": x[None]})[0][0])
    ours_a, theirs_a = np.array(ours), np.array(theirs)
    t3 = time.perf_counter()
    err = float(np.abs(ours_a - theirs_a).max())
    acc_ours = float((ours_a.argmax(1) == y_test).mean())
    acc_ort = float((theirs_a.argmax(1) == y_test).mean())
    agree = float((ours_a.argmax(1) == theirs_a.argmax(1)).mean())
    print(
        f"[3/6] ran {len(x_test)} held-out digits through the nn reference and onnxruntime in {t3 - t2:.2f} s"
    )
    print(f"      max |edgeai - onnxruntime| = {err:.3g}")
    print(
        f"      accuracy: edgeai {acc_ours:.2%}, onnxruntime {acc_ort:.2%}, top-1 agreement {agree:.2%}"
    )
    ok = err < 1e-4 and agree == 1.0
    print("      the lowered program matches onnxruntime" if ok else "FAIL: results differ")
    if not ok:
        return 1
    return c_steps(x_test)


def c_steps(x_test: np.ndarray) -> int:
    """Steps 4-6 through the `edgeai` command line (in process)."""
    from edgeai.tools.edgeai_main import main as edgeai_main

    out = os.path.join(os.path.dirname(HERE), "build", "demo", "digits_cnn")
    common = ["-m", MODEL, "--target", "cortex-m4"]
    print(f"[4/6] edgeai generate {' '.join(common)} -o {os.path.relpath(out)}", flush=True)
    if edgeai_main(["generate", *common, "-o", out]) != 0:
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        digits = os.path.join(tmp, "digits.npz")
        np.savez(digits, image=x_test.astype(np.float32))
        few = os.path.join(tmp, "few.npz")
        np.savez(few, image=x_test[:6].astype(np.float32))
        print(f"[5/6] edgeai validate {' '.join(common)} --runner host ({len(x_test)} digits)")
        if edgeai_main(["validate", *common, "--runner", "host", "--inputs", digits]) != 0:
            return 1
        print("[6/6] edgeai validate ... --runner qemu (6 digits on an emulated Cortex-M4)")
        if edgeai_main(["validate", *common, "--runner", "qemu", "--inputs", few]) != 0:
            return 1
    print("PASS: nn program = onnxruntime, C on the host and on the Cortex-M4 = nn reference")
    return 0


if __name__ == "__main__":
    sys.exit(main())
