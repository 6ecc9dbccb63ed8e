"""Target backends, one folder each, discovered (see README.md and base.py for the contract).

Every subfolder with an `__init__.py` that exports `BACKEND` (an instance of
`base.Backend`) is a backend, except names starting with `_` (`_template/`). Folders listed in
the environment variable `EDGEAI_BACKENDS_PATH` (separated like `PATH`) are searched too, for
backends kept outside this tree. Nothing is imported until asked: `get_backend(name)` imports
one backend package, `all_backends()` / `backend_for_target(target)` import them all (each
package's `__init__` is cheap by contract).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edgeai.backends.base import Backend

__all__ = ["all_backends", "backend_for_target", "backend_names", "get_backend", "target_names"]

_ENV = "EDGEAI_BACKENDS_PATH"


#: the package's own folder(s)
_HOME = [Path(p) for p in __path__]


def _search_dirs() -> list[Path]:
    """Where backend folders are looked for: this package's folder(s), then the existing
    folders of EDGEAI_BACKENDS_PATH (added to the package path, so `edgeai.backends.<name>`
    imports from them)."""
    extra = [d for d in os.environ.get(_ENV, "").split(os.pathsep) if d and os.path.isdir(d)]
    for d in extra:
        if d not in __path__:
            __path__.append(d)
    return _HOME + [Path(d) for d in extra]


_search_dirs()


def backend_names() -> list[str]:
    """Names of the backend folders (sorted; not imported)."""
    names: dict[str, Path] = {}
    for d in _search_dirs():
        for sub in sorted(d.iterdir()):
            if (
                sub.is_dir()
                and not sub.name.startswith(("_", "."))
                and sub.name.isidentifier()
                and (sub / "__init__.py").is_file()
            ):
                names.setdefault(sub.name, sub)
    return sorted(names)


def get_backend(name: str) -> Backend:
    """The backend of folder `name` (its `BACKEND`); one-line EdgeAIError when there is none."""
    from edgeai.backends.base import Backend
    from edgeai.support.errors import EdgeAIError

    if name not in backend_names():
        raise EdgeAIError(f"unknown backend '{name}' (known: {', '.join(backend_names())})")
    module = importlib.import_module(f"{__name__}.{name}")
    backend = getattr(module, "BACKEND", None)
    if not isinstance(backend, Backend):
        raise EdgeAIError(
            f"backends/{name}/__init__.py does not export BACKEND, an instance of "
            "edgeai.backends.base.Backend"
        )
    return backend


def all_backends() -> list[Backend]:
    """Every discovered backend, by name (folders whose package exports no `BACKEND` are not
    backends; the contract test flags them)."""
    out = []
    for n in backend_names():
        if hasattr(importlib.import_module(f"{__name__}.{n}"), "BACKEND"):
            out.append(get_backend(n))
    return out


def target_names() -> dict[str, str]:
    """Every `--target` name -> the name of the backend that owns it."""
    out: dict[str, str] = {}
    for b in all_backends():
        for t in b.targets():
            out.setdefault(t, b.name)
    return out


def backend_for_target(target: str) -> Backend:
    """The backend whose presets include `target`; one-line EdgeAIError listing every target
    when none does."""
    from edgeai.support.errors import EdgeAIError

    owners = target_names()
    if target not in owners:
        raise EdgeAIError(f"--target {target}: unknown target (choose from {', '.join(owners)})")
    return get_backend(owners[target])
