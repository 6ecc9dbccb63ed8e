"""The HTML report of `edgeai analyze`: one self-contained file (inline CSS and SVG, no script).

`render_html(report)` turns the analyze report dict (schema 1, see `edgeai.analysis.analyze`)
into a page with:

* the summary: model, target, inputs/outputs (shape, type, quantization), params, MACC, weights,
  the planned activation peak and the planner's lower bound, RAM and flash, and the fit verdict
  (green when the model fits, red when it does not);
* two bar charts, one bar per layer: live activation bytes and MACC (linear scale, the tallest
  bar is the full plot height);
* the memory plan over time: x is the execution step, y the arena offset (0 at the bottom); each
  buffer is a box from `first_step` to `last_step + 1` and from `offset` to `offset + bytes`,
  with the planned peak and the lower bound as horizontal lines;
* the op-type pie (arcs computed here) with a legend giving each count and percentage;
* the per-layer table with the weight profile.

Every string taken from the report is escaped. The SVG groups carry stable ids (`ram-bars`,
`macc-bars`, `memory-plan`, `op-pie`) and a `data-count` attribute (the number of drawn items);
their scale factors are in `data-*` attributes so tests can recompute every coordinate. Wide
charts (hundreds of layers) keep a readable bar pitch and scroll horizontally.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

from edgeai.support.errors import EdgeAIError

SCHEMA = 1

# Chart colours. Each is used by one chart only, so a screenshot test can find each chart by
# colour; keep them distinct from each other and from the text/axis greys.
RAM_COLOUR = "#1c7ed6"
MACC_COLOUR = "#f76707"
PEAK_COLOUR = "#e03131"
LOWER_BOUND_COLOUR = "#2f9e44"
PIE_COLOURS = (
    "#7048e8",
    "#0ca678",
    "#f59f00",
    "#d6336c",
    "#1098ad",
    "#74b816",
    "#ae3ec9",
    "#4263eb",
    "#e8590c",
    "#495057",
    "#fab005",
    "#12b886",
)
PLAN_COLOURS = ("#91a7ff", "#ffa8a8", "#8ce99a", "#ffd43b", "#99e9f2", "#eebefa", "#ffc078")

BAR_PLOT_HEIGHT = 220.0
PLAN_PLOT_HEIGHT = 280.0
PIE_RADIUS = 130.0
LABEL_CHARS = 22

_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;margin:24px;
color:#212529;background:#fff;font-size:14px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;
border-bottom:1px solid #dee2e6;padding-bottom:4px}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #dee2e6;padding:3px 8px;
text-align:left;vertical-align:top;white-space:nowrap}th{background:#f1f3f5}td.n{text-align:right;
font-variant-numeric:tabular-nums}
.fit{padding:8px 12px;border-radius:4px;font-weight:600;display:inline-block;margin:8px 0}
.fit-yes{background:#d3f9d8;color:#2b8a3e;border:1px solid #2b8a3e}
.fit-no{background:#ffe3e3;color:#c92a2a;border:1px solid #c92a2a}
.fit-none{background:#f1f3f5;color:#495057;border:1px solid #adb5bd}
.scroll{overflow-x:auto;max-width:100%;display:inline-block;vertical-align:top;
border:1px solid #f1f3f5}
.note{color:#868e96}.row{display:flex;flex-wrap:wrap;gap:0 48px}
svg text{font-family:inherit;font-size:11px;fill:#495057}
svg .axis{stroke:#868e96;stroke-width:1}svg .grid{stroke:#f1f3f5;stroke-width:1}
"""


# ---------------------------------------------------------------------------------------------
# formatting


def _esc(value: Any) -> str:
    """Any report value as escaped text (quotes too, so it is safe inside attributes)."""
    return html.escape(str(value), quote=True)


def _num(x: float) -> str:
    """An SVG coordinate: at most 2 decimals, no trailing zeros."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _int(n: Any) -> str:
    """An integer with thousands separators; `—` for null."""
    if n is None:
        return "—"
    return f"{int(n):,}"


def _bytes(n: Any) -> str:
    """Bytes with a human unit, e.g. `12,345 B (12.1 KiB)`."""
    if n is None:
        return "—"
    n = int(n)
    if abs(n) < 1024:
        return f"{n:,} B"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(n) >= size:
            return f"{n:,} B ({n / size:.1f} {unit})"
    return f"{n:,} B"  # pragma: no cover


def _short_bytes(n: float) -> str:
    """Axis tick label: `0`, `512 B`, `12.5 KiB`."""
    if n == 0:
        return "0"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(n) >= size:
            return f"{n / size:.4g} {unit}"
    return f"{n:.4g} B"


def _short_count(n: float) -> str:
    """Axis tick label for counts: `0`, `950`, `1.5 k`, `2.66 M`, `1.2 G`."""
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.4g} {unit}"
    return f"{n:.4g}"


def _shape(shape: Any) -> str:
    if shape is None:
        return "—"
    return "[" + ", ".join(str(d) for d in shape) + "]"


def _quantization(q: Any) -> str:
    """The quantization of a tensor in one line (per-tensor, per-axis, binary or other)."""
    if q is None:
        return "—"
    if not isinstance(q, dict):
        return str(q)
    if "axis" in q and isinstance(q.get("scale"), (list, tuple)):
        scales = list(q["scale"])
        zps = list(q.get("zero_point") or [])
        lo, hi = (min(scales), max(scales)) if scales else (0.0, 0.0)
        zp = ""
        if zps:
            zp = f", zero point {zps[0]}" if len(set(zps)) == 1 else f", {len(zps)} zero points"
        return f"per-axis (axis {q['axis']}): {len(scales)} scales in [{lo:.4g}, {hi:.4g}]{zp}"
    if "scale" in q:
        return f"scale {float(q['scale']):.6g}, zero point {q.get('zero_point', 0)}"
    if "alpha" in q:
        return f"binary ±{float(q['alpha']):.6g}"
    return ", ".join(f"{k} {v}" for k, v in q.items())


def _truncate(text: str, n: int = LABEL_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _weight_profile(profile: Any) -> str:
    if not profile:
        return "—"
    return ", ".join(f"{int(p['count']):,} × {p['unit']}" for p in profile)


def _op_profile(profile: Any) -> str:
    if not profile:
        return "—"
    items = sorted(profile.items(), key=lambda kv: (-int(kv[1]), kv[0]))
    return ", ".join(f"{k} {int(v):,}" for k, v in items)


def _ticks(vmax: float, binary: bool, n: int = 4) -> list[float]:
    """Tick values from 0 to at most `vmax` (an integer quantity) at a round step: 1, 2, 2.5 or
    5 times a power of ten (times a power of 1024 when `binary`, for bytes), about `n` ticks."""
    if vmax <= 0:
        return [0.0]
    raw = max(vmax / n, 1.0)
    if binary:
        steps = sorted(
            m * 10.0**j * 1024.0**k
            for m in (1, 2, 2.5, 5, 128, 256, 512)
            for j in range(3)
            for k in range(5)
            if m * 10.0**j < 1024
        )
        step = next(x for x in steps if x >= raw)
    else:
        mag = 10.0 ** math.floor(math.log10(raw))
        step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [i * step for i in range(int(vmax / step + 1e-9) + 1)]


# ---------------------------------------------------------------------------------------------
# charts


def _bar_chart(
    group_id: str, title: str, names: Sequence[str], values: Sequence[int], colour: str, unit: str
) -> str:
    """A vertical bar chart, one bar per layer, linear scale: the largest value spans
    `BAR_PLOT_HEIGHT`. Zero values draw zero-height bars (still counted in `data-count`)."""
    n = len(values)
    pitch = max(14.0, min(48.0, 960.0 / max(n, 1)))
    bar_w = pitch * 0.72
    longest = max((len(_truncate(name)) for name in names), default=0)
    left, top, bottom, right = 78.0, 12.0, 24.0 + 5.8 * longest, 16.0
    width = left + max(n, 1) * pitch + right
    height = top + BAR_PLOT_HEIGHT + bottom
    base = top + BAR_PLOT_HEIGHT
    vmax = max(values) if values else 0
    scale = BAR_PLOT_HEIGHT / vmax if vmax > 0 else 0.0
    fmt = _short_bytes if unit == "bytes" else _short_count
    out = [
        f'<svg width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" aria-label="{_esc(title)}">'
    ]
    for t in _ticks(vmax, unit == "bytes"):
        y = base - t * scale
        out.append(
            f'<line class="grid" x1="{_num(left)}" y1="{_num(y)}" x2="{_num(width - right)}" '
            f'y2="{_num(y)}"/><text x="{_num(left - 6)}" y="{_num(y + 4)}" '
            f'text-anchor="end">{_esc(fmt(t))}</text>'
        )
    out.append(
        f'<g id="{group_id}" data-count="{n}" data-x0="{_num(left)}" data-y0="{_num(base)}" '
        f'data-pitch="{_num(pitch)}" data-plot-height="{_num(BAR_PLOT_HEIGHT)}" '
        f'data-max="{vmax}" fill="{colour}">'
    )
    for i, (name, v) in enumerate(zip(names, values, strict=True)):
        h = v * scale
        x = left + i * pitch + (pitch - bar_w) / 2
        out.append(
            f'<rect x="{_num(x)}" y="{_num(base - h)}" width="{_num(bar_w)}" height="{_num(h)}" '
            f'data-value="{v}"><title>{_esc(name)}: {_esc(f"{v:,}")} {unit}</title></rect>'
        )
    out.append("</g><g>")
    for i, name in enumerate(names):
        x = left + i * pitch + pitch / 2
        out.append(
            f'<text transform="translate({_num(x + 3)},{_num(base + 8)}) rotate(-60)" '
            f'text-anchor="end"><title>{_esc(name)}</title>{_esc(_truncate(name))}</text>'
        )
    out.append(
        f'</g><line class="axis" x1="{_num(left)}" y1="{_num(base)}" x2="{_num(width - right)}" '
        f'y2="{_num(base)}"/><line class="axis" x1="{_num(left)}" y1="{_num(top)}" '
        f'x2="{_num(left)}" y2="{_num(base)}"/></svg>'
    )
    return "".join(out)


def _memory_plan_chart(plan: dict | None) -> str:
    """Buffers as boxes: x from `first_step` to `last_step + 1`, y from `offset` to
    `offset + bytes` (offset 0 at the bottom), plus the peak and the lower bound as lines."""
    plan = plan or {}
    buffers = list(plan.get("buffers") or [])
    steps = list(plan.get("steps") or [])
    peak = int(plan.get("peak_bytes") or 0)
    lower = int(plan.get("lower_bound_bytes") or 0)
    n_steps = max([len(steps)] + [int(b["last_step"]) + 1 for b in buffers] + [1 if buffers else 0])
    pitch = max(6.0, min(80.0, 960.0 / max(n_steps, 1)))
    left, top, bottom, right = 78.0, 16.0, 48.0, 150.0
    width = left + max(n_steps, 1) * pitch + right
    height = top + PLAN_PLOT_HEIGHT + bottom
    base = top + PLAN_PLOT_HEIGHT
    ymax = max([peak, lower] + [int(b["offset"]) + int(b["bytes"]) for b in buffers])
    sy = PLAN_PLOT_HEIGHT / ymax if ymax > 0 else 0.0
    plot_right = left + max(n_steps, 1) * pitch
    out = [
        f'<svg width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" aria-label="memory plan">'
    ]
    for t in _ticks(ymax, True):
        y = base - t * sy
        out.append(
            f'<line class="grid" x1="{_num(left)}" y1="{_num(y)}" x2="{_num(plot_right)}" '
            f'y2="{_num(y)}"/><text x="{_num(left - 6)}" y="{_num(y + 4)}" '
            f'text-anchor="end">{_esc(_short_bytes(t))}</text>'
        )
    every = max(1, math.ceil(n_steps / 40))
    for s in range(0, n_steps, every):
        name = steps[s] if s < len(steps) else ""
        tip = f"<title>step {s}: {_esc(name)}</title>" if name else ""
        out.append(
            f'<text x="{_num(left + (s + 0.5) * pitch)}" y="{_num(base + 14)}" '
            f'text-anchor="middle">{tip}{s}</text>'
        )
    out.append(
        f'<text x="{_num((left + plot_right) / 2)}" y="{_num(base + 34)}" '
        'text-anchor="middle">execution step</text>'
    )
    out.append(
        f'<g id="memory-plan" data-count="{len(buffers)}" data-x0="{_num(left)}" '
        f'data-y0="{_num(base)}" data-step-px="{_num(pitch)}" data-byte-px="{sy!r}" '
        f'data-steps="{n_steps}" stroke="#fff" stroke-width="0.5">'
    )
    for i, b in enumerate(buffers):
        first, last = int(b["first_step"]), int(b["last_step"])
        off, nb = int(b["offset"]), int(b["bytes"])
        x = left + first * pitch
        y = base - (off + nb) * sy
        tip = f"{b['name']}: {nb:,} bytes at offset {off:,}, " + (
            f"step {first}" if first == last else f"steps {first}–{last}"
        )
        out.append(
            f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num((last + 1 - first) * pitch)}" '
            f'height="{_num(nb * sy)}" fill="{PLAN_COLOURS[i % len(PLAN_COLOURS)]}" '
            f'data-buffer="{_esc(b["name"])}"><title>{_esc(tip)}</title></rect>'
        )
    out.append("</g>")
    if not buffers:
        out.append(
            f'<text x="{_num((left + plot_right) / 2)}" y="{_num(top + PLAN_PLOT_HEIGHT / 2)}" '
            'text-anchor="middle">no activation buffers in the arena</text>'
        )
    # the lower bound first: the peak line (3 px, so at least two full pixel rows) stays on top
    for ident, value, colour, style, label in (
        ("plan-lower-bound", lower, LOWER_BOUND_COLOUR, '2" stroke-dasharray="6 4', "lower bound"),
        ("plan-peak", peak, PEAK_COLOUR, "3", "peak"),
    ):
        if value <= 0:
            continue
        y = base - value * sy
        # the lower bound label goes below its line when both lines are close
        dy = -4 if label == "peak" or peak - lower > 14 / max(sy, 1e-12) else 12
        out.append(
            f'<line id="{ident}" x1="{_num(left)}" y1="{_num(y)}" x2="{_num(plot_right + 6)}" '
            f'y2="{_num(y)}" stroke="{colour}" stroke-width="{style}" data-bytes="{value}">'
            f"<title>{label}: {value:,} bytes</title></line>"
            f'<text x="{_num(plot_right + 8)}" y="{_num(y + dy)}" style="fill:{colour}">'
            f"{label} {_esc(_short_bytes(value))}</text>"
        )
    out.append(
        f'<line class="axis" x1="{_num(left)}" y1="{_num(base)}" x2="{_num(plot_right)}" '
        f'y2="{_num(base)}"/><line class="axis" x1="{_num(left)}" y1="{_num(top)}" '
        f'x2="{_num(left)}" y2="{_num(base)}"/></svg>'
    )
    return "".join(out)


def pie_slices(counts: Iterable[tuple[str, int]]) -> list[tuple[str, int, float, float]]:
    """`(name, count, start_degrees, sweep_degrees)` for each non-zero count, in the given
    order; angles run clockwise from 12 o'clock and the sweeps sum to 360."""
    items = [(k, int(v)) for k, v in counts if int(v) > 0]
    total = sum(v for _, v in items)
    out, start = [], 0.0
    for k, v in items:
        sweep = 360.0 * v / total
        out.append((k, v, start, sweep))
        start += sweep
    return out


def _point(cx: float, cy: float, r: float, deg: float) -> tuple[float, float]:
    a = math.radians(deg)
    return cx + r * math.sin(a), cy - r * math.cos(a)


def _pie_chart(profile: dict | None, percent: dict | None) -> str:
    """The op-type pie: one SVG arc path per op type (a full circle for a single one), and a
    legend with each count and its percentage of all operations."""
    items = sorted((profile or {}).items(), key=lambda kv: (-int(kv[1]), kv[0]))
    total = sum(int(v) for _, v in items)
    percent = percent or {}
    slices = pie_slices(items)
    cx = cy = PIE_RADIUS + 12
    legend_x = 2 * PIE_RADIUS + 48
    row = 18.0
    width = legend_x + 330
    height = max(2 * PIE_RADIUS + 24, 16 + row * len(items))
    out = [
        f'<svg width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" role="img" aria-label="op-type profile">',
        f'<g id="op-pie" data-count="{len(slices)}" data-cx="{_num(cx)}" data-cy="{_num(cy)}" '
        f'data-r="{_num(PIE_RADIUS)}" stroke="#fff" stroke-width="1">',
    ]
    colour_of = {k: PIE_COLOURS[i % len(PIE_COLOURS)] for i, (k, _) in enumerate(items)}
    for name, count, start, sweep in slices:
        tip = f"<title>{_esc(name)}: {count:,} ({100.0 * count / total:.2f} %)</title>"
        attrs = (
            f'fill="{colour_of[name]}" data-op="{_esc(name)}" data-start="{start!r}" '
            f'data-sweep="{sweep!r}"'
        )
        if len(slices) == 1:
            out.append(
                f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(PIE_RADIUS)}" {attrs}>'
                f"{tip}</circle>"
            )
            continue
        x1, y1 = _point(cx, cy, PIE_RADIUS, start)
        x2, y2 = _point(cx, cy, PIE_RADIUS, start + sweep)
        large = 1 if sweep > 180.0 else 0
        d = (
            f"M{_num(cx)} {_num(cy)} L{_num(x1)} {_num(y1)} "
            f"A{_num(PIE_RADIUS)} {_num(PIE_RADIUS)} 0 {large} 1 {_num(x2)} {_num(y2)} Z"
        )
        out.append(f'<path d="{d}" {attrs}>{tip}</path>')
    out.append("</g>")
    if not slices:
        out.append(
            f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(PIE_RADIUS)}" fill="none" '
            f'stroke="#dee2e6"/><text x="{_num(cx)}" y="{_num(cy)}" text-anchor="middle">'
            "no operations counted</text>"
        )
    out.append('<g id="op-legend">')
    for i, (name, count) in enumerate(items):
        y = 10 + i * row
        pct = percent.get(name)
        if pct is None:
            pct = 100.0 * int(count) / total if total else 0.0
        out.append(
            f'<rect x="{_num(legend_x)}" y="{_num(y)}" width="12" height="12" '
            f'fill="{colour_of[name]}"/><text x="{_num(legend_x + 18)}" y="{_num(y + 10)}">'
            f"{_esc(name)}: {int(count):,} ({float(pct):.2f} %)</text>"
        )
    out.append("</g></svg>")
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# page


def _tensor_rows(tensors: Sequence[dict]) -> str:
    rows = []
    for t in tensors:
        rows.append(
            f"<tr><td>{_esc(t.get('name', ''))}</td><td>{_esc(_shape(t.get('shape')))}</td>"
            f"<td>{_esc(t.get('dtype', ''))}</td>"
            f"<td>{_esc(_quantization(t.get('quantization')))}</td></tr>"
        )
    return "".join(rows)


def _fit_block(fit: dict | None) -> str:
    if fit is None:
        return (
            '<div class="fit fit-none" id="fit">fit check not run: give --target or '
            "--ram-limit/--flash-limit</div>"
        )
    cls = "fit-yes" if fit.get("fits") else "fit-no"
    verdict = fit.get("verdict") or (
        f"{'fits' if fit.get('fits') else 'does not fit'} {fit.get('target', '')}"
    )
    rows = "".join(
        f"<tr><th>{label}</th><td class='n'>{_bytes(fit.get(need))}</td>"
        f"<td class='n'>{_bytes(fit.get(limit))}</td><td class='n'>{_bytes(fit.get(margin))}</td>"
        "</tr>"
        for label, need, limit, margin in (
            ("RAM", "ram_needed", "ram_limit", "ram_margin"),
            ("flash", "flash_needed", "flash_limit", "flash_margin"),
        )
    )
    return (
        f'<div class="fit {cls}" id="fit" data-fits="{str(bool(fit.get("fits"))).lower()}">'
        f"{_esc(verdict)}</div>"
        "<table><tr><th></th><th>needed</th><th>limit</th><th>margin</th></tr>"
        f"{rows}</table>"
        f"<p>peak set by layer <b>{_esc(fit.get('peak_layer') or '—')}</b></p>"
    )


def _plan_note(plan: dict | None) -> str:
    """The planner's remark (e.g. why no arena plan exists), when the report has one."""
    note = (plan or {}).get("note")
    return f'<p class="note" id="plan-note">{_esc(note)}</p>' if note else ""


def _layer_table(layers: Sequence[dict]) -> str:
    head = (
        "<tr><th>#</th><th>name</th><th>op</th><th>output shape</th><th>params</th>"
        "<th>weights</th><th>weight bits</th><th>MACC</th><th>live activations</th>"
        "<th>weight profile</th><th>op profile</th></tr>"
    )
    rows = []
    for i, layer in enumerate(layers):
        bits = layer.get("weight_bits")
        rows.append(
            f"<tr><td class='n'>{i}</td><td>{_esc(layer.get('name', ''))}</td>"
            f"<td>{_esc(layer.get('op', ''))}</td>"
            f"<td>{_esc(_shape(layer.get('output_shape')))}</td>"
            f"<td class='n'>{_int(layer.get('params'))}</td>"
            f"<td class='n'>{_int(layer.get('weights_bytes'))}</td>"
            f"<td class='n'>{'—' if bits is None else _esc(bits)}</td>"
            f"<td class='n'>{_int(layer.get('macc'))}</td>"
            f"<td class='n'>{_int(layer.get('activation_bytes'))}</td>"
            f"<td>{_esc(_weight_profile(layer.get('weight_profile')))}</td>"
            f"<td>{_esc(_op_profile(layer.get('op_profile')))}</td></tr>"
        )
    return f'<div class="scroll"><table id="layers">{head}{"".join(rows)}</table></div>'


def render_html(report: dict) -> str:
    """The analyze report (schema 1) as one self-contained HTML page (inline CSS and SVG, no
    script, no external reference)."""
    if not isinstance(report, dict) or report.get("schema") != SCHEMA:
        got = report.get("schema") if isinstance(report, dict) else type(report).__name__
        raise EdgeAIError(f"html report: analyze report schema {got!r}, expected {SCHEMA}")
    layers = list(report.get("layers") or [])
    names = [str(layer.get("name", "")) for layer in layers]
    model = report.get("model", "")
    target = report.get("target")
    summary = [
        ("model", _esc(model)),
        ("target", _esc(target) if target else "—"),
        ("params", _int(report.get("params"))),
        ("MACC", _int(report.get("macc"))),
        ("weights", _bytes(report.get("weights_bytes"))),
        ("activations (planned peak)", _bytes(report.get("activations_bytes"))),
        ("activations (lower bound)", _bytes(report.get("activations_lower_bound_bytes"))),
        ("inputs + outputs", _bytes(report.get("io_bytes"))),
        ("RAM", _bytes(report.get("ram_bytes"))),
        ("flash", _bytes(report.get("flash_bytes"))),
        ("layers", _int(len(layers))),
    ]
    summary_rows = "".join(f"<tr><th>{k}</th><td class='n'>{v}</td></tr>" for k, v in summary)
    io_head = "<tr><th>name</th><th>shape</th><th>type</th><th>quantization</th></tr>"
    no_layers = '<p class="note">no layers</p>' if not layers else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>edgeai analyze: {_esc(model)}</title><style>{_CSS}</style></head><body>",
        f"<h1>edgeai analyze: {_esc(model)}</h1>",
        _fit_block(report.get("fit")),
        '<div class="row"><div><h2>Summary</h2><table id="summary">',
        summary_rows,
        "</table></div><div>",
        f'<h2>Inputs</h2><table id="inputs">{io_head}{_tensor_rows(report.get("inputs") or [])}'
        "</table>",
        f'<h2>Outputs</h2><table id="outputs">{io_head}'
        f"{_tensor_rows(report.get('outputs') or [])}</table></div></div>",
        "<h2>Live activation RAM per layer</h2>",
        no_layers,
        '<div class="scroll">',
        _bar_chart(
            "ram-bars",
            "live activation bytes per layer",
            names,
            [int(layer.get("activation_bytes") or 0) for layer in layers],
            RAM_COLOUR,
            "bytes",
        ),
        "</div><h2>MACC per layer</h2>",
        no_layers,
        '<div class="scroll">',
        _bar_chart(
            "macc-bars",
            "MACC per layer",
            names,
            [int(layer.get("macc") or 0) for layer in layers],
            MACC_COLOUR,
            "MACC",
        ),
        "</div><h2>Memory plan (arena offset over execution steps)</h2>",
        '<div class="scroll">',
        _memory_plan_chart(report.get("memory_plan")),
        "</div>",
        _plan_note(report.get("memory_plan")),
        "<h2>Op-type profile</h2>",
        _pie_chart(report.get("op_profile"), report.get("op_profile_percent")),
        "<h2>Layers</h2>",
        _layer_table(layers),
        "</body></html>\n",
    ]
    return "\n".join(p for p in parts if p)


def write_html(report: dict, path: str) -> None:
    """Render `report` and write it to `path` atomically (no partial file on error)."""
    from edgeai.tools.translate import write_atomic

    write_atomic(str(path), render_html(report))
