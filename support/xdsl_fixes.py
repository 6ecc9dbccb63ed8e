"""Workarounds for xDSL 0.74.0 behaviour that would make printed IR lossy.

xDSL prints a finite float whose 9-digit form has no '.' (e.g. 12572510.0) as a hex bit pattern,
and non-finite values inside `dense<[...]>` lists as hex too; its parser reads such hex literals in
float lists as integers, so the value changes on the round trip. We print finite floats in decimal
(shortest form that round-trips) and print float dense data holding inf/nan as a hex string
(`dense<"0x...">`), which the parser reads back bit-exactly. `tests/test_xdsl_fixes.py` checks the
round trip and will tell when upstream fixes make this module unnecessary.
"""

from __future__ import annotations

import math
import struct

import numpy as np
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, Float32Type, Float64Type
from xdsl.printer import Printer

_applied = False


def format_float(value: float, bits: int = 64) -> str:
    """Shortest decimal text that parses back to exactly `value` at the given width.

    Always contains a '.' so MLIR-style parsers read it as a float literal.
    """
    if bits == 32:
        text = np.format_float_positional(np.float32(value), unique=True, trim="0")
        if len(text) > 16:
            text = np.format_float_scientific(np.float32(value), unique=True, trim="0")
    else:
        text = repr(float(value))
    mantissa, _, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    elif mantissa.endswith("."):
        mantissa += "0"
    return mantissa + ("e" + exponent if exponent else "")


def _print_float(self: Printer, value: float, type) -> None:  # noqa: ANN001
    if math.isnan(value) or math.isinf(value):
        raw = type.pack((value,))
        self.print_string(f"0x{raw[::-1].hex()}")
        return
    bits = 32 if isinstance(type, Float32Type) else 64 if isinstance(type, Float64Type) else 0
    if bits:
        self.print_string(format_float(value, bits))
    else:  # f16/bf16: keep xDSL's behaviour
        _orig_print_float(self, value, type)


def _dense_print_without_type(self: DenseIntOrFPElementsAttr, printer: Printer) -> None:
    elt = self.get_element_type()
    if isinstance(elt, Float32Type | Float64Type) and len(self) > 0:
        fmt = "<f" if isinstance(elt, Float32Type) else "<d"
        raw = self.data.data
        n = len(raw) // struct.calcsize(fmt)
        values = struct.unpack(f"<{n}{fmt[1]}", raw)
        size = struct.calcsize(fmt)
        bitwise_splat = all(raw[i : i + size] == raw[:size] for i in range(0, len(raw), size))
        # non-finite values, or +0.0/-0.0 mixes that xDSL would print as one splat value
        if not all(math.isfinite(v) for v in values) or (self.is_splat() and not bitwise_splat):
            printer.print_string(f'dense<"0x{raw.hex().upper()}">')
            return
    _orig_dense_print(self, printer)


_orig_print_float = Printer.print_float
_orig_dense_print = DenseIntOrFPElementsAttr.print_without_type


def apply() -> None:
    """Install the workarounds (idempotent)."""
    global _applied
    if _applied:
        return
    Printer.print_float = _print_float  # type: ignore[method-assign]
    DenseIntOrFPElementsAttr.print_without_type = _dense_print_without_type  # type: ignore[method-assign]
    _applied = True
