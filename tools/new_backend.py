"""`make new-backend NAME=foo`: a new backend folder, copied from `backends/_template/`.

    python tools/new_backend.py NAME [--dir BACKENDS_DIR]

Copies the template into `BACKENDS_DIR/NAME` (default: this checkout's `backends/`), replacing
the placeholders `__NAME__` (the backend name, also its first preset's name) and `__Name__`
(its CamelCase form, for class names) in file contents and file names. NAME must be a
lowercase Python identifier not starting with `_`, and not an existing folder. Errors are one
line on stderr with exit code 1. Only the standard library is used, so any Python 3 runs it.
Next steps: `docs/adding-a-backend.md`.
"""

from __future__ import annotations

import argparse
import keyword
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "backends" / "_template"
SKIP = {"__pycache__", ".pytest_cache", ".ruff_cache"}


class NewBackendError(Exception):
    """A user error: printed as one line."""


def camel(name: str) -> str:
    """`my_npu` -> `MyNpu`."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def check_name(name: str, backends_dir: Path) -> None:
    """Refuse names that are not lowercase identifiers or that exist already."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or keyword.iskeyword(name):
        raise NewBackendError(
            f"NAME '{name}': a backend name is a lowercase Python identifier "
            "(a-z, 0-9, _; starting with a letter; not a keyword)"
        )
    if (backends_dir / name).exists():
        raise NewBackendError(f"NAME '{name}': {backends_dir / name} already exists")


def instantiate(name: str, backends_dir: Path, template: Path = TEMPLATE) -> list[Path]:
    """Copy `template` to `backends_dir/name` with the placeholders replaced; the files made
    (relative to the new folder). Nothing is left behind on error."""
    check_name(name, backends_dir)
    if not template.is_dir():
        raise NewBackendError(f"template {template} not found")
    if not backends_dir.is_dir():
        raise NewBackendError(f"--dir {backends_dir}: not a directory")
    subst = {"__NAME__": name, "__Name__": camel(name)}

    def fill(text: str) -> str:
        for k, v in subst.items():
            text = text.replace(k, v)
        return text

    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=backends_dir))
    try:
        made = []
        for src in sorted(template.rglob("*")):
            rel = src.relative_to(template)
            if any(part in SKIP for part in rel.parts) or src.suffix == ".pyc":
                continue
            dst = tmp / fill(str(rel))
            if src.is_dir():
                dst.mkdir(parents=True, exist_ok=True)
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_text(fill(src.read_text(encoding="utf-8")), encoding="utf-8")
            made.append(dst.relative_to(tmp))
        os.rename(tmp, backends_dir / name)
        return made
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def shown(path: Path) -> str:
    """`path` relative to the working directory when it lies below it."""
    rel = os.path.relpath(path)
    return path.as_posix() if rel.startswith("..") else Path(rel).as_posix()


def main(argv: list[str] | None = None) -> int:
    """Create the folder and print what was made."""
    p = argparse.ArgumentParser(prog="new_backend.py", description=__doc__.split("\n")[0])
    p.add_argument("name", metavar="NAME", help="the backend's name (a lowercase identifier)")
    p.add_argument("--dir", default=str(ROOT / "backends"), help="where backends live")
    args = p.parse_args(argv)
    backends_dir = Path(args.dir)
    try:
        made = instantiate(args.name, backends_dir)
    except (NewBackendError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"created {shown(backends_dir / args.name)} from backends/_template: {len(made)} files")
    for rel in made:
        print(f"  {rel}")
    print("next: docs/adding-a-backend.md (target, legality, phases, emit, sim, cost)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
