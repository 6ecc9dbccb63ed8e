"""The backend contract: what every folder under `backends/` provides.

A backend brings one family of targets to edgeai. It receives a program at the `nn` level (the
shared frontends and graph optimizer made it: `edgeai.tools.generate.lower_to_nn`), decides op
by op what it runs (`legality`), takes what it runs through named phases (partition, legalize,
tile, schedule, allocate, emit) and writes what the target consumes (`generate`). An
accelerator may stop at the `nn` or `kernel` level: what its legality refuses goes to its
`fallback` backend (the Cortex-M path), and `partition` says op by op where each one runs and
why. Accelerators also ship a functional simulator (`simulate`) and a cycle/energy model
(`cost`), declared by the capability flags `has_simulator` / `has_cost_model`.

The folder (checked for every backend by `tests/test_backend_contract.py`):

    backends/<name>/
      __init__.py      BACKEND = <Name>Backend()   (cheap to import: heavy imports in methods)
      target.py        frozen dataclass(es) with the target's parameters + named presets
      legality.py      which `nn` ops/types run here, one rule with a docstring per op group
      pipeline.py      the phases, each a pass pipeline or a documented callable
      SUPPORTED_OPS.md generated from `supported_ops()`: python -m edgeai.backends --write
      README.md        the hardware in brief, status, how to run its tests
      test/ or tests/test_<name>*.py   its tests

Registration is the folder itself (`edgeai.backends` discovers it); `make new-backend NAME=foo`
copies `backends/_template/`. `docs/adding-a-backend.md` walks through one.

Target descriptions are frozen dataclasses; `load_target` builds one from a preset, a JSON
file (`{"base": "<preset>", "<field>": value, ...}`; nested dataclasses as objects, partial
objects override only the keys they name) and overrides, with one-line errors naming the key
of an unknown field or a value of the wrong type. `target_to_dict` is the inverse.

This module imports only the standard library and edgeai's error type (xDSL's IR and NumPy
are imported where used), so backend packages stay cheap to import.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import re
import sys
import types
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from edgeai.support.errors import EdgeAIError

if TYPE_CHECKING:
    import numpy as np
    from xdsl.dialects.builtin import ModuleOp
    from xdsl.ir import Operation

__all__ = [
    "PHASES",
    "PHASE_DOCS",
    "Backend",
    "GenerateOptions",
    "GenerateResult",
    "Phase",
    "PhaseState",
    "Placement",
    "RuleTable",
    "SupportRow",
    "Verdict",
    "load_target",
    "render_supported_ops",
    "target_from_dict",
    "target_to_dict",
    "write_artifacts",
    "write_folder",
]

#: the canonical phases, in order; a backend lists the ones it has, in this order
PHASES: tuple[str, ...] = ("partition", "legalize", "tile", "schedule", "allocate", "emit")

#: what each canonical phase is for (`tile` covers tiling and mapping onto units)
PHASE_DOCS: dict[str, str] = {
    "partition": "decide where each op runs (here or on the fallback backend) from legality",
    "legalize": "rewrite the ops that run here into the target's ops (nn -> kernel/target dialect)",
    "tile": "tile and map each op onto the target's units (tiles, chains, kernel variants)",
    "schedule": "order the work (layers, epochs, rounds) and estimate its cost",
    "allocate": "place buffers in the target's memories (arena offsets, banks)",
    "emit": "write what the target consumes (C, command stream, schedule) and the report",
}


# ---------------------------------------------------------------------------------------------
# legality


@dataclass(frozen=True)
class Verdict:
    """Whether one op runs on a backend, and why (one line; never empty when refused)."""

    supported: bool
    reason: str

    @classmethod
    def yes(cls, reason: str) -> Verdict:
        """The op runs here (`reason`: how, e.g. the kernel it becomes)."""
        return cls(True, reason)

    @classmethod
    def no(cls, reason: str) -> Verdict:
        """The op does not run here; `reason` names what is missing."""
        return cls(False, reason)


@dataclass(frozen=True)
class SupportRow:
    """One row of a backend's SUPPORTED_OPS.md: an `nn` op and the conditions it runs under."""

    op: str
    supported: bool
    conditions: str
    runs_as: str = ""


@dataclass(frozen=True)
class Placement:
    """Where one op of a program runs after partitioning (`backend`: None when no backend
    runs it), and why; `ir` is the op itself (not compared, not in the JSON form)."""

    layer: str
    op: str
    backend: str | None
    reason: str
    ir: Any = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """JSON form (reports)."""
        return {"layer": self.layer, "op": self.op, "backend": self.backend, "reason": self.reason}


def _first_paragraph(doc: str | None) -> str:
    import inspect

    return " ".join(inspect.cleandoc(doc or "").split("\n\n")[0].split())


@dataclass(frozen=True)
class _Rule:
    ops: tuple[str, ...]
    check: Callable[[Operation], Verdict]
    runs_as: str | Callable[[str], str]

    @property
    def doc(self) -> str:
        return _first_paragraph(self.check.__doc__)


class RuleTable:
    """Legality rules by `nn` op name, each a function with a docstring (the conditions).

        RULES = RuleTable("toy")

        @RULES.rule("nn.conv2d", "nn.dense", runs_as="toy MAC array")
        def mac_layers(op) -> Verdict:
            \"\"\"int8 activations and weights, per-tensor activations.\"\"\"
            ...

    `verdict(op)` applies the op's rule (an op without one is refused with `refused`);
    `rows()` gives SUPPORTED_OPS.md's rows over every `nn` op, the rule's docstring (first
    paragraph) as the conditions, `refused` as the text of the ops without a rule.
    """

    def __init__(self, backend: str, refused: str = ""):
        self.backend = backend
        self.refused = refused or f"not supported by the {backend} backend"
        self._rules: dict[str, _Rule] = {}

    def rule(
        self, *ops: str, runs_as: str | Callable[[str], str] = ""
    ) -> Callable[[Callable[[Operation], Verdict]], Callable[[Operation], Verdict]]:
        """Register the decorated function as the rule of `ops` (nn op names); `runs_as`
        says what they become on the target (text, or a function of the op name)."""

        def register(fn: Callable[[Operation], Verdict]) -> Callable[[Operation], Verdict]:
            if not (fn.__doc__ or "").strip():
                raise TypeError(f"legality rule {fn.__name__} has no docstring")
            for name in ops:
                if name in self._rules:
                    raise TypeError(f"{self.backend}: two legality rules for {name}")
                self._rules[name] = _Rule(tuple(ops), fn, runs_as)
            return fn

        return register

    @property
    def ops(self) -> list[str]:
        """The op names that have a rule."""
        return sorted(self._rules)

    def verdict(self, op: Operation) -> Verdict:
        """The verdict of the op's rule, or a refusal when no rule covers it."""
        r = self._rules.get(op.name)
        if r is None:
            return Verdict.no(f"{op.name}: {self.refused}")
        return r.check(op)

    def rows(self, all_ops: Iterable[str] | None = None) -> list[SupportRow]:
        """One row per `nn` op (every op of the dialect by default), sorted by name."""
        names = sorted(set(all_ops if all_ops is not None else nn_op_names()) | set(self._rules))
        out = []
        for name in names:
            r = self._rules.get(name)
            if r is None:
                out.append(SupportRow(name, False, self.refused))
            else:
                runs_as = r.runs_as(name) if callable(r.runs_as) else r.runs_as
                out.append(SupportRow(name, True, r.doc, runs_as))
        return out


def nn_op_names() -> list[str]:
    """Every op of the `nn` dialect."""
    from edgeai.dialects.nn import NN

    return sorted(op.name for op in NN.operations)


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|") or "—"


def render_supported_ops(backend: Backend) -> str:
    """The text of `backends/<name>/SUPPORTED_OPS.md` (generated; tests compare)."""
    rows = backend.supported_ops()
    fallback = (
        f"Ops it refuses run on the `{backend.fallback}` backend."
        if backend.fallback
        else "It has no fallback: a program with an op it refuses does not compile for it."
    )
    lines = [
        f"# Ops supported by the `{backend.name}` backend",
        "",
        "Generated from `legality.py` by `python -m edgeai.backends --write` (a test checks",
        f"that this file is current). {_cell(backend.description)} {fallback}",
        "",
        "| `nn` op | runs here | conditions | runs as |",
        "|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: r.op):
        mark = "yes" if r.supported else "no"
        lines.append(f"| `{r.op}` | {mark} | {_cell(r.conditions)} | {_cell(r.runs_as)} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# targets


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if tp is type(None):
        return "null"
    if dataclasses.is_dataclass(tp):
        return "an object"
    if origin in (tuple, list, frozenset, set):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        inner = _type_name(args[0]) if args else "value"
        return f"a list of {inner}"
    if origin in (dict, Mapping):
        return "an object"
    if origin is typing.Literal:
        return " or ".join(json.dumps(a) for a in typing.get_args(tp))
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _convert(tp: Any, value: Any, key: str, where: str, base: Any = None) -> Any:
    """`value` (from JSON) as type `tp`; EdgeAIError naming `key` when it does not fit."""

    def bad() -> EdgeAIError:
        return EdgeAIError(
            f"{where}: '{key}' must be {_type_name(tp)}, got {json.dumps(value)[:40]}"
        )

    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None:
            if type(None) in args:
                return None
            raise bad()
        for a in args:
            if a is type(None):
                continue
            try:
                return _convert(a, value, key, where, base)
            except EdgeAIError:
                continue
        raise bad()
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise bad()
        return _build(tp, value, where, key + ".", base if isinstance(base, tp) else None)
    if origin is typing.Literal:
        if value not in typing.get_args(tp):
            raise bad()
        return value
    if origin in (tuple, list, frozenset, set):
        if not isinstance(value, list):
            raise bad()
        args = typing.get_args(tp)
        if origin is tuple and args and (len(args) != 2 or args[1] is not Ellipsis):
            if len(value) != len(args):
                raise bad()
            items = [
                _convert(a, v, f"{key}[{i}]", where)
                for i, (a, v) in enumerate(zip(args, value, strict=True))
            ]
        else:
            elt = args[0] if args else Any
            items = [_convert(elt, v, f"{key}[{i}]", where) for i, v in enumerate(value)]
        return {tuple: tuple, list: list, frozenset: frozenset, set: frozenset}[origin](items)
    if origin in (dict, Mapping):
        if not isinstance(value, dict):
            raise bad()
        args = typing.get_args(tp)
        vt = args[1] if len(args) == 2 else Any
        return {str(k): _convert(vt, v, f"{key}.{k}", where) for k, v in value.items()}
    if tp is bool:
        if not isinstance(value, bool):
            raise bad()
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad()
        return value
    if tp is float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise bad()
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise bad()
        return value
    raise EdgeAIError(f"{where}: '{key}' has a type ({tp}) that cannot be read from JSON")


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))


def _build(
    cls: type, data: Mapping[str, Any], where: str, prefix: str = "", base: Any = None
) -> Any:
    """An instance of dataclass `cls` from JSON `data` (missing keys come from `base`)."""
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = [k for k in data if k not in fields]
    if unknown:
        raise EdgeAIError(
            f"{where}: unknown key '{prefix}{unknown[0]}' "
            f"(known: {', '.join(prefix + k for k in fields)})"
        )
    hints = _hints(cls)
    kwargs = {}
    for name, f in fields.items():
        sub = getattr(base, name) if base is not None else None
        if name in data:
            kwargs[name] = _convert(hints[name], data[name], prefix + name, where, sub)
        elif base is not None:
            kwargs[name] = sub
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise EdgeAIError(f"{where}: missing key '{prefix}{name}'")
    try:
        return cls(**kwargs)
    except EdgeAIError as e:
        raise EdgeAIError(f"{where}: {e}") from None
    except (TypeError, ValueError) as e:
        raise EdgeAIError(
            f"{where}: {str(e).splitlines()[0] if str(e) else type(e).__name__}"
        ) from None


def target_to_dict(target: Any) -> dict[str, Any]:
    """JSON form of a target description (nested dataclasses as objects, tuples and sets as
    lists); `target_from_dict(type(t), target_to_dict(t)) == t`."""

    def conv(v: Any) -> Any:
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return {f.name: conv(getattr(v, f.name)) for f in dataclasses.fields(v) if f.init}
        if isinstance(v, frozenset | set):
            return sorted(conv(x) for x in v)
        if isinstance(v, tuple | list):
            return [conv(x) for x in v]
        if isinstance(v, dict):
            return {str(k): conv(x) for k, x in v.items()}
        return v

    if not (dataclasses.is_dataclass(target) and not isinstance(target, type)):
        raise TypeError(f"a target description is a dataclass instance, got {type(target)}")
    return conv(target)


def target_from_dict(
    cls: type, data: Mapping[str, Any], where: str = "target", base: Any = None
) -> Any:
    """The target of dataclass `cls` described by `data`; keys absent from `data` come from
    `base` (a preset) when given, else are required unless the field has a default."""
    if not isinstance(data, Mapping):
        raise EdgeAIError(f"{where}: expected a JSON object")
    return _build(cls, data, where, "", base)


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not path.is_file():
        raise EdgeAIError(f"{what} {path}: no such file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise EdgeAIError(f"{what} {path}: not valid JSON (line {e.lineno}: {e.msg})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise EdgeAIError(f"{what} {path}: cannot read ({e})") from None
    if not isinstance(data, dict):
        raise EdgeAIError(f"{what} {path}: expected a JSON object")
    return data


def load_target(
    presets: Mapping[str, Any],
    spec: str | Path | Any,
    overrides: Mapping[str, Any] | str | Path | None = None,
) -> Any:
    """A target description: a preset name, a JSON target file or a description itself
    (`spec`), then `overrides` (a dict or a JSON file of field values) applied on top.

    A target file is a JSON object of fields; `"base": "<preset>"` starts from that preset
    (only the fields it names change), without it every field without a default is required.
    Errors are one line naming the file and key (unknown key, wrong type, missing key).
    """
    if not presets:
        raise EdgeAIError("no target presets")
    cls = type(next(iter(presets.values())))
    if isinstance(spec, cls):
        target = spec
    elif isinstance(spec, str) and spec in presets:
        target = presets[spec]
    elif isinstance(spec, str | Path) and (str(spec).endswith(".json") or Path(spec).is_file()):
        path = Path(spec)
        data = _read_json(path, "target file")
        base = None
        if "base" in data:
            name = data.pop("base")
            if name not in presets:
                raise EdgeAIError(
                    f"{path}: base '{name}' is not a preset (known: {', '.join(presets)})"
                )
            base = presets[name]
        target = target_from_dict(cls, data, str(path), base)
    else:
        raise EdgeAIError(
            f"unknown target '{spec}' (presets: {', '.join(presets)}; or a .json target file)"
        )
    if overrides is None:
        return target
    if isinstance(overrides, str | Path):
        path = Path(overrides)
        return target_from_dict(cls, _read_json(path, "target overrides"), str(path), target)
    return target_from_dict(cls, overrides, "target overrides", target)


# ---------------------------------------------------------------------------------------------
# generate


def c_name(stem: str) -> str:
    """A C identifier from a file stem (`kws-ref.model` -> `kws_ref_model`)."""
    s = re.sub(r"\W", "_", stem)
    return ("net_" + s) if not s or s[0].isdigit() else s


@dataclass
class GenerateOptions:
    """What `generate`, `simulate` and `cost` are asked for.

    `target` is the target description (a preset or a loaded file), `model` the model file
    (reports, default names), `objective` the `-O` choice (`ram`, `time`, `balanced`), `name`
    the network name, `extra` the backend's own options (their CLI `dest` names, defaults
    filled in by `Backend.options`), `progress` anything with a `step(text)` method.
    """

    target: Any
    model: str = "model"
    objective: str = "balanced"
    name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    progress: Any = None

    @property
    def net_name(self) -> str:
        """`name`, else the model file's stem made a C identifier."""
        return self.name or c_name(Path(self.model).stem)

    def step(self, text: str) -> None:
        """Report progress (when a progress sink was given)."""
        if self.progress is not None:
            self.progress.step(text)


@dataclass
class GenerateResult:
    """What `generate` wrote (paths inside the output folder) and its report (JSON-able)."""

    files: list[Path]
    report: dict[str, Any]


@dataclass
class PhaseState:
    """What phases run on and hand each other: the program (transformed in place), the
    options, the output folder (for `emit`), the backend running them, the placements of
    `partition`, the files and report `emit` produces, and `data` for anything else."""

    module: ModuleOp
    options: GenerateOptions
    out_dir: Path | None = None
    backend: Backend | None = None
    placements: list[Placement] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Phase:
    """One named phase: a pass pipeline (text, or a function of the options giving the text)
    or a callable on the `PhaseState`, with a one-paragraph `doc` of what it does and the
    progress `message` shown while it runs (default `<backend>: <phase>`)."""

    name: str
    doc: str
    pipeline: str | Callable[[GenerateOptions], str] | None = None
    run: Callable[[PhaseState], None] | None = None
    message: str | Callable[[GenerateOptions], str] | None = None

    def __post_init__(self) -> None:
        if self.name not in PHASES:
            raise ValueError(f"phase '{self.name}' is not one of {', '.join(PHASES)}")
        if (self.pipeline is None) == (self.run is None):
            raise ValueError(f"phase '{self.name}': give exactly one of pipeline and run")
        if not self.doc.strip():
            raise ValueError(f"phase '{self.name}' has no doc")

    def progress_text(self, options: GenerateOptions) -> str | None:
        """The progress line for `options` (None: the driver's default)."""
        if self.message is None or isinstance(self.message, str):
            return self.message
        return self.message(options)

    def pipeline_text(self, options: GenerateOptions) -> str | None:
        """The pass pipeline for `options` (None for a callable phase)."""
        if self.pipeline is None or isinstance(self.pipeline, str):
            return self.pipeline
        return self.pipeline(options)


def write_folder(out_dir: Path | str, fill: Callable[[Path], None]) -> list[Path]:
    """Fill `out_dir` all or nothing: `fill(tmp)` writes the files into a temporary folder
    beside it, then they are moved in (the folder and its parents are created when missing,
    and removed again on failure). One-line EdgeAIError naming `-o` on a write failure."""
    import os
    import shutil
    import tempfile

    out = Path(out_dir).absolute()
    if out.exists() and not out.is_dir():
        raise EdgeAIError(f"-o {out_dir}: exists and is not a directory")
    base = out
    while not base.exists():
        base = base.parent
    if not base.is_dir():
        raise EdgeAIError(f"-o {out_dir}: {base} is not a directory")
    if not os.access(base, os.W_OK | os.X_OK):
        raise EdgeAIError(f"-o {out_dir}: directory {base} is not writable")
    created = None if base == out else base / out.relative_to(base).parts[0]
    tmp = None
    ok = False
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".edgeai-", dir=out.parent))
        fill(tmp)
        out.mkdir(parents=True, exist_ok=True)
        moved = []
        for name in sorted(p.name for p in tmp.iterdir()):
            os.replace(tmp / name, out / name)
            moved.append(out / name)
        ok = True
        return moved
    except OSError as e:
        raise EdgeAIError(f"-o {out_dir}: cannot write ({e.strerror or e})") from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if not ok and created is not None:
            shutil.rmtree(created, ignore_errors=True)


def write_artifacts(out_dir: Path | str, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write `files` (name -> text or bytes) into `out_dir` all or nothing (`write_folder`)."""

    def fill(tmp: Path) -> None:
        for name, content in files.items():
            path = tmp / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")

    return write_folder(out_dir, fill)


class Backend(ABC):
    """What every backend provides (see the module docstring).

    Required: `name`, `description`, `targets()`, `legality(op)`, `supported_ops()`,
    `phases()`; `generate(module, options, out_dir)` runs the phases by default (override it
    to do more). Optional: `simulate` and `cost` (set `has_simulator` / `has_cost_model`),
    `add_cli_options` / `check_options` for the backend's own `edgeai generate` options,
    `summary` for the text `generate` prints.
    """

    #: the backend's name: its folder's name
    name: ClassVar[str] = ""
    #: one line: the hardware and what the backend emits
    description: ClassVar[str] = ""
    #: the backend that runs what `legality` refuses (None: refused ops are errors)
    fallback: ClassVar[str | None] = None
    #: `simulate` runs programs (a functional simulator or runner)
    has_simulator: ClassVar[bool] = False
    #: `cost` estimates cycles (and energy)
    has_cost_model: ClassVar[bool] = False

    # -- target --------------------------------------------------------------------------

    @abstractmethod
    def targets(self) -> Mapping[str, Any]:
        """Named presets (`--target` names, unique over all backends): frozen dataclasses of
        one type, each with a `name` field equal to its key."""

    def load_target(
        self, spec: str | Path | Any, overrides: Mapping[str, Any] | str | Path | None = None
    ) -> Any:
        """A preset, a JSON target file or a description, with overrides (`load_target`)."""
        return load_target(self.targets(), spec, overrides)

    @property
    def folder(self) -> Path:
        """The backend's folder."""
        mod = sys.modules[type(self).__module__]
        return Path(mod.__file__).resolve().parent  # type: ignore[arg-type]

    # -- legality ------------------------------------------------------------------------

    @abstractmethod
    def legality(self, op: Operation) -> Verdict:
        """Whether the `nn` op `op` (in its program, types known) runs on this backend."""

    @abstractmethod
    def supported_ops(self) -> list[SupportRow]:
        """SUPPORTED_OPS.md's rows: every `nn` op, whether and when it runs here."""

    def partition(self, module: ModuleOp) -> list[Placement]:
        """Where each `nn` op of the entry function runs: here when `legality` accepts it,
        else on the fallback backend when that one accepts it, else nowhere (`backend` None,
        the reasons of both). Constants are placed with their users (not listed)."""
        from edgeai.analysis.layers import layer_name
        from edgeai.reference.interpreter import find_main

        fb = None
        if self.fallback:
            from edgeai.backends import get_backend

            fb = get_backend(self.fallback)
        out = []
        for op in find_main(module).body.block.ops:
            if not op.name.startswith("nn.") or op.name == "nn.constant":
                continue
            v = self.legality(op)
            where: str | None = self.name
            reason = v.reason
            if not v.supported:
                where = None
                if fb is not None:
                    fv = fb.legality(op)
                    if fv.supported:
                        where = fb.name
                    else:
                        reason = f"{v.reason}; {fb.name}: {fv.reason}"
            out.append(Placement(layer_name(op), op.name, where, reason, op))
        return out

    # -- phases --------------------------------------------------------------------------

    @abstractmethod
    def phases(self) -> list[Phase]:
        """The backend's phases, in the order of `PHASES` (a backend lists those it has)."""

    def run_phases(
        self,
        module: ModuleOp,
        options: GenerateOptions,
        out_dir: Path | str | None = None,
        until: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> PhaseState:
        """Run the phases in order on `module` (in place) up to and including `until` (all
        by default; `emit` only with an `out_dir`), `data` preset in the state. Pipelines run
        with edgeai's registry and verify the IR after every pass."""
        from edgeai.support.context import run_pipeline

        if until is not None and until not in [p.name for p in self.phases()]:
            raise EdgeAIError(f"{self.name}: no phase '{until}'")
        state = PhaseState(module, options, Path(out_dir) if out_dir is not None else None, self)
        state.data.update(data or {})
        for phase in self.phases():
            if phase.name == "emit" and state.out_dir is None:
                break
            options.step(phase.progress_text(options) or f"{self.name}: {phase.name}")
            text = phase.pipeline_text(options)
            if text is not None:
                run_pipeline(state.module, text)
            else:
                assert phase.run is not None
                phase.run(state)
            if phase.name == until:
                break
        return state

    # -- emit ----------------------------------------------------------------------------

    def generate(
        self, module: ModuleOp, options: GenerateOptions, out_dir: Path | str
    ) -> GenerateResult:
        """Compile the `nn` program `module` (left unchanged) for `options.target` and write
        the artifacts and `report.json` into `out_dir` (created when missing; nothing is
        written when an error is raised). By default: `check_options`, then every phase on a
        copy of `module`; the `emit` phase sets `state.files` and `state.report`."""
        self.check_options(options)
        state = self.run_phases(module.clone(), options, out_dir)
        return GenerateResult(state.files, state.report)

    def summary(self, result: GenerateResult) -> str:
        """The text `edgeai generate` prints about a result (one line by default)."""
        r = result.report
        return f"{r.get('model', '?')} -> {r.get('name', '?')} for {r.get('target', '?')}"

    # -- optional hooks --------------------------------------------------------------------

    def simulate(
        self,
        module: ModuleOp,
        inputs: Mapping[str, np.ndarray],
        options: GenerateOptions,
    ) -> dict[str, np.ndarray]:
        """Run the `nn` program as the target would (the backend's part in its simulator,
        fallback ops as the fallback runs them) on one sample; outputs by name, comparable
        with the `nn` reference (`edgeai.run`)."""
        raise EdgeAIError(f"the {self.name} backend has no simulator")

    def cost(self, module: ModuleOp, options: GenerateOptions) -> dict[str, Any]:
        """Estimated cost of the `nn` program: at least `cycles` (int) and `layers` (rows
        with `name` and `cycles`, summing to `cycles`); energy and more as the model has."""
        raise EdgeAIError(f"the {self.name} backend has no cost model")

    # -- command line ----------------------------------------------------------------------

    def add_cli_options(self, group: argparse._ArgumentGroup) -> None:  # noqa: B027 - optional hook
        """Add the backend's own `edgeai generate` options to `group` (ordinary argparse
        calls; `dest` names become `options.extra` keys). Given with another backend's
        target, they are an error."""

    def check_options(self, options: GenerateOptions) -> None:  # noqa: B027 - optional hook
        """Reject bad options before the model is read (one-line EdgeAIError)."""

    def cli_defaults(self) -> dict[str, Any]:
        """The defaults of the backend's own options, from `add_cli_options`."""
        parser = argparse.ArgumentParser(add_help=False)
        self.add_cli_options(parser.add_argument_group())
        return vars(parser.parse_args([]))

    def options(self, target: Any = None, **kwargs: Any) -> GenerateOptions:
        """`GenerateOptions` for this backend: `target` a preset name, file or description
        (default: the first preset); keyword arguments are `GenerateOptions` fields or the
        backend's own options (unknown names are an error)."""
        fields = {f.name for f in dataclasses.fields(GenerateOptions)} - {"target", "extra"}
        extra = self.cli_defaults()
        extra.update(kwargs.pop("extra", {}) or {})
        for k in list(kwargs):
            if k in extra:
                extra[k] = kwargs.pop(k)
            elif k not in fields:
                raise EdgeAIError(
                    f"{self.name}: unknown option '{k}' (backend options: "
                    f"{', '.join(sorted(extra)) or 'none'})"
                )
        spec = target if target is not None else next(iter(self.targets()))
        return GenerateOptions(target=self.load_target(spec), extra=extra, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}: {', '.join(self.targets())}>"
