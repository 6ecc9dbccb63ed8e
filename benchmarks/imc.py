"""IMC benchmark: a VGG16-style and a YOLOv2-tiny-style CNN mapped onto the DIMC NPU.

    python benchmarks/imc.py [--objective cycles|energy] [--quick]

Builds the two networks at `nn` level with 4-bit weights and features (seeded random weights;
the mapping depends on shapes and bit widths only), runs `imc-map-tiles` on the `dimc-18nm`
preset, prints each mapping table and writes `benchmarks/results/imc_<net>.json` (the same
document as `edgeai generate --target imc` writes as `imc_schedule.json`) and
`benchmarks/results/imc.md`. A mixed-precision VGG16 (8/4/2/1-bit layers) shows how the bit
widths change the table. Pooling is replaced by stride-2 convolutions (VGG's 2x2 max pools
would run on the host: the NPU has no pooling unit), so every layer runs on the tiles.

* VGG16-style: 3x112x112 input, 13 3x3 convolutions in five blocks (64, 64 | 128, 128 |
  256 x 3 | 512 x 3 | 512 x 3), the first convolution of blocks 2-5 with stride 2.
* YOLOv2-tiny-style: 3x416x416 input, 3x3 convolutions of 16, 32, 64, 128, 256, 512 channels
  (stride 2 from the second to the sixth: 416 -> 13), 1024, 1024, then a 1x1 convolution to
  125 channels (5 anchors x (20 classes + 5)).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from edgeai.support.nn_build import ConvSpec, quant_net

RESULTS = Path(__file__).resolve().parent / "results"


def vgg16_style(bits: int | list[int] = 4) -> list[ConvSpec]:
    """13 3x3 convolutions; `bits`: one width for all, or one per layer (weights = features)."""
    blocks = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
    per = bits if isinstance(bits, list) else [bits] * 13
    specs = []
    for bi, (c, n) in enumerate(blocks):
        for li in range(n):
            b = per[len(specs)]
            stride = 2 if bi > 0 and li == 0 else 1
            specs.append(ConvSpec(f"conv{bi + 1}_{li + 1}", c, 3, stride, w_bits=b, a_bits=b))
    return specs


def yolov2_tiny_style(bits: int = 4) -> list[ConvSpec]:
    """8 3x3 convolutions (stride 2 on the 2nd to 6th) and a 1x1 detection head."""
    chans = [16, 32, 64, 128, 256, 512, 1024, 1024]
    specs = [
        ConvSpec(f"conv{i + 1}", c, 3, 2 if 1 <= i <= 5 else 1, w_bits=bits, a_bits=bits)
        for i, c in enumerate(chans)
    ]
    specs.append(ConvSpec("conv9", 125, 1, 1, w_bits=bits, a_bits=bits))
    return specs


#: 8/4/2/1 bits across the VGG16 layers: 8-bit edges, 4-bit early, 2-bit middle, 1-bit deep
MIXED = [8, 4, 4, 4, 2, 2, 2, 2, 1, 1, 1, 1, 8]

NETWORKS = {
    "vgg16": lambda: quant_net(vgg16_style(4), (112, 112, 3), input_bits=4),
    "yolov2_tiny": lambda: quant_net(yolov2_tiny_style(4), (416, 416, 3), input_bits=4),
    "vgg16_mixed": lambda: quant_net(vgg16_style(MIXED), (112, 112, 3), input_bits=8),
}


def map_network(name: str, objective: str = "cycles") -> dict:
    """Build `name`, map it, return the schedule report (+ mapping time)."""
    from edgeai.backends.imc.emit import schedule_report
    from edgeai.backends.imc.imc_map_tiles import ImcMapTilesPass

    module = NETWORKS[name]()
    t0 = time.perf_counter()
    (mapped,) = ImcMapTilesPass(objective=objective).run(module)
    dt = time.perf_counter() - t0
    module.verify()
    report = schedule_report(mapped)
    report["network"] = name
    report["mapping_seconds"] = round(dt, 3)
    return report


def markdown(reports: list[dict]) -> str:
    """benchmarks/results/imc.md: one table per network and the totals."""
    out = ["# IMC mapping benchmark (`python benchmarks/imc.py`)", ""]
    for r in reports:
        t = r["totals"]
        out += [
            f"## {r['network']} (objective {r['objective']}, mapped in {r['mapping_seconds']} s)",
            "",
            "| layer | CxHxW | kernels | bits | MMACs | stripes | chains | parallel | copies "
            "| depth | clusters | util | rounds | cycles 1 cl | cycles all |",
            "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
        ]
        for L in r["layers"]:
            out.append(
                f"| {L['name']} | {L['chw']} | {L['kernels']} | {L['kernel_bits']} | "
                f"{L['mmacs']:.1f} | {L['stripes']} | {L['chains']} | {L['parallel']} | "
                f"{L['copies']} | {L['depth_splits']} | {L['clusters']} | "
                f"{L['utilization']:.1%} | {L['kernel_rounds']} | {L['cycles_1cluster']:,} | "
                f"{L['cycles_all_clusters']:,} |"
            )
        out += [
            "",
            f"Totals: {t['macs'] / 1e6:,.1f} MMAC/inference; {t['cycles_1cluster']:,} cycles on "
            f"1 cluster, {t['cycles_all_clusters']:,} on all; {t['inferences_per_s']:,.1f} "
            f"inferences/s; {t['tops_per_w']:,.1f} TOPS/W; host ops: {len(r['host'])}.",
            "",
        ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    from edgeai.backends.imc.emit import format_table

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--objective", default="cycles", choices=["cycles", "energy"])
    p.add_argument("--quick", action="store_true", help="the 4-bit VGG16 only")
    args = p.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    names = ["vgg16"] if args.quick else list(NETWORKS)
    reports = []
    for name in names:
        r = map_network(name, args.objective)
        print(f"== {name}")
        print(format_table(r))
        (RESULTS / f"imc_{name}.json").write_text(json.dumps(r, indent=2) + "\n")
        reports.append(r)
    if not args.quick:
        (RESULTS / "imc.md").write_text(markdown(reports))
    print(f"wrote {RESULTS}/imc_*.json" + ("" if args.quick else " and imc.md"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
