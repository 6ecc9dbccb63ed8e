"""Small helpers to write C99 text: types, literals, array initializers, an indenting builder.

Everything the emitter prints goes through these functions so that the generated code has one
style (4-space indentation, `int` loop counters, literals exact for their C type).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from edgeai.support.errors import EdgeAIError

#: NumPy dtype -> C type of one element
C_TYPES: dict[str, str] = {
    "int8": "int8_t",
    "uint8": "uint8_t",
    "int16": "int16_t",
    "uint16": "uint16_t",
    "int32": "int32_t",
    "uint32": "uint32_t",
    "int64": "int64_t",
    "uint64": "uint64_t",
    "float32": "float",
    "bool": "uint8_t",
}

_C_KEYWORDS = frozenset(
    "auto break case char const continue default do double else enum extern float for goto if "
    "inline int long register restrict return short signed sizeof static struct switch typedef "
    "union unsigned void volatile while _Bool _Complex _Imaginary main".split()
)


def c_type(dtype: np.dtype) -> str:
    """The C type of elements of `dtype`."""
    name = np.dtype(dtype).name
    if name not in C_TYPES:
        raise EdgeAIError(f"the C emitter has no type for {name} buffers")
    return C_TYPES[name]


def c_identifier(text: str) -> str:
    """`text` made a C identifier (model file stems: `kws-ref.v2` -> `kws_ref_v2`)."""
    ident = re.sub(r"[^0-9A-Za-z_]", "_", text).strip("_") or "network"
    if ident[0].isdigit() or ident in _C_KEYWORDS:
        ident = "net_" + ident
    return ident


def f32_literal(value: float) -> str:
    """A float literal that parses to exactly `np.float32(value)` (9 significant digits)."""
    v = np.float32(value)
    if not np.isfinite(v):
        raise EdgeAIError(f"the C emitter cannot write the non-finite constant {v}")
    text = f"{float(v):.9g}"
    if "e" not in text and "." not in text:
        text += ".0"
    return text + "f"


def int_literal(value: int, ctype: str = "int32_t") -> str:
    """An integer literal valid for `ctype` (INT32_MIN and 64-bit values spelled safely)."""
    v = int(value)
    if ctype in ("int64_t", "uint64_t") and not -(2**31) < v < 2**31:
        return f"INT64_C({v})" if ctype == "int64_t" else f"UINT64_C({v})"
    if v == -(2**31):
        return "INT32_MIN"
    return str(v)


def literal(value: float | int, ctype: str) -> str:
    """A literal of C type `ctype`."""
    return f32_literal(value) if ctype == "float" else int_literal(int(value), ctype)


def array_values(values: np.ndarray, ctype: str, per_line: int = 16, indent: str = "    ") -> str:
    """The body of an array initializer, `per_line` values a line."""
    flat = np.ravel(values)
    if ctype == "float":
        f = flat.astype(np.float32)
        if not np.all(np.isfinite(f)):
            raise EdgeAIError("the C emitter cannot write non-finite constants")
        items = [(t if ("e" in t or "." in t) else t + ".0") + "f" for t in _g9(f)]
    elif ctype in ("int64_t", "uint64_t"):
        items = [int_literal(v, ctype) for v in flat.tolist()]
    else:
        items = ["INT32_MIN" if v == -(2**31) else str(v) for v in flat.astype(np.int64).tolist()]
    lines = [
        indent + ", ".join(items[i : i + per_line]) + "," for i in range(0, len(items), per_line)
    ]
    return "\n".join(lines)


def _g9(values: np.ndarray) -> list[str]:
    return [f"{v:.9g}" for v in values.astype(np.float64).tolist()]


def comment(text: str) -> str:
    """`text` safe inside a C block comment."""
    return text.replace("*/", "* /").replace("/*", "/ *")


class Code:
    """An indenting line builder for C bodies."""

    def __init__(self, depth: int = 1) -> None:
        self.lines: list[str] = []
        self.depth = depth

    def __call__(self, *lines: str) -> None:
        for line in lines:
            self.lines.append(("    " * self.depth + line) if line else "")

    @contextmanager
    def block(self, head: str) -> Iterator[None]:
        """`head {` ... `}` (an `else` joins the closing brace before it)."""
        closing = "    " * self.depth + "}"
        if head.startswith("else") and self.lines and self.lines[-1] == closing:
            self.lines[-1] = f"{closing} {head} {{"
        else:
            self(head + " {")
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
            self("}")

    def loop(self, var: str, count: int | str, start: int | str = 0):
        """`for (int var = start; var < count; ++var) {` ... `}`."""
        return self.block(f"for (int {var} = {start}; {var} < {count}; ++{var})")

    def loops(self, spec: Sequence[tuple[str, int]]):
        """Nested loops, outermost first."""
        return _nested(self, spec)

    def text(self) -> str:
        return "\n".join(self.lines)


@contextmanager
def _nested(code: Code, spec: Sequence[tuple[str, int]]) -> Iterator[None]:
    if not spec:
        yield
        return
    (var, n), rest = spec[0], spec[1:]
    with code.loop(var, n), _nested(code, rest):
        yield


def strides(shape: Sequence[int]) -> list[int]:
    """Row-major element strides of `shape`."""
    out = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        out[i] = out[i + 1] * int(shape[i + 1])
    return out


def index_expr(terms: Iterable[tuple[str, int]]) -> str:
    """`i * 12 + j * 3 + k` from (variable, stride) pairs; zero strides dropped."""
    parts = []
    for var, stride in terms:
        if stride == 0:
            continue
        parts.append(var if stride == 1 else f"{var} * {stride}")
    return " + ".join(parts) or "0"
