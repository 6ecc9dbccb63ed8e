"""`edgeai generate --target imc`: the mapping table, imc_schedule.json, the imc IR, forced
mappings and their errors, and the benchmark networks (VGG16-style, YOLOv2-tiny-style, mixed
precision) entirely on the tiles."""

from __future__ import annotations

import importlib.util
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import edgeai
from edgeai.backends.imc.cost import layer_cost
from edgeai.backends.imc.mapping import LayerShape, Mapping, geometry
from edgeai.backends.imc.target import load_target
from edgeai.support.nn_build import ConvSpec, quant_net
from edgeai.tools.edgeai_main import main

ROOT = Path(__file__).resolve().parents[1]

#: a small network with every layer kind, mixed precision and one host op (the reshape)
SPECS = [
    ConvSpec("c1", 8, 3),
    ConvSpec("c2", 16, 3, stride=2),
    ConvSpec("dw", 16, 3, kind="depthwise"),
    ConvSpec("c3", 8, 1, w_bits=2, a_bits=2),
    ConvSpec("fc", 10, kind="dense", w_bits=8, a_bits=8),
]
#: (kind, in_c, in_hw, out_c, out_hw, k) of SPECS on a 16x16x3 input, worked out by hand
SHAPES = [
    ("conv2d", 3, 16, 8, 16, 3),
    ("conv2d", 8, 16, 16, 8, 3),
    ("depthwise", 16, 8, 16, 8, 3),
    ("conv2d", 16, 8, 8, 8, 1),
    ("dense", 512, 1, 10, 1, 1),
]

TABLE_KEYS = {
    "name",
    "stripes",
    "chains",
    "parallel",
    "utilization",
    "kernel_rounds",
    "cycles_1cluster",
    "cycles_all_clusters",
}


def _benchmarks():
    spec = importlib.util.spec_from_file_location("imc_bench", ROOT / "benchmarks" / "imc.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def small_model(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("imc") / "small.mlir"
    path.write_text(str(quant_net(SPECS, (16, 16, 3), seed=1)))
    return path


def _generate(capsys, model: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    rc = main(["generate", "-m", str(model), "--target", "imc", "-o", str(out), *extra])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_generate_prints_the_table_and_writes_schedule_ir_and_report(capsys, small_model, tmp_path):
    out = tmp_path / "out"
    rc, text, err = _generate(capsys, small_model, out)
    assert rc == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "imc_schedule.json",
        "report.json",
        "schedule.mlir",
    ]
    head = text.splitlines()[1].split()
    for col in ("layer", "CxHxW", "kernels", "params", "MMACs", "stripes", "chains", "util"):
        assert col in head
    assert "nn.reshape" in text and "totals:" in text
    sched = json.loads((out / "imc_schedule.json").read_text())
    assert [r["name"] for r in sched["layers"]] == [s.name for s in SPECS]
    for row in sched["layers"]:
        assert TABLE_KEYS <= set(row)
        assert 0 < row["utilization"] <= 1
    assert {"cycles_1cluster", "cycles_all_clusters", "inferences_per_s"} <= set(sched["totals"])
    assert [h["op"] for h in sched["host"]] == ["nn.reshape"]
    report = json.loads((out / "report.json").read_text())
    assert report["backend"] == "imc" and report["schedule"] == sched


def test_schedule_figures_recomputed(capsys, small_model, tmp_path):
    """Per-layer shapes, MACs, params and weight bytes by hand; totals are the sums;
    inferences/s = clock / cycles; every layer's cycles are the cost model's for the mapping
    the table shows."""
    rc, _, err = _generate(capsys, small_model, tmp_path / "o")
    assert rc == 0, err
    sched = json.loads((tmp_path / "o" / "imc_schedule.json").read_text())
    target = load_target("imc")
    for row, spec, (kind, cin, hw, cout, ohw, k) in zip(
        sched["layers"], SPECS, SHAPES, strict=True
    ):
        depth = k * k * (1 if kind == "depthwise" else cin)
        assert row["chw"] == f"{cin}x{hw}x{hw}" and row["kernels"] == cout
        assert row["params"] == cout * depth
        assert row["weight_bytes"] == math.ceil(cout * depth * spec.w_bits / 8)
        assert row["macs"] == ohw * ohw * cout * depth
        shape = LayerShape(
            spec.name,
            kind,
            cin,
            hw,
            hw,
            cout,
            ohw,
            ohw,
            k,
            k,
            spec.stride,
            spec.stride,
            spec.w_bits,
            row["a_bits"],
        )
        m = Mapping(**{f: row[f] for f in Mapping().as_dict()})
        c = layer_cost(shape, m, target, Mapping(**row["mapping_1cluster"]))
        assert (c.cycles_all_clusters, c.cycles_1cluster) == (
            row["cycles_all_clusters"],
            row["cycles_1cluster"],
        )
        assert row["kernel_rounds"] == geometry(shape, m, target).kernel_rounds
    tot = sched["totals"]
    assert tot["cycles_all_clusters"] == sum(r["cycles_all_clusters"] for r in sched["layers"])
    assert tot["cycles_1cluster"] == sum(r["cycles_1cluster"] for r in sched["layers"])
    assert tot["macs"] == sum(r["macs"] for r in sched["layers"])
    assert tot["inferences_per_s"] == pytest.approx(600e6 / tot["cycles_all_clusters"])


def test_schedule_ir_parses_back_and_simulates_bit_exact(capsys, small_model, tmp_path):
    from edgeai.backends.imc.sim import run as simulate

    rc, _, err = _generate(capsys, small_model, tmp_path / "o")
    assert rc == 0, err
    mapped = edgeai.import_model(str(tmp_path / "o" / "schedule.mlir"))
    mapped.verify()
    original = edgeai.import_model(str(small_model))
    rng = np.random.default_rng(7)
    for _ in range(3):
        x = {"input_0": rng.integers(0, 16, (1, 16, 16, 3)).astype(np.uint8)}
        ref = edgeai.run(original, x)
        got = simulate(mapped, x)
        assert list(ref) == list(got)
        for k in ref:
            np.testing.assert_array_equal(got[k], ref[k])


def test_forced_mapping_is_used_and_completed(capsys, small_model, tmp_path):
    forced = tmp_path / "m.json"
    forced.write_text(json.dumps({"c2": {"stripes": 1, "chains": 1, "parallel": 2}}))
    rc, _, err = _generate(capsys, small_model, tmp_path / "f", "--imc-mapping", str(forced))
    assert rc == 0, err
    free = tmp_path / "free"
    assert _generate(capsys, small_model, free)[0] == 0
    a = json.loads((tmp_path / "f" / "imc_schedule.json").read_text())["layers"]
    b = json.loads((free / "imc_schedule.json").read_text())["layers"]
    c2 = next(r for r in a if r["name"] == "c2")
    assert (c2["stripes"], c2["chains"], c2["parallel"]) == (1, 1, 2)
    assert (
        c2["cycles_all_clusters"] >= next(r for r in b if r["name"] == "c2")["cycles_all_clusters"]
    )  # the mapper's own choice is optimal
    assert [r for r in a if r["name"] != "c2"] == [r for r in b if r["name"] != "c2"]


@pytest.mark.parametrize(
    "content, message",
    [
        ({"c9": {"stripes": 1}}, "layer 'c9' is not in the model"),
        ({"c2": {"stripes": 9}}, "9 tiles > 8 per cluster"),
        ({"c2": {"stripe": 2}}, "unknown key 'stripe'"),
        ({"c2": {"chains": "two"}}, "must be a positive integer"),
        ({"c2": {"chains": 1, "depth_splits": 1, "stripes": 1, "parallel": 1}}, None),
        ({"nn.reshape": {"stripes": 1}}, "cannot run on the tiles"),
        ("not json", "not JSON"),
        (["a list"], "expected"),
    ],
)
def test_forced_mapping_errors_are_one_line_and_write_nothing(
    capsys, small_model, tmp_path, content, message
):
    forced = tmp_path / "m.json"
    forced.write_text(content if isinstance(content, str) else json.dumps(content))
    out = tmp_path / "out"
    rc, _, err = _generate(capsys, small_model, out, "--imc-mapping", str(forced))
    if message is None:  # a complete, legal forced mapping
        assert rc == 0, err
        return
    assert rc == 1 and len(err.strip().splitlines()) == 1 and message in err, err
    assert not out.exists()


def test_missing_mapping_file_and_imc_option_with_another_target(capsys, small_model, tmp_path):
    rc, _, err = _generate(capsys, small_model, tmp_path / "o", "--imc-mapping", "/nope.json")
    assert rc == 1 and "/nope.json" in err and len(err.strip().splitlines()) == 1
    rc = main(
        [
            "generate",
            "-m",
            str(small_model),
            "--target",
            "cortex-m4",
            "-o",
            str(tmp_path / "c"),
            "--imc-mapping",
            "x.json",
        ]
    )
    err = capsys.readouterr().err
    assert rc != 0 and "--imc-mapping" in err and len(err.strip().splitlines()) == 1


def test_benchmark_networks_run_entirely_on_the_tiles():
    """VGG16-style (13 3x3 convs, 3x112x112) and YOLOv2-tiny-style (3x416x416): no host op;
    MACs by formula; deep windows split in depth, shallow ones not."""
    bench = _benchmarks()
    vgg = bench.map_network("vgg16")
    assert vgg["host"] == [] and len(vgg["layers"]) == 13
    hw, cin, macs = 112, 3, 0
    for row, spec in zip(vgg["layers"], bench.vgg16_style(4), strict=True):
        hw_out = math.ceil(hw / spec.stride)
        assert row["chw"] == f"{cin}x{hw}x{hw}"
        assert row["macs"] == hw_out * hw_out * spec.out_c * 9 * cin
        # a 4-bit chain of 8 tiles holds 8 x 256 rows: deeper windows need depth blocks
        assert row["depth_splits"] >= math.ceil(9 * cin / 2048)
        macs += row["macs"]
        hw, cin = hw_out, spec.out_c
    assert vgg["totals"]["macs"] == macs
    yolo = bench.map_network("yolov2_tiny")
    assert yolo["host"] == [] and len(yolo["layers"]) == 9
    assert [r["chw"] for r in yolo["layers"]][-1] == "1024x13x13"


def test_mixed_precision_changes_the_table_as_the_cost_model_says():
    """8/4/2/1 bits: 1-bit layers hold 4x the rows per tile (no depth blocks where 4 bits need
    3), 8-bit weights take two columns per kernel (twice the kernel rounds), 8-bit features
    stream in two passes (twice the stream cycles)."""
    bench = _benchmarks()
    four = {r["name"]: r for r in bench.map_network("vgg16")["layers"]}
    mixed = {r["name"]: r for r in bench.map_network("vgg16_mixed")["layers"]}
    t = load_target("imc")
    for name, r in mixed.items():
        r4 = four[name]
        if r["w_bits"] == 1:
            assert r["depth_splits"] == 1 and r4["depth_splits"] >= 1
            assert r["cycles_all_clusters"] < r4["cycles_all_clusters"]
        if r["a_bits"] == 8:  # the same mapping at 4-bit features streams half as long
            m = Mapping(**{f: r[f] for f in Mapping().as_dict()})
            cin, hw = (int(v) for v in r["chw"].split("x")[:2])
            shape = LayerShape(name, "conv2d", cin, hw, hw, r["kernels"], hw, hw, 3, 3)
            shape = replace(shape, w_bits=r["w_bits"], a_bits=8)
            s8 = layer_cost(shape, m, t)
            s4 = layer_cost(replace(shape, a_bits=4), m, t)
            rows = geometry(shape, m, t).rows_used
            assert (
                s8.stream_cycles
                == 2 * s4.stream_cycles
                == 2 * math.ceil(math.ceil(rows / m.chains) * 4 / 32)
            )
            assert r["stream_cycles"] == s8.stream_cycles
    deep4 = four["conv4_2"]
    assert deep4["depth_splits"] == 3 and mixed["conv4_2"]["depth_splits"] == 1
    assert mixed["conv5_3"]["w_bits"] == 8 and mixed["conv5_3"]["kernel_rounds"] == 32
    assert four["conv5_3"]["kernel_rounds"] == 16
    assert (
        bench.map_network("vgg16_mixed")["totals"]["cycles_all_clusters"]
        < bench.map_network("vgg16")["totals"]["cycles_all_clusters"]
    )
