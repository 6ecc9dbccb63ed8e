"""C99 emitter of kernel-level programs for Cortex-M (and any C99 host).

`emit_c(module, name, out_dir, options)` writes, for a network `NET`:

* `NET.h`          the public API: `NET_ctx`, `NET_init`, `NET_run`, `NET_deinit`, the arena and
                   I/O sizes, the I/O quantization, the return codes;
* `NET.c`          the API: argument checks, then one call per layer on planned arena offsets;
* `NET_kernels.h`  internal: fixed-point helpers (`static inline`), layer prototypes, weights;
* `NET_kernels.c`  one function per layer, specialized at compile time (see `kernels/`);
* `NET_weights.c`  the constants as aligned `const` arrays (flash).

No malloc, no libc beyond `string.h`/`stdint.h` (`math.h` when a float softmax needs `expf`).
Every external symbol starts with `NET_`, everything else is `static`, so several networks
and several instances (one `NET_ctx` and one arena each) live in one program.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
)
from xdsl.ir import SSAValue

from edgeai.backends.cortexm.cgen import (
    array_values,
    c_identifier,
    c_type,
    comment,
    f32_literal,
)
from edgeai.backends.cortexm.kernels import CPU_FEATURES, KernelImpl, select
from edgeai.backends.cortexm.kernels.layer import FlashArray, Layer, Storage
from edgeai.backends.cortexm.plan import ALIGN, planned
from edgeai.dialects import kernel as K
from edgeai.dialects import mem
from edgeai.reference.interpreter import find_main
from edgeai.support.attrs import storage_dtype
from edgeai.support.errors import EdgeAIError, UnsupportedError

RUNTIME = Path(__file__).resolve().parent / "runtime"

#: return codes of NET_init / NET_run (also documented in NET.h)
RETURN_CODES = {
    "OK": (0, "success"),
    "ERR_NULL": (-1, "a NULL context, arena, input or output pointer"),
    "ERR_ALIGN": (-2, "the arena (or a float input/output) is not suitably aligned"),
    "ERR_STATE": (-3, "the context was not set up by NET_init (or was deinitialized)"),
}


@dataclass(frozen=True)
class EmitOptions:
    """Options of the C emitter.

    `features` are the core features kernels may use (`dsp`, `mve`, `fpu`, `fpu_dp`); when empty
    and `cpu` names a core, that core's features are taken (target.py presets). The portable kernels need
    none. `align` is the alignment of the weights and of the arena (bytes, a power of two).
    `max_scratch` (bytes, None: no limit) bounds the stack working buffers of the kernels
    (`kernels.select`): a layer whose SIMD kernel needs more gets one that needs less."""

    cpu: str | None = None
    features: frozenset[str] = field(default_factory=frozenset)
    align: int = ALIGN
    max_scratch: int | None = None

    @classmethod
    def of(cls, options: EmitOptions | Mapping[str, Any] | None) -> EmitOptions:
        """Options from an `EmitOptions`, None, or a mapping with the keys `cpu` (or
        `target`), `features` and `align` (unknown keys are an error)."""
        if options is None:
            return cls()
        if isinstance(options, EmitOptions):
            return options
        unknown = set(options) - {"cpu", "target", "features", "align", "max_scratch"}
        if unknown:
            raise EdgeAIError(f"unknown C emitter option(s): {', '.join(sorted(unknown))}")
        align = int(options.get("align", ALIGN))
        if align < 4 or align & (align - 1):
            raise EdgeAIError(f"C emitter option align={align}: a power of two >= 4 expected")
        cpu = options.get("cpu") or options.get("target")
        return cls(
            cpu=getattr(cpu, "name", cpu),  # a name or a target.CortexMTarget
            features=frozenset(options.get("features", ())),
            align=align,
            max_scratch=options.get("max_scratch"),
        )

    def core_features(self) -> frozenset[str]:
        """`features`, else those of the `cpu` preset (target.py, else `CPU_FEATURES`)."""
        if self.features:
            return frozenset(self.features)
        if not self.cpu:
            return frozenset()
        try:
            from edgeai.backends.cortexm.target import get_target

            return frozenset(get_target(self.cpu).features)
        except (ImportError, EdgeAIError):
            key = self.cpu if self.cpu.startswith("cortex-") else "cortex-" + self.cpu
            if key not in CPU_FEATURES:
                raise EdgeAIError(f"unknown Cortex-M core '{self.cpu}'") from None
            return CPU_FEATURES[key]


@dataclass
class IOBuffer:
    """One input or output of the network (`offset`: its place in the arena when the plan
    puts the inputs/outputs inside it)."""

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    scale: float | None = None
    zero_point: int | None = None
    offset: int | None = None

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


@dataclass
class _Const:
    value: np.ndarray
    note: str
    symbol: str | None = None


def default_name(module: ModuleOp) -> str:
    """The network name when none is given: the model file stem made a C identifier."""
    a = module.attributes.get("edgeai.model")
    return c_identifier(a.data if isinstance(a, StringAttr) else "network")


def _io_buffers(f: func.FuncOp, n_out: int) -> tuple[list[IOBuffer], list[IOBuffer]]:
    attrs = list(f.arg_attrs.data) if f.arg_attrs else [DictionaryAttr({})] * len(f.args)
    bufs: list[IOBuffer] = []
    n_in = len(f.args) - n_out
    for i, (a, d) in enumerate(zip(f.args, attrs, strict=True)):
        t = a.type
        assert isinstance(t, MemRefType)
        idx = i if i < n_in else i - n_in
        name = d.data.get("edgeai.name") if isinstance(d, DictionaryAttr) else None
        scale = d.data.get("edgeai.scale") if isinstance(d, DictionaryAttr) else None
        zp = d.data.get("edgeai.zero_point") if isinstance(d, DictionaryAttr) else None
        off = d.data.get("edgeai.offset") if isinstance(d, DictionaryAttr) else None
        bufs.append(
            IOBuffer(
                idx,
                name.data if isinstance(name, StringAttr) else (a.name_hint or f"io{i}"),
                tuple(int(s) for s in t.get_shape()),
                storage_dtype(t.element_type),
                float(scale.value.data) if isinstance(scale, FloatAttr) else None,
                int(zp.value.data) if isinstance(zp, IntegerAttr) else None,
                int(off.value.data) if isinstance(off, IntegerAttr) else None,
            )
        )
    return bufs[:n_in], bufs[n_in:]


class Program:
    """A kernel-level function resolved for C: buffers, constants and layers."""

    def __init__(self, module: ModuleOp, name: str, options: EmitOptions):
        self.name = name
        self.options = options
        self.module = planned(module)
        f = find_main(self.module)
        self.func = f
        n_out_attr = f.attributes.get("edgeai.num_outputs")
        if not isinstance(n_out_attr, IntegerAttr):
            raise EdgeAIError(
                f"@{f.sym_name.data} is not a kernel-level function "
                "(run convert-nn-to-kernel before emitting C)"
            )
        n_out = n_out_attr.value.data
        self.inputs, self.outputs = _io_buffers(f, n_out)
        n_in = len(self.inputs)
        arena_attr = f.attributes.get("edgeai.arena_bytes")
        io_attr = f.attributes.get("edgeai.io_in_arena")
        self.io_in_arena = isinstance(io_attr, IntegerAttr) and bool(io_attr.value.data)
        self.storage: dict[SSAValue, Storage] = {}
        self.arena_end = 0
        for i, a in enumerate(f.args):
            buf = self.inputs[i] if i < n_in else self.outputs[i - n_in]
            if self.io_in_arena:
                if buf.offset is None:
                    raise EdgeAIError(
                        f"inputs/outputs are planned in the arena but '{buf.name}' has no "
                        "edgeai.offset"
                    )
                self.storage[a] = Storage("arena", 0, buf.offset)
                self.arena_end = max(self.arena_end, buf.offset + buf.nbytes)
            else:
                self.storage[a] = Storage("input", i) if i < n_in else Storage("output", i - n_in)
        self.consts: list[_Const] = []
        self.layers: list[tuple[Layer, KernelImpl]] = []
        problems: list[str] = []
        features = options.core_features()
        for op in f.body.block.ops:
            if isinstance(op, K.ConstantOp):
                self.storage[op.output] = Storage("const", len(self.consts))
                self.consts.append(_Const(op.to_numpy(), op.output.name_hint or ""))
            elif isinstance(op, mem.AllocOp):
                if op.offset is None:
                    problems.append(f"mem.alloc {op.output.type} has no arena offset")
                    continue
                off = op.offset.value.data
                align = storage_dtype(op.output.type.element_type).itemsize
                if off % align:
                    problems.append(f"arena offset {off} is not aligned for {op.output.type}")
                self.storage[op.output] = Storage("arena", 0, off)
                self.arena_end = max(self.arena_end, off + op.nbytes)
            elif isinstance(op, mem.ViewOp):
                self.storage[op.output] = self.storage[op.input]
            elif isinstance(op, func.ReturnOp):
                continue
            elif isinstance(op, K.KernelOp):
                try:
                    self.layers.append(self._layer(op, len(self.layers), features))
                except EdgeAIError as e:
                    problems.append(str(e))
            else:
                problems.append(f"{op.name} cannot be emitted as C (not a kernel-level op)")
        if problems:
            raise UnsupportedError("C emitter", problems)
        planned_bytes = arena_attr.value.data if isinstance(arena_attr, IntegerAttr) else 0
        self.arena_bytes = max(planned_bytes, self.arena_end)
        #: the largest stack working buffer of a layer's kernel (bytes, declared arrays)
        self.scratch_bytes = max((impl.scratch(layer.op) for layer, impl in self.layers), default=0)

    # ----- layers

    def _layer(
        self, op: K.KernelOp, index: int, features: frozenset[str]
    ) -> tuple[Layer, KernelImpl]:
        impl = select(op, features, self.options.max_scratch)
        layer = Layer(
            self.name, index, op, features, self.storage.__getitem__,
            self._const_symbol, self._const_value,
        )  # fmt: skip
        impl.emit(op, layer)
        if not impl.in_place:
            self._check_no_alias(layer)
        return layer, impl

    def _const_value(self, v: SSAValue) -> np.ndarray:
        return self.consts[self.storage[v].index].value

    def _const_symbol(self, v: SSAValue, suggestion: str) -> str:
        c = self.consts[self.storage[v].index]
        if c.symbol is None:
            c.symbol = f"{self.name}_{suggestion}"
        return c.symbol

    def _extent(self, v: SSAValue) -> tuple[str, int, int, int]:
        s = self.storage[v]
        t = v.type
        assert isinstance(t, MemRefType)
        nbytes = math.prod(t.get_shape()) * storage_dtype(t.element_type).itemsize
        return s.kind, s.index, s.offset, s.offset + nbytes

    def _check_no_alias(self, layer: Layer) -> None:
        params = layer.params()
        for _, out, written in params:
            if not written:
                continue
            ko, io, lo, ho = self._extent(out)
            for _, v, w in params:
                if w:
                    continue
                k, i, lo2, ho2 = self._extent(v)
                if k == ko and i == io and lo2 < ho and lo < ho2:
                    where = f" (layer '{layer.op.layer}')" if layer.op.layer else ""
                    raise EdgeAIError(
                        f"{layer.op.name}{where}: the output buffer overlaps an input; "
                        "this kernel cannot run in place"
                    )

    def call_args(self, layer: Layer) -> list[str]:
        """The C arguments of a layer call inside NET_run."""
        args = []
        for _, v, written in layer.params():
            s = self.storage[v]
            ct = c_type(Layer.dtype(v))
            qual = "" if written else "const "
            if s.kind == "arena":
                base = "arena" if s.offset == 0 else f"(arena + {s.offset})"
                args.append(f"({qual}{ct} *){base}")
            elif s.kind == "input":
                if written:
                    raise EdgeAIError(f"{layer.op.name} writes the network input {s.index}")
                args.append(f"(const {ct} *)inputs[{s.index}]")
            else:
                args.append(f"({qual}{ct} *)outputs[{s.index}]")
        return args

    @property
    def flash_arrays(self) -> list[FlashArray]:
        """Every array of the weights file: the used constants, then derived tables."""
        out = [
            FlashArray(c.symbol, c_type(c.value.dtype), c.value, c.note)
            for c in self.consts
            if c.symbol is not None and c.value.size
        ]
        for layer, _ in self.layers:
            out.extend(layer.flash)
        return out

    @property
    def uses_math(self) -> bool:
        return any(layer.uses_math for layer, _ in self.layers)


# ---------------------------------------------------------------------------------------------
# files


def _banner(text: str) -> str:
    return f"/* {text}\n * Generated by edgeai (portable C99); do not edit. */\n"


def _prototype(layer: Layer, impl: KernelImpl) -> str:
    qual = "" if impl.in_place else "restrict "
    params = []
    for name, v, written in layer.params():
        const = "" if written else "const "
        params.append(f"{const}{c_type(Layer.dtype(v))} *{qual}{name}")
    return f"void {layer.function}({', '.join(params)})"


def _shape_text(v: SSAValue) -> str:
    t = v.type
    assert isinstance(t, MemRefType)
    return "x".join(str(d) for d in t.get_shape()) + f" {storage_dtype(t.element_type).name}"


def _layer_comment(layer: Layer, impl: KernelImpl) -> str:
    op = layer.op
    name = f' "{comment(op.layer)}"' if op.layer else ""
    ins = ", ".join(_shape_text(v) for v in op.inputs())
    outs = ", ".join(_shape_text(v) for v in op.outputs())
    return f"/* layer {layer.index}: {op.name}{name} ({impl.name})\n *   {ins} -> {outs} */"


def _header(p: Program) -> str:
    net = p.name
    guard = f"EDGEAI_{net}_H"
    lines = [
        _banner(f"{net}.h: the API of network '{net}'."),
        "/* Usage (one context and one arena per instance):",
        f" *     static uint8_t arena[{net}_ARENA_BYTES] (aligned to {net}_ARENA_ALIGN);",
        f" *     {net}_ctx ctx;",
        f" *     const void *in[{net}_NUM_INPUTS] = {{ ... }};",
        f" *     void *out[{net}_NUM_OUTPUTS] = {{ ... }};",
        f" *     if ({net}_init(&ctx, arena) == {net}_OK) {{ {net}_run(&ctx, in, out); }}",
        f" *     {net}_deinit(&ctx);",
        " * Inputs and outputs keep the model's layout and element type; the application owns",
        " * their buffers (float buffers 4-byte aligned). The arena holds the intermediate",
        " * tensors only and may be reused between runs and between networks run in turn. */",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        "#include <stdint.h>",
        "",
        "#ifdef __cplusplus",
        'extern "C" {',
        "#endif",
        "",
        f"#define {net}_ARENA_BYTES {p.arena_bytes}u",
        f"#define {net}_ARENA_ALIGN {p.options.align}u",
        f"#define {net}_NUM_INPUTS {len(p.inputs)}",
        f"#define {net}_NUM_OUTPUTS {len(p.outputs)}",
        "",
    ]
    for kind, bufs in (("IN", p.inputs), ("OUT", p.outputs)):
        for b in bufs:
            shape = "x".join(str(d) for d in b.shape)
            lines.append(
                f'/* {kind.lower()}put {b.index} "{comment(b.name)}": {shape} {b.dtype.name} */'
            )
            lines.append(f"#define {net}_{kind}{b.index}_BYTES {b.nbytes}u")
            if b.scale is not None and b.zero_point is not None:
                lines.append(f"#define {net}_{kind}{b.index}_SCALE {f32_literal(b.scale)}")
                zp = str(b.zero_point) if b.zero_point >= 0 else f"({b.zero_point})"
                lines.append(f"#define {net}_{kind}{b.index}_ZERO_POINT {zp}")
        lines.append("")
    lines.append("/* return codes of init and run */")
    for key, (value, text) in RETURN_CODES.items():
        v = str(value) if value >= 0 else f"({value})"
        lines.append(f"#define {net}_{key} {v} /* {text.replace('NET', net)} */")
    lines += [
        "",
        "/* One instance: the arena it runs in and its state. */",
        f"typedef struct {net}_ctx {{",
        "    uint8_t *arena;",
        "    uint32_t state;",
        f"}} {net}_ctx;",
        "",
        f"/* Set up `ctx` to run in `arena` ({net}_ARENA_BYTES bytes aligned to "
        f"{net}_ARENA_ALIGN). */",
        f"int {net}_init({net}_ctx *ctx, void *arena);",
        "",
        f"/* One inference: inputs[i] holds {net}_IN<i>_BYTES bytes, outputs[i] receives "
        f"{net}_OUT<i>_BYTES. */",
        f"int {net}_run({net}_ctx *ctx, const void *const inputs[], void *const outputs[]);",
        "",
        "/* Release `ctx` (it must be initialized again before the next run). */",
        f"void {net}_deinit({net}_ctx *ctx);",
        "",
        "#ifdef __cplusplus",
        "}",
        "#endif",
        "",
        f"#endif /* {guard} */",
        "",
    ]
    return "\n".join(lines)


def _kernels_header(p: Program) -> str:
    net = p.name
    guard = f"EDGEAI_{net}_KERNELS_H"
    common = (RUNTIME / "kernels_common.h").read_text()
    lines = [
        _banner(f"{net}_kernels.h: internal header of network '{net}' (not for applications)."),
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        "#include <stdint.h>",
        "#include <string.h>",
    ]
    if p.uses_math:
        lines.append("#include <math.h>")
    lines += [
        "",
        "/* Placement of the weights; define it (e.g. a section) to place them elsewhere. */",
        f"#ifndef {net}_WEIGHT_ATTR",
        "#if defined(__GNUC__) || defined(__clang__)",
        f"#define {net}_WEIGHT_ATTR __attribute__((aligned({p.options.align})))",
        "#else",
        f"#define {net}_WEIGHT_ATTR",
        "#endif",
        "#endif",
        "",
        common.rstrip(),
        "",
    ]
    for extra in sorted(set().union(*(layer.runtime for layer, _ in p.layers))):
        lines += [(RUNTIME / extra).read_text().rstrip(), ""]
    lines += [f"/* weights ({net}_weights.c) */"]
    for arr in p.flash_arrays:
        lines.append(f"extern const {arr.ctype} {arr.symbol}[{arr.values.size}];")
    lines += ["", f"/* layers ({net}_kernels.c) */"]
    for layer, impl in p.layers:
        lines.append(_prototype(layer, impl) + ";")
    lines += ["", f"#endif /* {guard} */", ""]
    return "\n".join(lines)


def _kernels_source(p: Program) -> str:
    net = p.name
    parts = [
        _banner(f"{net}_kernels.c: the layers of network '{net}', specialized at compile time."),
        f'#include "{net}_kernels.h"',
        "",
    ]
    for layer, impl in p.layers:
        parts.append(_layer_comment(layer, impl))
        parts.extend(layer.statics)
        parts.append(_prototype(layer, impl))
        parts.append("{")
        parts.append(layer.code.text())
        parts.append("}")
        parts.append("")
    return "\n".join(parts)


def _weights_source(p: Program) -> str:
    net = p.name
    parts = [
        _banner(f"{net}_weights.c: the constants of network '{net}' (flash)."),
        f'#include "{net}_kernels.h"',
        "",
    ]
    for arr in p.flash_arrays:
        shape = "x".join(str(d) for d in arr.values.shape)
        note = f"{comment(arr.note)}: " if arr.note else ""
        parts.append(f"/* {note}{shape} {arr.ctype}, {arr.nbytes} bytes */")
        parts.append(
            f"const {arr.ctype} {arr.symbol}[{arr.values.size}] {net}_WEIGHT_ATTR = {{\n"
            f"{array_values(arr.values, arr.ctype)}\n}};"
        )
        parts.append("")
    return "\n".join(parts)


def _api_source(p: Program) -> str:
    net = p.name
    ready = "0x45414931u"
    lines = [
        _banner(f"{net}.c: init/run/deinit of network '{net}'."),
        f'#include "{net}.h"',
        f'#include "{net}_kernels.h"',
        "",
        f"#define {net}_STATE_READY {ready}",
        "",
        f"int {net}_init({net}_ctx *ctx, void *arena)",
        "{",
        "    if (ctx == NULL) {",
        f"        return {net}_ERR_NULL;",
        "    }",
        "    ctx->arena = NULL;",
        "    ctx->state = 0u;",
    ]
    if p.arena_bytes > 0:
        lines += [
            "    if (arena == NULL) {",
            f"        return {net}_ERR_NULL;",
            "    }",
        ]
    lines += [
        f"    if (((uintptr_t)arena & ({net}_ARENA_ALIGN - 1u)) != 0u) {{",
        f"        return {net}_ERR_ALIGN;",
        "    }",
        "    ctx->arena = (uint8_t *)arena;",
        f"    ctx->state = {net}_STATE_READY;",
        f"    return {net}_OK;",
        "}",
        "",
        f"int {net}_run({net}_ctx *ctx, const void *const inputs[], void *const outputs[])",
        "{",
    ]
    uses_arena = any(
        p.storage[v].kind == "arena" for layer, _ in p.layers for _, v, _ in layer.params()
    )
    if uses_arena or p.io_in_arena:
        lines.append("    uint8_t *arena;")
    lines += [
        "    if (ctx == NULL || inputs == NULL || outputs == NULL) {",
        f"        return {net}_ERR_NULL;",
        "    }",
        f"    if (ctx->state != {net}_STATE_READY) {{",
        f"        return {net}_ERR_STATE;",
        "    }",
    ]
    nulls = [f"inputs[{b.index}] == NULL" for b in p.inputs]
    nulls += [f"outputs[{b.index}] == NULL" for b in p.outputs]
    if nulls:
        lines.append(f"    if ({' || '.join(nulls)}) {{")
        lines += [f"        return {net}_ERR_NULL;", "    }"]
    aligns = [
        f"((uintptr_t){arr}[{b.index}] & {b.dtype.itemsize - 1}u) != 0u"
        for arr, bufs in (("inputs", p.inputs), ("outputs", p.outputs))
        for b in bufs
        if b.dtype.itemsize > 1
    ]
    if aligns:
        lines.append(f"    if ({' || '.join(aligns)}) {{")
        lines += [f"        return {net}_ERR_ALIGN;", "    }"]
    if uses_arena or p.io_in_arena:
        lines.append("    arena = ctx->arena;")
    if p.io_in_arena:
        lines.append("    /* the plan keeps the inputs in the arena: copy them in */")
        for b in p.inputs:
            dst = f"arena + {b.offset}" if b.offset else "arena"
            lines += [
                f"    if (inputs[{b.index}] != (const void *)({dst})) {{",
                f"        memcpy({dst}, inputs[{b.index}], {b.nbytes}u);",
                "    }",
            ]
    for layer, _ in p.layers:
        name = f' "{comment(layer.op.layer)}"' if layer.op.layer else ""
        lines.append(f"    /* {layer.index}: {layer.op.name}{name} */")
        lines.append(f"    {layer.function}({', '.join(p.call_args(layer))});")
    if p.io_in_arena:
        lines.append("    /* and the outputs: copy them out */")
        for b in p.outputs:
            src = f"arena + {b.offset}" if b.offset else "arena"
            lines += [
                f"    if (outputs[{b.index}] != (void *)({src})) {{",
                f"        memcpy(outputs[{b.index}], {src}, {b.nbytes}u);",
                "    }",
            ]
    lines += [
        f"    return {net}_OK;",
        "}",
        "",
        f"void {net}_deinit({net}_ctx *ctx)",
        "{",
        "    if (ctx != NULL) {",
        "        ctx->arena = NULL;",
        "        ctx->state = 0u;",
        "    }",
        "}",
        "",
    ]
    return "\n".join(lines)


def emit_c(
    module: ModuleOp,
    name: str | None = None,
    out_dir: str | Path = ".",
    options: EmitOptions | Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write the C files of the kernel-level `module` into `out_dir` (see the module
    docstring); returns their paths (`NET.h`, `NET.c`, `NET_kernels.h`, `NET_kernels.c`,
    `NET_weights.c`). `name` defaults to the model file stem made a C identifier."""
    net = c_identifier(name) if name else default_name(module)
    if name is not None and net != name:
        raise EdgeAIError(f"network name '{name}' is not a C identifier (try '{net}')")
    program = Program(module, net, EmitOptions.of(options))
    return write_program(program, Path(out_dir))


def write_program(program: Program, out_dir: Path) -> list[Path]:
    """Write the files of an already resolved program."""
    out_dir.mkdir(parents=True, exist_ok=True)
    net = program.name
    files = {
        f"{net}.h": _header(program),
        f"{net}.c": _api_source(program),
        f"{net}_kernels.h": _kernels_header(program),
        f"{net}_kernels.c": _kernels_source(program),
        f"{net}_weights.c": _weights_source(program),
    }
    paths = []
    for fname, text in files.items():
        path = out_dir / fname
        path.write_text(text)
        paths.append(path)
    return paths
