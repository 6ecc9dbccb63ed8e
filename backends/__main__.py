"""`python -m edgeai.backends`: the discovered backends, their targets, phases and hooks.

python -m edgeai.backends            # one line per backend: targets, capabilities, phases
python -m edgeai.backends --write    # regenerate every backend's SUPPORTED_OPS.md
python -m edgeai.backends --check    # exit 1 when a SUPPORTED_OPS.md is out of date
"""

from __future__ import annotations

import argparse
import sys

from edgeai.backends import all_backends
from edgeai.backends.base import render_supported_ops
from edgeai.tools.common import guarded


def _shown(path) -> str:
    """`path` relative to the working directory when it lies below it."""
    import os

    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def _list() -> int:
    for b in all_backends():
        hooks = [h for h, on in (("simulator", b.has_simulator), ("cost", b.has_cost_model)) if on]
        fallback = f"; fallback {b.fallback}" if b.fallback else ""
        print(
            f"{b.name}: targets {', '.join(b.targets())}; "
            f"phases {', '.join(p.name for p in b.phases())}; "
            f"hooks {', '.join(hooks) or 'none'}{fallback}"
        )
    return 0


def _supported_ops(check: bool) -> int:
    import importlib

    stale = []
    template = importlib.import_module("edgeai.backends._template").BACKEND
    for b in [*all_backends(), template]:
        page = b.folder / "SUPPORTED_OPS.md"
        text = render_supported_ops(b)
        if page.is_file() and page.read_text(encoding="utf-8") == text:
            continue
        if check:
            stale.append(page)
        else:
            page.write_text(text, encoding="utf-8")
            print(f"wrote {_shown(page)}")
    for page in stale:
        print(
            f"{_shown(page)} is out of date: run python -m edgeai.backends --write",
            file=sys.stderr,
        )
    return 1 if stale else 0


def main(argv: list[str] | None = None) -> int:
    """List the backends, or write/check their SUPPORTED_OPS.md."""
    p = argparse.ArgumentParser(
        prog="python -m edgeai.backends", description=__doc__.split("\n")[0]
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--write", action="store_true", help="regenerate every SUPPORTED_OPS.md")
    g.add_argument("--check", action="store_true", help="exit 1 when one is out of date")
    args = p.parse_args(argv)
    if args.write or args.check:
        return guarded(lambda: _supported_ops(args.check))
    return guarded(_list)


if __name__ == "__main__":
    sys.exit(main())
