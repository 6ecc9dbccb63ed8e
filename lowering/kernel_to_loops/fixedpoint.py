"""TFLite / gemmlowp integer primitives emitted as IR (`arith` on i32, products in i64).

Each function here emits, at a `LoopBuilder`'s position, the exact integer computation of its
namesake in `edgeai.reference.fixedpoint` (the NumPy golden model): two's-complement wrap-around
where the C++ wraps, saturation where it saturates. The larger ones are private helper functions
of the module (`func.func private @edgeai_fp_*`, created on first use and called), so a model
holds one copy of each; LLVM inlines them where it pays.

Contracts (as in TFLite): right-shift exponents in [0, 31], left shifts in [0, 30].
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import i32, i64
from xdsl.ir import SSAValue

from edgeai.lowering.kernel_to_loops.builder import LoopBuilder, Value
from edgeai.reference.fixedpoint import _EXP_BARREL  # the same barrel-shifter table

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


# ----------------------------------------------------------------------------------------------
# helper function bodies


def _srdhm_body(b: LoopBuilder, args: Sequence[SSAValue]) -> SSAValue:
    """gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2**31), ties toward +inf,
    MIN * MIN saturating to MAX."""
    a, c = args
    overflow = b.and_(b.cmp("eq", a, c), b.cmp("eq", a, INT32_MIN))
    ab = b.mul(b.i64(a), b.i64(c))
    nudge = b.select(b.cmp("sge", ab, 0), b.const(1 << 30, i64), b.const(1 - (1 << 30), i64))
    res = b.i32(b.divs(b.add(ab, nudge), 1 << 31))
    return b.select(overflow, INT32_MAX, res)


def _rdbpot_body(b: LoopBuilder, args: Sequence[SSAValue]) -> SSAValue:
    """gemmlowp RoundingDivideByPOT: arithmetic shift right rounding half away from zero."""
    x, e = args
    mask = b.sub(b.shl(b.const(1, i32), e), 1)
    remainder = b.and_(x, mask)
    threshold = b.add(b.shrs(mask, 1), b.bit(b.cmp("slt", x, 0), i32))
    return b.add(b.shrs(x, e), b.bit(b.cmp("sgt", remainder, threshold), i32))


def _mbqm_body(b: LoopBuilder, args: Sequence[SSAValue]) -> SSAValue:
    """TFLite MultiplyByQuantizedMultiplier (double rounding): wrap(x << max(s, 0)), SRDHM by
    the multiplier, RoundingDivideByPOT by max(-s, 0)."""
    x, m, s = args
    left = b.maxs(s, 0)
    right = b.maxs(b.sub(0, s), 0)
    return rdbpot(b, srdhm(b, b.shl(x, left), m), right)


def _exp_interval_body(b: LoopBuilder, args: Sequence[SSAValue]) -> SSAValue:
    """gemmlowp exp_on_interval_between_negative_one_quarter_and_0_excl (Q0.31 in and out)."""
    (a,) = args
    constant_term = 1895147668
    constant_1_over_3 = 715827883
    x = b.add(a, 1 << 28)
    x2 = srdhm(b, x, x)
    x3 = srdhm(b, x2, x)
    x4 = srdhm(b, x2, x2)
    x4_over_4 = srmpot(b, x4, -2)
    poly = srmpot(b, b.add(srdhm(b, b.add(x4_over_4, x3), constant_1_over_3), x2), -1)
    return b.add(constant_term, srdhm(b, b.const(constant_term, i32), b.add(x, poly)))


def _exp_negative_body(integer_bits: int):
    def body(b: LoopBuilder, args: Sequence[SSAValue]) -> SSAValue:
        """gemmlowp exp_on_negative_values for FixedPoint<int32, integer_bits>, Q0.31 result."""
        (a,) = args
        k = integer_bits
        frac = 31 - k
        one_quarter = 1 << (frac - 2)
        a_mod = b.sub(b.and_(a, one_quarter - 1), one_quarter)
        result = b.call(
            _helper(b, "edgeai_fp_exp_interval", 1, _exp_interval_body),
            [srmpot(b, a_mod, k)],
            i32,
        )
        remainder = b.sub(a_mod, a)
        for exponent, multiplier in _EXP_BARREL:
            if k > exponent:
                bit = 1 << (frac + exponent)
                hit = b.cmp("ne", b.and_(remainder, bit), 0)
                result = b.select(hit, srdhm(b, result, multiplier), result)
        if k > 5:
            result = b.select(b.cmp("slt", a, -(1 << (36 - k))), 0, result)
        return b.select(b.cmp("eq", a, 0), INT32_MAX, result)

    return body


def _one_over_one_plus_x_body(b: LoopBuilder, args: Sequence[SSAValue]) -> SSAValue:
    """gemmlowp one_over_one_plus_x_for_x_in_0_1 (Q0.31 in and out): three Newton-Raphson
    steps on the half denominator in Q2.29."""
    (a,) = args
    half_denominator = rounding_half_sum(b, a, INT32_MAX)
    x = b.add(1515870810, srdhm(b, half_denominator, -1010580540))
    for _ in range(3):
        one_minus = b.sub(1 << 29, srdhm(b, half_denominator, x))
        x = b.add(x, srmpot(b, srdhm(b, x, one_minus), 2))
    return srmpot(b, x, 1)


def _helper(b: LoopBuilder, name: str, arity: int, body) -> str:
    return b.state.helper(name, [i32] * arity, i32, body)


# ----------------------------------------------------------------------------------------------
# public emitters


def srdhm(b: LoopBuilder, a: Value, c: Value) -> SSAValue:
    """SaturatingRoundingDoublingHighMul(a, c) on i32."""
    sym = _helper(b, "edgeai_fp_srdhm", 2, _srdhm_body)
    return b.call(sym, [b.val(a, i32), b.val(c, i32)], i32)


def rdbpot(b: LoopBuilder, x: SSAValue, exponent: Value) -> SSAValue:
    """RoundingDivideByPOT(x, exponent), exponent in [0, 31] (a value or a Python int)."""
    if isinstance(exponent, int) and exponent == 0:
        return x
    sym = _helper(b, "edgeai_fp_rdbpot", 2, _rdbpot_body)
    return b.call(sym, [x, b.val(exponent, i32)], i32)


def mbqm(b: LoopBuilder, x: SSAValue, multiplier: Value, shift: Value) -> SSAValue:
    """MultiplyByQuantizedMultiplier(x, multiplier, shift) (TFLite's double rounding); also
    exactly the SmallerThanOneExp (shift <= 0) and GreaterThanOne (shift >= 0) variants."""
    sym = _helper(b, "edgeai_fp_mbqm", 3, _mbqm_body)
    return b.call(sym, [x, b.val(multiplier, i32), b.val(shift, i32)], i32)


def srmpot(b: LoopBuilder, x: SSAValue, exponent: int) -> SSAValue:
    """SaturatingRoundingMultiplyByPOT<exponent> (compile-time exponent), inline."""
    if exponent == 0:
        return x
    if exponent < 0:
        return rdbpot(b, x, -exponent)
    threshold = (1 << (31 - exponent)) - 1
    res = b.shl(x, exponent)
    res = b.select(b.cmp("sgt", x, threshold), INT32_MAX, res)
    return b.select(b.cmp("slt", x, -threshold), INT32_MIN, res)


def rounding_half_sum(b: LoopBuilder, a: SSAValue, c: Value) -> SSAValue:
    """gemmlowp RoundingHalfSum: (a + c) / 2 rounded half away from zero, inline."""
    s = b.add(b.i64(a), b.i64(b.val(c, i32)))
    sign = b.select(b.cmp("sge", s, 0), b.const(1, i64), b.const(-1, i64))
    return b.i32(b.divs(b.add(s, sign), 2))


def exp_on_negative_values(b: LoopBuilder, a: SSAValue, integer_bits: int) -> SSAValue:
    """exp(a) for a <= 0 given as raw FixedPoint<int32, integer_bits>; Q0.31 result."""
    sym = _helper(
        b, f"edgeai_fp_exp_on_negative_values_{integer_bits}", 1, _exp_negative_body(integer_bits)
    )
    return b.call(sym, [a], i32)


def one_over_one_plus_x(b: LoopBuilder, a: SSAValue) -> SSAValue:
    """1 / (1 + a) for Q0.31 a in [0, 1); Q0.31 result."""
    sym = _helper(b, "edgeai_fp_one_over_one_plus_x", 1, _one_over_one_plus_x_body)
    return b.call(sym, [a], i32)


def get_reciprocal(b: LoopBuilder, x: SSAValue, x_integer_digits: int) -> tuple[SSAValue, SSAValue]:
    """TFLite GetReciprocal for a positive raw FixedPoint<int32, x_integer_digits>:
    (Q0.31 scale, num_bits_over_unit)."""
    headroom_plus_one = b.ctlz(x)
    num_bits_over_unit = b.sub(x_integer_digits, headroom_plus_one)
    shifted_minus_one = b.sub(b.shl(x, headroom_plus_one), INT32_MIN)
    return one_over_one_plus_x(b, shifted_minus_one), num_bits_over_unit


__all__ = [
    "exp_on_negative_values",
    "get_reciprocal",
    "mbqm",
    "one_over_one_plus_x",
    "rdbpot",
    "rounding_half_sum",
    "srdhm",
    "srmpot",
]
