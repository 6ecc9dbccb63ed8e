"""`edgeai analyze`: MACC, weights, activations, per-layer table, op-type profile and fit check.

`analyze_model(path, target=None, ...)` returns the report dict, version 1 (every key always
present; `docs/analyze.md` documents each one):

* the model is lowered to `nn` (`tools/generate.py: lower_to_nn`); per-layer rows, MACC, params,
  weights and the op-type / weight profiles come from `analysis/layers.py` and
  `analysis/profile.py`;
* the activations are the **memory plan** `edgeai generate` makes with its defaults: a clone
  goes through the Cortex-M backend's legalize and allocate phases
  (`backends/cortexm/pipeline.py`: `convert-nn-to-kernel`, then
  `mem-plan-arena{objective=balanced alignment=16 io-in-arena=false}`); the plan is read back
  from the planned function (execution order = the op order, offsets on the `mem.alloc`s) and
  the kernel ops' `layer` attributes name the steps and buffers with the model's node names.
  `activations_bytes` is the arena's peak (`edgeai.arena_bytes`, the figure `generate`
  reports as `arena_bytes`), `activations_lower_bound_bytes` the planner's bound;
* a model without Cortex-M kernels for some op (float-only ops, the QONNX binary nets in QDQ
  form) is planned at the `nn` level instead: every tensor an op produces is a buffer (at its
  element type's bit width, packed), `nn.reshape` a view, constants in flash, inputs and
  outputs outside the arena, and the same planner (`transforms/memplan`: execution order,
  placement, lower bound) places them; `memory_plan.level` says which (`"kernel"` or `"nn"`)
  and `memory_plan.note` why;
* a layer's `activation_bytes` is the number of arena bytes occupied (the union of the live
  buffers' byte ranges) while its step runs, the largest over its steps (0 for a layer with no
  step: a view); the largest of them is the plan's live peak, reached at `fit.peak_layer`;
* `io_bytes` counts the input and output buffers (outside the arena), `ram_bytes` =
  activations + I/O (kernel working buffers of the C emitter are not included: `generate`
  reports them), `flash_bytes` = the weights at their bit widths (code not counted);
* `fit` compares `ram_bytes` / `flash_bytes` with a device preset (`analysis/targets.py`)
  and/or explicit limits (`--ram-limit`, `--flash-limit` override the preset's figures).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DictionaryAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.utils.exceptions import VerifyException

from edgeai.support.errors import EdgeAIError

SCHEMA = 1
#: `edgeai analyze` exit code when the model does not fit the target / limits
EXIT_NO_FIT = 4
#: the plan `edgeai generate` makes with its defaults
ALIGNMENT = 16


# ---------------------------------------------------------------------------------------------
# memory plan


@dataclass
class PlannedBuffer:
    """A buffer of the plan: its bytes at `offset`, live from `first` to `last` (positions)."""

    name: str
    offset: int
    size: int
    first: int
    last: int

    def as_dict(self) -> dict:
        """The `memory_plan.buffers` entry."""
        return {
            "name": self.name,
            "offset": self.offset,
            "bytes": self.size,
            "first_step": self.first,
            "last_step": self.last,
        }


@dataclass
class MemoryPlan:
    """A static plan read back for the report: steps in execution order, placed buffers."""

    level: str  # "kernel" | "nn"
    alignment: int
    peak: int
    lower_bound: int
    steps: list[str]  # name per position (the model's node name, else the op name)
    buffers: list[PlannedBuffer]
    step_ops: list[Operation] = field(default_factory=list)
    note: str | None = None

    def live_bytes(self) -> list[int]:
        """Per position: the arena bytes occupied by the buffers live there (union of their
        byte ranges, so buffers sharing bytes in place count once)."""
        out = []
        for p in range(len(self.steps)):
            ranges = sorted(
                (b.offset, b.offset + b.size)
                for b in self.buffers
                if b.first <= p <= b.last and b.size
            )
            total, end = 0, None
            for lo, hi in ranges:
                if end is None or lo >= end:
                    total += hi - lo
                    end = hi
                elif hi > end:
                    total += hi - end
                    end = hi
            out.append(total)
        return out

    def as_dict(self) -> dict:
        """The report's `memory_plan`."""
        return {
            "level": self.level,
            "note": self.note,
            "alignment": self.alignment,
            "peak_bytes": self.peak,
            "lower_bound_bytes": self.lower_bound,
            "steps": list(self.steps),
            "buffers": [b.as_dict() for b in self.buffers],
        }


def _func_int(f: func.FuncOp, key: str) -> int | None:
    a = f.attributes.get(key)
    return a.value.data if isinstance(a, IntegerAttr) else None


def _op_layer(op: Operation) -> str | None:
    a = op.attributes.get("layer")
    return a.data if isinstance(a, StringAttr) else None


def kernel_plan(module: ModuleOp) -> MemoryPlan:
    """The plan of a kernel-level module planned by `mem-plan-arena`, read back from its entry
    function: steps in op order, every arena buffer with its offset and live range (the
    liveness rules of `transforms/memplan/model.py`), the function's peak and bound."""
    from edgeai.dialects import mem
    from edgeai.reference.interpreter import find_main, io_names
    from edgeai.transforms.memplan.model import build_program, first_last

    f = find_main(module)
    prog = build_program(f)
    n = len(prog.steps)
    first, last = first_last(prog, list(range(n)))
    io_in = bool(_func_int(f, "edgeai.io_in_arena"))
    names = []
    for op in prog.steps:
        names.append(_op_layer(op) or op.name)
    producer: dict[int, str] = {}
    for k in range(n):
        for v in prog.writes[k]:
            b = prog.buffer_of.get(v)
            if b is not None:
                producer.setdefault(b, names[k])
    ins, outs = io_names(f)
    arg_names = [*ins, *outs]
    arg_attrs = list(f.arg_attrs.data) if f.arg_attrs else []
    end = max(n, 1) - 1
    buffers = []
    for b in prog.buffers:
        if b.kind == "alloc":
            alloc = b.value.owner
            assert isinstance(alloc, mem.AllocOp)
            off = alloc.offset.value.data if isinstance(alloc.offset, IntegerAttr) else 0
        elif io_in:
            i = b.value.index  # type: ignore[attr-defined]
            attrs = arg_attrs[i] if i < len(arg_attrs) else None
            o = attrs.data.get("edgeai.offset") if isinstance(attrs, DictionaryAttr) else None
            off = o.value.data if isinstance(o, IntegerAttr) else 0
        else:
            continue
        lo, hi = first.get(b.index), last.get(b.index)
        if b.kind == "input":
            lo, hi = 0, 0 if hi is None else hi
        if b.kind == "output" or b.escapes:
            lo, hi = end if lo is None else lo, end
        if lo is None or hi is None:
            continue
        if b.kind == "alloc":
            name = producer.get(b.index, b.name)
        else:
            name = arg_names[b.value.index]  # type: ignore[attr-defined]
        buffers.append(PlannedBuffer(name, off, b.size, lo, hi))
    return MemoryPlan(
        "kernel",
        _func_int(f, "edgeai.arena_alignment") or ALIGNMENT,
        _func_int(f, "edgeai.arena_bytes") or 0,
        _func_int(f, "edgeai.arena_lower_bound_bytes") or 0,
        names,
        buffers,
        list(prog.steps),
    )


def tensor_bytes(t: Attribute) -> int:
    """Bytes of a tensor at its element type's bit width (sub-byte types packed)."""
    from edgeai.analysis.layers import bits_of

    if not isinstance(t, TensorType):
        return 0
    n = 1
    for d in t.get_shape():
        n *= d
    return (n * bits_of(t.element_type) + 7) // 8


def _itemsize(t: Attribute) -> int:
    from edgeai.analysis.layers import bits_of

    bits = bits_of(t.element_type) if isinstance(t, TensorType) else 8
    return max(1, bits // 8)


def nn_plan(module: ModuleOp, alignment: int = ALIGNMENT, note: str | None = None) -> MemoryPlan:
    """A liveness plan of an `nn` program with the arena planner: every tensor an op produces
    is a buffer, `nn.reshape` (and a storage cast) a view of its input, constants are not
    buffers; inputs and outputs stay outside the arena (see the module docstring)."""
    from edgeai.analysis.layers import is_weight_only, layer_name
    from edgeai.dialects import nn
    from edgeai.reference.interpreter import find_main
    from edgeai.transforms.mem_plan_arena import check_plan
    from edgeai.transforms.memplan.model import Buffer, Program
    from edgeai.transforms.memplan.planner import Options, plan_program

    f = find_main(module)
    block = f.body.block
    ret = block.last_op
    returned = set(ret.operands) if isinstance(ret, func.ReturnOp) else set()
    alias: dict[SSAValue, SSAValue] = {}

    def root(v: SSAValue) -> SSAValue:
        while v in alias:
            v = alias[v]
        return v

    buffers: list[Buffer] = []
    buffer_of: dict[SSAValue, int] = {}

    def add(v: SSAValue, kind: str, name: str) -> None:
        i = len(buffers)
        buffers.append(Buffer(i, v, kind, tensor_bytes(v.type), _itemsize(v.type), name))
        buffer_of[v] = i

    for k, a in enumerate(block.args):
        add(a, "input", a.name_hint or f"input{k}")
    steps: list[Operation] = []
    reads: list[frozenset[SSAValue]] = []
    writes: list[frozenset[SSAValue]] = []
    for op in block.ops:
        if op is ret or is_weight_only(op):
            continue
        if isinstance(op, nn.ReshapeOp | nn.StorageCastOp):
            alias[op.results[0]] = op.operands[0]
            continue
        name = layer_name(op)
        for r in op.results:
            add(r, "output" if r in returned else "alloc", name)
        steps.append(op)
        reads.append(frozenset(root(v) for v in op.operands if root(v) in buffer_of))
        writes.append(frozenset(root(r) for r in op.results))
    for v in returned:
        b = buffer_of.get(root(v))
        if b is not None and buffers[b].kind == "alloc":
            buffers[b].escapes = True  # a view of it is returned: live until the end
    prog = Program(f, steps, buffers, buffer_of, reads, writes, True)
    plan = plan_program(prog, Options(alignment, False, "balanced", True))
    check_plan(plan)
    placed = []
    for it, off in zip(plan.items, plan.placement.offsets, strict=True):
        for m in it.members:
            placed.append(PlannedBuffer(buffers[m].name, off, buffers[m].size, it.first, it.last))
    placed.sort(key=lambda b: (b.first, b.offset))
    order_ops = [steps[k] for k in plan.order]
    return MemoryPlan(
        "nn",
        alignment,
        plan.peak,
        plan.bound,
        [layer_name(op) for op in order_ops],
        placed,
        order_ops,
        note,
    )


def attach_activation_bytes(rows, plan: MemoryPlan, ops: list[Operation] | None = None) -> str:
    """Fill each row's `activation_bytes` from the plan and return the name of the layer at the
    position of the largest live bytes. Kernel level: rows are matched by name (a step without
    a `layer` attribute counts for the layer before it); nn level (`ops`: the row ops): by op."""
    live = plan.live_bytes()
    names: list[str] = []
    for p, op in enumerate(plan.step_ops):
        layer = _op_layer(op) if plan.level == "kernel" else plan.steps[p]
        names.append(layer or (names[-1] if names else plan.steps[p]))
    if plan.level == "nn" and ops is not None:
        pos = {id(op): p for p, op in enumerate(plan.step_ops)}
        for op, row in zip(ops, rows, strict=True):
            p = pos.get(id(op))
            row.activation_bytes = live[p] if p is not None else 0
    else:
        best: dict[str, int] = {}
        for p, name in enumerate(names):
            best[name] = max(best.get(name, 0), live[p])
        for row in rows:
            row.activation_bytes = best.get(row.name, 0)
    if not live:
        return rows[0].name if rows else ""
    peak = max(range(len(live)), key=lambda p: (live[p], -p))
    return names[peak]


# ---------------------------------------------------------------------------------------------
# inputs and outputs


def dtype_name(elt: Attribute) -> str:
    """`float32`, `int8`, `uint4`, `binary`, `int32` ... of an element type."""
    from edgeai.dialects.nn_types import BinaryType, QuantType
    from edgeai.support.attrs import storage_dtype

    if isinstance(elt, QuantType):
        return f"{'int' if elt.is_signed else 'uint'}{elt.width}"
    if isinstance(elt, BinaryType):
        return "binary"
    if isinstance(elt, IntegerType):
        return f"{'uint' if elt.signedness.data.name == 'UNSIGNED' else 'int'}{elt.width.data}"
    return str(storage_dtype(elt))


def quantization_of(elt: Attribute) -> dict | None:
    """The quantization of an element type: scale/zero point (per tensor or per axis), or the
    alpha of a binary type; None for plain types."""
    from edgeai.dialects.nn_types import BinaryType, QuantType

    if isinstance(elt, QuantType):
        if elt.channel_axis is None:
            return {"scale": float(elt.scale), "zero_point": int(elt.zero_point)}
        return {
            "axis": elt.channel_axis,
            "scale": [float(s) for s in elt.scale_array()],
            "zero_point": [int(z) for z in elt.zero_point_array()],
        }
    if isinstance(elt, BinaryType):
        alphas = [float(a) for a in elt.alpha_array()]
        if elt.channel_axis is None:
            return {"alpha": alphas[0] if alphas else 1.0}
        return {"axis": elt.channel_axis, "alpha": alphas}
    return None


def io_of(module: ModuleOp) -> tuple[list[dict], list[dict]]:
    """The report's `inputs` and `outputs` of an `nn` program."""
    from edgeai.reference.interpreter import find_main, io_names

    f = find_main(module)
    ins, outs = io_names(f)

    def entry(name: str, t: Attribute) -> dict:
        assert isinstance(t, TensorType)
        return {
            "name": name,
            "shape": [int(d) for d in t.get_shape()],
            "dtype": dtype_name(t.element_type),
            "quantization": quantization_of(t.element_type),
        }

    types_out = list(f.function_type.outputs.data)
    return (
        [entry(n, a.type) for n, a in zip(ins, f.args, strict=True)],
        [entry(n, t) for n, t in zip(outs, types_out, strict=True)],
    )


# ---------------------------------------------------------------------------------------------
# fit check


def kib(n: int | float) -> str:
    """`16.1 KiB`; whole KiB without decimals (`96 KiB`)."""
    return f"{n // 1024:,} KiB" if n % 1024 == 0 else f"{n / 1024:,.1f} KiB"


def fit_check(
    target: str, ram_limit: int | None, flash_limit: int | None, ram: int, flash: int, peak: str
) -> dict:
    """The report's `fit`: needs vs limits, margins (limit - need) and the verdict line."""
    ram_ok = ram_limit is None or ram <= ram_limit
    flash_ok = flash_limit is None or flash <= flash_limit
    fits = ram_ok and flash_ok

    def part(what: str, need: int, limit: int | None) -> str:
        if limit is None:
            return f"{what} {kib(need)} (no limit)"
        if need <= limit:
            return f"{what} {kib(need)} of {kib(limit)}"
        over = need - limit
        return f"{what} {kib(need)} of {kib(limit)}, over by {over:,} B ({kib(over)})"

    where = "" if target == "custom" else f" {target}"
    verdict = (
        f"{'fits' if fits else 'does not fit'}{where}: {part('RAM', ram, ram_limit)}, "
        f"{part('flash', flash, flash_limit)}; RAM peak at layer '{peak}'"
    )
    return {
        "target": target,
        "ram_limit": ram_limit,
        "flash_limit": flash_limit,
        "ram_needed": ram,
        "flash_needed": flash,
        "fits": fits,
        "ram_margin": None if ram_limit is None else ram_limit - ram,
        "flash_margin": None if flash_limit is None else flash_limit - flash,
        "peak_layer": peak,
        "verdict": verdict,
    }


def _size(value: int | str | None, option: str) -> int | None:
    from edgeai.tools.generate import parse_size

    if value is None or isinstance(value, int):
        if isinstance(value, int) and value < 0:
            raise EdgeAIError(f"{option} {value}: a size >= 0 expected")
        return value
    return parse_size(value, option)


# ---------------------------------------------------------------------------------------------
# the report


def analyze_model(
    path: str,
    target: str | None = None,
    ram_limit: int | str | None = None,
    flash_limit: int | str | None = None,
    input_shapes: dict | None = None,
    progress=None,
) -> dict:
    """The analysis report (schema 1) of the model at `path` (.onnx, .tflite or .mlir);
    `target` a preset of `analysis/targets.py`; limits in bytes or as sizes (`64K`, `1M`);
    `progress`: an object with `.step(text)` (`tools.generate.Progress`)."""
    from edgeai.analysis.layers import layer_rows, totals
    from edgeai.analysis.profile import merge, percent
    from edgeai.analysis.targets import resolve_limits
    from edgeai.backends.cortexm.pipeline import LEGALIZE, allocate_pipeline
    from edgeai.support.context import run_pipeline
    from edgeai.tools.generate import lower_to_nn

    limits = resolve_limits(
        target, _size(ram_limit, "--ram-limit"), _size(flash_limit, "--flash-limit")
    )
    if not os.path.exists(path):
        raise EdgeAIError(f"{path}: no such file")
    if os.path.isdir(path):
        raise EdgeAIError(f"{path}: is a directory, not a model file")
    step = progress.step if progress is not None else (lambda _text: None)
    step(f"importing {os.path.basename(path)} and lowering it to nn")
    nn_module = lower_to_nn(path, input_shapes)
    pairs = layer_rows(nn_module)
    ops = [op for op, _ in pairs]
    rows = [row for _, row in pairs]
    step("lowering a copy to kernels (convert-nn-to-kernel) and planning the arena")
    kernel_module = nn_module.clone()
    try:
        run_pipeline(kernel_module, LEGALIZE)
    except (EdgeAIError, VerifyException) as e:
        reason = _reason(e)
        step("no kernel program; planning the nn tensors instead")
        plan = nn_plan(
            nn_module,
            note=f"planned at nn level: the model does not lower to kernels ({reason})",
        )
        io_bytes = sum(tensor_bytes(a.type) for a in _main(nn_module).args) + sum(
            tensor_bytes(t) for t in _main(nn_module).function_type.outputs.data
        )
    else:
        run_pipeline(kernel_module, allocate_pipeline("balanced", ALIGNMENT, False))
        plan = kernel_plan(kernel_module)
        io_bytes = _kernel_io_bytes(kernel_module)
    peak_layer = attach_activation_bytes(rows, plan, ops)
    inputs, outputs = io_of(nn_module)
    tot = totals(rows)
    profile = merge([r.op_profile for r in rows])
    ram = plan.peak + io_bytes
    flash = tot["weights_bytes"]
    report = {
        "schema": SCHEMA,
        "model": os.path.basename(path),
        "target": limits[0] if limits and limits[0] != "custom" else None,
        "inputs": inputs,
        "outputs": outputs,
        "params": tot["params"],
        "macc": tot["macc"],
        "weights_bytes": tot["weights_bytes"],
        "activations_bytes": plan.peak,
        "activations_lower_bound_bytes": plan.lower_bound,
        "io_bytes": io_bytes,
        "ram_bytes": ram,
        "flash_bytes": flash,
        "op_profile": profile,
        "op_profile_percent": percent(profile),
        "layers": [r.as_dict() for r in rows],
        "memory_plan": plan.as_dict(),
        "fit": None if limits is None else fit_check(*limits, ram, flash, peak_layer),
    }
    return report


def _reason(e: Exception) -> str:
    """One short line on why a model has no kernel program."""
    from edgeai.support.errors import UnsupportedError

    if isinstance(e, UnsupportedError) and e.items:
        more = f" (+{len(e.items) - 1} more)" if len(e.items) > 1 else ""
        return f"{e.items[0]}{more}"
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _main(module: ModuleOp) -> func.FuncOp:
    from edgeai.reference.interpreter import find_main

    return find_main(module)


def _kernel_io_bytes(module: ModuleOp) -> int:
    """Bytes of the input and output buffers of a planned kernel program (0 when they are in
    the arena)."""
    from edgeai.transforms.memplan.model import build_program

    f = _main(module)
    if _func_int(f, "edgeai.io_in_arena"):
        return 0
    return sum(b.size for b in build_program(f).buffers if b.kind != "alloc")


def weight_units(report: dict) -> dict[str, int]:
    """Model-wide weight counts per bit unit (`8-bit` -> count), narrowest first."""
    units: dict[tuple[int, str], int] = {}
    for row in report["layers"]:
        for w in row["weight_profile"]:
            key = (w["bits"], w["unit"])
            units[key] = units.get(key, 0) + w["count"]
    return {u: n for (_, u), n in sorted(units.items())}


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _io_line(kind: str, e: dict) -> str:
    shape = "x".join(map(str, e["shape"])) or "scalar"
    q = e["quantization"]
    if q is None:
        qs = ""
    elif "alpha" in q:
        a = q["alpha"]
        qs = f"  alpha {a:g}" if not isinstance(a, list) else f"  alpha per axis {q['axis']}"
    elif "axis" in q:
        qs = f"  per-axis {q['axis']} scales ({len(q['scale'])})"
    else:
        qs = f"  scale {q['scale']:.6g} zero point {q['zero_point']}"
    return f"  {kind:12} {e['name']}  {shape}  {e['dtype']}{qs}"


def format_text(report: dict) -> str:
    """The readable report `edgeai analyze` prints (summary, per-layer table, op-type profile,
    weight profile, verdict)."""
    r = report
    mp = r["memory_plan"]
    where = (
        "kernel level (convert-nn-to-kernel + mem-plan-arena, as edgeai generate plans it)"
        if mp["level"] == "kernel"
        else "nn level (no kernel program)"
    )
    lines = [f"{r['model']}: {len(r['layers'])} layers, memory plan at {where}"]
    if mp["note"]:
        lines.append(f"  note: {mp['note']}")
    lines += [_io_line("input", e) for e in r["inputs"]]
    lines += [_io_line("output", e) for e in r["outputs"]]
    units = ", ".join(f"{u} {n:,}" for u, n in weight_units(r).items())
    lines += [
        f"  {'params':12} {r['params']:,}",
        f"  {'MACC':12} {r['macc']:,}",
        f"  {'weights':12} {r['weights_bytes']:,} B ({kib(r['weights_bytes'])})"
        + (f": {units}" if units else ""),
        f"  {'activations':12} {r['activations_bytes']:,} B ({kib(r['activations_bytes'])}) "
        f"planned peak, lower bound {r['activations_lower_bound_bytes']:,} B",
        f"  {'I/O':12} {r['io_bytes']:,} B (input and output buffers, outside the arena)",
        f"  {'RAM':12} {r['ram_bytes']:,} B ({kib(r['ram_bytes'])}) = activations + I/O",
        f"  {'flash':12} {r['flash_bytes']:,} B ({kib(r['flash_bytes'])}) = weights "
        "(code not counted)",
        "",
    ]
    w = min(40, max([5, *(len(x["name"]) for x in r["layers"])]))
    ow = max([6, *(len(x["op"]) for x in r["layers"])])
    sw = max([6, *(len("x".join(map(str, x["output_shape"]))) for x in r["layers"])])
    head = (
        f"  {'layer':{w}} {'op':{ow}} {'output':{sw}} {'params':>9} {'weights B':>10} "
        f"{'MACC':>12} {'act. B':>9}"
    )
    lines += [head, "  " + "-" * (len(head) - 2)]
    for x in r["layers"]:
        shape = "x".join(map(str, x["output_shape"]))
        lines.append(
            f"  {_clip(x['name'], w):{w}} {x['op']:{ow}} {shape:{sw}} {x['params']:9,} "
            f"{x['weights_bytes']:10,} {x['macc']:12,} {x['activation_bytes']:9,}"
        )
    lines.append(
        f"  {'total':{w}} {'':{ow}} {'':{sw}} {r['params']:9,} {r['weights_bytes']:10,} "
        f"{r['macc']:12,} {max([0, *(x['activation_bytes'] for x in r['layers'])]):9,}"
    )
    total = sum(r["op_profile"].values())
    lines += ["", f"  op-type profile ({total:,} operations)"]
    kw = max([8, *(len(k) for k in r["op_profile"])])
    for k, n in r["op_profile"].items():
        lines.append(f"    {k:{kw}} {n:14,} {r['op_profile_percent'][k]:7.2f} %")
    unit_names = list(weight_units(r))
    if unit_names:
        lines += ["", "  weight profile (weights per bit unit)"]
        lines.append(f"    {'layer':{w}} " + " ".join(f"{u:>10}" for u in unit_names))
        for x in r["layers"]:
            if not x["weight_profile"]:
                continue
            counts = {e["unit"]: e["count"] for e in x["weight_profile"]}
            cells = " ".join(f"{counts[u]:10,}" if u in counts else f"{'':10}" for u in unit_names)
            lines.append(f"    {_clip(x['name'], w):{w}} {cells}".rstrip())
    fit = r["fit"]
    lines.append("")
    if fit is None:
        lines.append("  no --target or limits given: no fit check")
    else:
        lines.append(f"  {fit['verdict']}")
    return "\n".join(lines)


__all__ = [
    "EXIT_NO_FIT",
    "SCHEMA",
    "MemoryPlan",
    "PlannedBuffer",
    "analyze_model",
    "attach_activation_bytes",
    "fit_check",
    "format_text",
    "io_of",
    "kernel_plan",
    "nn_plan",
    "weight_units",
]
