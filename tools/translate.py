"""`edgeai-translate`: translate between model files and MLIR text (like `mlir-translate`).

    edgeai-translate --import model.onnx|model.tflite [--to onnx|tfl|nn] [-o out.mlir]

`--import` reads a framework model and prints it at level `--to` (default: the faithful level-0
form, `onnx` or `tfl`; `nn` runs `convert-onnx-to-nn` / `convert-tfl-to-nn` and the graph
optimizer). Output goes to stdout or
`-o`, written atomically (no partial file on error).
"""

from __future__ import annotations

import argparse
import os
import sys

from edgeai.support.errors import EdgeAIError
from edgeai.tools.common import guarded, parse_input_shapes


def write_atomic(path: str, text: str) -> None:
    out_dir = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(out_dir):
        raise EdgeAIError(f"-o {path}: directory {out_dir} does not exist")
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise EdgeAIError(f"-o {path}: cannot write ({e.strerror})") from None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="edgeai-translate", description="translate models to and from MLIR"
    )
    p.add_argument(
        "--import",
        dest="import_path",
        required=True,
        metavar="MODEL",
        help="framework model to import (.onnx, .tflite)",
    )
    p.add_argument(
        "--to",
        default=None,
        choices=["onnx", "tfl", "nn"],
        help="IR level to print (default: the model's level 0, onnx or tfl)",
    )
    p.add_argument(
        "--input-shape",
        action="append",
        metavar="NAME=D0,D1,...",
        help="fix a symbolic input shape",
    )
    p.add_argument("-o", "--output", help="output .mlir file (default: stdout)")
    p.add_argument("--print-op-generic", action="store_true", help="print the generic op form")
    args = p.parse_args(argv)

    def body() -> int:
        import io

        from xdsl.printer import Printer

        import edgeai

        module = edgeai.import_model(args.import_path, parse_input_shapes(args.input_shape) or None)
        if os.path.splitext(args.import_path)[1].lower() == ".mlir":
            raise EdgeAIError(f"--import {args.import_path}: expected a framework model, got MLIR")
        level0 = edgeai.level_of(module)
        if args.to not in (None, level0, "nn"):
            raise EdgeAIError(f"--to {args.to}: the model imports at level '{level0}'")
        if args.to == "nn":
            edgeai.lower(module, to="nn")
        buf = io.StringIO()
        Printer(stream=buf, print_generic_format=args.print_op_generic).print_op(module)
        buf.write("\n")
        if args.output:
            write_atomic(args.output, buf.getvalue())
        else:
            sys.stdout.write(buf.getvalue())
        return 0

    return guarded(body)


if __name__ == "__main__":
    sys.exit(main())
