"""The llvmlite execution engine for loop-level (level 3) programs.

`edgeai.run` sends a module here when its level is `loops` (or its functions hold `scf`/`memref`
ops): the module is lowered to the `llvm` dialect (`convert-loops-to-llvm`, xDSL's conversions
plus ours), translated to LLVM IR (`xdsl.backend.llvm.convert.convert_module`), optimized with
LLVM's O2 pipeline for the host CPU, compiled with MCJIT and called through ctypes on NumPy
buffers (every function argument is a pointer to a C-contiguous array). Compiled modules are
cached per process, keyed by the module's text, so running the same program on many inputs pays
the compilation once.

Weights and other dense globals are handed to LLVM as byte strings (`c"..."`) rather than as
one constant per element, which keeps the translation of a 300 K-parameter model well under a
second. Uninitialized globals (arenas, scratch buffers) are zero-initialized.
"""

from __future__ import annotations

import ctypes
import hashlib
import time
import weakref
from dataclasses import dataclass, field

import llvmlite.binding as llvm_b
import numpy as np
from llvmlite import ir
from xdsl.backend.llvm.convert import convert_module
from xdsl.dialects import func, llvm
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, MemRefType, ModuleOp, i8

from edgeai.support.attrs import numpy_from_dense, storage_dtype
from edgeai.support.errors import EdgeAIError

OPT_LEVEL = 2
#: compiled modules kept by text (besides those of modules still alive)
CACHE_SIZE = 64
LOOP_DIALECTS = ("scf", "memref", "llvm", "cf")


@dataclass
class CompiledModule:
    """A module compiled by MCJIT: entry points by name, and what the compilation cost."""

    engine: llvm_b.ExecutionEngine
    functions: dict[str, ctypes._CFuncPtr] = field(default_factory=dict)
    xdsl_seconds: float = 0.0
    llvm_seconds: float = 0.0
    llvm_ir: str = ""


_CACHE: dict[str, CompiledModule] = {}
_BY_OBJECT: weakref.WeakKeyDictionary[ModuleOp, tuple[tuple[int, ...], CompiledModule]] = (
    weakref.WeakKeyDictionary()
)
_NATIVE_READY = False


def is_loop_level(module: ModuleOp, f: func.FuncOp | None = None) -> bool:
    """True for modules that need the JIT: level `loops`, or functions holding loop-level ops."""
    lvl = module.attributes.get("edgeai.level")
    if lvl is not None and getattr(lvl, "data", None) == "loops":
        return True
    root = f if f is not None else module
    return any(op.name.split(".")[0] in LOOP_DIALECTS for op in root.walk())


def _target_machine() -> llvm_b.TargetMachine:
    """A new host target machine (an MCJIT engine takes ownership of the one it is given)."""
    global _NATIVE_READY
    if not _NATIVE_READY:
        llvm_b.initialize_native_target()
        llvm_b.initialize_native_asmprinter()
        _NATIVE_READY = True
    return llvm_b.Target.from_default_triple().create_target_machine(
        cpu=llvm_b.get_host_cpu_name(),
        features=llvm_b.get_host_cpu_features().flatten(),
        opt=OPT_LEVEL,
        jit=True,
    )


def lower_to_llvm_dialect(module: ModuleOp) -> ModuleOp:
    """A copy of the loop-level `module` in the llvm dialect."""
    from edgeai.lowering.convert_loops_to_llvm import ConvertLoopsToLlvmPass
    from edgeai.support.context import make_context

    copy = module.clone()
    ConvertLoopsToLlvmPass().apply(make_context(), copy)
    return copy


def _detach_global_data(module: ModuleOp) -> dict[str, tuple[bytes | None, int]]:
    """Strip dense values from `llvm.mlir.global`s (retyped as byte arrays); returns, per
    global, its bytes (None: zero-initialized) and alignment."""
    data: dict[str, tuple[bytes | None, int]] = {}
    for op in list(module.ops):
        if not isinstance(op, llvm.GlobalOp):
            continue
        value = op.value
        raw: bytes | None = None
        t = op.global_type
        assert isinstance(t, llvm.LLVMArrayType)
        nbytes = t.size.data * storage_dtype(t.type).itemsize
        if isinstance(value, DenseIntOrFPElementsAttr):
            raw = numpy_from_dense(value).tobytes()
            if len(raw) != nbytes:
                raise EdgeAIError(f"global @{op.sym_name.data}: {len(raw)} bytes for {t}")
        op.properties.pop("value", None)
        op.properties["global_type"] = llvm.LLVMArrayType(nbytes, i8)
        align = op.alignment.value.data if op.alignment is not None else 16
        data[op.sym_name.data] = (raw, align)
    return data


def _attach_global_data(mod: ir.Module, data: dict[str, tuple[bytes | None, int]]) -> None:
    """Initializers (bytes, or zeros) and alignment of the globals `_detach_global_data` saw."""
    for name, (raw, align) in data.items():
        g = mod.get_global(name)
        t = g.value_type
        g.initializer = ir.Constant(t, bytearray(raw)) if raw is not None else ir.Constant(t, None)
        g.align = max(align, 16)


def translate(module: ModuleOp) -> tuple[str, float]:
    """LLVM IR text of a loop-level module, and the seconds spent in xDSL."""
    t0 = time.perf_counter()
    low = lower_to_llvm_dialect(module)
    data = _detach_global_data(low)
    internal = [
        op.sym_name.data
        for op in low.ops
        if isinstance(op, llvm.FuncOp) and op.linkage.linkage.data == "internal"
    ]
    mod = convert_module(low, fallback_target_triple=None)
    _attach_global_data(mod, data)
    for name in internal:  # convert_module drops function linkage; helpers may then be removed
        mod.get_global(name).linkage = "internal"
    text = str(mod)
    return text, time.perf_counter() - t0


def _fingerprint(module: ModuleOp) -> tuple[int, ...]:
    """Identity of every op of `module`: any rewrite creates or removes ops, so a change of
    structure changes it (cheap: no printing)."""
    return tuple(id(op) for op in module.walk())


def compile_module(module: ModuleOp) -> CompiledModule:
    """Compile (or fetch from the per-process cache) a loop-level module.

    Two cache levels: the module object itself (while its ops are the same objects), then the
    module's text (equal clones share one compilation)."""
    fp = _fingerprint(module)
    seen = _BY_OBJECT.get(module)
    if seen is not None and seen[0] == fp:
        return seen[1]
    key = hashlib.sha256(str(module).encode()).hexdigest()
    hit = _CACHE.get(key)
    if hit is not None:
        _BY_OBJECT[module] = (fp, hit)
        return hit
    text, xdsl_s = translate(module)
    t0 = time.perf_counter()
    tm = _target_machine()
    try:
        mod = llvm_b.parse_assembly(text)
        mod.data_layout = str(tm.target_data)
        mod.verify()
    except RuntimeError as e:
        raise EdgeAIError(f"LLVM rejected the lowered module: {e}") from e
    pto = llvm_b.create_pipeline_tuning_options(speed_level=OPT_LEVEL)
    pb = llvm_b.create_pass_builder(tm, pto)
    pb.getModulePassManager().run(mod, pb)
    engine = llvm_b.create_mcjit_compiler(mod, tm)
    engine.finalize_object()
    compiled = CompiledModule(engine, xdsl_seconds=xdsl_s, llvm_ir=text)
    compiled.llvm_seconds = time.perf_counter() - t0
    _CACHE[key] = compiled
    while len(_CACHE) > CACHE_SIZE:  # oldest first (modules still alive keep theirs)
        del _CACHE[next(iter(_CACHE))]
    _BY_OBJECT[module] = (fp, compiled)
    return compiled


def entry(compiled: CompiledModule, f: func.FuncOp) -> ctypes._CFuncPtr:
    """The ctypes callable of `f` (every argument a pointer; no result)."""
    name = f.sym_name.data
    fn = compiled.functions.get(name)
    if fn is None:
        if f.function_type.outputs.data:
            raise EdgeAIError(f"@{name}: the JIT runs destination-passing functions only")
        addr = compiled.engine.get_function_address(name)
        if not addr:
            raise EdgeAIError(f"@{name} is not in the compiled module")
        proto = ctypes.CFUNCTYPE(None, *([ctypes.c_void_p] * len(f.args)))
        fn = compiled.functions[name] = proto(addr)
    return fn


def run_function(module: ModuleOp, f: func.FuncOp, args: list[np.ndarray]) -> None:
    """Call `f` of the loop-level `module` on NumPy buffers (outputs are written in place)."""
    for a, t in zip(args, f.function_type.inputs.data, strict=True):
        assert isinstance(t, MemRefType)
        if (
            not a.flags.c_contiguous
            or a.dtype != storage_dtype(t.element_type)
            or a.size != int(np.prod(t.get_shape()))
        ):
            raise EdgeAIError(f"@{f.sym_name.data}: argument does not match {t}")
    fn = entry(compile_module(module), f)
    fn(*[a.ctypes.data for a in args])


def clear_cache() -> None:
    """Forget every compiled module (tests, benchmarks)."""
    _CACHE.clear()
    _BY_OBJECT.clear()


__all__ = [
    "CompiledModule",
    "clear_cache",
    "compile_module",
    "entry",
    "is_loop_level",
    "lower_to_llvm_dialect",
    "run_function",
    "translate",
]
