"""`edgeai-opt`: parse MLIR text, run passes, print — like `mlir-opt` / `xdsl-opt`.

Adds to xDSL's driver: MLIR's `--pass-pipeline=` spelling (alias of `-p`, an optional
`builtin.module(...)` wrapper is accepted), one-line diagnostics with a non-zero exit instead of
Python tracebacks, and edgeai's dialects and passes (through the `xdsl.universe` entry point).
"""

from __future__ import annotations

import argparse
import re
import sys

from xdsl.xdsl_opt_main import xDSLOptMain

from edgeai.support import xdsl_fixes
from edgeai.tools.common import fail, guarded


class EdgeAIOptMain(xDSLOptMain):
    version_format = "edgeai-opt (xdsl {xdsl_version})"

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument(
            "--pass-pipeline",
            type=str,
            default=None,
            help="MLIR-style spelling of -p: 'a,b{opt=1}' or 'builtin.module(a,b)'",
        )

    def setup_pipeline(self) -> None:
        pp = self.args.pass_pipeline
        if pp is not None:
            m = re.fullmatch(r"\s*builtin\.module\((.*)\)\s*", pp, re.S)
            self.args.passes = m.group(1) if m else pp
        try:
            super().setup_pipeline()
        except Exception as e:  # bad pass names / options come as plain exceptions
            raise _PipelineError(str(e)) from None


class _PipelineError(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    xdsl_fixes.apply()

    def body() -> int:
        try:
            tool = EdgeAIOptMain(description="edgeai modular optimizer (mlir-opt style)", args=argv)
        except _PipelineError as e:
            return fail(f"invalid pass pipeline: {e}")
        tool.run()
        return 0

    try:
        return guarded(body)
    except SystemExit as e:  # argparse errors keep their usage message and exit code 2
        return int(e.code) if isinstance(e.code, int) else 2


if __name__ == "__main__":
    sys.exit(main())
