"""The reference interpreter: runs a module's `@main` (or only function) op by op on NumPy.

Each supported op class has one implementation registered with `@impl(OpClass)`; it receives the
op and its operand values (NumPy arrays in storage form, None for `onnx.none`) and returns the
result array (or a tuple for several results). Implementations live in `onnx_ops.py` and
`nn_ops.py`; later levels register theirs the same way. Loop-level modules (level 3: `scf`,
`memref`, ...) are not interpreted: `run` hands them to the llvmlite JIT (`jit.py`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import DictionaryAttr, ModuleOp, NoneType, StringAttr, TensorType
from xdsl.ir import Operation, SSAValue

from edgeai.support.attrs import storage_dtype
from edgeai.support.errors import EdgeAIError

Impl = Callable[..., Any]
IMPLS: dict[type[Operation], Impl] = {}
_IMPL_MODULES = (
    "edgeai.reference.onnx_ops",
    "edgeai.reference.nn_ops",
    "edgeai.reference.kernel_ops",
    "edgeai.backends.imc.sim",
)
_loaded = False


def impl(*op_classes: type[Operation]) -> Callable[[Impl], Impl]:
    """Register a reference implementation for one or more op classes."""

    def register(fn: Impl) -> Impl:
        for cls in op_classes:
            IMPLS[cls] = fn
        return fn

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        for m in _IMPL_MODULES:
            importlib.import_module(m)
        _loaded = True


def find_main(module: ModuleOp) -> func.FuncOp:
    """The entry function: `@main`, else the only public function of the module (private
    functions are helpers, e.g. the fixed-point routines of a loop-level module)."""
    funcs = [
        op
        for op in module.ops
        if isinstance(op, func.FuncOp)
        and not (op.sym_visibility is not None and op.sym_visibility.data == "private")
    ]
    for f in funcs:
        if f.sym_name.data == "main":
            return f
    if len(funcs) == 1:
        return funcs[0]
    raise EdgeAIError(f"module has {len(funcs)} functions and none is @main")


def io_names(f: func.FuncOp) -> tuple[list[str], list[str]]:
    """Input and output names: `edgeai.name` attributes, else SSA name hints / positions."""

    def names(attrs, count: int, values: list[SSAValue] | None, prefix: str) -> list[str]:
        out = []
        for i in range(count):
            name = None
            if attrs is not None and i < len(attrs.data):
                d = attrs.data[i]
                if isinstance(d, DictionaryAttr) and isinstance(
                    d.data.get("edgeai.name"), StringAttr
                ):
                    name = d.data["edgeai.name"].data
            if name is None and values is not None and values[i].name_hint:
                name = values[i].name_hint
            out.append(name or f"{prefix}{i}")
        return out

    n_out = _destination_passing(f)
    if n_out:
        all_names = names(f.arg_attrs, len(f.args), list(f.args), "arg_")
        return all_names[: len(f.args) - n_out], all_names[len(f.args) - n_out :]
    ins = names(f.arg_attrs, len(f.args), list(f.args), "input_")
    outs = names(f.res_attrs, len(f.function_type.outputs.data), None, "output_")
    return ins, outs


def check_input(name: str, value: Any, t: TensorType) -> np.ndarray:
    """Convert a user-supplied input to the argument's storage dtype, with clear errors."""
    arr = np.asarray(value)
    shape = tuple(t.get_shape())
    dtype = storage_dtype(t.element_type)
    if arr.shape != shape:
        if (
            arr.size == int(np.prod(shape))
            and arr.shape[1:] == shape[1:]
            or arr.shape == (1, *shape)
        ):
            arr = arr.reshape(shape)
        else:
            raise EdgeAIError(f"input '{name}': shape {arr.shape}, the model expects {shape}")
    if arr.dtype != dtype:
        if dtype.kind == "f" and arr.dtype.kind in "fiu":
            arr = arr.astype(dtype)
        elif (
            dtype.kind in "iub"
            and arr.dtype.kind in "iub"
            and arr.size
            and (arr.min() >= np.iinfo(dtype).min if dtype.kind != "b" else True)
            and (arr.max() <= np.iinfo(dtype).max if dtype.kind != "b" else True)
        ):
            arr = arr.astype(dtype)
        else:
            raise EdgeAIError(
                f"input '{name}': dtype {arr.dtype}, the model expects {dtype} ({t.element_type})"
            )
    return arr


def run_function(
    f: func.FuncOp,
    args: list[np.ndarray],
    trace: Callable[[Operation, list], None] | None = None,
    impls: Mapping[type, Callable[..., Any]] | None = None,
) -> list[np.ndarray]:
    """Execute `f` on positional NumPy arguments; returns the results in order. `impls`
    overrides the implementation of some op classes (a simulator runs its own ops this way
    and everything else by the reference)."""
    _load()
    from edgeai.dialects import mem

    env: dict[SSAValue, Any] = dict(zip(f.args, args, strict=True))
    arena = _planned_arena(f)
    for op in f.body.block.ops:
        if isinstance(op, func.ReturnOp):
            return [env[v] for v in op.arguments]
        if isinstance(op, mem.AllocOp):
            env[op.output] = _allocate(op, arena)
            continue
        fn = (impls or {}).get(type(op)) or IMPLS.get(type(op))
        if fn is None:
            raise EdgeAIError(f"the reference interpreter cannot run '{op.name}'")
        operands = [None if isinstance(o.type, NoneType) else env[o] for o in op.operands]
        try:
            out = fn(op, *operands)
        except EdgeAIError:
            raise
        except Exception as e:
            layer = op.attributes.get("layer")
            where = f" (layer '{layer.data}')" if isinstance(layer, StringAttr) else ""
            raise EdgeAIError(
                f"reference execution of '{op.name}'{where} failed: {type(e).__name__}: {e}"
            ) from e
        results = out if isinstance(out, tuple | list) else (out,)
        if len(results) != len(op.results):
            raise EdgeAIError(
                f"reference implementation of '{op.name}' returned {len(results)} values"
            )
        for r, v in zip(op.results, results, strict=True):
            if isinstance(r.type, TensorType):
                expected = storage_dtype(r.type.element_type)
                arr = np.asarray(v)
                if arr.dtype != expected:
                    arr = arr.astype(expected)
                if arr.shape != tuple(r.type.get_shape()):
                    raise EdgeAIError(
                        f"reference implementation of '{op.name}' produced shape {arr.shape}, "
                        f"the IR says {tuple(r.type.get_shape())}"
                    )
                env[r] = arr
            else:
                env[r] = v
        if trace is not None:
            trace(op, [env[r] for r in op.results])
    raise EdgeAIError(f"function @{f.sym_name.data} has no func.return")


def _planned_arena(f: func.FuncOp) -> np.ndarray | None:
    """One byte array holding every planned `mem.alloc` (so that overlapping plans corrupt)."""
    from edgeai.dialects import mem

    end = 0
    for op in f.body.block.ops:
        if isinstance(op, mem.AllocOp) and op.offset is not None:
            end = max(end, op.offset.value.data + op.nbytes)
    return np.zeros(end + 64, dtype=np.uint8) if end else None


def _allocate(op, arena: np.ndarray | None) -> np.ndarray:
    """The buffer of a `mem.alloc`: a view at its offset into the arena, or a fresh array."""
    t = op.output.type
    dtype = storage_dtype(t.element_type)
    shape = tuple(t.get_shape())
    if arena is not None and op.offset is not None:
        start = op.offset.value.data
        if start % dtype.itemsize:
            raise EdgeAIError(f"mem.alloc at offset {start} is not aligned for {dtype}")
        raw = arena[start : start + op.nbytes]
        return raw.view(dtype).reshape(shape)
    return np.zeros(shape, dtype=dtype)


def _destination_passing(f: func.FuncOp) -> int:
    """Number of output arguments of a kernel-level function (0 for value-returning ones)."""
    from xdsl.dialects.builtin import IntegerAttr

    n = f.attributes.get("edgeai.num_outputs")
    return n.value.data if isinstance(n, IntegerAttr) else 0


def run(
    module: ModuleOp,
    inputs: Mapping[str, Any] | None = None,
    *,
    seed: int = 0,
    trace: Callable[[Operation, list], None] | None = None,
    impls: Mapping[type, Callable[..., Any]] | None = None,
) -> dict[str, np.ndarray]:
    """Run the module's entry function on named inputs; missing inputs are an error.

    With `inputs=None`, seeded random inputs are generated (see `random_inputs`). `trace` is
    called after every op with its results; `impls` overrides op implementations
    (`run_function`).
    """
    f = find_main(module)
    in_names, out_names = io_names(f)
    arg_types = list(f.function_type.inputs.data)[: len(in_names)]
    if inputs is None:
        inputs = random_inputs(module, seed=seed)
    missing = [n for n in in_names if n not in inputs]
    if missing:
        raise EdgeAIError(
            f"missing input(s) {', '.join(missing)}; the model's inputs are {', '.join(in_names)}"
        )
    extra = [n for n in inputs if n not in in_names]
    if extra:
        raise EdgeAIError(
            f"unknown input(s) {', '.join(extra)}; the model's inputs are {', '.join(in_names)}"
        )
    args = []
    for name, t in zip(in_names, arg_types, strict=True):
        args.append(check_input(name, inputs[name], t))
    n_out = _destination_passing(f)
    if n_out:
        outs = [
            np.zeros(tuple(t.get_shape()), storage_dtype(t.element_type))
            for t in f.function_type.inputs.data[len(in_names) :]
        ]
        from edgeai.reference import jit

        if jit.is_loop_level(module, f):  # level 3: compiled with llvmlite
            jit.run_function(module, f, [*args, *outs])
        else:
            run_function(f, [*args, *outs], trace, impls)
        return dict(zip(out_names, outs, strict=True))
    outs = run_function(f, args, trace, impls)
    return dict(zip(out_names, outs, strict=True))


def random_inputs(module: ModuleOp, seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded random inputs matching the entry function's argument types.

    Floats are standard normal; integers and quantized types cover their whole storage range.
    """
    from edgeai.dialects.nn_types import BinaryType, QuantType

    f = find_main(module)
    names, _ = io_names(f)
    rng = np.random.default_rng(seed)
    out = {}
    for name, t in zip(names, f.function_type.inputs.data[: len(names)], strict=True):
        shape = tuple(t.get_shape())
        et = t.element_type
        dtype = storage_dtype(et)
        if isinstance(et, QuantType):
            out[name] = rng.integers(et.qmin, et.qmax + 1, size=shape).astype(dtype)
        elif isinstance(et, BinaryType):
            out[name] = rng.choice(np.array([-1, 1], dtype=np.int8), size=shape)
        elif dtype.kind == "f":
            out[name] = rng.standard_normal(shape).astype(dtype)
        elif dtype.kind == "b":
            out[name] = rng.integers(0, 2, size=shape).astype(bool)
        else:
            info = np.iinfo(dtype)
            lo, hi = max(info.min, -128), min(info.max, 127)
            out[name] = rng.integers(lo, hi + 1, size=shape).astype(dtype)
    return out
