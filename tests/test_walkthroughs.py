"""The walkthroughs in docs/ (adding a backend, adding a dialect), followed step by step.

Each walkthrough's code blocks run in order in a scratch copy of the repository (the package
folders, `examples/`, `docs/`, the Makefile, the lit configuration and the tests the steps
run), importable as `edgeai` through PYTHONPATH, so the repository itself never changes.
Block kinds (the fence's info string):

* ```` ```console ````: `$ command` lines run with bash from the copy's root; the lines after a
  command are expected output: each must appear, in order, within the output lines
  (whitespace collapsed; `...` stands for anything). Every command must succeed, except the
  last one of a ```` ```console fails ```` block, which must fail.
* ```` ```<lang> file=PATH ````: write the block to PATH (relative to the root); with
  `before="TEXT"` / `after="TEXT"` insert it before/after the one line containing TEXT, with
  `from="A" to="B"` replace the lines from the one containing A through the first line after
  it containing B.
* ```` ```text ````: illustration, not run. Any other block fails the test.

A step that no longer matches the code (a renamed option, a changed output, an anchor line
gone) fails here, so the documents stay true.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
#: files of the repository the steps use besides the packages
FILES = (
    "Makefile",
    "pyproject.toml",
    "tests/conftest.py",
    "tests/test_backend_contract.py",
    "tests/test_conventions.py",
)


@dataclass
class Block:
    """One fenced code block of a walkthrough."""

    lang: str
    attrs: dict[str, str]
    flags: set[str]
    lines: list[str]
    line: int

    @property
    def where(self) -> str:
        return f"line {self.line}"


@dataclass
class Checkout:
    """A scratch copy of the repository and the environment that imports it."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)


def parse_blocks(text: str) -> list[Block]:
    """The fenced code blocks of a markdown text, in order."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*(.*)$", lines[i])
        if not m:
            i += 1
            continue
        start = i + 1
        body = []
        i += 1
        while i < len(lines) and lines[i] != "```":
            body.append(lines[i])
            i += 1
        assert i < len(lines), f"unclosed code block at line {start}"
        attrs, flags = {}, set()
        for tok in shlex.split(m.group(2)):
            key, eq, value = tok.partition("=")
            if eq:
                attrs[key] = value
            else:
                flags.add(tok)
        blocks.append(Block(m.group(1), attrs, flags, body, start))
        i += 1
    return blocks


def make_checkout(dest: Path) -> Checkout:
    """Copy what the walkthroughs use into `dest`; `edgeai` imports from it (each subpackage
    linked into `edgeai/` as the editable install maps it, pyproject's package-dir)."""
    from edgeai.support.paths import shared_models_dir

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_dirs: dict[str, str] = meta["tool"]["setuptools"]["package-dir"]
    junk = shutil.ignore_patterns("__pycache__", "Output", "*.pyc", ".pytest_cache")
    for top in sorted({*package_dirs.values(), "examples", "docs"}):
        shutil.copytree(ROOT / top, dest / top, ignore=junk)
    for f in FILES:
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, dest / f)
    shutil.copytree(ROOT / "tests" / "lit", dest / "tests" / "lit", ignore=junk)
    package = dest / package_dirs["edgeai"]
    for name, folder in package_dirs.items():
        if name != "edgeai":
            (package / name.split(".", 1)[1]).symlink_to(dest / folder, target_is_directory=True)
    # lit passes only its own environment to the RUN lines: the copy's, like an editable install
    with open(dest / "tests" / "lit" / "lit.cfg.py", "a", encoding="utf-8") as fh:
        fh.write(f"\nconfig.environment['PYTHONPATH'] = {str(dest)!r}  # walkthrough checkout\n")
    env = dict(os.environ, PYTHONPATH=str(dest), EDGEAI_MODELS=str(shared_models_dir()))
    env.pop("EDGEAI_BACKENDS_PATH", None)
    return Checkout(dest, env)


def _one_line(lines: list[str], text: str, what: str, block: Block) -> int:
    hits = [i for i, ln in enumerate(lines) if text in ln]
    assert len(hits) == 1, f"{block.where}: {what}='{text}' matches {len(hits)} lines"
    return hits[0]


def write_block(co: Checkout, block: Block) -> None:
    """Apply a `file=` block: write, insert or replace lines."""
    path = co.root / block.attrs["file"]
    new = list(block.lines)
    keys = set(block.attrs) - {"file"}
    if not keys:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(new) + "\n", encoding="utf-8")
        return
    assert path.is_file(), f"{block.where}: {path} does not exist"
    lines = path.read_text(encoding="utf-8").split("\n")
    if keys == {"before"}:
        i = _one_line(lines, block.attrs["before"], "before", block)
        lines[i:i] = new
    elif keys == {"after"}:
        i = _one_line(lines, block.attrs["after"], "after", block)
        lines[i + 1 : i + 1] = new
    elif keys == {"from", "to"}:
        i = _one_line(lines, block.attrs["from"], "from", block)
        ends = [j for j in range(i + 1, len(lines)) if block.attrs["to"] in lines[j]]
        assert ends, f"{block.where}: to='{block.attrs['to']}' not found after from"
        lines[i : ends[0] + 1] = new
    else:
        raise AssertionError(f"{block.where}: unknown edit {sorted(keys)}")
    path.write_text("\n".join(lines), encoding="utf-8")


def _norm(line: str) -> str:
    return " ".join(line.split())


def run_console(co: Checkout, block: Block) -> None:
    """Run the `$` commands of a console block and check their output."""
    steps: list[tuple[str, list[str]]] = []
    for ln in block.lines:
        if ln.startswith("$ "):
            steps.append((ln[2:], []))
        else:
            assert steps, f"{block.where}: output before the first command"
            if ln.strip() and ln.strip() != "...":
                steps[-1][1].append(_norm(ln))
    for k, (cmd, expected) in enumerate(steps):
        p = subprocess.run(
            ["bash", "-c", cmd],
            cwd=co.root,
            env=co.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        out = [_norm(ln) for ln in (p.stdout + p.stderr).splitlines()]
        must_fail = "fails" in block.flags and k == len(steps) - 1
        assert (p.returncode != 0) == must_fail, (
            f"{block.where}: `{cmd}` exited with {p.returncode}\n{p.stdout}\n{p.stderr}"
        )
        pos = 0
        for want in expected:
            while pos < len(out) and want not in out[pos]:
                pos += 1
            assert pos < len(out), (
                f"{block.where}: `{cmd}`: expected line not found (in order): {want!r}\n"
                + "\n".join(out)
            )
            pos += 1


def follow(doc: Path, co: Checkout) -> list[Block]:
    """Run every block of `doc` in order in the checkout."""
    blocks = parse_blocks(doc.read_text(encoding="utf-8"))
    assert blocks, f"{doc.name} has no code blocks"
    for block in blocks:
        if "file" in block.attrs:
            write_block(co, block)
        elif block.lang == "console":
            run_console(co, block)
        else:
            assert block.lang == "text", (
                f"{doc.name} {block.where}: a ```{block.lang} block that is not run"
            )
    return blocks


def test_parse_and_edit_blocks(tmp_path):
    """The harness itself: block parsing, edits and output matching can fail."""
    text = '```python file=a.py from="x = 1" to="y"\nz = 3\n```\n\n```console fails\n$ false\n```\n'
    blocks = parse_blocks(text)
    assert [(b.lang, b.attrs, b.flags) for b in blocks] == [
        ("python", {"file": "a.py", "from": "x = 1", "to": "y"}, set()),
        ("console", {}, {"fails"}),
    ]
    co = Checkout(tmp_path, dict(os.environ))
    (tmp_path / "a.py").write_text("w = 0\nx = 1\ny = 2\nv = 4\n")
    write_block(co, blocks[0])
    assert (tmp_path / "a.py").read_text() == "w = 0\nz = 3\nv = 4\n"
    run_console(co, blocks[1])
    with pytest.raises(AssertionError, match="not found"):
        run_console(co, Block("console", {}, set(), ["$ echo one two", "two one"], 1))
    with pytest.raises(AssertionError, match="exited with 1"):
        run_console(co, Block("console", {}, set(), ["$ false"], 1))
    with pytest.raises(AssertionError, match="matches 0 lines"):
        write_block(co, Block("python", {"file": "a.py", "after": "nothing"}, set(), [], 1))


def test_adding_a_backend(tmp_path):
    co = make_checkout(tmp_path / "repo")
    blocks = follow(DOCS / "adding-a-backend.md", co)
    assert sum(b.lang == "console" for b in blocks) >= 6
    toy = co.root / "backends" / "toy"
    assert (toy / "SUPPORTED_OPS.md").read_text().count("| yes |") == 8
    assert not (ROOT / "backends" / "toy").exists()


def test_adding_a_dialect(tmp_path):
    co = make_checkout(tmp_path / "repo")
    follow(DOCS / "adding-a-dialect.md", co)
    assert '"demo"' in (co.root / "support" / "universe.py").read_text()
    assert '"demo"' not in (ROOT / "support" / "universe.py").read_text()
