"""`imc-map-tiles`: place every legal `nn` layer on the DIMC tiles and schedule the network."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from edgeai.backends.imc.cost import LayerCost, network_totals
from edgeai.backends.imc.target import ImcTarget, load_target
from edgeai.support.errors import EdgeAIError

#: what the pass leaves alone: no compute, nothing to place
_PASSIVE = ("nn.constant", "func.return")
OBJECTIVES = ("cycles", "energy")


def load_forced(path: str) -> dict[str, dict]:
    """The `--imc-mapping` file: `{"<layer name>": {"stripes": s, "chains": c, ...}, ...}`."""
    if not os.path.isfile(path):
        raise EdgeAIError(f"--imc-mapping {path}: no such file")
    try:
        with open(path) as fh:
            data = json.load(fh)
    except (OSError, json.JSONDecodeError) as e:
        raise EdgeAIError(f"--imc-mapping {path}: not JSON ({e})") from None
    if not isinstance(data, dict):
        raise EdgeAIError(
            f'--imc-mapping {path}: an object {{"<layer name>": {{"stripes": s, ...}}}} expected'
        )
    return data


@dataclass
class MappedNetwork:
    """What the pass decided for one function: the layers on the tiles (with their costs, in
    execution order), the ops left to the host with the reason, and the network totals."""

    function: str
    target: ImcTarget
    objective: str
    layers: list[tuple[Operation, LayerCost]]
    host: list[tuple[Operation, str]]
    totals: dict


def _layer_name(op: Operation) -> str:
    a = op.attributes.get("layer")
    return a.data if isinstance(a, StringAttr) else op.name


def map_function(
    f: func.FuncOp,
    target: ImcTarget,
    objective: str = "cycles",
    forced: dict[str, dict] | None = None,
    target_name: str | None = None,
) -> MappedNetwork:
    """Replace the legal layers of `f` by `imc.layer`s (mapper's or forced choice), mark the
    other ops `imc.host = "<reason>"`, and add the module-level `imc.schedule` of `f`."""
    from edgeai.backends.imc.dialect import LayerOp, ScheduleOp
    from edgeai.backends.imc.legality import layer_shape, verdict
    from edgeai.backends.imc.mapper import best_mapping, check_forced

    forced = dict(forced or {})
    names = {_layer_name(op) for op in f.walk()}
    unknown = sorted(set(forced) - names)
    if unknown:
        raise EdgeAIError(
            f"--imc-mapping: layer '{unknown[0]}' is not in the model "
            f"(its layers: {', '.join(sorted(n for n in names if not n.startswith(('nn.', 'func.'))))[:300]})"
        )
    layers: list[tuple[Operation, LayerCost]] = []
    host: list[tuple[Operation, str]] = []
    for op in list(f.body.block.ops):
        if op.name in _PASSIVE:
            continue
        name = _layer_name(op)
        ok, reason = verdict(op, target)
        if not ok:
            if name in forced:
                raise EdgeAIError(
                    f"--imc-mapping: layer '{name}' cannot run on the tiles: {reason}"
                )
            op.attributes["imc.host"] = StringAttr(reason)
            host.append((op, reason))
            continue
        shape = dataclasses.replace(layer_shape(op), name=name)
        if name in forced:
            mapping, cost = check_forced(shape, forced[name], target, objective)
        else:
            mapping, cost = best_mapping(shape, target, objective)
        new = LayerOp.from_nn(op, mapping, target, cost.figures(), name=name)
        Rewriter.replace_op(op, new)
        layers.append((new, cost))
    totals = network_totals([c for _, c in layers], target)
    scalar = {k: v for k, v in totals.items() if isinstance(v, int | float) and v is not None}
    module = f.parent_op()
    if isinstance(module, ModuleOp):
        module.body.block.add_op(ScheduleOp.get(f, target_name or target.name, scalar))
    return MappedNetwork(f.sym_name.data, target, objective, layers, host, totals)


@dataclass(frozen=True)
class ImcMapTilesPass(ModulePass):
    """Map every conv2d / depthwise / dense layer the DIMC NPU takes onto its tiles.

    Input: `nn` functions (quantized layers; see `legality.py` for what maps).
    Output, per function with a body:
    * every layer that `legality.verdict` accepts becomes an `imc.layer` (same operands, same
      result type, so the numerics are unchanged) carrying its `#imc.mapping` — the mapper's
      choice minimizing `objective` (`cycles` on all clusters, or `energy`) over stripes x
      chains x parallel x copies x depth splits and the cluster split, or the forced entry of
      the `mapping` file for that layer name, completed by the mapper — its `#imc.tile`
      figures and its `cost` (cycles for 1 and for all clusters, loads, utilization, energy);
    * every other op except constants and the return keeps its `nn` form and gets
      `imc.host = "<reason>"`: it runs on the Cortex-M host;
    * one module-level `imc.schedule` per function: the execution order and the totals
      (cycles per inference on 1 and on all clusters, inferences/s, TOPS/W ...).
    Options: `target` (a preset name or a JSON target file, default `dimc-18nm`),
    `objective=cycles|energy`, `mapping=<file.json>` (forced mappings by layer name).
    Errors (one line): an unknown preset/file, a forced layer absent from the model or not on
    the tiles, a forced mapping that breaks a tile limit.
    Invariants kept: the function's signature, the order of its ops, every value's type.
    """

    name = "imc-map-tiles"

    target: str = "dimc-18nm"
    objective: str = "cycles"
    mapping: str = ""

    def run(self, module: ModuleOp) -> list[MappedNetwork]:
        """Apply to `module`; the decisions per function."""
        if self.objective not in OBJECTIVES:
            raise EdgeAIError(
                f"imc-map-tiles: objective must be one of {', '.join(OBJECTIVES)}, "
                f"got '{self.objective}'"
            )
        target = load_target(self.target)
        forced = load_forced(self.mapping) if self.mapping else {}
        out = []
        for f in [o for o in module.ops if isinstance(o, func.FuncOp)]:
            if f.body.blocks:
                out.append(map_function(f, target, self.objective, forced, target.name))
        return out

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        self.run(op)
