"""What `edgeai generate --target imc` writes: the mapping table, `imc_schedule.json`, the IR.

`schedule_report(mapped)` turns the decisions of `imc-map-tiles` (a `MappedNetwork`) into the
JSON document `imc_schedule.json`:

* `target`: the target's name and its fields;
* `layers`: one object per layer on the tiles, in execution order: `name`, `kind`, `chw` (the
  input feature map, C x H x W), `kernels` (output channels), `kernel` (KH x KW / stride),
  `params`, `activation_bytes` (the input feature map at its bit width), `weight_bytes`,
  `kernel_bits` (weight bits / feature bits), `mmacs`, the mapping (`stripes`, `chains`,
  `parallel`, `copies`, `depth_splits`, `cluster_stripes`, `cluster_rounds`), `utilization`,
  `kernel_rounds`, `cycles_1cluster`, `cycles_all_clusters`, and the cost figures (loads,
  compute, stream cycles, bytes loaded, energy);
* `host`: the ops left to the Cortex-M host, each with `name`, `op` and `reason`;
* `totals`: `macs`, `cycles_1cluster`, `cycles_all_clusters`, `inferences_per_s`, `energy_j`,
  `tops_per_w`, utilization, and the model's peak TOPS next to the published ones.

`format_table(report)` is the text printed by the command. `emit(state)` (the backend's emit
phase) writes, all or nothing, into the output folder:

    imc_schedule.json   the document above
    schedule.mlir       the mapped program: imc.layer ops, host ops with `imc.host`, and the
                        module-level imc.schedule (parses back with edgeai-opt)
    report.json         model, name, target, backend, where every op runs and why
                        (`placements`), and `schedule` = the document above
"""

from __future__ import annotations

import json
import os
from typing import Any

from edgeai.backends.base import PhaseState, write_artifacts
from edgeai.backends.imc.imc_map_tiles import MappedNetwork

#: (header, key, format) of the printed table, in the issue's order
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("layer", "name", "s"),
    ("CxHxW", "chw", "s"),
    ("kernels", "kernels", "d"),
    ("params", "params", ","),
    ("act B", "activation_bytes", ","),
    ("weight B", "weight_bytes", ","),
    ("bits w/a", "kernel_bits", "s"),
    ("MMACs", "mmacs", ".2f"),
    ("stripes", "stripes", "d"),
    ("chains", "chains", "d"),
    ("par", "parallel", "d"),
    ("copies", "copies", "d"),
    ("depth", "depth_splits", "d"),
    ("clusters", "clusters", "s"),
    ("util", "utilization", ".1%"),
    ("rounds", "kernel_rounds", "d"),
    ("cycles 1 cl", "cycles_1cluster", ","),
    ("cycles all", "cycles_all_clusters", ","),
)


def layer_row(op, cost) -> dict[str, Any]:
    """The JSON object of one imc.layer and its cost."""
    s = op.shape()
    m = cost.mapping
    row: dict[str, Any] = {
        "name": cost.name,
        "kind": s.kind,
        "chw": f"{s.in_c}x{s.in_h}x{s.in_w}",
        "kernels": s.out_c,
        "kernel": f"{s.kh}x{s.kw}/{s.stride_h}" if s.kind != "dense" else "dense",
        "params": s.params,
        "activation_bytes": s.input_bytes,
        "weight_bytes": s.weight_bytes,
        "kernel_bits": f"{s.w_bits}/{s.a_bits}",
        "w_bits": s.w_bits,
        "a_bits": s.a_bits,
        "mmacs": s.macs / 1e6,
        **m.as_dict(),
        "clusters": f"{m.cluster_stripes}x{m.cluster_rounds}",
        "mapping_1cluster": cost.mapping_1cluster.as_dict(),
    }
    row.update(cost.figures())
    return row


def schedule_report(mapped: MappedNetwork) -> dict[str, Any]:
    """`imc_schedule.json` of one mapped function."""
    return {
        "function": mapped.function,
        "objective": mapped.objective,
        "target": mapped.target.as_dict(),
        "layers": [layer_row(op, cost) for op, cost in mapped.layers],
        "host": [
            {"name": _name(op), "op": op.name, "reason": reason} for op, reason in mapped.host
        ],
        "totals": _jsonable(mapped.totals),
    }


def _name(op) -> str:
    a = op.attributes.get("layer")
    return a.data if a is not None else op.name


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    return v


def _cell(v: Any, fmt: str) -> str:
    if fmt == "s":
        return str(v)
    return format(v, fmt)


def format_table(report: dict[str, Any]) -> str:
    """The mapping table, the host ops and the totals, as text."""
    rows = [[_cell(r[k], f) for _, k, f in COLUMNS] for r in report["layers"]]
    heads = [h for h, _, _ in COLUMNS]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(heads)]
    left = {0, 1, 6, 13}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    t = report["target"]
    out = [
        f"IMC mapping on {t['name']} ({t['clusters']} clusters x {t['tiles_per_cluster']} tiles "
        f"of {t['columns_per_tile']} x {t['bits_per_column']} bits, {t['clock_mhz']:g} MHz), "
        f"objective: {report['objective']}",
        line(heads),
        line(["-" * w for w in widths]),
    ]
    out += [line(r) for r in rows]
    if report["host"]:
        out.append(f"on the Cortex-M host ({len(report['host'])}):")
        for h in report["host"]:
            why = h["reason"].removeprefix(h["op"] + ": ")
            who = h["op"] if h["name"] == h["op"] else f"{h['name']} ({h['op']})"
            out.append(f"  {who}: {why}")
    tot = report["totals"]
    ips = tot.get("inferences_per_s")
    tpw = tot.get("tops_per_w")
    out.append(
        f"totals: {tot['macs'] / 1e6:,.2f} MMAC/inference, "
        f"{tot['cycles_1cluster']:,} cycles on 1 cluster, "
        f"{tot['cycles_all_clusters']:,} cycles on {t['clusters']} clusters, "
        + (f"{ips:,.1f} inferences/s" if ips else "- inferences/s")
        + (f", {tpw:,.1f} TOPS/W" if tpw else "")
        + (f", utilization {tot['utilization']:.1%}" if tot.get("utilization") is not None else "")
    )
    return "\n".join(out)


def emit(state: PhaseState) -> None:
    """Write imc_schedule.json, schedule.mlir and report.json into `state.out_dir`."""
    assert state.out_dir is not None and state.backend is not None
    o = state.options
    sched = schedule_report(state.data["mapped"])
    report = {
        "model": os.path.basename(o.model),
        "name": o.net_name,
        "target": o.target.name,
        "backend": state.backend.name,
        "placements": [p.as_dict() for p in state.placements],
        "schedule": sched,
    }
    state.report = report
    state.files = write_artifacts(
        state.out_dir,
        {
            "imc_schedule.json": json.dumps(sched, indent=2) + "\n",
            "schedule.mlir": str(state.module) + "\n",
            "report.json": json.dumps(report, indent=2) + "\n",
        },
    )
