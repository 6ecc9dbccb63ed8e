"""Which `nn` ops and element types run on the __NAME__ accelerator.

One rule per group of ops, each a function whose docstring states the conditions (the rows of
SUPPORTED_OPS.md: `python -m edgeai.backends --write`). An op without a rule, or whose rule
refuses it, runs on the fallback backend (Cortex-M); the reason goes into the report.
"""

from __future__ import annotations

from edgeai.backends.base import RuleTable, SupportRow, Verdict

__all__ = ["RULES", "legality", "supported_ops"]

RULES = RuleTable("__NAME__", refused="not supported by the __NAME__ accelerator")


def _kind(t) -> str:
    """'f32', 'int8' (per-tensor or per-channel int8) or the type's text."""
    from xdsl.dialects.builtin import Float32Type

    from edgeai.dialects.nn_types import QuantType

    e = getattr(t, "element_type", t)
    if isinstance(e, Float32Type):
        return "f32"
    if isinstance(e, QuantType) and e.width == 8 and e.is_signed:
        return "int8" if e.channel_axis is None else "int8/channel"
    return str(e)


@RULES.rule("nn.conv2d", "nn.depthwise_conv2d", "nn.dense", runs_as="MAC array")
def mac_layers(op) -> Verdict:
    """int8 per-tensor input and output with int8 weights (per-tensor or per-channel), or f32
    throughout; any fused activation."""
    x, w, y = _kind(op.operands[0].type), _kind(op.operands[1].type), _kind(op.results[0].type)
    if (x, y) == ("int8", "int8") and w in ("int8", "int8/channel"):
        return Verdict.yes(f"{op.name}: int8 on the MAC array")
    if (x, w, y) == ("f32", "f32", "f32"):
        return Verdict.yes(f"{op.name}: f32 on the MAC array")
    return Verdict.no(f"{op.name}: ({x}, {w}) -> {y} is neither int8 nor f32 throughout")


@RULES.rule("nn.relu", "nn.clamp", "nn.add", "nn.max_pool2d", runs_as="vector unit")
def vector_ops(op) -> Verdict:
    """One element type throughout, f32 or int8 per-tensor."""
    kinds = {_kind(v.type) for v in [*op.operands, *op.results]}
    if len(kinds) == 1 and kinds <= {"f32", "int8"}:
        return Verdict.yes(f"{op.name}: {kinds.pop()} on the vector unit")
    return Verdict.no(f"{op.name}: element types {', '.join(sorted(kinds))} (one of f32, int8)")


@RULES.rule("nn.reshape", runs_as="a view (no data movement)")
def reshape(op) -> Verdict:
    """Any element type."""
    return Verdict.yes("nn.reshape: a view of its input")


def legality(op) -> Verdict:
    """Whether `op` runs on the accelerator (its rule's verdict)."""
    return RULES.verdict(op)


def supported_ops() -> list[SupportRow]:
    """SUPPORTED_OPS.md's rows: every `nn` op."""
    return RULES.rows()
