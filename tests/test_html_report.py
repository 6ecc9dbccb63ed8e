"""The HTML report of `edgeai analyze`: chart geometry recomputed from hand-built reports,
escaping, self-containment, degenerate reports, and the real report of the MLPerf Tiny KWS model
opened in headless Chromium (Debian `chromium`), whose screenshot is decoded here and checked
for the chart colours in the expected amounts and places."""

from __future__ import annotations

import itertools
import math
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from edgeai.analysis import html_report as hr
from edgeai.analysis.html_report import render_html, write_html
from edgeai.support.errors import EdgeAIError

COORD_TOL = 0.006  # coordinates are written with 2 decimals
VOID = {"meta", "br", "img", "input", "link", "hr", "col", "source", "wbr"}


# ---------------------------------------------------------------------------------------------
# helpers: hand-built reports and a small DOM collector


def make_layer(name: str, macc: int, act: int, op: str = "nn.conv2d") -> dict:
    return {
        "name": name,
        "op": op,
        "output_shape": [1, 4, 4, 8],
        "params": 80,
        "weights_bytes": 104,
        "weight_bits": 8,
        "macc": macc,
        "activation_bytes": act,
        "op_profile": {"smult_8_8": macc} if macc else {},
        "weight_profile": [
            {"unit": "8-bit", "bits": 8, "count": 72},
            {"unit": "32-bit", "bits": 32, "count": 8},
        ],
    }


def make_report(layers=None, buffers=None, profile=None, fit="fits", steps=None) -> dict:
    """A complete schema-1 report; `fit` is "fits", "over" or None."""
    if layers is None:
        layers = [make_layer("conv", 9000, 3000), make_layer("dense", 300, 1200, "nn.dense")]
    if buffers is None:
        buffers = [
            {"name": "conv", "offset": 0, "bytes": 2048, "first_step": 0, "last_step": 1},
            {"name": "dense", "offset": 2048, "bytes": 512, "first_step": 1, "last_step": 2},
            {"name": "out", "offset": 0, "bytes": 64, "first_step": 2, "last_step": 2},
        ]
    if profile is None:
        profile = {"smult_8_8": 9300, "sadd_8_8": 500, "smax_8_8": 200}
    total = sum(profile.values())
    peak = max([0] + [b["offset"] + b["bytes"] for b in buffers])
    fits = {
        "target": "stm32f401re",
        "ram_limit": 98304,
        "flash_limit": 524288,
        "ram_needed": peak + 100,
        "flash_needed": 208,
        "fits": fit == "fits",
        "ram_margin": 98304 - peak - 100,
        "flash_margin": 524288 - 208,
        "peak_layer": "conv",
        "verdict": "fits: RAM 2.6 KiB of 96 KiB, flash 0.2 KiB of 512 KiB",
    }
    if fit == "over":
        fits.update(ram_limit=1024, ram_margin=1024 - peak - 100, verdict="does not fit")
    return {
        "schema": 1,
        "model": "tiny.tflite",
        "target": "stm32f401re" if fit else None,
        "inputs": [
            {
                "name": "in",
                "shape": [1, 4, 4, 1],
                "dtype": "int8",
                "quantization": {"scale": 0.5, "zero_point": -1},
            }
        ],
        "outputs": [
            {
                "name": "out",
                "shape": [1, 8],
                "dtype": "int8",
                "quantization": {"axis": 1, "scale": [0.1, 0.2], "zero_point": [0, 0]},
            }
        ],
        "params": 160,
        "macc": sum(layer["macc"] for layer in layers),
        "weights_bytes": 208,
        "activations_bytes": peak,
        "activations_lower_bound_bytes": max(0, peak - 48),
        "io_bytes": 100,
        "ram_bytes": peak + 100,
        "flash_bytes": 208,
        "op_profile": profile,
        "op_profile_percent": {k: 100.0 * v / total for k, v in profile.items()} if total else {},
        "layers": layers,
        "memory_plan": {
            "alignment": 16,
            "peak_bytes": peak,
            "lower_bound_bytes": max(0, peak - 48),
            "steps": steps if steps is not None else [layer["name"] for layer in layers] + ["out"],
            "buffers": buffers,
        },
        "fit": None if fit is None else fits,
    }


class Dom(HTMLParser):
    """Every element as (tag, attrs, ids of its ancestors), plus text under each id."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict, tuple[str, ...]]] = []
        self.stack: list[tuple[str, str | None]] = []
        self.text: dict[str, list[str]] = {}
        self.feed(text)
        self.close()

    def _ids(self) -> tuple[str, ...]:
        return tuple(i for _, i in self.stack if i)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a, self._ids()))
        if tag not in VOID:
            self.stack.append((tag, a.get("id")))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), self._ids()))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1][0] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        for i in self._ids():
            self.text.setdefault(i, []).append(data)

    def by_id(self, ident: str) -> dict:
        (found,) = [a for _, a, _ in self.elements if a.get("id") == ident]
        return found

    def inside(self, ident: str, tag: str) -> list[dict]:
        """Direct drawn children (`tag`) of the element with id `ident`."""
        return [a for t, a, ids in self.elements if t == tag and ids and ids[-1] == ident]


def f(a: dict, key: str) -> float:
    return float(a[key])


# ---------------------------------------------------------------------------------------------
# unit cases: geometry


def test_page_is_well_formed_and_names_every_section():
    dom = Dom(render_html(make_report()))
    assert not dom.stack, "unclosed elements"
    for ident in ("ram-bars", "macc-bars", "memory-plan", "op-pie", "summary", "layers", "fit"):
        dom.by_id(ident)


def check_bars(dom: Dom, ident: str, values: list[int]) -> None:
    """One bar per value, on the baseline, at a constant pitch, its height proportional to the
    value (the largest spans the plot height)."""
    g = dom.by_id(ident)
    bars = dom.inside(ident, "rect")
    assert int(g["data-count"]) == len(bars) == len(values)
    plot_h, base = f(g, "data-plot-height"), f(g, "data-y0")
    vmax = max(values)
    for i, (bar, v) in enumerate(zip(bars, values, strict=True)):
        assert int(bar["data-value"]) == v
        assert abs(f(bar, "height") - (plot_h * v / vmax if vmax else 0.0)) < COORD_TOL
        assert abs(f(bar, "y") + f(bar, "height") - base) < 2 * COORD_TOL  # on the baseline
        if i:
            pitch = f(bar, "x") - f(bars[i - 1], "x")
            assert abs(pitch - f(g, "data-pitch")) < COORD_TOL
    if vmax:
        assert max(f(b, "height") for b in bars) == pytest.approx(plot_h, abs=COORD_TOL)
    assert all(f(b, "width") > 0 for b in bars)


def check_plan(dom: Dom, plan: dict) -> None:
    """One box per buffer: x/width from its steps, y/height from its offset/bytes (offset 0 at
    the bottom, the highest of peak/lower bound/buffer end at the top of the plot), and the
    peak and lower-bound lines at their heights."""
    g = dom.by_id("memory-plan")
    rects = dom.inside("memory-plan", "rect")
    buffers = plan["buffers"]
    assert int(g["data-count"]) == len(rects) == len(buffers)
    x0, y0, sx, sy = f(g, "data-x0"), f(g, "data-y0"), f(g, "data-step-px"), f(g, "data-byte-px")
    top = max(
        [plan["peak_bytes"], plan["lower_bound_bytes"]]
        + [b["offset"] + b["bytes"] for b in buffers]
    )
    assert sy == pytest.approx(hr.PLAN_PLOT_HEIGHT / top)
    for r, b in zip(rects, buffers, strict=True):
        assert r["data-buffer"] == b["name"]
        assert abs(f(r, "x") - (x0 + b["first_step"] * sx)) < COORD_TOL
        assert abs(f(r, "width") - (b["last_step"] + 1 - b["first_step"]) * sx) < COORD_TOL
        assert abs(f(r, "y") - (y0 - (b["offset"] + b["bytes"]) * sy)) < COORD_TOL
        assert abs(f(r, "height") - b["bytes"] * sy) < COORD_TOL
    for ident, key in (("plan-peak", "peak_bytes"), ("plan-lower-bound", "lower_bound_bytes")):
        line = dom.by_id(ident)
        assert int(line["data-bytes"]) == plan[key]
        assert abs(f(line, "y1") - (y0 - plan[key] * sy)) < COORD_TOL
        assert f(line, "y1") >= 0  # inside the drawing


def test_bar_heights_are_proportional_to_the_values():
    layers = [
        make_layer(f"l{i}", macc=m, act=a)
        for i, (m, a) in enumerate([(100, 40), (2500, 10), (0, 160), (1250, 80), (7, 1)])
    ]
    dom = Dom(render_html(make_report(layers=layers)))
    check_bars(dom, "macc-bars", [layer["macc"] for layer in layers])
    check_bars(dom, "ram-bars", [layer["activation_bytes"] for layer in layers])


def test_zero_macc_layers_draw_flat_bars():
    layers = [make_layer("reshape", 0, 64, "nn.reshape"), make_layer("softmax", 0, 32)]
    html = render_html(make_report(layers=layers, profile={}))
    dom = Dom(html)
    bars = dom.inside("macc-bars", "rect")
    assert len(bars) == 2 and all(f(b, "height") == 0 for b in bars)
    assert not re.search(r"\bnan\b|\binf\b", html, re.IGNORECASE)
    assert dom.by_id("op-pie")["data-count"] == "0"
    assert "no operations counted" in html


def test_memory_plan_rectangles_are_the_buffers():
    buffers = [
        {"name": "a", "offset": 0, "bytes": 1000, "first_step": 0, "last_step": 0},
        {"name": "b", "offset": 1008, "bytes": 4000, "first_step": 0, "last_step": 2},
        {"name": "c", "offset": 0, "bytes": 992, "first_step": 1, "last_step": 3},
        {"name": "d", "offset": 5008, "bytes": 16, "first_step": 3, "last_step": 4},
    ]
    rep = make_report(buffers=buffers, steps=["s0", "s1", "s2", "s3", "s4"])
    rep["memory_plan"]["lower_bound_bytes"] = 5000
    dom = Dom(render_html(rep))
    check_plan(dom, rep["memory_plan"])
    g = dom.by_id("memory-plan")  # the highest buffer end (5024) spans the full plot height
    assert f(g, "data-byte-px") == pytest.approx(hr.PLAN_PLOT_HEIGHT / 5024)
    tips = "".join(dom.text["memory-plan"])
    assert "b: 4,000 bytes at offset 1,008, steps 0–2" in tips
    assert "a: 1,000 bytes at offset 0, step 0" in tips
    assert dom.by_id("plan-lower-bound")["data-bytes"] == "5000"


def _arc_endpoints(d: str) -> tuple[float, ...]:
    m = re.fullmatch(r"M(\S+) (\S+) L(\S+) (\S+) A(\S+) (\S+) 0 ([01]) 1 (\S+) (\S+) Z", d)
    assert m, d
    return tuple(float(v) for v in m.groups())


def test_pie_arcs_sum_to_360_degrees_and_lie_on_the_circle():
    profile = {"smult_8_8": 6000, "sadd_8_8": 2500, "sxor_1_1": 1000, "smax_8_8": 500, "z": 0}
    dom = Dom(render_html(make_report(profile=profile)))
    g = dom.by_id("op-pie")
    slices = dom.inside("op-pie", "path")
    assert int(g["data-count"]) == len(slices) == 4  # the zero count draws nothing
    cx, cy, r = f(g, "data-cx"), f(g, "data-cy"), f(g, "data-r")
    total = sum(profile.values())
    assert sum(f(s, "data-sweep") for s in slices) == pytest.approx(360.0, abs=1e-9)
    start = 0.0
    for s in slices:
        count = profile[s["data-op"]]
        sweep = f(s, "data-sweep")
        assert sweep == pytest.approx(360.0 * count / total)
        assert f(s, "data-start") == pytest.approx(start)
        mx, my, x1, y1, rx, ry, large, x2, y2 = _arc_endpoints(s["d"])
        assert (mx, my, rx, ry) == (pytest.approx(cx), pytest.approx(cy), r, r)
        for (x, y), deg in (((x1, y1), start), ((x2, y2), start + sweep)):
            a = math.radians(deg)  # clockwise from 12 o'clock
            assert abs(x - (cx + r * math.sin(a))) < COORD_TOL
            assert abs(y - (cy - r * math.cos(a))) < COORD_TOL
        assert large == (1 if sweep > 180 else 0)
        start += sweep
    assert len({s["fill"] for s in slices}) == 4
    legend = "".join(dom.text["op-legend"])
    assert "smult_8_8: 6,000 (60.00 %)" in legend and "z: 0 (0.00 %)" in legend


def test_single_op_type_draws_a_full_circle():
    dom = Dom(render_html(make_report(profile={"sfmult_32_32": 1234})))
    assert dom.by_id("op-pie")["data-count"] == "1"
    (circle,) = dom.inside("op-pie", "circle")
    assert float(circle["data-sweep"]) == 360.0 and float(circle["r"]) == hr.PIE_RADIUS
    assert not dom.inside("op-pie", "path")
    assert "sfmult_32_32: 1,234 (100.00 %)" in "".join(dom.text["op-legend"])


# ---------------------------------------------------------------------------------------------
# unit cases: content, escaping, degenerate reports


def test_summary_and_fit_verdict_colours():
    rep = make_report()
    html = render_html(rep)
    dom = Dom(html)
    summary = " ".join(dom.text["summary"])
    assert "tiny.tflite" in summary and "9,300" in summary and "208 B" in summary
    assert "2,560 B (2.5 KiB)" in summary  # planned peak
    assert "2,512 B (2.5 KiB)" in summary  # lower bound
    assert "scale 0.5, zero point -1" in " ".join(dom.text["inputs"])
    assert "per-axis (axis 1): 2 scales" in " ".join(dom.text["outputs"])
    assert "fit fit-yes" in html and dom.by_id("fit")["data-fits"] == "true"
    over = render_html(make_report(fit="over"))
    assert "fit fit-no" in over and "does not fit" in over
    missing = render_html(make_report(fit=None))
    assert "fit-yes" not in missing.split("<style>")[1].split("</style>")[1]
    assert "fit check not run" in missing


def test_memory_plan_note_is_shown():
    rep = make_report()
    rep["memory_plan"]["note"] = "planned at nn level: <no kernels>"
    dom = Dom(render_html(rep))
    assert "".join(dom.text["plan-note"]) == "planned at nn level: <no kernels>"


def test_layer_table_lists_weight_profile():
    dom = Dom(render_html(make_report()))
    table = " ".join(dom.text["layers"])
    assert "72 × 8-bit, 8 × 32-bit" in table and "nn.dense" in table and "[1, 4, 4, 8]" in table


def test_strings_from_the_report_are_escaped():
    evil = '<script>alert("x")</script>'
    layers = [make_layer(evil, 10, 10), make_layer("a\"b'c&d", 5, 5)]
    buffers = [{"name": evil, "offset": 0, "bytes": 16, "first_step": 0, "last_step": 0}]
    rep = make_report(layers=layers, buffers=buffers, profile={evil: 3})
    rep["model"] = evil
    rep["inputs"][0]["name"] = evil
    rep["fit"]["verdict"] = evil
    html = render_html(rep)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    dom = Dom(html)  # attributes still parse: the quote in a name does not break out
    assert dom.inside("memory-plan", "rect")[0]["data-buffer"] == evil
    assert dom.inside("op-pie", "circle")[0]["data-op"] == evil


def test_no_external_references():
    html = render_html(make_report())
    for pattern in (
        r"https?:",
        r"\bsrc\s*=",
        r"\bhref\s*=",
        r"url\(",
        r"@import",
        r"<script",
        r"<link",
        r"<img",
        r"<iframe",
        r"//[a-z0-9.-]+\.[a-z]{2,}/",
    ):
        assert not re.search(pattern, html, re.IGNORECASE), pattern


def test_degenerate_reports():
    # no layers, no buffers, no operations, no fit
    empty = make_report(layers=[], buffers=[], profile={}, fit=None, steps=[])
    dom = Dom(render_html(empty))
    for ident in ("ram-bars", "macc-bars", "memory-plan", "op-pie"):
        assert dom.by_id(ident)["data-count"] == "0"
    html = render_html(empty)
    assert "no layers" in html and "no activation buffers in the arena" in html
    # the memory plan may be null in a hand-built dict
    empty["memory_plan"] = None
    assert Dom(render_html(empty)).by_id("memory-plan")["data-count"] == "0"
    # one layer
    one = make_report(
        layers=[make_layer("only", 5, 7)],
        buffers=[{"name": "only", "offset": 0, "bytes": 7, "first_step": 0, "last_step": 0}],
    )
    dom = Dom(render_html(one))
    (bar,) = dom.inside("ram-bars", "rect")
    assert float(bar["height"]) == hr.BAR_PLOT_HEIGHT
    (box,) = dom.inside("memory-plan", "rect")
    assert float(box["height"]) == hr.PLAN_PLOT_HEIGHT


def test_five_hundred_layers_stay_small_and_scroll():
    n = 500
    layers = [
        make_layer(f"block_{i}/conv2d_with_a_long_name", 1000 + i, 2000 + 3 * i) for i in range(n)
    ]
    buffers = [
        {
            "name": f"t{i}",
            "offset": 2048 * (i % 2),
            "bytes": 2000 + 3 * (i % 7),
            "first_step": i,
            "last_step": i + 1,
        }
        for i in range(n)
    ]
    html = render_html(
        make_report(layers=layers, buffers=buffers, steps=[f"s{i}" for i in range(n + 1)])
    )
    assert len(html.encode()) < 1_200_000
    dom = Dom(html)
    assert dom.by_id("ram-bars")["data-count"] == str(n)
    assert dom.by_id("macc-bars")["data-count"] == str(n)
    assert dom.by_id("memory-plan")["data-count"] == str(n)
    assert float(dom.by_id("ram-bars")["data-pitch"]) >= 12  # readable: the page scrolls
    svg_widths = [float(a["width"]) for t, a, _ in dom.elements if t == "svg"]
    assert max(svg_widths) > 5000
    assert html.count('<div class="scroll">') >= 4


def test_wrong_schema_is_a_one_line_error():
    with pytest.raises(EdgeAIError, match="schema 2, expected 1"):
        render_html({"schema": 2})


def test_write_html_is_atomic(tmp_path):
    out = tmp_path / "r.html"
    write_html(make_report(), str(out))
    assert out.read_text(encoding="utf-8") == render_html(make_report())
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    with pytest.raises(EdgeAIError, match="does not exist"):
        write_html(make_report(), str(tmp_path / "missing" / "r.html"))


# ---------------------------------------------------------------------------------------------
# PNG decoding (numpy + zlib; Pillow is not a dependency)


def decode_png(data: bytes) -> np.ndarray:
    """An 8-bit non-interlaced PNG (grey, grey+alpha, RGB, RGBA) as an (h, w, channels) uint8
    array. The five row filters are undone along anti-diagonals, so each numpy step handles one
    pixel of every row at once (a pixel depends on its left, upper and upper-left neighbours)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length, kind) = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + length :][:4])[0]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    assert header is not None
    w, h, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour in (0, 2, 4, 6), header
    ch = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), np.uint8).reshape(h, 1 + w * ch)
    kinds = raw[:, 0].astype(np.int32)
    assert kinds.max() <= 4
    filt = raw[:, 1:].reshape(h, w, ch).astype(np.int32)
    out = np.zeros((h + 1, w + 1, ch), np.int32)  # a zero row above and column to the left
    for d in range(h + w - 1):
        r = np.arange(max(0, d - w + 1), min(h - 1, d) + 1)
        c = d - r
        a, b, ul = out[r + 1, c], out[r, c + 1], out[r, c]
        p = a + b - ul
        pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - ul)
        paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, ul))
        k = kinds[r][:, None]
        pred = np.select([k == 1, k == 2, k == 3, k == 4], [a, b, (a + b) >> 1, paeth], 0)
        out[r + 1, c + 1] = (filt[r, c] + pred) & 255
    return out[1:, 1:].astype(np.uint8)


def encode_png(img: np.ndarray, kinds: list[int]) -> bytes:
    """An RGBA PNG of `img` with the given filter type on each row (to test `decode_png`)."""
    h, w, ch = img.shape
    x = img.astype(np.int32)
    pad = np.zeros((h + 1, w + 1, ch), np.int32)
    pad[1:, 1:] = x
    a, b, c = pad[1:, :-1], pad[:-1, 1:], pad[:-1, :-1]
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
    preds = [np.zeros_like(x), a, b, (a + b) >> 1, paeth]
    rows = b"".join(
        bytes([k]) + ((x[i] - preds[k][i]) & 255).astype(np.uint8).tobytes()
        for i, k in enumerate(kinds)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_png_decoder_undoes_every_filter():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(23, 17, 4), dtype=np.uint8)
    img[5:9] = 255  # flat rows too
    kinds = [i % 5 for i in range(23)]
    assert np.array_equal(decode_png(encode_png(img, kinds)), img)


# ---------------------------------------------------------------------------------------------
# the real report in headless Chromium

CHROMIUM = "chromium"
WINDOW = (1400, 3000)


def require_chromium() -> str:
    """The Chromium binary; its absence is an error naming the Debian package, not a skip."""
    path = shutil.which(CHROMIUM)
    if path is None:
        raise EdgeAIError(
            "chromium not found: install the Debian package chromium (`make setup` does, as root)"
        )
    return path


def chromium_render(html_path: Path, png: Path, profile_dir: Path) -> tuple[str, str]:
    """Load `html_path` in headless Chromium: screenshot to `png`; returns (DOM after load,
    browser log)."""
    cmd = [
        require_chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        f"--user-data-dir={profile_dir}",
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
        f"--screenshot={png}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        html_path.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr


def console_messages(log: str) -> list[str]:
    """The page's console messages (JS errors, failed loads) in Chromium's stderr log."""
    return [line for line in log.splitlines() if ":CONSOLE" in line]


def test_missing_chromium_names_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EdgeAIError, match="install the Debian package chromium"):
        require_chromium()


def test_console_error_detection_works(tmp_path):
    """The browser log check can fail: a page with a broken script and a missing image."""
    page = tmp_path / "bad.html"
    page.write_text('<html><body><script>undefinedFn();</script><img src="nope.png"></body></html>')
    _, log = chromium_render(page, tmp_path / "bad.png", tmp_path / "profile")
    assert any("undefinedFn" in m for m in console_messages(log)), log[-2000:]


@pytest.fixture(scope="module")
def kws_report(models_dir):
    from edgeai.analysis.analyze import analyze_model

    (model,) = sorted(
        (models_dir / "mlperf_tiny" / "keyword_spotting").glob("kws_ref_model.tflite")
    )
    return analyze_model(str(model), target="stm32f401re")


def colour_mask(img: np.ndarray, hex_colour: str) -> np.ndarray:
    rgb = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    return np.all(img[:, :, :3] == rgb, axis=2)


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(ys.min()), int(ys.max()), int(xs.min()), int(xs.max())


def test_kws_report_renders_in_chromium(kws_report, tmp_path):
    """The real KWS report loads without console errors, the browser's DOM holds every chart
    item with the report's values, and the screenshot shows each chart's colour over the area
    its shapes cover, in page order."""
    html_path = tmp_path / "kws.html"
    write_html(kws_report, str(html_path))
    png = tmp_path / "kws.png"
    dom_text, log = chromium_render(html_path, png, tmp_path / "profile")
    assert console_messages(log) == []
    assert png.is_file() and png.stat().st_size > 10_000

    # the DOM after load: every chart item, with the report's numbers
    dom = Dom(dom_text)
    layers = kws_report["layers"]
    plan = kws_report["memory_plan"]
    profile = sorted(kws_report["op_profile"].items(), key=lambda kv: (-kv[1], kv[0]))
    assert len(layers) > 3 and plan["buffers"] and profile
    ram = dom.inside("ram-bars", "rect")
    macc = dom.inside("macc-bars", "rect")
    boxes = dom.inside("memory-plan", "rect")
    slices = dom.inside("op-pie", "path") + dom.inside("op-pie", "circle")
    check_bars(dom, "ram-bars", [x["activation_bytes"] for x in layers])
    check_bars(dom, "macc-bars", [x["macc"] for x in layers])
    check_plan(dom, plan)
    assert [s["data-op"] for s in slices] == [k for k, v in profile if v > 0]
    for ident, items in (("ram-bars", ram), ("macc-bars", macc), ("memory-plan", boxes)):
        assert int(dom.by_id(ident)["data-count"]) == len(items)
    assert int(dom.by_id("op-pie")["data-count"]) == len(slices)

    img = decode_png(png.read_bytes())
    assert img.shape[:2] == (WINDOW[1], WINDOW[0])
    regions = {}

    # bars: the painted area matches the sum of the bar rectangles (edges are anti-aliased)
    for ident, bars, colour in (
        ("ram-bars", ram, hr.RAM_COLOUR),
        ("macc-bars", macc, hr.MACC_COLOUR),
    ):
        expected = sum(f(b, "width") * f(b, "height") for b in bars)
        edges = sum(2 * f(b, "height") + 2 * f(b, "width") for b in bars if f(b, "height"))
        mask = colour_mask(img, colour)
        got = int(mask.sum())
        assert expected > 0 and abs(got - expected) <= edges, (ident, got, expected)
        y0, y1, _, _ = regions[ident] = bbox(mask)
        assert y1 - y0 == pytest.approx(hr.BAR_PLOT_HEIGHT, abs=2)  # the tallest bar

    # the pie: the largest op type's slice covers its share of the disc
    total = sum(v for _, v in profile)
    big, big_count = profile[0]
    mask = colour_mask(img, hr.PIE_COLOURS[0])
    disc = math.pi * hr.PIE_RADIUS**2
    expected = disc * big_count / total + 144  # + the legend swatch
    assert abs(int(mask.sum()) - expected) < 0.03 * disc, (big, int(mask.sum()), expected)
    regions["op-pie"] = bbox(mask)
    if big_count / total > 0.5:  # a slice over half the disc spans its full width
        _, _, x0, x1 = regions["op-pie"]
        assert x1 - x0 >= 2 * hr.PIE_RADIUS - 3

    # the memory plan: the buffer colours cover the boxes (white 0.5 px outlines between them
    # (and the peak/lower-bound lines over their tops): allow two pixels along each edge
    box_area = sum(f(b, "width") * f(b, "height") for b in boxes)
    perimeter = sum(2 * (f(b, "width") + f(b, "height")) for b in boxes)
    plan_mask = np.logical_or.reduce([colour_mask(img, c) for c in hr.PLAN_COLOURS])
    got = int(plan_mask.sum())
    assert box_area - 2 * perimeter < got <= box_area + 2, (got, box_area, perimeter)
    regions["memory-plan"] = bbox(plan_mask)
    peak_line = dom.by_id("plan-peak")
    assert int(peak_line["data-bytes"]) == plan["peak_bytes"]
    line_px = f(peak_line, "x2") - f(peak_line, "x1")
    assert colour_mask(img, hr.PEAK_COLOUR).sum() > 0.9 * line_px

    # the charts appear in page order, one below the other
    order = ["ram-bars", "macc-bars", "memory-plan", "op-pie"]
    for upper, lower in itertools.pairwise(order):
        assert regions[upper][1] < regions[lower][0], (upper, lower, regions)

    # the fit verdict box is green (the KWS model fits an STM32F401RE)
    assert kws_report["fit"]["fits"] is True
    assert colour_mask(img, "#d3f9d8").sum() > 2000
    assert colour_mask(img, "#ffe3e3").sum() == 0
