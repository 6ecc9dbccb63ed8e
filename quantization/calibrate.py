"""Calibration: run the float `nn` program on sample inputs and record activation ranges.

The calibration file (`--calib data.npz`) holds one array per model input, named as the input,
with a leading sample axis: shape `(N, *input_shape)`, or `(N, *input_shape[1:])` when the model's
batch dimension is 1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping

import numpy as np
from xdsl.dialects.builtin import Float32Type, ModuleOp, TensorType
from xdsl.ir import SSAValue

from edgeai.dialects import nn
from edgeai.quantization import observers as obs
from edgeai.quantization.config import QuantConfig
from edgeai.reference.interpreter import check_input, find_main, io_names, run_function
from edgeai.support.errors import EdgeAIError


def load_calibration(path: str) -> dict[str, np.ndarray]:
    """Arrays of a calibration `.npz` (or a single-input `.npy`, keyed "")."""
    if not os.path.exists(path):
        raise EdgeAIError(f"--calib {path}: no such file")
    try:
        data = np.load(path, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - numpy raises many kinds
        raise EdgeAIError(f"--calib {path}: cannot read ({type(e).__name__}: {e})") from None
    if isinstance(data, np.ndarray):
        return {"": data}
    return {k: data[k] for k in data.files}


def samples(
    module: ModuleOp, calib: Mapping[str, np.ndarray], limit: int | None = None
) -> Iterator[list[np.ndarray]]:
    """Positional argument lists of the entry function, one per calibration sample."""
    f = find_main(module)
    names, _ = io_names(f)
    types = list(f.function_type.inputs.data)
    if set(calib) == {""} and len(names) == 1:
        calib = {names[0]: calib[""]}
    missing = [n for n in names if n not in calib]
    if missing:
        raise EdgeAIError(
            f"calibration data lacks input(s) {', '.join(missing)} (has {', '.join(calib) or 'nothing'})"
        )
    counts = set()
    per_input = []
    for name, t in zip(names, types, strict=True):
        assert isinstance(t, TensorType)
        shape = tuple(t.get_shape())
        arr = np.asarray(calib[name])
        if arr.shape[1:] == shape:
            per_input.append(arr)
        elif shape and shape[0] == 1 and arr.shape[1:] == shape[1:]:
            per_input.append(arr[:, None])
        else:
            raise EdgeAIError(
                f"calibration array '{name}' has shape {arr.shape}; expected (N, {', '.join(map(str, shape))})"
            )
        counts.add(arr.shape[0])
    if len(counts) != 1:
        raise EdgeAIError(f"calibration arrays have different sample counts: {sorted(counts)}")
    n = counts.pop()
    if n == 0:
        raise EdgeAIError("calibration data holds no samples")
    n = min(n, limit) if limit else n
    for i in range(n):
        yield [
            check_input(name, per_input[j][i], t)
            for j, (name, t) in enumerate(zip(names, types, strict=True))
        ]


def activation_values(module: ModuleOp) -> list[SSAValue]:
    """The float activation tensors of the entry function: arguments and non-constant results."""
    f = find_main(module)
    vals: list[SSAValue] = [a for a in f.args if _is_f32(a)]
    for op in f.body.block.ops:
        if isinstance(op, nn.ConstantOp):
            continue
        vals.extend(r for r in op.results if _is_f32(r))
    return vals


def _is_f32(v: SSAValue) -> bool:
    return isinstance(v.type, TensorType) and isinstance(v.type.element_type, Float32Type)


def calibrate(
    module: ModuleOp, calib: Mapping[str, np.ndarray], config: QuantConfig, progress: bool = False
) -> dict[SSAValue, obs.TensorStats]:
    """Statistics (range, and histogram for the histogram methods) of every float activation."""
    f = find_main(module)
    stats: dict[SSAValue, obs.TensorStats] = {
        v: obs.TensorStats() for v in activation_values(module)
    }
    passes = ["range"] if config.method == "minmax" else ["range", "hist"]
    all_samples = list(samples(module, calib))
    for phase in passes:
        for i, args in enumerate(all_samples):
            if progress:
                print(
                    f"\rcalibrating ({phase}) {i + 1}/{len(all_samples)}", end="", file=sys.stderr
                )

            def record(values: dict[SSAValue, np.ndarray], phase: str = phase) -> None:
                for v, x in values.items():
                    st = stats.get(v)
                    if st is not None:
                        st.update_range(x) if phase == "range" else st.update_hist(x, config.bins)

            record(dict(zip(f.args, args, strict=True)))
            run_function(
                f, args, lambda op, res, rec=record: rec(dict(zip(op.results, res, strict=True)))
            )
    if progress:
        print(file=sys.stderr)
    return {v: st for v, st in stats.items() if st.count}


def choose_range(
    st: obs.TensorStats, config: QuantConfig, qmin: int, qmax: int
) -> tuple[float, float]:
    """The quantization range of one tensor under the configured method and integer grid."""
    if config.method == "minmax" or st.hist is None:
        return obs.range_minmax(st)
    if config.method == "percentile":
        return obs.range_percentile(st, config.percentile)
    if config.method == "mse":
        return obs.range_mse(st, qmin, qmax)
    return obs.range_kl(st, qmax - qmin + 1)
